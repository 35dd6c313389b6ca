"""Closed-form references the simulation must agree with, each with its source.

These are the checks a reviewer can do by hand: when the simulation is run
under a reference's assumptions, it converges to the reference (the tests show it).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from vtsim.model.infrastructure_metrics import resilience_loss  # noqa: F401  (re-exported)

_DETECTION_WEIGHT = {"begin": 1.0, "middle": 0.5, "end": 0.0}


def _phi(x: float) -> float:
    """Standard normal cumulative distribution."""
    return 0.5 * math.erfc(-x / math.sqrt(2.0))


def easi(
    layers: Iterable[Mapping],
    response_mean: float,
    response_sd: float,
    p_communication: float = 1.0,
) -> float:
    """Probability of interruption by the EASI method (Estimate of Adversary Sequence
    Interruption; Sasser, SAND76-0597, 1977; Garcia, *Design and Evaluation of Physical
    Protection Systems*, 2nd ed., 2008).

    Each layer, in path order, is a mapping with ``p_detect``, ``delay_mean``,
    ``delay_sd`` and ``location`` (``"begin"``, ``"middle"`` or ``"end"``: where in
    the layer's delay a detection happens, weight w = 1, 0.5, 0). Times in any one
    unit, the same for the layers and the response force::

        P_I = P_C * sum_i P_D,i * prod_{j<i} (1 - P_D,j)
                    * Phi((mu_rem,i - mu_R) / sqrt(var_rem,i + sd_R^2))
        mu_rem,i  = w_i * mu_i + sum_{k>i} mu_k
        var_rem,i = w_i^2 * sd_i^2 + sum_{k>i} sd_k^2

    Exact for independent normal times, one response force, and interruption iff
    the response force arrives before the adversary completes the path.

    >>> round(easi([{"p_detect": 1, "delay_mean": 5, "delay_sd": 0, "location": "begin"}],
    ...            response_mean=5, response_sd=1), 3)
    0.5
    """
    layers = list(layers)
    total = 0.0
    p_undetected = 1.0
    for i, layer in enumerate(layers):
        w = _DETECTION_WEIGHT[layer["location"]]
        mean = w * layer["delay_mean"] + sum(x["delay_mean"] for x in layers[i + 1 :])
        var = (w * layer["delay_sd"]) ** 2 + sum(x["delay_sd"] ** 2 for x in layers[i + 1 :])
        sd = math.sqrt(var + response_sd**2)
        if sd > 0:
            p_in_time = _phi((mean - response_mean) / sd)
        else:
            p_in_time = 1.0 if mean > response_mean else 0.0
        total += layer["p_detect"] * p_undetected * p_in_time
        p_undetected *= 1.0 - layer["p_detect"]
    return p_communication * total


def easi_for_site(scenario, site_id: str, threat_id: str | None = None) -> float | None:
    """EASI for a scenario's site that has a normal ``response_force`` (else None).

    The threat's task time, when not zero, is added as a last layer without detection.
    """
    from vtsim.model.protect import path_layers_for

    site = scenario.site(site_id)
    force = site.response_force
    if force is None or force.time_min.dist != "normal":
        return None
    threat = next(
        (t for t in scenario.threats if t.site == site_id and (threat_id in (None, t.id))), None
    )
    if threat is None:
        return None
    layers = []
    for layer in path_layers_for(site, threat):
        mean, sd = _normal_params(layer.delay_min)
        if mean is None:
            return None
        layers.append(
            {
                "p_detect": layer.p_detect,
                "delay_mean": mean,
                "delay_sd": sd,
                "location": layer.location,
            }
        )
    task_mean, task_sd = _normal_params(threat.task_min)
    if task_mean is None:
        return None
    if task_mean > 0:
        layers.append(
            {"p_detect": 0.0, "delay_mean": task_mean, "delay_sd": task_sd, "location": "end"}
        )
    return easi(layers, force.time_min.mean, force.time_min.sd, site.p_communication)


def _normal_params(dist) -> tuple[float | None, float]:
    if dist.dist == "normal":
        return dist.mean, dist.sd
    if dist.dist == "fixed":
        return dist.value, 0.0
    return None, 0.0


# --------------------------------------------------------------------------- queues


@dataclass(frozen=True)
class ErlangC:
    """M/M/c queue: probability of waiting, mean wait in queue, and utilisation."""

    p_wait: float
    mean_wait: float
    utilisation: float
    offered_load: float


def erlang_c(arrival_rate: float, service_rate: float, servers: int) -> ErlangC:
    """Erlang C for an M/M/c queue (see REFERENCES.md, "Queues").

    With offered load A = lambda / mu and c servers (A < c)::

        C(c, A) = [A^c/c! * c/(c-A)] / [sum_{k<c} A^k/k! + A^c/c! * c/(c-A)]
        Wq = C / (c*mu - lambda)

    ``mean_wait`` is in the time unit of the rates (rates per minute: minutes).
    Computed with the stable recursion of the Erlang B formula.

    >>> r = erlang_c(arrival_rate=1.0, service_rate=1.0, servers=2)
    >>> round(r.p_wait, 4), round(r.mean_wait, 4)
    (0.3333, 0.3333)
    """
    if arrival_rate < 0 or service_rate <= 0 or servers < 1:
        raise ValueError("expected arrival_rate >= 0, service_rate > 0 and servers >= 1")
    load = arrival_rate / service_rate
    if load >= servers:
        return ErlangC(1.0, math.inf, 1.0, load)
    erlang_b = 1.0
    for k in range(1, servers + 1):
        erlang_b = load * erlang_b / (k + load * erlang_b)
    p_wait = servers * erlang_b / (servers - load * (1 - erlang_b))
    mean_wait = p_wait / (servers * service_rate - arrival_rate)
    return ErlangC(p_wait, mean_wait, load / servers, load)


# --------------------------------------------------------------------------- resilience


# ``resilience_loss`` (Bruneau et al. 2003) is the model's own metric, defined with it in
# vtsim.model.infrastructure_metrics and re-exported here with the other closed forms.


# --------------------------------------------------------------------------- threat modes


def p_drone_interdiction(p_detect: float, p_interdict: float, p_in_time: float = 1.0) -> float:
    """Probability that an unmanned aircraft is stopped before its target zone
    (vtsim.model.airspace): detected, interdicted, and both in time::

        P(stopped) = p_detect * p_interdict * P(detect_delay + interdict < flight)

    ``p_in_time`` is that last probability (1 when the delays are fixed and shorter than
    the flight). The same structure as EASI's detection-then-response, on the airspace.

    >>> round(p_drone_interdiction(0.8, 0.5), 3)
    0.4
    """
    return p_detect * p_interdict * p_in_time


def decontamination_complete_min(
    people: int, stations: int, minutes_per_person: float, open_min: float = 0.0
) -> float:
    """When the last of ``people`` who are all waiting when ``stations`` open at
    ``open_min`` is decontaminated (a deterministic c-server queue)::

        open + ceil(people / stations) * minutes_per_person

    >>> decontamination_complete_min(10, 4, 2.0, open_min=5.0)
    11.0
    """
    return open_min + math.ceil(people / stations) * minutes_per_person
