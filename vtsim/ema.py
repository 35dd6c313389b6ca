"""vtsim inside EMA Workbench (Kwakkel 2017): a scenario and a sweep's factors as a
``ReplicatorModel``, so EMA's samplers, evaluators and analyses (PRIM, feature scoring,
SALib through EMA) run vtsim.

>>> from ema_workbench import SequentialEvaluator, perform_experiments  # doctest: +SKIP
>>> from vtsim.ema import ema_model, design_scenarios, package_policies
>>> model = ema_model(None, "harbour-festival-sweep", replications=10, seed=7)
>>> with SequentialEvaluator(model) as evaluator:
...     experiments, outcomes = evaluator.perform_experiments(
...         scenarios=design_scenarios(model), policies=package_policies(model))

- **uncertainties**: the sweep's factors; a ``low``/``high`` range becomes a
  ``RealParameter`` (an ``IntegerParameter`` with ``integer: true``), a ``values`` list a
  ``CategoricalParameter`` (names are made Python identifiers: ``detection-rate`` becomes
  ``detection_rate``; :attr:`VtsimFunction.names` maps them back);
- **levers**: ``package``, a ``CategoricalParameter`` of the packages (``baseline`` and
  the scenario's packages, or the sweep's list);
- **outcomes**: one ``ScalarOutcome`` per metric, the mean of the replications (NaN
  replications ignored, as ``BatchResults.summary`` does), and one ``ArrayOutcome``
  ``<metric>_replications`` with the value of every replication.

Replication ``r`` of an experiment is ``simulate(variant, seed, r)``, run through the same
function as a ``vtsim batch`` chunk (:func:`vtsim.analysis.executors.run_chunk`), and the
variant is built as the batch runner builds it (the point's factor effects, then the
package's measures): for the same points, packages, seed and replications, EMA gives the
numbers ``vtsim batch`` gives, with any EMA evaluator. :func:`design_scenarios` gives the
sweep's own design as EMA scenarios; EMA's samplers (``scenarios=200``) give others.

Needs the ``ema`` extra: ``pip install 'vtsim[ema]'``.
"""

from __future__ import annotations

import math
import re
import warnings
from collections import OrderedDict
from pathlib import Path

try:
    with warnings.catch_warnings():  # EMA warns about optional back-ends at import
        warnings.simplefilter("ignore")
        import ema_workbench as _ema
except ImportError:  # pragma: no cover - depends on the environment
    raise ImportError(
        "vtsim.ema needs EMA Workbench: pip install 'vtsim[ema]' (or pip install ema_workbench)."
    ) from None

import numpy as np

from vtsim.analysis.executors import Task, process_caches, run_chunk
from vtsim.batch.sweep import (
    Sweep,
    apply_point,
    design_table,
    load_sweep,
    packages_of,
    point_effects,
)
from vtsim.errors import VtsimError
from vtsim.scenario.schema import Scenario
from vtsim.scenario.transforms import apply_package

__all__ = [
    "VtsimFunction",
    "design_scenarios",
    "ema_model",
    "identifier",
    "package_policies",
    "replication_frame",
]

DEFAULT_OUTCOMES = ("casualties_total", "attack_succeeded")


def identifier(name: str) -> str:
    """An EMA-acceptable name (a Python identifier) for a factor or metric id."""
    out = re.sub(r"\W", "_", name)
    return out if out.isidentifier() else f"f_{out}"


def nanmean(values) -> float:
    """Mean of the replications, ignoring NaN (a metric not defined in a replication)."""
    arr = np.asarray(values, dtype=float)
    arr = arr[~np.isnan(arr)]
    return float(arr.mean()) if len(arr) else math.nan


