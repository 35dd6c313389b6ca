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

    # Names come from scenario files: a '$' in one must print as a dollar, not start
    # mathtext (a '$x_$' would otherwise crash the figure after the whole simulation).
    # vtsim's own labels use no mathtext.
    matplotlib.rcParams["text.parse_math"] = False
    return plt


def scorecard_figure(card: pd.DataFrame, title: str = "", ncols: int | None = 2):
    """One panel per phase: each package's headline with its 95 % interval.

    ``ncols`` panels a row (default 2: about 10.5 inches wide, so a page, a browser at
    100 % zoom or a projector shows the type at its size; ``None``: every phase in one
    row). The package names label every panel of a grid, wrapped when long.
    """
    plt = _pyplot()
    phases = list(dict.fromkeys(card["phase"]))
    packages = list(dict.fromkeys(card["package"]))
    ncols = len(phases) if not ncols else max(1, min(ncols, len(phases)))
    nrows = math.ceil(len(phases) / ncols)
    names = [_wrap_name(p, 18) for p in packages]
    lines = sum(max(1, n.count("\n") + 1) for n in names)
    width = 4.2 if nrows == 1 else 5.2
    height = 1.5 + 0.36 * lines
    fig, axes = plt.subplots(
        nrows,
        ncols,
        figsize=(width * ncols, height * nrows + (0.5 if title else 0)),
        squeeze=False,
    )
    for k, (ax, phase) in enumerate(zip(axes.flat, phases)):
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
        labelled = nrows > 1 or k == 0  # a grid: every panel; one row: the first
        ax.set_yticks(list(y), names if labelled else [""] * len(packages), fontsize=12)
        ax.invert_yaxis()
        label = block["label"].iloc[0]
        arrow = "higher is better" if block["better"].iloc[0] == "higher" else "lower is better"
        unit = "%" if share else block["unit"].iloc[0]
        ax.set_title(f"{phase.upper()}\n{_wrap(label, 40)}", fontsize=12, loc="left")
        ax.set_xlabel(f"{unit} ({arrow})".strip(), fontsize=11)
        ax.tick_params(axis="x", labelsize=11)
        ends = values.fillna(0) + hi.fillna(0)
        for i, (v, end) in enumerate(zip(values, ends)):
            if not math.isnan(v):
                ax.text(end, i, f"  {v:.1f}", va="center", ha="left", fontsize=12)
        ax.set_xlim(0, max(1e-9, float(ends.max())) * 1.3)
        ax.grid(axis="x", alpha=0.3)
    for k, ax in enumerate(list(axes.flat)[len(phases) :]):
        ax.axis("off")
        if k == 0:  # the first free cell says how to read the bars
            ax.text(
                0.05,
                0.5,
                "Bar: estimate over the replications.\nWhisker: its 95 % interval.\n"
                "%: share of the replications.",
                fontsize=12,
                va="center",
                ha="left",
                color="#4d4d4d",
                transform=ax.transAxes,
            )
    if title:
        fig.suptitle(
            f"{title}: scorecard by phase (95 % intervals)", fontsize=14, x=0.01, ha="left"
        )
    fig.tight_layout()
    return fig


def _wrap_name(name: str, width: int) -> str:
    """A package name on lines of about ``width`` characters, broken after - or _."""
    import re

    lines, line = [], ""
    for part in re.findall(r"[^-_]+[-_]?", str(name)) or [str(name)]:
        if line and len(line) + len(part) > width:
            lines.append(line)
            line = ""
        line += part
    return "\n".join([*lines, line])


def _wrap(text: str, width: int) -> str:
    import textwrap

    return "\n".join(textwrap.wrap(text, width))


def save(fig, path) -> None:
    """Save a figure atomically, then close it."""
    from vtsim.io import atomic_path

    with atomic_path(path) as tmp:
        fig.savefig(tmp, dpi=120, bbox_inches="tight", format=str(path).rsplit(".", 1)[-1])
    _pyplot().close(fig)
