"""``cbrn_release``: exposure in an enclosed zone, detection, evacuation and
decontamination, abstractly (MODEL.md): rates, delays, probabilities and counts.

The threat crosses the ground layers like any other; when harm starts a release
is present in the target zone. Nobody knows at first. It is noticed by the
site's sensors (``cbrn.p_sensor_detect``, after ``sensor_delay_min``) or by the
first symptoms, whichever comes first. Symptoms alert the people in the zone
and bring emergency calls (after ``call_delay_min``); a sensor alarm goes to the
site's ``alarm_to`` agency and, if ``sensor_alerts_crowd``, starts the
evacuation at once. From detection on, the ventilation procedure multiplies the
exposure rate by ``ventilation_factor`` (a decision during an exercise may
change it later: the rate follows from that moment).

**Exposure, exactly monotone.** Each person ``j`` of the zone has an evacuation
slot (slot ``j`` leaves ``(j + 1) / flow`` minutes after the crowd starts to
move; a harmed person's slot stays unused) and a tolerance ``theta_j``, drawn
once: exponential with mean ``1000 / casualties_per_1000_per_min`` minutes of
exposure. The exposure dose is ``D(t) = (t - release)`` before detection and
grows at ``ventilation_factor`` per minute after it. Person ``j`` is harmed at
``T_j = D^-1(theta_j)`` if still in the zone then (``T_j`` before the slot's
time), and shows symptoms ``onset_min`` later: that is when the ``Casualty`` is
added (so the medical model takes it from there). On common random numbers an
earlier detection or evacuation, or a stronger ventilation procedure, moves
every slot earlier and every ``T_j`` later, so the harmed are a subset: it
never adds a casualty, nor exposure. The crowd keeps ``exposed = casualties +
evacuated + unharmed``; the attack ends when the last slot has left the zone.

**Decontamination** (:mod:`vtsim.model.modes.decontamination`): every casualty alive at
symptom onset (with ``casualties_at: on_site``; first, by severity with ``pre_triage``)
and every person who left the zone after the release (if ``decontamination.evacuees``)
goes through the line. On site, EMS care waits for it (:meth:`CbrnRelease.care_gate`);
at the hospital, it delays the treatment place (:meth:`CbrnRelease.hospital_delay_min`).
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, ClassVar, Literal, cast

import numpy as np
import simpy
from pydantic import Field

from vtsim.model import harm as harm_api
from vtsim.model import response
from vtsim.model.component import Column, Component
from vtsim.model.crowd import Crowd
from vtsim.model.incident import Incident
from vtsim.model.modes import decontamination
from vtsim.model.modes.base import ThreatMode, register
from vtsim.scenario.threats import Harm, Problem, Threat

if TYPE_CHECKING:
    from collections.abc import Iterator

    from vtsim.scenario.distributions import Dist
    from vtsim.scenario.schema import Scenario


class ReleaseHarm(Harm):
    profile: Literal["accumulating"] = Field(
        description="Exposure accumulates while people stay in the zone; casualties show "
        "after onset_min."
    )


class CbrnReleaseThreat(Threat):
    mode: Literal["cbrn_release"]
    harm: ReleaseHarm

    def problems(self) -> Iterator[Problem]:
        if self.harm.casualties_per_1000_per_min == 0:
            yield (
                ("harm", "casualties_per_1000_per_min"),
                (
                    "expected a positive rate for an 'accumulating' harm profile (casualties "
                    "per minute per 1,000 people in the zone while the release is present)."
                ),
            )


class ReleaseCrowd(Crowd):
    """A crowd that leaves by slots: slot ``j`` passes the exits ``(j + 1) / flow``
    minutes after the crowd starts moving; harmed people's slots stay unused, so the
    evacuated are the slots passed less the harmed among them."""

    def __init__(self, incident: Incident):
        super().__init__(incident)
        self.harmed = np.zeros(self.exposed, dtype=bool)  # by slot
        self._slot_group: np.ndarray | None = None

    @property
    def slot_group(self) -> np.ndarray | None:
        """With population groups: the group index of each slot (None without groups)."""
        split = self.split
        if split is not None and self._slot_group is None:
            self._slot_group = split.slot_groups()
        return self._slot_group

    def evacuated_at(self, t: float) -> int:
        passed = self.slots_passed(t)
        return passed - int(np.count_nonzero(self.harmed[:passed]))

    def _group_evacuated(self, k: int, t: float) -> int:
        """Group ``k``'s slots passed by ``t`` less its harmed people among them."""
        split, groups = self.split, self.slot_group
        assert split is not None and groups is not None
        passed = self.group_passed(k, t)
        mine = np.flatnonzero(groups == k)[:passed]
        return passed - int(np.count_nonzero(self.harmed[mine]))


