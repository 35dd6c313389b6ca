"""``vtsim run``: the baseline and every package of a scenario, a scorecard, files."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from vtsim.cli.options import dask_options, dask_security, force_option, simulation_options
from vtsim.resources import DEFAULT_SCENARIO


@click.command()
@click.argument("scenario", required=False, default=DEFAULT_SCENARIO)
@simulation_options
@click.option(
    "-o",
    "--output",
    type=click.Path(file_okay=False),
    default=None,
    help="Folder for results [default: vtsim-output/<scenario>].",
)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["table", "json"]),
    default="table",
    show_default=True,
    help="How to print the scorecard.",
)
@click.option(
    "-p",
    "--package",
    "packages",
    multiple=True,
    help="Run only these packages (repeatable); the baseline always runs.",
)
@click.option("--threat", default=None, help="Play only this threat (by id).")
@click.option(
    "--figures/--no-figures", default=True, show_default=True, help="Write the scorecard figure."
)
@dask_options
@force_option
def run(
    scenario,
    replications,
    seed,
    jobs,
    progress,
    output,
    fmt,
    packages,
    threat,
    figures,
    scheduler,
    dask_local,
    tls_ca_file,
    tls_cert,
    tls_key,
    force,
):
    """Run SCENARIO (default: the bundled harbour-festival) and print its scorecard.

    Writes replications.csv (one row per package and replication), scorecard.json,
    scorecard.png and manifest.json (resolved scenario, seed, versions, command).
    """
    from vtsim.analysis.executors import make_executor
    from vtsim.analysis.runner import run as run_scenario
    from vtsim.report.output import prepare_output, write_results
    from vtsim.scenario.loader import load_scenario

    dask = dask_security(scheduler, dask_local, tls_ca_file, tls_cert, tls_key)
    loaded = load_scenario(scenario)
    out = Path(output) if output else Path("vtsim-output") / Path(str(scenario)).stem
    prepare_output(out, force=force)  # before anything is simulated
    executor = make_executor(jobs, **dask)
    try:
        results = run_scenario(
            loaded,
            replications=replications,
            seed=seed,
            jobs=jobs,
            packages=list(packages) or None,
            threat=threat,
            progress=progress,
            executor=executor,
        )
    finally:
        executor.close()
    written = write_results(results, out, figures=figures, jobs=jobs)
    if fmt == "json":
        from vtsim.report.output import scorecard_records

        click.echo(json.dumps(scorecard_records(results), indent=2))
    else:
        click.echo(
            f"{loaded.name}: {results.replications} replications per package, seed {results.seed}\n"
        )
        click.echo(results.scorecard_text())
        from vtsim.report.medical_figures import medical_text

        if medical := medical_text(results):
            click.echo(medical)
        from vtsim.analysis.groups import group_lines
        from vtsim.model.groups import scenario_groups

        names = {g.id: str(g.name) or g.id for g in scenario_groups(loaded)}
        if by_group := group_lines(results.frame, results.packages, names):
            click.echo("\n".join(by_group) + "\n")
        click.echo("Results: " + ", ".join(str(p) for p in written), err=fmt == "json")
    if not results.complete:
        click.echo(
            "Interrupted: the files hold the replications finished for every package.", err=True
        )
        sys.exit(130)


COMMANDS = [run]
