"""``vtsim validate`` and ``vtsim schema``: check scenario files; print the JSON Schema."""

from __future__ import annotations

import json

import click

from vtsim.errors import VtsimError
from vtsim.resources import bundled_scenarios


@click.command()
@click.argument("files", nargs=-1, required=True)
def validate(files: tuple[str, ...]) -> None:
    """Check scenario or sweep FILES; report every problem with its field path and line.

    A sweep file (one with `factors:`) is checked as `vtsim batch` would before running:
    its scenario, packages, outcomes, the design's size and every point of the design.
    """
    from vtsim.scenario.loader import load_scenario

    failed = 0
    for name in files:
        try:
            if _is_sweep(name):
                click.echo(_check_sweep(name))
                continue
            s = load_scenario(name)
        except VtsimError as exc:
            failed += 1
            click.echo(f"Error: {exc}", err=True)
            continue
        click.echo(
            f"ok: {name} ({s.name}: {len(s.sites)} site(s), {len(s.threats)} threat(s), "
            f"{len(s.agencies)} agencies, {len(s.packages)} package(s))"
        )
    if failed:
        raise click.exceptions.Exit(2)


def _is_sweep(name: str) -> bool:
    """A sweep file: a top-level ``factors:`` key (read from the first 1 MB only)."""
    import re
    from pathlib import Path

    from vtsim.batch.sweep import _resolve

    path = _resolve(Path(name))
    if not path.is_file():
        return False
    try:
        with open(path, encoding="utf-8", errors="replace") as handle:
            head = handle.read(1 << 20)
    except OSError:
        return False
    return re.search(r"^factors\s*:", head, re.MULTILINE) is not None


def _check_sweep(name: str) -> str:
    """Every check `vtsim batch` makes before it runs (each point built, none simulated)."""
    from vtsim.batch.sweep import Variants, design_table, load_sweep, packages_of

    sweep, base = load_sweep(name)
    design = design_table(sweep)
    packages = packages_of(sweep, base)
    variants = Variants(sweep, base, design, cache=1)
    for point in design.index:
        for package in packages:
            variants.build(int(point), package)
    return (
        f"ok: {name} (sweep {sweep.name or '(unnamed)'}: {len(design)} point(s) x "
        f"{len(packages)} package(s) x {sweep.replications} replication(s) on {base.name}; "
        f"every point checked)"
    )


@click.command()
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False),
    default=None,
    help="Write the schema to this file instead of standard output.",
)
def schema(output: str | None) -> None:
    """Print the JSON Schema of scenario files (for editors and other tools)."""
    from vtsim.io import write_text
    from vtsim.scenario.schema import Scenario

    text = json.dumps(Scenario.model_json_schema(), indent=2) + "\n"
    if output:
        write_text(output, text)
        click.echo(f"wrote {output}")
    else:
        click.echo(text, nl=False)


@click.command("scenarios")
def list_scenarios() -> None:
    """List the bundled scenarios (usable by name, e.g. `vtsim run museum-siege`)."""
    from vtsim.scenario.loader import load_scenario

    for path in bundled_scenarios():
        try:
            name = load_scenario(path).name
        except VtsimError:
            name = "(does not validate)"
        click.echo(f"{path.stem:28} {name}")


@click.command("columns")
@click.argument("scenario", default="harbour-festival")
def columns(scenario: str) -> None:
    """List the outcome columns of SCENARIO's replications.csv: name, unit and meaning.

    Each sub-model declares its own columns; the list depends on the scenario (a medical
    section adds the care columns, a drone threat the counter-drone ones).
    """
    from vtsim.model.world import columns_for
    from vtsim.scenario.loader import load_scenario

    try:
        s = load_scenario(scenario)
    except VtsimError as exc:
        click.echo(f"Error: {exc}", err=True)
        raise click.exceptions.Exit(2) from None
    rows = [
        ("package", "", "The package of measures (baseline: none)."),
        ("replication", "", "Replication index (the same draws in every package)."),
        ("threat", "", "The threat this replication played."),
        ("ended_by", "", "How the attack ended (or 'interdicted')."),
        *((c.name, c.unit, c.meaning) for c in columns_for(s)),
    ]
    width = max(len(name) for name, _, _ in rows)
    for name, unit, meaning in rows:
        click.echo(f"{name:{width}}  {unit:12}  {meaning}")


COMMANDS = [validate, schema, list_scenarios, columns]
