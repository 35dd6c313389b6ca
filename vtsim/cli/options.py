"""Options shared by every command that simulates (same names, same meaning)."""

from __future__ import annotations

import click


def simulation_options(func):
    """``-n/--replications``, ``-s/--seed``, ``-j/--jobs`` and ``--progress``."""
    func = click.option(
        "--progress/--no-progress",
        default=None,
        help="Show a progress bar (default: when the terminal is interactive).",
    )(func)
    func = click.option(
        "-j",
        "--jobs",
        type=click.IntRange(min=0),
        default=1,
        show_default=True,
        help="Worker processes; 0 means one per CPU. Results do not depend on it.",
    )(func)
    func = click.option(
        "-s",
        "--seed",
        type=click.IntRange(min=0),
        default=None,
        help="Run seed (default: the scenario's run.seed).",
    )(func)
    func = click.option(
        "-n",
        "--replications",
        type=click.IntRange(min=1),
        default=None,
        help="Replications per package (default: the scenario's run.replications).",
    )(func)
    return func


def comparison_options(func):
    """``--attacks-per-year`` and ``--harm-metric``: how costs are set against harm avoided."""
    func = click.option(
        "--harm-metric",
        default="casualties_total",
        show_default=True,
        help="Outcome counted as harm for cost per harm avoided (e.g. preventable_deaths).",
    )(func)
    func = click.option(
        "--attacks-per-year",
        type=click.FloatRange(min=0, min_open=True),
        default=None,
        help="Attacks attempted per year, for the cost per harm avoided and the valued "
        "benefit (default: the scenario's valuation; scenarios/valuation.yaml has 1).",
    )(func)
    return valuation_option(func)


def valuation_option(func):
    """``--valuation FILE``: how outcomes are valued (default: the bundled one with the
    scenario's changes)."""
    return click.option(
        "--valuation",
        "valuation",
        type=click.Path(exists=True, dir_okay=False),
        default=None,
        help="A valuation file (default: scenarios/valuation.yaml with the scenario's changes).",
    )(func)
