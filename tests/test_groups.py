"""Population groups in a crowd (issue 19): per-group outcomes, evacuation order, queue
lane rules, disparity in compare. See docs/people.md ("Groups in the crowd")."""

from __future__ import annotations

import math

import pytest
from helpers import strict_search_measure
from pydantic import ValidationError

from vtsim import load_scenario, simulate
from vtsim.model.groups import GroupOutcomes, allocate, scenario_groups
from vtsim.model.world import columns_for, components_for
from vtsim.scenario.schema import Group, Package, Zone

GROUPS = ["adults", "children", "older", "reduced_mobility"]


@pytest.fixture(scope="module")
def festival():
    return load_scenario("harbour-festival")


def _without_groups(scenario):
    sites = [s.model_copy(update={"groups": None}) for s in scenario.sites]
    return scenario.model_copy(update={"sites": sites})


def _with_site_groups(scenario, groups):
    sites = [s.model_copy(update={"groups": groups}) for s in scenario.sites]
    return scenario.model_copy(update={"sites": sites})


def _same(a: dict, b: dict) -> bool:
    return a.keys() == b.keys() and all(
        (math.isnan(a[k]) and math.isnan(b[k])) or a[k] == b[k] for k in a
    )


def _scale_exits(scenario, factor):
    sites = []
    for site in scenario.sites:
        zones = [
            z.model_copy(
                update={
                    "exits": [
                        e.model_copy(update={"flow_per_min": e.flow_per_min * factor})
                        for e in z.exits
                    ]
                }
            )
            for z in site.zones
        ]
        sites.append(site.model_copy(update={"zones": zones}))
    return scenario.model_copy(update={"sites": sites})


def test_no_groups_no_group_columns(festival):
    plain = _without_groups(festival)
    assert GroupOutcomes not in components_for(plain)
    assert not [c.name for c in columns_for(plain) if "__" in c.name]
    for name in ("museum-siege", "metro-cbrn", "transit-hub-drone"):
        assert not scenario_groups(load_scenario(name))


def test_a_neutral_group_changes_no_total(festival):
    """One group holding everyone, with every factor 1: the same draws, the same totals
    (the group's own draws come from their own streams)."""
    plain = _without_groups(festival)
    one = _with_site_groups(plain, [Group(id="everyone", share=1.0)])
    for rep in range(12):
        a = simulate(plain, seed=11, replication=rep).metrics
        b = simulate(one, seed=11, replication=rep).metrics
        assert _same(a, {k: v for k, v in b.items() if k in a}), rep


def test_shares_must_sum_to_one():
    with pytest.raises(ValidationError, match="sum to 1"):
        Zone.model_validate(
            {
                "id": "z",
                "occupancy": {"dist": "fixed", "value": 100},
                "groups": [{"id": "a", "share": 0.5}, {"id": "b", "share": 0.3}],
            }
        )
    with pytest.raises(ValidationError, match="distinct group ids"):
        Zone.model_validate(
            {
                "id": "z",
                "occupancy": {"dist": "fixed", "value": 100},
                "groups": [{"id": "a", "share": 0.5}, {"id": "a", "share": 0.5}],
            }
        )


def test_own_lanes_leave_a_lane_for_the_others():
    queue = {
        "arrivals": [{"until_min": 60, "per_min": 10}],
        "lanes": 2,
        "service_s": {"dist": "fixed", "value": 10},
        "attack_at_min": {"dist": "fixed", "value": 30},
    }
    own = {"lane": "own", "lanes": 2}
    with pytest.raises(ValidationError, match="leave at least one"):
        Zone.model_validate(
            {
                "id": "q",
                "queue": queue,
                "groups": [
                    {"id": "a", "share": 0.5, "screening": own},
                    {"id": "b", "share": 0.5},
                ],
            }
        )


def test_allocate_adds_up():
    assert allocate(10, [0.74, 0.11, 0.10, 0.05]) == [7, 1, 1, 1]
    assert sum(allocate(6233, [0.74, 0.11, 0.10, 0.05])) == 6233
    assert allocate(0, [1, 1]) == [0, 0]


def test_per_group_casualties_and_deaths_add_up(festival):
    for rep in range(30):
        m = simulate(festival, seed=5, replication=rep).metrics
        for metric, total in (
            ("exposed", "exposed"),
            ("casualties_total", "casualties_total"),
            ("deaths_total", "deaths_total"),
        ):
            assert sum(m[f"{metric}__{g}"] for g in GROUPS) == m[total], (rep, metric)


@pytest.mark.slow
def test_reduced_mobility_leaves_last(festival):
    seen = 0
    for rep in range(30):
        m = simulate(festival, seed=5, replication=rep).metrics
        times = {g: m[f"min_to_evacuate__{g}"] for g in GROUPS}
        if any(math.isnan(t) for t in times.values()):
            continue
        seen += 1
        assert max(times, key=times.get) == "reduced_mobility", rep
        assert times["reduced_mobility"] > times["adults"]
        assert m["min_group_evacuation_gap"] == pytest.approx(
            times["reduced_mobility"] - times["adults"]
        )
    assert seen > 10


