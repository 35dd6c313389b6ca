"""The facilitator console: large, plain blocks for a projector, prompts for the teams.

Pure presentation over :class:`ExerciseSession`; every phrase comes from the
message catalogue (``vtsim/exercise/messages/<lang>.yaml``).
"""

from __future__ import annotations

import re
import shutil
import textwrap
from collections.abc import Sequence

import click

from vtsim.errors import VtsimError
from vtsim.exercise.text import Messages, humanise, metric_label, names, status_text


def width() -> int:
    """The console's line width: the terminal's (``COLUMNS``), 80 when unknown."""
    return max(40, shutil.get_terminal_size((80, 24)).columns - 2)


def wrap(text: str, indent: str = "  ", subsequent: str | None = None) -> list[str]:
    """``text`` in lines of the terminal's width, broken between words only."""
    return textwrap.wrap(
        re.sub(r"\s*\n\s*", " ", str(text).strip()),  # a paragraph: spacing on a line kept
        width(),
        initial_indent=indent,
        subsequent_indent=indent if subsequent is None else subsequent,
        break_long_words=False,
        break_on_hyphens=False,
    ) or [indent.rstrip()]


def say(text: str = "", indent: str = "  ", subsequent: str | None = None, **style) -> None:
    """Echo ``text`` wrapped at word boundaries (``style``: click.secho's)."""
    if not text:
        click.echo("")
        return
    for line in wrap(text, indent, subsequent):
        click.secho(line, **style) if style else click.echo(line)


def ask(text: str, **kwargs):
    """click.prompt with the question wrapped at word boundaries (the answer on its last line)."""
    lines = wrap(text, "")
    return click.prompt("\n".join(lines), **kwargs)


