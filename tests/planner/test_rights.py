"""Measures' burdens and rights as data (issue 19): the catalogue's declarations and
sources, the disparity constraint of a portfolio, the roadmap's text, and who bears each
decision option's burden in the exercise console and the Facilitator Guide."""

from __future__ import annotations

from types import SimpleNamespace

import pandas as pd
import pytest
import yaml
from pydantic import ValidationError

import vtsim
from vtsim.analysis.portfolio import Constraint, Portfolio, PortfolioModel
from vtsim.analysis.roadmap import Roadmap, _step
from vtsim.errors import ScenarioError
from vtsim.scenario.catalogue import load_catalogue
from vtsim.scenario.measures import Measure, own_lanes

ENGAGED = {  # measures that must say which rights they engage
    "entrance-screening",
    "behaviour-detection-training",
    "cctv-control-room",
    "vehicle-barriers",
    "evacuation-lockdown-drills",
    "suspicious-activity-reporting",
}


def _measure(**extra) -> dict:
    return {
        "id": "m",
        "name": "A measure",
        "phase": "protect",
        "pillar": "operational",
        "rationale": "illustrative",
        "effects": [{"path": "sites.*.p_communication", "op": "set", "value": 0.9}],
        **extra,
    }


def _catalogue_file(tmp_path, measure: dict, sources=("illustrative",)):
    path = tmp_path / "measures.yaml"
    data = {"sources": [{"id": s, "text": s} for s in sources], "measures": [measure]}
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    return path


# -- the catalogue ----------------------------------------------------------------------------


def test_the_catalogues_rights_cite_its_sources():
    catalogue = load_catalogue()
    known = {s.id for s in catalogue.sources}
    declared = {m.id for m in catalogue.measures if m.rights}
    assert ENGAGED <= declared
    for m in catalogue.measures:
        for r in m.rights:
            assert r.source in known, (m.id, r.source)
            assert r.concern.strip(), m.id
    cited = {r.source for m in catalogue.measures for r in m.rights}
    assert {"ohchr-fs32", "srct-profiling-2007", "ctitf-stop-search-2014"} <= cited


def test_same_sex_searching_is_declared_as_data_for_the_model():
    screening = load_catalogue().get("entrance-screening")
    assert own_lanes([screening]) == {"women": "own"}
    paths = {e.path: e.value for e in screening.effects}
    assert paths["sites.*.groups[id=women].screening.lane"] == "own"
    assert {b.how for b in screening.burden_on} >= {"time", "search"}


def test_a_measure_with_burden_on_and_rights_validates():
    m = Measure.model_validate(
        _measure(
            burden_on=[
                {"group": "reduced_mobility", "how": "movement", "note": "detours"},
                {"group": "women", "how": "search", "lane": "own"},
            ],
            rights=[{"right": "privacy", "concern": "searches", "source": "illustrative"}],
        )
    )
    assert [b.group for b in m.burden_on] == ["reduced_mobility", "women"]
    assert m.rights[0].right.value == "privacy"
    assert Measure.model_validate(_measure()).burden_on == []  # both optional


def test_a_bad_how_is_refused_with_its_field_path(tmp_path):
    bad = _measure(burden_on=[{"group": "all", "how": "stare"}])
    with pytest.raises(ScenarioError) as info:
        load_catalogue(_catalogue_file(tmp_path, bad))
    text = str(info.value)
    assert "measures[m].burden_on[0].how" in text
    assert "search" in text  # the words allowed


def test_a_lane_is_only_for_searches():
    with pytest.raises(ValidationError, match="how: search"):
        Measure.model_validate(_measure(burden_on=[{"group": "all", "how": "time", "lane": "own"}]))


def test_a_concern_citing_an_unknown_source_is_refused(tmp_path):
    bad = _measure(rights=[{"right": "privacy", "concern": "filming", "source": "nowhere"}])
    with pytest.raises(ScenarioError) as info:
        load_catalogue(_catalogue_file(tmp_path, bad))
    assert "measures[m].rights[0].source" in str(info.value)
    assert "nowhere" in str(info.value)


