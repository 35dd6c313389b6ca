"""Every column of a table is declared once, by the component that produces it.

The declared columns (name, unit, meaning) are what `vtsim columns` prints and what an
interdicted replication's row is built from; a component whose metrics drift from its
declaration would give rows with other keys, so every replication of every bundled
scenario is checked against the declaration, interdicted ones included.
"""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from vtsim.cli import main
from vtsim.model.world import columns_for, simulate
from vtsim.resources import bundled_scenarios
from vtsim.scenario.loader import load_scenario


@pytest.mark.parametrize("path", bundled_scenarios(), ids=lambda p: p.stem)
def test_every_row_has_exactly_the_declared_columns_in_order(path):
    scenario = load_scenario(path)
    declared = [c.name for c in columns_for(scenario)]
    assert len(declared) == len(set(declared))
    assert all(c.unit is not None and c.meaning for c in columns_for(scenario))
    reached = 0
    for replication in range(40):  # interdicted plots among them where prevention exists
        outcome = simulate(scenario, 5, replication)
        assert list(outcome.metrics) == declared
        reached += outcome.ended_by != "interdicted"
    assert reached > 0


def test_a_mode_s_columns_appear_only_where_the_scenario_has_the_mode():
    festival = [c.name for c in columns_for(load_scenario("harbour-festival"))]
    hub = [c.name for c in columns_for(load_scenario("transit-hub-drone"))]
    assert "drone_detected" in hub and "drone_detected" not in festival
    assert not any(name.startswith(("cbrn_", "decon_")) for name in festival)


def test_cli_columns_lists_names_units_and_meanings():
    result = CliRunner().invoke(main, ["columns", "museum-siege"])
    assert result.exit_code == 0
    line = next(x for x in result.output.splitlines() if x.startswith("preventable_deaths"))
    assert "people" in line and "alive when the attack ended" in line
    bad = CliRunner().invoke(main, ["columns", "no-such-scenario"])
    assert bad.exit_code == 2 and "Traceback" not in bad.output