class Console:
    def __init__(self, session, lang: str = "en", interactive: bool = True):
        self.session = session
        self.m = Messages(lang)
        self.interactive = interactive
        self._module: str | None = None
        self.names = names(session.scenario)

    def name(self, thing_id) -> str:
        """The people-facing name of an agency, hospital, facility... (else its id in words)."""
        return self.names.get(str(thing_id), humanise(str(thing_id)))

    # -- blocks -------------------------------------------------------------------------
    def rule(self, char: str = "=") -> None:
        click.echo(char * width())

    def block(self, title: str, lines: Sequence[str] = (), colour: str = "cyan") -> None:
        click.echo("")
        self.rule()
        say(title, bold=True, fg=colour)
        self.rule()
        for line in lines:
            stripped = line.lstrip(" ")
            indent = "  " + " " * (len(line) - len(stripped))
            say(stripped, indent, indent + ("   " if stripped[:1].isdigit() else ""))

    def overview(self) -> None:
        s, ex, m = self.session, self.session.scenario.exercise, self.m
        lines = [
            m("console.scenario", name=s.scenario.name),
            m(
                "console.storyline",
                seed=s.seed,
                replication=s.replication,
                threat=self.name(s.threat) if s.threat else "-",
            ),
            "",
            ex.overview or s.scenario.description,
            "",
            m("console.objectives") + ":",
            *[f"  {i}. {o.text}" for i, o in enumerate(ex.objectives, 1)],
            "",
            m("console.modules") + ":",
            *[f"  - {mod.title} ({mod.phase})" for mod in ex.modules],
        ]
        self.block(f"{m('console.banner')}: {ex.title}", lines, "yellow")
        self.pause()

    def situation(self, picture: dict) -> None:
        m, none = self.m, self.m("console.none")
        t = "-" if picture["t_min"] is None else f"{picture['t_min']:.1f}"
        name = self.name
        units = ", ".join(f"{name(k)} {v}" for k, v in picture["units_on_scene"].items()) or none
        down = (
            ", ".join(f"{name(k)} ({humanise(v)})" for k, v in picture["services_down"].items())
            or none
        )
        shown = dict(picture, ended_by=humanise(picture.get("ended_by") or ""))
        click.echo("")
        say(m("console.picture", t=t, status=status_text(m, shown)), bold=True)
        say(m("console.picture_people", **picture))
        say(
            m(
                "console.picture_casualties",
                casualties=picture["casualties"],
                **picture["casualties_by_triage"],
            )
        )
        if picture["casualty_care"]:
            care = ", ".join(f"{humanise(k)} {v}" for k, v in picture["casualty_care"].items())
            say(m("console.picture_care", care=care))
        say(m("console.picture_units", units=units))
        agencies = ", ".join(name(a) for a in picture["agencies_alerted"]) or none
        say(m("console.picture_agencies", agencies=agencies))
        say(m("console.picture_down", down=down))
        if picture["hospitals_at_capacity"]:
            hospitals = ", ".join(name(h) for h in picture["hospitals_at_capacity"])
            say(m("console.picture_hospitals", hospitals=hospitals))

    def module(self, module_id: str | None) -> None:
        """Close the previous module (its questions) and open the next one."""
        if module_id == self._module:
            return
        ex = self.session.scenario.exercise
        if self._module is not None:
            self.questions(self._module)
        self._module = module_id
        if module_id is not None:
            mod = next(x for x in ex.modules if x.id == module_id)
            self.block(self.m("console.module_start", title=mod.title), [mod.summary], "green")

    def questions(self, module_id: str) -> None:
        mod = next(x for x in self.session.scenario.exercise.modules if x.id == module_id)
        if mod.questions:
            click.echo("")
            say(self.m("console.questions") + f" ({mod.title})", bold=True)
            for i, q in enumerate(mod.questions, 1):
                say(f"{i}. {q}", "    ", "       ")
            while self.interactive:  # the discussion: notes until Enter
                answer = ask(self.m("console.questions_prompt"), default="", show_default=False)
                if answer.strip().lower() != "n":
                    break
                self.session.note(ask(self.m("console.note_prompt")), module_id)
        self.session.discussed(module_id)

    def pending_questions(self) -> None:
        """On resuming: the questions of modules left before they were discussed, then the
        module under way (its questions come when it closes)."""
        current = self.session.current
        if current is None:
            return
        done = set(self.session.modules_discussed)
        for module_id in self.session.modules_played():
            if module_id != current.module and module_id not in done:
                self.questions(module_id)
                done.add(module_id)
        if current.kind != "end":
            self.module(current.module)

    def pause(self) -> None:
        if self.interactive:
            ask(self.m("console.press_enter"), default="", show_default=False, prompt_suffix=" ")

    # -- stops ------------------------------------------------------------------------------
    def inject(self, stop) -> str:
        inject = next(i for i in self.session.scenario.exercise.injects if i.id == stop.item_id)
        self.block(
            self.m("console.inject", t=stop.t_min),
            [
                self.m("console.inject_from", sender=inject.sender, recipient=inject.recipient),
                "",
                inject.message,
            ],
        )
        self.situation(self.session.picture())
        while self.interactive:
            answer = (
                ask(self.m("console.inject_keys"), default="", show_default=False).strip().lower()
            )
            if answer in ("", "c"):
                return "continue"
            if answer == "n":
                self.session.note(ask(self.m("console.note_prompt")))
            elif answer == "b":
                if self.go_back():
                    return "back"
            elif answer == "s":
                self.situation(self.session.picture())
            else:
                say(self.m("console.not_a_key", answer=answer), fg="red")
        return "continue"

    def decision(self, stop, recorded=None) -> str:
        point = self.session.point(stop.item_id)
        self.block(
            self.m("console.decision", t=stop.t_min, decided_by=point.decided_by),
            [point.prompt, ""]
            + [
                self.m("console.option_line", n=i, label=o.label)
                for i, o in enumerate(point.options, 1)
            ],
            "magenta",
        )
        self.situation(self.session.picture())
        if recorded is not None:
            self.session.decide(recorded.option, recorded.justification)
            self._recorded(point, recorded.option, recorded.justification)
            return "decided"
        ids = [o.id for o in point.options]
        while True:
            answer = ask(self.m("console.choose", n=len(ids))).strip()
            if answer.lower() == "b":
                if self.go_back():
                    return "back"
                continue
            if answer.lower() == "s":
                self.situation(self.session.picture())
                continue
            if not (answer in ids or (answer.isdigit() and 1 <= int(answer) <= len(ids))):
                text = self.m(
                    "console.not_an_option", answer=answer, n=len(ids), ids=", ".join(ids)
                )
                say(text, fg="red")
                continue
            why = ask(self.m("console.justify"), default="", show_default=False)
            self.session.decide(answer, why)
            self._recorded(point, self.session.decisions[-1].option, why)
            return "decided"

    def _recorded(self, point, option_id: str, why: str) -> None:
        label = next(o.label for o in point.options if o.id == option_id)
        say(self.m("console.recorded", option=label, justification=why or "-"), fg="green")
        if self.session.autosave is not None:
            say(self.m("console.autosaved", path=self.session.autosave), dim=True)

    def go_back(self) -> bool:
        try:
            stop = self.session.back()
        except VtsimError:
            say(self.m("console.no_back"), fg="red")
            return False
        point = self.session.point(stop.item_id)
        say(self.m("console.went_back_to", decided_by=point.decided_by, t=stop.t_min), fg="yellow")
        self._module = stop.module
        return True

    def end(self, stop) -> None:
        if self._module is not None:
            self.questions(self._module)
            self._module = None
        s = self.session
        headline = s.scenario.exercise.headline_metric
        self.block(self.m("console.end", t=stop.t_min), [], "yellow")
        self.situation(s.picture())
        value = s.outcome.metrics.get(headline, float("nan"))
        label, unit = metric_label(s.scenario, headline)
        say(
            self.m(
                "console.outcome_labelled",
                metric=label,
                value=f"{value:g} {unit}".strip(),
                ended_by=humanise(s.outcome.ended_by),
            )
        )

    # -- the whole run --------------------------------------------------------------------------
    def run(self, recorded=None) -> None:
        """Play to the end: prompts, or the recorded decisions (``DecisionsFile``)."""
        choices = {d.point: d for d in recorded.decisions} if recorded else None
        self.pending_questions()
        while True:
            if self.session.awaiting_decision:  # also after going back, or on resume
                stop = self.session.current
                self.module(stop.module)
                if choices is not None and stop.item_id not in choices:
                    raise VtsimError(
                        f"The decisions file has no choice for decision point '{stop.item_id}' "
                        "(reached on this storyline); add it under 'decisions'."
                    )
                self.decision(stop, choices[stop.item_id] if choices else None)
                continue
            stop = self.session.advance()
            if stop.kind == "end":
                self.end(stop)
                return
            self.module(stop.module)
            if stop.kind == "inject":
                self.inject(stop)
