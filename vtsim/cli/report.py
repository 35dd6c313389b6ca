"""``vtsim report``: one self-contained HTML report a planner can hand to a ministry."""

from __future__ import annotations

from pathlib import Path

import click

from vtsim.cli.options import comparison_options, force_option, simulation_options


@click.command()
@click.argument("source")
@click.option(
    "-o",
    "--output",
    type=click.Path(file_okay=False),
    required=True,
    help="Folder for report.html and report.xlsx (the tables, for spreadsheets).",
)
@click.option(
    "-p",
    "--package",
    "packages",
    multiple=True,
    help="When SOURCE is a scenario: packages to compare [default: all].",
)
@click.option(
    "-m",
    "--measures",
    default=None,
    help="When SOURCE is a scenario: measure ids forming one more package.",
)
@simulation_options
@comparison_options
@force_option
def report(
    source,
    output,
    force,
    packages,
    measures,
    replications,
    seed,
    jobs,
    progress,
    valuation,
    attacks_per_year,
    harm_metric,
):
    """Write OUTPUT/report.html for SOURCE: a scenario (run and compared now) or a results
    folder written by `vtsim run -o` or `vtsim compare -o`. OUTPUT/report.xlsx holds the
    same tables for spreadsheets (one sheet per table, units in the headers).

    The report holds the scenario summary, assumptions and sources, the scorecard, the
    comparisons with cost and burden, the figures (embedded) and the seed, versions and
    command that reproduce it.
    """
    from vtsim.report.excel import REPORT_WORKBOOK
    from vtsim.report.html import build_report
    from vtsim.report.output import RESULTS_FILES, check_results_folder, prepare_output

    own = (*RESULTS_FILES, "report.html", REPORT_WORKBOOK)  # beside the results is fine
    if Path(source).is_dir():
        check_results_folder(source)  # believed only once it matches its manifest
        prepare_output(output, own, force=force)
        path = build_report(
            source,
            Path(output),
            attacks_per_year=attacks_per_year,
            harm_metric=harm_metric,
            workbook=True,
        )
    else:
        from vtsim.analysis.compare import compare

        prepare_output(output, own, force=force)  # before anything is simulated
        comparison = compare(
            source,
            packages=list(packages) or None,
            measures=measures,
            replications=replications,
            seed=seed,
            jobs=jobs,
            attacks_per_year=attacks_per_year,
            harm_metric=harm_metric,
            progress=progress,
            valuation=valuation,
        )
        path = build_report(comparison, Path(output), workbook=True)
    click.echo(f"Report: {path}")
    click.echo(f"Workbook: {path.with_name(REPORT_WORKBOOK)}")


COMMANDS = [report]
