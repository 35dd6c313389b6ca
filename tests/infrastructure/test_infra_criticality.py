"""Criticality: N-1 and N-2 cuts match a brute-force recomputation on small graphs."""

from __future__ import annotations

import itertools

import networkx as nx
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from vtsim.analysis.network import criticality, synthetic_infrastructure
from vtsim.model.infrastructure import network_for


def brute_force_out(infra, failed: set[str]) -> set[str]:
    """Long-run out-of-service set by plain repetition until nothing changes."""
    facilities = {f.id: f for f in infra.facilities}
    sectors_with_source = {f.sector for f in infra.facilities if f.source}
    needs: dict[tuple[str, str], set[str]] = {}
    for dep in infra.dependencies:
        for s in dep.needs:
            needs.setdefault((dep.facility, facilities[s].sector), set()).add(s)
    alive = set(facilities) - failed
    while True:
        ok = {f for f in alive if all(sup & alive for (g, _), sup in needs.items() if g == f)}
        graph = nx.Graph()
        graph.add_nodes_from(ok)
        graph.add_edges_from(tuple(e.between) for e in infra.links if set(e.between) <= ok)
        served = set()
        for f in ok:
            src = facilities[f].source or facilities[f].sector not in sectors_with_source
            if src:
                served |= nx.node_connected_component(graph, f)
        if served == alive:
            return set(facilities) - alive
        alive = served


@settings(max_examples=25, deadline=None)
@given(n=st.integers(min_value=8, max_value=40), seed=st.integers(min_value=0, max_value=10_000))
def test_n1_matches_brute_force(n, seed):
    infra = synthetic_infrastructure(n, seed=seed)
    report = criticality(infra, candidates=6)
    base = brute_force_out(infra, set())
    pop = {f.id: f.population_served for f in infra.facilities}
    for _, row in report.table.iterrows():
        cut = brute_force_out(infra, {row["facility"]}) - base
        assert row["n1_facilities_cut"] == len(cut)
        assert row["n1_population_cut"] == pytest.approx(sum(pop[f] for f in cut))


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_n2_pairs_match_brute_force(seed):
    infra = synthetic_infrastructure(24, seed=seed)
    report = criticality(infra, candidates=24, top_pairs=1000)
    base = brute_force_out(infra, set())
    pop = {f.id: f.population_served for f in infra.facilities}
    assert len(report.pairs) == len(list(itertools.combinations(report.candidates, 2)))
    for _, row in report.pairs.iterrows():
        cut = brute_force_out(infra, {row["facility_a"], row["facility_b"]}) - base
        assert row["population_cut"] == pytest.approx(sum(pop[f] for f in cut))
    worst = max(report.pairs["population_cut"])
    assert report.pairs["population_cut"].iloc[0] == worst


def test_both_redundant_suppliers_failing_cuts_what_neither_cuts_alone(coastal):
    report = criticality(coastal)
    pair = report.pairs[
        (report.pairs[["facility_a", "facility_b"]].apply(set, axis=1))
        == {"pw-plant-north", "pw-plant-south"}
    ]
    assert pair["only_together"].iloc[0] == pytest.approx(report.total_population)


def test_the_ranking_is_ordered_and_complete(coastal):
    report = criticality(coastal)
    cuts = list(report.table["n1_population_cut"])
    assert cuts == sorted(cuts, reverse=True)
    assert len(report.table) == len(coastal.infrastructure.facilities)
    assert report.table["facility"].iloc[0] in {"tx-south", "tx-north"}
    assert network_for(coastal.infrastructure).base_down() == frozenset()
