"""``vtsim workshop``: a hybrid tabletop workshop served to browsers on the room's network."""

from __future__ import annotations

from pathlib import Path

import click

from vtsim.cli.options import simulation_options
from vtsim.resources import DEFAULT_SCENARIO

LOCALHOST = "127.0.0.1"


def _languages() -> list[str]:
    from vtsim.exercise.text import languages

    return languages()


@click.command()
@click.argument("scenario", required=False, default=DEFAULT_SCENARIO)
@click.option(
    "--tables", type=click.IntRange(1, 50), default=1, show_default=True, help="Tables playing."
)
@click.option(
    "--lang",
    type=click.Choice(_languages()),
    default=None,
    help="Language of the workshop and its report (each participant picks their own): "
    + ", ".join(_languages())
    + " [default: en; on --resume, the workshop's own].",
)
@click.option(
    "--host",
    default=None,
    help="Address to listen on [default: 127.0.0.1, this computer only]; 0.0.0.0 lets the "
    "room's network reach the workshop.",
)
@click.option("--port", type=click.IntRange(1, 65535), default=8765, show_default=True)
@click.option(
    "--resume",
    "resume_dir",
    type=click.Path(file_okay=False),
    default=None,
    help="Continue the workshop saved in DIR (DIR/workshop.sqlite) where it stopped.",
)
@click.option(
    "-o",
    "--output",
    type=click.Path(file_okay=False),
    default=None,
    help="Folder of the workshop's database, reports and exports "
    "[default: vtsim-output/<scenario>-workshop].",
)
@simulation_options
def workshop(
    scenario, tables, lang, host, port, resume_dir, output, replications, seed, jobs, progress
):
    """Run the tabletop exercise of SCENARIO (default: harbour-festival) as a workshop in
    the browser: a facilitator, a projector, participants at --tables tables (in the room
    or remote, on phones or laptops) and observers.

    Prints the facilitator's link (keep it to yourself: it carries the facilitator's
    token), the projector's and the observers' links, and the join link with its code
    and a QR code for participants. Every vote, decision and note is saved in
    DIR/workshop.sqlite before it is acknowledged; after a stop, --resume DIR continues.
    At the end DIR holds workshop-report.html, votes.csv, notes.csv, ratings.csv and, per
    table, the console's session, transcript and After-Action Report.

    Here -n is the number of storylines compared when consequences are revealed and at
    the end, and -s their seed.
    """
    from vtsim.errors import VtsimError
    from vtsim.exercise.text import Messages
    from vtsim.workshop.engine import Workshop, messages

    if resume_dir:
        w = Workshop.resume(resume_dir)
        m = w.m
        click.echo(_wrapped(m("workshop.cli.resumed", path=resume_dir, n=len(w.store))))
    else:
        lang = lang or "en"
        m = messages(lang)
        out = Path(output) if output else Path("vtsim-output") / f"{Path(scenario).stem}-workshop"
        w = Workshop(
            scenario,
            out,
            tables=tables,
            lang=lang,
            replications=replications or 200,
            seed=seed,
            jobs=jobs,
        )
        click.echo(
            _wrapped(
                m(
                    "workshop.cli.started",
                    scenario=w.scenario.name,
                    tables=len(w.tables),
                    language=Messages(lang).data.get("name", lang),
                    path=w.outdir,
                )
            )
        )
        from vtsim.cli.exercise import _warn_module_order

        _warn_module_order(w.scenario, m)
    listen = host or LOCALHOST
    _check_port(listen, port, m, VtsimError)
    shown = _reachable(listen)
    base = f"http://{_bracket(shown)}:{port}"
    w.base_url = base
    join_url = f"{base}/?code={w.join_code}"
    click.echo("")
    click.secho(m("workshop.cli.facilitator"), bold=True)
    click.echo(f"  {base}/f?token={w.facilitator_token}")
    click.secho(m("workshop.cli.projector"), bold=True)
    click.echo(f"  {base}/projector?token={w.projector_token}")
    click.secho(m("workshop.cli.observer"), bold=True)
    click.echo(f"  {base}/observe?token={w.observer_token}")
    click.echo("")
    click.secho(_wrapped(m("workshop.cli.join", url=join_url, code=w.join_code)), bold=True)
    click.echo(m("workshop.cli.qr"))
    click.echo(_qr(join_url))
    if host is None:
        click.echo(_wrapped(m("workshop.cli.local_only")))
    elif host not in (LOCALHOST, "localhost", "::1"):
        click.secho(_wrapped(m("workshop.cli.host_warning", host=host)), fg="yellow", err=True)
    click.echo(_wrapped(m("workshop.cli.stop", path=w.outdir)))
    _serve(w, listen, port, m)
    click.echo("")
    click.echo(_wrapped(m("workshop.cli.stopped", path=w.outdir)))


def _serve(w, host: str, port: int, m) -> None:
    try:
        import uvicorn

        from vtsim.workshop.app import create_app
    except ImportError:  # pragma: no cover - a dependency of the package
        from vtsim.errors import VtsimError

        raise VtsimError(m("workshop.cli.no_server")) from None
    config = uvicorn.Config(
        create_app(w),
        host=host,
        port=port,
        log_level="warning",
        timeout_graceful_shutdown=2,
        access_log=False,
    )
    server = uvicorn.Server(config)
    try:
        server.run()
    except KeyboardInterrupt:
        pass
    finally:
        w.close()


def _check_port(host: str, port: int, m, error) -> None:
    """A clear message when the port is taken (rather than the server's traceback)."""
    import socket

    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError:
            raise error(m("workshop.cli.port_busy", host=host, port=port)) from None


def _reachable(host: str) -> str:
    """The address to print in links: the host given, or for 0.0.0.0 this computer's
    address on the network (no packet is sent to find it)."""
    import socket

    if host not in ("0.0.0.0", "::", ""):
        return host
    try:
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
            s.connect(("10.255.255.255", 1))
            return s.getsockname()[0]
    except OSError:
        return LOCALHOST


def _bracket(host: str) -> str:
    return f"[{host}]" if ":" in host else host


def _qr(url: str) -> str:
    """The join link as a QR code drawn with characters (segno)."""
    import io

    import segno

    buffer = io.StringIO()
    segno.make(url, error="m").terminal(out=buffer, compact=True)
    return buffer.getvalue()


def _wrapped(text: str) -> str:
    from vtsim.exercise.console import wrap

    return "\n".join(wrap(text, ""))


COMMANDS = [workshop]
