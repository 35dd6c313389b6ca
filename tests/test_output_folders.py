"""Output folders (issue 17, item 3): checked before anything is simulated, never left
half-written, and believed by `vtsim report` only once they match their manifest."""

from __future__ import annotations

import json
import time

import pandas as pd
import pytest
from click.testing import CliRunner

import vtsim
from vtsim.cli import main
from vtsim.errors import VtsimError
from vtsim.report import output as output_module
from vtsim.report.output import (
    check_results_folder,
    prepare_output,
    staged_output,
    write_results,
)


@pytest.fixture(scope="module")
def results():
    return vtsim.run("harbour-festival", replications=2, seed=3, progress=False)


def _no_simulation(monkeypatch):
    """Any simulation now fails the test: the folder must be refused before."""
    import vtsim.analysis.runner as runner

    def boom(*args, **kwargs):
        raise AssertionError("simulated before the output folder was checked")

    monkeypatch.setattr(runner, "run", boom)


def test_output_under_a_file_is_refused_before_simulating(tmp_path, monkeypatch):
    _no_simulation(monkeypatch)
    blocker = tmp_path / "file"
    blocker.write_text("x")
    start = time.perf_counter()
    result = CliRunner().invoke(main, ["run", "-n", "2", "-o", str(blocker / "out")])
    assert result.exit_code == 2, result.output
    assert "is a file, not a folder" in result.output
    assert "Traceback" not in result.output
    assert time.perf_counter() - start < 5
    assert not (tmp_path / "file" / "out").exists()


def test_output_that_is_a_file_is_refused(tmp_path):
    target = tmp_path / "out"
    target.write_text("x")
    with pytest.raises(VtsimError, match="is a file, not a folder"):
        prepare_output(target)


@pytest.mark.skipif(__import__("os").geteuid() == 0, reason="root may write anywhere")
def test_unwritable_output_is_refused(tmp_path):
    locked = tmp_path / "locked"
    locked.mkdir()
    locked.chmod(0o500)
    try:
        with pytest.raises(VtsimError, match="cannot write"):
            prepare_output(locked / "out")
    finally:
        locked.chmod(0o700)


def test_a_full_disk_is_found_before_simulating(tmp_path, monkeypatch):
    def full(*args, **kwargs):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(output_module.tempfile, "mkstemp", full)
    with pytest.raises(VtsimError, match="No space left on device"):
        prepare_output(tmp_path / "new" / "out")
    assert not (tmp_path / "new").exists()  # a folder made only for the check goes again


def test_non_empty_folder_of_something_else_needs_force(tmp_path, monkeypatch):
    _no_simulation(monkeypatch)
    out = tmp_path / "out"
    out.mkdir()
    (out / "notes.txt").write_text("mine")
    result = CliRunner().invoke(main, ["run", "-n", "2", "-o", str(out)])
    assert result.exit_code == 2, result.output
    assert "not empty" in result.output and "--force" in result.output
    assert not (out / "replications.csv").exists()
    # --force lets it through (the check only; the run itself is not needed here)
    assert prepare_output(out, force=True) == out
    # a folder holding a previous run of the same kind is fine
    other = tmp_path / "previous"
    other.mkdir()
    (other / "replications.csv").write_text("package,replication\n")
    (other / "manifest.json").write_text("{}")
    assert prepare_output(other) == other


def test_leftover_staging_folders_are_cleaned(tmp_path):
    out = tmp_path / "out"
    stale = out / f"{output_module.STAGE_PREFIX}999999999-abc"
    stale.mkdir(parents=True)
    (stale / "replications.csv").write_text("half")
    (out / ".replications.csv.x1y2.tmp").write_text("half")
    prepare_output(out)
    assert sorted(p.name for p in out.iterdir()) == []


def test_a_failed_second_run_leaves_the_first_whole(tmp_path, results, monkeypatch):
    out = tmp_path / "out"
    write_results(results, out, figures=False)
    before = {p.name: p.read_bytes() for p in out.iterdir()}
    check_results_folder(out)

    def dies(*args, **kwargs):  # the writer is killed after replications.csv
        raise KeyboardInterrupt

    monkeypatch.setattr(output_module, "scorecard_records", dies)
    with pytest.raises(KeyboardInterrupt):
        write_results(results, out, figures=False)
    after = {p.name: p.read_bytes() for p in out.iterdir()}
    assert after == before  # no staging folder left, the old run untouched
    check_results_folder(out)


