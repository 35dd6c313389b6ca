"""Fixtures of the planner's tests: scenarios loaded once."""

from __future__ import annotations

import matplotlib
import pytest

matplotlib.use("Agg")

import vtsim  # noqa: E402


@pytest.fixture(scope="session")
def festival_planner():
    return vtsim.load_scenario("harbour-festival")


@pytest.fixture(scope="session")
def worship():
    return vtsim.load_scenario("old-town-worship")
