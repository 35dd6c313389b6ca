"""Numbers the schema must refuse (issue 17): each case exits 2 with one message naming the
file and the field path, at `vtsim validate` already, never a traceback at run time."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

from vtsim.cli import main
from vtsim.resources import scenarios_dir


def _scenario(name: str) -> dict:
    return yaml.safe_load((scenarios_dir() / f"{name}.yaml").read_text(encoding="utf-8"))


def _by_id(items: list, item_id: str) -> dict:
    return next(item for item in items if item.get("id") == item_id)


def _validate(tmp_path: Path, data: dict, name: str = "bad.yaml") -> str:
    if (data.get("infrastructure") or {}).get("network_files"):
        shutil.copytree(scenarios_dir() / "networks", tmp_path / "networks", dirs_exist_ok=True)
    path = tmp_path / name
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    result = CliRunner().invoke(main, ["validate", str(path)], catch_exceptions=False)
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output
    assert str(path) in result.output
    return result.output


def _festival_threat(data: dict, threat_id: str = "armed-assault") -> dict:
    return _by_id(data["threats"], threat_id)


def _arena(data: dict) -> dict:
    return _by_id(_by_id(data["sites"], "festival")["zones"], "arena")


@pytest.mark.parametrize(
    ("change", "path", "expected"),
    [
        (lambda d: _festival_threat(d).update(task_min=-5), "threats[armed-assault].task_min", "0"),
        (
            lambda d: _festival_threat(d).update(planning_window_days=float("nan")),
            "threats[armed-assault].planning_window_days",
            "finite",
        ),
        (
            lambda d: _festival_threat(d).update(weight=float("inf")),
            "threats[armed-assault].weight",
            "finite",
        ),
        (lambda d: _arena(d).update(occupancy=float("nan")), "zones[arena].occupancy", "finite"),
        (lambda d: _arena(d).update(occupancy=float("inf")), "zones[arena].occupancy", "finite"),
        (lambda d: _arena(d).update(occupancy=-100), "zones[arena].occupancy", "0"),
        (
            lambda d: _arena(d).update(occupancy=1e9),
            "zones[arena].occupancy",
            "at most 1,000,000 people",
        ),
        (
            lambda d: _by_id(d["agencies"], "police-dispatch").update(speed_kmh=0),
            "agencies[police-dispatch].speed_kmh",
            "above 0",
        ),
        (
            lambda d: _by_id(d["agencies"], "police-dispatch").update(speed_kmh=-30),
            "agencies[police-dispatch].speed_kmh",
            "0",
        ),
        (
            lambda d: _by_id(d["agencies"], "police-dispatch")["bases"][0].update(units=1e9),
            "agencies[police-dispatch].bases[festival-post].units",
            "at most 1,000 units",
        ),
        (
            lambda d: _by_id(d["measures"], "entrance-screening")["cost"].update(
                one_off=float("inf")
            ),
            "measures[entrance-screening].cost.one_off",
            "finite",
        ),
        (
            lambda d: _by_id(_by_id(d["sites"], "festival")["zones"], "queue")["queue"]["arrivals"][
                0
            ].update(per_min=1e7),
            "queue.arrivals[0].per_min",
            "at most 10,000 arrivals a minute",
        ),
        (
            lambda d: _festival_threat(d, "vehicle-ramming")["drive"].update(speed_kmh=0),
            "threats[vehicle-ramming].drive.speed_kmh",
            "above 0",
        ),
    ],
    ids=[
        "negative-task_min",
        "nan-planning-window",
        "inf-weight",
        "nan-occupancy",
        "inf-occupancy",
        "negative-occupancy",
        "huge-occupancy",
        "zero-speed",
        "negative-speed",
        "huge-units",
        "inf-one-off-cost",
        "huge-queue-rate",
        "zero-vehicle-speed",
    ],
)
def test_festival_numbers_out_of_range_exit_2_naming_the_field(tmp_path, change, path, expected):
    data = _scenario("harbour-festival")
    change(data)
    output = _validate(tmp_path, data)
    assert path in output
    assert expected in output


def test_a_tiny_curve_step_is_refused_with_the_reason(tmp_path):
    data = _scenario("coastal-city-grid")
    data["infrastructure"]["curve_step_hours"] = 1e-6
    output = _validate(tmp_path, data)
    assert "infrastructure.curve_step_hours" in output
    assert "at least 0.1 hours" in output


@pytest.mark.parametrize("factor", [0, -1])
def test_a_measure_scaling_a_lognormal_to_nothing_names_measure_and_path(tmp_path, factor):
    data = _scenario("harbour-festival")
    data["measures"].append(
        {
            "id": "shrink-window",
            "name": "Shrink the planning window",
            "phase": "prevent",
            "pillar": "operational",
            "effects": [
                {
                    "path": "threats.armed-assault.planning_window_days",
                    "op": "scale",
                    "value": factor,
                }
            ],
        }
    )
    output = _validate(tmp_path, data)
    assert "measures[shrink-window].effects" in output
    assert "measure 'shrink-window'" in output
    assert "path 'threats.armed-assault.planning_window_days'" in output
    assert "lognormal" in output and "mean" in output


def test_a_measure_appending_an_unknown_facility_is_refused_at_validate(tmp_path):
    data = _scenario("coastal-city-grid")
    facility = data["infrastructure"]["facilities"][0]
    data["measures"].append(
        {
            "id": "remote-control",
            "name": "Remote control",
            "phase": "recover",
            "pillar": "operational",
            "effects": [
                {
                    "path": f"infrastructure.facilities.{facility['id']}.controls",
                    "op": "append",
                    "value": "no-such-plant",
                }
            ],
        }
    )
    output = _validate(tmp_path, data)
    assert "measures[remote-control].effects" in output
    assert "'no-such-plant'" in output and "expected the id of a facility" in output


def test_a_measure_scaling_by_nan_is_refused(tmp_path):
    data = _scenario("harbour-festival")
    data["measures"][0]["effects"][0] = {
        "path": "threats.armed-assault.task_min",
        "op": "scale",
        "value": float("nan"),
    }
    output = _validate(tmp_path, data)
    assert "finite number" in output


def test_with_changes_and_apply_measures_give_clean_errors():
    import vtsim
    from vtsim.errors import ScenarioError, VtsimError
    from vtsim.scenario.schema import Measure
    from vtsim.scenario.transforms import apply_measures

    festival = vtsim.load_scenario("harbour-festival")
    with pytest.raises(ScenarioError, match="occupancy"):
        festival.with_changes({"sites.festival.zones.arena.occupancy": float("inf")})
    measure = Measure.model_validate(
        {
            "id": "m",
            "name": "m",
            "phase": "protect",
            "pillar": "operational",
            "effects": [{"path": "sites.*.layers.*.delay_min", "op": "add", "value": -1000}],
        }
    )
    with pytest.raises(VtsimError, match="measure 'm' effect 1, path 'sites.*.layers.*.delay_min'"):
        apply_measures(festival, [measure])
