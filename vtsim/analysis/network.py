"""Criticality of infrastructure facilities for planners: N-1, worst N-2 pairs, betweenness.

*N-1*: the population cut off in the long run (every backup exhausted) when one
facility fails alone, through its own sector and every dependency it carries
(WNTR's N-1 loops, here on the interdependent network). *N-2*: pairs of
facilities that together cut off the most people. Checking all pairs of a
2,000-facility city is 2 million cascades, so pairs are searched among the
``candidates`` facilities ranked highest by N-1 cut and by betweenness
centrality (the union of both top lists); the report says so. Betweenness is
computed on the undirected graph of links and dependencies, exactly up to
``betweenness_samples`` facilities and from that many sampled sources above
(networkx, fixed seed: the same ranking every time).

>>> from vtsim.analysis.network import criticality, synthetic_infrastructure
>>> report = criticality(synthetic_infrastructure(60, seed=1))
>>> list(report.table.columns[:3])
['rank', 'facility', 'sector']
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass, field

import networkx as nx
import pandas as pd

from vtsim.errors import VtsimError
from vtsim.model.infrastructure import network_for, single_cuts
from vtsim.model.infrastructure_network import Network
from vtsim.model.streams import Streams
from vtsim.scenario.infrastructure import Infrastructure
from vtsim.scenario.schema import Scenario


@dataclass
class Criticality:
    """The ranking (one row per facility, worst first) and the worst pairs."""

    table: pd.DataFrame
    pairs: pd.DataFrame
    candidates: list[str]
    base_out: list[str] = field(default_factory=list)
    total_population: float = 0.0
    betweenness_exact: bool = True

    def render_text(self, top: int = 15) -> str:
        return render_text(self, top)


def _infrastructure(subject: Scenario | Infrastructure) -> Infrastructure:
    if isinstance(subject, Infrastructure):
        return subject
    if subject.infrastructure is None or not subject.infrastructure.facilities:
        raise VtsimError(
            f"Scenario '{subject.name}' has no infrastructure section with facilities; "
            "criticality needs a network (see scenarios/coastal-city-grid.yaml)."
        )
    return subject.infrastructure


def graph_of(net: Network) -> nx.Graph:
    """Undirected graph of links and dependencies (supplier - dependant)."""
    graph = nx.Graph()
    graph.add_nodes_from(range(len(net)))
    for i, neighbours in enumerate(net.adjacency):
        graph.add_edges_from((i, j) for j in neighbours if j > i)
    for need in net.needs:
        graph.add_edges_from((j, need.facility) for j in need.suppliers)
    return graph


def criticality(
    subject: Scenario | Infrastructure,
    candidates: int = 30,
    top_pairs: int = 10,
    betweenness_samples: int = 250,
) -> Criticality:
    """Rank facilities by N-1 population cut, beside betweenness; list the worst pairs."""
    infra = _infrastructure(subject)
    net = network_for(infra)
    n = len(net)
    cuts = single_cuts(net)
    graph = graph_of(net)
    exact = n <= betweenness_samples
    between = nx.betweenness_centrality(
        graph, k=None if exact else betweenness_samples, seed=None if exact else 7
    )
    total = sum(net.population)
    table = pd.DataFrame(
        {
            "facility": net.ids,
            "sector": net.sector,
            "population_served": net.population,
            "n1_population_cut": [net.population_out(c) for c in cuts],
            "n1_facilities_cut": [len(c) for c in cuts],
            "n1_sectors_hit": [len({net.sector[j] for j in c}) for c in cuts],
            "betweenness": [between[i] for i in range(n)],
        }
    )
    table["n1_share_cut"] = table["n1_population_cut"] / total if total else math.nan
    table["betweenness_rank"] = table["betweenness"].rank(ascending=False, method="min").astype(int)
    table = table.sort_values(
        ["n1_population_cut", "betweenness", "facility"], ascending=[False, False, True]
    )
    table.insert(0, "rank", range(1, n + 1))
    table = table.reset_index(drop=True)

    by_cut = list(table["facility"][:candidates])
    by_between = sorted(net.ids, key=lambda f: (-between[net.index[f]], f))[:candidates]
    chosen = list(dict.fromkeys(by_cut + by_between))
    base = net.base_down()
    rows = []
    for a, b in itertools.combinations(chosen, 2):
        i, j = net.index[a], net.index[b]
        cut = net.out_of_service({i, j}) - base
        together = net.population_out(cut)
        either = net.population_out(cuts[i] | cuts[j])
        rows.append(
            {
                "facility_a": a,
                "facility_b": b,
                "population_cut": together,
                "only_together": together - either,
                "facilities_cut": len(cut),
            }
        )
    pairs = pd.DataFrame(
        rows,
        columns=["facility_a", "facility_b", "population_cut", "only_together", "facilities_cut"],
    )
    if len(pairs):
        pairs = pairs.sort_values(
            ["population_cut", "only_together", "facility_a", "facility_b"],
            ascending=[False, False, True, True],
        ).head(top_pairs)
    return Criticality(
        table=table,
        pairs=pairs.reset_index(drop=True),
        candidates=chosen,
        base_out=[net.ids[i] for i in sorted(base)],
        total_population=total,
        betweenness_exact=exact,
    )


def render_text(report: Criticality, top: int = 15) -> str:
    """The ranking and the worst pairs as plain text for the terminal."""
    total = report.total_population
    lines = [
        "N-1: people cut off when one facility fails alone, backups exhausted (a person counts "
        f"once per sector: {total:,.0f} served in all), beside betweenness centrality",
        f"{'rank':>4}  {'facility':<28}{'sector':<14}{'people cut':>12}{'share':>8}"
        f"{'facilities':>11}{'betweenness':>13}",
    ]
    for _, r in report.table.head(top).iterrows():
        lines.append(
            f"{r['rank']:>4}  {r['facility']:<28}{r['sector']:<14}{r['n1_population_cut']:>12,.0f}"
            f"{100 * r['n1_share_cut']:>7.1f}%{r['n1_facilities_cut']:>11}"
            f"{r['betweenness']:>9.3f} (#{r['betweenness_rank']})"
        )
    lines += [
        "",
        f"N-2: worst pairs among {len(report.candidates)} candidates "
        "(top facilities by N-1 cut and by betweenness); 'only together' is what neither "
        "failure cuts off alone (redundancy defeated)",
        f"{'facility a':<28}{'facility b':<28}{'people cut':>12}{'only together':>15}",
    ]
    for _, r in report.pairs.iterrows():
        lines.append(
            f"{r['facility_a']:<28}{r['facility_b']:<28}{r['population_cut']:>12,.0f}"
            f"{r['only_together']:>15,.0f}"
        )
    if report.base_out:
        lines += [
            "",
            "Out of service with nothing failed (check the data): " + ", ".join(report.base_out),
        ]
    if not report.betweenness_exact:
        lines.append("Betweenness estimated from sampled sources (large network).")
    return "\n".join(lines) + "\n"


# ---------------------------------------------------------------------- synthetic networks


def synthetic_infrastructure(n: int, seed: int = 0) -> Infrastructure:
    """A synthetic city of ``n`` facilities for tests and benchmarks (not a real place).

    Power is about half the facilities (a few plants, a meshed tree of
    substations), water and telecom a fifth each (each needs its nearest power
    substation, a quarter with a second feed), hospitals the rest (they need
    power, water and telecom). Positions are in a unit square.
    """
    if n < 8:
        raise VtsimError(f"a synthetic network needs at least 8 facilities; got {n}.")
    rng = Streams(seed, 0).get("synthetic-network", n)
    shares = {"power": 0.5, "water": 0.2, "telecom": 0.2}
    counts = {s: max(2, int(n * share)) for s, share in shares.items()}
    counts["health"] = max(1, n - sum(counts.values()))
    facilities, links, deps = [], [], []
    positions: dict[str, list[tuple[str, float, float]]] = {}
    for sector, count in counts.items():
        members = positions.setdefault(sector, [])
        sources = 0 if sector == "health" else max(1, count // 50)
        for k in range(count):
            fid = f"{sector}-{k}"
            x, y = float(rng.random()), float(rng.random())
            source = k < sources
            pop = 0.0 if source or sector == "health" else float(rng.integers(500, 5000))
            if sector == "health":
                pop = float(rng.integers(20000, 80000))
            facilities.append(
                {
                    "id": fid,
                    "sector": sector,
                    "population_served": pop,
                    "source": source,
                    "critical": sector == "health",
                    "backup_hours": float(rng.choice([0, 2, 8, 24])),
                    "x": x,
                    "y": y,
                }
            )
            if members and sector != "health" and not source:
                near = sorted(members, key=lambda m: (m[1] - x) ** 2 + (m[2] - y) ** 2)
                links.append({"between": [near[0][0], fid]})
                if rng.random() < 0.15 and len(near) > 1:
                    links.append({"between": [near[1][0], fid]})
            members.append((fid, x, y))
    power = positions["power"]
    for sector in ("water", "telecom", "health"):
        for fid, x, y in positions[sector]:
            near = sorted(power, key=lambda m: (m[1] - x) ** 2 + (m[2] - y) ** 2)
            feeds = [near[0][0]] + ([near[1][0]] if rng.random() < 0.25 else [])
            deps.append({"facility": fid, "needs": feeds})
            if sector == "health":
                for other in ("water", "telecom"):
                    pool = positions[other]
                    best = min(pool, key=lambda m: (m[1] - x) ** 2 + (m[2] - y) ** 2)
                    deps.append({"facility": fid, "needs": [best[0]]})
    return Infrastructure.model_validate(
        {"facilities": facilities, "links": links, "dependencies": deps}
    )
