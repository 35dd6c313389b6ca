"""The hospital's treatment places against queueing theory (REFERENCES.md, "Queues").

Fed Poisson arrivals with exponential treatment times and one priority, a
:class:`HospitalUnit` is an M/M/c queue: its mean wait and probability of waiting must
match Erlang C, and the time-average number of patients Little's law L = lambda * W
with Erlang C's W; and on every run, the integral of patients in the hospital must equal
the sum of their stays (Little's law on the sample path).
"""

from __future__ import annotations

import numpy as np
import pytest
import simpy
from stats_power import assert_mean_matches, n_for_mean_shift

from vtsim.analysis.reference import erlang_c
from vtsim.model.hospital import HospitalUnit
from vtsim.model.streams import Streams

ARRIVAL_PER_MIN = 0.1
SERVICE_PER_MIN = 1 / 30
PLACES = 4  # rho = 0.75
RUN_MIN = 20_000.0  # patients arrive until then; the run goes on until the last has left
WARM_UP_MIN = 2_500.0  # ~6 relaxation times 1 / (c mu (1 - sqrt(rho))^2) ~ 420 min

REFERENCE = erlang_c(ARRIVAL_PER_MIN, SERVICE_PER_MIN, PLACES)
# (what, Erlang C's value, sd of one run's estimate from a 100-run pilot with seed 7,
#  the error to detect as a share of the value)
CHECKS = [
    ("mean wait", REFERENCE.mean_wait, 4.87, 0.25),
    ("P(wait)", REFERENCE.p_wait, 0.0483, 0.08),
    ("mean in system", ARRIVAL_PER_MIN * (REFERENCE.mean_wait + 1 / SERVICE_PER_MIN), 0.584, 0.10),
]


def one_replication(replication: int, seed: int = 11) -> tuple[float, float, float]:
    """(mean wait, share who waited) of the patients arriving in [WARM_UP_MIN, RUN_MIN),
    and the time-average number in the hospital over that window."""
    env = simpy.Environment()
    unit = HospitalUnit(env, "h", capacity=2, most=PLACES)
    unit.open(PLACES - 2)  # capacity comes through the same blockers a surge plan uses
    streams = Streams(seed=seed, replication=replication)
    arrivals, services = streams.get("arrivals"), streams.get("services")
    waits, stays, area_until = [], [], {}

    def patient():
        start = env.now
        service = services.standard_exponential() / SERVICE_PER_MIN
        waited = yield from unit.treat(0, service, lambda: True)
        stays.append(env.now - start)
        if start >= WARM_UP_MIN:
            waits.append(waited)

    def source():
        while True:
            yield env.timeout(arrivals.standard_exponential() / ARRIVAL_PER_MIN)
            if env.now >= RUN_MIN:
                return
            env.process(patient())

    def read_area(t):  # the integral of patients in the hospital from 0 to t
        yield env.timeout(t)
        area_until[t] = unit.mean_in_system(0.0, t) * t

    env.process(source())
    for t in (WARM_UP_MIN, RUN_MIN):
        env.process(read_area(t))
    env.run()  # until the last patient has left: no stay is cut short
    # Little's law on this sample path: with everyone gone, the area is the sum of stays.
    assert unit.in_system == 0
    assert unit.mean_in_system(0.0, env.now) * env.now == pytest.approx(sum(stays), rel=1e-9)
    in_system = (area_until[RUN_MIN] - area_until[WARM_UP_MIN]) / (RUN_MIN - WARM_UP_MIN)
    return float(np.mean(waits)), float(np.mean(np.array(waits) > 0)), in_system


@pytest.mark.slow
def test_hospital_places_match_erlang_c_and_littles_law():
    """Three two-sided t tests over independent runs, each at false-alarm rate
    alpha = 1e-4, against Erlang C: n runs (91, ~3 s) chosen, from the pilot sds in
    CHECKS with 15 % margin, so that with power >= 0.99 they catch a bias of 25 % in the
    mean wait, 8 % in P(wait) and 10 % in the mean number in the hospital (one place
    more or fewer moves all three by far more; the wait, with its long correlated busy
    periods, would need ~800 runs for 8 %). Patients arriving in the first 2,500 min are
    left out: the hospital starts empty."""
    n = max(n_for_mean_shift(1.15 * sd, share * value) for _, value, sd, share in CHECKS)
    runs = np.array([one_replication(r) for r in range(n)])
    for column, (what, value, _, share) in enumerate(CHECKS):
        assert_mean_matches(runs[:, column], value, detect=share * value, what=what)


def test_closing_places_waits_for_patients_to_leave_and_reopening_restores_them():
    env = simpy.Environment()
    unit = HospitalUnit(env, "h", capacity=2, most=2)
    done = []

    def patient(name, minutes):
        yield from unit.treat(0, minutes, lambda: True)
        done.append((name, env.now))

    env.process(patient("a", 10))
    env.process(patient("b", 20))
    env.run(until=1)
    unit.close(1)  # a facility it depends on goes down
    assert unit.open_places == 1
    env.process(patient("c", 5))
    env.run(until=100)
    # c cannot start when a leaves at 10 (the place is closed); it starts when b leaves at 20.
    assert done == [("a", 10), ("b", 20), ("c", 25)]
    assert unit.overload_until(100) == 19  # c waited from 1 to 20
    unit.open(1)
    assert unit.open_places == 2
