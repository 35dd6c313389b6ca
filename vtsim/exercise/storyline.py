"""One storyline stepped from trigger to trigger: the engine under every front end.

A :class:`Storyline` wraps a :class:`~vtsim.model.world.World` (one replication,
traced) and stops at each inject and decision point when its trigger fires: at a
time after the attack starts, or at the first matching happening (plus an
optional delay). A decision applies its option's measures from that moment
(``World.apply``). Stopping never changes the model: stop events are extra SimPy
events that no sub-model waits on, so the same decisions at the same stops give
the same storyline, and :func:`play` (the counterfactual replays) steps exactly
as a facilitated session does.

Two pictures of the situation: :meth:`Storyline.known`, what the players know (built
from the messages delivered, the happenings that reached the agencies and their own
decisions), and :meth:`Storyline.picture`, the simulation's ground truth (the
facilitator's view, the after-action report's).
"""

from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass, field

from simpy.events import URGENT

from vtsim.errors import VtsimError
from vtsim.exercise.options import find_option, find_point, option_measures
from vtsim.model.crowd import Crowd
from vtsim.model.medical import Medical
from vtsim.model.world import Outcome, World
from vtsim.scenario.exercise import DecisionPoint, Inject
from vtsim.scenario.schema import Scenario
from vtsim.scenario.transforms import apply_measures


@dataclass(frozen=True)
class Stop:
    """Where a storyline stopped: an ``inject``, a ``decision`` point, or the ``end``."""

    kind: str
    item_id: str | None
    t_min: float
    module: str | None = None

    @property
    def point_id(self) -> str:
        """``item_id`` at an inject or decision point, where it is always set."""
        # Only the ``end`` stop has no item; callers use this at a decision point.
        assert self.item_id is not None, "the end of the storyline has no decision point"
        return self.item_id


@dataclass
class _Pending:
    order: int
    kind: str
    item: Inject | DecisionPoint
    due_min: float | None = None  # minutes after attack start, once known