# -- the portfolio and the roadmap -----------------------------------------------------------


def test_the_disparity_constraint_validates():
    c = Constraint.model_validate({"criterion": "disparity", "max_ratio": 1.5})
    assert c.outcome == "harm" and "1.5" in c.describe()
    queue = Constraint.model_validate(
        {"criterion": "disparity", "max_ratio": 2, "of": "queue_burden"}
    )
    assert "queueing per visitor" in queue.describe()
    with pytest.raises(ValidationError):  # not a disparity measure
        Constraint.model_validate({"criterion": "disparity", "max_ratio": 2, "of": "deaths"})
    with pytest.raises(ValidationError):
        Constraint.model_validate({"criterion": "disparity", "max_increase": 2})
    with pytest.raises(ValidationError):
        Constraint.model_validate({"criterion": "queueing", "max_ratio": 1.5})
    with pytest.raises(ValidationError):  # a ratio below 1 cannot be met by anyone
        Constraint.model_validate({"criterion": "disparity", "max_ratio": 0.5})


@pytest.fixture(scope="module")
def museum_model():
    portfolio = Portfolio.model_validate(
        {
            "name": "Rights test",
            "budget": 500000,
            "targets": [{"scenario": "museum-siege", "name": "Museum"}],
            "candidates": ["cctv-control-room", "joint-command"],
            "constraints": [{"criterion": "disparity", "max_ratio": 1.5}],
        }
    )
    return PortfolioModel(portfolio, [vtsim.load_scenario("museum-siege")], progress=False)


def _frame(columns: dict[str, list[float]]) -> pd.DataFrame:
    return pd.DataFrame({"package": ["baseline", "set-0"], "replication": [0, 0], **columns})


def test_disparity_without_groups_is_reported_as_not_evaluable(museum_model):
    model = museum_model
    s = frozenset({"cctv-control-room"})
    frame = _frame({"casualties_total": [3.0, 2.0]})  # totals only: no groups
    target = model.portfolio.targets[0]
    model._check(target, frame, None, [s], {s: "set-0"}, {s: ["cctv-control-room"]})
    assert model.allowed([s]) == [True]
    text = Roadmap(model, 500000, [], "greedy").text()
    assert "disparity of casualties per person exposed" in text
    assert "Cannot be evaluated at Museum" in text


def test_a_set_that_widens_the_disparity_breaks_the_constraint(museum_model):
    model = museum_model
    wide, fair = frozenset({"joint-command"}), frozenset({"cctv-control-room"})
    target = model.portfolio.targets[0]
    # 10 people of group a, 90 of group b: casualties per person exposed
    exposed = {"exposed__a": [10, 10], "exposed__b": [90, 90]}
    for s, hurt in ((wide, [4, 9]), (fair, [1, 9])):  # baseline a 2, b 18: both 0.2
        frame = _frame(
            {**exposed, "casualties_total__a": [2, hurt[0]], "casualties_total__b": [18, hurt[1]]}
        )
        model._check(target, frame, None, [s], {s: "set-0"}, {s: sorted(s)})
    # wide: a 0.4 against everyone 0.13 (ratio 3); fair: a 0.1, b 0.1 (ratio 1)
    assert model.allowed([wide, fair]) == [False, True]
    assert "worst off: a" in model.violations[wide][0]


def test_the_roadmap_lists_the_rights_each_chosen_measure_engages(museum_model):
    model = museum_model
    step = _step(model, 1, "cctv-control-room", 10.0, 10.0, frozenset({"cctv-control-room"}))
    plan = Roadmap(model, 500000, [step], "greedy")
    text = plan.text()
    assert "rights engaged: privacy [ctitf-security-infrastructure-2014]" in text
    assert "freedom of assembly" in text
    assert "legal judgement" in text
    assert plan.frame.loc[0, "rights"] == "privacy; freedom_of_assembly"


