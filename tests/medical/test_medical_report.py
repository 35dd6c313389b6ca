"""Medical figures and the respond table, from the Python API and from `vtsim run`."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

import vtsim
from vtsim.cli import main
from vtsim.report.medical_figures import medical_figures, medical_text


def test_medical_figures_from_the_python_api(museum):
    results = vtsim.run(museum, replications=8, seed=1, progress=False)
    figures = medical_figures(results)
    assert set(figures) == {"casualty-flow", "time-to-care"}
    flow_axes = figures["casualty-flow"].axes[0]
    assert {t.get_text() for t in flow_axes.get_legend().get_texts()} == {
        "on scene",
        "in treatment",
        "in transport",
        "at hospital",
        "dead",
    }
    assert "T1 to hospital" in medical_text(results)


def test_no_medical_figures_without_a_medical_section(easi_scenario):
    results = vtsim.run(easi_scenario, replications=5, seed=1, progress=False)
    assert medical_figures(results) == {}
    assert medical_text(results) == ""


@pytest.mark.slow
def test_vtsim_run_shows_the_medical_respond_phase_and_writes_its_figures(tmp_path):
    out = tmp_path / "out"
    result = CliRunner().invoke(main, ["run", "museum-siege", "-n", "10", "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert "preventable deaths" in result.output
    assert "RESPOND, medical" in result.output and "T1 to hospital" in result.output
    for name in ("casualty-flow.png", "time-to-care.png", "replications.csv"):
        assert (out / name).stat().st_size > 0
