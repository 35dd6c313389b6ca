"""The trainer-prep notebook runs from top to bottom, so it never rots."""

from __future__ import annotations

from pathlib import Path

import pytest

nbclient = pytest.importorskip("nbclient")
nbformat = pytest.importorskip("nbformat")

NOTEBOOK = Path(__file__).resolve().parents[2] / "notebooks" / "trainer-prep.ipynb"


def test_trainer_prep_notebook_previews_checks_and_exports(monkeypatch, tmp_path):
    monkeypatch.setenv("VTSIM_PREP_REPLICATIONS", "30")
    monkeypatch.setenv("VTSIM_HANDOUTS", str(tmp_path))
    monkeypatch.setenv("MPLBACKEND", "Agg")
    nb = nbformat.read(NOTEBOOK, as_version=4)
    client = nbclient.NotebookClient(
        nb,
        timeout=600,
        kernel_name="python3",
        resources={"metadata": {"path": str(NOTEBOOK.parent)}},
    )
    client.execute()
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
