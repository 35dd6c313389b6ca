"""The planner notebook runs from top to bottom (small replication counts), so it never rots."""

from __future__ import annotations

import os
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

NOTEBOOK = Path(__file__).resolve().parents[2] / "notebooks" / "planner.ipynb"

# The kernel's environment is given explicitly: it would otherwise inherit this process's,
# and MPLBACKEND=Agg (common on a headless server) makes the kernel draw no inline figure.
INLINE = "module://matplotlib_inline.backend_inline"


@pytest.mark.slow
def test_planner_notebook_executes():
    nb = nbformat.read(NOTEBOOK, as_version=4)
    client = NotebookClient(
        nb,
        timeout=600,
        kernel_name="python3",
        resources={"metadata": {"path": str(NOTEBOOK.parent)}},
    )
    client.execute(env={**os.environ, "VTSIM_NB_REPLICATIONS": "12", "MPLBACKEND": INLINE})
    outputs = [o for c in nb.cells if c.cell_type == "code" for o in c.get("outputs", [])]
    assert not [o for o in outputs if o.get("output_type") == "error"]
    figures = [o for o in outputs if "image/png" in o.get("data", {})]
    assert len(figures) >= 5  # scorecard, cost-effect, distributions, timeline, roadmap
