"""Fixtures of the medical tests: the two scenarios with a medical section."""

from __future__ import annotations

import pytest

import vtsim


@pytest.fixture(scope="session")
def museum():
    return vtsim.load_scenario("museum-siege")


@pytest.fixture(scope="session")
def harbour():
    return vtsim.load_scenario("harbour-festival")
