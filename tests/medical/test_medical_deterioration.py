"""Deterioration in closed form: the SIMEDIS time to death, care slowing it, T2 -> T1."""

from __future__ import annotations

import math

import numpy as np
import pytest

from vtsim.model.deterioration import Health, SimedisModel, make_model
from vtsim.model.streams import Streams
from vtsim.scenario.medical import ExponentialSurvival, SimedisIss


def test_simedis_time_to_death_follows_the_published_curve():
    model = SimedisModel(SimedisIss(iss_t1=25, iss_t2=9, iss_t3=4, spread_sd_log=0))
    rng = Streams(0, 0).get("test")  # fixed distributions: the draw does not matter
    assert model.untreated_ttd_min("t1", rng) == pytest.approx(43500 * 25**-1.95)
    assert model.untreated_ttd_min("t1", rng) == pytest.approx(81.7, abs=0.1)
    assert model.untreated_ttd_min("t2", rng) == pytest.approx(599.4, abs=0.1)
    assert model.untreated_ttd_min("t3", rng) > 2000


def test_untreated_casualty_dies_at_its_time_to_death():
    h = Health(untreated_ttd_min=30.0, t_injured=5.0)
    assert h.death_time() == 35.0
    assert h.remaining_min(15.0) == 20.0


def test_care_slows_deterioration_and_hospital_treatment_stops_it():
    h = Health(40.0, 0.0)
    h.care(10.0, 0.5)
    assert h.death_time() == pytest.approx(70.0)
    h.care(20.0, 0.0)
    assert math.isinf(h.death_time())


def test_care_never_speeds_deterioration_up():
    h = Health(40.0, 0.0)
    h.care(10.0, 0.2)
    h.care(20.0, 0.5)  # a worse kind of care later does not undo the better one
    assert h.rate == 0.2


def test_a_t2_worsens_to_t1_when_little_untreated_time_is_left():
    model = SimedisModel(SimedisIss())
    assert model.class_for(500.0, "t2") == "t2"
    assert model.class_for(60.0, "t2") == "t1"
    assert model.class_for(1000.0, "t1") == "t1"  # never better than at injury


def test_deterioration_models_are_pluggable_by_tag():
    model = make_model(ExponentialSurvival(mean_t1_min=10))
    rng = Streams(0, 0).get("test")
    draws = [model.untreated_ttd_min("t1", rng) for _ in range(2000)]
    assert np.mean(draws) == pytest.approx(10, rel=0.1)


def test_a_spread_makes_the_time_to_death_lognormal_around_the_simedis_time():
    """Stochastic survival: with ``spread_sd_log`` s, log(T / T_simedis) is normal(0, s).
    n = 20,000: the sample mean of the log factor is within 4 standard errors (0.014 at
    s = 0.5) of 0 and its sd within 3 % of s (false alarm < 1e-4 each)."""
    model = SimedisModel(SimedisIss(iss_t1=25, spread_sd_log=0.5))
    rng = Streams(0, 0).get("test")
    logs = np.log([model.untreated_ttd_min("t1", rng) / (43500 * 25**-1.95) for _ in range(20000)])
    assert abs(logs.mean()) < 4 * 0.5 / math.sqrt(20000)
    assert logs.std() == pytest.approx(0.5, rel=0.03)


def test_no_spread_takes_no_extra_draw():
    """Without a spread the casualty's stream is used as before (results unchanged)."""
    cfg = SimedisIss(spread_sd_log=0)
    a, b = Streams(1, 2).get("casualty", 0), Streams(1, 2).get("casualty", 0)
    SimedisModel(cfg).untreated_ttd_min("t1", a)
    cfg.iss_t1.sample(b)
    assert a.random() == b.random()
