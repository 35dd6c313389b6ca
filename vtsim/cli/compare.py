"""``vtsim compare``: packages against the baseline, paired on common random numbers."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from vtsim.cli.options import comparison_options, simulation_options


@click.command()
@click.argument("scenario")
@click.option(
    "-p",
    "--package",
    "packages",
    multiple=True,
    help="A package of the scenario to compare (repeatable) [default: all].",
)
@click.option(
    "-m",
    "--measures",
    default=None,
    help="Comma-separated measure ids forming one more package (the scenario's "
    "measures first, then the bundled catalogue).",
)
@simulation_options
@comparison_options
@click.option(
    "-o",
    "--output",
    type=click.Path(file_okay=False),
    default=None,
    help="Folder for results and figures (then `vtsim report FOLDER`).",
)
@click.option(
    "--format", "fmt", type=click.Choice(["table", "json"]), default="table", show_default=True
)
@click.option(
    "--figures/--no-figures",
    default=True,
    show_default=True,
    help="With -o, write the figures too.",
)
def compare(
    scenario,
    packages,
    measures,
    replications,
    seed,
    jobs,
    progress,
    attacks_per_year,
    harm_metric,
    output,
    fmt,
    figures,
):
    """Compare packages of SCENARIO with its baseline: per phase the paired difference with a
    95 % interval, the probability of being better, cost, burden on the public and cost per
    expected casualty avoided. Says when a difference is not distinguishable from zero and
    how many replications would be needed.

    \b
    Examples:
      vtsim compare harbour-festival -n 200
      vtsim compare harbour-festival -p screening -p barriers
      vtsim compare old-town-worship --measures public-warning-app,joint-command
    """
    from vtsim.analysis.compare import compare as run_compare

    comparison = run_compare(
        scenario,
        packages=list(packages) or None,
        measures=measures,
        replications=replications,
        seed=seed,
        jobs=jobs,
        attacks_per_year=attacks_per_year,
        harm_metric=harm_metric,
        progress=progress,
    )
    written = []
    if output:
        from vtsim.report.html import write_comparison

        written = write_comparison(comparison, Path(output), figures=figures, jobs=jobs)
    if fmt == "json":
        from vtsim.io import clean_for_json

        click.echo(
            json.dumps(
                clean_for_json(
                    {
                        "phases": comparison.frame.to_dict(orient="records"),
                        "packages": comparison.packages_frame.to_dict(orient="records"),
                    }
                ),
                indent=2,
                default=str,
            )
        )
    else:
        click.echo(comparison.text())
    if written:
        click.echo("Results: " + ", ".join(str(p) for p in written), err=fmt == "json")
    if not comparison.results.complete:
        click.echo("Interrupted: partial results.", err=True)
        sys.exit(130)


COMMANDS = [compare]
