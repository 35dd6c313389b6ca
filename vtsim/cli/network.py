"""``vtsim network``: criticality of a scenario's infrastructure facilities (N-1, N-2)."""

from __future__ import annotations

import json
from pathlib import Path

import click

from vtsim.cli.options import force_option


@click.command()
@click.argument("scenario")
@click.option(
    "-o",
    "--output",
    type=click.Path(file_okay=False),
    default=None,
    help="Folder for results [default: vtsim-output/<scenario>-network].",
)
@click.option(
    "--top", type=click.IntRange(min=1), default=15, show_default=True, help="Facilities to print."
)
@click.option(
    "--pairs",
    "top_pairs",
    type=click.IntRange(min=0),
    default=10,
    show_default=True,
    help="Worst N-2 pairs to list.",
)
@click.option(
    "--candidates",
    type=click.IntRange(min=2),
    default=30,
    show_default=True,
    help="N-2 pairs are searched among the top facilities by N-1 cut and by betweenness.",
)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["table", "json"]),
    default="table",
    show_default=True,
    help="How to print the ranking.",
)
@click.option(
    "--figure/--no-figure",
    default=True,
    show_default=True,
    help="Write the network figure coloured by criticality.",
)
@force_option
def network(scenario, output, top, top_pairs, candidates, fmt, figure, force):
    """Rank the facilities of SCENARIO by the people cut off when each fails alone (N-1),
    beside betweenness centrality, and list the worst pairs (N-2).

    Writes criticality.csv (every facility), pairs.csv and criticality.png.
    """
    from vtsim.analysis.network import criticality
    from vtsim.io import atomic_path
    from vtsim.report.output import prepare_output, staged_output
    from vtsim.scenario.loader import load_scenario

    loaded = load_scenario(scenario)
    folder = (
        Path(output) if output else Path("vtsim-output") / f"{Path(str(scenario)).stem}-network"
    )
    files = ("criticality.csv", "pairs.csv", "criticality.png")
    prepare_output(folder, files, force=force)  # before anything is computed
    report = criticality(loaded, candidates=candidates, top_pairs=top_pairs)
    written = []
    with staged_output(folder, files) as out:
        for name, frame in (("criticality.csv", report.table), ("pairs.csv", report.pairs)):
            with atomic_path(out / name) as tmp:
                frame.to_csv(tmp, index=False)
            written.append(folder / name)
        if figure:
            from vtsim.report.figures import save
            from vtsim.report.infra_figures import network_figure

            save(network_figure(loaded, report), out / "criticality.png")
            written.append(folder / "criticality.png")
    if fmt == "json":
        from vtsim.io import clean_for_json

        data = {
            "facilities": report.table.head(top).to_dict(orient="records"),
            "pairs": report.pairs.to_dict(orient="records"),
            "candidates": report.candidates,
        }
        click.echo(json.dumps(clean_for_json(data), indent=2))
    else:
        click.echo(f"{loaded.name}: {len(report.table)} facilities\n")
        click.echo(report.render_text(top))
        click.echo("Results: " + ", ".join(str(p) for p in written))


COMMANDS = [network]
