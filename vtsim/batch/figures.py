"""Sweep figures, readable on a projector: large type, one idea per figure."""

from __future__ import annotations

import numpy as np
import pandas as pd

from vtsim.analysis.formats import share
from vtsim.report.figures import PALETTE, _pyplot


def _style(plt):
    plt.rcParams.update({"font.size": 13, "axes.titlesize": 15, "axes.labelsize": 13})


def sensitivity_figure(src: pd.DataFrame):
    """Standardised regression coefficients: one group of bars per factor."""
    plt = _pyplot()
    _style(plt)
    factors = [c for c in src.columns if c not in ("package", "outcome", "r2")]
    fig, ax = plt.subplots(figsize=(10, 1.2 + 0.9 * len(factors)))
    height = 0.8 / max(1, len(src))
    y = np.arange(len(factors))
    for i, row in enumerate(src.itertuples(index=False)):
        values = [src.iloc[i][f] for f in factors]
        ax.barh(
            y + i * height,
            values,
            height,
            color=PALETTE[i % len(PALETTE)],
            label=f"{row.package} (R² {row.r2:.2f})",
        )
    ax.set_yticks(y + height * (len(src) - 1) / 2, factors)
    ax.axvline(0, color="black", lw=1)
    ax.set_xlabel("standardised regression coefficient")
    ax.set_title(f"What drives {src['outcome'].iloc[0]}")
    ax.legend(loc="best", fontsize=11)
    fig.tight_layout()
    return fig


def regret_figure(regrets: pd.DataFrame, outcome: str):
    """Distribution of each package's regret across the sweep's points."""
    plt = _pyplot()
    _style(plt)
    fig, ax = plt.subplots(figsize=(10, 1.5 + 0.8 * regrets.shape[1]))
    data = [regrets[c].dropna().to_numpy() for c in regrets.columns]
    ax.boxplot(data, orientation="horizontal", widths=0.6)
    ax.set_yticks(range(1, len(regrets.columns) + 1), list(regrets.columns))
    ax.set_xlabel(f"regret in {outcome} (0 = best package at that point)")
    ax.set_title("Robustness: regret across the sweep")
    fig.tight_layout()
    return fig


def robustness_figure(summary: pd.DataFrame, factor: str, packages: list[str]):
    """Each package's point means (with 95 % intervals) against one factor."""
    plt = _pyplot()
    _style(plt)
    fig, ax = plt.subplots(figsize=(10, 6))
    for i, package in enumerate(packages):
        part = summary[summary["package"] == package].sort_values(factor)
        if part.empty:
            continue
        ax.errorbar(
            part[factor],
            part["mean"],
            yerr=[part["mean"] - part["lo"], part["hi"] - part["mean"]],
            fmt="o",
            color=PALETTE[i % len(PALETTE)],
            label=package,
            capsize=3,
            alpha=0.85,
        )
    ax.set_xlabel(factor)
    ax.set_ylabel(summary["outcome"].iloc[0])
    ax.set_title(f"{summary['outcome'].iloc[0]} across the sweep")
    ax.legend(fontsize=11)
    fig.tight_layout()
    return fig


def restricted_factors(box: pd.DataFrame) -> list[str]:
    """The factors PRIM restricted, the most restricted first (the smallest share of its
    range kept; ties in the design's order)."""
    part = box[box["restricted"].astype(bool)].reset_index(drop=True)
    kept = part["kept"] if "kept" in part else pd.Series(0.0, index=part.index)
    return [part["factor"][i] for i in sorted(part.index, key=lambda i: (kept[i], i))]


def discovery_figure(found: dict, design: pd.DataFrame, package: str, outcome: str):
    """Failures of a package over the factors PRIM restricted, and its box.

    Two or more restricted: the two it restricted most (smallest share of their range
    kept), with the box. One: the points along that factor, with the box's range.
    None: the figure says so, over the design's first factors, without a box.
    """
    plt = _pyplot()
    _style(plt)
    box = found["box"]
    restricted = restricted_factors(box)
    shown = restricted[:2] or [f for f in box["factor"] if f in design.columns][:2]
    failed = found["failed"].reindex(design.index, fill_value=False).astype(bool)
    limits = box.set_index("factor")
    label = f"PRIM box (coverage {share(found['coverage'])}, density {share(found['density'])})"
    fig, ax = plt.subplots(figsize=(9, 7))
    points = {"package holds": ~failed, "package fails": failed}
    marks = {"package holds": ("o", PALETTE[1]), "package fails": ("x", PALETTE[0])}
    if len(shown) == 2:
        fx, fy = shown
        for name, rows in points.items():
            marker, colour = marks[name]
            ax.scatter(
                design.loc[rows, fx],
                design.loc[rows, fy],
                s=45,
                marker=marker,
                color=colour,
                label=name,
            )
        ax.set_ylabel(fy)
    else:
        (fx,) = shown
        for level, (name, rows) in enumerate(points.items()):
            marker, colour = marks[name]
            ax.scatter(
                design.loc[rows, fx],
                np.full(int(rows.sum()), level),
                s=45,
                marker=marker,
                color=colour,
                label=name,
            )
        ax.set_yticks([0, 1], list(points))
        ax.set_ylim(-0.7, 1.7)
    ax.set_xlabel(fx)
    if restricted:
        (x0, x1) = limits.loc[fx, ["low", "high"]]
        if len(shown) == 2:
            (y0, y1) = limits.loc[fy, ["low", "high"]]
            patch = plt.Rectangle(
                (x0, y0), x1 - x0, y1 - y0, fill=False, lw=2.5, color=PALETTE[2], label=label
            )
            ax.add_patch(patch)
        else:
            ax.axvspan(x0, x1, color=PALETTE[2], alpha=0.15, lw=2.5, label=label)
        more = len(restricted) - len(shown)
        names = " and ".join(shown)
        extra = f" (and {more} more: {', '.join(restricted[2:])})" if more else ""
        what = f"PRIM restricted {names}{extra}"
    else:
        rate = found.get("failure_rate", found["density"])
        why = (
            "no point fails"
            if rate == 0
            else f"{share(rate)} of points fail, no box concentrates them"
        )
        what = f"PRIM restricted no factor ({why})"
    ax.set_title(f"Where '{package}' fails ({found.get('rule', outcome)})\n{what}", fontsize=13)
    ax.legend(fontsize=11)
    fig.tight_layout()
    return fig


