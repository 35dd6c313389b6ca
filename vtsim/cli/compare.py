"""``vtsim compare``: packages against the baseline, paired on common random numbers."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from vtsim.cli.options import comparison_options, force_option, simulation_options


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
    multiple=True,
    help="Measure ids forming one more package, named by its measures: comma-separated "
    "ids make one package of them all; each -m is one package (-m a,b -m c: two). The "
    "scenario's measures first, then the bundled catalogue.",
)
@simulation_options
@comparison_options
@click.option(
    "--until-decided",
    is_flag=True,
    default=False,
    help="Add replications in rounds (-n the first, default 100; then half as many again "
    "each round) until every package's interval on every phase excludes zero or lies "
    "within the margin, each look at a stricter level than 95 % (docs/planner.md).",
)
@click.option(
    "--margin",
    "margins",
    multiple=True,
    metavar="[PHASE=]VALUE",
    help="With --until-decided: a difference smaller than this, in the headline's units "
    "(shares as fractions: 0.01 is one point), decides as no difference that matters; "
    "PHASE=VALUE for one phase (repeatable). [default: 5 % of the baseline's value, at "
    "least one point for shares]",
)
@click.option(
    "--max-replications",
    type=click.IntRange(min=10),
    default=None,
    help="With --until-decided: the most replications per package [default: 3200].",
)
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
@force_option
def compare(
    scenario,
    packages,
    measures,
    replications,
    seed,
    jobs,
    progress,
    valuation,
    attacks_per_year,
    harm_metric,
    until_decided,
    margins,
    max_replications,
    output,
    fmt,
    figures,
    force,
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
      vtsim compare harbour-festival -m entrance-screening -m vehicle-barriers
      vtsim compare harbour-festival --until-decided --max-replications 2000 -j 2
    """
    if output:  # checked and made before anything is simulated
        from vtsim.report.output import prepare_output

        prepare_output(output, force=force)
    groups = [m.split(",") for m in measures] or None  # one package per -m
    options = dict(
        packages=list(packages) or None,
        measures=groups,
        seed=seed,
        jobs=jobs,
        attacks_per_year=attacks_per_year,
        harm_metric=harm_metric,
        progress=progress,
        valuation=valuation,
    )
    if until_decided:
        from vtsim.analysis.sequential import DEFAULT_FIRST, DEFAULT_MAX, compare_until_decided

        comparison = compare_until_decided(
            scenario,
            margin=_margin_option(margins),
            first=replications or DEFAULT_FIRST,
            max_replications=max_replications or DEFAULT_MAX,
            **options,
        )
    else:
        if margins or max_replications is not None:
            raise click.UsageError("--margin and --max-replications go with --until-decided.")
        from vtsim.analysis.compare import compare as run_compare

        comparison = run_compare(scenario, replications=replications, **options)
    stopping = getattr(comparison, "until_decided", None)
    written = []
    if output:
        from vtsim.report.html import write_comparison
        from vtsim.report.output import staged_output

        with staged_output(output) as stage:  # the folder changes only once all is written
            if stopping is not None:  # before write_comparison: its manifest comes last
                from vtsim.io import write_json

                write_json(stage / "until_decided.json", stopping.as_dict())
            written = write_comparison(comparison, stage, figures=figures, jobs=jobs)
            if stopping is not None:
                written.append(stage / "until_decided.json")
        written = [Path(output) / p.name for p in written]
    if fmt == "json":
        from vtsim.io import clean_for_json

        payload = comparison.to_dict()  # phases, packages, criteria, by threat, side effects
        if stopping is not None:
            payload["until_decided"] = clean_for_json(stopping.as_dict())
        click.echo(json.dumps(payload, indent=2, default=str))
    else:
        click.echo(comparison.text())
        if stopping is not None:
            click.echo(stopping.text())
    if written:
        click.echo("Results: " + ", ".join(str(p) for p in written), err=fmt == "json")
    if not comparison.results.complete:
        click.echo("Interrupted: partial results.", err=True)
        sys.exit(130)


def _margin_option(values: tuple[str, ...]) -> float | dict[str, float] | None:
    """``--margin`` values: ``VALUE`` for every phase not named, ``PHASE=VALUE`` for one."""
    from vtsim.analysis.scorecard import PHASES

    if not values:
        return None
    every: float | None = None
    phases: dict[str, float] = {}
    for value in values:
        phase, _, number = value.rpartition("=")
        try:
            margin = float(number)
        except ValueError:
            raise click.BadParameter(
                f"'{value}': expected VALUE or PHASE=VALUE (e.g. 0.5, mitigate=0.5).",
                param_hint="--margin",
            ) from None
        if phase:
            phases[phase] = margin
        else:
            every = margin
    if not phases:
        return every
    if every is not None:
        phases = {**dict.fromkeys(PHASES, every), **phases}
    return phases


COMMANDS = [compare]
