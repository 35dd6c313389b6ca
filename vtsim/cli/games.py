"""``vtsim games``: the security game across a portfolio's targets, payoffs simulated."""

from __future__ import annotations

import click

from vtsim.cli.options import simulation_options


@click.command()
@click.argument("portfolio", default="portfolio")
@click.option(
    "--resources",
    type=click.IntRange(min=0),
    default=None,
    help="Units of the mobile resource, each covering one target at a time "
    "[default: the resource's count in the portfolio].",
)
@click.option(
    "--resource",
    "resource",
    default=None,
    help="Which of the portfolio's resources moves across the targets [default: the first].",
)
@click.option(
    "--measure",
    "measures",
    multiple=True,
    help="A candidate measure in place at every target, protected or not (repeatable).",
)
@simulation_options
@click.option(
    "--quantal",
    "lam",
    type=click.FloatRange(min=0),
    default=None,
    help="A boundedly rational attacker (quantal response) with this rationality LAMBDA, per "
    "unit of its gain (per EUR with valued harm: try 1e-7); default: a best response.",
)
@click.option(
    "--bootstrap",
    type=click.IntRange(min=0),
    default=200,
    show_default=True,
    help="Paired resamples of the replications for the intervals (0: none).",
)
def games(
    portfolio, resources, resource, measures, replications, seed, jobs, progress, lam, bootstrap
):
    """Where should PORTFOLIO's mobile resources be (default: the bundled portfolio.yaml)
    when the attacker sees where protection is and chooses the target? Each target's
    payoffs, protected and not, come from its simulation on common random numbers; prints the
    equilibrium coverage, the attacker's choice and each target's payoffs with intervals.
    """
    from vtsim.analysis.adversary import security_game

    game = security_game(
        portfolio,
        resources=resources,
        replications=replications,
        seed=seed,
        jobs=jobs,
        measures=measures,
        protection=resource,
        lam=lam,
        bootstrap=bootstrap,
        progress=progress,
    )
    click.echo(game.text())


COMMANDS = [games]
