"""A plain, non-editable install carries the bundled scenarios."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def wheel(tmp_path_factory):
    pytest.importorskip("hatchling")
    out = tmp_path_factory.mktemp("wheel")
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--no-deps",
            "--no-build-isolation",
            "-q",
            "-w",
            str(out),
            str(ROOT),
        ],
        check=True,
        capture_output=True,
    )
    return next(out.glob("vtsim-*.whl"))


@pytest.mark.slow
def test_wheel_contains_the_scenario_library(wheel):
    names = zipfile.ZipFile(wheel).namelist()
    assert "vtsim/scenarios/harbour-festival.yaml" in names
    assert "vtsim/scenarios/validation/easi-soft-target-path.yaml" in names
    assert any(n.endswith("entry_points.txt") for n in names)
    # Text people read lives outside the code: catalogues and templates must ship too.
    for lang in ("en", "fr", "ar"):
        assert f"vtsim/exercise/messages/{lang}/_language.yaml" in names
    assert any(n.startswith("vtsim/exercise/templates/") for n in names)
    assert any(n.startswith("vtsim/report/templates/") for n in names)
    assert "vtsim/scenarios/measures.yaml" in names
    assert "vtsim/scenarios/networks/coastal-city-grid.nodes.csv" in names


@pytest.mark.slow
def test_installed_copy_runs_the_default_scenario_from_anywhere(wheel, tmp_path):
    target = tmp_path / "site"
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "install",
            "--no-deps",
            "-q",
            "--target",
            str(target),
            str(wheel),
        ],
        check=True,
        capture_output=True,
    )
    code = (
        "import sys; sys.path.insert(0, sys.argv[1]);"
        "import vtsim, vtsim.resources as r;"
        "assert r.scenarios_dir().is_relative_to(sys.argv[1]), r.scenarios_dir();"
        "print(len(vtsim.run('harbour-festival', replications=5, progress=False).frame))"
    )
    done = subprocess.run(
        [sys.executable, "-c", code, str(target)], cwd=tmp_path, capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip().isdigit()
