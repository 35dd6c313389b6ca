"""The After-Action Report's data files besides the HTML: the CSV of the decisions, CSV
rows in general (spreadsheet-safe) and the ``vtsim roadmap`` portfolio seeded with the
improvement plan's measures.
"""

from __future__ import annotations

import math
from pathlib import Path

import yaml

from vtsim import io
from vtsim.exercise.options import find_option
from vtsim.exercise.text import Messages


def _csv(rows: list[dict]) -> str:
    """Rows (which may differ in keys) as CSV; text cells a spreadsheet would run as a
    formula (= + - @ tab CR) get a leading apostrophe (:func:`vtsim.io.neutralise_cell`)."""
    if not rows:
        return ""
    return io.csv_text(
        {k: ("" if isinstance(v, float) and math.isnan(v) else v) for k, v in row.items()}
        for row in rows
    )


def _decisions_csv(session, story: list[dict]) -> str:
    headline = session.scenario.exercise.headline_metric
    chosen = next(r[headline] for r in story if r["variant"] == "chosen")
    rows = []
    for d in session.decisions:
        point = session.point(d.point)
        alts = {r["option"]: r[headline] for r in story if r["point"] == d.point}
        rows.append(
            {
                "t_min": round(d.t_min, 3),
                "point": d.point,
                "decided_by": point.decided_by,
                "option": d.option,
                "label": find_option(point, d.option).label,
                "team": d.team,
                "justification": d.justification,
                f"{headline}_chosen": chosen,
                f"{headline}_alternatives": "; ".join(f"{o}={v:g}" for o, v in alts.items()),
            }
        )
    return _csv(rows)


def _portfolio(session, plan: list[dict], msg: Messages | None = None) -> str:
    """A ``vtsim roadmap`` portfolio seeded with the plan's measures (scenario measures;
    inline decision effects are listed in a comment, to be declared as measures first)."""
    msg = msg or Messages("en")
    source = Path(session.source) if session.source else None
    target = str(source.resolve()) if source is not None and source.is_file() else session.source
    data = {
        "name": msg("report.portfolio_name", title=session.scenario.exercise.title),
        "description": msg("report.portfolio_description", started=session.started),
        "currency": session.scenario.currency,
        "metric": session.scenario.exercise.headline_metric,
        "targets": [{"scenario": target or session.scenario.name, "weight": 1.0}],
        "candidates": list(
            dict.fromkeys(
                row["measure"]
                for row in plan
                if row["in_scenario"] and row["action"] in ("adopt", "sustain")
            )
        ),
    }
    inline = list(
        dict.fromkeys(
            row["measure"]
            for row in plan
            if row["measure"] and not row["in_scenario"] and row["action"] in ("adopt", "sustain")
        )
    )
    head = ""
    if inline:
        head = "# " + msg("report.portfolio_inline") + "\n" + "".join(f"#   {m}\n" for m in inline)
    return head + yaml.safe_dump(data, sort_keys=False, allow_unicode=True)
