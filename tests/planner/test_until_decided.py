"""`vtsim compare --until-decided`: replications added in rounds until every verdict is
decided, each look at a stricter level (vtsim.analysis.sequential)."""

from __future__ import annotations

import json
import math

import pandas as pd
import pytest
from click.testing import CliRunner

import vtsim
from vtsim.analysis.compare import compare
from vtsim.analysis.runner import run
from vtsim.analysis.sequential import (
    _interval_and_decision,
    compare_until_decided,
    plan_looks,
)
from vtsim.cli import main
from vtsim.cli.compare import _margin_option
from vtsim.errors import VtsimError

DRONE = "transit-hub-drone"  # the fastest bundled scenario (~1 ms a replication)


@pytest.fixture(scope="module")
def drone():
    return vtsim.load_scenario(DRONE)


@pytest.fixture(scope="module")
def decided(drone):
    return compare_until_decided(
        drone,
        packages=["detection-interdiction"],
        first=20,
        max_replications=400,
        seed=5,
        progress=False,
    )


def test_looks_are_planned_before_the_first_replication():
    assert plan_looks(100, None, 3200) == [100, 150, 225, 338, 507, 761, 1142, 1713, 2570, 3200]
    assert plan_looks(20, 20, 70) == [20, 40, 60, 70]
    assert plan_looks(50, None, 50) == [50]


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"first": 5}, "at least 10"),
        ({"first": 100, "max_replications": 50}, "below the first round"),
        ({"margin": {"mitigation": 1}}, "Unknown phase 'mitigation'"),
        ({"margin": -1}, "margin must be a number >= 0"),
    ],
)
def test_bad_settings_are_one_clear_error(drone, kwargs, message):
    with pytest.raises(VtsimError, match=message):
        compare_until_decided(drone, packages=["detection"], progress=False, **kwargs)


def test_stops_at_the_first_look_where_everything_is_decided(decided):
    u = decided.until_decided
    assert u.decided and u.undecided == ()
    assert u.replications == decided.results.replications < 400
    assert u.replications == u.plan[len(u.looks) - 1]  # stopped at a planned look
    assert all(look.undecided for look in u.looks[:-1])  # ...the first one decided
    assert set(decided.frame["decision"]) <= {"excludes zero", "within the margin", "no change"}
    assert u.packages == {"detection-interdiction": u.replications}
    assert u.level == pytest.approx(1 - 0.05 / len(u.plan))


def test_reports_the_replications_used(decided):
    frame = decided.results.frame
    assert frame.groupby("package")["replication"].nunique().eq(decided.results.replications).all()
    text = decided.until_decided.text()
    assert f"UNTIL DECIDED: {decided.results.replications:,} replications per package" in text
    assert decided.until_decided.as_dict()["replications"] == decided.results.replications


def test_the_table_is_the_one_a_single_run_gives(drone, decided):
    """A later round runs only the new replications; concatenated, the rows are those of
    one run of them all (replication r is the same in every run)."""
    single = run(
        decided.scenario,
        replications=decided.results.replications,
        seed=5,
        packages=decided.results.packages,
        progress=False,
    )
    pd.testing.assert_frame_equal(single.frame, decided.results.frame, check_exact=True)


def test_run_can_start_at_a_later_replication(drone):
    whole = run(drone, replications=25, seed=3, packages=["detection"], progress=False)
    tail = run(
        drone,
        replications=15,
        seed=3,
        packages=["detection"],
        progress=False,
        first_replication=10,
    )
    assert sorted(tail.frame["replication"].unique()) == list(range(10, 25))
    assert tail.replications == 15
    expected = whole.frame[whole.frame["replication"] >= 10].reset_index(drop=True)
    pd.testing.assert_frame_equal(tail.frame, expected, check_exact=True)


@pytest.mark.slow
def test_the_same_seed_stops_at_the_same_look_whatever_the_jobs(drone):
    kwargs = {"packages": ["detection", "detection-warning"], "first": 30, "seed": 2}
    a = compare_until_decided(drone, max_replications=150, jobs=1, progress=False, **kwargs)
    b = compare_until_decided(drone, max_replications=150, jobs=2, progress=False, **kwargs)
    assert a.until_decided == b.until_decided
    pd.testing.assert_frame_equal(a.results.frame, b.results.frame, check_exact=True)
    pd.testing.assert_frame_equal(a.frame, b.frame, check_exact=True)


def test_at_the_cap_the_undecided_are_listed(drone):
    c = compare_until_decided(
        drone,
        packages=["detection"],
        margin=0,
        first=20,
        max_replications=40,
        seed=1,
        progress=False,
    )
    u = c.until_decided
    assert not u.decided and u.replications == 40 and len(u.looks) == len(u.plan) == 3
    assert "detection / protect" in u.undecided  # zero so far, but the package could move it
    assert "stopped at 40 replications" in u.text()
    assert u.packages == {"detection": None}


