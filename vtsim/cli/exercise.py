"""``vtsim exercise``: a facilitated tabletop exercise driven by the simulation."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from vtsim.cli.options import simulation_options
from vtsim.resources import DEFAULT_SCENARIO


def _languages() -> list[str]:
    from vtsim.exercise.text import languages

    return languages()


@click.command()
@click.argument("scenario", required=False, default=DEFAULT_SCENARIO)
@click.option(
    "--decisions",
    "decisions_file",
    type=click.Path(dir_okay=False),
    default=None,
    help="Play recorded choices from this YAML file, without prompts.",
)
@click.option(
    "--resume",
    "resume_file",
    type=click.Path(dir_okay=False),
    default=None,
    help="Continue a saved session (DIR/session.json) where it stopped.",
)
@click.option(
    "-o",
    "--output",
    type=click.Path(file_okay=False),
    default=None,
    help="Folder for the session, transcript and report "
    "[default: vtsim-output/<scenario>-exercise].",
)
@click.option(
    "--handouts",
    type=click.Path(file_okay=False),
    default=None,
    help="Write the Situation Manual and Facilitator Guide to this folder and stop.",
)
@click.option(
    "--lang",
    type=click.Choice(_languages()),
    default=None,
    help="Language of the console, handouts and report: "
    + ", ".join(_languages())
    + " [default: en; on --resume, the session's own].",
)
@click.option("--team", default="", help="Name of the team or table playing.")
@click.option(
    "--counterfactual/--no-counterfactual",
    default=True,
    show_default=True,
    help="Replay the alternatives on this and many storylines at the end.",
)
@simulation_options
def exercise(
    scenario,
    decisions_file,
    resume_file,
    output,
    handouts,
    lang,
    team,
    counterfactual,
    replications,
    seed,
    jobs,
    progress,
):
    """Facilitate the tabletop exercise of SCENARIO (default: harbour-festival).

    Shows the situation overview, then advances one storyline to each inject and
    decision point; the teams choose an option and give a one-line justification.
    Pausing is not pressing Enter; 'b' goes back to the last decision. The session is
    saved after every decision (DIR/session.json; continue with --resume). At the end
    the same storyline is replayed with every alternative and -n storylines compare the
    chosen path with them; the After-Action Report goes to DIR/report.html.

    Here -n is the number of storylines compared at the end and -s their seed (the
    session's own storyline keeps the seed and replication of the exercise script).
    """
    from vtsim.errors import VtsimError
    from vtsim.exercise.console import Console, InputEnded
    from vtsim.exercise.session import ExerciseSession
    from vtsim.exercise.text import Messages
    from vtsim.scenario.loader import load_scenario

    m = Messages(lang or "en")
    if resume_file:
        session = ExerciseSession.resume(resume_file, lang=lang)
        lang = session.lang
        m = Messages(lang)
        out = Path(output) if output else Path(resume_file).parent
        target = out / "session.json"
        if target.exists() and target.resolve() != Path(resume_file).resolve():
            raise VtsimError(m("console.session_exists_resume", path=target, resumed=resume_file))
        finished = session.current is not None and session.current.kind == "end"
        if finished and (out / "report.html").exists():
            raise VtsimError(
                m("console.session_finished", path=resume_file, report=out / "report.html")
            )
        session.autosave = target
        click.echo(_wrapped(m("console.resumed", path=resume_file, n=len(session.decisions))))
        if finished:
            click.echo(_wrapped(m("console.finishing")))
    else:
        lang = lang or "en"
        loaded = load_scenario(scenario)
        _warn_module_order(loaded, m)
        if handouts:
            from vtsim.exercise.handouts import write_handouts

            if loaded.exercise is None:
                raise VtsimError(f"{scenario}: this scenario has no 'exercise' section.")
            written = write_handouts(loaded, handouts, lang)
            click.echo(m("console.written", files=", ".join(map(str, written))))
            return
        out = Path(output) if output else Path("vtsim-output") / f"{Path(scenario).stem}-exercise"
        if (out / "session.json").exists():  # never overwritten, recorded decisions or not
            raise VtsimError(m("console.session_exists", path=out / "session.json"))
        session = ExerciseSession(
            loaded, source=str(scenario), team=team, autosave=out / "session.json", lang=lang
        )
    recorded = None
    if decisions_file:
        from vtsim.exercise.decisions_file import load_decisions

        recorded = load_decisions(decisions_file, session.scenario)
        session.team = session.team or recorded.team
    console = Console(session, lang, interactive=recorded is None)
    try:
        if session.current is None:
            console.overview()
        console.run(recorded)
    except (click.Abort, KeyboardInterrupt) as exc:
        _stopped(session, m, ended=isinstance(exc, InputEnded))
    if recorded is not None:
        for note in recorded.notes:
            session.note(note.text, note.module)

    from vtsim.exercise import counterfactual as cf
    from vtsim.exercise.report import write_report

    try:  # Ctrl-C here: the session is saved, the report is not written
        story, summary, rows = cf.on_storyline(session), [], []
        if counterfactual and session.decisions:
            n = replications or session.scenario.run.replications
            click.echo("")
            click.echo(m("console.replaying", n=n))
            rows = cf.monte_carlo(session, n, seed=seed, jobs=jobs, progress=progress)
            summary = cf.summarise(session, rows)
        _print_savings(session, story, summary, m)
        written = write_report(session, out, story, summary, rows, lang)
    except (KeyboardInterrupt, click.Abort):
        session.save(session.autosave)
        click.echo("")
        click.echo(_wrapped(m("console.replay_interrupted", path=session.autosave)), err=True)
        sys.exit(130)
    click.echo("")
    click.echo(
        _wrapped(m("console.written", files=", ".join(map(str, [session.autosave, *written]))))
    )


def _warn_module_order(scenario, m) -> None:
    """Tell the facilitator (on stderr) where the script's storyline goes back to an earlier
    module: the stops follow the simulation's clock, the modules the script's order."""
    if scenario.exercise is None:
        return
    from vtsim.exercise.msel import modules_out_of_order
    from vtsim.scenario.schema_base import in_lang

    for ahead, back in modules_out_of_order(scenario)[:3]:
        click.echo(
            _wrapped(
                m(
                    "console.modules_out_of_order",
                    ahead=in_lang(ahead.module.title, m.lang),
                    t_ahead=f"{ahead.t_min:.1f}",
                    back=in_lang(back.module.title, m.lang),
                    t_back=f"{back.t_min:.1f}",
                )
            ),
            err=True,
        )


def _stopped(session, m, ended: bool) -> None:
    """Stopped at a prompt (Ctrl-C, or the end of the input): say whether the session is
    saved (and how to continue it) only when its file exists; exit with status 130."""
    click.echo("")
    saved = session.autosave is not None and Path(session.autosave).is_file()
    if ended:
        click.echo(_wrapped(m("console.input_ended")), err=True)
    if saved:
        click.echo(m("console.autosaved", path=session.autosave), err=True)
        click.echo(f"vtsim exercise --resume {session.autosave}", err=True)
    else:
        click.echo(_wrapped(m("console.nothing_saved")), err=True)
    sys.exit(130)


def _wrapped(text: str, indent: str = "") -> str:
    """``text`` broken between words at the terminal's width."""
    from vtsim.exercise.console import wrap

    return "\n".join(wrap(text, indent))


def _print_savings(session, story, summary, m) -> None:
    """Each alternative against the choice: this storyline, then over many, in words
    (every outcome compared; the headline is the one that changed most in value), every
    phrase from the catalogue of ``m``'s language."""
    from vtsim.exercise import counterfactual as cf

    by_variant = {s["variant"]: s for s in summary}
    for row in cf.compare_on_storyline(session, story, cf.session_valuation(session), m):
        click.echo("")
        click.echo(_wrapped(row["sentence"]))
        s = by_variant.get(row["variant"])
        for line in cf.over_sentences(s, m) if s is not None else []:
            click.echo(_wrapped(line, "   "))


COMMANDS = [exercise]
