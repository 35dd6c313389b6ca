"""Batch sweeps for researchers: many scenario variants x packages x replications, on one
machine or a Dask cluster, written chunk by chunk so no finished work is lost.

>>> from vtsim.batch import load_sweep, run_sweep, BatchResults   # doctest: +SKIP

Names are imported on first use, so worker processes that only unpickle the sweep's
variants (``vtsim.batch.sweep``) do not import pandas.
"""

from importlib import import_module

_EXPORTS = {
    "BatchResults": "vtsim.batch.analysis",
    "prim": "vtsim.batch.analysis",
    "plan_chunks": "vtsim.batch.runner",
    "read_chunks": "vtsim.batch.runner",
    "run_sweep": "vtsim.batch.runner",
    "Sweep": "vtsim.batch.sweep",
    "design_table": "vtsim.batch.sweep",
    "load_sweep": "vtsim.batch.sweep",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str):
    if name in _EXPORTS:
        return getattr(import_module(_EXPORTS[name]), name)
    raise AttributeError(f"module 'vtsim.batch' has no attribute {name!r}")