def _diff(n, diff, lo, hi):
    return pd.Series({"n": n, "diff": diff, "lo": lo, "hi": hi})


def test_the_stopping_rule():
    level = 1 - 0.05 / 10
    # An interval that excludes zero at 95 % but not at the look's stricter level: go on.
    assert _interval_and_decision(_diff(100, 0.3, 0.05, 0.55), 0, level, True, 5)[2] == (
        "undecided"
    )
    assert _interval_and_decision(_diff(100, 1.0, 0.5, 1.5), 0, level, True, 5)[2] == (
        "excludes zero"
    )
    # Within the margin at the stricter level: decided; with no margin: not.
    lo, hi, decision = _interval_and_decision(_diff(100, 0.1, -0.1, 0.3), 1.0, level, True, 5)
    assert decision == "within the margin" and lo < -0.1 and hi > 0.3
    assert _interval_and_decision(_diff(100, 0.1, -0.1, 0.3), 0, level, True, 5)[2] == ("undecided")
    # Zero on every replication: "no change" only when the package cannot move the headline;
    # otherwise decided once n rules out a hidden change as large as the margin.
    assert _interval_and_decision(_diff(100, 0, 0, 0), 0, level, False, 5)[2] == "no change"
    assert _interval_and_decision(_diff(100, 0, 0, 0), 0.01, level, True, 1)[2] == "undecided"
    lo, hi, decision = _interval_and_decision(_diff(1000, 0, 0, 0), 0.01, level, True, 1)
    assert decision == "within the margin"
    assert hi == pytest.approx(math.log(200) / 1000) and lo == -hi
    assert _interval_and_decision(_diff(0, math.nan, math.nan, math.nan), 0, level, True, 1)[2] == (
        "no paired data"
    )


@pytest.mark.slow
def test_same_verdicts_as_a_large_fixed_number(drone):
    """Every verdict reached until decided is the one 2,000 replications give at 95 %
    (a difference decided as smaller than the margin is smaller than it at 2,000 too)."""
    seq = compare_until_decided(drone, seed=11, progress=False)
    fixed = compare(drone, replications=2000, seed=11, progress=False)
    assert seq.until_decided.decided and seq.until_decided.replications < 2000
    both = fixed.frame.merge(seq.frame, on=["package", "phase"], suffixes=("_f", "_s"))
    for _, r in both.iterrows():
        if r["decision"] == "excludes zero":
            assert r["verdict_s"] == r["verdict_f"] in ("better", "worse"), r
        elif r["decision"] == "no change":
            assert r["verdict_f"] == "no change on any replication", r
        else:
            assert r["decision"] == "within the margin"
            assert abs(r["diff_f"]) < r["margin"], r


def test_margin_option_reads_value_and_phase_value():
    assert _margin_option(()) is None
    assert _margin_option(("0.5",)) == 0.5
    assert _margin_option(("mitigate=2",)) == {"mitigate": 2.0}
    both = _margin_option(("0.5", "mitigate=2"))
    assert both["mitigate"] == 2.0 and both["recover"] == 0.5 and len(both) == 5


@pytest.mark.slow
def test_cli_until_decided_prints_and_writes_how_it_stopped(tmp_path):
    args = ["compare", DRONE, "-p", "detection-interdiction", "--until-decided", "-n", "20"]
    args += ["--max-replications", "200", "-s", "5", "--no-progress"]
    r = CliRunner().invoke(main, [*args, "--format", "json"])
    assert r.exit_code == 0, r.output
    data = json.loads(r.output)
    u = data["until_decided"]
    assert u["decided"] and u["replications"] <= 200 and u["plan"][0] == 20
    assert {row["decision"] for row in data["phases"]} <= {
        "excludes zero",
        "within the margin",
        "no change",
    }
    r = CliRunner().invoke(main, [*args, "-o", str(tmp_path / "out"), "--no-figures"])
    assert r.exit_code == 0, r.output
    assert "UNTIL DECIDED" in r.output
    saved = json.loads((tmp_path / "out" / "until_decided.json").read_text())
    assert saved["replications"] == u["replications"]


@pytest.mark.parametrize(
    "extra",
    [["--margin", "0.5"], ["--max-replications", "100"], ["--until-decided", "--margin", "x=y"]],
)
def test_cli_margin_needs_until_decided_and_a_number(extra):
    r = CliRunner().invoke(main, ["compare", DRONE, "-n", "2", "--no-progress", *extra])
    assert r.exit_code == 2
    assert "Traceback" not in r.output
