"""Infrastructure figures: service curves Q(t) per sector and package, and the network
coloured by criticality. Presentation only: they read results and reports.

Curves show the median and the 10-90 % band of Q(t) across replications at each
time (Poulin & Kane 2021: percentiles of the curves, never an averaged curve,
which would show a gentle slope no replication ever had).

>>> import vtsim
>>> from vtsim.report.infra_figures import service_curves_figure
>>> results = vtsim.run("coastal-city-grid", replications=10, progress=False)
>>> fig = service_curves_figure(results)
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from vtsim.model.infrastructure_metrics import Q_COLUMN
from vtsim.report.figures import PALETTE, _pyplot

SECTOR_LABELS = {"all": "All services (population weighted)"}


def curve_columns(frame: pd.DataFrame) -> dict[str, list[tuple[float, str]]]:
    """``{sector: [(hours, column), ...]}`` of the service-curve columns, in time order."""
    out: dict[str, list[tuple[float, str]]] = {}
    for column in frame.columns:
        match = Q_COLUMN.match(str(column))
        if match:
            out.setdefault(match["sector"], []).append((float(match["hours"]), column))
    for cols in out.values():
        cols.sort()
    if "all" in out:
        out = {"all": out.pop("all"), **out}
    return out


def service_curves_figure(results, packages: list[str] | None = None, by_threat: bool = True):
    """Q(t) per sector (columns) of each package (colours): median line, 10-90 % band.

    ``results`` is a :class:`vtsim.Results` or its frame. Replications where the plot
    was interdicted keep full service and are left out; with ``by_threat`` each
    threat that was played gets its own row (a mixture of threats has medians no
    single attack shows).
    """
    frame = getattr(results, "frame", results)
    columns = curve_columns(frame)
    if not columns:
        raise ValueError("these results hold no service curves (no infrastructure section)")
    if "prevented" in frame:
        frame = frame[frame["prevented"] == 0]
    packages = packages or list(dict.fromkeys(frame["package"]))
    threats = list(dict.fromkeys(frame["threat"])) if by_threat and "threat" in frame else [None]
    plt = _pyplot()
    ncols, nrows = len(columns), len(threats)
    fig, axes = plt.subplots(
        nrows, ncols, figsize=(3.9 * ncols, 3.2 * nrows + 0.6), squeeze=False, sharey=True
    )
    styles = ["-", "--", "-.", ":"]
    for row, threat in enumerate(threats):
        part = frame if threat is None else frame[frame["threat"] == threat]
        for ax, (sector, cols) in zip(axes[row], columns.items(), strict=True):
            days = [h / 24.0 for h, _ in cols]
            names = [c for _, c in cols]
            for k, package in enumerate(packages):
                data = part.loc[part["package"] == package, names]
                if data.empty:
                    continue
                colour = PALETTE[k % len(PALETTE)]
                q = data.quantile([0.1, 0.5, 0.9])
                ax.fill_between(days, q.loc[0.1], q.loc[0.9], color=colour, alpha=0.13, step="post")
                ax.step(
                    days,
                    q.loc[0.5],
                    where="post",
                    color=colour,
                    lw=2.4,
                    ls=styles[k % len(styles)],
                    label=package,
                )
            title = SECTOR_LABELS.get(sector, sector)
            if threat is not None and ax is axes[row][0]:
                title = f"{threat}\n{title}"
            ax.set_title(title, fontsize=12, loc="left")
            ax.set_ylim(-0.02, 1.03)
            ax.grid(alpha=0.3)
            if row == nrows - 1:
                ax.set_xlabel("days after the disruption", fontsize=11)
        axes[row][0].set_ylabel("service Q(t)", fontsize=11)
    axes[0][0].legend(fontsize=10, loc="lower right")
    fig.suptitle(
        "Service over time: median (line) and 10-90 % of replications (band), "
        "attacks that reached their target",
        fontsize=13,
        x=0.01,
        ha="left",
    )
    fig.tight_layout()
    return fig


def save_service_curves(results, folder: Path) -> list[Path]:
    """Write ``service_curves.png`` when the results hold service curves."""
    frame = getattr(results, "frame", results)
    if not curve_columns(frame):
        return []
    from vtsim.report.figures import save

    path = Path(folder) / "service_curves.png"
    save(service_curves_figure(results), path)
    return [path]


def network_figure(subject, report=None, label_top: int = 8):
    """The network drawn at the facilities' positions (or a layout), coloured by the
    population each cuts off alone (N-1); links solid, dependencies dashed."""
    import networkx as nx

    from vtsim.analysis.network import _infrastructure, criticality
    from vtsim.model.infrastructure import network_for

    infra = _infrastructure(subject)
    report = report or criticality(infra)
    net = network_for(infra)
    plt = _pyplot()
    if all(f.x is not None and f.y is not None for f in infra.facilities):
        pos = {i: (f.x, f.y) for i, f in enumerate(infra.facilities)}
    else:
        from vtsim.analysis.network import graph_of

        pos = nx.spring_layout(graph_of(net), seed=3, iterations=40)
    cut = dict(zip(report.table["facility"], report.table["n1_population_cut"], strict=True))
    values = [cut[f] for f in net.ids]
    big = len(net) > 300
    fig, ax = plt.subplots(figsize=(11, 8.5))
    from matplotlib.collections import LineCollection

    links = [(pos[i], pos[j]) for i, adj in enumerate(net.adjacency) for j in adj if j > i]
    needs = [(pos[j], pos[n.facility]) for n in net.needs for j in n.suppliers]
    ax.add_collection(
        LineCollection(needs, colors="#bbbbbb", linewidths=0.5 if big else 1.0, linestyles="--")
    )
    ax.add_collection(LineCollection(links, colors="#777777", linewidths=0.6 if big else 1.4))
    shapes = ["o", "s", "^", "D", "v", "P", "X"]
    for k, sector in enumerate(net.sectors):
        members = net.members[sector]
        points = ax.scatter(
            [pos[i][0] for i in members],
            [pos[i][1] for i in members],
            c=[values[i] for i in members],
            cmap="YlOrRd",
            vmin=0,
            vmax=max(values) or 1,
            s=18 if big else 170,
            marker=shapes[k % len(shapes)],
            edgecolors="#333333",
            linewidths=0.4 if big else 0.8,
            zorder=2,
            label=sector,
        )
    for fid in report.table["facility"][:label_top]:
        x, y = pos[net.index[fid]]
        ax.annotate(fid, (x, y), xytext=(6, 6), textcoords="offset points", fontsize=11)
    from matplotlib.lines import Line2D
    from matplotlib.ticker import FuncFormatter

    bar = fig.colorbar(points, ax=ax, shrink=0.8, format=FuncFormatter(lambda v, _: f"{v:,.0f}"))
    bar.set_label("people cut off if it fails alone (N-1)", fontsize=12)
    proxies = [
        Line2D([], [], marker=shapes[k % len(shapes)], ls="", color="#999999", markersize=10)
        for k in range(len(net.sectors))
    ]
    ax.legend(proxies, net.sectors, fontsize=11, loc="best", title="sector")
    ax.margins(0.08)
    ax.set_title("Facilities by criticality (dashed: dependencies across sectors)", fontsize=14)
    ax.set_xticks([])
    ax.set_yticks([])
    fig.tight_layout()
    return fig
