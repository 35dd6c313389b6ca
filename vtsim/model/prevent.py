"""Prevent: a plot is planned for a random window; prevention capability is a
detection hazard per day, and the plot is interdicted if detection comes first.

With a constant hazard rate and window T, P(interdicted) = 1 - exp(-rate * T);
the simulation draws the times, so any window distribution works.
"""

from __future__ import annotations

from vtsim.model.incident import Incident

MIN_PER_DAY = 1440.0


def plan(incident: Incident):
    """SimPy process: the planning window, then the attack (or its interdiction)."""
    threat = incident.threat
    rng = incident.streams.get("prevent", threat.id)
    window_days = threat.planning_window_days.sample(rng)
    rate = incident.scenario.prevent.detection_rate_per_day * threat.detectability
    # One exponential draw, scaled by the rate: a higher rate never detects later (CRN).
    detection_days = rng.standard_exponential() / rate if rate > 0 else float("inf")
    if detection_days < window_days:
        yield incident.env.timeout(detection_days * MIN_PER_DAY)
        incident.prevented = True
        incident.days_to_interdiction = detection_days
        incident.emit("interdicted", days=detection_days)
        return
    yield incident.env.timeout(window_days * MIN_PER_DAY)
    incident.start_attack()
