"""The adaptive attacker at the site (issue 16, item 1): displacement after a layer
(``fallback``) and the choice of moment and zone (``timing``); their outcome columns,
scorecard and side effects. Toy scenarios keep every test fast; the harbour-festival
comparison is marked slow."""

from __future__ import annotations

import copy

import numpy as np
import pytest
from click.testing import CliRunner

from vtsim.analysis.compare import displacement_side_effects
from vtsim.analysis.runner import run
from vtsim.analysis.scorecard import render_text, scorecard
from vtsim.cli import main
from vtsim.errors import VtsimError
from vtsim.model.world import columns_for, simulate
from vtsim.scenario.loader import validate_data

REPS = 200


def toy(threat_extra: dict | None = None, gate: dict | None = None, zones=None) -> dict:
    """One site: a crowd outside the perimeter (200 people), an inner zone (1,000) behind
    one gate layer; one explosive device aimed at the inner zone; no prevention, no
    responders (nothing ends the attack but the layer)."""
    threat = {
        "id": "device",
        "mode": "explosive_device",
        "site": "venue",
        "zone": "inner",
        "planning_window_days": 10,
        "harm": {
            "profile": "instant",
            "fraction_harmed": 0.1,
            "triage": {"killed_outright": 0.1, "t1": 0.2, "t2": 0.3, "t3": 0.4},
        },
    }
    threat.update(threat_extra or {})
    layer = {"id": "gate", "p_detect": 0.3, "p_stop": 0.4, "delay_min": 0.5}
    layer.update(gate or {})
    return {
        "name": "toy venue",
        "horizon_min": 60,
        "sites": [
            {
                "id": "venue",
                "zones": zones
                or [
                    {"id": "outside", "inside_perimeter": False, "occupancy": 200},
                    {"id": "inner", "occupancy": 1000},
                ],
                "layers": [layer],
            }
        ],
        "threats": [threat],
    }


def frame_of(data: dict, reps: int = REPS, seed: int = 5):
    return run(validate_data(data, "<toy>"), replications=reps, seed=seed, progress=False).frame


FALLBACK = {"zone": "outside", "probability": 0.5, "delay_min": 0.2, "after": ["gate"]}


def test_no_fallback_and_explicit_null_give_identical_results():
    plain = frame_of(toy())
    null = frame_of(toy({"fallback": None, "timing": None}))
    random_timing = frame_of(toy({"timing": "random"}))
    assert "displaced" not in plain  # no fallback declared: no new column either
    assert plain.equals(null)
    assert plain.equals(random_timing)


def test_a_fallback_that_never_triggers_changes_nothing_else():
    plain = frame_of(toy())
    never = frame_of(toy({"fallback": {**FALLBACK, "probability": 0.0}}))
    assert (never["displaced"] == 0).all()
    assert (never["displaced_casualties"] == 0).all()
    assert never.drop(columns=["displaced", "displaced_casualties"]).equals(plain)


def test_probability_one_displaces_every_refused_attack():
    plain = frame_of(toy())
    always = frame_of(toy({"fallback": {**FALLBACK, "probability": 1.0}}))
    refused = plain["stopped_by_layer"] == 1
    assert refused.sum() > 20
    # Common random numbers: exactly the replications the gate refused are displaced.
    assert (always["displaced"] == refused.astype(float)).all()
    assert (always.loc[refused, "stopped_by_layer"] == 0).all()
    assert (always.loc[refused, "attack_succeeded"] == 1).all()
    # They harm the fallback zone's crowd (200 people), not the inner zone's (1,000).
    assert (always.loc[refused, "exposed"] == 200).all()
    assert (always.loc[refused, "casualties_total"] <= 200).all()
    assert (
        always.loc[~refused]
        .drop(columns=["displaced", "displaced_casualties"])
        .equals(plain.loc[~refused])
    )


def test_more_detection_never_reduces_displacement_and_fewer_attacks_reach_inside():
    fallback = {**FALLBACK, "when": ["detected"]}
    frames = [
        frame_of(toy({"fallback": fallback}, gate={"p_detect": p, "p_stop": 0.0}))
        for p in (0.1, 0.4, 0.8)
    ]
    shares = [f["displaced"].mean() for f in frames]
    inside = [((f["attack_succeeded"] == 1) & (f["displaced"] == 0)).mean() for f in frames]
    assert shares[0] > 0
    assert shares == sorted(shares) and shares[-1] > shares[0]
    assert inside == sorted(inside, reverse=True) and inside[-1] < inside[0]
    for low, high in zip(frames, frames[1:]):  # replication by replication
        assert (high["displaced"].to_numpy() >= low["displaced"].to_numpy()).all()


def test_conservation_and_determinism():
    data = toy({"fallback": FALLBACK})
    a, b = frame_of(data, seed=11), frame_of(data, seed=11)
    assert a.equals(b)
    assert (a["displaced_casualties"] <= a["casualties_total"]).all()
    assert ((a["displaced"] == 0) <= (a["displaced_casualties"] == 0)).all()
    assert a["displaced"].sum() > 0


