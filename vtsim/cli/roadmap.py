"""``vtsim roadmap``: a budgeted roadmap of measures across a portfolio of targets."""

from __future__ import annotations

from pathlib import Path

import click

from vtsim.cli.options import force_option, simulation_options


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
@force_option
@click.option(
    "--adversary",
    type=click.Choice(["static", "adaptive"]),
    default="static",
    show_default=True,
    help="adaptive: also judge the plan against an attacker who sees where protection is "
    "and moves to another target, and choose one against that attacker (see docs/adversary.md).",
)
@click.option(
    "--resources",
    type=click.IntRange(min=0),
    default=None,
    help="With --adversary adaptive: units of the portfolio's mobile resource "
    "[default: its count].",
)
def roadmap(
    portfolio,
    budget,
    replications,
    seed,
    jobs,
    progress,
    method,
    sensitivity,
    output,
    force,
    adversary="static",
    resources=None,
):
    """Rank candidate measures of PORTFOLIO (default: the bundled portfolio.yaml) by marginal
    benefit per cost across its targets, under a yearly budget, and print the roadmap grouped
    by pillar and phase with the expected gain of each step.
    """
    from vtsim.analysis.roadmap import roadmap as make_roadmap

    if output:  # checked and made before anything is simulated
        from vtsim.report.output import prepare_output

        prepare_output(output, _own(), force=force)
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
    adaptive = None
    if adversary == "adaptive":
        from vtsim.analysis.adversary import adaptive_roadmap

        adaptive = adaptive_roadmap(result, resources=resources)
        click.echo(adaptive.text())
    if output:
        from vtsim.report.output import staged_output

        with staged_output(output, _own()) as stage:
            written = _write(result, stage)
            if adaptive is not None:
                from vtsim.report.adversary_figures import write_adaptive

                written += write_adaptive(adaptive, stage)
        click.echo("Results: " + ", ".join(str(Path(output) / p.name) for p in written))


ROADMAP_FILES = (
    "roadmap.csv",
    "roadmap_by_threat.csv",
    "roadmap_by_group.csv",
    "roadmap.png",
    "sensitivity.csv",
    "tornado.png",
    "roadmap.xlsx",
)


def _own() -> tuple[str, ...]:
    """The files a roadmap writes, static or adaptive."""
    from vtsim.analysis.adversary import ADAPTIVE_FILES

    return (*ROADMAP_FILES, *ADAPTIVE_FILES)


def _write(result, out: Path) -> list[Path]:
    from vtsim.io import atomic_path
    from vtsim.report.figures import save
    from vtsim.report.plots import plot_steps, plot_tornado

    written = [out / "roadmap.csv"]
    with atomic_path(written[0]) as tmp:
        result.table().to_csv(tmp, index=False)
    with atomic_path(out / "roadmap_by_threat.csv") as tmp:
        result.by_threat.to_csv(tmp, index=False)
    written.append(out / "roadmap_by_threat.csv")
    if not result.by_group.empty:  # targets whose crowds have population groups
        with atomic_path(out / "roadmap_by_group.csv") as tmp:
            result.by_group.to_csv(tmp, index=False)
        written.append(out / "roadmap_by_group.csv")
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
    return written


COMMANDS = [roadmap]
