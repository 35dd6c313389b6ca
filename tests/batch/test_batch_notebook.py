"""notebooks/researcher.ipynb runs top to bottom on a tiny sweep."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

nbformat = pytest.importorskip("nbformat")
nbclient = pytest.importorskip("nbclient")

NOTEBOOK = Path(__file__).resolve().parents[2] / "notebooks" / "researcher.ipynb"

# The kernel's environment is given explicitly: it would otherwise inherit this process's,
# and MPLBACKEND=Agg (common on a headless server) makes the kernel draw no inline figure.
INLINE = "module://matplotlib_inline.backend_inline"


@pytest.mark.slow
def test_researcher_notebook_executes(tmp_path):
    nb = nbformat.read(NOTEBOOK, as_version=4)
    client = nbclient.NotebookClient(
        nb, timeout=300, kernel_name="python3", resources={"metadata": {"path": str(tmp_path)}}
    )
    client.execute(env={**os.environ, "VTSIM_NOTEBOOK_TINY": "1", "MPLBACKEND": INLINE})
    outputs = [o for c in nb.cells if c.cell_type == "code" for o in c.get("outputs", [])]
    assert not [o for o in outputs if o.get("output_type") == "error"]
    images = [o for o in outputs if "image/png" in o.get("data", {})]
    assert len(images) >= 4  # sensitivity, regret, robustness, discovery
