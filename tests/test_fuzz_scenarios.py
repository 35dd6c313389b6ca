"""Property-based test (issue 17): a scenario file changed at random, in its numbers or its
structure, gives either a clean exit-2 message or a correct run with finite, sane outputs;
never a traceback, never a run longer than a bound.

Each example takes a bundled scenario, changes one thing (a number replaced by NaN, an
infinity, a negative, zero, a huge or a tiny value; a key deleted; a list item duplicated; a
value of another type), and calls ``vtsim validate`` and, when it validates, ``vtsim run -n 2``
through click's runner with ``catch_exceptions=False``: an uncaught exception fails the test.
``derandomize=True`` makes the examples the same on every run (CI is deterministic).
"""

from __future__ import annotations

import copy
import math
import shutil
import tempfile
from datetime import timedelta
from functools import cache
from pathlib import Path

import pandas as pd
import pytest
import yaml
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from vtsim.cli import main
from vtsim.resources import bundled_scenarios, scenarios_dir

NUMBERS = [
    float("nan"),
    float("inf"),
    float("-inf"),
    -1.0,
    -1000.0,
    0,
    0.0,
    1e12,
    1e-12,
]
"""What a number is replaced with."""

OTHER_TYPES = ["x", [], {}, None, True, [1, 2], {"dist": "normal"}]
"""What a value is replaced with when its type changes."""

COUNTS = ("casualties_total", "killed_outright", "t1", "t2", "t3", "deaths_total", "exposed")
"""Columns that count people: never NaN, never negative."""


@cache
def _scenarios() -> dict[str, dict]:
    return {
        path.stem: yaml.safe_load(path.read_text(encoding="utf-8")) for path in bundled_scenarios()
    }


def _places(node, path=()) -> list[tuple]:
    """Every place in plain data (a path of keys and indexes), depth first."""
    out = [path]
    if isinstance(node, dict):
        for key, value in node.items():
            out += _places(value, (*path, key))
    elif isinstance(node, list):
        for i, value in enumerate(node):
            out += _places(value, (*path, i))
    return out


def _get(data, path):
    for key in path:
        data = data[key]
    return data


def _is_number(value) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _mutate(data: dict, kind: str, pick: int, replacement) -> tuple[dict, str]:
    """One change to a copy of ``data``; returns it and a description for failures."""
    data = copy.deepcopy(data)
    places = [p for p in _places(data) if p]
    if kind == "number":
        candidates = [p for p in places if _is_number(_get(data, p))]
    elif kind == "delete":
        candidates = [p for p in places if isinstance(_get(data, p[:-1]), dict)]
    elif kind == "duplicate":
        candidates = [p for p in places if isinstance(_get(data, p), list) and _get(data, p)]
    else:  # "type"
        candidates = places
    if not candidates:
        return data, "no change"
    path = candidates[pick % len(candidates)]
    parent, key = _get(data, path[:-1]), path[-1]
    if kind == "number" or kind == "type":
        parent[key] = replacement
    elif kind == "delete":
        del parent[key]
    else:
        items = parent[key]
        items.append(copy.deepcopy(items[pick % len(items)]))
    return data, f"{kind} at {'.'.join(map(str, path))} ({replacement!r})"


def _check_run(folder: Path, what: str) -> None:
    table = pd.read_csv(folder / "replications.csv")
    assert len(table) > 0, what
    for column in COUNTS:
        if column in table:
            values = table[column]
            assert values.notna().all(), f"{what}: NaN in {column}"
            assert (values >= 0).all(), f"{what}: negative {column}"
            assert values.map(math.isfinite).all(), f"{what}: infinite {column}"


def _exercise(name: str, kind: str, pick: int, replacement) -> None:
    data, what = _mutate(_scenarios()[name], kind, pick, replacement)
    what = f"{name}: {what}"
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        if name == "coastal-city-grid":
            shutil.copytree(scenarios_dir() / "networks", folder / "networks")
        path = folder / f"{name}.yaml"
        path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
        runner = CliRunner()
        checked = runner.invoke(main, ["validate", str(path)], catch_exceptions=False)
        assert checked.exit_code in (0, 2), f"{what}: exit {checked.exit_code}\n{checked.output}"
        assert "Traceback" not in checked.output, what
        if checked.exit_code == 2:
            assert "Error" in checked.output and str(path) in checked.output, (
                f"{what}: {checked.output}"
            )
            return
        out = folder / "out"
        ran = runner.invoke(
            main,
            ["run", str(path), "-n", "2", "-o", str(out), "--no-figures", "--no-progress"],
            catch_exceptions=False,
        )
        assert ran.exit_code in (0, 2), f"{what}: exit {ran.exit_code}\n{ran.output}"
        assert "Traceback" not in ran.output, what
        if ran.exit_code == 0:
            _check_run(out, what)
        else:
            assert "Error" in ran.output, f"{what}: {ran.output}"


_NAMES = sorted(p.stem for p in bundled_scenarios())
_MUTATION = st.tuples(
    st.sampled_from(_NAMES),
    st.sampled_from(["number", "number", "number", "delete", "duplicate", "type"]),
    st.integers(min_value=0, max_value=10_000),
)


def _replacement(kind: str):
    return st.sampled_from(NUMBERS if kind == "number" else OTHER_TYPES)


_CASES = _MUTATION.flatmap(lambda m: st.tuples(st.just(m), _replacement(m[1])))


@pytest.mark.slow
@settings(
    max_examples=60,
    deadline=timedelta(seconds=20),
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.too_slow],
)
@given(_CASES)
def test_a_changed_scenario_validates_and_runs_or_exits_2(case):
    (name, kind, pick), replacement = case
    _exercise(name, kind, pick, replacement)


@settings(max_examples=15, deadline=timedelta(seconds=5), derandomize=True, database=None)
@given(
    st.tuples(
        st.sampled_from(_NAMES),
        st.integers(min_value=0, max_value=10_000),
        st.sampled_from(NUMBERS),
    )
)
def test_a_bad_number_never_gets_past_validate_as_a_traceback(case):
    """The fast subset: numbers only, ``validate`` only."""
    name, pick, replacement = case
    data, what = _mutate(_scenarios()[name], "number", pick, replacement)
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        if name == "coastal-city-grid":
            shutil.copytree(scenarios_dir() / "networks", folder / "networks")
        path = folder / f"{name}.yaml"
        path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
        result = CliRunner().invoke(main, ["validate", str(path)], catch_exceptions=False)
    assert result.exit_code in (0, 2), f"{name}: {what}\n{result.output}"
    assert "Traceback" not in result.output
