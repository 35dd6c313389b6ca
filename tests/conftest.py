"""Shared fixtures: scenarios are loaded once; figures never open a window."""

from __future__ import annotations

import sys
from pathlib import Path

import matplotlib
import pytest

sys.path.insert(0, str(Path(__file__).parent))  # tests/helpers.py (importlib import mode)

matplotlib.use("Agg")

import vtsim  # noqa: E402
from vtsim.resources import scenarios_dir  # noqa: E402


@pytest.fixture(scope="session")
def festival():
    return vtsim.load_scenario("harbour-festival")


@pytest.fixture(scope="session")
def easi_scenario():
    return vtsim.load_scenario(scenarios_dir() / "validation" / "easi-soft-target-path.yaml")


@pytest.fixture(scope="session")
def chromium():
    """A headless Chromium (Debian's package, driven by Playwright); see tests/browser.py."""
    sync_api = pytest.importorskip("playwright.sync_api")
    from browser import launch

    with sync_api.sync_playwright() as playwright:
        browser = launch(playwright)
        yield browser
        browser.close()
