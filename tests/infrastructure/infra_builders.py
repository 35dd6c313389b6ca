"""Builders for small infrastructure scenarios whose outcomes can be computed by hand."""

from __future__ import annotations

TRIAGE = {"killed_outright": 0.0, "t1": 0.0, "t2": 0.0, "t3": 1.0}


def tiny_city(infrastructure: dict, threat: dict | None = None, **top) -> dict:
    """Plain scenario data: one substation yard, one control room, the given network.

    The default threat damages ``sub-a`` the moment the attack starts (no layers,
    no task time, never interdicted)."""
    attack = {
        "id": "attack",
        "mode": "explosive_device",
        "site": "yard",
        "zone": "z",
        "facility": "sub-a",
        "planning_window_days": 1,
        "harm": {"profile": "instant", "fraction_harmed": 0.5, "triage": TRIAGE},
    }
    attack.update(threat or {})
    data = {
        "name": "Tiny city",
        "horizon_min": 60,
        "run": {"replications": 5, "seed": 1},
        "sites": [
            {"id": "yard", "kind": "infrastructure", "zones": [{"id": "z", "occupancy": 0}]},
            {"id": "control", "kind": "infrastructure", "zones": [{"id": "room", "occupancy": 0}]},
        ],
        "threats": [attack],
        "infrastructure": infrastructure,
    }
    data.update(top)
    return data


def power_and_hospital(backup_hours: float = 10.0, repair_hours: float = 100.0) -> dict:
    """Plant -> sub-a -> hospital (needs sub-a's power, ``backup_hours`` of generator)."""
    return {
        "horizon_days": 10,
        "curve_step_hours": 1,
        "facilities": [
            {"id": "plant", "sector": "power", "source": True},
            {
                "id": "sub-a",
                "sector": "power",
                "population_served": 100,
                "repair_hours": repair_hours,
            },
            {"id": "sub-b", "sector": "power", "population_served": 100},
            {
                "id": "hospital",
                "sector": "health",
                "population_served": 1000,
                "critical": True,
                "backup_hours": backup_hours,
            },
        ],
        "links": [{"between": ["plant", "sub-a"]}, {"between": ["plant", "sub-b"]}],
        "dependencies": [{"facility": "hospital", "needs": ["sub-a"]}],
        "crews": [{"id": "crew", "count": 1, "travel_hours": 0}],
    }
