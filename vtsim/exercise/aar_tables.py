"""The After-Action Report's tables: the session's timeline, the outcome tables per phase
(your choices against each alternative, on this storyline and over many) and how their
numbers read (:func:`_fmt`). Presentation only: it reads the session and the replays.
"""

from __future__ import annotations

import math

from vtsim.exercise.options import find_option
from vtsim.exercise.text import Messages, status_text


def timeline(session, lang: str = "en") -> list[dict]:
    ex, rows, msg = session.scenario.exercise, [], Messages(lang)
    injects = {i.id: i for i in ex.injects}
    decided = {d.stop: d for d in session.decisions}
    for index, shown in enumerate(session.stops):
        stop = shown["stop"]
        if stop["kind"] == "inject":
            i = injects[stop["item_id"]]
            detail = msg(
                "report.inject_detail", sender=i.sender, recipient=i.recipient, message=i.message
            )
        elif stop["kind"] == "decision":
            point = session.point(stop["item_id"])
            d = decided.get(index)
            chosen = find_option(point, d.option).label if d else msg("report.no_decision")
            detail = msg(
                "report.decision_detail_why" if d and d.justification else "report.decision_detail",
                decided_by=point.decided_by,
                prompt=point.prompt,
                chosen=chosen,
                why=d.justification if d else "",
            )
        else:
            picture = shown["picture"]
            detail = msg(
                "report.end_detail",
                status=status_text(msg, picture),
                casualties=picture["casualties"],
            )
        rows.append({"t_min": stop["t_min"], "kind": stop["kind"], "detail": detail})
    return rows


def outcome_tables(debrief: dict, msg: Messages | None = None) -> list[dict]:
    """The AAR's tables: per phase, one table per outcome, one row per path (your choices,
    then each alternative) on this storyline and over many storylines."""
    from vtsim.exercise.counterfactual import PHASES, phase_title, say

    msg = msg or Messages("en")
    story, over = debrief["on_storyline"], {r["variant"]: r for r in debrief["over_storylines"]}
    if not story:
        return []
    tables: dict[str, list[dict]] = {}
    for k, first in enumerate(story[0]["outcomes"]):
        rows = [
            {
                "path": "chosen",
                "value": first["chosen"],
                "diff": math.nan,
                "over": None,
            }
        ]
        for alt in story:
            item = alt["outcomes"][k]
            many = over.get(alt["variant"])
            rows.append(
                {
                    "path": say(
                        msg,
                        "debrief.path",
                        who=alt["who"],
                        alt=alt["alt_label"],
                        mine=alt["chosen_label"],
                    ),
                    "value": item["alternative"],
                    "diff": item["diff"],
                    "verdict_story": item["verdict"],
                    "over": _find(many["outcomes"], first["metric"]) if many else None,
                }
            )
        tables.setdefault(first["phase"], []).append({**first, "rows": rows})
    return [
        {"phase": p, "title": phase_title(p, msg), "outcomes": tables[p]}
        for p in PHASES
        if p in tables
    ]


def _find(items: list[dict], metric: str) -> dict | None:
    return next((i for i in items if i["metric"] == metric), None)


def _fmt(x, signed: bool = True) -> str:
    """A number for the report's tables: '-' when missing, signed for differences."""
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return "-"
    if x == 0:
        return "0"
    sign = "+" if signed else ""
    return f"{x:{sign},.0f}" if abs(x) >= 1000 else f"{x:{sign}.3g}"
