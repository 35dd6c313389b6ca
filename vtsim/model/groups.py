"""Population groups of a crowd (docs/people.md): who is in the target zone by group, the
order groups pass the exits in (:class:`GroupSplit`), and the per-group outcome columns
(:class:`GroupOutcomes`, ``<metric>__<group id>``).

The crowd (:mod:`vtsim.model.crowd`) asks :class:`GroupSplit` who passes the exits when and
who is harmed; this module only reads the crowd back when the replication's outcomes are
written. A scenario without ``groups`` never creates any of it: the same draws, the same
columns.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from typing import TYPE_CHECKING, ClassVar

from vtsim.model.component import Column, Component, count
from vtsim.model.queue import ScreeningQueues
from vtsim.scenario.checks import register_check
from vtsim.scenario.schema import Group, groups_of

if TYPE_CHECKING:
    from vtsim.scenario.schema import Scenario
    from vtsim.scenario.threats import Problem


def allocate(total: int, weights: list[float]) -> list[int]:
    """``total`` people split in proportion to ``weights`` (largest remainders; ties to the
    first): whole numbers that add up to ``total``; no random draw."""
    mass = sum(weights)
    if total <= 0 or mass <= 0:
        return [0] * len(weights)
    exact = [total * w / mass for w in weights]
    out = [math.floor(x) for x in exact]
    rest = sorted(range(len(weights)), key=lambda k: (-(exact[k] - out[k]), k))
    for k in rest[: total - sum(out)]:
        out[k] += 1
    return out


class GroupSplit:
    """The people of one crowd by population group, in the groups' declared order, and
    their exit order. Groups of the same walking speed form a *speed class*; the classes
    pass the exits fastest first (slower people end up at the back), and within a class
    the groups' people pass interleaved, evenly: the ``j``-th person of group ``k`` comes
    at the fraction ``(j + 1/2) / n[k]`` of the class (ties to the declared order), so two
    equally fast groups leave together and neither is last because of how the scenario
    lists them. ``class_start[c]`` is when class ``c`` starts passing the exits, in slots
    of the crowd's flow."""

    def __init__(self, groups: list[Group], n: list[int]):
        self.groups = groups
        self.n = n
        self.casualties = [0] * len(groups)
        self.evacuated = [0] * len(groups)
        self.casualty_group: dict[int, int] = {}  # casualty id -> group index
        factors = sorted({g.walking_speed_factor for g in groups}, reverse=True)
        self.class_factor = factors
        self.speed_class = [factors.index(g.walking_speed_factor) for g in groups]
        self.members = [
            [k for k in range(len(groups)) if self.speed_class[k] == c] for c in range(len(factors))
        ]
        self.class_n = [sum(n[k] for k in ks) for ks in self.members]
        self.class_start = [0.0] * len(factors)
        t = 0.0
        for c, f in enumerate(factors):
            self.class_start[c] = t
            t += self.class_n[c] / f
        self._sequence: dict[int, tuple] = {}  # class -> (member group per slot, cumulative)

    def _interleaved(self, c: int):
        """Class ``c``'s exit sequence (the group index of each slot) and, per group, how
        many of its people are among the first ``m`` slots (index ``m``)."""
        import numpy as np

        if c not in self._sequence:
            ks = self.members[c]
            keys = np.concatenate([(np.arange(self.n[k]) + 0.5) / self.n[k] for k in ks])
            who = np.concatenate([np.full(self.n[k], k) for k in ks])
            order = np.lexsort((who, keys))  # by fraction, ties to the declared order
            sequence = who[order]
            counts = {k: np.concatenate(([0], np.cumsum(sequence == k))).tolist() for k in ks}
            self._sequence[c] = (sequence, counts)
        return self._sequence[c]

    def passed_of(self, k: int, passed: int) -> int:
        """People of group ``k`` among the first ``passed`` of its speed class."""
        c = self.speed_class[k]
        if len(self.members[c]) == 1:
            return passed
        return int(self._interleaved(c)[1][k][passed])

    def slot_groups(self):
        """The group index of every exit slot, in exit order (a numpy array): who passes the
        exits ``j``-th, for models that follow people by slot (a release)."""
        import numpy as np

        parts = []
        for c, ks in enumerate(self.members):
            if len(ks) == 1:
                parts.append(np.full(self.n[ks[0]], ks[0]))
            else:
                parts.append(self._interleaved(c)[0])
        return np.concatenate(parts) if parts else np.zeros(0, dtype=int)

    def last_position(self, k: int) -> int:
        """Slot (from 0, within its speed class) of group ``k``'s last person."""
        c = self.speed_class[k]
        if len(self.members[c]) == 1:
            return self.n[k] - 1
        counts = self._interleaved(c)[1][k]
        return counts.index(self.n[k]) - 1

    def choose(self, remaining: list[int], u: float) -> int:
        """The group of the next person harmed, from one uniform ``u``: in proportion to the
        people of each group still there times its ``vulnerability_factor``."""
        weights = [r * g.vulnerability_factor for r, g in zip(remaining, self.groups)]
        if sum(weights) <= 0:
            weights = [max(n - c, 0) for n, c in zip(self.n, self.casualties)]
        if sum(weights) <= 0:
            weights = [g.share for g in self.groups]
        x = u * sum(weights)
        for k, w in enumerate(weights):
            x -= w
            if x < 0 and w > 0:
                return k
        return max(k for k, w in enumerate(weights) if w > 0)


