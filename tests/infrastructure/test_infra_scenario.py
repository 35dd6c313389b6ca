"""Loading networks: CSV pairs next to the scenario, and clear errors for mistakes."""

from __future__ import annotations

import copy

import pytest
import yaml
from infra_builders import power_and_hospital, tiny_city

from vtsim.errors import ScenarioError
from vtsim.scenario.loader import load_scenario, validate_data


def _write(tmp_path, infra: dict, nodes: str | None = None, edges: str | None = None):
    if nodes is not None:
        (tmp_path / "nodes.csv").write_text(nodes)
        infra = {**infra, "network_files": {"nodes": "nodes.csv"}}
    if edges is not None:
        (tmp_path / "edges.csv").write_text(edges)
        infra["network_files"]["edges"] = "edges.csv"
    path = tmp_path / "city.yaml"
    path.write_text(yaml.safe_dump(tiny_city(infra), sort_keys=False))
    return path


NODES = (
    "id,sector,population_served,source,backup_hours,repair_hours,repair_hours_sd\n"
    "plant,power,0,true,,,\n"
    "sub-a,power,100,,,12,6\n"
    "hospital,health,1000,,24,,\n"
)
EDGES = "kind,from,to,backup_hours\nlink,plant,sub-a,\ndependency,sub-a,hospital,8\n"


def test_a_csv_pair_is_read_relative_to_the_scenario_file(tmp_path):
    path = _write(tmp_path, {"crews": [{"id": "crew"}]}, NODES, EDGES)
    infra = load_scenario(path).infrastructure
    assert [f.id for f in infra.facilities] == ["plant", "sub-a", "hospital"]
    assert infra.facility("sub-a").repair_hours.dist == "lognormal"
    assert infra.facility("plant").source
    assert infra.links[0].between == ["plant", "sub-a"]
    assert infra.dependencies[0].facility == "hospital"
    assert infra.dependencies[0].backup_hours == 8
    assert infra.network_files is None  # merged: nothing downstream reads files


def test_the_bundled_scenario_merges_its_csv_pair_with_inline_facilities(coastal):
    ids = [f.id for f in coastal.infrastructure.facilities]
    assert len(ids) == 22 and ids[-1] == "grid-control"


@pytest.mark.parametrize(
    ("nodes", "edges", "words"),
    [
        (NODES.replace("100,,,12", "lots,,,12"), EDGES, ["nodes.csv", "row 3", "number"]),
        (NODES.replace("sector", "sektor"), EDGES, ["nodes.csv", "unknown: sektor"]),
        (NODES, EDGES.replace("dependency,sub-a", "depends,sub-a"), ["edges.csv", "row 3", "kind"]),
        (
            NODES,
            EDGES.replace("link,plant,sub-a", "link,plant,sub-q"),
            ["edges.csv", "row 2", "sub-q"],
        ),
        (NODES, EDGES.replace("link,plant,sub-a", "link,plant,hospital"), ["row 2", "one sector"]),
    ],
)
def test_csv_mistakes_name_the_file_row_and_what_was_expected(tmp_path, nodes, edges, words):
    path = _write(tmp_path, {}, nodes, edges)
    with pytest.raises(ScenarioError) as caught:
        load_scenario(path)
    text = str(caught.value)
    for word in words:
        assert word in text


def test_a_missing_csv_file_is_named(tmp_path):
    path = _write(tmp_path, {}, NODES)
    (tmp_path / "nodes.csv").unlink()
    with pytest.raises(ScenarioError, match="nodes.csv"):
        load_scenario(path)


def _problems(data) -> str:
    with pytest.raises(ScenarioError) as caught:
        validate_data(copy.deepcopy(data), "<test>")
    return str(caught.value)


def test_cross_reference_mistakes_are_reported_with_their_path():
    infra = power_and_hospital()
    infra["links"].append({"between": ["sub-a", "hospital"]})
    infra["dependencies"].append({"facility": "hospital", "needs": ["nowhere"]})
    text = _problems(tiny_city(infra, threat={"facility": "sub-q"}))
    assert "a link stays within one sector" in text
    assert "nowhere" in text
    assert "threats" in text and "sub-q" in text


def test_a_cyber_intrusion_needs_a_facility():
    data = tiny_city(power_and_hospital(), threat={"mode": "cyber_intrusion", "facility": None})
    assert "facility" in _problems(data)
