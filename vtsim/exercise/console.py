"""The facilitator console: large, plain blocks for a projector, prompts for the teams.

Pure presentation over :class:`ExerciseSession`; every phrase comes from the
message catalogue (``vtsim/exercise/messages/<lang>.yaml``).
"""

from __future__ import annotations

from collections.abc import Sequence

import click

from vtsim.errors import VtsimError
from vtsim.exercise.text import Messages, status_text

WIDTH = 78


class Console:
    def __init__(self, session, lang: str = "en", interactive: bool = True):
        self.session = session
        self.m = Messages(lang)
        self.interactive = interactive
        self._module: str | None = None

    # -- blocks -------------------------------------------------------------------------
    def rule(self, char: str = "=") -> None:
        click.echo(char * WIDTH)

    def block(self, title: str, lines: Sequence[str] = (), colour: str = "cyan") -> None:
        click.echo("")
        self.rule()
        click.secho(f"  {title}", bold=True, fg=colour)
        self.rule()
        for line in lines:
            click.echo(f"  {line}")

    def overview(self) -> None:
        s, ex, m = self.session, self.session.scenario.exercise, self.m
        lines = [
            m("console.scenario", name=s.scenario.name),
            m("console.storyline", seed=s.seed, replication=s.replication, threat=s.threat or "-"),
            "",
            *_wrap(ex.overview or s.scenario.description),
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
        units = ", ".join(f"{k} {v}" for k, v in picture["units_on_scene"].items()) or none
        down = ", ".join(f"{k} ({v})" for k, v in picture["services_down"].items()) or none
        click.echo("")
        click.secho("  " + m("console.picture", t=t, status=status_text(m, picture)), bold=True)
        click.echo("  " + m("console.picture_people", **picture))
        click.echo(
            "  "
            + m(
                "console.picture_casualties",
                casualties=picture["casualties"],
                **picture["casualties_by_triage"],
            )
        )
        if picture["casualty_care"]:
            care = ", ".join(
                f"{k.replace('_', ' ')} {v}" for k, v in picture["casualty_care"].items()
            )
            click.echo("  " + m("console.picture_care", care=care))
        click.echo("  " + m("console.picture_units", units=units))
        click.echo(
            "  "
            + m("console.picture_agencies", agencies=", ".join(picture["agencies_alerted"]) or none)
        )
        click.echo("  " + m("console.picture_down", down=down))
        if picture["hospitals_at_capacity"]:
            click.echo(
                "  "
                + m(
                    "console.picture_hospitals",
                    hospitals=", ".join(picture["hospitals_at_capacity"]),
                )
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
            self.block(self.m("console.module_start", title=mod.title), _wrap(mod.summary), "green")

    def questions(self, module_id: str) -> None:
        mod = next(x for x in self.session.scenario.exercise.modules if x.id == module_id)
        if mod.questions:
            click.echo("")
            click.secho("  " + self.m("console.questions") + f" ({mod.title})", bold=True)
            for i, q in enumerate(mod.questions, 1):
                click.echo(f"    {i}. {q}")
            while self.interactive:  # the discussion: notes until Enter
                answer = click.prompt(
                    self.m("console.questions_prompt"), default="", show_default=False
                )
                if answer.strip().lower() != "n":
                    break
                self.session.note(click.prompt(self.m("console.note_prompt")), module_id)

    def pause(self) -> None:
        if self.interactive:
            click.prompt(
                self.m("console.press_enter"), default="", show_default=False, prompt_suffix=" "
            )

    # -- stops ------------------------------------------------------------------------------
    def inject(self, stop) -> str:
        inject = next(i for i in self.session.scenario.exercise.injects if i.id == stop.item_id)
        self.block(
            self.m("console.inject", t=stop.t_min),
            [
                self.m("console.inject_from", sender=inject.sender, recipient=inject.recipient),
                "",
                *_wrap(inject.message),
            ],
        )
        self.situation(self.session.picture())
        while self.interactive:
            answer = (
                click.prompt(self.m("console.continue_prompt"), default="", show_default=False)
                .strip()
                .lower()
            )
            if answer in ("", "c"):
                return "continue"
            if answer == "n":
                self.session.note(click.prompt(self.m("console.note_prompt")))
            elif answer == "b":
                if self.go_back():
                    return "back"
            elif answer == "s":
                self.situation(self.session.picture())
        return "continue"

    def decision(self, stop, recorded=None) -> str:
        point = self.session.point(stop.item_id)
        self.block(
            self.m("console.decision", t=stop.t_min, decided_by=point.decided_by),
            [*_wrap(point.prompt), ""]
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
            answer = click.prompt(self.m("console.choose", n=len(ids))).strip()
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
                click.secho(f"  {text}", fg="red")
                continue
            why = click.prompt(self.m("console.justify"), default="", show_default=False)
            self.session.decide(answer, why)
            self._recorded(point, self.session.decisions[-1].option, why)
            return "decided"

    def _recorded(self, point, option_id: str, why: str) -> None:
        label = next(o.label for o in point.options if o.id == option_id)
        click.secho(
            "  " + self.m("console.recorded", option=label, justification=why or "-"), fg="green"
        )
        if self.session.autosave is not None:
            click.secho("  " + self.m("console.autosaved", path=self.session.autosave), dim=True)

    def go_back(self) -> bool:
        try:
            stop = self.session.back()
        except VtsimError:
            click.secho("  " + self.m("console.no_back"), fg="red")
            return False
        click.secho("  " + self.m("console.went_back", point=stop.item_id), fg="yellow")
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
        click.echo(
            "  "
            + self.m("console.outcome", metric=headline, value=value, ended_by=s.outcome.ended_by)
        )

    # -- the whole run --------------------------------------------------------------------------
    def run(self, recorded=None) -> None:
        """Play to the end: prompts, or the recorded decisions (``DecisionsFile``)."""
        choices = {d.point: d for d in recorded.decisions} if recorded else None
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


def _wrap(text: str) -> list[str]:
    import textwrap

    return textwrap.wrap(" ".join(text.split()), WIDTH - 4) or [""]
