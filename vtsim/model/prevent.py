"""Prevent: a plot is planned for a random window; prevention capability is a
detection hazard per day, and the plot is interdicted if detection comes first.

With a constant hazard rate and window T, P(interdicted) = 1 - exp(-rate * T);
the window and the detection time are drawn, so any window distribution works.
The planning window is not simulated on the incident's clock: the incident clock
starts at 0 when the attack starts (or never, for an interdicted plot).
"""

from __future__ import annotations

from vtsim.model.incident import Incident


def plan(incident: Incident) -> None:
    """Draw the planning window and the interdiction: mark the incident prevented (with
    the day it was interdicted), or leave it to start at time 0."""
    threat = incident.threat
    rng = incident.streams.get("prevent", threat.id)
    window_days = threat.planning_window_days.sample(rng)
    rate = incident.scenario.prevent.detection_rate_per_day * threat.detectability
    # One exponential draw, scaled by the rate: a higher rate never detects later (CRN).
    detection_days = rng.standard_exponential() / rate if rate > 0 else float("inf")
    if detection_days < window_days:
        incident.prevented = True
        incident.days_to_interdiction = detection_days
        incident.emit("interdicted", days=detection_days)
