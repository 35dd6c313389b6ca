"""The calibration figure and files: each target against the public record.

One row per (target, scenario), each on its own scale (shares, minutes and people per
incident do not share an axis): the published range as a shaded band (hatched to the edge
when it has no upper bound), the published value as a dashed line, and the simulated value
with its 95 % interval as a bar, coloured by the verdict.
"""

from __future__ import annotations

import math
from pathlib import Path

import pandas as pd

from vtsim.io import atomic_path
from vtsim.report.figures import _pyplot, save

COLOURS = {"inside": "#1b9e77", "outside": "#d95f02", "not comparable": "#9a9a9a"}
BAND = "#7fb3d5"


def _limits(row) -> tuple[float, float]:
    values = [
        row["published_low"],
        row["published_high"],
        row["published_point"],
        row["value"],
        row["ci_low"],
        row["ci_high"],
    ]
    finite = [float(v) for v in values if isinstance(v, (int, float)) and math.isfinite(v)]
    lo, hi = min(finite), max(finite)
    pad = 0.08 * (hi - lo) if hi > lo else max(abs(hi) * 0.25, 0.1)
    if math.isinf(row["published_high"]):
        hi += 3 * pad  # room for the open band
    return lo - pad, hi + pad


def calibration_figure(table: pd.DataFrame, title: str = "Calibration against the public record"):
    """The figure of a calibration table (``CalibrationResult.table``)."""
    plt = _pyplot()
    n = max(1, len(table))
    fig, axes = plt.subplots(n, 1, figsize=(12, 1.0 + 0.46 * n), squeeze=False)
    if table.empty:
        axes[0][0].axis("off")
        axes[0][0].text(0.5, 0.5, "No target applies to these scenarios.", ha="center")
        return fig
    for ax, (_, row) in zip(axes[:, 0], table.iterrows()):
        left, right = _limits(row)
        ax.set_xlim(left, right)
        ax.set_ylim(-1, 1)
        high = row["published_high"]
        open_band = math.isinf(high)
        ax.axvspan(
            row["published_low"],
            right if open_band else high,
            color=BAND,
            alpha=0.45,
            hatch="//" if open_band else None,
            linewidth=0,
        )
        if math.isfinite(row["published_point"]):
            ax.axvline(row["published_point"], color="#1f4e79", linestyle="--", linewidth=1)
        colour = COLOURS.get(row["verdict"], "#9a9a9a")
        if math.isfinite(row["value"]):
            lo = row["value"] - row["ci_low"] if math.isfinite(row["ci_low"]) else 0.0
            hi = row["ci_high"] - row["value"] if math.isfinite(row["ci_high"]) else 0.0
            ax.errorbar(
                row["value"],
                0,
                xerr=[[max(lo, 0.0)], [max(hi, 0.0)]],
                fmt="o",
                color=colour,
                markersize=5,
                capsize=3,
                linewidth=2,
            )
        ax.set_yticks([])
        ax.tick_params(axis="x", labelsize=7, pad=1)
        for side in ("top", "right", "left"):
            ax.spines[side].set_visible(False)
        unit = f" ({row['unit']})" if row["unit"] else ""
        ax.text(
            -0.01,
            0.5,
            f"{row['target']} · {row['scenario']}{unit}",
            transform=ax.transAxes,
            ha="right",
            va="center",
            fontsize=8,
        )
        ax.text(
            1.01,
            0.5,
            row["verdict"],
            transform=ax.transAxes,
            ha="left",
            va="center",
            fontsize=8,
            color=colour,
            fontweight="bold",
        )
    fig.suptitle(
        f"{title}\nbar: simulated value, 95 % interval; band: published range; "
        "dashed: published value",
        fontsize=10,
    )
    fig.subplots_adjust(left=0.36, right=0.88, hspace=1.1, top=1 - 0.9 / (1.0 + 0.46 * n))
    return fig


def write_calibration(result, folder: str | Path, figures: bool = True) -> list[Path]:
    """Write ``calibration.csv`` and (with ``figures``) ``calibration.png`` into ``folder``,
    each atomically; return the paths written."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    csv = folder / "calibration.csv"
    with atomic_path(csv) as tmp:
        result.table.to_csv(tmp, index=False)
    written = [csv]
    if figures:
        png = folder / "calibration.png"
        save(calibration_figure(result.table), png)
        written.append(png)
    return written
