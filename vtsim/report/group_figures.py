"""The population groups figure (``groups.png``; scenarios with ``groups`` only).

Presentation only: it draws the tables of :func:`vtsim.analysis.groups.group_tables` (the
``by_group`` and ``disparity`` sections of ``scorecard.json``), so the figure shows the
numbers of the JSON and the workbook. One panel per outcome (each group's casualties per
1,000 people exposed, the last person out, the mean wait in the screening queue), each
package a cluster of bars, one colour per group (labelled by its name), and a last panel
with the disparity ratio per package: the worst-off group's rate over everyone's, drawn in
that group's colour, with a reference line at 1 and the packages that widen it marked.

>>> import vtsim
>>> from vtsim.analysis.groups import group_tables
>>> from vtsim.report.group_figures import group_figure
>>> results = vtsim.run("harbour-festival", replications=6, seed=1, progress=False)
>>> fig = group_figure(*group_tables(results), title=results.scenario.name)
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from vtsim.report.figures import _pyplot, _wrap, _wrap_name

GROUP_COLOURS = ["#1b9e77", "#d95f02", "#7570b3", "#e7298a", "#66a61e", "#e6ab02", "#a6761d"]
WIDENS = "#b03a00"  # the report's "worse"

PANELS = [
    # (metric of the by_group rows, title): the group panels, in this order, when present
    ("casualties_per_1000_exposed", "Casualties per 1,000 people exposed"),
    ("min_to_evacuate", "Last person out of the target zone (min)"),
    ("queue_wait_min_mean", "Mean wait in the screening queue (min)"),
]
MEASURE_MARKERS = {"harm": "o", "queue_burden": "s"}


def group_figure(by_group: pd.DataFrame, disparity: pd.DataFrame, title: str = ""):
    """Each group's outcomes per package and the disparity ratio per package, with 95 %
    intervals. ``by_group`` and ``disparity``: :func:`vtsim.analysis.groups.group_tables`."""
    plt = _pyplot()
    packages = list(dict.fromkeys(by_group["package"]))
    groups = list(dict.fromkeys(by_group["group"]))
    names = dict(zip(by_group["group"], by_group["name"]))
    colours = {g: GROUP_COLOURS[i % len(GROUP_COLOURS)] for i, g in enumerate(groups)}
    panels = [
        (metric, name)
        for metric, name in PANELS
        if by_group.loc[by_group["metric"] == metric, "value"].notna().any()
    ]
    shown = len(panels) + (0 if disparity is None or disparity.empty else 1)
    ncols = 2 if shown > 1 else 1
    nrows = max(1, math.ceil(shown / ncols))
    width = 5.25 if ncols == 2 else 7.0
    fig, axes = plt.subplots(
        nrows, ncols, figsize=(width * ncols, 4.0 * nrows + 1.2), squeeze=False
    )
    ticks = [_wrap_name(p, 13) for p in packages]
    x = np.arange(len(packages))
    step = 0.8 / max(1, len(groups))
    flat = list(axes.flat)
    for ax, (metric, name) in zip(flat, panels):
        block = by_group[by_group["metric"] == metric]
        for k, gid in enumerate(groups):
            rows = block[block["group"] == gid].set_index("package").reindex(packages)
            values = rows["value"].astype(float)
            low = (values - rows["lo"].astype(float).clip(lower=0)).clip(lower=0)
            high = (rows["hi"].astype(float) - values).clip(lower=0)
            ax.bar(
                x - 0.4 + step * (k + 0.5),
                values.fillna(0),
                step * 0.92,
                yerr=[low.fillna(0), high.fillna(0)],
                color=colours[gid],
                capsize=2.5,
                error_kw={"elinewidth": 1.0, "ecolor": "#333333"},
                label=names.get(gid, gid),
            )
        ax.set_title(name, fontsize=12, loc="left")
        ax.set_ylabel("lower is better", fontsize=10, color="#555555")
        _package_axis(ax, x, ticks)
    if shown > len(panels):
        _disparity_panel(flat[len(panels)], disparity, packages, colours, ticks)
    for ax in flat[shown:]:
        ax.axis("off")
    handles = [
        plt.Rectangle((0, 0), 1, 1, color=colours[g], label=_wrap(names.get(g, g), 34))
        for g in groups
    ]
    fig.legend(
        handles=handles,
        loc="upper left",
        bbox_to_anchor=(0.01, 1.0 - 0.55 / fig.get_figheight()),
        ncol=min(len(groups), 4),
        fontsize=10.5,
        frameon=False,
        title="Population groups (bar: mean over the replications; whisker: 95 % interval)",
        title_fontsize=10.5,
        alignment="left",
    )
    head = f"{title}: population groups" if title else "Population groups"
    fig.suptitle(head, fontsize=14, x=0.01, ha="left")
    fig.tight_layout(rect=(0, 0, 1, 1 - 1.15 / fig.get_figheight()))
    return fig


def _package_axis(ax, x, ticks) -> None:
    ax.set_xticks(list(x), ticks, fontsize=10.5)
    ax.tick_params(axis="y", labelsize=10.5)
    ax.set_ylim(bottom=0)
    ax.grid(axis="y", alpha=0.3)
    ax.set_axisbelow(True)


def _disparity_panel(ax, disparity, packages, colours, ticks) -> None:
    """The worst-off group's rate over everyone's per package and measure: the marker in
    the worst-off group's colour, its shape the measure; a widened disparity in the
    report's "worse" colour, with "widens" above it."""
    measures = list(dict.fromkeys(disparity["measure"]))
    labels = dict(zip(disparity["measure"], disparity["label"]))
    offset = 0.5 / max(1, len(measures))
    top, bottom = 1.0, 1.0
    for k, measure in enumerate(measures):
        rows = disparity[disparity["measure"] == measure].set_index("package").reindex(packages)
        xs = np.arange(len(packages)) - 0.25 + offset * (k + 0.5)
        for xi, (_, r) in zip(xs, rows.iterrows()):
            value = float(r["value"]) if pd.notna(r["value"]) else math.nan
            if math.isnan(value):
                continue
            lo = float(r["lo"]) if pd.notna(r["lo"]) else value
            hi = float(r["hi"]) if pd.notna(r["hi"]) else value
            widens = bool(r["worse"]) if pd.notna(r["worse"]) else False
            ax.errorbar(
                [xi],
                [value],
                yerr=[[max(0.0, value - lo)], [max(0.0, hi - value)]],
                fmt=MEASURE_MARKERS.get(measure, "D"),
                markersize=9,
                color=colours.get(r["worst_group"], "#4d4d4d"),
                ecolor=WIDENS if widens else "#333333",
                elinewidth=2.2 if widens else 1.2,
                capsize=4,
                markeredgecolor=WIDENS if widens else "#333333",
                markeredgewidth=2.2 if widens else 0.8,
            )
            if widens:
                ax.annotate(
                    "widens",
                    (xi, max(hi, value)),
                    xytext=(0, 4),
                    textcoords="offset points",
                    ha="center",
                    va="bottom",
                    fontsize=10,
                    fontweight="bold",
                    color=WIDENS,
                )
            top, bottom = max(top, hi, value), min(bottom, lo, value)
        ax.plot(
            [],
            [],
            MEASURE_MARKERS.get(measure, "D"),
            color="#999999",
            markeredgecolor="#333333",
            label=_wrap(labels.get(measure, measure), 30),
        )
    ax.axhline(
        1.0,
        color="#4d4d4d",
        linestyle="--",
        linewidth=1.2,
        label="1: no group worse off than the average",
    )
    ax.set_title(
        "Disparity: worst-off group's rate over the average\n"
        "(colour: the worst-off group; higher is less equal)",
        fontsize=12,
        loc="left",
    )
    ax.set_ylabel("ratio to the average", fontsize=10, color="#555555")
    _package_axis(ax, np.arange(len(packages)), ticks)
    span = max(top - bottom, 0.05)
    ax.set_ylim(bottom=max(0.0, bottom - 0.45 * span), top=top + 0.15 * span)
    ax.legend(fontsize=9.5, loc="best", frameon=True, framealpha=0.9)