def test_a_second_run_replaces_the_first_and_its_stale_files(tmp_path, results):
    out = tmp_path / "out"
    write_results(results, out, figures=False)
    (out / "comparison.json").write_text("{}")  # as left by an earlier `compare -o`
    manifest = json.loads((out / "manifest.json").read_text())
    manifest["files"]["comparison.json"] = {"bytes": 2}
    (out / "manifest.json").write_text(json.dumps(manifest))
    write_results(results, out, figures=False)
    assert not (out / "comparison.json").exists()
    check_results_folder(out)


def test_staged_output_keeps_other_files(tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    (out / "notes.txt").write_text("mine")
    with staged_output(out) as stage:
        (stage / "replications.csv").write_text("a\n")
    assert (out / "notes.txt").read_text() == "mine"
    assert (out / "replications.csv").read_text() == "a\n"
    assert [p.name for p in out.iterdir() if p.name.startswith(".")] == []


def test_report_refuses_a_truncated_csv(tmp_path, results):
    out = tmp_path / "out"
    write_results(results, out, figures=False)
    csv = out / "replications.csv"
    data = csv.read_bytes()
    csv.write_bytes(data[: len(data) // 2])
    with pytest.raises(VtsimError, match="replications.csv"):
        check_results_folder(out)
    result = CliRunner().invoke(main, ["report", str(out), "-o", str(tmp_path / "report")])
    assert result.exit_code == 2, result.output
    assert "not a complete results folder" in result.output
    assert "Traceback" not in result.output


def test_report_refuses_a_folder_without_manifest_or_with_a_bad_one(tmp_path, results):
    out = tmp_path / "out"
    write_results(results, out, figures=False)
    manifest = json.loads((out / "manifest.json").read_text())
    (out / "manifest.json").write_text(json.dumps({**manifest, "seed": "seven"}))
    with pytest.raises(VtsimError, match="'seed'"):
        check_results_folder(out)
    (out / "manifest.json").unlink()
    with pytest.raises(VtsimError, match="no manifest.json"):
        check_results_folder(out)


def test_report_refuses_rows_missing_even_without_a_file_list(tmp_path, results):
    out = tmp_path / "out"
    write_results(results, out, figures=False)
    manifest = json.loads((out / "manifest.json").read_text())
    del manifest["files"]  # as written by an older vtsim
    (out / "manifest.json").write_text(json.dumps(manifest))
    frame = pd.read_csv(out / "replications.csv")
    frame.iloc[:-1].to_csv(out / "replications.csv", index=False)
    with pytest.raises(VtsimError, match="rows"):
        check_results_folder(out)


def test_figures_print_dollars_as_dollars():
    import matplotlib

    from vtsim.report.figures import _pyplot

    _pyplot()
    assert matplotlib.rcParams["text.parse_math"] is False


@pytest.mark.slow
def test_mathtext_in_names_does_not_crash_a_figure(tmp_path, results):
    import matplotlib

    from vtsim.analysis.results import Results

    matplotlib.rcParams["text.parse_math"] = True  # as in a fresh process
    from vtsim.report.figures import save
    from vtsim.report.plots import plot_scorecard

    odd = "$x_$"
    frame = results.frame.copy()
    frame["package"] = frame["package"].replace({"screening": odd})
    packages = [odd if p == "screening" else p for p in results.packages]
    scenario = results.scenario.model_copy(update={"name": f"Festival {odd}"})
    renamed = Results(
        frame,
        scenario=scenario,
        packages=packages,
        seed=results.seed,
        replications=results.replications,
    )
    save(plot_scorecard(renamed), tmp_path / "scorecard.png")
    assert (tmp_path / "scorecard.png").stat().st_size > 0


def test_dask_options_are_checked():
    from vtsim.cli.options import dask_security

    with pytest.raises(VtsimError, match="not both"):
        dask_security("tcp://h:1", 2, None, None, None)
    with pytest.raises(VtsimError, match="needs --tls-ca-file"):
        dask_security("tls://h:1", None, None, None, None)
    with pytest.raises(VtsimError, match="go with a tls://"):
        dask_security(None, 2, "ca.pem", None, None)
    tls = dask_security("tls://h:1", None, "ca.pem", "me.pem", None)
    assert tls["tls"] == {"ca_file": "ca.pem", "cert": "me.pem", "key": None}
    assert dask_security(None, 2, None, None, None)["tls"] is None