INDEX_LABELS = {
    "S1": "first-order index S1",
    "ST": "total index ST",
    "mu_star": "Morris μ* (mean |elementary effect|)",
    "sigma": "Morris σ (spread of elementary effects)",
    "SRC": "standardised regression coefficient",
}


def indices_figure(table: pd.DataFrame, packages: list[str] | None = None):
    """Global sensitivity indices with their confidence intervals (whiskers): one panel
    per index (S1 and ST; μ* and σ; SRC), one bar per package and factor. The subtitle
    gives the Monte Carlo share of the analysed variance (``noise_in_means``)."""
    plt = _pyplot()
    _style(plt)
    shown = [i for i in INDEX_LABELS if i in set(table["index"])]
    part = table[table["index"].isin(shown)]
    packages = packages or list(dict.fromkeys(part["package"]))
    factors = list(dict.fromkeys(part["factor"]))
    fig, axes = plt.subplots(
        1,
        len(shown),
        figsize=(6.5 * len(shown), 1.6 + 0.5 * len(factors) * max(1, len(packages)) ** 0.5),
        sharey=True,
        squeeze=False,
    )
    height = 0.8 / max(1, len(packages))
    y = np.arange(len(factors))
    for ax, index in zip(axes[0], shown):
        rows = part[part["index"] == index]
        for i, package in enumerate(packages):
            sel = rows[rows["package"] == package].set_index("factor").reindex(factors)
            value = sel["value"].to_numpy(dtype=float)
            lo = np.clip(value - sel["lo"].to_numpy(dtype=float), 0, None)
            hi = np.clip(sel["hi"].to_numpy(dtype=float) - value, 0, None)
            ax.barh(
                y + i * height,
                value,
                height,
                xerr=[np.nan_to_num(lo), np.nan_to_num(hi)],
                color=PALETTE[i % len(PALETTE)],
                ecolor="black",
                capsize=3,
                label=package,
            )
        ax.axvline(0, color="black", lw=1)
        ax.set_xlabel(INDEX_LABELS[index])
    axes[0][0].set_yticks(y + height * (len(packages) - 1) / 2, factors)
    axes[0][0].invert_yaxis()
    axes[0][-1].legend(loc="best", fontsize=10)
    first = table.iloc[0]
    noise = (
        table.drop_duplicates("package")["noise_in_means"] if "noise_in_means" in table else None
    )
    level = ""
    if noise is not None and noise.notna().any():
        level = f"; Monte Carlo share of the point means' variance ≤ {share(float(noise.max()))}"
    fig.suptitle(
        f"What drives {first['outcome']} ({first['method']}, 95 % intervals{level})", fontsize=14
    )
    fig.tight_layout()
    return fig


def satisficing_figure(table: pd.DataFrame):
    """Satisficing robustness: per package, the share of points meeting the threshold
    (by point means, with its 95 % Wilson interval over points), and the range from
    "surely" to "possibly" meeting it once each point's Monte Carlo noise is counted."""
    plt = _pyplot()
    _style(plt)
    fig, ax = plt.subplots(figsize=(10, 2.2 + 0.8 * len(table)))
    y = np.arange(len(table))
    ax.barh(
        y,
        table["share_possible"] - table["share_sure"],
        0.5,
        left=table["share_sure"],
        color=PALETTE[2],
        alpha=0.35,
        label="surely … possibly (within-point noise)",
    )
    ax.errorbar(
        table["share"],
        y,
        xerr=[
            (table["share"] - table["share_lo"]).clip(lower=0),  # rounding at 0 and 1
            (table["share_hi"] - table["share"]).clip(lower=0),
        ],
        fmt="o",
        color=PALETTE[0],
        capsize=4,
        label="share by point means (95 % Wilson interval)",
    )
    ax.set_yticks(y, list(table["package"]))
    ax.invert_yaxis()  # the table's order, top to bottom
    ax.set_xlim(-0.02, 1.02)
    ax.set_xlabel("share of the sweep's points meeting the threshold")
    ax.set_title(f"Satisficing robustness: {table['rule'].iloc[0]}")
    ax.legend(fontsize=10, loc="upper center", bbox_to_anchor=(0.5, -0.15), ncol=2)
    fig.tight_layout()
    return fig
