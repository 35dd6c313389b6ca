"""Fixtures of the infrastructure tests; builders live in infra_builders.py."""

from __future__ import annotations

import copy
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))  # infra_builders (importlib import mode)

from vtsim.scenario.loader import validate_data  # noqa: E402


@pytest.fixture
def build():
    """``build(data)``: validate plain scenario data (a deep copy) into a Scenario."""

    def _build(data: dict):
        return validate_data(copy.deepcopy(data), "<test>")

    return _build


@pytest.fixture(scope="session")
def coastal():
    import vtsim

    return vtsim.load_scenario("coastal-city-grid")