class Release:
    """What is known about the release in one replication (minutes after attack start)."""

    def __init__(self, incident: Incident, start: float):
        self.start = start
        self.detected_at: float | None = None
        self.detected_by: str | None = None
        # Exposure-rate multiplier by period: 1 until detection, then the ventilation
        # procedure's factor (which an exercise decision may change later).
        self.segments: list[tuple[float, float]] = [(start, 1.0)]
        self.changed = incident.env.event()  # fires when the rate changes (then renewed)
        self._env = incident.env
        self.first_symptoms: float | None = None
        self.pending_onsets = 0
        self.decon = decontamination.Line(incident)

    def set_rate(self, t: float, factor: float) -> None:
        """From ``t`` on, exposure accrues at ``factor`` per minute."""
        if factor == self.segments[-1][1]:
            return
        self.segments.append((t, factor))
        changed, self.changed = self.changed, self._env.event()
        changed.succeed()

    def _periods(self):
        ends = [t for t, _ in self.segments[1:]] + [math.inf]
        return [(t0, t1, f) for (t0, f), t1 in zip(self.segments, ends)]

    def dose(self, t):
        """Exposure dose at ``t`` (a number or an array): minutes weighted by the rate."""
        return sum(f * np.clip(np.minimum(t, t1) - t0, 0.0, None) for t0, t1, f in self._periods())

    def time_of_dose(self, dose: float) -> float:
        """When the dose reaches ``dose``, as far as is known now."""
        reached = 0.0
        for t0, t1, f in self._periods():
            if dose <= reached + f * (t1 - t0):
                return t0 + (dose - reached) / f
            reached += f * (t1 - t0)
        return math.inf  # pragma: no cover - the last period is open-ended


def release(incident: Incident, crowd: ReleaseCrowd):
    """Harm profile ``accumulating``: people still in the zone are harmed as their dose
    reaches their tolerance, until the zone is clear."""
    env, threat = incident.env, incident.threat
    state = Release(incident, incident.now())
    incident.component(ReleaseOutcome).state = state
    crowd.exposed_at_onset = crowd.remaining(state.start)
    per_person_per_min = threat.harm.casualties_per_1000_per_min / 1000.0
    tolerance = incident.streams.get("harm", threat.id).standard_exponential(crowd.exposed)
    tolerance /= per_person_per_min
    groups = crowd.slot_group  # population groups (docs/people.md): who is in each slot
    split = crowd.split
    if split is not None and groups is not None:
        # a group's vulnerability_factor: its people reach harm at a proportionally lower dose
        tolerance /= np.array([g.vulnerability_factor for g in split.groups])[groups]
    triage_u = incident.streams.get("triage", threat.id).random(crowd.exposed)
    triage_of = harm_api.Triage.of(incident)

    env.process(_sensor(incident, state, crowd))

    def on_changed(**_):  # an exercise decision: a ventilation procedure from now on
        if state.detected_at is not None:
            state.set_rate(incident.now(), incident.site.cbrn.ventilation_factor)

    incident.on("scenario_changed", on_changed)
    env.process(_evacuation_end(incident, state, crowd))
    for slot in np.argsort(tolerance, kind="stable"):
        slot = int(slot)
        harmed = yield from _dose_reached(incident, state, crowd, slot, float(tolerance[slot]))
        if incident.ended or harmed is None:
            return  # the zone is clear, or will be before anyone else is harmed
        if not harmed:
            continue
        crowd.harmed[slot] = True
        crowd.casualties += 1
        group = None
        if split is not None and groups is not None:
            group = int(groups[slot])
            split.casualties[group] += 1
        triage = triage_of(float(triage_u[slot]))
        env.process(_onset(incident, state, crowd, slot, triage, group))


