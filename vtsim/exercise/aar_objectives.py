"""HSEEP's analysis per exercise objective for the After-Action Report: the strengths,
areas for improvement, points to discuss and observations drawn from the decisions that
serve each objective, with their modules' discussion notes; and the hot-wash notes by
topic.
"""

from __future__ import annotations

from vtsim.exercise.aar_plan import _evidence_item, _evidence_words, objective_of
from vtsim.exercise.session import HOT_WASH as HOT_WASH  # re-exported (vtsim.exercise.report)
from vtsim.exercise.text import Messages

HOT_WASH_TOPICS = ("strength", "improvement")  # what went well, what should be improved


def objectives_analysis(session, summary: list[dict], msg: Messages | None = None) -> list[dict]:
    """HSEEP's analysis of each exercise objective: its capability, the strengths and areas
    for improvement drawn from the decisions that serve it (:func:`objective_of`) and the
    discussion notes of their modules; decisions linked to no objective come last, as
    "other decisions" (``id`` None).

    A chosen option that no alternative beat over many storylines and that did better than
    at least one (paired 95 % interval excluding zero) is a *strength*; each alternative
    that did better than the choice (interval excluding zero) is an *area for improvement*
    with its evidence; an alternative better on some outcomes and worse on others is *to
    discuss*; no distinguishable difference, or no comparison over many storylines, is an
    *observation*. An alternative that did worse is never an area for improvement."""
    from vtsim.exercise.counterfactual import _people_labels, messages, say

    msg = messages(session, msg)
    ex = session.scenario.exercise
    titles = {m.id: m.title for m in ex.modules}

    def section(objective) -> dict:
        return {
            "id": objective.id if objective else None,
            "text": objective.text if objective else msg("report.other_decisions"),
            "capability": objective.capability if objective else "",
            "decisions": [],
            "modules": [],
            "strengths": [],
            "areas": [],
            "discuss": [],
            "observations": [],
            "notes": [],
        }

    sections = {o.id: section(o) for o in ex.objectives}
    other = section(None)
    for d in session.decisions:
        point = session.point(d.point)
        objective = objective_of(ex, point)
        sec = sections[objective.id] if objective is not None else other
        sec["decisions"].append(point.id)
        if point.module not in sec["modules"]:
            sec["modules"].append(point.module)
        who, _, mine = _people_labels(session, point.id, d.option, d.option)
        alts = [r for r in summary or [] if r["point"] == point.id]
        n = str(alts[0]["n_compared"]) if alts else "0"
        names = {"who": who, "mine": mine, "n": n}
        better = [r for r in alts if r["overall"] == "better"]
        mixed = [r for r in alts if r["overall"] == "mixed"]
        worse = [r for r in alts if r["overall"] == "worse"]
        base = {"point": point.id, "option": d.option}
        if not alts:
            sec["observations"].append(
                {**base, "text": say(msg, "debrief.aar.not_tested", **names)}
            )
            continue
        for r in better:  # 'better' overall: an item exists (the verdict is on it)
            item = _evidence_item(r)
            words = _evidence_words(item, msg) if item is not None else {}
            sec["areas"].append(
                {
                    **base,
                    "alternative": r["option"],
                    "text": say(msg, "debrief.aar.area", **{**names, **words}, alt=r["alt_label"]),
                }
            )
        for r in mixed:
            sec["discuss"].append(
                {
                    **base,
                    "alternative": r["option"],
                    "text": say(msg, "debrief.aar.trade_off", **names, alt=r["alt_label"]),
                }
            )
        if not better and not mixed and worse:
            sec["strengths"].append({**base, "text": say(msg, "debrief.aar.strength", **names)})
        elif not better and not mixed:
            sec["observations"].append(
                {**base, "text": say(msg, "debrief.aar.no_difference", **names)}
            )
    out = [*sections.values(), *([other] if other["decisions"] else [])]
    for sec in out:
        sec["notes"] = [
            {**n, "module_title": titles.get(n["module"], n["module"])}
            for n in session.notes
            if n.get("module") in sec["modules"]
        ]
    return out


def hot_wash(session) -> dict:
    """The hot-wash notes (module ``hot-wash``) by the standard prompt they answer (their
    ``topic``: ``strength``, what went well; ``improvement``, what should be improved),
    the others (remarks from the room) under ``other``."""
    notes = [n for n in session.notes if n.get("module") == HOT_WASH]
    by = {t: [n for n in notes if n.get("topic") == t] for t in HOT_WASH_TOPICS}
    by["other"] = [n for n in notes if n.get("topic") not in HOT_WASH_TOPICS]
    return {"notes": notes, "by_topic": by}
