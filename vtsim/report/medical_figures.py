"""Medical figures and tables: casualty flow over time, time to care per package.

Presentation only: these read Results and traces. ``medical_figures(results)``
replays one baseline replication with a trace (the same seed gives the same
storyline) to draw the casualty flow.

>>> import vtsim
>>> from vtsim.report.medical_figures import medical_figures
>>> results = vtsim.run("museum-siege", replications=10, seed=1, progress=False)
>>> sorted(medical_figures(results))
['casualty-flow', 'time-to-care']
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from vtsim.analysis.formats import share
from vtsim.model.patient import FLOW_STATES
from vtsim.report.figures import PALETTE, _pyplot

FLOW_COLOURS = {
    "on_scene": "#d95f02",
    "in_treatment": "#e6ab02",
    "in_transport": "#7570b3",
    "at_hospital": "#1b9e77",
    "dead": "#4d4d4d",
}

TIME_METRICS = {
    "min_to_first_ems_contact": "first EMS contact",
    "min_to_hospital_t1": "T1 at hospital (median)",
    "min_to_last_hospital_arrival": "last hospital arrival",
}


def same_replications(frame: pd.DataFrame, packages: list[str], metric: str):
    """A time to care on the same replications for every package: (wide, share).

    ``wide`` has one row per replication in which every package has the time (it has
    casualties concerned: reaching EMS, injured T1, reaching a hospital) and one column
    per package; ``share`` is the fraction of the replications run by every package
    that it keeps. Each package's mean over its own replications with casualties
    would compare different attacks: a measure that stops the smaller attacks leaves
    the larger ones, whose times are longer, and that mean rises though care is no
    slower. On the same replications (common random numbers: the same attacks) it
    does not.
    """
    part = frame[frame["package"].isin(packages)]
    wide = part.pivot(index="replication", columns="package", values=metric)
    wide = wide.reindex(columns=packages)
    ran = int((part.groupby("replication")["package"].nunique() == len(packages)).sum())
    kept = wide.dropna()
    return kept, (len(kept) / ran if ran else math.nan)


def casualty_flow(trace, step_min: float = 1.0) -> pd.DataFrame:
    """Casualties in each flow state at each minute, from a traced replication.

    Rows: minutes after the attack started; columns: :data:`FLOW_STATES`.
    Every casualty is in exactly one state at every time after its injury.
    """
    event = next((e for e in trace or () if e.kind == "casualty_flow"), None)
    if event is None:
        return pd.DataFrame(columns=list(FLOW_STATES))
    transitions = event.data["transitions"]
    end = event.t_min
    grid = np.arange(0.0, end + step_min, step_min)
    counts = {s: np.zeros(len(grid)) for s in FLOW_STATES}
    by_casualty: dict[int, list] = {}
    for t, cid, state in transitions:
        by_casualty.setdefault(cid, []).append((t, state))
    for steps in by_casualty.values():
        steps.sort(key=lambda x: x[0])
        for i, (t, state) in enumerate(steps):
            t_next = steps[i + 1][0] if i + 1 < len(steps) else math.inf
            counts[state] += (grid >= t) & (grid < t_next)
    return pd.DataFrame(counts, index=pd.Index(grid, name="min"))


def casualty_flow_figure(trace, title: str = ""):
    """Stacked areas: on scene, in treatment, in transport, at hospital, dead."""
    plt = _pyplot()
    flow = casualty_flow(trace)
    fig, ax = plt.subplots(figsize=(10, 5))
    if flow.empty or flow.to_numpy().sum() == 0:
        ax.text(0.5, 0.5, "no casualties in this replication", ha="center", transform=ax.transAxes)
    else:
        changing = flow.index[(flow != flow.iloc[-1]).any(axis=1).to_numpy()]
        flow = flow.loc[: changing.max() + 15 if len(changing) else flow.index.max()]
        ax.stackplot(
            flow.index,
            [flow[s] for s in FLOW_STATES],
            labels=[s.replace("_", " ") for s in FLOW_STATES],
            colors=[FLOW_COLOURS[s] for s in FLOW_STATES],
            alpha=0.9,
        )
        ax.legend(loc="upper left", fontsize=11, frameon=False, bbox_to_anchor=(1.0, 1.0))
    ax.set_xlabel("minutes after the attack started", fontsize=12)
    ax.set_ylabel("casualties", fontsize=12)
    ax.set_title(f"{title}: casualty flow (one replication)".lstrip(": "), fontsize=14, loc="left")
    ax.grid(alpha=0.3)
    fig.tight_layout()
    return fig


def time_to_care_figure(results):
    """Distributions of the time to care, one box per package, over the same replications
    for every package (:func:`same_replications`)."""
    plt = _pyplot()
    frame = results.frame
    metrics = [m for m in TIME_METRICS if m in frame]
    fig, axes = plt.subplots(
        1,
        len(metrics),
        figsize=(4.5 * len(metrics), 1.5 + 0.6 * len(results.packages)),
        squeeze=False,
    )
    for ax, metric in zip(axes[0], metrics):
        wide, covered = same_replications(frame, results.packages, metric)
        data = [wide[p].to_numpy() for p in results.packages]
        box = ax.boxplot(
            [d if len(d) else [np.nan] for d in data],
            **_horizontal(),
            patch_artist=True,
            widths=0.6,
            showfliers=False,
            medianprops={"color": "black", "linewidth": 2},
        )
        for i, patch in enumerate(box["boxes"]):
            patch.set_facecolor(PALETTE[i % len(PALETTE)])
            patch.set_alpha(0.7)
        ax.set_yticks(
            range(1, len(results.packages) + 1),
            results.packages if ax is axes[0][0] else [""] * len(results.packages),
            fontsize=12,
        )
        ax.invert_yaxis()
        ax.set_title(
            f"{TIME_METRICS[metric]}\non {share(covered)} of replications", fontsize=12, loc="left"
        )
        ax.set_xlabel("minutes after the attack started (lower is better)", fontsize=10)
        ax.grid(axis="x", alpha=0.3)
    fig.suptitle(
        f"{results.scenario.name}: time to care per package, on the same replications"
        " (those where every package has the casualties concerned)",
        fontsize=14,
        x=0.01,
        ha="left",
    )
    fig.tight_layout()
    return fig


def _horizontal() -> dict:
    import matplotlib

    major, minor = (int(x) for x in matplotlib.__version__.split(".")[:2])
    return {"orientation": "horizontal"} if (major, minor) >= (3, 10) else {"vert": False}


def flow_replication(results) -> int | None:
    """The first baseline replication with casualties who survived the attack."""
    frame = results.frame
    if "patients_to_hospital" not in frame:
        return None
    base = frame[(frame["package"] == "baseline") & (frame["patients_to_hospital"] > 0)]
    return int(base["replication"].iloc[0]) if len(base) else None


def medical_figures(results) -> dict:
    """Figures by name (empty without a medical section): ``casualty-flow``, ``time-to-care``."""
    if results.scenario.medical is None:
        return {}
    from vtsim.model.world import simulate

    figures = {}
    replication = flow_replication(results)
    if replication is not None:
        outcome = simulate(results.scenario, results.seed, replication, trace=True)
        figures["casualty-flow"] = casualty_flow_figure(
            outcome.trace, f"{results.scenario.name}, replication {replication}"
        )
    figures["time-to-care"] = time_to_care_figure(results)
    return figures


def medical_text(results) -> str:
    """Per package: deaths and preventable deaths per attack attempted (means over every
    replication); times to care, means over the same replications for every package
    (:func:`same_replications`), with the share of replications they cover."""
    frame = results.frame
    if results.scenario.medical is None or "preventable_deaths" not in frame:
        return ""
    columns = {
        "deaths_total": "deaths",
        "preventable_deaths": "preventable",
        "min_to_first_ems_contact": "EMS contact",
        "min_to_hospital_t1": "T1 to hospital",
        "min_to_last_hospital_arrival": "last arrival",
        "hospital_overload_min": "overload",
    }
    means = frame.groupby("package", sort=False)[list(columns)].mean().reindex(results.packages)
    covered = {}
    for metric in (m for m in TIME_METRICS if m in columns):
        wide, covered[columns[metric]] = same_replications(frame, results.packages, metric)
        means[metric] = wide.mean().reindex(results.packages)
    width = max([len(p) for p in results.packages] + [8])
    head = f"  {'package':<{width}}" + "".join(f"{v:>16}" for v in columns.values())
    shares = ", ".join(f"{name} {share(v)}" for name, v in covered.items())
    lines = [
        "RESPOND, medical: deaths per attack attempted. Times in minutes after the attack",
        "  started, means on the same replications for every package: those where every",
        f"  package has the casualties concerned ({shares} of replications).",
        head,
    ]
    for package, row in means.iterrows():
        cells = "".join(f"{'n/a' if pd.isna(v) else f'{v:.1f}':>16}" for v in row)
        lines.append(f"  {package:<{width}}{cells}")
    return "\n".join(lines) + "\n"
