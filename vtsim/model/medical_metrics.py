"""Medical outcomes: the columns the medical component declares, and its metrics as a
pure read of the patients' stories (closed at the horizon by ``Medical.finish``)."""

from __future__ import annotations

import math
import statistics
from typing import TYPE_CHECKING

from vtsim.model.component import Column, count, minutes
from vtsim.model.patient import FINAL_STATES

if TYPE_CHECKING:
    from vtsim.model.medical import Medical
    from vtsim.scenario.schema import Scenario


def medical_columns(scenario: Scenario) -> list[Column]:
    """The medical columns of a scenario (none without a medical section)."""
    if scenario.medical is None:
        return []
    hospitals = [
        count(f"patients_{h.id}", f"Patients brought to hospital {h.id}.")
        for h in scenario.medical.hospitals
    ]
    return [
        count("deaths_total", "Casualties dead by the horizon (killed outright too)."),
        count(
            "preventable_deaths",
            "Deaths among casualties alive when the attack ended (care could act).",
        ),
        minutes(
            "min_to_first_ems_contact",
            "From the attack start to the first casualty reached by EMS.",
        ),
        minutes(
            "min_ems_response",
            "EMS response time: from the first emergency call answered (or, without one, the "
            "first EMS alert) to the first ambulance on scene.",
        ),
        minutes(
            "min_to_hospital_t1",
            "Median arrival at hospital of the casualties triaged T1 when harmed, those who "
            "never arrived counted at the horizon (censored).",
        ),
        minutes("min_to_last_hospital_arrival", "The last patient's arrival at hospital."),
        count(
            "hospital_overload_min",
            "Minutes with at least one patient waiting for a place, summed over hospitals.",
            unit="min",
        ),
        count("patients_to_hospital", "Patients who reached a hospital alive."),
        count(
            "patients_admitted",
            "Of them, those labelled T1 or T2 at the door (admitted; T3 treated and sent home).",
        ),
        count(
            "patients_self_presented",
            "Of them, walking wounded who got there on their own (no EMS, no ambulance).",
        ),
        count("patients_max_hospital", "Patients at the busiest hospital."),
        *hospitals,
        count("t2_worsened_to_t1", "Initial T2 casualties found T1 at triage."),
        count("t1_deaths", "Deaths among casualties triaged T1 when harmed."),
        count("t1_at_hospital", "Casualties triaged T1 when harmed who reached a hospital alive."),
        count("t1_died_at_hospital", "Of them, those who died at the hospital."),
        count("mistriaged", "Casualties labelled another class than their true one."),
        *(count(f"casualties_{s}", f"Casualties whose story ended '{s}'.") for s in FINAL_STATES),
    ]


def metric_names(scenario) -> list[str]:
    """The columns the medical component adds for a scenario (none without a medical
    section)."""
    return [c.name for c in medical_columns(scenario)]


def medical_metrics(medical: Medical) -> dict[str, float]:
    incident = medical.incident
    t_end = incident.now()
    patients = medical.patients
    attack_end = incident.end_time if incident.end_time is not None else t_end
    finals = dict.fromkeys(FINAL_STATES, 0)
    dead = []
    for p in patients:
        final = p.final
        assert final is not None  # finish() closed every casualty's story
        finals[final] += 1
        if final.startswith(("died", "killed")):
            dead.append(p)
    contacts = [p.t_contact for p in patients if not math.isnan(p.t_contact)]
    arrivals = [p.t_hospital for p in patients if not math.isnan(p.t_hospital)]
    # Over every casualty triaged T1, not the survivors only: one who never reached a
    # hospital (died, or still waiting at the horizon) counts at the horizon (censored).
    t1_arrivals = [
        p.t_hospital if p.hospital is not None else t_end for p in patients if p.initial == "t1"
    ]
    worsened = sum(1 for p in patients if p.initial == "t2" and p.true_at_triage == "t1")
    mistriaged = sum(1 for p in patients if p.label is not None and p.label != p.true_at_triage)
    per_hospital = {f"patients_{hid}": float(n) for hid, n in medical.received.items()}
    ambulance = medical.first_ambulance
    calls_to = incident.site.calls_to
    call = incident.alerted.get(calls_to) if calls_to is not None else None
    ems_alert = call if call is not None else medical.first_ems_alert
    return {
        "deaths_total": float(len(dead)),
        "preventable_deaths": float(sum(1 for p in dead if p.t_death > attack_end)),
        "min_to_first_ems_contact": min(contacts) if contacts else math.nan,
        "min_ems_response": (
            ambulance - ems_alert if ambulance is not None and ems_alert is not None else math.nan
        ),
        "min_to_hospital_t1": statistics.median(t1_arrivals) if t1_arrivals else math.nan,
        "min_to_last_hospital_arrival": max(arrivals) if arrivals else math.nan,
        "hospital_overload_min": sum(u.overload_until(t_end) for u in medical.hospitals.values()),
        "patients_to_hospital": float(len(arrivals)),
        "patients_admitted": float(
            sum(1 for p in patients if p.hospital is not None and p.label in ("t1", "t2"))
        ),
        "patients_self_presented": float(
            sum(1 for p in patients if p.self_presented and not math.isnan(p.t_hospital))
        ),
        "patients_max_hospital": float(max(medical.received.values(), default=0)),
        **per_hospital,
        "t2_worsened_to_t1": float(worsened),
        "t1_deaths": float(sum(1 for p in dead if p.initial == "t1")),
        "t1_at_hospital": float(
            sum(1 for p in patients if p.initial == "t1" and p.hospital is not None)
        ),
        "t1_died_at_hospital": float(
            sum(1 for p in patients if p.initial == "t1" and p.final == "died_at_hospital")
        ),
        "mistriaged": float(mistriaged),
        **{f"casualties_{s}": float(n) for s, n in finals.items()},
    }
