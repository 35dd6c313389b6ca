"""Sweep figures, readable on a projector: large type, one idea per figure."""

from __future__ import annotations

import numpy as np
import pandas as pd

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


def discovery_figure(found: dict, design: pd.DataFrame, package: str, outcome: str):
    """Failures of a package over the two factors PRIM restricted first, and the box."""
    plt = _pyplot()
    _style(plt)
    box = found["box"]
    order = list(box.loc[box["restricted"], "factor"]) + list(box.loc[~box["restricted"], "factor"])
    fx, fy = (order + order)[:2] if len(order) < 2 else order[:2]
    fig, ax = plt.subplots(figsize=(9, 7))
    failed = found["failed"].reindex(design.index, fill_value=False).astype(bool)
    ax.scatter(
        design.loc[~failed, fx],
        design.loc[~failed, fy],
        s=45,
        color=PALETTE[1],
        label="package holds",
    )
    ax.scatter(
        design.loc[failed, fx],
        design.loc[failed, fy],
        s=45,
        marker="x",
        color=PALETTE[0],
        label="package fails",
    )
    limits = box.set_index("factor")
    (x0, x1), (y0, y1) = limits.loc[fx, ["low", "high"]], limits.loc[fy, ["low", "high"]]
    ax.add_patch(
        plt.Rectangle(
            (x0, y0), x1 - x0, y1 - y0, fill=False, lw=2.5, color=PALETTE[2], label="PRIM box"
        )
    )
    ax.set_xlabel(fx)
    ax.set_ylabel(fy)
    ax.set_title(
        f"Where '{package}' fails ({found.get('rule', outcome)})\n"
        f"coverage {found['coverage']:.0%}, density {found['density']:.0%}"
    )
    ax.legend(fontsize=11)
    fig.tight_layout()
    return fig