def _dose_reached(incident: Incident, state: Release, crowd: ReleaseCrowd, slot: int, tolerance):
    """Wait until this person's dose reaches their tolerance, re-planning if the release is
    detected or the ventilation changes meanwhile. True: harmed now; False: left the zone
    first; None: left, and
    every person with a higher tolerance will have left too."""
    env = incident.env
    while True:
        harmed_at = state.time_of_dose(tolerance)
        if crowd.leaves_at(slot) <= harmed_at:
            return None if crowd.leaves_at(crowd.exposed - 1) <= harmed_at else False
        wait = harmed_at - incident.now()
        if wait > 0:
            changed = state.changed
            yield env.timeout(wait) | changed
            if changed.triggered and incident.now() < harmed_at:
                continue  # the rate changed first: re-plan this person's dose
        # The crowd may have been told to move while we waited.
        return crowd.leaves_at(slot) > incident.now()


def _onset(
    incident: Incident,
    state: Release,
    crowd: ReleaseCrowd,
    slot: int,
    triage: str,
    group: int | None = None,
):
    """Symptoms show after the onset delay: the casualty appears, and may be the first sign
    (``group``: the person's population group, with groups)."""
    rng = incident.streams.get("onset", incident.threat.id, slot)
    state.pending_onsets += 1
    pending = crowd.pending_by_triage
    pending[triage] = pending.get(triage, 0) + 1
    yield incident.env.timeout(max(incident.threat.harm.onset_min.sample(rng), 0.0))
    state.pending_onsets -= 1
    pending[triage] -= 1
    casualty = incident.add_casualty(triage)
    if group is not None and crowd.split is not None:
        crowd.split.casualty_group[casualty.id] = group
    if state.first_symptoms is None:
        state.first_symptoms = incident.now()
        _detect(incident, state, "symptoms")
        crowd.warn("symptoms in the zone")
        incident.env.process(response.emergency_calls(incident))
    if (
        triage != "killed_outright"
        and incident.site.cbrn.decontamination.casualties_at == "on_site"
    ):
        state.decon.join(casualty)


def _sensor(incident: Incident, state: Release, crowd: ReleaseCrowd):
    cbrn = incident.site.cbrn
    rng = incident.streams.get("cbrn-sensor", incident.site.id)
    detects = rng.random() < cbrn.p_sensor_detect
    delay = max(cbrn.sensor_delay_min.sample(rng), 0.0)
    if not detects:
        return
    yield incident.env.timeout(delay)
    if state.detected_at is not None:
        return
    _detect(incident, state, "sensor")
    incident.emit("alarm", source="detection", layer="cbrn-sensor")
    if incident.site.cbrn.sensor_alerts_crowd:
        crowd.warn("release detected by sensors")


def _detect(incident: Incident, state: Release, how: str) -> None:
    if state.detected_at is not None:
        return
    state.detected_at = incident.now()
    state.detected_by = how
    incident.emit("release_detected", how=how)
    state.set_rate(incident.now(), incident.site.cbrn.ventilation_factor)
    incident.env.process(state.decon.open())


def _evacuation_end(incident: Incident, state: Release, crowd: ReleaseCrowd):
    """People who leave after the release join decontamination; the attack ends when the
    last slot has left the zone."""
    env = incident.env
    if crowd.moving_at is None:
        alerted = env.event()

        def on_alerted(**_):
            if not alerted.triggered:
                alerted.succeed()

        incident.on("crowd_alerted", on_alerted)
        yield alerted
    if crowd.flow_per_min <= 0:
        return
    decontaminate = incident.site.cbrn.decontamination.evacuees
    first = max(0, crowd.slots_passed(state.start))
    for slot in range(first, crowd.exposed):
        leaves = crowd.leaves_at(slot)
        if leaves > incident.now():
            yield env.timeout(leaves - incident.now())
        if decontaminate and not crowd.harmed[slot]:
            state.decon.join(None)
    incident.end_attack("evacuated", zone=incident.zone.id)


