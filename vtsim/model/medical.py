"""Respond, medical: casualties cared for from the scene to the hospital bed.

The story of one casualty (each line is a SimPy wait; see docs/medical.md):

1. Injured during the attack, untreated: health runs down (closed form, see
   :mod:`vtsim.model.deterioration`); killed outright ends here.
2. After the attack ends, bystanders or staff give first aid to some casualties
   (``first_aid``), which slows deterioration.
3. Medical teams reach casualties when the zone is declared safe (end of attack +
   sweep), or earlier with a rescue task force (EMS on scene + form-up), and only
   once an ambulance crew is on scene. Each casualty is brought to the casualty
   collection point (``extraction_min``): first EMS contact.
4. Triage at the collection point labels it T1/T2/T3 from its class at that time
   (a T2 may have worsened to T1), with under- and over-triage.
5. Ambulances (dispatched through the coordination graph: dispatch delay and
   travel from their station; mutual-aid units after a request delay) take
   patients from a priority queue (label, then time ready), up to their seats;
   stay-and-play treats them on scene first, scoop-and-run loads and goes.
6. At the hospital chosen by the destination policy, patients queue for a
   treatment place (:class:`~vtsim.model.hospital.HospitalUnit`, priority by
   label); treatment stops deterioration.

Every casualty ends in exactly one of :data:`FINAL_STATES`. Deaths are found when
a casualty is next looked at (a death is a time computed in closed form), so
there is no per-minute polling.
"""

from __future__ import annotations

import heapq
import math
from typing import TYPE_CHECKING, ClassVar

import simpy

from vtsim.model import response
from vtsim.model.component import Column, Component
from vtsim.model.deterioration import RANK, Health, make_model
from vtsim.model.hospital import HospitalUnit, destination, nearest
from vtsim.model.incident import Incident, TraceEvent
from vtsim.model.medical_metrics import medical_columns, medical_metrics
from vtsim.model.patient import AT_HORIZON, CareSamplers, CareTimes, Patient

if TYPE_CHECKING:
    from vtsim.scenario.medical import Medical as MedicalConfig
    from vtsim.scenario.schema import Scenario


