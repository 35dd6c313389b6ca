"""Figures readable on a projector: large type, one idea per panel."""

from __future__ import annotations

import math

import pandas as pd

PALETTE = ["#4d4d4d", "#1b9e77", "#d95f02", "#7570b3", "#e7298a", "#66a61e", "#e6ab02"]


def _pyplot():
    import matplotlib

    if matplotlib.get_backend().lower() not in {"agg", "module://matplotlib_inline.backend_inline"}:
        try:
            import IPython  # noqa: F401  (in a notebook keep the inline backend)
        except ImportError:
            matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def scorecard_figure(card: pd.DataFrame, title: str = ""):
    """One panel per phase: each package's headline with its 95 % interval."""
    plt = _pyplot()
    phases = list(dict.fromkeys(card["phase"]))
    packages = list(dict.fromkeys(card["package"]))
    fig, axes = plt.subplots(
        1, len(phases), figsize=(4.2 * len(phases), 1.2 + 0.55 * len(packages)), squeeze=False
    )
    for ax, phase in zip(axes[0], phases):
        block = card[card["phase"] == phase].set_index("package").reindex(packages)
        share = block["metric"].iloc[0] in {"prevented", "stopped_before_harm", "interrupted"}
        scale = 100.0 if share else 1.0
        values = block["value"] * scale
        lo = (block["value"] - block["lo"]).clip(lower=0) * scale
        hi = (block["hi"] - block["value"]).clip(lower=0) * scale
        y = range(len(packages))
        ax.barh(
            list(y),
            values.fillna(0),
            xerr=[lo.fillna(0), hi.fillna(0)],
            color=[PALETTE[i % len(PALETTE)] for i in y],
            capsize=4,
        )
        ax.set_yticks(list(y), packages if ax is axes[0][0] else [""] * len(packages), fontsize=12)
        ax.invert_yaxis()
        label = block["label"].iloc[0]
        arrow = "higher is better" if block["better"].iloc[0] == "higher" else "lower is better"
        unit = "%" if share else block["unit"].iloc[0]
        ax.set_title(f"{phase.upper()}\n{_wrap(label, 34)}", fontsize=11, loc="left")
        ax.set_xlabel(f"{unit} ({arrow})".strip(), fontsize=10)
        ends = values.fillna(0) + hi.fillna(0)
        for i, (v, end) in enumerate(zip(values, ends)):
            if not math.isnan(v):
                ax.text(end, i, f"  {v:.1f}", va="center", ha="left", fontsize=11)
        ax.set_xlim(0, max(1e-9, float(ends.max())) * 1.25)
        ax.grid(axis="x", alpha=0.3)
    if title:
        fig.suptitle(
            f"{title}: scorecard by phase (95 % intervals)", fontsize=14, x=0.01, ha="left"
        )
    fig.tight_layout()
    return fig


def _wrap(text: str, width: int) -> str:
    import textwrap

    return "\n".join(textwrap.wrap(text, width))


def save(fig, path) -> None:
    """Save a figure atomically, then close it."""
    from vtsim.io import atomic_path

    with atomic_path(path) as tmp:
        fig.savefig(tmp, dpi=120, bbox_inches="tight", format=str(path).rsplit(".", 1)[-1])
    _pyplot().close(fig)