class VtsimFunction:
    """The function EMA calls for one replication: ``f(package=..., replication=...,
    **factor_values)`` -> ``{metric: value}``. Picklable (EMA's multiprocessing evaluator
    sends it to its workers); built variants are cached per process."""

    def __init__(self, sweep: Sweep | None, base: Scenario, seed: int, threat: str | None):
        self.sweep, self.base, self.seed, self.threat = sweep, base, seed, threat
        factors = sweep.factors if sweep is not None else []
        self.names = {identifier(f.id): f.id for f in factors}
        self._factors = {f.id: f for f in factors}
        self._cache: OrderedDict = OrderedDict()

    def __getstate__(self):
        return {**self.__dict__, "_cache": OrderedDict()}

    def variant(self, package: str, values: dict[str, float]) -> Scenario:
        """The scenario of a point and a package, built as the batch runner builds it."""
        key = (package, tuple(sorted(values.items())))
        scenario = self._cache.get(key)
        if scenario is None:
            world = self.base
            if values:
                label = f"EMA experiment ({values})"
                world = apply_point(self.base, point_effects(self.sweep, values), label)
            scenario = apply_package(world, package)
            if len(self._cache) >= 32:
                self._cache.popitem(last=False)
            self._cache[key] = scenario
        return scenario

    def __call__(self, package: str = "baseline", replication: int = 0, **kwargs) -> dict:
        values = {}
        for name, value in kwargs.items():
            fid = self.names.get(name, name)
            if fid not in self._factors:
                raise VtsimError(f"EMA passed '{name}', which is not a factor of the sweep.")
            # as design_table stores it: a float, rounded for an integer factor
            values[fid] = self._factors[fid]._fix(float(value))
        scenario = self.variant(str(package), values)
        key = f"ema/{package}"
        (row,) = run_chunk(
            scenario,
            self.seed,
            Task(key, int(replication), int(replication) + 1),
            self.threat,
            process_caches(),
        )
        return {k: _number(v) for k, v in row.items() if k not in ("replication",)}


def _number(value):
    if value is None:
        return math.nan
    if isinstance(value, (bool, np.bool_)):
        return float(value)
    return value


def _load(scenario, sweep) -> tuple[Sweep | None, Scenario]:
    from vtsim.scenario.loader import load_scenario

    base = None
    if sweep is not None and not isinstance(sweep, Sweep):
        sweep, base = load_sweep(Path(sweep) if not isinstance(sweep, Path) else sweep)
    if isinstance(scenario, Scenario):
        base = scenario
    elif scenario is not None:
        base = load_scenario(scenario)
    elif base is None:
        if sweep is None:
            raise VtsimError("ema_model needs a scenario, a sweep, or both.")
        base = load_scenario(sweep.scenario)
    return sweep, base


def _uncertainty(factor, name: str):
    if factor.values is not None:
        levels = list(dict.fromkeys(factor._fix(v) for v in factor.values))
        if len(levels) == 1:
            return _ema.Constant(name, levels[0])
        return _ema.CategoricalParameter(name, levels)
    if factor.high == factor.low:
        return _ema.Constant(name, factor._fix(factor.low))
    if factor.integer:
        return _ema.IntegerParameter(name, int(round(factor.low)), int(round(factor.high)))
    return _ema.RealParameter(name, float(factor.low), float(factor.high))


