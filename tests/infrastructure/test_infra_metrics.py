"""Recover metrics of simple curves, computed by hand."""

from __future__ import annotations

import pytest
from infra_builders import power_and_hospital, tiny_city

import vtsim
from vtsim.analysis.reference import resilience_loss
from vtsim.model.infrastructure_metrics import curve_metrics, q_column


def test_resilience_loss_of_a_triangle_and_a_rectangle():
    assert resilience_loss([0, 4], [0.0, 1.0]) == pytest.approx(2.0)
    # Q = 0.6 for 3 days then back to 1: area 0.4 * 3.
    assert resilience_loss([0, 3, 3, 5], [0.6, 0.6, 1.0, 1.0]) == pytest.approx(1.2)


def test_step_history_gives_hand_computed_metrics():
    day = 1440.0
    history = [
        (0.0, {"power": 100.0, "water": 50.0}),
        (0.5 * day, {"power": 40.0, "water": 50.0}),  # 60 of 100 lose power
        (1.0 * day, {"power": 40.0, "water": 0.0}),  # then all of water
        (2.0 * day, {"power": 100.0, "water": 50.0}),  # all back at day 2
    ]
    m = curve_metrics(history, {"power": 100.0, "water": 50.0}, 4 * day, 12 * 60.0)
    assert m["customer_hours_lost_power"] == pytest.approx(60 * 36)
    assert m["customer_hours_lost_water"] == pytest.approx(50 * 24)
    assert m["customer_hours_lost"] == pytest.approx(60 * 36 + 50 * 24)
    # Q: 1 until 0.5 d, 90/150 until 1 d, 40/150 until 2 d, then 1.
    expected = 0.5 * (1 - 90 / 150) + 1.0 * (1 - 40 / 150)
    assert m["resilience_loss"] == pytest.approx(expected)
    assert m["days_to_95pct_service"] == pytest.approx(2.0)
    assert m["restored_95pct_within_horizon"] == 1.0
    assert m[q_column("power", 12)] == pytest.approx(0.4)
    assert m[q_column("all", 36)] == pytest.approx(40 / 150)
    assert m[q_column("water", 96)] == pytest.approx(1.0)


def test_days_to_95pct_is_the_horizon_when_service_never_recovers():
    history = [(0.0, {"power": 100.0}), (60.0, {"power": 0.0})]
    m = curve_metrics(history, {"power": 100.0}, 2 * 1440.0, 360.0)
    assert m["days_to_95pct_service"] == pytest.approx(2.0)
    assert m["restored_95pct_within_horizon"] == 0.0


def test_a_simulated_outage_matches_the_hand_computed_loss(build):
    # sub-a (100 people) is down 24 h; the hospital's 48 h generator outlasts it.
    infra = power_and_hospital(backup_hours=48, repair_hours=24)
    m = vtsim.simulate(build(tiny_city(infra)), seed=5, replication=0).metrics
    assert m["customer_hours_lost_power"] == pytest.approx(100 * 24)
    assert m["customer_hours_lost_health"] == 0
    served = 100 + 100 + 1000  # power twice (sub-a, sub-b) and health
    assert m["resilience_loss"] == pytest.approx(100 / served * 1.0)
    assert m["days_to_95pct_service"] == pytest.approx(1.0)  # Q = 1100/1200 < 95 % for a day


def test_scenarios_without_infrastructure_get_no_new_columns(festival):
    metrics = vtsim.simulate(festival, seed=1, replication=0).metrics
    assert not any(k.startswith(("customer_hours_lost", "q_")) for k in metrics)
    assert "resilience_loss" not in metrics
