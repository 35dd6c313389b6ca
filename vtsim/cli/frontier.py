"""``vtsim frontier``: the cost-effectiveness frontier over combinations of measures."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from vtsim.cli.options import force_option, simulation_options, valuation_option


@click.command()
@click.argument("scenario", default="harbour-festival")
@click.option(
    "-m",
    "--measure",
    "measures",
    multiple=True,
    help="A measure to combine (repeatable; ids of the scenario, then the catalogue) "
    "[default: every measure of the scenario].",
)
@click.option(
    "--method",
    type=click.Choice(["auto", "exact", "greedy"]),
    default="auto",
    show_default=True,
    help="exact: every subset; greedy: add the best measure per extra cost, step by step; "
    "auto: exact up to --exact-limit measures.",
)
@click.option("--exact-limit", type=click.IntRange(min=1, max=12), default=6, show_default=True)
@valuation_option
@simulation_options
@click.option("-o", "--output", type=click.Path(file_okay=False), default=None)
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table")
@click.option("--figures/--no-figures", default=True, show_default=True)
@force_option
def frontier(
    scenario,
    measures,
    method,
    exact_limit,
    valuation,
    replications,
    seed,
    jobs,
    progress,
    output,
    fmt,
    figures,
    force,
):
    """Evaluate combinations of SCENARIO's measures on common random numbers and mark the
    cost-effectiveness frontier: yearly cost against yearly benefit (harm, loss and burden
    avoided, valued; `scenarios/valuation.yaml`).

    \b
    Examples:
      vtsim frontier harbour-festival -n 100
      vtsim frontier harbour-festival -m entrance-screening -m vehicle-barriers -m joint-command
    """
    from vtsim.analysis.frontier import frontier as run_frontier
    from vtsim.io import clean_for_json
    from vtsim.report.output import prepare_output, staged_output

    files = ("frontier.csv", "frontier.json", "frontier.png")
    if output:  # checked and made before anything is simulated
        prepare_output(output, files, force=force)
    result = run_frontier(
        scenario,
        measures=list(measures) or None,
        replications=replications,
        seed=seed,
        jobs=jobs,
        method=method,
        exact_limit=exact_limit,
        progress=progress,
        valuation=valuation,
    )
    written = []
    if output:
        with staged_output(output, files) as folder:
            written = _write(result, folder, figures)
        written = [Path(output) / p.name for p in written]
    if fmt == "json":
        payload = clean_for_json({"method": result.method, "rows": result.frame.to_dict("records")})
        click.echo(json.dumps(payload, indent=2, default=str))
    else:
        click.echo(result.text())
    if written:
        click.echo("Results: " + ", ".join(str(p) for p in written), err=fmt == "json")
    if not all(c.results.complete for c in result.comparisons):
        click.echo("Interrupted: partial results.", err=True)
        sys.exit(130)


def _write(result, folder: Path, figures: bool) -> list[Path]:
    from vtsim.io import atomic_path, clean_for_json, write_json

    written = []
    csv = folder / "frontier.csv"
    with atomic_path(csv) as tmp:
        result.frame.to_csv(tmp, index=False)
    written.append(csv)
    write_json(
        folder / "frontier.json",
        clean_for_json({"method": result.method, "rows": result.frame.to_dict("records")}),
    )
    written.append(folder / "frontier.json")
    if figures:
        from vtsim.report.figures import save
        from vtsim.report.frontier_figures import plot_frontier

        save(plot_frontier(result), folder / "frontier.png")
        written.append(folder / "frontier.png")
    return written


COMMANDS = [frontier]