@pytest.mark.slow
def test_more_exit_capacity_narrows_the_gap(festival):
    wider = _scale_exits(festival, 1.25)
    gaps = []
    for rep in range(30):
        a = simulate(festival, seed=5, replication=rep).metrics["min_group_evacuation_gap"]
        b = simulate(wider, seed=5, replication=rep).metrics["min_group_evacuation_gap"]
        if not (math.isnan(a) or math.isnan(b)):
            assert b < a, rep  # paired: the same crowd, the same alert
            gaps.append(a - b)
    assert len(gaps) > 10


def test_deterministic(festival):
    for rep in range(5):
        a = simulate(festival, seed=9, replication=rep).metrics
        b = simulate(festival, seed=9, replication=rep).metrics
        assert _same(a, b)


def test_group_columns_listed(festival):
    from click.testing import CliRunner

    from vtsim.cli import main

    out = CliRunner().invoke(main, ["columns", "harbour-festival"])
    assert out.exit_code == 0, out.output
    for g in GROUPS:
        for metric in ("casualties_total", "min_to_evacuate", "queue_wait_min_mean"):
            assert f"{metric}__{g}" in out.output
    names = {c.name for c in columns_for(festival)}
    assert "min_group_evacuation_gap" in names


def test_own_lane_with_slower_search_burdens_that_group(festival):
    """A group-dependent lane rule: the queue effect per group is computed."""
    from vtsim.model.queue import summary
    from vtsim.model.streams import Streams

    site = festival.sites[0]
    zone = next(z for z in site.zones if z.queue is not None)
    groups = list(site.groups or [])
    strict = [
        g.model_copy(
            update={
                "screening": g.screening.model_copy(update={"lane": "own", "service_factor": 4.0})
            }
        )
        if g.id == "reduced_mobility"
        else g
        for g in groups
    ]
    plain = summary(zone.queue, Streams(1, 0), site.id, zone.id)
    day = summary(zone.queue, Streams(1, 0), site.id, zone.id, groups=groups)
    hard = summary(zone.queue, Streams(1, 0), site.id, zone.id, groups=strict)
    assert day.groups is not None and hard.groups is not None
    visitors = sum(g.visitors for g in day.groups.values())
    assert visitors == sum(g.visitors for g in hard.groups.values())
    assert plain.delay_min_total > 0
    wait = {k: g.delay_min_total / g.visitors for k, g in hard.groups.items()}
    assert wait["reduced_mobility"] > 2 * wait["adults"]


@pytest.mark.slow
def test_compare_flags_a_package_that_widens_the_disparity(festival):
    from vtsim.analysis.compare import compare

    measure = strict_search_measure()
    package = Package.model_validate({"id": "strict", "name": "Strict", "measures": [measure.id]})
    scenario = festival.model_copy(
        update={"measures": [*festival.measures, measure], "packages": [package]}
    )
    c = compare(scenario, packages=["strict"], replications=20, seed=3, progress=False)
    flagged = c.side_effects
    assert flagged["criterion"].eq("disparity_queue_burden").any()
    row = c.disparity_frame.set_index(["package", "measure"]).loc[("strict", "queue_burden")]
    assert row["worst_group"] == "reduced_mobility" and row["diff_lo"] > 0
    assert "WIDENS" in c.text()
    # the package that only adds exit capacity narrows the evacuation gap, not the queue
    wide = compare(
        festival, measures="exit-capacity-standard", replications=20, seed=3, progress=False
    )
    gap = wide.results.compare("min_group_evacuation_gap").iloc[0]
    assert gap["hi"] < 0


# ---------------------------------------------------------------- equal speeds, worship
def test_equally_fast_groups_leave_together():
    """Two groups of the same walking speed pass the exits interleaved: neither is last
    because of the order the scenario lists them in, and everyone is counted once."""
    from vtsim.model.groups import GroupSplit

    groups = [
        Group(id="women", share=0.48),
        Group(id="men", share=0.36),
        Group(id="children", share=0.10, walking_speed_factor=0.9),
        Group(id="reduced_mobility", share=0.06, walking_speed_factor=0.6),
    ]
    n = allocate(1100, [g.share for g in groups])
    split = GroupSplit(groups, n)
    assert split.class_n == [n[0] + n[1], n[2], n[3]]
    last = [split.last_position(k) for k in range(4)]
    assert last[0] == split.class_n[0] - 1 or last[1] == split.class_n[0] - 1
    assert abs(last[0] - last[1]) <= 2  # both at the end of the class, within a slot or two
    for m in range(split.class_n[0] + 1):
        a, b = split.passed_of(0, m), split.passed_of(1, m)
        assert a + b == m
        assert abs(a - m * n[0] / split.class_n[0]) <= 1  # evenly interleaved
    assert split.last_position(2) == n[2] - 1  # a class of its own