class Medical(Component):
    """The medical response of one replication."""

    name: ClassVar[str] = "medical"

    @classmethod
    def applies_to(cls, scenario: Scenario) -> bool:
        return scenario.medical is not None

    @classmethod
    def columns(cls, scenario: Scenario) -> list[Column]:
        return medical_columns(scenario)

    def __init__(self, incident: Incident):
        super().__init__(incident)
        self.env: simpy.Environment = incident.env
        cfg = incident.scenario.medical
        assert cfg is not None  # the component applies only with a medical section
        self.cfg: MedicalConfig = cfg
        self.samplers = CareSamplers.of(cfg)
        self.model = make_model(cfg.deterioration)
        self.patients: list[Patient] = []
        self.trace = incident.trace is not None
        scenario = incident.scenario
        ems_ids = cfg.ems.agencies or [a.id for a in scenario.agencies if a.role.value == "ems"]
        self.ems_agencies = set(ems_ids)
        self.mutual_aid = set(cfg.ems.mutual_aid.agencies)
        self.loading = simpy.PriorityStore(self.env)
        teams = cfg.scene.rescue_teams
        self.rescuers = simpy.PriorityResource(self.env, teams) if teams else None
        self.scene_open = self.env.event()  # teams may reach casualties
        self.ems_on_scene = self.env.event()
        self.scene_ready = self.env.event()  # both
        self.first_ems_alert: float | None = None
        self.first_ambulance: float | None = None  # on scene
        self.hospitals = {
            h.id: HospitalUnit(
                self.env,
                h.id,
                h.capacity,
                h.capacity + h.surge.extra_capacity,
                {RANK[c]: n for c, n in h.areas.items()},
            )
            for h in cfg.hospitals
        }
        self.hospital_cfg = {h.id: h for h in cfg.hospitals}
        self.received = dict.fromkeys(self.hospitals, 0)
        self.down: set[str] = set()
        self.closed_for_dependency = dict.fromkeys(self.hospitals, 0)
        for unit in self.hospitals.values():
            unit.on_full = lambda hid=unit.id: incident.emit("hospital_at_capacity", hospital=hid)

        self._wire()

    # ------------------------------------------------------------------ wiring
    def _wire(self) -> None:
        incident = self.incident
        incident.units_handled_elsewhere.update(self.ems_agencies | self.mutual_aid)
        incident.on("casualty", lambda casualty, **_: self._casualty(casualty))
        incident.on("agency_alerted", lambda agency, **_: self._alerted(agency))
        incident.on("facility_down", lambda facility, **_: self._facility(facility, True))
        incident.on("facility_up", lambda facility, **_: self._facility(facility, False))
        incident.on("scenario_changed", lambda **_: self._follow_changes())
        self.env.process(self._scene_access())

    def _follow_changes(self) -> None:
        """A decision during the incident: care, triage, strategy and destination rules
        change from now on; newly listed mutual-aid agencies are requested."""
        cfg = self.incident.scenario.medical
        if cfg is None:
            return
        self.cfg = cfg
        self.samplers = CareSamplers.of(cfg)
        added = set(cfg.ems.mutual_aid.agencies) - self.mutual_aid
        self.mutual_aid |= added
        self.incident.units_handled_elsewhere.update(added)
        if added and self.first_ems_alert is not None:
            self.env.process(self._request_mutual_aid(sorted(added)))

    def _alerted(self, agency_id: str) -> None:
        if agency_id not in self.ems_agencies and agency_id not in self.mutual_aid:
            return
        agency = self.incident.scenario.agency(agency_id)
        for base in agency.bases:
            for k in range(base.units):
                self.env.process(self._ambulance(agency, base, k))
        if self.first_ems_alert is None and agency_id in self.ems_agencies:
            self.first_ems_alert = self.incident.now()
            for hospital in self.cfg.hospitals:
                if hospital.surge.extra_capacity:
                    self.env.process(self._surge(hospital))
            if self.mutual_aid:
                self.env.process(self._request_mutual_aid(self.cfg.ems.mutual_aid.agencies))

    def _request_mutual_aid(self, agencies: list[str]):
        rng = self.incident.streams.get("mutual-aid", self.incident.site.id)
        yield self.env.timeout(self.cfg.ems.mutual_aid.request_delay_min.sample(rng))
        for agency_id in agencies:
            response.alert(self.incident, agency_id, "mutual aid")

    def _surge(self, hospital):
        rng = self.incident.streams.get("surge", hospital.id)
        yield self.env.timeout(hospital.surge.activation_min.sample(rng))
        self.hospitals[hospital.id].open(hospital.surge.extra_capacity)
        self.incident.emit("surge_activated", hospital=hospital.id)

    def _facility(self, facility: str, down: bool) -> None:
        (self.down.add if down else self.down.discard)(facility)
        for hid, cfg in self.hospital_cfg.items():
            if facility not in cfg.depends_on:
                continue
            unit, closed = self.hospitals[hid], self.closed_for_dependency[hid]
            if any(f in self.down for f in cfg.depends_on) and not closed:
                n = math.ceil(cfg.capacity_lost_when_down * unit.open_places)
                unit.close(n)
                self.closed_for_dependency[hid] = n
            elif not any(f in self.down for f in cfg.depends_on) and closed:
                unit.open(closed)
                self.closed_for_dependency[hid] = 0

    def _scene_access(self):
        """The zone opens to medical teams once it is cleared (how long that takes is the
        mode's: a sweep after an assault, a check for secondary devices after a blast), or
        earlier with a task force: into the warm zone under the cover of armed responders
        already engaging, while the attack may still go on, or once the attack is over."""
        incident, scene = self.incident, self.cfg.scene
        rng = incident.streams.get("scene-access", incident.site.id)
        sweep = incident.mode.scene_clearance(scene).sample(rng)
        form_up = scene.rtf_form_up_min.sample(rng)
        self.env.process(self._ready())
        safe = incident.mode.scene_safe(incident)
        if scene.rescue_task_force and incident.mode.warm_zone:
            yield safe | self._warm_zone()
            if not safe.triggered:  # armed responders engaging, EMS on scene: go in now
                yield self.env.timeout(form_up)
                incident.emit("scene_open", rescue_task_force=True, warm_zone=True)
                self.scene_open.succeed()
                return
        else:
            yield safe
        scene = self.cfg.scene  # a decision taken during the attack counts from here
        swept = self.env.timeout(sweep)
        if scene.rescue_task_force:
            yield swept | self.ems_on_scene
            if not swept.processed:  # EMS on scene first: a task force forms up and goes in
                yield swept | self.env.timeout(form_up)
        else:
            yield swept
        incident.emit("scene_open", rescue_task_force=scene.rescue_task_force)
        self.scene_open.succeed()

    def _ready(self):
        yield self.scene_open & self.ems_on_scene
        self.scene_ready.succeed()

    def _warm_zone(self) -> simpy.Event:
        """Fires once armed responders are on scene (police or tactical units, or the site's
        response force) and an ambulance crew is there too: a task force can form up."""
        armed = self.env.event()

        def on_arrival(role: str, **_) -> None:
            if role in ("police", "tactical") and not armed.triggered:
                armed.succeed()

        self.incident.on("unit_arrived", on_arrival)
        if self.incident.first_responder is not None:
            armed.succeed()
        return armed & self.ems_on_scene

    # ------------------------------------------------------------------ casualties
    def _casualty(self, casualty) -> None:
        t = self.incident.now()
        if casualty.triage == "killed_outright":
            p = Patient(casualty.id, "killed_outright", None, t, self.trace)
            p.final, p.t_death = "killed_outright", t
            if p.history is not None:
                p.history.append((t, "dead"))
            self.patients.append(p)
            return
        # One stream per casualty, drawn in a fixed order: a measure changes only what it touches.
        rng = self.incident.streams.get("casualty", casualty.id)
        ttd = self.model.untreated_ttd_min(casualty.triage, rng)
        p = Patient(casualty.id, casualty.triage, Health(ttd, t), t, self.trace)
        times = self.samplers.draw(rng)
        self.patients.append(p)
        walk = self.cfg.self_presentation
        p_walk = (
            walk.p_t3 if casualty.triage == "t3" else walk.p_t2 if casualty.triage == "t2" else 0
        )
        if p_walk > 0:  # its own stream: the casualty's other draws stay where they were
            own = self.incident.streams.get("self-presentation", casualty.id)
            if own.random() < p_walk:
                self.env.process(self._self_present(p, times, walk.travel_min.sample(own)))
                return
        zone_care = self.incident.mode.zone_care(self.incident)
        if zone_care is not None:  # its own stream too
            delay = zone_care[0].sample(self.incident.streams.get("zone-care", casualty.id))
            self.env.process(self._zone_care(p, delay, zone_care[1]))
        self.env.process(self._patient(p, times))

    def _zone_care(self, p: Patient, delay: float, factor: float):
        """Care where the casualty lies (e.g. an antidote), ``delay`` after the first
        ambulance is on scene, if it is still there and alive."""
        yield self.ems_on_scene
        yield self.env.timeout(delay)
        now = self.incident.now()
        if p.where == "on_scene" and p.alive_at(now):  # first aid due is applied first
            assert p.health is not None
            p.health.care(now, factor)

    def _self_present(self, p: Patient, times: CareTimes, travel: float):
        """A walking casualty leaves once the attack is over and reaches the nearest
        hospital that accepts its class on its own: no EMS contact, no ambulance seat."""
        incident = self.incident
        p.self_presented = True
        yield incident.attack_ended
        p.move(incident.now(), "in_transport")
        yield self.env.timeout(travel)
        now = incident.now()
        if not p.alive_at(now):
            return
        p.label = p.true_at_triage = p.initial  # triaged at the hospital door
        self._arrive(p, times, nearest(self.cfg, p.label), now)

    def _patient(self, p: Patient, times: CareTimes):
        env, incident, care = self.env, self.incident, self.cfg.care
        health = p.health
        assert health is not None  # made with one in _casualty (not killed outright)
        if self.cfg.scene.rescue_task_force:  # a task force may reach them during the attack
            yield incident.attack_ended | self.scene_open
        else:
            yield incident.attack_ended
        if incident.ended and times.first_aid_u < self.cfg.first_aid.p_receive:
            p.first_aid_at = max(incident.now(), p.t_injured) + times.first_aid_delay
            p.first_aid_factor = care.first_aid
        yield self.scene_ready
        if self.rescuers is not None and p.initial != "t3":  # carried out by a team
            with self.rescuers.request(priority=RANK[p.initial]) as team:
                yield team
                yield env.timeout(times.extraction)
        else:
            yield env.timeout(times.extraction)
        gate = incident.mode.care_gate(incident, p.id)  # e.g. on-site decontamination first
        if gate is not None and not gate.processed:
            yield gate
        now = incident.now()
        if not p.alive_at(now):
            return
        p.t_contact = now
        health.care(now, care.ems_on_scene)
        p.first_aid_at = math.inf
        yield env.timeout(times.triage)
        now = incident.now()
        if not p.alive_at(now):
            return
        p.label = self._label(p, health, now, times.mistriage_u)
        self.loading.put((RANK[p.label], now, p.id, p, times))

    def _label(self, p: Patient, health: Health, t: float, u: float) -> str:
        true = self.model.class_for(health.remaining_min(t), p.initial)
        p.true_at_triage = true
        rank = RANK[true]
        if u < self.cfg.triage.under_triage and rank < 2:
            rank += 1
        elif u > 1.0 - self.cfg.triage.over_triage and rank > 0:
            rank -= 1
        return ("t1", "t2", "t3")[rank]

    # ------------------------------------------------------------------ ambulances
    def _ambulance(self, agency, base, k: int):
        """One ambulance: to the scene, then round trips with patients by priority."""
        env, incident = self.env, self.incident
        unit_id = f"{agency.id}/{base.id}/{k}"
        dispatch, speed_kmh = response.departure(agency, incident.streams.get("ems-unit", unit_id))
        yield env.timeout(dispatch + response.travel_min(base.distance_km, speed_kmh))
        incident.emit("unit_arrived", unit=unit_id, agency=agency.id, role=agency.role.value)
        if not self.ems_on_scene.triggered:
            self.first_ambulance = incident.now()
            self.ems_on_scene.succeed()
        while True:
            first = yield self.loading.get()
            stay = self.cfg.ems.strategy == "stay_and_play"  # may change by a decision
            load = self._board(first)
            now = incident.now()
            load = [(p, d) for p, d in load if p.alive_at(now)]
            if not load:
                continue
            for p, _ in load:
                p.move(now, "in_treatment")
            if stay:
                yield env.timeout(max(d.treatment[RANK[p.label]] for p, d in load))
            else:
                yield env.timeout(max(d.on_scene for _, d in load))
            now = incident.now()
            load = [(p, d) for p, d in load if p.alive_at(now)]
            if not load:
                continue
            factor = self.cfg.care.stabilised if stay else self.cfg.care.transport_unstabilised
            lead = min(load, key=lambda pd: RANK[pd[0].label])[0]
            hospital = destination(self.cfg, lead.label, self.received, self.hospitals)
            for p, _ in load:
                p.health.care(now, factor)
                p.move(now, "in_transport")
            travel_min = response.travel_min(self.hospital_cfg[hospital].distance_km, speed_kmh)
            yield env.timeout(travel_min)
            now = incident.now()
            for p, d in load:
                if p.alive_at(now):
                    self._arrive(p, d, hospital, now)
            yield env.timeout(max(d.handover for _, d in load))
            yield env.timeout(travel_min)  # back to the scene

    def _board(self, first: tuple) -> list:
        """The first patient, then whoever is next in priority order while seats remain."""
        ems = self.cfg.ems

        def seats(item):
            return ems.seats_t1 if item[0] == 0 else 1

        taken, left = [first], ems.seats_per_vehicle - seats(first)
        items = self.loading.items
        while items and seats(items[0]) <= left:
            item = heapq.heappop(items)
            left -= seats(item)
            taken.append(item)
        return [(item[3], item[4]) for item in taken]

    def _arrive(self, p: Patient, times: CareTimes, hospital: str, now: float) -> None:
        """A patient reaches ``hospital`` alive: counted, and waiting for a treatment place."""
        health = p.health
        assert health is not None  # only casualties not killed outright are patients
        self.received[hospital] += 1
        p.hospital, p.t_hospital = hospital, now
        p.move(now, "at_hospital")
        health.care(now, self.cfg.care.hospital_waiting)
        self.env.process(self._at_hospital(p, times))

    def _at_hospital(self, p: Patient, times: CareTimes):
        health, hospital, label = p.health, p.hospital, p.label
        # a patient reaches hospital alive, labelled at triage, its hospital just recorded
        assert health is not None and hospital is not None and label is not None
        unit = self.hospitals[hospital]
        minutes = times.hospital[RANK[label]]

        factor = self.cfg.care.hospital_treatment

        def still_needed() -> bool:
            now = self.incident.now()
            if not p.alive_at(now):
                return False
            if factor > 0:  # deterioration stops only once treatment is complete
                health.care(now, factor)
                p.treating = True
                return True
            health.care(now, 0.0)
            p.final = "treated_at_hospital"
            return True

        delay = self.incident.mode.hospital_delay_min(self.incident)
        if delay > 0:  # e.g. decontamination at the hospital door, before a place
            yield self.env.timeout(delay)
            if not p.alive_at(self.incident.now()):
                return
        yield from unit.treat(RANK[label], minutes, still_needed)
        if p.treating:  # treatment complete, if it lived through it
            now = self.incident.now()
            p.treating = False
            if p.alive_at(now):
                health.care(now, 0.0)
                p.final = "treated_at_hospital"

    # ------------------------------------------------------------------ the end
    def metrics(self) -> dict[str, float]:
        return medical_metrics(self)

    def finish(self, t_end: float) -> None:
        """Close every story at the horizon: deaths before it, or where it stands."""
        for p in self.patients:
            if p.final is None and p.alive_at(t_end):
                p.final = "treated_at_hospital" if p.treating else AT_HORIZON[p.where]
        if self.incident.trace is not None:
            # (minute, casualty id, flow state), each casualty's steps in the order they happened.
            transitions = [(t, p.id, s) for p in self.patients for t, s in p.history or ()]
            self.incident.trace.append(
                TraceEvent(t_end, "casualty_flow", {"transitions": transitions})
            )
