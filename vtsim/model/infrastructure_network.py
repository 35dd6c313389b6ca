"""The infrastructure network as plain data, and who is in service (no SimPy, no randomness).

A facility is *in service* when it is *up* (not damaged or tripped), every need
it has on another sector is met (one supplier of that sector in service, or its
backup still running), and it is reached from an operating source of its own
sector through operating facilities along links. Interdependent sectors make
this a fixed point: :meth:`Network.service` starts from "every facility that is
up" and removes what fails until nothing changes (the greatest consistent state;
it converges because each round can only remove facilities).

:meth:`Network.cut_by` answers the planner's question "what is lost in the long
run if these facilities fail" (backups exhausted) with a worklist cascade that
touches only what the failure reaches: one breadth-first search per affected
sector and round, not a pass over the whole city.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass

from vtsim.scenario.infrastructure import Infrastructure

_EPS_MIN = 1e-9


@dataclass(frozen=True, slots=True)
class Need:
    """One need of a facility on another sector: any one supplier in service meets it."""

    index: int  # position in Network.needs (for the backup clock)
    facility: int
    sector: str
    suppliers: tuple[int, ...]
    backup_min: float


class Network:
    """Indexes of an :class:`Infrastructure` section, built once per scenario variant."""

    # for each facility, who else is out if it fails alone: set on first use by
    # vtsim.model.infrastructure.single_cuts
    _single_cuts: list[set[int]]

    def __init__(self, infra: Infrastructure):
        self.infra = infra
        facilities = infra.facilities
        self.ids = [f.id for f in facilities]
        self.index = {fid: i for i, fid in enumerate(self.ids)}
        self.sector = [f.sector for f in facilities]
        self.sectors = list(dict.fromkeys(self.sector))
        self.population = [f.population_served for f in facilities]
        self.critical = [f.critical for f in facilities]
        with_sources = {f.sector for f in facilities if f.source}
        # A sector with no source declared (hospitals, say) serves itself.
        self.is_source = [f.source or f.sector not in with_sources for f in facilities]
        self.members: dict[str, list[int]] = {s: [] for s in self.sectors}
        for i, s in enumerate(self.sector):
            self.members[s].append(i)
        self.adjacency: list[list[int]] = [[] for _ in facilities]
        for link in infra.links:
            a, b = (self.index[x] for x in link.between)
            self.adjacency[a].append(b)
            self.adjacency[b].append(a)
        self.needs_of: list[list[Need]] = [[] for _ in facilities]
        self.dependants: list[list[int]] = [[] for _ in facilities]
        grouped: dict[tuple[int, str], tuple[set[int], float]] = {}
        for dep in infra.dependencies:
            i = self.index[dep.facility]
            backup = (
                dep.backup_hours if dep.backup_hours is not None else facilities[i].backup_hours
            )
            for supplier in dep.needs:
                j = self.index[supplier]
                key = (i, self.sector[j])
                suppliers, old = grouped.get(key, (set(), 0.0))
                suppliers.add(j)
                grouped[key] = (suppliers, max(old, backup))
        self.needs: list[Need] = []
        for (i, sector), (suppliers, backup) in grouped.items():
            need = Need(len(self.needs), i, sector, tuple(sorted(suppliers)), backup * 60.0)
            self.needs.append(need)
            self.needs_of[i].append(need)
            for j in need.suppliers:
                self.dependants[j].append(i)
        self.controls = [[self.index[c] for c in f.controls] for f in facilities]
        self._base_down: frozenset[int] | None = None
        self._articulation: frozenset[int] | None = None

    def __len__(self) -> int:
        return len(self.ids)

    # ------------------------------------------------------------------ in time (SimPy)
    def service(self, up: list[bool], lost_since: list[float | None], now_min: float) -> list[bool]:
        """Who is in service at ``now_min``, given who is up and when each need was lost.

        ``lost_since[k]`` is when need ``k`` lost its last supplier (None: supplied);
        the need is still met on backup while ``now < lost_since + backup``. Updates
        ``lost_since`` in place for the state returned.
        """
        n = len(self.ids)
        candidate = list(up)
        while True:
            operating = [False] * n
            for i in range(n):
                if candidate[i]:
                    operating[i] = all(
                        self._met(need, candidate, lost_since, now_min) for need in self.needs_of[i]
                    )
            reached = self._reach(operating, range(n))
            if reached == candidate:
                break
            candidate = reached
        for need in self.needs:
            if any(candidate[j] for j in need.suppliers):
                lost_since[need.index] = None
            elif lost_since[need.index] is None:
                lost_since[need.index] = now_min
        return candidate

    @staticmethod
    def _met(need: Need, in_service: list[bool], lost_since, now_min: float) -> bool:
        if any(in_service[j] for j in need.suppliers):
            return True
        lost = lost_since[need.index]
        start = now_min if lost is None else lost
        return now_min < start + need.backup_min - _EPS_MIN

    def _reach(self, operating: list[bool], nodes) -> list[bool]:
        """Operating facilities connected to an operating source of their sector."""
        reached = [False] * len(self.ids)
        queue = deque(i for i in nodes if operating[i] and self.is_source[i])
        for i in queue:
            reached[i] = True
        while queue:
            i = queue.popleft()
            for j in self.adjacency[i]:
                if operating[j] and not reached[j]:
                    reached[j] = True
                    queue.append(j)
        return reached

    def expiries(self, lost_since: list[float | None], now_min: float) -> list[float]:
        """Future times (minutes) when a backup runs out, for needs lost now."""
        return [
            lost + need.backup_min
            for need, lost in zip(self.needs, lost_since, strict=True)
            if lost is not None and lost + need.backup_min > now_min + _EPS_MIN
        ]

    # ------------------------------------------------------------------ steady state (planning)
    def out_of_service(self, failed: set[int] | frozenset[int] = frozenset()) -> set[int]:
        """Facilities out of service in the long run (backups exhausted) when ``failed`` fail.

        With ``failed`` empty this is the base state (normally nothing: a facility
        cut off in the base network is a data problem the criticality report shows).
        """
        base = self.base_down()
        return self._cascade(base, set(failed)) if failed else set(base)

    def base_down(self) -> frozenset[int]:
        """Out of service with nothing failed (cached: the network never changes)."""
        if self._base_down is None:
            lost: list[float | None] = [-1e18] * len(self.needs)  # lost long ago: no backup
            state = self.service([True] * len(self.ids), lost, 0.0)
            self._base_down = frozenset(i for i, ok in enumerate(state) if not ok)
        return self._base_down

    def _cascade(self, base_down: frozenset[int], failed: set[int]) -> set[int]:
        down = set(base_down) | failed
        queue = deque(sorted(failed))
        # Facilities failed in each sector since its last search. A lone failure that is
        # neither a source nor a cut vertex of the links cuts no one else off: no search.
        pending: dict[str, list[int]] = {}
        due: set[str] = set()
        count: dict[str, int] = {}
        cut_vertices = self._cut_vertices() if not base_down else None
        while queue or due:
            while queue:
                v = queue.popleft()
                sector = self.sector[v]
                pending.setdefault(sector, []).append(v)
                count[sector] = count.get(sector, 0) + 1
                if (
                    cut_vertices is None
                    or count[sector] > 1
                    or self.is_source[v]
                    or v in cut_vertices
                ):
                    due.add(sector)
                for d in self.dependants[v]:
                    if d not in down and any(
                        all(j in down for j in need.suppliers) for need in self.needs_of[d]
                    ):
                        down.add(d)
                        queue.append(d)
            if not due:
                break
            sector = min(due)  # a fixed order keeps results reproducible
            due.discard(sector)
            for i in self._cut_off(pending.pop(sector, []), down):
                down.add(i)
                queue.append(i)
        return down

    def _cut_off(self, failed: list[int], down: set[int]) -> list[int]:
        """Facilities next to ``failed`` (same sector) left without a source: only the
        pieces around the failures are searched, each until it meets a working source."""
        adjacency, is_source = self.adjacency, self.is_source
        visited: set[int] = set()
        fed_nodes: set[int] = set()  # in a piece already found to reach a source
        lost: list[int] = []
        for v in failed:
            for u in adjacency[v]:
                if u in down or u in visited:
                    continue
                visited.add(u)
                piece, stack, fed = [u], [u], is_source[u]
                while stack and not fed:
                    for j in adjacency[stack.pop()]:
                        if j in down:
                            continue
                        if j in fed_nodes or is_source[j]:
                            fed = True
                            break
                        if j not in visited:
                            visited.add(j)
                            piece.append(j)
                            stack.append(j)
                if fed:
                    fed_nodes.update(piece)
                else:
                    lost.extend(piece)
        return lost

    def _cut_vertices(self) -> frozenset[int]:
        """Articulation points of the link graph (within sectors), cached."""
        if self._articulation is None:
            import networkx as nx

            graph = nx.Graph()
            graph.add_nodes_from(range(len(self.ids)))
            graph.add_edges_from((i, j) for i, adj in enumerate(self.adjacency) for j in adj)
            self._articulation = frozenset(nx.articulation_points(graph))
        return self._articulation

    def population_out(self, down: set[int]) -> float:
        return sum(self.population[i] for i in down)
