"""``vtsim validate`` and ``vtsim schema``: check scenario files; print the JSON Schema."""

from __future__ import annotations

import json

import click

from vtsim.errors import VtsimError
from vtsim.resources import bundled_scenarios


@click.command()
@click.argument("files", nargs=-1, required=True)
def validate(files: tuple[str, ...]) -> None:
    """Check scenario FILES; report every problem with its field path and line."""
    from vtsim.scenario.loader import load_scenario

    failed = 0
    for name in files:
        try:
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


COMMANDS = [validate, schema, list_scenarios]