@dataclass
class Storyline:
    """A replication that stops at the exercise's injects and decision points."""

    scenario: Scenario
    seed: int
    replication: int
    threat: str | None = None
    applied: list[tuple[str, str, float]] = field(default_factory=list)
    # The messages shown (injects and decision prompts) and when; what they told the players
    # (fact -> when first told), and the casualty count an inject gave them.
    delivered: list[tuple[Inject | DecisionPoint, float]] = field(default_factory=list, init=False)
    _told: dict[str, float] = field(default_factory=dict, init=False, repr=False)
    _casualties_told: int | None = field(default=None, init=False, repr=False)

    def __post_init__(self):
        ex = self.scenario.exercise
        if ex is None:
            raise VtsimError(f"Scenario '{self.scenario.name}' has no 'exercise' section.")
        self.current = self.scenario
        self.world = World(
            self.scenario, self.seed, self.replication, trace=True, threat=self.threat
        )
        self.incident = self.world.incident
        items = [("inject", i) for i in ex.injects] + [("decision", d) for d in ex.decisions]
        self._pending = [_Pending(n, kind, item) for n, (kind, item) in enumerate(items)]
        for pending in self._pending:
            if pending.item.when.at_min is not None:
                pending.due_min = pending.item.when.at_min
            else:
                self.incident.on(pending.item.when.event, self._listener(pending))
        self._wake = None
        self._target_reached = -math.inf  # the last stop time the clock was run to
        self.finished = False

    # -- triggers ------------------------------------------------------------------------
    def _listener(self, pending: _Pending):
        when = pending.item.when

        def heard(**data):
            if pending.due_min is not None or pending not in self._pending:
                return
            if any(str(data.get(k)) != v for k, v in when.match.items()):
                return
            pending.due_min = self.incident.now() + when.delay_min
            if when.delay_min > 0:
                timer = self.world.env.timeout(when.delay_min)
                timer.callbacks.append(lambda _event: self._stop_now())
            else:
                self._stop_now()

        return heard

    def _stop_now(self) -> None:
        """Stop the run right after the current step, before processes started in it run.

        SimPy starts a process with an URGENT event; the wake-up is scheduled URGENT too
        (``Event.succeed`` with a priority), so a decision taken here is seen by units
        dispatched at this very moment. No sub-model waits on it: the model is unchanged.
        """
        wake = self._wake
        if wake is not None and not wake.triggered:
            wake._ok, wake._value = True, None
            self.world.env.schedule(wake, URGENT)

    def _ready(self) -> _Pending | None:
        if not self.incident.reached_site:
            return None
        # A timed stop is reached when the clock was run to it: compare with that time
        # itself, not with the clock (``now + (t - now)`` need not round to ``t``).
        now = max(self.incident.now(), self._target_reached)
        due = [p for p in self._pending if p.due_min is not None and p.due_min <= now]
        return min(due, key=lambda p: (p.due_min, p.order)) if due else None

    # -- stepping ------------------------------------------------------------------------
    def advance(self) -> Stop:
        """Run to the next inject or decision point (or the end) and return it."""
        while True:
            ready = self._ready()
            if ready is not None:
                self._pending.remove(ready)
                self.delivered.append((ready.item, self.incident.now()))
                self._revealed(ready.item)
                return Stop(ready.kind, ready.item.id, self.incident.now(), ready.item.module)
            if self.finished:
                return Stop("end", None, self.incident.now())
            upcoming = [p.due_min for p in self._pending if p.due_min is not None]
            self.finished = not self._run(min(upcoming) if upcoming else None)

    def _run(self, t_min: float | None) -> bool:
        """Run to ``t_min`` after the attack start or to the next trigger; False when over."""
        world, env = self.world, self.world.env
        if not world.run_until(t_min=0.0):  # to the attack start (or the interdiction)
            return False
        stop = world.horizon if t_min is None else min(world.horizon, t_min)
        if stop > env.now:
            self._wake = env.event()

            def reached(_event) -> None:
                self._target_reached = stop
                self._stop_now()

            env.timeout(stop - env.now).callbacks.append(reached)
            env.run(until=self._wake)
            self._wake = None
        else:
            self._target_reached = max(self._target_reached, stop)
        return not world.done

    def decide(self, point_id: str, option_id: str) -> None:
        """Apply an option of a decision point from this moment on."""
        point = find_point(self.scenario, point_id)
        option = find_option(point, option_id)
        measures = option_measures(self.scenario, point, option)
        self.applied.append((point_id, option_id, self.incident.now()))
        self.incident.emit("exercise_decision", point=point_id, option=option_id)
        if measures:
            self.current = apply_measures(
                self.current, measures, f"decision '{point_id}', option '{option_id}'"
            )
            self.world.apply(self.current)

    def finish(self) -> Outcome:
        return self.world.finish()

    # -- the situation picture ---------------------------------------------------------------
    def _revealed(self, item: Inject | DecisionPoint) -> None:
        """Remember what a message just delivered told the players (``Inject.reveals``)."""
        now = self.incident.now()
        for fact in reveals(item):
            self._told.setdefault(fact, now)
            if fact == "casualties":
                self._casualties_told = len(self.incident.casualties)

    def picture(self) -> dict:
        """The ground truth (the facilitator's view): time, people exposed, casualties,
        units, services down, as the simulation has them.

        Read only: nothing here draws or changes the incident. The players see
        :meth:`known`, what has reached them.
        """
        incident = self.incident
        trace = incident.trace or []
        triage = Counter(c.triage for c in incident.casualties)
        units = Counter(e.data.get("agency") for e in trace if e.kind == "unit_arrived")
        down: dict[str, str] = {}
        for event in trace:
            if event.kind == "facility_down":
                down[str(event.data.get("facility"))] = str(event.data.get("sector", ""))
            elif event.kind == "facility_up":
                down.pop(str(event.data.get("facility")), None)
        full = sorted(
            {str(e.data.get("hospital")) for e in trace if e.kind == "hospital_at_capacity"}
        )
        crowd = incident.find(Crowd)
        now = incident.now()
        exposed = crowd.exposed if crowd is not None else 0
        closed = incident.end_time if incident.ended else now  # the crowd's accounting
        evacuated = crowd.evacuated_at(min(now, closed)) if crowd is not None else 0
        if incident.prevented:
            status = "interdicted"
        elif not incident.reached_site:
            status = "planning"
        elif incident.ended:
            status = "ended"
        elif incident.harm_start is not None:
            status = "active"
        else:
            status = "approaching"
        return {
            "t_min": round(now, 2) if incident.reached_site else None,
            "status": status,  # a key of the message catalogue's ``status`` section
            "ended_by": incident.ended_by,
            "exposed": exposed,
            "evacuated": evacuated,
            "still_exposed": crowd.still_exposed_at(min(now, closed)) if crowd is not None else 0,
            "casualties": len(incident.casualties),
            "casualties_by_triage": {k: triage.get(k, 0) for k in _TRIAGE},
            "units_on_scene": dict(sorted((str(k), v) for k, v in units.items())),
            "agencies_alerted": sorted(incident.alerted),
            "casualty_care": _care(incident),
            "services_down": down,
            "hospitals_at_capacity": full,
        }

    def known(self) -> dict:
        """What the players know now: the players' situation picture.

        Built only from what reached the agencies: the messages delivered (injects and
        decision prompts, with what they reveal), the happenings they observe (an alarm
        raised, an agency alerted, their own units arriving on scene, casualties once
        medical teams triage them, hospitals reporting full, services reported down) and
        their own decisions. No quantity they could not observe (people still exposed),
        and the attack is "under way" only once someone confirmed it. Read only.
        """
        incident = self.incident
        trace = incident.trace or []
        now = incident.now()
        level = _LEVELS.index("no_reports")
        if self.delivered:
            level = _LEVELS.index("unconfirmed")
        for fact, status in (("harm", "harm_reported"), ("attack", "attack_confirmed")):
            if fact in self._told:
                level = max(level, _LEVELS.index(status))
        units: Counter[str] = Counter()
        alerted: list[str] = []
        down: dict[str, str] = {}
        full: list[str] = []
        for event in trace:
            kind, data = event.kind, event.data
            seen = None
            if kind == "alarm":
                seen = "calls" if data.get("source") == "emergency call" else "unconfirmed"
            elif kind == "detection" and data.get("communicated", True):
                seen = "unconfirmed"
            elif kind == "release_detected":
                seen = "harm_reported" if data.get("how") == "symptoms" else "unconfirmed"
            elif kind == "agency_alerted":
                seen = "unconfirmed"
                if str(data.get("agency")) not in alerted:
                    alerted.append(str(data.get("agency")))
            elif kind == "unit_arrived":
                units[str(data.get("agency"))] += 1
            elif kind == "hospital_at_capacity":
                if str(data.get("hospital")) not in full:
                    full.append(str(data.get("hospital")))
            elif kind == "facility_down":
                seen = "unconfirmed"
                down[str(data.get("facility"))] = str(data.get("sector", ""))
            elif kind == "facility_up":
                down.pop(str(data.get("facility")), None)
            if seen is not None:
                level = max(level, _LEVELS.index(seen))
        on_scene = bool(units)
        if on_scene and incident.harm_start is not None:  # their own units see it
            level = max(level, _LEVELS.index("confirmed"))
        # The end: the responders who ended it know at once; otherwise units on scene see
        # it, or a message says so.
        ended_by = None
        if incident.prevented:
            status = "interdicted"
        elif incident.ended and (
            incident.ended_by in _ENDED_BY_RESPONDERS or on_scene or "ended" in self._told
        ):
            status, ended_by = "over", incident.ended_by
        elif "ended" in self._told:
            status = "reported_over"
        else:
            status = _LEVELS[level]
        counted = self._counted(on_scene)
        return {
            "view": "players",
            "t_min": round(now, 2) if incident.reached_site else None,
            "status": status,  # a key of the message catalogue's ``status`` section
            "ended_by": ended_by,
            "casualties_reported": self._casualties_told,
            **counted,
            "units_on_scene": dict(sorted(units.items())),
            "agencies_alerted": sorted(alerted),
            "services_down": down,
            "hospitals_at_capacity": sorted(full),
            "decisions": [
                {"point": point, "option": option, "t_min": round(t, 2)}
                for point, option, t in self.applied
            ],
        }

    def _counted(self, on_scene: bool) -> dict:
        """Casualties as the agencies counted them: the medical teams' triage (by the
        label they gave), the dead once teams reached the scene; without a medical model,
        every casualty once units are on scene (no triage)."""
        incident = self.incident
        medical = incident.find(Medical)
        if medical is None:
            n = len(incident.casualties) if on_scene else None
            return {"casualties_counted": n, "casualties_by_label": {}, "casualty_care": {}}
        reached = medical.scene_ready.triggered
        labels: Counter[str] = Counter()
        care: Counter[str] = Counter()
        for p in medical.patients:
            final = p.final or ""
            dead = final == "killed_outright" or final.startswith("died")
            if p.label is not None:  # triaged (on scene, or at the hospital door)
                labels["dead" if dead else p.label] += 1
                if not dead:
                    care[str(p.final or p.where)] += 1
            elif dead and reached:
                labels["dead"] += 1
        total = sum(labels.values())
        if not total and not (reached and not incident.casualties):
            counted = None  # none triaged yet: "not yet counted", never a false 0
        else:
            counted = total
        return {
            "casualties_counted": counted,
            "casualties_by_label": {k: labels.get(k, 0) for k in _LABELS},
            "casualty_care": dict(sorted(care.items())),
        }


