"""Monotone effects on common random numbers, replication by replication, and conservation."""

from __future__ import annotations

import pytest
from helpers import measure
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import vtsim
from vtsim.model.incident import TRIAGE_CLASSES

SETTINGS = settings(
    max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


def _pairs(a, b, seed, n=40):
    for i in range(n):
        yield vtsim.simulate(a, seed, i).metrics, vtsim.simulate(b, seed, i).metrics


@SETTINGS
@given(
    boost=st.floats(0.0, 0.6),
    layer=st.sampled_from(["perimeter-patrol", "gate-check", "arena-floor"]),
    seed=st.integers(0, 10_000),
)
@pytest.mark.slow
def test_more_detection_never_means_more_successful_attacks(festival, boost, layer, seed):
    current = next(x.p_detect for x in festival.sites[0].layers if x.id == layer)
    better = vtsim.apply_measures(
        festival,
        [
            measure(
                {
                    "path": f"sites.festival.layers.{layer}.p_detect",
                    "op": "set",
                    "value": min(1.0, current + boost),
                }
            )
        ],
    )
    for base, more in _pairs(festival, better, seed):
        assert more["attack_succeeded"] <= base["attack_succeeded"]


@pytest.mark.slow
@SETTINGS
@given(factor=st.floats(0.1, 1.0), seed=st.integers(0, 10_000))
def test_faster_response_never_raises_casualties(festival, factor, seed):
    effects = [
        {"path": f"agencies.{a.id}.dispatch_delay_min", "op": "scale", "value": factor}
        for a in festival.agencies
    ]
    effects += [
        {"path": f"agencies.{a.id}.alerts.{e.to}.delay_min", "op": "scale", "value": factor}
        for a in festival.agencies
        for e in a.alerts
    ]
    effects.append({"path": "sites.festival.call_delay_min", "op": "scale", "value": factor})
    faster = vtsim.apply_measures(festival, [measure(*effects)])
    for base, fast in _pairs(festival, faster, seed):
        assert fast["casualties_total"] <= base["casualties_total"]
        assert fast["attack_succeeded"] <= base["attack_succeeded"]


@pytest.mark.slow
@SETTINGS
@given(factor=st.floats(1.0, 4.0), seed=st.integers(0, 10_000))
def test_wider_exits_never_raise_casualties(festival, factor, seed):
    effects = [
        {
            "path": f"sites.festival.zones.{z.id}.exits.{e.id}.flow_per_min",
            "op": "scale",
            "value": factor,
        }
        for z in festival.sites[0].zones
        for e in z.exits
    ]
    wider = vtsim.apply_measures(festival, [measure(*effects)])
    for base, wide in _pairs(festival, wider, seed):
        assert wide["casualties_total"] <= base["casualties_total"]
        assert wide["evacuated"] >= base["evacuated"] or base["casualties_total"] > 0


@pytest.mark.slow
@pytest.mark.parametrize("package", ["baseline", "screening", "barriers", "command-alerting"])
def test_every_person_exposed_is_accounted_for(festival, package):
    frame = vtsim.run(festival, replications=150, seed=5, packages=[package], progress=False).frame
    frame = frame[frame["package"] == package]
    assert (
        frame["exposed"] == frame["casualties_total"] + frame["unharmed"] + frame["evacuated"]
    ).all()
    assert (frame[list(TRIAGE_CLASSES)].sum(axis=1) == frame["casualties_total"]).all()
    assert (frame[["unharmed", "evacuated", "casualties_total"]] >= 0).all().all()
    reached = frame[frame["prevented"] == 0]
    assert (reached["exposed_peak"] <= reached["exposed"]).all()
    assert (reached["casualties_total"] <= reached["exposed_peak"]).all()


@pytest.mark.slow
def test_harm_only_after_the_attack_reaches_its_target(festival):
    frame = vtsim.run(festival, replications=200, seed=8, progress=False).frame
    no_harm = frame[frame["attack_succeeded"] == 0]
    assert (no_harm["casualties_total"] == 0).all()
    stopped = frame[frame["ended_by"] == "stopped"]
    assert (stopped["casualties_total"] == 0).all()
