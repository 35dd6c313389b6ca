"""The measure catalogue and the effect path language it relies on."""

from __future__ import annotations

import pytest
import yaml

import vtsim
from vtsim.errors import ScenarioError, VtsimError
from vtsim.resources import bundled_scenarios
from vtsim.scenario import paths
from vtsim.scenario.catalogue import load_catalogue, with_measures
from vtsim.scenario.schema import Effect, Measure
from vtsim.scenario.transforms import _targets, apply_measures


def _measure(path, op, value, id="m"):
    return Measure(
        id=id,
        name=id,
        phase="protect",
        pillar="operational",
        effects=[Effect(path=path, op=op, value=value)],
    )


def test_catalogue_spans_every_phase_and_pillar_with_costs_and_rationale():
    catalogue = load_catalogue()
    assert len(catalogue.measures) >= 25
    assert {m.phase.value for m in catalogue.measures} == {
        "prevent",
        "protect",
        "mitigate",
        "respond",
        "recover",
    }
    assert {m.pillar.value for m in catalogue.measures} == {
        "legislative",
        "institutional",
        "operational",
    }
    source_ids = {s.id for s in catalogue.sources}
    for m in catalogue.measures:
        assert m.cost.annualised() > 0, m.id
        cited = [s for s in source_ids if s in m.rationale]
        assert cited, f"{m.id}: rationale names no source nor 'illustrative'"


@pytest.mark.parametrize("path", bundled_scenarios(), ids=lambda p: p.stem)
def test_every_catalogue_measure_applies_to_every_bundled_scenario(path):
    scenario = vtsim.load_scenario(path)
    ids = [m.id for m in load_catalogue().measures]
    extended = with_measures(scenario, ids)
    for m in load_catalogue().measures:
        apply_measures(extended, [extended.measure(m.id)])


def test_every_catalogue_effect_path_matches_something_in_a_bundled_scenario():
    """A wildcard or a selection may match nothing in one scenario, but an effect whose
    path matches nothing in any bundled scenario changes nothing anywhere: a misspelt
    selection (``[role=polise]``) or a field the schema no longer has."""
    data = [vtsim.load_scenario(p).model_dump(mode="json") for p in bundled_scenarios()]

    def places(scenario, path):
        try:  # the private resolver of apply_effect: there is no public one
            return _targets(scenario, paths.split(path), path)
        except VtsimError:  # a named item missing here (the test above covers the errors)
            return []

    def with_group(path):
        """A rule for a group no bundled crowd declares (``groups[id=women]``, same-sex
        searching) applies where a crowd does: check the rest of its path on a copy of the
        first bundled site whose crowd has groups, given that group."""
        import copy
        import re

        wanted = re.search(r"groups\[id=([^\]]+)\]", path)
        if wanted is None:
            return []
        for scenario in data:
            for site in scenario.get("sites", []):
                if site.get("groups"):
                    changed = copy.deepcopy(scenario)
                    target = next(s for s in changed["sites"] if s["id"] == site["id"])
                    target["groups"] = [*site["groups"], {**site["groups"][0], "id": wanted[1]}]
                    return places(changed, path)
        return []

    dead = [
        f"{m.id}: {effect.path}"
        for m in load_catalogue().measures
        for effect in m.effects
        if not any(places(scenario, effect.path) for scenario in data)
        and not with_group(effect.path)
    ]
    assert not dead, "effect paths matching nothing in any bundled scenario: " + "; ".join(dead)


def test_wildcard_and_selection_change_exactly_the_matching_items(worship):
    changed = apply_measures(
        worship, [_measure("agencies[role=police].dispatch_delay_min", "scale", 0.5)]
    )
    for before, after in zip(worship.agencies, changed.agencies):
        factor = 0.5 if before.role.value == "police" else 1.0
        assert after.dispatch_delay_min.expected() == pytest.approx(
            before.dispatch_delay_min.expected() * factor
        )
    every = apply_measures(worship, [_measure("sites.*.zones.*.exits.*.flow_per_min", "scale", 2)])
    flows = [e.flow_per_min for z in every.sites[0].zones for e in z.exits]
    assert flows == [2 * e.flow_per_min for z in worship.sites[0].zones for e in z.exits]


def test_selection_matching_nothing_changes_nothing(festival_planner):
    same = apply_measures(
        festival_planner, [_measure("threats[mode=unmanned_aircraft].detectability", "scale", 3)]
    )
    assert same == festival_planner


def test_queue_selection_reaches_only_queue_zones(festival_planner):
    changed = apply_measures(
        festival_planner, [_measure("sites.*.zones[queue=*].queue.lanes", "add", 3)]
    )
    queue = next(z for z in changed.sites[0].zones if z.queue is not None)
    assert queue.queue.lanes == 7 + 3


def test_uses_pulls_catalogue_measures_at_load(worship):
    ids = {m.id for m in worship.measures}
    assert {"public-warning-app", "joint-command", "vehicle-barriers"} <= ids


def _write_scenario_with(tmp_path, catalogue_measures, uses):
    base = yaml.safe_load(open(vtsim.resources.resolve_scenario_path("old-town-worship")))
    base["uses"] = uses
    base["catalogue"] = "my-measures.yaml"
    base["packages"] = []
    base["measures"] = []
    (tmp_path / "my-measures.yaml").write_text(
        yaml.safe_dump({"name": "test catalogue", "measures": catalogue_measures})
    )
    path = tmp_path / "scenario.yaml"
    path.write_text(yaml.safe_dump(base))
    return path


def test_an_effect_path_missing_in_the_scenario_is_rejected_naming_both(tmp_path):
    bad = {
        "id": "lane-gates",
        "name": "Gates",
        "phase": "protect",
        "pillar": "operational",
        "effects": [{"path": "sites.*.zones.nave.occupancy", "op": "scale", "value": 0.5}],
    }
    path = _write_scenario_with(tmp_path, [bad], ["lane-gates"])
    with pytest.raises(ScenarioError) as err:
        vtsim.load_scenario(path)
    text = str(err.value)
    assert "lane-gates" in text and "Old Town Holiday Worship" in text and "nave" in text


def test_an_unknown_catalogue_id_is_rejected_with_the_known_ones(tmp_path):
    ok = {
        "id": "ok-measure",
        "name": "ok",
        "phase": "recover",
        "pillar": "institutional",
        "effects": [{"path": "sites.*.recovery.closure_days", "op": "scale", "value": 0.5}],
    }
    path = _write_scenario_with(tmp_path, [ok], ["no-such-measure"])
    with pytest.raises(ScenarioError, match=r"uses\[0\].*no-such-measure.*ok-measure"):
        vtsim.load_scenario(path)


def test_unknown_measure_in_compare_names_the_scenario(festival_planner):
    with pytest.raises(VtsimError, match="no-such.*Harbour Festival"):
        with_measures(festival_planner, ["no-such"])


def test_optional_sections_are_changed_only_where_a_scenario_has_them(festival_planner):
    kits = load_catalogue().get("bleeding-control-kits")
    drone = vtsim.load_scenario("transit-hub-drone")
    assert drone.medical is None
    assert apply_measures(drone, [kits]) == drone  # no medical section: nothing changes
    assert festival_planner.medical is not None
    changed = apply_measures(festival_planner, [kits])
    assert changed.medical.first_aid.p_receive == 0.45


def test_a_misspelt_field_after_an_optional_section_is_still_an_error(festival_planner):
    with pytest.raises(VtsimError, match="no field 'first_aide'"):
        apply_measures(festival_planner, [_measure("medical?.first_aide.p_receive", "set", 0.5)])
