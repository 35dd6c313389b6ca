"""Mitigate: the people of the target zone, their evacuation, and who among them is harmed.

The zone holds ``occupancy`` people when the attack starts (for a screening queue: the
people queueing then). Once they are alerted (harm starts there, or an agency listed in
``evacuation.alerted_by`` is alerted) they start moving after ``alert_to_move_min`` and
leave through the exits at their summed flow: the ``j``-th person (from 0) passes the
exits ``(j + 1) / flow`` minutes after the crowd starts to move (:meth:`Crowd.leaves_at`).
Everyone ends in exactly one state: a casualty, evacuated, or unharmed in place, so
``exposed == casualties + evacuated + unharmed`` in every replication.

How people are harmed is the threat mode's (``incident.mode.harm``; the shared
profiles are in :mod:`vtsim.model.harm`). The crowd answers side-effect-free questions
for everyone who needs the situation at a moment (the exercise console, figures):
:meth:`Crowd.evacuated_at`, :meth:`Crowd.still_exposed_at`.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, ClassVar

from vtsim.model.component import Column, Component, count
from vtsim.model.groups import GROUP_SEPARATOR as GROUP_SEPARATOR  # re-exported: the names
from vtsim.model.groups import GroupOutcomes as GroupOutcomes  # users import from here
from vtsim.model.groups import GroupSplit, allocate
from vtsim.model.groups import group_column as group_column
from vtsim.model.groups import scenario_groups as scenario_groups
from vtsim.model.incident import TRIAGE_CLASSES
from vtsim.model.queue import ScreeningQueues
from vtsim.scenario.schema import groups_of

if TYPE_CHECKING:
    from vtsim.model.incident import Incident
    from vtsim.scenario.schema import Scenario


class Crowd(Component):
    """People of the target zone, with evacuation computed lazily from the exit flow."""

    name: ClassVar[str] = "crowd"

    @classmethod
    def columns(cls, scenario: Scenario) -> list[Column]:
        return [
            count("exposed", "People in the target zone when the attack started."),
            count("exposed_peak", "People still in the zone when harm started."),
            count("casualties_total", "People harmed (every triage class)."),
            count("killed_outright", "Casualties killed at once."),
            count("t1", "Casualties triaged T1 (immediate) when harmed (symptoms pending too)."),
            count("t2", "Casualties triaged T2 (urgent) when harmed."),
            count("t3", "Casualties triaged T3 (minor) when harmed."),
            count("evacuated", "People who left the zone unharmed before the attack ended."),
            count("unharmed", "People still in the zone, unharmed, when the attack ended."),
            Column("evacuated_fraction", "share", "Evacuated as a share of those exposed."),
        ]

    @classmethod
    def create(cls, incident: Incident) -> Crowd:
        """The crowd the threat's mode says (how people leave: by flow, or by slots)."""
        return incident.mode.crowd(incident)

    def __init__(self, incident: Incident):
        super().__init__(incident)
        zone = incident.zone
        rng = incident.streams.get("crowd", zone.id)
        if zone.queue is not None:  # a screening queue: people waiting at the attack moment
            queues = incident.component(ScreeningQueues)
            if incident.mode.strikes_at_densest(incident.threat):  # the attacker's choice
                self.exposed = queues.peak_outside(incident.site.id, zone.id)
            else:
                self.exposed = queues.outside_at_attack(incident.site.id, zone.id)
        else:
            occupancy = zone.occupancy
            assert occupancy is not None  # a zone has an occupancy or a queue (Zone validates)
            self.exposed = int(round(occupancy.sample(rng)))
        self._rng = rng  # the move delay is drawn when people are alerted (next draw)
        # Population groups (docs/people.md): split lazily, once `exposed` is final.
        self.groups = groups_of(incident.site, zone)
        self._split: GroupSplit | None = None
        self.move_delay_min: float | None = None
        self.flow_per_min = sum(e.flow_per_min for e in zone.exits)
        self.casualties = 0
        # Harmed people not yet known as casualties (a release's symptoms still pending), by
        # triage class: counted in the triage columns so that they add up to the total.
        self.pending_by_triage: dict[str, int] = {}
        self.evacuated = 0
        self.exposed_at_onset = 0
        self.moving_at: float | None = None  # minutes after attack start
        self.alerted_at: float | None = None
        self.frozen_at: float | None = None  # accounting closes when the attack ends

        # Read the site's evacuation when it is used, so an exercise decision
        # (World.apply) adding an alerting agency mid-incident takes effect.
        def on_alerted(agency: str, **_):
            if agency in incident.site.evacuation.alerted_by and not incident.ended:
                self.warn(f"alerted by {agency}")

        def on_changed(**_):
            for agency in incident.site.evacuation.alerted_by:
                if agency in incident.alerted and not incident.ended:
                    self.warn(f"alerted by {agency}")

        incident.on("agency_alerted", on_alerted)
        incident.on("scenario_changed", on_changed)
        incident.env.process(self._harm())

    def _harm(self):
        incident = self.incident
        yield incident.harm_started
        yield from incident.mode.harm(incident, self)

    # -- population groups -----------------------------------------------------------------
    @property
    def split(self) -> GroupSplit | None:
        """The crowd's people by population group (None without groups)."""
        if not self.groups:
            return None
        if self._split is None:
            incident = self.incident
            weights = [g.share for g in self.groups]
            zone = incident.zone
            if zone.queue is not None:  # who is queueing then: the queue day's own mix
                queues = incident.component(ScreeningQueues)
                at_attack = queues.outside_at_attack(incident.site.id, zone.id)
                densest = self.exposed != at_attack
                found = queues.groups_at_attack(incident.site.id, zone.id, densest)
                if found and sum(found.values()) > 0:
                    weights = [float(found.get(g.id, 0)) for g in self.groups]
            self._split = GroupSplit(self.groups, allocate(self.exposed, weights))
        return self._split

    def group_passed(self, k: int, t: float) -> int:
        """How many exit slots of group ``k`` have passed by ``t``."""
        split = self.split
        assert split is not None
        return split.passed_of(k, self.class_passed(split.speed_class[k], t))

    def class_passed(self, c: int, t: float) -> int:
        """How many exit slots of speed class ``c`` (:class:`GroupSplit`) have passed by
        ``t``, exactly (the estimate from the flow corrected against the slots' times)."""
        split = self.split
        assert split is not None
        if self.moving_at is None or self.flow_per_min <= 0 or t < self.moving_at:
            return 0
        if self.frozen_at is not None:
            t = min(t, self.frozen_at)
        n = split.class_n[c]
        rate = self.flow_per_min * split.class_factor[c]
        start = self.moving_at + split.class_start[c] / self.flow_per_min
        passed = min(max(math.floor(rate * (t - start)), 0), n)
        while passed > 0 and start + passed / rate > t:
            passed -= 1
        while passed < n and start + (passed + 1) / rate <= t:
            passed += 1
        return passed

    def group_remaining(self, t: float) -> list[int]:
        """People of each group still in the zone and unharmed at ``t`` (no side effect)."""
        split = self.split
        assert split is not None
        return [
            split.n[k] - split.casualties[k] - self._group_evacuated(k, t)
            for k in range(len(split.n))
        ]

    def _group_evacuated(self, k: int, t: float) -> int:
        split = self.split
        assert split is not None
        out = min(self.group_passed(k, t), split.n[k] - split.casualties[k])
        return max(split.evacuated[k], out)

    def group_evacuation_end(self, k: int) -> float:
        """Minutes after the attack start when the last person of group ``k`` passes the
        exits (the flow goes on after the attack ends); NaN if nobody of the group was there,
        the crowd was never told to leave, or the zone has no exits."""
        split = self.split
        assert split is not None
        if self.moving_at is None or self.flow_per_min <= 0 or split.n[k] == 0:
            return math.nan
        c = split.speed_class[k]
        last = split.last_position(k)  # of the group's last person in its speed class
        rate = self.flow_per_min * split.class_factor[c]
        return self.moving_at + split.class_start[c] / self.flow_per_min + (last + 1) / rate

    # -- evacuation ------------------------------------------------------------------------
    def leaves_at(self, slot: int) -> float:
        """When person ``slot`` (from 0, in exit order) passes the exits (inf while nobody
        moves, or without exits). With population groups, slower groups pass after faster
        ones, each person of a group taking ``1 / walking_speed_factor`` of a slot (groups
        of the same speed pass interleaved: :class:`GroupSplit`)."""
        if self.moving_at is None or self.flow_per_min <= 0:
            return math.inf
        split = self.split
        if split is not None:
            for c, n in enumerate(split.class_n):
                if slot < n:
                    rate = split.class_factor[c]
                    return self.moving_at + (split.class_start[c] + (slot + 1) / rate) / (
                        self.flow_per_min
                    )
                slot -= n
            return math.inf
        return self.moving_at + (slot + 1) / self.flow_per_min

    def slots_passed(self, t: float) -> int:
        """How many exit slots have passed by ``t``: the number of ``j`` with
        ``leaves_at(j) <= t``, exactly (the estimate from the flow is corrected against
        :meth:`leaves_at`, so no tolerance is needed)."""
        if self.moving_at is None or self.flow_per_min <= 0 or t < self.moving_at:
            return 0
        split = self.split
        if split is not None:
            return sum(self.group_passed(k, t) for k in range(len(split.n)))
        if self.frozen_at is not None:
            t = min(t, self.frozen_at)
        n = self.exposed
        k = min(max(math.floor(self.flow_per_min * (t - self.moving_at)), 0), n)
        while k > 0 and self.leaves_at(k - 1) > t:
            k -= 1
        while k < n and self.leaves_at(k) <= t:
            k += 1
        return k

    def evacuated_at(self, t: float) -> int:
        """People out of the zone unharmed by ``t`` (no side effect)."""
        if self.moving_at is None or t < self.moving_at:
            return self.evacuated
        split = self.split
        if split is not None:
            return sum(self._group_evacuated(k, t) for k in range(len(split.n)))
        return max(self.evacuated, min(self.slots_passed(t), self.exposed - self.casualties))

    def still_exposed_at(self, t: float) -> int:
        """People still in the zone and unharmed at ``t`` (no side effect)."""
        return self.exposed - self.casualties - self.evacuated_at(t)

    def remaining(self, t: float) -> int:
        """People still in the zone and unharmed at ``t``; the model's own accounting
        moves on to ``t`` (times only increase)."""
        split = self.split
        if split is not None:
            split.evacuated = [self._group_evacuated(k, t) for k in range(len(split.n))]
        self.evacuated = self.evacuated_at(t)
        return self.exposed - self.casualties - self.evacuated

    def alert(self, t: float, move_delay) -> None:
        """Alerted at ``t``; ``move_delay`` is the evacuation's current alert-to-move Dist
        (read now, so a decision taken during the incident counts)."""
        if self.alerted_at is None:
            self.alerted_at = t
            self.move_delay_min = move_delay.sample(self._rng)
            self.moving_at = t + self.move_delay_min

    def warn(self, why: str) -> None:
        """Tell the people of the zone to leave (once; later warnings change nothing)."""
        if self.alerted_at is None:
            incident = self.incident
            self.alert(incident.now(), incident.site.evacuation.alert_to_move_min)
            incident.emit("crowd_alerted", why=why, moving_at=self.moving_at)

    # -- the end ---------------------------------------------------------------------------
    def finish(self, t_end: float) -> None:
        incident = self.incident
        end = incident.end_time if incident.end_time is not None else t_end
        self.remaining(end)
        self.frozen_at = end

    def metrics(self) -> dict[str, float]:
        counts = dict.fromkeys(TRIAGE_CLASSES, 0)
        for casualty in self.incident.casualties:
            counts[casualty.triage] += 1
        for triage, n in self.pending_by_triage.items():
            counts[triage] += n
        unharmed = self.exposed - self.casualties - self.evacuated
        return {
            "exposed": float(self.exposed),
            "exposed_peak": float(self.exposed_at_onset),
            "casualties_total": float(self.casualties),
            **{k: float(v) for k, v in counts.items()},
            "evacuated": float(self.evacuated),
            "unharmed": float(unharmed),
            "evacuated_fraction": self.evacuated / self.exposed if self.exposed else math.nan,
        }
