"""The frontier figure: every combination of measures, yearly cost against yearly valued
benefit with its range, the frontier joined by a line. Presentation only."""

from __future__ import annotations

from vtsim.report.figures import PALETTE, _pyplot, _wrap


def plot_frontier(result):
    """Cost (x) against benefit (y), one point per combination; frontier points labelled."""
    plt = _pyplot()
    frame = result.frame.sort_values("cost_annualised")
    fig, ax = plt.subplots(figsize=(11, 7))
    scale = 1e6
    ax.errorbar(
        frame["cost_annualised"] / 1e3,
        frame["annual_benefit"] / scale,
        yerr=[
            (frame["annual_benefit"] - frame["annual_benefit_lo"]) / scale,
            (frame["annual_benefit_hi"] - frame["annual_benefit"]) / scale,
        ],
        fmt="o",
        color=PALETTE[0],
        alpha=0.45,
        capsize=3,
        label="combination (95 % range)",
    )
    front = frame[frame["on_frontier"]]
    ax.plot(
        front["cost_annualised"] / 1e3,
        front["annual_benefit"] / scale,
        "-o",
        color=PALETTE[1],
        lw=2.5,
        ms=9,
        label="frontier",
    )
    for _, r in front.iterrows():
        ax.annotate(
            _wrap(r["measures"], 28),
            (r["cost_annualised"] / 1e3, r["annual_benefit"] / scale),
            textcoords="offset points",
            xytext=(8, -4),
            fontsize=10,
        )
    ax.axhline(0, color="#999999", lw=1)
    cur = result.currency
    ax.set_xlabel(f"cost a year (thousand {cur}, annualised)", fontsize=13)
    ax.set_ylabel(
        f"benefit a year (million {cur}: harm, loss and burden avoided, valued)", fontsize=12
    )
    ax.set_title(f"{result.scenario.name}: combinations of measures ({result.method})", fontsize=14)
    ax.legend(loc="lower right")
    ax.grid(alpha=0.3)
    fig.tight_layout()
    return fig
