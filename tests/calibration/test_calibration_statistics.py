"""The statistic vocabulary on small hand-made tables with known answers, the intervals,
and the verdict rule on constructed cases."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from vtsim.analysis.calibration import applicable_threats, calibrate
from vtsim.analysis.calibration_stats import NotComparable, Value, evaluate, verdict
from vtsim.model.streams import Streams
from vtsim.scenario.calibration import Published, Target, TargetsFile


def target(statistic: dict | None, published=None, **extra) -> Target:
    data = {
        "id": "t",
        "name": "T",
        "statistic": statistic,
        "published": published or {"low": 0, "high": 1},
        "population": "p",
        "sources": [{"authors": "A B", "title": "T", "venue": "V", "year": 2000}],
        "applies_to": {},
    }
    return Target.model_validate({**data, **extra})


def rng():
    return Streams(11, 0).get("calibration-bootstrap", "t", "test")


@pytest.fixture
def table():
    """Ten baseline replications of threat 'a', two of threat 'b'."""
    return pd.DataFrame(
        {
            "package": ["baseline"] * 12,
            "replication": range(12),
            "threat": ["a"] * 10 + ["b"] * 2,
            "attack_succeeded": [1, 1, 1, 1, 1, 1, 1, 1, 0, 0, 1, 1],
            "min_attack_active": [1, 2, 3, 4, 5, 6, 7, 8, 0, 0, 1, 1],
            "min_to_harm": [1.0] * 12,
            "killed_outright": [2, 0, 1, 3, 0, 0, 4, 0, 0, 0, 9, 9],
            "deaths_total": [2, 1, 1, 4, 0, 1, 4, 1, 0, 0, 9, 9],
            "t1": [1, 2, 0, 3, 0, 0, 1, 2, 0, 0, 5, 5],
            "t2": [3, 3, 3, 3, 3, 3, 3, 3, 0, 0, 0, 0],
        }
    )


def test_share_with_where_and_threats_is_the_wilson_interval(table):
    t = target(
        {
            "kind": "share",
            "column": "min_attack_active",
            "op": "<=",
            "value": 5,
            "where": ["attack_succeeded == 1"],
        }
    )
    v = evaluate(t, table, ["a"], rng)
    assert (v.value, v.n, v.method) == (5 / 8, 8, "Wilson")
    # Wilson score interval for 5 of 8 (z = 1.96): 0.3057 to 0.8632.
    assert v.lo == pytest.approx(0.3057, abs=1e-4) and v.hi == pytest.approx(0.8632, abs=1e-4)


def test_wilson_interval_of_the_fbi_count():
    rows = pd.DataFrame(
        {
            "package": "baseline",
            "replication": range(64),
            "threat": "a",
            "min_attack_active": [1.0] * 44 + [9.0] * 20,
        }
    )
    v = evaluate(
        target({"kind": "share", "column": "min_attack_active", "op": "<=", "value": 5}),
        rows,
        ["a"],
        rng,
    )
    assert v.value == pytest.approx(0.6875)
    assert (round(v.lo, 3), round(v.hi, 3)) == (0.566, 0.788)  # as in targets.yaml


def test_ratio_of_sums_pools_replications(table):
    t = target(
        {"kind": "ratio_of_sums", "numerator": "killed_outright", "denominator": "deaths_total"}
    )
    v = evaluate(t, table, ["a"], rng)
    assert v.value == pytest.approx(10 / 14)
    assert v.method == "bootstrap" and v.lo <= v.value <= v.hi and v.n == 10
    both = target({"kind": "ratio_of_sums", "numerator": "t1", "denominator": ["t1", "t2"]})
    assert evaluate(both, table, ["a"], rng).value == pytest.approx(9 / 33)


def test_a_share_seen_only_at_its_bound_keeps_wilsons_uncertainty(table):
    """All 18 deaths of 9 events at the scene: resampling the events gives [1, 1]; the
    interval is Wilson's on the pooled 18 of 18, which does not claim certainty."""
    frame = table.assign(killed_outright=[2] * 9 + [0] * 3, deaths_total=[2] * 9 + [0] * 3)
    t = target(
        {"kind": "ratio_of_sums", "numerator": "killed_outright", "denominator": "deaths_total"}
    )
    v = evaluate(t, frame, ["a"], rng)
    assert v.value == 1.0 and v.hi == 1.0 and v.method == "Wilson, pooled"
    assert v.lo == pytest.approx(0.824, abs=0.001)  # Wilson 95 % lower bound of 18/18


def test_median_mean_and_quantile_with_minus_and_scale(table):
    where = ["attack_succeeded == 1"]
    median = target(
        {"kind": "median", "column": "min_attack_active", "minus": "min_to_harm", "where": where}
    )
    v = evaluate(median, table, ["a"], rng)
    assert v.value == 3.5 and v.n == 8 and v.lo <= 3.5 <= v.hi
    mean = target({"kind": "mean", "column": "deaths_total", "where": where, "scale": 2})
    m = evaluate(mean, table, ["a"], rng)
    assert m.value == pytest.approx(2 * 14 / 8) and m.method == "t"
    assert m.hi - m.value == pytest.approx(m.value - m.lo)
    q = target({"kind": "quantile", "q": 0.25, "column": "min_attack_active", "where": where})
    assert evaluate(q, table, ["a"], rng).value == pytest.approx(np.quantile(range(1, 9), 0.25))


