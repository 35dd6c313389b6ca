"""Mitigate: people in the target zone, their evacuation, and the harm done to them.

The zone holds ``occupancy`` people when the attack starts. Once they are
alerted (harm starts there, or an agency listed in ``evacuation.alerted_by`` is
alerted) they start moving after ``alert_to_move_min`` and leave through the
exits at their summed flow (people per minute). Everyone ends in exactly one
state: a casualty, evacuated, or unharmed in place, so that
``exposed == casualties + evacuated + unharmed`` for every replication.

Harm, ``rate`` profile: casualties arrive as a Poisson process whose rate is
``casualties_per_1000_per_min * people_still_exposed / 1000``. It is simulated
by thinning a process at the rate for everyone exposed at harm onset, accepting
a candidate with probability ``still_exposed / exposed_at_onset``. The
candidates do not depend on evacuation, so on common random numbers an earlier
evacuation or an earlier end of the attack can only remove casualties, never add
them. ``instant`` profile: a binomial share of those exposed, at once.
"""

from __future__ import annotations

import math

from vtsim.model.incident import TRIAGE_CLASSES, Incident


class Crowd:
    """People of the target zone, with evacuation computed lazily from the flow."""

    def __init__(self, incident: Incident):
        zone = incident.zone
        rng = incident.streams.get("crowd", zone.id)
        if zone.queue is not None:  # a screening queue: people waiting at the attack moment
            from vtsim.model import queue

            self.exposed = queue.occupancy(incident)
        else:
            self.exposed = int(round(zone.occupancy.sample(rng)))
        self._rng = rng  # the move delay is drawn when people are alerted (next draw)
        self.move_delay_min: float | None = None
        self.flow_per_min = sum(e.flow_per_min for e in zone.exits)
        self.casualties = 0
        self.evacuated = 0
        self.moving_at: float | None = None  # minutes after attack start
        self.alerted_at: float | None = None
        self.frozen_at: float | None = None  # accounting closes when the attack ends

    def remaining(self, t: float) -> int:
        """People still in the zone and unharmed at ``t`` (minutes after attack start)."""
        self._advance(t)
        return self.exposed - self.casualties - self.evacuated

    def _advance(self, t: float) -> None:
        if self.moving_at is None or t < self.moving_at:
            return
        if self.frozen_at is not None:
            t = min(t, self.frozen_at)
        able = math.floor(self.flow_per_min * (t - self.moving_at) + 1e-9)
        self.evacuated = max(self.evacuated, min(able, self.exposed - self.casualties))

    def alert(self, t: float, move_delay) -> None:
        """Alerted at ``t``; ``move_delay`` is the evacuation's current alert-to-move Dist
        (read now, so a decision taken during the incident counts)."""
        if self.alerted_at is None:
            self.alerted_at = t
            self.move_delay_min = move_delay.sample(self._rng)
            self.moving_at = t + self.move_delay_min


def install(incident: Incident) -> None:
    crowd = _crowd_class(incident)(incident)
    incident.crowd = crowd

    # Read the site's evacuation when it is used, so an exercise decision
    # (World.apply) adding an alerting agency mid-incident takes effect.
    def on_alerted(agency: str, **_):
        if agency in incident.site.evacuation.alerted_by and not incident.ended:
            _alert(incident, crowd, f"alerted by {agency}")

    def on_changed(**_):
        for agency in incident.site.evacuation.alerted_by:
            if agency in incident.alerted and not incident.ended:
                _alert(incident, crowd, f"alerted by {agency}")

    incident.on("agency_alerted", on_alerted)
    incident.on("scenario_changed", on_changed)
    incident.env.process(_harm(incident, crowd))


def _alert(incident: Incident, crowd: Crowd, why: str) -> None:
    if crowd.alerted_at is None:
        crowd.alert(incident.now(), incident.site.evacuation.alert_to_move_min)
        incident.emit("crowd_alerted", why=why, moving_at=crowd.moving_at)


