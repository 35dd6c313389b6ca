"""How numbers are shown to people: one format for shares everywhere.

A share (a probability, a proportion of replications) is shown as a percentage with
:data:`SHARE_DECIMALS` decimals, ``19.0 %``, and a difference between two shares in
percentage points, ``+5.0 pts``: in the terminal scorecard, the HTML report and the
figures alike. This module sits in the analysis layer (not in ``report``) so that the
scorecard's text and the report, one layer above, can both use it.

>>> share(0.19), share(float("nan")), points(0.05), share_diff(-0.004)
('19.0 %', 'n/a', '+5.0', '-0.4 pts')
"""

from __future__ import annotations

import math
from collections.abc import Mapping

SHARE_DECIMALS = 1
"""Decimals of a share shown as a percentage (and of a difference in points)."""

NOT_AVAILABLE = "n/a"

_DIFFERENCES = ("diff", "diff_lo", "diff_hi")


def _missing(value) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


def share(value, decimals: int = SHARE_DECIMALS) -> str:
    """A share in [0, 1] as a percentage: ``0.19`` -> ``'19.0 %'`` (``'n/a'`` if missing)."""
    if _missing(value):
        return NOT_AVAILABLE
    return f"{100 * float(value):.{decimals}f} %"


def points(value, decimals: int = SHARE_DECIMALS) -> str:
    """A difference between two shares in percentage points, signed: ``0.05`` -> ``'+5.0'``."""
    if _missing(value):
        return NOT_AVAILABLE
    return f"{100 * float(value):+.{decimals}f}"


def share_diff(value, decimals: int = SHARE_DECIMALS) -> str:
    """A difference between two shares with its unit: ``0.05`` -> ``'+5.0 pts'``."""
    text = points(value, decimals)
    return text if text == NOT_AVAILABLE else f"{text} pts"


def share_cells(row: Mapping) -> dict:
    """A comparison row (baseline, value, diff, diff_lo, diff_hi) of a share headline,
    with those cells as text: the values as :func:`share`, the difference as
    :func:`share_diff` and its interval bounds as :func:`points`."""
    out = dict(row)
    for key in ("baseline", "value", "lo", "hi"):
        if key in out:
            out[key] = share(out[key])
    if "diff" in out:
        out["diff"] = share_diff(out["diff"])
    for key in _DIFFERENCES[1:]:
        if key in out:
            out[key] = points(out[key])
    return out
