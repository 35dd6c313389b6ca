"""Handouts before the workshop (HSEEP style): the Situation Manual for players (agenda,
participants, ground rules, assumptions, modules) and the Facilitator Guide (master
scenario events list, modules with injects and decision points, evaluation guide), both
HTML, and the master scenario events list as ``msel.csv``."""

from __future__ import annotations

from pathlib import Path

from vtsim import io
from vtsim.errors import VtsimError
from vtsim.exercise import msel as msel_mod
from vtsim.exercise.options import lookup_measure
from vtsim.exercise.text import Messages, humanise, names, render
from vtsim.scenario.exercise import Trigger
from vtsim.scenario.schema import Scenario

OBSERVATION_ROWS = 4  # empty rows for the evaluator's observations, per objective


def trigger_text(msg: Messages, when: Trigger, known: dict[str, str]) -> str:
    """When an inject or decision point comes up, in words (no happening or agency ids)."""
    if when.at_min is not None:
        return msg("handout.trigger_time", t=when.at_min)
    event = str(when.event)
    key = f"handout.happenings.{event}"
    what = msg(key) if msg.has(key) else humanise(event)
    if when.match:
        who = msg("handout.list_separator").join(
            _match_value(msg, value, known) for value in when.match.values()
        )
        what = msg("handout.happening_of", what=what, who=who)
    if when.delay_min:
        return msg("handout.trigger_event_delay", what=what, delay=when.delay_min)
    return msg("handout.trigger_event", what=what)


def _match_value(msg: Messages, value: str, known: dict[str, str]) -> str:
    if value in known:
        return known[value]
    key = f"handout.match_values.{value}"
    return msg(key) if msg.has(key) else humanise(value)


def _catalogue_list(msg: Messages, key: str) -> list[str]:
    """The phrases of a catalogue section, in order (a list of phrases is a section whose
    keys only name them, so every translation has the same keys; a plain list is read too)."""
    node = msg.data
    for part in key.split("."):
        node = node[part]
    return [str(item) for item in (node.values() if isinstance(node, dict) else node)]


def _group_label(msg: Messages, group: str, known: dict[str, str]) -> str:
    """A group in words: the scenario's name for it (a crowd group), else the catalogue's
    word for a category (``reduced_mobility``), else its id in words."""
    if group in known:
        return known[group]
    key = f"handout.burden_groups.{group}"
    return msg(key) if msg.has(key) else humanise(group)


def burdens_and_rights(msg: Messages, measures, known: dict[str, str]) -> tuple[str, str]:
    """Who bears the burden of ``measures`` and which rights they engage, in words (from
    their ``burden_on`` and ``rights``): two phrases, each "" when nothing is declared."""
    by_group: dict[str, list[str]] = {}
    rights: list[str] = []
    for measure in measures:
        for entry in getattr(measure, "burden_on", ()):
            how = (
                msg("handout.burden_own_lane")
                if entry.lane == "own"
                else msg(f"handout.burden_how.{entry.how}")
            )
            hows = by_group.setdefault(entry.group, [])
            if how not in hows:
                hows.append(how)
        for right in getattr(measure, "rights", ()):
            label = msg(f"handout.rights.{right.right.value}")
            if label not in rights:
                rights.append(label)
    sep = msg("handout.list_separator")
    burdens = sep.join(
        msg("handout.burden_item", group=_group_label(msg, group, known), how=sep.join(hows))
        for group, hows in by_group.items()
    )
    return (
        msg("handout.option_burden", burdens=burdens) if burdens else "",
        msg("handout.option_rights", rights=sep.join(rights)) if rights else "",
    )


