"""The ``vtsim`` command line: one module per command, registered here.

A user's mistake (a bad scenario, an unknown package) prints one clear
paragraph and exits with status 2; only a bug shows a traceback.
"""

from __future__ import annotations

import sys

import click

from vtsim.errors import VtsimError


class VtsimGroup(click.Group):
    def invoke(self, ctx):
        try:
            return super().invoke(ctx)
        except VtsimError as exc:
            from vtsim.exercise.text import printable  # no escape sequence reaches the terminal

            click.echo(f"Error: {printable(str(exc))}", err=True)
            ctx.exit(exc.exit_code)


@click.group(cls=VtsimGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="vtsim")
def main() -> None:
    """Simulate attacks on vulnerable targets and compare protection measures across the
    five phases: prevent, protect, mitigate, respond, recover.

    Start with `vtsim run` (the bundled default scenario), then `vtsim run FILE` on your own.
    """


def _register() -> None:
    """Every module of this package that exports ``COMMANDS`` adds its commands."""
    import importlib
    import pkgutil

    import vtsim.cli as package

    for info in sorted(pkgutil.iter_modules(package.__path__), key=lambda m: m.name):
        module = importlib.import_module(f"vtsim.cli.{info.name}")
        for command in getattr(module, "COMMANDS", ()):
            main.add_command(command)


_register()

if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