def scenario_groups(scenario: Scenario) -> list[Group]:
    """Every population group declared in a scenario (zones' and sites' ``groups``), the
    first declaration of each id, in declaration order."""
    found: dict[str, Group] = {}
    for site in scenario.sites:
        for group in site.groups or []:
            found.setdefault(group.id, group)
        for zone in site.zones:
            for group in zone.groups or []:
                found.setdefault(group.id, group)
    return list(found.values())


def _queue_has_groups(scenario: Scenario) -> bool:
    return any(
        zone.queue is not None and groups_of(site, zone)
        for site in scenario.sites
        for zone in site.zones
    )


def _label(group: Group) -> str:
    return str(group.name) or group.id


GROUP_SEPARATOR = "__"
"""Per-group columns are ``<metric>__<group id>`` (docs/people.md); ``vtsim.analysis.
portfolio`` reads them by that name."""


def group_column(metric: str, group_id: str) -> str:
    """A per-group column: ``<metric>__<group id>``, ``metric`` the total's name where
    there is one (``casualties_total__children`` adds up to ``casualties_total``)."""
    return f"{metric}{GROUP_SEPARATOR}{group_id}"


class GroupOutcomes(Component):
    """Outcomes by population group (only in scenarios that declare ``groups``): who among
    the crowd was harmed, how long each group took to leave, and who bore the queue.

    Columns ``<metric>__<group id>``: ``exposed``, ``casualties_total``, ``deaths_total``
    and ``min_to_ems_contact_median`` (with a medical section), ``min_to_evacuate``; with a
    screening queue whose zone has groups, ``visitors``, ``visitor_delay_min_total``,
    ``queue_wait_min_mean`` and ``queue_peak_outside``; and ``min_group_evacuation_gap``.
    Per-group casualties and deaths add up to the totals."""

    name: ClassVar[str] = "population groups"
    runs_before_attack: ClassVar[bool] = True  # the queue's burden is borne anyway

    @classmethod
    def applies_to(cls, scenario: Scenario) -> bool:
        return bool(scenario_groups(scenario))

    @classmethod
    def columns(cls, scenario: Scenario) -> list[Column]:
        out: list[Column] = []
        medical = scenario.medical is not None
        queue = _queue_has_groups(scenario)
        for g in scenario_groups(scenario):
            who = f"group '{_label(g)}'"
            out += [
                count(group_column("exposed", g.id), f"People of {who} in the target zone."),
                count(group_column("casualties_total", g.id), f"Casualties among {who}."),
            ]
            if medical:
                out += [
                    count(group_column("deaths_total", g.id), f"Deaths among {who}."),
                    Column(
                        group_column("min_to_ems_contact_median", g.id),
                        "min",
                        f"Median time from the attack start to EMS contact of the casualties "
                        f"of {who} that EMS reached.",
                    ),
                ]
            out.append(
                Column(
                    group_column("min_to_evacuate", g.id),
                    "min",
                    f"From the attack start to the last person of {who} out of the target "
                    "zone through its exits (slower groups pass after faster ones).",
                )
            )
            if queue:
                out += [
                    Column(
                        group_column("visitors", g.id),
                        "people",
                        f"Visitors of {who} who queued for screening over the day.",
                    ),
                    Column(
                        group_column("visitor_delay_min_total", g.id),
                        "person-min",
                        f"Summed time visitors of {who} spent queueing outside the perimeter "
                        "(arrival to the end of screening) over the day.",
                    ),
                    Column(
                        group_column("queue_wait_min_mean", g.id),
                        "min",
                        f"Mean time a visitor of {who} spent queueing outside the perimeter.",
                    ),
                    Column(
                        group_column("queue_peak_outside", g.id),
                        "people",
                        f"Most people of {who} queueing outside at once.",
                    ),
                ]
        out.append(
            Column(
                "min_group_evacuation_gap",
                "min",
                "The last person of the slowest group out minus the last of the fastest "
                "(population groups in the target zone).",
            )
        )
        return out

    def metrics(self) -> dict[str, float]:
        from vtsim.model.medical import Medical  # the medical model is optional

        incident = self.incident
        scenario = incident.scenario
        groups = scenario_groups(scenario)
        cols = [c.name for c in self.columns(scenario)]
        out: dict[str, float] = {
            c.name: c.interdicted for c in self.columns(scenario)
        }  # the declared values, then what happened
        from vtsim.model.crowd import Crowd  # the crowd uses this module's GroupSplit

        crowd = incident.find(Crowd) if incident.reached_site else None
        split = crowd.split if crowd is not None else None
        ends: list[float] = []
        if crowd is not None and split is None:  # the target zone has no groups
            for g in groups:
                for metric in ("exposed", "casualties_total", "deaths_total"):
                    if group_column(metric, g.id) in out:
                        out[group_column(metric, g.id)] = math.nan
        if crowd is not None and split is not None:
            by_id = {g.id: k for k, g in enumerate(split.groups)}
            medical = incident.find(Medical)
            patients = medical.patients if medical is not None else []
            for g in groups:
                k = by_id.get(g.id)
                if k is None:
                    continue
                out[group_column("exposed", g.id)] = float(split.n[k])
                out[group_column("casualties_total", g.id)] = float(split.casualties[k])
                end = crowd.group_evacuation_end(k)
                out[group_column("min_to_evacuate", g.id)] = end
                if not math.isnan(end):
                    ends.append(end)
                if medical is not None:
                    mine = [p for p in patients if split.casualty_group.get(p.id) == k]
                    dead = [p for p in mine if (p.final or "").startswith(("died", "killed"))]
                    contacts = sorted(p.t_contact for p in mine if not math.isnan(p.t_contact))
                    out[group_column("deaths_total", g.id)] = float(len(dead))
                    out[group_column("min_to_ems_contact_median", g.id)] = (
                        _median(contacts) if contacts else math.nan
                    )
        if len(ends) >= 2:
            out["min_group_evacuation_gap"] = max(ends) - min(ends)
        queues = incident.find(ScreeningQueues)
        if queues is not None:
            for gid, days in queues.group_days().items():
                visitors = sum(d.visitors for d in days)
                delay = sum(d.delay_min_total for d in days)
                out[group_column("visitors", gid)] = float(visitors)
                out[group_column("visitor_delay_min_total", gid)] = delay
                out[group_column("queue_wait_min_mean", gid)] = (
                    delay / visitors if visitors else math.nan
                )
                out[group_column("queue_peak_outside", gid)] = float(
                    max(d.peak_outside for d in days)
                )
        return {c: out[c] for c in cols}


def _median(xs: list[float]) -> float:
    n = len(xs)
    mid = n // 2
    return xs[mid] if n % 2 else (xs[mid - 1] + xs[mid]) / 2.0


def _groups_only_where_drawn_by_group(scenario: Scenario) -> Iterator[Problem]:
    """A zone with population groups may not be the target of a mode whose casualties are
    not drawn by group (the mode says so: ``ThreatMode.casualties_by_group``)."""
    from vtsim.model.modes.base import mode_of  # the modes import this module

    for i, threat in enumerate(scenario.threats):
        if mode_of(threat).casualties_by_group:
            continue
        site = next((s for s in scenario.sites if s.id == threat.site), None)
        zone = next((z for z in site.zones if z.id == threat.zone), None) if site else None
        if site is not None and zone is not None and groups_of(site, zone):
            yield (
                ("threats", i, "zone"),
                f"targets zone '{zone.id}', which has population groups: a {threat.mode} "
                "threat's casualties are not drawn by group yet (leave `groups` out of that "
                "zone).",
            )


register_check(_groups_only_where_drawn_by_group)
