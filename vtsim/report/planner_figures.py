"""The planner's figures: outcome distributions, a storyline timeline, cost versus
harm reduction with the Pareto front, and the tornado chart of effect sizes.

Readable on a projector: large type, one idea per panel, words on the axes.
Presentation only: these functions read results, they never simulate.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from vtsim.report.figures import PALETTE, _pyplot, _wrap

plt_rc = {"font.size": 12}

_MARKERS = {
    "attack_started": ("attack starts", "o", "#4d4d4d"),
    "detection": ("detected", "D", "#7570b3"),
    "alarm": ("alarm raised", "^", "#7570b3"),
    "agency_alerted": ("agency alerted", "s", "#1b9e77"),
    "unit_arrived": ("unit on scene", "P", "#1b9e77"),
    "harm_started": ("harm starts", "X", "#d95f02"),
    "crowd_alerted": ("crowd alerted", "v", "#e6ab02"),
    "attack_ended": ("attack ends", "*", "#000000"),
}


def distributions_figure(frame: pd.DataFrame, metric: str, packages: list[str]):
    """Share of attempted attacks with more than x of ``metric``, one curve per package."""
    plt = _pyplot()
    fig, ax = plt.subplots(figsize=(10, 5.5))
    top = 0.0
    for i, package in enumerate(packages):
        values = np.sort(frame.loc[frame["package"] == package, metric].dropna().to_numpy())
        if not len(values):
            continue
        share_above = 1.0 - np.arange(1, len(values) + 1) / len(values)
        ax.step(
            values,
            100 * share_above,
            where="post",
            lw=2.5,
            color=PALETTE[i % len(PALETTE)],
            label=f"{package} (mean {values.mean():.1f})",
        )
        top = max(top, float(values.max()))
    ax.set_xlabel(metric.replace("_", " "), fontsize=13)
    ax.set_ylabel("% of attacks attempted with more", fontsize=13)
    ax.set_title(
        f"How bad can it get? Distribution of {metric.replace('_', ' ')}", fontsize=14, loc="left"
    )
    ax.set_xlim(0, max(top, 1.0) * 1.02)
    ax.set_ylim(0, 100)
    ax.grid(alpha=0.3)
    ax.legend(fontsize=12, frameon=False)
    fig.tight_layout()
    return fig


def timeline_figure(outcomes: dict, replication: int):
    """Detect, delay, respond: one storyline (same random numbers) per package.

    Top: the events of the incident on a line per package. Bottom: casualties so far.
    """
    plt = _pyplot()
    names = list(outcomes)
    fig, (ax, ax2) = plt.subplots(
        2,
        1,
        figsize=(12, 3 + 1.0 * len(names)),
        sharex=True,
        gridspec_kw={"height_ratios": [1.0 + 0.3 * len(names), 1.4]},
    )
    end = 1.0
    used = set()
    for row, name in enumerate(names):
        trace = outcomes[name].trace or []
        harm = [e.t_min for e in trace if e.kind == "casualty"]
        for event in trace:
            if event.kind not in _MARKERS or event.t_min < 0:
                continue
            label, marker, colour = _MARKERS[event.kind]
            ax.scatter(
                event.t_min,
                row,
                marker=marker,
                s=140,
                color=colour,
                zorder=3,
                label=label if label not in used else None,
            )
            used.add(label)
            end = max(end, event.t_min)
        finish = max([e.t_min for e in trace if e.kind == "attack_ended"] or [0.0])
        ax.hlines(row, 0, finish, color="#bbbbbb", lw=3, zorder=1)
        if harm:
            end = max(end, max(harm))
        xs = [0.0, *harm]
        ys = list(range(len(xs)))
        ax2.step(
            xs + [end * 1.05],
            ys + [ys[-1]],
            where="post",
            lw=2.5,
            color=PALETTE[row % len(PALETTE)],
            label=f"{name}: {len(harm)} casualties",
        )
        ax.text(0, row + 0.28, f"{name}: ended by {outcomes[name].ended_by}", fontsize=11)
    ax.set_yticks(range(len(names)), names, fontsize=12)
    ax.set_ylim(len(names) - 0.4, -0.6)
    ax.legend(fontsize=10, ncol=4, loc="upper center", bbox_to_anchor=(0.5, -0.02), frameon=False)
    threat = outcomes[names[0]].threat
    ax.set_title(
        f"One storyline (replication {replication}, threat {threat}): detect, delay, respond",
        fontsize=14,
        loc="left",
    )
    ax2.set_xlabel("minutes after the attack starts", fontsize=13)
    ax2.set_ylabel("casualties so far", fontsize=12)
    ax2.set_xlim(0, end * 1.05)
    ax2.grid(alpha=0.3)
    ax2.legend(fontsize=11, frameon=False, loc="upper left")
    fig.tight_layout()
    return fig


def pareto_front(cost: list[float], gain: list[float]) -> list[int]:
    """Indices of the options no other option beats on both lower cost and higher gain."""
    order = sorted(range(len(cost)), key=lambda i: (cost[i], -gain[i]))
    front, best = [], -math.inf
    for i in order:
        if gain[i] > best:
            front.append(i)
            best = gain[i]
    return front


def cost_effect_figure(
    packages: pd.DataFrame,
    currency: str = "EUR",
    gain: str = "casualties_avoided",
    title: str = "",
    label: str = "casualties avoided",
):
    """Annualised cost against harm avoided, with 95 % intervals and the Pareto front."""
    plt = _pyplot()
    fig, ax = plt.subplots(figsize=(10, 6))
    cost = [0.0, *packages["cost_annualised"].astype(float)]
    value = [0.0, *packages[gain].astype(float)]
    labels = ["baseline", *packages["package"]]
    lo = [0.0, *(packages[gain] - packages.get(gain + "_lo", packages[gain])).astype(float)]
    hi = [0.0, *(packages.get(gain + "_hi", packages[gain]) - packages[gain]).astype(float)]
    front = pareto_front(cost, value)
    ax.errorbar(
        [c / 1000 for c in cost],
        value,
        yerr=[np.maximum(lo, 0), np.maximum(hi, 0)],
        fmt="none",
        ecolor="#999999",
        capsize=4,
        zorder=1,
    )
    for i, (c, v, name) in enumerate(zip(cost, value, labels)):
        on = i in front
        ax.scatter(
            c / 1000,
            v,
            s=160 if on else 90,
            zorder=3,
            color=PALETTE[1] if on else "#aaaaaa",
            edgecolor="black",
        )
        ax.annotate(
            _wrap(name, 28), (c / 1000, v), textcoords="offset points", xytext=(8, 6), fontsize=11
        )
    fc = [cost[i] / 1000 for i in front]
    fv = [value[i] for i in front]
    ax.plot(fc, fv, color=PALETTE[1], lw=2.5, label="Pareto front (nothing cheaper does more)")
    ax.set_xlabel(f"annualised cost (thousand {currency} per year)", fontsize=13)
    ax.set_ylabel(label + "\n(per attack attempted)", fontsize=13)
    ax.set_title(
        title or "What each package buys: cost versus harm avoided", fontsize=14, loc="left"
    )
    ax.axhline(0, color="black", lw=0.8)
    ax.grid(alpha=0.3)
    ax.legend(fontsize=12, frameon=False, loc="upper left")
    fig.tight_layout()
    return fig


def tornado_figure(sensitivity: pd.DataFrame, title: str = ""):
    """Benefit per cost of each measure at its nominal effect and at -50 % / +50 %."""
    plt = _pyplot()
    data = sensitivity.sort_values("ratio_nominal")
    fig, ax = plt.subplots(figsize=(10, 1.5 + 0.5 * len(data)))
    y = np.arange(len(data))
    low = data["ratio_low"].to_numpy()
    high = data["ratio_high"].to_numpy()
    nominal = data["ratio_nominal"].to_numpy()
    ax.barh(y, high - nominal, left=nominal, color=PALETTE[1], label="effects +50 %")
    ax.barh(y, low - nominal, left=nominal, color=PALETTE[2], label="effects -50 %")
    ax.scatter(nominal, y, color="black", zorder=3, label="as declared")
    ax.set_yticks(y, data["measure"], fontsize=11)
    ax.set_xlabel("weighted casualties avoided per attack, per million a year", fontsize=13)
    ax.set_title(
        title or "Sensitivity of the ranking to effect sizes (+/-50 %)", fontsize=14, loc="left"
    )
    ax.grid(axis="x", alpha=0.3)
    ax.legend(fontsize=11, frameon=False, loc="lower right")
    fig.tight_layout()
    return fig


def roadmap_figure(steps: pd.DataFrame, budget: float, currency: str = "EUR", title: str = ""):
    """Cumulative harm avoided against cumulative yearly cost, one point per roadmap step."""
    plt = _pyplot()
    fig, ax = plt.subplots(figsize=(10, 6))
    cost = [0.0, *(steps["cumulative_cost"] / 1000)]
    gain = [0.0, *steps["cumulative_gain"]]
    ax.plot(cost, gain, "-o", lw=2.5, ms=9, color=PALETTE[1])
    for _, r in steps.iterrows():
        ax.annotate(
            f"{r['step']}. {_wrap(r['measure'], 24)}",
            (r["cumulative_cost"] / 1000, r["cumulative_gain"]),
            textcoords="offset points",
            xytext=(8, -14),
            fontsize=11,
        )
    ax.axvline(budget / 1000, color=PALETTE[2], lw=2, ls="--", label="budget")
    ax.set_xlabel(f"cumulative cost (thousand {currency} per year)", fontsize=13)
    ax.set_ylabel("weighted harm avoided\n(per attack attempted)", fontsize=13)
    ax.set_title(title + (": " if title else "") + "roadmap, step by step", fontsize=14, loc="left")
    ax.set_xlim(0, max(budget / 1000, max(cost)) * 1.15)
    ax.grid(alpha=0.3)
    ax.legend(fontsize=12, frameon=False, loc="lower right")
    fig.tight_layout()
    return fig