def ema_model(
    scenario: Scenario | str | Path | None,
    sweep: Sweep | str | Path | None = None,
    *,
    replications: int | None = None,
    seed: int | None = None,
    outcomes: list[str] | None = None,
    packages: list[str] | None = None,
    name: str = "vtsim",
):
    """An EMA Workbench ``ReplicatorModel`` of ``scenario`` (a :class:`Scenario`, a file
    or a bundled name; ``None``: the sweep's) over ``sweep``'s factors (a :class:`Sweep`,
    a sweep file or a bundled sweep name; ``None``: no uncertainties, only the package
    lever).

    ``replications`` and ``seed`` default to the sweep's; ``outcomes`` (metric names) to
    the sweep's, else casualties and attack success; ``packages`` to the sweep's, else
    ``baseline`` and every package of the scenario. Every experiment runs replications
    ``0 .. replications-1`` with ``seed``, as ``vtsim batch`` does.
    """
    sweep, base = _load(scenario, sweep)
    if replications is None:
        if sweep is None:
            raise VtsimError("ema_model: give replications= (there is no sweep to take it from).")
        replications = sweep.replications
    if seed is None:
        if sweep is None:
            raise VtsimError("ema_model: give seed= (there is no sweep to take it from).")
        seed = sweep.seed
    if replications < 1:
        raise VtsimError("ema_model: replications must be at least 1.")
    outcomes = list(outcomes or (sweep.outcomes if sweep is not None else DEFAULT_OUTCOMES))
    if packages is None:
        packages = (
            packages_of(sweep, base)
            if sweep is not None
            else ["baseline", *(p.id for p in base.packages)]
        )
    known = {"baseline", *(p.id for p in base.packages)}
    unknown = [p for p in packages if p not in known]
    if unknown:
        raise VtsimError(
            f"unknown package(s) {', '.join(unknown)}; expected: {', '.join(sorted(known))}."
        )
    function = VtsimFunction(sweep, base, int(seed), sweep.threat if sweep else None)
    names = list(function.names)
    if len(set(names)) != len(names) or {"package", "replication"} & set(names):
        raise VtsimError(
            "factor ids must stay distinct as Python identifiers (and not be 'package' or "
            f"'replication'): {', '.join(f.id for f in sweep.factors)}."
        )
    model = _ema.ReplicatorModel(name, function=function)
    params, constants = [], []
    for pname, fid in function.names.items():
        param = _uncertainty(function._factors[fid], pname)
        (constants if isinstance(param, _ema.Constant) else params).append(param)
    model.uncertainties = params
    if len(packages) > 1:
        model.levers = [_ema.CategoricalParameter("package", list(packages))]
    else:
        constants.append(_ema.Constant("package", packages[0]))
    model.constants = constants
    model.replications = [{"replication": r} for r in range(int(replications))]
    model_outcomes = []
    for metric in outcomes:
        oname = identifier(metric)
        model_outcomes.append(_ema.ScalarOutcome(oname, variable_name=metric, function=nanmean))
        model_outcomes.append(_ema.ArrayOutcome(f"{oname}_replications", variable_name=metric))
    model.outcomes = model_outcomes
    model.vtsim_packages = list(packages)  # for package_policies
    return model


def design_scenarios(model, sweep: Sweep | str | Path | None = None) -> list:
    """The sweep's own design (``vtsim batch``'s points, in order) as EMA scenarios named
    ``point<N>``; ``sweep`` defaults to the model's."""
    function = model.function
    if sweep is None:
        sweep = function.sweep
    elif not isinstance(sweep, Sweep):
        sweep, _ = load_sweep(sweep)
    if sweep is None:
        raise VtsimError("design_scenarios needs a sweep (the model has none).")
    design = design_table(sweep)
    return [
        _ema.Scenario(f"point{int(p)}", **{identifier(k): v for k, v in row.items()})
        for p, row in zip(design.index, design.to_dict("records"))
    ]


def package_policies(model) -> list:
    """One EMA policy per package of the model (named after the package)."""
    return [_ema.Policy(p, package=p) for p in model.vtsim_packages]


def replication_frame(model, experiments, outcomes):
    """EMA's results as a long table like ``vtsim batch``'s: one row per experiment and
    replication, with ``scenario``, ``package``, ``replication``, the factor values and
    every metric (its per-replication values)."""
    import pandas as pd

    sources = {  # outcome name -> metric
        o.name: o.variable_name[0] for o in model.outcomes if isinstance(o, _ema.ArrayOutcome)
    }
    factor_cols = [c for c in model.function.names if c in experiments.columns]
    rows = []
    for i, exp in enumerate(experiments.itertuples(index=False)):
        exp = exp._asdict()
        package = exp.get("package", model.vtsim_packages[0])
        reps = {m: np.asarray(outcomes[m][i]) for m in sources}
        for r in range(len(next(iter(reps.values())))):
            row = {"scenario": exp.get("scenario"), "package": package, "replication": r}
            row.update({model.function.names[c]: exp[c] for c in factor_cols})
            row.update({sources[m]: reps[m][r] for m in sources})
            rows.append(row)
    return pd.DataFrame(rows)
