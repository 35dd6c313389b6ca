"""The views' JSON: what the facilitator, projector, participant and observer pages show.

:func:`view` builds one view of a :class:`~vtsim.workshop.engine.Workshop` in the viewer's
language (docs/workshop-design.md): the tables (their stop, situation, tallies, decisions;
the facilitator's ground truth and ballots; a participant's own vote), the module's clock,
the consequences revealed, the notes and ratings, and the phrases the pages' scripts use.
Read-only: it changes nothing.
"""

from __future__ import annotations

from functools import cache
from typing import TYPE_CHECKING

from vtsim.exercise.options import find_option, find_point
from vtsim.exercise.text import Messages, languages
from vtsim.workshop.state import Participant, _exercise
from vtsim.workshop.text import messages

if TYPE_CHECKING:
    from vtsim.workshop.engine import Workshop

KINDS = ("facilitator", "projector", "participant", "observer")


class _Words:
    """What the console's phrases need of a session: the scenario (in the viewer's
    language) and its decision points."""

    def __init__(self, scenario):
        self.scenario = scenario

    def point(self, point_id: str):
        return find_point(self.scenario, point_id)


def view(
    w: Workshop, kind: str, lang: str | None = None, participant: Participant | None = None
) -> dict:
    """The view's JSON (docs/workshop-design.md), in the viewer's language."""
    if kind not in KINDS:
        raise w._error("bad_view", 404)
    if kind == "participant":
        if participant is None:
            raise w._error("unknown_participant", 403)
        lang = lang or participant.lang
    lang = lang if lang in languages() else w.lang
    with w._lock:
        return _build(w, kind, lang, participant)


def _build(w: Workshop, kind: str, lang: str, participant: Participant | None) -> dict:
    from vtsim.exercise.console import Console

    m = messages(lang)
    scenario = w.scenario_in(lang)
    ex = _exercise(scenario)
    remaining, duration = w.remaining_s()
    module = None
    if w.clock.module is not None:
        mod = next(x for x in ex.modules if x.id == w.clock.module)
        module = {
            "id": mod.id,
            "title": mod.title,
            "phase": m(f"debrief.phase.{mod.phase}")
            if m.has(f"debrief.phase.{mod.phase}")
            else mod.phase,
            "remaining_s": round(remaining or 0.0),
            "duration_s": round(duration or 0.0),
        }
    shown = w.tables
    if kind == "participant":
        assert participant is not None
        shown = [w.table(participant.table_id)]
    console = w._consoles.get(lang)
    if console is None:
        console = w._consoles[lang] = Console(_Words(scenario), lang, interactive=False)
    tables = []
    for t in shown:
        current = t.session.current
        entry = {
            "id": t.id,
            "name": w._table_name(t, lang),
            "participants": [
                {"name": p.name, "role": w.role_name(p.role, lang)}
                for p in w.participants.values()
                if p.table_id == t.id
            ],
            "stop": _stop(current, scenario) if current is not None else None,
            "picture": console.situation_lines(t.session.picture()) if current else [],
            "tally": w.tally(t),
            "votes": len(w.live_votes(t)),
            "voting": t.id in w.voting,
            "decided": w._decided_here(t),
            "decisions": [_decision_words(d, scenario) for d in t.session.decisions],
        }
        if kind == "facilitator":
            entry["ground_truth"] = (
                console.facilitator_lines(t.session.ground_truth()) if current else []
            )
            entry["ballots"] = [
                {
                    "name": v["name"],
                    "role": w.role_name(v["role"], lang),
                    "option": v["option"],
                    "justification": v["justification"],
                }
                for v in w.live_votes(t).values()
            ]
        if kind == "participant":
            assert participant is not None
            mine = w.live_votes(t).get(participant.id)
            entry["my_vote"] = (
                {"option": mine["option"], "justification": mine["justification"]} if mine else None
            )
        tables.append(entry)
    view = {
        "version": w.version,
        "kind": kind,
        "lang": lang,
        "dir": m.data.get("dir", "ltr"),
        "title": ex.title,
        "scenario": scenario.name,
        "state": w.state,
        "paused": w.paused,
        "module": module,
        "tables": tables,
        "consequences": _consequences(w, lang, [t.id for t in shown]),
        "progress": dict(w.reveal_state.progress)
        if w.reveal_state is not None and w.reveal_state.progress
        else None,
        "m": _view_phrases(lang),
    }
    if kind in ("facilitator", "projector"):
        view["join_code"] = w.join_code
    if kind == "facilitator":
        view["can_undo"] = bool(w.rounds) and w.started and not w.ended
        view["notes"] = [
            {
                "author": n["name"] or m(f"workshop.server.author_{n['author']}"),
                "table": n["table"],
                "module": n["module"],
                "topic": n["topic"],
                "t_min": n["t_min"],
                "text": n["text"],
            }
            for n in w.notes
        ]
    if kind == "participant":
        assert participant is not None
        view["my_vote"] = tables[0]["my_vote"]
        view["me"] = {
            "id": participant.id,
            "name": participant.name,
            "role": w.role_name(participant.role, lang),
            "table": participant.table_id,
        }
    if kind == "observer":
        view["objectives"] = [
            {
                "id": o.id,
                "text": o.text,
                "capability": o.capability,
                "evaluation": list(o.evaluation),
            }
            for o in ex.objectives
        ]
        view["ratings"] = [
            {k: r[k] for k in ("observer", "objective", "rating", "text", "table")}
            for r in w.ratings
        ]
    return view


def _stop(stop, scenario) -> dict:
    out: dict = {"kind": stop.kind, "t_min": round(stop.t_min, 1), "module": stop.module}
    ex = _exercise(scenario)
    if stop.kind == "inject":
        i = next(x for x in ex.injects if x.id == stop.item_id)
        out["inject"] = {"from": i.sender, "to": i.recipient, "message": i.message}
    elif stop.kind == "decision":
        point = find_point(scenario, stop.point_id)
        out["decision"] = {
            "id": point.id,
            "decided_by": point.decided_by,
            "prompt": point.prompt,
            "options": [{"id": o.id, "label": o.label} for o in point.options],
        }
    return out


def _decision_words(d, scenario) -> dict:
    point = find_point(scenario, d.point)
    return {
        "point": d.point,
        "decided_by": point.decided_by,
        "option": d.option,
        "label": find_option(point, d.option).label,
        "justification": d.justification,
        "t_min": round(d.t_min, 1),
    }


def _consequences(w: Workshop, lang: str, table_ids: list[str]) -> list[dict]:
    from vtsim.workshop.consequences import sentences

    state = w.reveal_state
    if state is None:
        return []
    out = []
    for table_id in table_ids:
        done = state.done.get(table_id)
        if done is None:
            continue
        point = state.tables[table_id]
        out.append(
            {
                "table": table_id,
                "point": point,
                "chart": f"/api/chart/{table_id}/{point}.svg",
                "sentences": sentences(w._focus_in(done["focus"], lang), done, messages(lang)),
            }
        )
    return out


@cache
def _view_phrases(lang: str) -> dict[str, str]:
    """Every phrase of ``workshop.view`` (the views' scripts'), keys relative to it."""
    node = Messages(lang).data.get("workshop", {}).get("view")
    if node is None:  # not translated yet: the English phrases
        node = Messages("en").data.get("workshop", {}).get("view", {})
    out: dict[str, str] = {}

    def walk(value, prefix: str) -> None:
        if isinstance(value, dict):
            for k, v in value.items():
                walk(v, f"{prefix}.{k}" if prefix else str(k))
        else:
            out[prefix] = str(value)

    walk(node, "")
    return out