def option_people(scenario: Scenario, msg: Messages, known: dict[str, str]) -> dict:
    """``{"<point>/<option>": [burden phrase, rights phrase]}`` for every decision option
    whose measures declare who bears their burden or which rights they engage."""
    from vtsim.exercise.options import option_measures

    found = {}
    for point in scenario.exercise.decisions if scenario.exercise else ():
        for option in point.options:
            try:
                measures = option_measures(scenario, point, option)
            except VtsimError:  # an unknown measure is the checks' to report
                continue
            lines = [text for text in burdens_and_rights(msg, measures, known) if text]
            if lines:
                found[f"{point.id}/{option.id}"] = lines
    return found


def default_participants(ex, msg: Messages, known: dict[str, str]) -> list[dict]:
    """Who decides or receives injects, by name, when the script lists no participants
    (collective addressees such as "All agencies" left out)."""
    collective = {c.casefold() for c in _catalogue_list(msg, "handout.collective_recipients")}
    found: dict[str, set[str]] = {}
    for point in ex.decisions:
        found.setdefault(known.get(point.decided_by, point.decided_by), set()).add("decides")
    for inject in ex.injects:
        who = known.get(inject.recipient, inject.recipient)
        if who.casefold() not in collective:
            found.setdefault(who, set()).add("receives")
    roles = {
        frozenset({"decides"}): "handout.role_decides",
        frozenset({"receives"}): "handout.role_receives",
        frozenset({"decides", "receives"}): "handout.role_decides_receives",
    }
    return [
        {"name": who, "role": msg(roles[frozenset(what)]), "kind": "player"}
        for who, what in found.items()
    ]


def context(scenario: Scenario, lang: str = "en") -> dict:
    """What both handouts show: the localised scenario, the MSEL, the agenda and the lists."""
    scenario = scenario.localised(lang)
    ex = scenario.exercise
    if ex is None:
        raise VtsimError(f"Scenario '{scenario.name}' has no 'exercise' section.")
    msg = Messages(lang)
    known = names(scenario)
    events = msel_mod.msel(scenario)
    modules = msel_mod.module_order(scenario, events)
    by_objective = {o.id: [e for e in events if e.item.objective == o.id] for o in ex.objectives}
    participants = (
        [{"name": p.name, "role": p.role, "kind": p.kind} for p in ex.participants]
        if ex.participants
        else default_participants(ex, msg, known)
    )
    measure_names = {
        measure: lookup_measure(scenario, measure).name
        for point in ex.decisions
        for option in point.options
        for measure in option.measures
    }
    people = option_people(scenario, msg, known)
    threat = ex.storyline.threat
    return dict(
        ex=ex,
        scenario=scenario,
        seed=ex.storyline.seed or scenario.run.seed,
        replication=ex.storyline.replication,
        threat=known.get(threat, threat) if threat else None,
        events=events,
        modules=modules,
        agenda=msel_mod.agenda(scenario, modules),
        participants=participants,
        ground_rules=list(ex.ground_rules) or _catalogue_list(msg, "handout.default_ground_rules"),
        assumptions=list(ex.assumptions) or _catalogue_list(msg, "handout.default_assumptions"),
        by_objective=by_objective,
        measure_names=measure_names,
        option_people=people,
        option_people_points={key.rsplit("/", 1)[0] for key in people},
        when=lambda trigger: trigger_text(msg, trigger, known),
        observation_rows=OBSERVATION_ROWS,
    )


def write_handouts(scenario: Scenario, outdir: str | Path, lang: str = "en") -> list[Path]:
    """Write ``situation-manual.html`` (for players), ``facilitator-guide.html`` and
    ``msel.csv`` (the master scenario events list)."""
    values = context(scenario, lang)
    outdir = Path(outdir)
    written = []
    for name, template in (
        ("situation-manual.html", "situation_manual.html.j2"),
        ("facilitator-guide.html", "facilitator_guide.html.j2"),
    ):
        io.write_text(outdir / name, render(template, lang, **values))
        written.append(outdir / name)
    msel_mod.write_csv(outdir / "msel.csv", values["events"])
    written.append(outdir / "msel.csv")
    return written