def test_densest_picks_the_zone_with_the_most_people():
    two = [
        {"id": "small", "occupancy": 300},
        {"id": "large", "occupancy": 900},
    ]
    base = {"zone": "small"}
    densest = frame_of(toy({**base, "timing": {"weight": 1, "zones": ["large"]}}, zones=two))
    random_ = frame_of(toy({**base, "timing": {"weight": 0, "zones": ["large"]}}, zones=two))
    assert (densest["exposed"] == 900).all()
    assert (random_["exposed"] == 300).all()
    mixed = frame_of(toy({**base, "timing": {"weight": 0.5, "zones": ["large"]}}, zones=two))
    share = (mixed["exposed"] == 900).mean()
    assert 0.35 < share < 0.65
    # the declared zone wins a tie
    tie = [{"id": "small", "occupancy": 500}, {"id": "large", "occupancy": 500}]
    trace = simulate(
        validate_data(toy({**base, "timing": "densest"}, zones=tie), "<toy>"), 1, 0, trace=True
    ).trace
    assert trace is not None
    started = next(e for e in trace if e.kind == "attack_started")
    assert started.data["zone"] == "small"


def test_densest_minute_of_a_queue_is_its_peak():
    zones = [
        {
            "id": "queue",
            "inside_perimeter": False,
            "queue": {
                "arrivals": [{"until_min": 60, "per_min": 8}, {"until_min": 120, "per_min": 2}],
                "lanes": 1,
                "service_s": 9,
                "attack_at_min": {"dist": "uniform", "low": 0, "high": 120},
            },
        },
        {"id": "inner", "occupancy": 50},
    ]
    extra = {"zone": "queue", "timing": {"weight": 1, "zones": ["inner"]}}
    frame = frame_of(toy(extra, zones=zones), reps=40)
    peak = frame["queue_peak_outside"]
    assert (frame["exposed"] == np.maximum(peak, 50)).all()
    drawn = frame_of(toy({"zone": "queue"}, zones=zones), reps=40)
    assert (drawn["exposed"] <= frame["exposed"]).all()
    assert (drawn["exposed"] < frame["exposed"]).any()


def test_a_fallback_zone_behind_its_layer_is_rejected():
    data = toy({"fallback": {**FALLBACK, "zone": "inner"}})
    with pytest.raises(VtsimError, match="fallback"):
        validate_data(data, "<toy>")
    bad = copy.deepcopy(toy({"fallback": FALLBACK}))
    bad["sites"][0]["layers"][0]["zones"] = ["*"]  # the gate protects the outside crowd too
    with pytest.raises(VtsimError, match="protects the fallback zone"):
        validate_data(bad, "<toy>")
    no_after = copy.deepcopy(bad)
    del no_after["threats"][0]["fallback"]["after"]
    with pytest.raises(VtsimError, match="list in `after`"):
        validate_data(no_after, "<toy>")
    with pytest.raises(VtsimError, match="densest"):
        validate_data(toy({"timing": "busiest"}), "<toy>")


def test_scorecard_and_side_effects_show_displacement():
    data = toy({"fallback": FALLBACK}, gate={"p_stop": 0.0})
    data["measures"] = [
        {
            "id": "refuse-entry",
            "name": "Refuse entry",
            "phase": "protect",
            "pillar": "operational",
            "effects": [{"path": "sites.venue.layers.gate.p_stop", "op": "set", "value": 0.6}],
        }
    ]
    data["packages"] = [{"id": "refusal", "measures": ["refuse-entry"]}]
    results = run(validate_data(data, "<toy>"), replications=REPS, seed=3, progress=False)
    card = scorecard(results.frame, results.packages)
    protect = card[card["phase"] == "protect"].set_index("package")
    assert protect.loc["baseline", "displaced"] == 0
    assert protect.loc["refusal", "displaced"] > 0.15
    assert protect.loc["refusal", "displaced_diff"] > 0
    assert "displaced to a fallback target" in render_text(card)
    effects = displacement_side_effects(results.frame, results.packages)
    flagged = effects[effects["worse"]]
    assert {"displaced", "displaced_casualties"} <= set(flagged["criterion"])


def test_columns_cli_lists_the_new_columns(festival):
    names = [c.name for c in columns_for(festival)]
    assert {"displaced", "displaced_casualties"} <= set(names)
    result = CliRunner().invoke(main, ["columns", "harbour-festival"])
    assert result.exit_code == 0, result.output
    assert "displaced_casualties" in result.output
    assert "displaced " in result.output


@pytest.mark.slow
def test_harbour_festival_screening_displaces_attacks_to_the_queue():
    from vtsim import compare

    c = compare("harbour-festival", packages=["screening"], replications=300, progress=False)
    effects = c.side_effects
    mine = effects[(effects["kind"] == "displacement") & (effects["threat"] == "explosive-device")]
    assert set(mine["criterion"]) == {"displaced", "displaced_casualties"}
    assert mine["label"].str.contains("queue").all()
    frame = c.results.frame
    assert (frame.loc[frame["package"] == "baseline", "displaced"].fillna(0) == 0).all()
    assert (frame["displaced_casualties"] <= frame["casualties_total"]).all()
    assert "struck a fallback target" in c.text()
