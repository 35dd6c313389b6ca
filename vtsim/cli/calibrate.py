"""``vtsim calibrate``: the bundled scenarios against the public record."""

from __future__ import annotations

from pathlib import Path

import click

from vtsim.cli.options import force_option, simulation_options


@click.command()
@click.argument("scenarios", nargs=-1)
@simulation_options
@click.option(
    "-o",
    "--output",
    type=click.Path(file_okay=False),
    default=str(Path("vtsim-output") / "calibration"),
    show_default=True,
    help="Folder for calibration.csv and calibration.png.",
)
@click.option(
    "--targets",
    "targets_file",
    type=click.Path(dir_okay=False),
    default=None,
    help="A targets file of your own [default: the bundled scenarios/calibration/targets.yaml].",
)
@click.option(
    "--figures/--no-figures", default=True, show_default=True, help="Write calibration.png."
)
@force_option
def calibrate(scenarios, replications, seed, jobs, progress, output, targets_file, figures, force):
    """Compare SCENARIOS (default: every bundled scenario) with the public record.

    Runs each scenario's baseline (and the packages a target compares), then prints, for
    each target and scenario it applies to: the published range, the simulated value with
    its 95 % interval, and a verdict: inside (the interval and the published range overlap,
    both closed), outside (above or below), or not comparable (with the reason: the target
    says so, or the scenario lacks a column or package it needs). Writes calibration.csv
    and calibration.png into the output folder.

    Intervals: Wilson for shares, t for means, percentile bootstrap (from the run's seed)
    for medians, quantiles and ratios, paired t for package differences (bootstrap when
    relative).
    """
    from vtsim.analysis.calibration import calibrate as run_calibration
    from vtsim.analysis.executors import make_executor
    from vtsim.report.calibration_figures import write_calibration
    from vtsim.report.output import prepare_output, staged_output

    files = ("calibration.csv", "calibration.png")
    prepare_output(output, files, force=force)  # before anything is simulated
    # Every scenario and the targets file are read and checked before anything runs.
    executor = make_executor(jobs)
    try:
        result = run_calibration(
            list(scenarios) or None,
            targets_file,
            replications=replications,
            seed=seed,
            jobs=jobs,
            progress=progress,
            executor=executor,
        )
    finally:
        executor.close()
    click.echo(result.text())
    with staged_output(output, files) as stage:
        written = write_calibration(result, stage, figures=figures)
    click.echo("Results: " + ", ".join(str(Path(output) / p.name) for p in written))


COMMANDS = [calibrate]