# -- the exercise ------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def festival_with_rights():
    """The harbour festival, the measure of its first decision option given the catalogue's
    entrance screening's burdens and rights."""
    scenario = vtsim.load_scenario("harbour-festival")
    point = next(p for p in scenario.exercise.decisions if any(o.measures for o in p.options))
    option = next(o for o in point.options if o.measures)
    screening = load_catalogue().get("entrance-screening")
    update = {"burden_on": screening.burden_on, "rights": screening.rights}
    measures = [
        m.model_copy(update=update) if m.id == option.measures[0] else m for m in scenario.measures
    ]
    return scenario.model_copy(update={"measures": measures}), point, option


@pytest.mark.parametrize(
    "lang, words",
    [
        ("en", ["Who bears it", "women (searches in lanes of their own)", "non-discrimination"]),
        ("fr", ["Qui en supporte la charge", "les femmes", "vie privée"]),
        ("ar", ["من يتحمّل العبء", "النساء", "الخصوصية"]),
    ],
)
def test_the_console_shows_who_bears_an_options_burden(festival_with_rights, lang, words):
    from vtsim.exercise.console import Console

    scenario, point, option = festival_with_rights
    console = Console(SimpleNamespace(scenario=scenario.localised(lang)), lang, False)
    (line,) = console.option_people(point, option)
    for word in words:
        assert word in line
    others = [o for o in point.options if not o.measures and not o.effects]
    for other in others:  # an option that does nothing declares nothing
        assert console.option_people(point, other) == []


def test_the_facilitator_guide_shows_burdens_and_rights(festival_with_rights):
    from vtsim.exercise.handouts import context
    from vtsim.exercise.text import render

    scenario, point, option = festival_with_rights
    values = context(scenario, "en")
    burden, rights = values["option_people"][f"{point.id}/{option.id}"]
    assert burden.startswith("Who bears it: everyone (waiting, searches)")
    assert "freedom of religion or belief" in rights
    html = render("facilitator_guide.html.j2", "en", **values)
    assert "Rights engaged: privacy" in html
    assert "legal judgement the simulation does not make" in html


@pytest.mark.slow
def test_same_sex_searching_from_the_catalogue_lengthens_womens_queue():
    """The catalogue's rule, applied to a crowd with a `women` group sharing the lanes, gives
    women lanes of their own (2 of 7 for 37 % of the visitors): their wait is computed per
    group, and here it is longer than the others'."""
    from vtsim.analysis.runner import run
    from vtsim.scenario.catalogue import placed
    from vtsim.scenario.loader import validate_data

    data = vtsim.load_scenario("harbour-festival").model_dump(mode="json")
    data["measures"] = [m for m in data["measures"] if m["id"] != "entrance-screening"]
    data["packages"] = [p for p in data["packages"] if "entrance-screening" not in p["measures"]]
    for site in data["sites"]:
        if site.get("groups"):
            others = [g for g in site["groups"] if g["id"] != "adults"]
            women = {"id": "women", "name": "Women", "share": 0.37, "screening": {"lanes": 2}}
            site["groups"] = [women, {"id": "men", "name": "Men", "share": 0.37}, *others]
    screening = load_catalogue().get("entrance-screening")
    data["measures"].append(placed(screening, data).model_dump(mode="json"))
    data["packages"].append({"id": "screen", "measures": ["entrance-screening"]})
    scenario = validate_data(data, "same-sex test")
    frame = run(scenario, replications=10, seed=1, packages=["baseline", "screen"]).frame
    wait = frame.groupby("package")[["queue_wait_min_mean__women", "queue_wait_min_mean__men"]]
    means = wait.mean()
    baseline, screen = means.loc["baseline"], means.loc["screen"]
    assert baseline["queue_wait_min_mean__women"] == pytest.approx(
        baseline["queue_wait_min_mean__men"], rel=0.1
    )
    assert screen["queue_wait_min_mean__women"] > 1.5 * screen["queue_wait_min_mean__men"]