def _crowd_class(incident: Incident) -> type[Crowd]:
    """The cbrn_release crowd evacuates by slots (vtsim.model.cbrn); every other, by flow."""
    if incident.threat.harm.profile == "accumulating":
        from vtsim.model import cbrn  # imported here: cbrn builds on this module

        return cbrn.ReleaseCrowd
    return Crowd


def _harm(incident: Incident, crowd: Crowd):
    yield incident.harm_started
    delegated = _delegated_profile(incident.threat.harm.profile)
    if delegated is not None:  # accumulating (cbrn.py), disruption (airspace.py)
        yield from delegated(incident, crowd)
        return
    _alert(incident, crowd, "harm in the zone")
    threat, harm = incident.threat, incident.threat.harm
    rng = incident.streams.get("harm", threat.id)
    triage_rng = incident.streams.get("triage", threat.id)
    cumulative = _cumulative(harm.triage.as_tuple())
    at_onset = crowd.remaining(incident.now())
    incident.exposed_at_onset = at_onset

    if harm.profile == "instant":
        n = int(rng.binomial(at_onset, harm.fraction_harmed)) if at_onset else 0
        for _ in range(n):
            crowd.casualties += 1
            incident.add_casualty(_triage(triage_rng.random(), cumulative))
        incident.end_attack("completed")
        return

    env_timeout = incident.env.timeout
    candidate_rate = harm.casualties_per_1000_per_min * at_onset / 1000.0
    if candidate_rate <= 0:
        return
    mean_gap = 1.0 / candidate_rate
    while not incident.ended:
        yield env_timeout(mean_gap * rng.standard_exponential())
        accept_draw = rng.random()
        if incident.ended:
            return
        still = crowd.remaining(incident.now())
        if still <= 0:
            return
        if accept_draw * at_onset < still:
            crowd.casualties += 1
            incident.add_casualty(_triage(triage_rng.random(), cumulative))


def _delegated_profile(profile: str):
    """Harm profiles of the threat modes with their own module, or None for rate/instant."""
    from vtsim.model import airspace, cbrn  # imported here: both build on this module

    return {"accumulating": cbrn.release, "disruption": airspace.disruption}.get(profile)


def _cumulative(split: tuple[float, ...]) -> tuple[float, ...]:
    total, out = 0.0, []
    for p in split:
        total += p
        out.append(total)
    return tuple(out)


def _triage(u: float, cumulative: tuple[float, ...]) -> str:
    for name, edge in zip(TRIAGE_CLASSES, cumulative):
        if u < edge:
            return name
    return TRIAGE_CLASSES[-1]


def metrics(incident: Incident) -> dict[str, float]:
    crowd: Crowd | None = getattr(incident, "crowd", None)
    if crowd is None:  # interdicted before reaching the site
        # the same keys in the same order as below: a table's columns must not depend on
        # which replication happens to come first
        zeros = dict.fromkeys(
            (
                "exposed",
                "exposed_peak",
                "casualties_total",
                *TRIAGE_CLASSES,
                "evacuated",
                "unharmed",
            ),
            0.0,
        )
        return {**zeros, "evacuated_fraction": math.nan}
    end = incident.end_time if incident.end_time is not None else incident.now()
    crowd.remaining(end)
    crowd.frozen_at = end
    counts = dict.fromkeys(TRIAGE_CLASSES, 0)
    for casualty in incident.casualties:
        counts[casualty.triage] += 1
    unharmed = crowd.exposed - crowd.casualties - crowd.evacuated
    return {
        "exposed": float(crowd.exposed),
        "exposed_peak": float(getattr(incident, "exposed_at_onset", 0)),
        "casualties_total": float(crowd.casualties),
        **{k: float(v) for k, v in counts.items()},
        "evacuated": float(crowd.evacuated),
        "unharmed": float(unharmed),
        "evacuated_fraction": crowd.evacuated / crowd.exposed if crowd.exposed else math.nan,
    }
