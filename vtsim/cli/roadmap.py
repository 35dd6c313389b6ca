"""``vtsim roadmap``: a budgeted roadmap of measures across a portfolio of targets."""

from __future__ import annotations

from pathlib import Path

import click

from vtsim.cli.options import simulation_options


@click.command()
@click.argument("portfolio", default="portfolio")
@click.option(
    "-b",
    "--budget",
    type=click.FloatRange(min=0, min_open=True),
    default=None,
    help="Yearly budget (annualised) [default: the portfolio's budget].",
)
@simulation_options
@click.option(
    "--method",
    type=click.Choice(["auto", "greedy", "exact"]),
    default="auto",
    show_default=True,
    help="auto: exact enumeration when candidates are few.",
)
@click.option(
    "--sensitivity/--no-sensitivity",
    default=True,
    show_default=True,
    help="Vary each measure's effects by +/-50 % and say which conclusions survive.",
)
@click.option(
    "-o",
    "--output",
    type=click.Path(file_okay=False),
    default=None,
    help="Folder for roadmap.csv, sensitivity.csv, roadmap.xlsx and the figures.",
)
def roadmap(portfolio, budget, replications, seed, jobs, progress, method, sensitivity, output):
    """Rank candidate measures of PORTFOLIO (default: the bundled portfolio.yaml) by marginal
    benefit per cost across its targets, under a yearly budget, and print the roadmap grouped
    by pillar and phase with the expected gain of each step.
    """
    from vtsim.analysis.roadmap import roadmap as make_roadmap

    result = make_roadmap(
        portfolio,
        budget=budget,
        replications=replications,
        seed=seed,
        jobs=jobs,
        method=method,
        sensitivity=sensitivity,
        progress=progress,
    )
    click.echo(result.text())
    if output:
        from vtsim.io import atomic_path
        from vtsim.report.figures import save
        from vtsim.report.plots import plot_steps, plot_tornado

        out = Path(output)
        written = [out / "roadmap.csv"]
        with atomic_path(written[0]) as tmp:
            result.table().to_csv(tmp, index=False)
        with atomic_path(out / "roadmap_by_threat.csv") as tmp:
            result.by_threat.to_csv(tmp, index=False)
        written.append(out / "roadmap_by_threat.csv")
        if result.steps:
            save(plot_steps(result), out / "roadmap.png")
            written.append(out / "roadmap.png")
        if result.sensitivity is not None:
            with atomic_path(out / "sensitivity.csv") as tmp:
                result.sensitivity.frame.to_csv(tmp, index=False)
            save(plot_tornado(result), out / "tornado.png")
            written += [out / "sensitivity.csv", out / "tornado.png"]
        from vtsim.report.excel import ROADMAP_WORKBOOK, roadmap_book

        written.append(roadmap_book(result).write(out / ROADMAP_WORKBOOK))
        click.echo("Results: " + ", ".join(str(p) for p in written))


COMMANDS = [roadmap]