def test_bootstrap_intervals_are_a_function_of_the_seed(table):
    t = target({"kind": "median", "column": "deaths_total"})
    first = evaluate(t, table, ["a", "b"], rng)
    assert evaluate(t, table, ["a", "b"], rng) == first
    other = evaluate(t, table, ["a", "b"], lambda: Streams(12, 0).get("calibration-bootstrap"))
    assert other.value == first.value


def test_paired_difference_absolute_and_relative(table):
    more = table.assign(package="worse", deaths_total=table["deaths_total"] * 1.5)
    frame = pd.concat([table, more.assign(package="better", deaths_total=table["deaths_total"])])
    frame = pd.concat([frame, more])
    spec = {"kind": "paired_difference", "column": "deaths_total", "package": "worse"}
    rel = evaluate(target({**spec, "versus": "better", "relative": True}), frame, ["a"], rng)
    assert rel.value == pytest.approx(0.5) and rel.lo == pytest.approx(0.5)
    absolute = evaluate(target({**spec, "versus": "better"}), frame, ["a"], rng)
    assert absolute.value == pytest.approx(0.5 * 14 / 10) and absolute.method == "paired t"
    with pytest.raises(NotComparable, match="package missing \\(nowhere\\)"):
        evaluate(target({**spec, "versus": "nowhere"}), frame, ["a"], rng)


def test_missing_columns_and_empty_selections_are_not_comparable(table):
    with pytest.raises(NotComparable, match="no column t1_deaths in this scenario"):
        evaluate(
            target({"kind": "ratio_of_sums", "numerator": "t1_deaths", "denominator": "t1"}),
            table,
            ["a"],
            rng,
        )
    with pytest.raises(NotComparable, match="no replication with deaths_total >= 100"):
        evaluate(
            target({"kind": "mean", "column": "t1", "where": ["deaths_total >= 100"]}),
            table,
            ["a"],
            rng,
        )


@pytest.mark.parametrize(
    ("lo", "hi", "low", "high", "expected"),
    [
        (0.2, 0.4, 0.3, 0.5, ("inside", "")),  # overlap
        (0.2, 0.3, 0.3, 0.5, ("inside", "")),  # touching counts (closed intervals)
        (0.1, 0.29, 0.3, 0.5, ("outside", "below")),
        (0.51, 0.6, 0.3, 0.5, ("outside", "above")),
        (40.0, 50.0, 6.5, None, ("inside", "")),  # no upper bound
        (1.0, 2.0, 6.5, None, ("outside", "below")),
        (2.5, 3.5, 3.0, 3.0, ("inside", "")),  # a point inside the interval
        (0.0, 1.0, 3.0, 3.0, ("outside", "below")),
    ],
)
def test_verdict_is_the_overlap_rule(lo, hi, low, high, expected):
    value = Value((lo + hi) / 2, lo, hi, 100, "t")
    assert verdict(value, Published(low=low, high=high)) == expected


def test_verdict_without_an_interval_is_not_comparable():
    verdict_, reason = verdict(Value(1.0, math.nan, math.nan, 1, "t"), Published(low=0, high=2))
    assert verdict_ == "not comparable" and "n = 1" in reason


def test_applies_to_filters_modes_site_kinds_and_scenarios(festival):
    def ids(rule):
        unused = {"comparable": False, "reason": "no statistic needed here"}
        t = target(None, applies_to=rule, comparability=unused)
        return applicable_threats(t, festival, "harbour-festival")

    assert ids({"modes": ["armed_assault"]}) == ["armed-assault"]
    assert ids({"modes": ["armed_assault"], "site_kinds": ["museum"]}) == []
    assert ids({"modes": ["explosive_device"], "site_kinds": ["public_event"]}) == [
        "explosive-device"
    ]
    assert ids({"scenarios": ["metro-cbrn"]}) == []
    assert len(ids({})) == len(festival.threats)


def test_calibrate_api_runs_packages_a_target_needs(festival):
    paired = {"kind": "paired_difference", "column": "casualties_total", "versus": "baseline"}
    file = TargetsFile.model_validate(
        {
            "targets": [
                {
                    "id": "barriers-help",
                    "name": "Barriers",
                    "statistic": {**paired, "package": "barriers"},
                    "published": {"low": -1000, "high": 0},
                    "population": "p",
                    "sources": [{"authors": "A B", "title": "T", "venue": "V"}],
                    "applies_to": {"modes": ["vehicle_ramming"]},
                },
                {
                    "id": "absent-package",
                    "name": "Absent",
                    "statistic": {**paired, "package": "no-such-package"},
                    "published": {"low": 0},
                    "population": "p",
                    "sources": [{"authors": "A B", "title": "T", "venue": "V"}],
                    "applies_to": {"modes": ["vehicle_ramming"]},
                },
            ]
        }
    )
    result = calibrate([festival], file, replications=12, seed=3, progress=False)
    table = result.table.set_index("target")
    assert set(result.results["Harbour Festival"].packages) == {"baseline", "barriers"}
    assert table.loc["barriers-help", "interval"] == "paired t"
    assert table.loc["absent-package", "verdict"] == "not comparable"
    assert table.loc["absent-package", "reason"] == "package missing (no-such-package)"
    assert "absent-package" in result.text() and "2 comparisons" in result.text()
