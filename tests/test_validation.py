"""Bad input: one clear message naming the file, line, field path and what was expected."""

from __future__ import annotations

import json
import re
import textwrap

import pytest
from click.testing import CliRunner

import vtsim
from vtsim.cli import main
from vtsim.errors import ScenarioError
from vtsim.resources import bundled_scenarios, scenarios_dir

FESTIVAL = (scenarios_dir() / "harbour-festival.yaml").read_text(encoding="utf-8")


def _write(tmp_path, text, name="bad.yaml"):
    path = tmp_path / name
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


def _error(path) -> str:
    with pytest.raises(ScenarioError) as info:
        vtsim.load_scenario(path)
    return str(info.value)


def test_every_bundled_scenario_validates():
    assert bundled_scenarios(), "the scenario library is empty"
    for path in bundled_scenarios():
        vtsim.load_scenario(path)


def test_out_of_range_probability_names_file_line_and_path(tmp_path):
    path = _write(tmp_path, FESTIVAL.replace("p_detect: 0.25", "p_detect: 1.25"))
    message = _error(path)
    assert str(path) in message
    assert "sites[festival].layers[gate-check].p_detect" in message
    assert "less than or equal to 1" in message
    line = next(i for i, t in enumerate(path.read_text().splitlines(), 1) if "1.25" in t)
    assert f"line {line}" in message


def test_unknown_key_is_rejected_with_a_suggestion(tmp_path):
    path = _write(
        tmp_path, FESTIVAL.replace("    p_communication: 0.80", "    p_comunication: 0.80")
    )
    message = _error(path)
    assert "unknown key 'p_comunication'" in message
    assert "Did you mean 'p_communication'?" in message


def test_yaml_syntax_error_names_the_line(tmp_path):
    path = _write(tmp_path, "name: x\nsites: [\n  {id: a\nthreats: []\n")
    message = _error(path)
    assert "not valid YAML" in message
    assert "line " in message


def test_missing_field_and_wrong_type(tmp_path):
    text = re.sub(
        r"^name:\n(  .*\n)+",
        "",
        FESTIVAL.replace("    weight: 0.5\n", "    weight: lots\n"),
        count=1,
        flags=re.M,
    )
    message = _error(_write(tmp_path, text))
    assert "at name: is required but missing" in message
    assert "threats[armed-assault].weight" in message and "valid number" in message


def test_dangling_reference_names_the_known_ids(tmp_path):
    message = _error(
        _write(
            tmp_path,
            FESTIVAL.replace("zone: arena\n    weight: 0.5", "zone: stage\n    weight: 0.5"),
        )
    )
    assert "threats[armed-assault].zone" in message
    assert "queue, arena" in message and "'stage'" in message


def test_measure_with_a_path_that_does_not_exist_names_measure_and_path(tmp_path):
    text = FESTIVAL.replace(
        "sites.festival.layers.gate-check.p_detect", "sites.festival.layers.gate-chek.p_detect"
    )
    message = _error(_write(tmp_path, text))
    assert "measure 'entrance-screening'" in message
    assert "no item 'gate-chek'" in message
    assert "gate-check" in message  # the ids that do exist


def test_duplicate_yaml_keys_are_reported(tmp_path):
    text = FESTIVAL.replace("horizon_min: 240\n", "horizon_min: 240\nhorizon_min: 300\n")
    assert "given twice" in _error(_write(tmp_path, text))


def test_an_unknown_mode_is_rejected_naming_the_registered_ones(tmp_path):
    text = FESTIVAL.replace("mode: armed_assault", "mode: armed_asault", 1)
    message = _error(_write(tmp_path, text))
    assert "threats[" in message and "armed_asault" in message
    assert "armed_assault" in message and "cyber_intrusion" in message  # the known modes


def test_a_mode_cannot_carry_another_mode_s_fields(tmp_path):
    """The threats are a union keyed on mode: a field of another mode is an unknown key,
    reported at its own path with the fields this mode has."""
    text = FESTIVAL.replace("mode: armed_assault", "mode: armed_assault\n    flight_min: 3", 1)
    message = _error(_write(tmp_path, text))
    assert "flight_min: unknown key 'flight_min'" in message
    assert "active_duration_min" in message  # what an armed assault does accept


def test_every_mode_of_the_model_is_accepted_by_the_schema():
    from vtsim.scenario.threats import threat_schemas

    assert set(threat_schemas()) == {
        "armed_assault",
        "vehicle_ramming",
        "explosive_device",
        "unmanned_aircraft",
        "cbrn_release",
        "cyber_intrusion",
    }


def test_cli_validate_reports_errors_without_traceback_and_exits_2(tmp_path):
    bad = _write(tmp_path, FESTIVAL.replace("p_detect: 0.25", "p_detect: 2"))
    good = scenarios_dir() / "harbour-festival.yaml"
    result = CliRunner().invoke(main, ["validate", str(good), str(bad)])
    assert result.exit_code == 2
    assert "ok: " in result.output
    assert "Traceback" not in result.output
    assert "p_detect" in result.output


def test_cli_run_on_a_bad_file_exits_2_without_traceback(tmp_path):
    bad = _write(tmp_path, "name: [unclosed\n")
    result = CliRunner().invoke(main, ["run", str(bad), "-n", "2", "-o", str(tmp_path / "o")])
    assert result.exit_code == 2
    assert "Error:" in result.output and "Traceback" not in result.output
    assert not (tmp_path / "o").exists()


def test_cli_missing_file_and_unknown_package(tmp_path):
    runner = CliRunner()
    missing = runner.invoke(main, ["run", str(tmp_path / "nope.yaml")])
    assert missing.exit_code == 2 and "no such file" in missing.output
    unknown = runner.invoke(main, ["run", "-n", "2", "-p", "moat", "-o", str(tmp_path / "o")])
    assert unknown.exit_code == 2 and "Unknown package 'moat'" in unknown.output


def test_schema_command_prints_json_schema():
    result = CliRunner().invoke(main, ["schema"])
    assert result.exit_code == 0
    schema = json.loads(result.output)
    assert schema["additionalProperties"] is False
    assert {"sites", "threats"} <= set(schema["required"])


def test_unknown_key_in_other_files_suggests_from_their_own_schema(tmp_path):
    from vtsim.analysis.portfolio import load_portfolio

    text = (scenarios_dir() / "portfolio.yaml").read_text(encoding="utf-8")
    path = _write(tmp_path, text.replace("targets:", "targts:", 1), "portfolio.yaml")
    with pytest.raises(ScenarioError) as info:
        load_portfolio(path)
    message = str(info.value)
    assert "unknown key 'targts'" in message and "Did you mean 'targets'?" in message


def test_the_library_covers_every_threat_mode_and_target_kind():
    from vtsim.scenario.threats import threat_schemas

    modes, kinds = set(), set()
    for path in bundled_scenarios():
        scenario = vtsim.load_scenario(path)
        modes |= {t.mode for t in scenario.threats}
        kinds |= {site.kind.value for site in scenario.sites}
    assert modes == set(threat_schemas())
    assert {
        "tourist_venue",
        "public_event",
        "place_of_worship",
        "transport_hub",
        "infrastructure",
    } <= kinds
