"""The facilitator console: large, plain blocks for a projector, prompts for the teams.

Pure presentation over :class:`ExerciseSession`; every phrase comes from the
message catalogue (``vtsim/exercise/messages/<lang>/<part>.yaml``). At every stop the
players see their own picture (what reached them, ``s`` shows it again); ``f`` shows the
simulation's ground truth, marked as the facilitator's only. The storyline ends with the
hot wash (what went well, what should be improved, per participant).
"""

from __future__ import annotations

import re
import shutil
import textwrap
from collections.abc import Sequence

import click

from vtsim.errors import VtsimError
from vtsim.exercise.session import HOT_WASH, choice_index
from vtsim.exercise.text import (
    Messages,
    ended_text,
    humanise,
    metric_label,
    names,
    printable,
    state_text,
    status_text,
)

SHOWN_ANSWER = 40  # an answer quoted back in a "not an option" line: at most this long


class InputEnded(click.Abort):
    """The input ended (end of file: a closed pipe, Ctrl-D) at a prompt."""


def width() -> int:
    """The console's line width: the terminal's (``COLUMNS``), 80 when unknown."""
    return max(40, shutil.get_terminal_size((80, 24)).columns - 2)


def wrap(text: str, indent: str = "  ", subsequent: str | None = None) -> list[str]:
    """``text`` in lines of the terminal's width, broken between words only; control
    characters and escape sequences are removed (:func:`~vtsim.exercise.text.printable`)."""
    return textwrap.wrap(
        re.sub(r"\s*\n\s*", " ", printable(text).strip()),  # a paragraph: spacing on a line kept
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
    """click.prompt with the question wrapped at word boundaries (the answer on its last line).

    Any answer is read: bytes that are not UTF-8 become U+FFFD (never a crash); the end of
    the input raises :class:`InputEnded` (a :class:`click.Abort`)."""
    _tolerant_stdin()
    lines = wrap(text, "")
    try:
        return click.prompt("\n".join(lines), **kwargs)
    except click.Abort as exc:
        if isinstance(exc.__context__, EOFError):
            raise InputEnded() from None
        raise


def _tolerant_stdin() -> None:
    """Standard input decoded with ``errors="replace"``: invalid UTF-8 cannot crash a prompt."""
    import sys

    stream = sys.stdin
    if getattr(stream, "errors", "replace") == "replace" or not hasattr(stream, "reconfigure"):
        return
    try:
        stream.reconfigure(errors="replace")
    except (ValueError, OSError, AttributeError):  # a stream that cannot: left as it is
        pass


def shown_answer(answer: str) -> str:
    """An answer as quoted back: printable and at most ``SHOWN_ANSWER`` characters."""
    text = printable(answer).replace("\n", " ")
    return text if len(text) <= SHOWN_ANSWER else text[: SHOWN_ANSWER - 1] + "\u2026"


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
            m("console.heading", title=m("console.objectives")),
            *[
                m("console.objective_line", n=i, text=o.text)
                for i, o in enumerate(ex.objectives, 1)
            ],
            "",
            m("console.heading", title=m("console.modules")),
            *[
                m("console.module_line", title=mod.title, phase=m(f"handout.phases.{mod.phase}"))
                for mod in ex.modules
            ],
        ]
        self.block(
            m("console.banner_title", banner=m("console.banner"), title=ex.title), lines, "yellow"
        )
        self.pause()

    def situation(self, picture: dict) -> None:
        """The players' picture (``session.picture()``): what has reached them."""
        click.echo("")
        for i, line in enumerate(self.situation_lines(picture)):
            say(line, bold=True) if i == 0 else say(line)

    def situation_lines(self, picture: dict) -> list[str]:
        """The players' picture in lines: status, casualties counted, units on scene,
        agencies alerted, services down, hospitals full, their decisions."""
        m = self.m
        shown = dict(picture, ended_by=humanise(picture.get("ended_by") or ""))
        lines = [m("console.picture", t=self._t(picture), status=status_text(m, shown))]
        counted, labels = picture["casualties_counted"], picture["casualties_by_label"]
        if counted is None:
            lines.append(m("console.picture_not_counted"))
        elif labels:
            lines.append(m("console.picture_counted", casualties=counted, **labels))
        else:
            lines.append(m("console.picture_counted_on_scene", casualties=counted))
        if picture["casualties_reported"] is not None:
            lines.append(m("console.picture_reported", casualties=picture["casualties_reported"]))
        if picture["casualty_care"]:
            care = ", ".join(
                f"{state_text(m, 'care', k)} {m.num(str(v))}"
                for k, v in picture["casualty_care"].items()
            )
            lines.append(m("console.picture_care", care=care))
        lines += self._shared_lines(picture)
        if picture["decisions"]:
            taken = "; ".join(self._decision_text(d) for d in picture["decisions"])
            lines.append(m("console.picture_decisions", decisions=taken))
        return lines

    def facilitator(self, truth: dict) -> None:
        """The ground truth (``session.ground_truth()``), marked as the facilitator's only."""
        click.echo("")
        for i, line in enumerate(self.facilitator_lines(truth)):
            say(line, bold=True, fg="red") if i == 0 else say(line, fg="red")

    def facilitator_lines(self, truth: dict) -> list[str]:
        m = self.m
        shown = dict(truth, ended_by=humanise(truth.get("ended_by") or ""))
        over = truth["status"] in ("ended", "interdicted")  # no one is "still exposed" then
        people = "console.facilitator_people_over" if over else "console.picture_people"
        lines = [
            m("console.facilitator", t=self._t(truth), status=status_text(m, shown)),
            m(people, **truth),
            m(
                "console.picture_casualties",
                casualties=truth["casualties"],
                **truth["casualties_by_triage"],
            ),
        ]
        if truth["casualty_care"]:
            care = ", ".join(
                f"{state_text(m, 'care', k)} {m.num(str(v))}"
                for k, v in truth["casualty_care"].items()
            )
            lines.append(m("console.picture_care", care=care))
        return lines + self._shared_lines(truth)

    def _shared_lines(self, picture: dict) -> list[str]:
        m, none, name = self.m, self.m("console.none"), self.name
        units = (
            ", ".join(f"{name(k)} {m.num(str(v))}" for k, v in picture["units_on_scene"].items())
            or none
        )
        down = (
            ", ".join(
                f"{name(k)} ({state_text(m, 'sector', v)})"
                for k, v in picture["services_down"].items()
            )
            or none
        )
        agencies = ", ".join(name(a) for a in picture["agencies_alerted"]) or none
        lines = [
            m("console.picture_units", units=units),
            m("console.picture_agencies", agencies=agencies),
            m("console.picture_down", down=down),
        ]
        if picture["hospitals_at_capacity"]:
            hospitals = ", ".join(name(h) for h in picture["hospitals_at_capacity"])
            lines.append(m("console.picture_hospitals", hospitals=hospitals))
        return lines

    @staticmethod
    def _t(picture: dict) -> str:
        return "-" if picture["t_min"] is None else f"{picture['t_min']:.1f}"

    def _decision_text(self, decision: dict) -> str:
        point = self.session.point(decision["point"])
        option = next(
            (o.label for o in point.options if o.id == decision["option"]), decision["option"]
        )
        return self.m(
            "console.picture_decision_item",
            decided_by=point.decided_by,
            option=option,
            t=decision["t_min"],
        )

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
            say(
                self.m(
                    "console.questions_of", questions=self.m("console.questions"), module=mod.title
                ),
                bold=True,
            )
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
            elif answer == "f":
                self.facilitator(self.session.ground_truth())
            else:
                say(self.m("console.not_a_key", answer=shown_answer(answer)), fg="red")
        return "continue"

    def decision(self, stop, recorded=None) -> str:
        point = self.session.point(stop.item_id)
        self.block(
            self.m("console.decision", t=stop.t_min, decided_by=point.decided_by),
            [point.prompt, ""]
            + [
                line
                for i, o in enumerate(point.options, 1)
                for line in [
                    self.m("console.option_line", n=i, label=o.label),
                    *self.option_people(point, o),
                ]
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
            if answer.lower() == "f":
                self.facilitator(self.session.ground_truth())
                continue
            if not (answer in ids or choice_index(answer, len(ids)) is not None):
                text = self.m(
                    "console.not_an_option",
                    answer=shown_answer(answer),
                    n=len(ids),
                    ids=", ".join(ids),
                )
                say(text, fg="red")
                continue
            why = ask(self.m("console.justify"), default="", show_default=False)
            self.session.decide(answer, why)
            self._recorded(point, self.session.decisions[-1].option, why)
            return "decided"

    def option_people(self, point, option) -> list[str]:
        """One short line under an option: who bears its burden and which rights it
        engages (its measures' ``burden_on`` and ``rights``); none when nothing is declared."""
        from vtsim.exercise.handouts import burdens_and_rights
        from vtsim.exercise.options import option_measures

        try:
            measures = option_measures(self.session.scenario, point, option)
        except VtsimError:
            return []
        burdens, rights = burdens_and_rights(self.m, measures, self.names)
        if burdens and rights:
            return [self.m("console.option_people_rights", burdens=burdens, rights=rights)]
        if burdens or rights:
            return [self.m("console.option_people", burdens=burdens or rights)]
        return []

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

    def end(self, stop, hot_wash: bool = True) -> None:
        if self._module is not None:
            self.questions(self._module)
            self._module = None
        s = self.session
        headline = s.scenario.exercise.headline_metric
        self.block(self.m("console.end", t=stop.t_min), [], "yellow")
        self.situation(s.picture())
        value = s.outcome.metrics.get(headline, float("nan"))
        from vtsim.exercise.counterfactual import unit_text

        label, unit = metric_label(s.scenario, headline, self.m)
        unit = unit_text(unit, self.m)
        say(
            self.m(
                "console.outcome_labelled",
                metric=label,
                value=f"{value:g} {unit}".strip(),
                ended_by=ended_text(self.m, s.outcome.ended_by),
            )
        )
        if hot_wash:
            self.hot_wash()

    # -- the hot wash -------------------------------------------------------------------------
    def participants(self) -> list[str]:
        """Who speaks at the hot wash: the script's players, else the agencies that decide
        or receive injects (by name, once each, in script order)."""
        ex = self.session.scenario.exercise
        found = [p.name for p in ex.participants if p.kind == "player"]
        if not found:
            found = [self.names.get(d.decided_by, d.decided_by) for d in ex.decisions]
            found += [self.names.get(i.recipient, i.recipient) for i in ex.injects]
        return list(dict.fromkeys(found)) or [self.m("console.hot_wash_everyone")]

    def hot_wash(self) -> None:
        """The standard hot-wash prompts, per participant: what went well, what should be
        improved. The answers are notes filed under the module ``"hot-wash"`` (with the
        participant and the topic, ``strength`` or ``improvement``). Played with recorded
        decisions (not interactive): no prompts. Once per session: not again once done,
        nor when a session resumed at its end only writes its report."""
        s, m = self.session, self.m
        if HOT_WASH in s.modules_discussed:
            return
        self.block(m("console.hot_wash"), [m("console.hot_wash_intro")], "yellow")
        if not self.interactive:
            say(m("console.hot_wash_skipped"))
            return
        n = 0
        for who in self.participants():
            for topic, prompt, note in (
                ("strength", "console.hot_wash_strength", "console.hot_wash_note_strength"),
                ("improvement", "console.hot_wash_improve", "console.hot_wash_note_improve"),
            ):
                answer = ask(m(prompt, participant=who), default="", show_default=False).strip()
                if answer:
                    s.note(m(note, participant=who, text=answer), HOT_WASH, who, topic)
                    n += 1
        while answer := ask(m("console.hot_wash_other"), default="", show_default=False).strip():
            s.note(answer, HOT_WASH)
            n += 1
        s.discussed(HOT_WASH)
        say(m("console.hot_wash_recorded", n=n), fg="green")

    # -- the whole run --------------------------------------------------------------------------
    def run(self, recorded=None) -> None:
        """Play to the end: prompts, or the recorded decisions (``DecisionsFile``)."""
        choices = {d.point: d for d in recorded.decisions} if recorded else None
        # A session resumed at its end (to write its report) holds no second hot wash.
        current = self.session.current
        resumed_at_end = current is not None and current.kind == "end"
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
                self.end(stop, hot_wash=not resumed_at_end)
                return
            self.module(stop.module)
            if stop.kind == "inject":
                self.inject(stop)