@pytest.fixture(scope="module")
def worship():
    return load_scenario("old-town-worship")


@pytest.mark.slow
def test_worship_declares_groups_from_cited_aggregates(worship):
    ids = [g.id for g in scenario_groups(worship)]
    assert ids == ["women", "men", "children", "reduced_mobility"]
    cited = {s.id for s in worship.sources}
    assert {"pew-2016", "eurostat-2023", "boyce-1999"} <= cited
    for rep in range(20):
        m = simulate(worship, seed=4, replication=rep).metrics
        assert sum(m[f"casualties_total__{g}"] for g in ids) == m["casualties_total"]
        if not math.isnan(m["min_to_evacuate__women"]):
            # equally fast: they leave together (interleaved), within a few seconds
            assert abs(m["min_to_evacuate__women"] - m["min_to_evacuate__men"]) < 0.1


@pytest.mark.slow
def test_worship_same_sex_searching_burdens_women_when_their_lane_is_one_of_three(worship):
    """The worship scenario's group-dependent lane rule (catalogue entrance-screening: women
    searched by a woman volunteer, in a lane of their own), computed: with one of two lanes
    women wait less than the others; with a third lane for everyone else, they wait far
    longer and bear the queue's residual risk, and compare flags the widened disparity."""
    from vtsim.analysis.compare import compare

    c = compare(
        worship,
        packages=["door-screening", "door-screening-3"],
        replications=40,
        seed=3,
        progress=False,
    )
    groups = c.group_frame
    wait = groups[groups["metric"] == "queue_wait_min_mean"].set_index(["package", "group"])
    two = wait.loc["door-screening"]
    three = wait.loc["door-screening-3"]
    assert two.loc["women", "value"] < two.loc["men", "value"]
    assert three.loc["women", "value"] > 2 * three.loc["men", "value"]
    assert three.loc["women", "diff_lo"] > three.loc["men", "diff_hi"]
    disparity = c.disparity_frame
    row = disparity[
        (disparity["package"] == "door-screening-3") & (disparity["measure"] == "queue_burden")
    ].iloc[0]
    assert row["worst_group"] == "women" and bool(row["worse"])
    assert any(
        "women aged 15 or over" in str(e.get("label", "")).lower()
        for e in c.side_effects.to_dict(orient="records")
    )


@pytest.mark.parametrize(
    "lang, expected", [("fr", "victimes parmi le groupe « Femmes de 15 ans ou plus »")]
)
def test_per_group_columns_read_in_the_reader_language(worship, lang, expected):
    from vtsim.exercise.text import metric_label

    label, unit = metric_label(worship.localised(lang), "casualties_total__women", lang)
    assert label == expected and unit == "people"
    arabic, _ = metric_label(worship.localised("ar"), "min_to_evacuate__men", "ar")
    assert "الرجال" in arabic and "__" not in arabic


# ---------------------------------------------------------------- a release, by group
@pytest.fixture(scope="module")
def metro():
    return load_scenario("metro-cbrn")


@pytest.mark.slow
def test_a_neutral_group_changes_no_release_total(metro):
    one = _with_site_groups(metro, [Group(id="everyone", share=1.0)])
    for rep in range(10):
        a = simulate(metro, seed=3, replication=rep).metrics
        b = simulate(one, seed=3, replication=rep).metrics
        assert _same(a, {k: v for k, v in b.items() if k in a}), rep


@pytest.mark.slow
def test_release_casualties_by_group_add_up_and_follow_exposure(metro):
    """A release's casualties are the people whose dose reached their tolerance: each in
    the group of their place in the exit order. A group more vulnerable (a lower dose
    harms them) or slower (it stays longer in the zone) has more casualties per person."""
    groups = [
        Group(id="adults", share=0.8),
        Group(id="older", share=0.15, vulnerability_factor=1.5),
        Group(id="reduced_mobility", share=0.05, walking_speed_factor=0.6),
    ]
    scenario = _with_site_groups(metro, groups)
    totals = {g.id: [0.0, 0.0] for g in groups}
    for rep in range(40):
        m = simulate(scenario, seed=3, replication=rep).metrics
        if math.isnan(m["casualties_total__adults"]):
            continue
        for metric in ("exposed", "casualties_total", "deaths_total"):
            assert sum(m[f"{metric}__{g.id}"] for g in groups) == m[metric], (rep, metric)
        for g in groups:
            totals[g.id][0] += m[f"casualties_total__{g.id}"]
            totals[g.id][1] += m[f"exposed__{g.id}"]
    rate = {k: harmed / people for k, (harmed, people) in totals.items()}
    assert rate["older"] > 1.3 * rate["adults"]
    assert rate["reduced_mobility"] > rate["adults"]
