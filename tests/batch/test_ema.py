"""vtsim inside EMA Workbench: perform_experiments gives the numbers `vtsim batch` gives."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

pytest.importorskip("ema_workbench")

from vtsim.batch.runner import run_sweep  # noqa: E402
from vtsim.batch.sweep import load_sweep  # noqa: E402
from vtsim.ema import (  # noqa: E402
    design_scenarios,
    ema_model,
    package_policies,
    replication_frame,
)


def _batch_and_ema(tiny_sweep, tmp_path, evaluator_class, **kw):
    from ema_workbench import perform_experiments

    results = run_sweep(tiny_sweep, tmp_path / "batch", jobs=1, progress=False, fmt="csv")
    model = ema_model(None, tiny_sweep)
    with evaluator_class(model, **kw) as evaluator:
        experiments, outcomes = perform_experiments(
            model,
            scenarios=design_scenarios(model),
            policies=package_policies(model),
            evaluator=evaluator,
        )
    return results, model, experiments, outcomes


def _compare(results, model, experiments, outcomes):
    frame = replication_frame(model, experiments, outcomes)
    frame["point"] = frame["scenario"].str.removeprefix("point").astype(int)
    keys = ["point", "package", "replication"]
    batch = results.frame.set_index(keys).sort_index()
    ema = frame.set_index(keys).sort_index()
    assert len(ema) == len(batch) == 4 * 2 * 3
    for metric in results.outcomes:
        np.testing.assert_array_equal(
            ema[metric].to_numpy(dtype=float), batch[metric].to_numpy(dtype=float)
        )
        # the scalar outcome is the mean of the replications, as BatchResults.summary's
        means = results.summary(metric).set_index(["point", "package"])["mean"]
        scalar = pd.Series(
            np.asarray(outcomes[metric], dtype=float),
            index=pd.MultiIndex.from_arrays(
                [
                    experiments["scenario"].astype(str).str.removeprefix("point").astype(int),
                    experiments["package"].astype(str),
                ]
            ),
        )
        np.testing.assert_allclose(scalar.sort_index(), means.sort_index(), rtol=0, atol=1e-12)


def test_model_mirrors_the_sweep(tiny_sweep):
    from ema_workbench import CategoricalParameter, RealParameter

    sweep, _ = load_sweep(tiny_sweep)
    model = ema_model(None, tiny_sweep)
    unc = {u.name: u for u in model.uncertainties}
    assert isinstance(unc["police_speed_scale"], CategoricalParameter)  # values: [0.5, 1.5]
    assert isinstance(unc["screening_p_detect"], RealParameter)  # low/high
    (lever,) = model.levers
    assert lever.name == "package" and [c.value for c in lever.categories] == [
        "baseline",
        "screening",
    ]
    names = {o.name for o in model.outcomes}
    assert {"casualties_total", "casualties_total_replications"} <= names
    assert model.nreplications == sweep.replications


@pytest.mark.slow
def test_sequential_evaluator_gives_the_batch_numbers(tiny_sweep, tmp_path):
    from ema_workbench import SequentialEvaluator

    _compare(*_batch_and_ema(tiny_sweep, tmp_path, SequentialEvaluator))


@pytest.mark.slow
def test_multiprocessing_evaluator_gives_the_batch_numbers(tiny_sweep, tmp_path):
    from ema_workbench import MultiprocessingEvaluator

    _compare(*_batch_and_ema(tiny_sweep, tmp_path, MultiprocessingEvaluator, n_processes=2))


def test_a_clear_error_without_a_sweep_or_seed():
    from vtsim.errors import VtsimError

    with pytest.raises(VtsimError, match="seed"):
        ema_model("harbour-festival", replications=2)


def test_a_clear_import_error_without_ema_workbench(monkeypatch):
    import importlib
    import sys

    monkeypatch.setitem(sys.modules, "ema_workbench", None)  # as if not installed
    monkeypatch.delitem(sys.modules, "vtsim.ema", raising=False)
    with pytest.raises(ImportError, match=r"pip install 'vtsim\[ema\]'"):
        importlib.import_module("vtsim.ema")
