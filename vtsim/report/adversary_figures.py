"""The adaptive roadmap's figure: each target's expected loss if attacked, under the static
plan and under the adaptive plan, with the target the attacker chooses marked.

Presentation only: it reads an :class:`vtsim.analysis.adversary.AdaptiveRoadmap`.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from vtsim.report.figures import PALETTE, _pyplot, _wrap


def plot_adaptive(result):
    """Bar chart per target: loss per attack there, static plan against adaptive plan."""
    plt = _pyplot()
    frame = result.targets
    portfolio = result.portfolio
    unit = portfolio.currency if portfolio.metric == "valued" else portfolio.metric
    x = np.arange(len(frame))
    width = 0.38
    fig, ax = plt.subplots(figsize=(10, 5.5))
    plans = (
        ("static", "static plan (resources placed by weight)", PALETTE[0]),
        ("adaptive", "adaptive plan (resources placed by the game)", PALETTE[1]),
    )
    top = float(max(frame["loss_static"].max(), frame["loss_adaptive"].max(), 0.0)) or 1.0
    for i, (plan, label, colour) in enumerate(plans):
        values = frame[f"loss_{plan}"].to_numpy()
        offset = (i - 0.5) * width
        ax.bar(x + offset, values, width, label=label, color=colour)
        for t, (value, attacked, cover) in enumerate(
            zip(values, frame[f"attacked_{plan}"], frame[f"coverage_{plan}"])
        ):
            note = f"covered {cover:.0%}"
            if attacked >= 0.5:
                note = "attacked\n" + note
            ax.annotate(
                note,
                (x[t] + offset, value),
                xytext=(0, 3),
                textcoords="offset points",
                ha="center",
                va="bottom",
                fontsize=9,
                fontweight="bold" if attacked >= 0.5 else "normal",
            )
    ax.set_xticks(x, [_wrap(str(n), 18) for n in frame["target"]])
    ax.set_ylim(0, top * 1.25)
    from matplotlib.ticker import StrMethodFormatter

    ax.yaxis.set_major_formatter(StrMethodFormatter("{x:,.0f}"))
    ax.set_ylabel(f"expected loss if attacked there ({unit} per attack)")
    s = result.summary
    ax.set_title(
        _wrap(
            f"{portfolio.name}: against an attacker who sees where protection is, the static "
            f"plan expects {s['loss_static']:,.0f} and the adaptive plan {s['loss_adaptive']:,.0f} "
            f"{unit} per attack",
            80,
        ),
        fontsize=12,
    )
    ax.legend(loc="upper right", frameon=False)
    ax.spines[["top", "right"]].set_visible(False)
    fig.tight_layout()
    return fig


def write_adaptive(result, out: Path) -> list[Path]:
    """Write the adaptive roadmap's tables and figure into ``out`` (atomically)."""
    from vtsim.io import atomic_path
    from vtsim.report.figures import save

    out = Path(out)
    written = []
    for name, frame in (
        ("adaptive_roadmap.csv", result.steps),
        ("adaptive_targets.csv", result.targets),
    ):
        with atomic_path(out / name) as tmp:
            frame.to_csv(tmp, index=False)
        written.append(out / name)
    save(plot_adaptive(result), out / "adaptive.png")
    written.append(out / "adaptive.png")
    return written
