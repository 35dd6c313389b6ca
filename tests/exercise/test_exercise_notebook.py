"""The trainer-prep notebook runs from top to bottom, so it never rots."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

nbclient = pytest.importorskip("nbclient")
nbformat = pytest.importorskip("nbformat")

NOTEBOOK = Path(__file__).resolve().parents[2] / "notebooks" / "trainer-prep.ipynb"


@pytest.mark.slow
def test_trainer_prep_notebook_previews_checks_and_exports(tmp_path):
    # The kernel's environment is given in full, not inherited from this process: its
    # scenario and figure backend (no figures are checked: Agg, whatever MPLBACKEND the
    # shell sets) do not depend on where the tests run.
    env = {
        **os.environ,
        "VTSIM_SCENARIO": "harbour-festival",
        "VTSIM_PREP_REPLICATIONS": "30",
        "VTSIM_HANDOUTS": str(tmp_path),
        "MPLBACKEND": "Agg",
    }
    nb = nbformat.read(NOTEBOOK, as_version=4)
    client = nbclient.NotebookClient(
        nb,
        timeout=600,
        kernel_name="python3",
        resources={"metadata": {"path": str(NOTEBOOK.parent)}},
    )
    client.execute(env=env)
    errors = [
        o
        for c in nb.cells
        if c.cell_type == "code"
        for o in c.get("outputs", [])
        if o.get("output_type") == "error"
    ]
    assert not errors
    assert (tmp_path / "situation-manual.html").is_file()
    assert (tmp_path / "facilitator-guide.html").is_file()