def reveals(item: Inject | DecisionPoint) -> list[str]:
    """What a delivered message tells the players: an inject's declared ``reveals``, else
    what its trigger implies (``ended`` at attack_ended)."""
    declared = getattr(item, "reveals", None)
    if declared is not None:
        return list(declared)
    return list(_TRIGGER_REVEALS.get(item.when.event or "", ()))


# The players' status, from knowing least to most (the end is decided apart): nothing
# reported; a report, cause unknown; emergency calls; people reported hurt or unwell; an
# incident confirmed by their own units on scene; an attack confirmed by a message.
_LEVELS = ("no_reports", "unconfirmed", "calls", "harm_reported", "confirmed", "attack_confirmed")
_ENDED_BY_RESPONDERS = ("neutralised", "stopped")  # those who ended it know at once
# Every bundled inject at attack_ended says it is over; harm_started is no such guide (a
# drone's disruption starts with no one hurt).
_TRIGGER_REVEALS = {"attack_ended": ("ended",)}
_LABELS = ("dead", "t1", "t2", "t3")


_TRIAGE = ("killed_outright", "t1", "t2", "t3")


def _care(incident) -> dict[str, int]:
    """Where the medical model's patients are (on scene, in transport, at hospital...),
    read from their recorded state without advancing it; empty without a medical model."""
    medical = incident.find(Medical)
    patients = medical.patients if medical is not None else []
    return dict(sorted(Counter(str(p.final or p.where) for p in patients).items()))


def play(
    scenario: Scenario,
    seed: int,
    replication: int,
    choices: dict[str, str],
    threat: str | None = None,
) -> tuple[Outcome, list[tuple[str, str, float]]]:
    """Play a storyline non-interactively with ``choices`` (decision point -> option).

    A decision point without a choice takes its first option (the status quo by
    convention). Returns the outcome and the decisions applied (point, option, time).
    """
    story = Storyline(scenario, seed, replication, threat)
    while (stop := story.advance()).kind != "end":
        if stop.kind == "decision":
            point = find_point(scenario, stop.point_id)
            story.decide(point.id, choices.get(point.id, point.options[0].id))
    return story.finish(), story.applied