def exposure_person_min(incident: Incident, state: Release, crowd: ReleaseCrowd) -> float:
    """Person-minutes in the contaminated zone, weighted by the ventilation factor:
    every person from the release to their slot's time (or the end of the attack)."""
    end = incident.end_time if incident.end_time is not None else incident.now()
    slots = np.arange(crowd.exposed, dtype=float)
    if crowd.moving_at is None or crowd.flow_per_min <= 0:
        leaves = np.full(crowd.exposed, math.inf)
    elif crowd.split is not None:  # groups: slower ones pass later (Crowd.leaves_at)
        leaves = np.array([crowd.leaves_at(j) for j in range(crowd.exposed)])
    else:
        leaves = crowd.moving_at + (slots + 1.0) / crowd.flow_per_min
    return float(np.sum(state.dose(np.minimum(leaves, end))))


class ReleaseOutcome(Component):
    """Release outcomes; NaN in replications playing another mode's threat, and where the
    release never happened (the attack was stopped before it)."""

    name: ClassVar[str] = "release"

    @classmethod
    def columns(cls, scenario: Scenario) -> list[Column]:
        return [
            Column("cbrn_min_to_detection", "min", "From the release to its detection."),
            Column("cbrn_detected_by_sensor", "0/1", "Sensors, not symptoms, noticed it."),
            Column(
                "cbrn_exposure_person_min",
                "person-min",
                "Person-minutes in the contaminated zone, weighted by the ventilation.",
            ),
            Column("cbrn_onset_pending", "people", "Harmed, symptoms not yet shown at the end."),
            Column("decon_people", "people", "People through decontamination."),
            Column("decon_waiting_at_horizon", "people", "Still waiting at the horizon."),
            Column(
                "decon_min_to_complete",
                "min",
                "From the release to the last decontamination (a lower bound if people wait).",
            ),
            Column("decon_wait_min_mean", "min", "Mean wait for a decontamination station."),
        ]

    state: Release | None = None

    def metrics(self) -> dict[str, float]:
        state, incident = self.state, self.incident
        if state is None:
            return self.interdicted_metrics(incident)
        crowd = incident.component(ReleaseCrowd)
        line = state.decon
        waiting = line.joined - line.served
        detected = state.detected_at
        # the last decontamination (censored at the horizon while people are still waiting)
        decon_end = incident.now() if waiting else line.last
        return {
            "cbrn_min_to_detection": detected - state.start if detected is not None else math.nan,
            "cbrn_detected_by_sensor": float(state.detected_by == "sensor"),
            "cbrn_exposure_person_min": exposure_person_min(incident, state, crowd),
            "cbrn_onset_pending": float(state.pending_onsets),
            "decon_people": float(line.served),
            "decon_waiting_at_horizon": float(waiting),
            # Censored at the horizon when people are still waiting: a lower bound then.
            "decon_min_to_complete": (
                decon_end - state.start if line.joined and decon_end is not None else math.nan
            ),
            "decon_wait_min_mean": (float(np.mean(line.waits)) if line.waits else math.nan),
        }


@register
class CbrnRelease(ThreatMode):
    schema = CbrnReleaseThreat
    crowd = ReleaseCrowd
    calls_when_harm_starts = False  # unseen at first: calls come with the first symptoms
    components = (ReleaseOutcome,)

    def harm(self, incident: Incident, crowd: Crowd):
        yield from release(incident, cast(ReleaseCrowd, crowd))  # this mode's crowd class

    def care_gate(self, incident: Incident, casualty_id: int) -> simpy.Event | None:
        """Casualties decontaminated on site get EMS care only once through it."""
        decon = incident.site.cbrn.decontamination
        state = incident.component(ReleaseOutcome).state
        if decon.casualties_at != "on_site" or state is None:
            return None
        return state.decon.done(casualty_id)

    def zone_care(self, incident: Incident) -> tuple[Dist, float] | None:
        """An antidote reaches casualties where they lie, before decontamination."""
        antidote = incident.site.cbrn.antidote
        return (antidote.delay_min, antidote.care_factor) if antidote.given else None

    def hospital_delay_min(self, incident: Incident) -> float:
        """Casualties decontaminated at the hospital go through it before a place."""
        decon = incident.site.cbrn.decontamination
        return (
            decon.hospital_minutes_per_person if decon.casualties_at == "hospital" else 0.0
        )  # this mode's crowd class
