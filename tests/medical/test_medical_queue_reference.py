"""The hospital's treatment places against queueing theory (REFERENCES.md, "Queues").

Fed Poisson arrivals with exponential treatment times and one priority, a
:class:`HospitalUnit` is an M/M/c queue: its mean wait must match Erlang C, and
the time-average number of patients must match Little's law L = lambda * W, each
within the 95 % interval over independent replications.
"""

from __future__ import annotations

import numpy as np
import simpy

from vtsim.analysis.reference import erlang_c
from vtsim.analysis.stats import mean_interval
from vtsim.model.hospital import HospitalUnit
from vtsim.model.streams import Streams

ARRIVAL_PER_MIN = 0.1
SERVICE_PER_MIN = 1 / 30
PLACES = 4
RUN_MIN = 20_000.0


def one_replication(replication: int) -> tuple[float, float, float, float]:
    """(mean wait, share who waited, time-average in system, lambda * mean sojourn)."""
    env = simpy.Environment()
    unit = HospitalUnit(env, "h", capacity=2, most=PLACES)
    unit.open(PLACES - 2)  # capacity comes through the same blockers a surge plan uses
    streams = Streams(seed=11, replication=replication)
    arrivals, services = streams.get("arrivals"), streams.get("services")
    waits, sojourns = [], []

    def patient():
        start = env.now
        service = services.standard_exponential() / SERVICE_PER_MIN
        waited = yield from unit.treat(0, service, lambda: True)
        waits.append(waited)
        sojourns.append(env.now - start)

    def source():
        while True:
            yield env.timeout(arrivals.standard_exponential() / ARRIVAL_PER_MIN)
            env.process(patient())

    env.process(source())
    env.run(until=RUN_MIN)
    in_system = unit.mean_in_system(0.0, RUN_MIN)
    little = len(sojourns) / RUN_MIN * np.mean(sojourns)
    return float(np.mean(waits)), float(np.mean(np.array(waits) > 0)), in_system, little


def test_hospital_places_match_erlang_c_and_littles_law():
    reference = erlang_c(ARRIVAL_PER_MIN, SERVICE_PER_MIN, PLACES)
    runs = np.array([one_replication(r) for r in range(30)])
    wait = mean_interval(runs[:, 0])
    p_wait = mean_interval(runs[:, 1])
    assert wait.lo <= reference.mean_wait <= wait.hi, (wait, reference)
    assert p_wait.lo <= reference.p_wait <= p_wait.hi, (p_wait, reference)
    # Little's law with the theoretical lambda and W: within the interval of the simulated L.
    expected_in_system = ARRIVAL_PER_MIN * (reference.mean_wait + 1 / SERVICE_PER_MIN)
    in_system = mean_interval(runs[:, 2])
    assert in_system.lo <= expected_in_system <= in_system.hi, (in_system, expected_in_system)
    # ... and on each replication's own tallies, up to the patients still inside at the end.
    gap = mean_interval(runs[:, 2] - runs[:, 3])
    assert abs(gap.value) < 0.01 * in_system.value, gap


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
