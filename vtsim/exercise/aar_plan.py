"""The Improvement Plan: one or more actions per decision (``adopt``, ``reconsider``,
``sustain``...), each with owner, due date, objective and its evidence over many
storylines; also which objective a decision serves and how an alternative's evidence
reads (shared with the per-objective analysis, :mod:`vtsim.exercise.aar_objectives`).
"""

from __future__ import annotations

import datetime as _dt

from vtsim.exercise.options import find_option, option_measures
from vtsim.exercise.text import Messages

ACTIONS = ("adopt", "reconsider", "sustain", "trade-off", "no difference", "not tested")


def action_text(code: str, msg: Messages) -> str:
    """An improvement-plan action (``adopt``, ``reconsider``...) in words."""
    return msg(f"debrief.action.{code}")


def objective_of(ex, point):
    """The objective a decision serves: the one it names (``objective``), else the one
    sharing its module's id; None when it is linked to none."""
    by_id = {o.id: o for o in ex.objectives}
    if point.objective:
        return by_id.get(point.objective)
    return by_id.get(point.module)


def _objective(ex, point) -> str:
    """The objective a decision serves, for the plan: :func:`objective_of`, else the one
    whose words overlap most with the module and the prompt (the script does not link
    them)."""
    linked = objective_of(ex, point)
    if linked is not None:
        return linked.text
    module = next((m for m in ex.modules if m.id == point.module), None)
    text = " ".join([point.prompt, *(([module.title, module.summary]) if module else [])])

    def words(t: str) -> set[str]:
        return {w.strip(".,;:()'\"").lower()[:6] for w in t.split() if len(w) > 3}

    here = words(text)
    best = max(ex.objectives, key=lambda o: (len(words(o.text) & here), -ex.objectives.index(o)))
    return best.text


def _evidence_item(row: dict) -> dict | None:
    """The outcome an alternative is judged on: the valued composite, else its headline."""
    from vtsim.exercise.counterfactual import COMPOSITE

    items = row["outcomes"]
    item = next((i for i in items if i["metric"] == COMPOSITE), None)
    return item or next((i for i in items if i["metric"] == row["metric"]), None)


def _evidence_words(item: dict, msg: Messages) -> dict:
    from vtsim.exercise.counterfactual import _amount, _interval, _o

    o = _o(item)
    return {
        "outcome": item["label"],
        "amount": _amount(item["diff"], o, msg),
        "interval": _interval(item, o, msg),
        "n": str(item["n"]),
    }


def _evidence(row: dict, msg: Messages | None = None) -> str:
    """An alternative against the chosen option over many storylines, in plain words:
    the valued composite (or the headline) with its paired 95 % interval."""
    from vtsim.exercise.counterfactual import say

    msg = msg or Messages("en")
    names = {"alt": row.get("alt_label", row["option"]), "mine": row.get("chosen_label", "")}
    item = _evidence_item(row)
    if item is None:
        return say(msg, "debrief.evidence.none", **names)
    return say(msg, "debrief.evidence.item", **names, **_evidence_words(item, msg))


def _gain(row: dict) -> float:
    """How much an alternative changed the valued composite (or its headline): lower is
    better, so the best alternative has the smallest."""
    from vtsim.exercise.counterfactual import COMPOSITE

    item = next((i for i in row["outcomes"] if i["metric"] == COMPOSITE), None)
    if item is None:
        item = next((i for i in row["outcomes"] if i["metric"] == row["metric"]), None)
    if item is None:
        return 0.0
    return item["diff"] if item["better"] == "lower" else -item["diff"]


def improvement_plan(
    session, story: list[dict], summary: list[dict], msg: Messages | None = None
) -> list[dict]:
    """One or more actions per decision, each with owner, due date and objective.

    Corrective actions (``adopt``) come only from alternatives that did better over many
    storylines, their paired 95 % interval excluding zero (on the valued composite when
    the scenario has a valuation); of several, the one that did best (the others are named
    in its evidence). A chosen option an alternative beat is ``reconsider``;
    one that beat every alternative is ``sustain``; otherwise the plan says there was no
    distinguishable difference (or a trade-off). Without many storylines nothing is
    ``adopt``: one storyline has no interval. ``source`` and ``evidence`` are in ``msg``'s
    language (by default the session's)."""
    from vtsim.exercise.counterfactual import messages, say

    msg = messages(session, msg)
    sep = msg("debrief.separator")

    def joined(rows: list[dict]) -> str:
        return sep.join(_evidence(r, msg) for r in rows)

    ex = session.scenario.exercise
    started = _dt.date.fromisoformat(session.started[:10])
    due = (started + _dt.timedelta(days=ex.improvement_due_days)).isoformat()
    rows, seen = [], set()
    for d in session.decisions:
        point = session.point(d.point)
        alts = [r for r in summary or [] if r["point"] == d.point]
        better = [r for r in alts if r["overall"] == "better"]
        worse = [r for r in alts if r["overall"] == "worse"]
        who = point.decided_by or point.id
        if not summary:
            mine = ("not tested", msg("debrief.evidence.not_tested"))
        elif better:
            mine = ("reconsider", joined(better))
        elif alts and len(worse) == len(alts):
            mine = ("sustain", joined(alts))
        elif any(r["overall"] == "mixed" for r in alts):
            mine = ("trade-off", joined(alts))
        else:
            mine = ("no difference", joined(alts))
        picks = [(d.option, say(msg, "debrief.source.chosen", who=who), *mine)]
        if better:  # one corrective action per decision: the alternative that did best
            best = min(better, key=_gain)
            also = [
                say(msg, "debrief.evidence.also_better", evidence=_evidence(r, msg))
                for r in better
                if r is not best
            ]
            picks.append(
                (
                    best["option"],
                    say(msg, "debrief.source.better", who=who),
                    "adopt",
                    sep.join([_evidence(best, msg), *also]),
                )
            )
        for option_id, source, action, evidence in picks:
            option = find_option(point, option_id)
            measures = option_measures(session.scenario, point, option)
            entries = [(m.id, m.name, m.pillar.value, m.phase.value, True) for m in measures] or [
                ("", option.label, option.pillar, _module_phase(ex, point), False)
            ]
            for measure_id, name, pillar, phase, is_measure in entries:
                key = (measure_id or f"{point.id}.{option_id}", action)
                if key in seen:
                    continue
                seen.add(key)
                rows.append(
                    {
                        "action": action,
                        "measure": measure_id,
                        "name": name,
                        "pillar": pillar,
                        "phase": phase,
                        "owner": point.owner or point.decided_by,
                        "due": due,
                        "objective": _objective(ex, point),
                        "point": point.id,
                        "option": option_id,
                        "source": source,
                        "evidence": evidence,
                        "in_scenario": is_measure
                        and any(m.id == measure_id for m in session.scenario.measures),
                    }
                )
    return rows


def _module_phase(ex, point) -> str:
    return next((m.phase for m in ex.modules if m.id == point.module), "respond")
