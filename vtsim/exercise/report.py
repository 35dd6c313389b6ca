"""The end of a session: After-Action Report / Improvement Plan and its data files.

Writes ``report.html`` (timeline, outcomes against the alternatives, notes,
improvement plan), ``transcript.json``, ``decisions.csv``, ``outcomes.png``,
``improvement-plan.csv`` and ``improvement-plan.portfolio.yaml`` (a seed for
``vtsim roadmap``). Presentation only: it reads the session and the replays.
"""

from __future__ import annotations

import base64
import csv
import datetime as _dt
import io as _stdio
import math
from pathlib import Path

import yaml

from vtsim import io
from vtsim.exercise.options import find_option, option_measures
from vtsim.exercise.text import Messages, render, status_text


def timeline(session, lang: str = "en") -> list[dict]:
    ex, rows, msg = session.scenario.exercise, [], Messages(lang)
    injects = {i.id: i for i in ex.injects}
    decided = {d.stop: d for d in session.decisions}
    for index, shown in enumerate(session.stops):
        stop = shown["stop"]
        if stop["kind"] == "inject":
            i = injects[stop["item_id"]]
            detail = f"{i.sender} -> {i.recipient}: {i.message}"
        elif stop["kind"] == "decision":
            point = session.point(stop["item_id"])
            d = decided.get(index)
            chosen = find_option(point, d.option).label if d else msg("report.no_decision")
            why = f" ({d.justification})" if d and d.justification else ""
            detail = f"{point.decided_by}: {point.prompt} -> {chosen}{why}"
        else:
            picture = shown["picture"]
            detail = msg(
                "report.end_detail",
                status=status_text(msg, picture),
                casualties=picture["casualties"],
            )
        rows.append({"t_min": stop["t_min"], "kind": stop["kind"], "detail": detail})
    return rows


ACTIONS = {
    "adopt": "adopt: an alternative that did better",
    "reconsider": "reconsider: an alternative did better than this choice",
    "sustain": "sustain: this choice did better than every alternative",
    "trade-off": "discuss: better on some outcomes, worse on others",
    "no difference": "no distinguishable difference between the choices",
    "not tested": "not tested over many storylines (no interval)",
}


def _objective(ex, point) -> str:
    """The objective a decision serves: the one sharing its module's id, else the one whose
    words overlap most with the module and the prompt (the script does not link them)."""
    by_id = {o.id: o for o in ex.objectives}
    if point.module in by_id:
        return by_id[point.module].text
    module = next((m for m in ex.modules if m.id == point.module), None)
    text = " ".join([point.prompt, *(([module.title, module.summary]) if module else [])])

    def words(t: str) -> set[str]:
        return {w.strip(".,;:()'\"").lower()[:6] for w in t.split() if len(w) > 3}

    here = words(text)
    best = max(ex.objectives, key=lambda o: (len(words(o.text) & here), -ex.objectives.index(o)))
    return best.text


def _evidence(row: dict) -> str:
    """An alternative against the chosen option over many storylines, in plain words:
    the valued composite (or the headline) with its paired 95 % interval."""
    from vtsim.exercise.counterfactual import COMPOSITE, _amount, _interval, _o

    items = row["outcomes"]
    item = next((i for i in items if i["metric"] == COMPOSITE), None)
    item = item or next((i for i in items if i["metric"] == row["metric"]), None)
    if item is None:
        return f"'{row['option']}' and '{row['chosen_option']}' compare in no storyline"
    o = _o(item)
    return (
        f"'{row['option']}' instead of '{row['chosen_option']}': {item['label']} "
        f"{_amount(item['diff'], o)} ({_interval(item, o)}; {item['n']} storylines)"
    )


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


def improvement_plan(session, story: list[dict], summary: list[dict]) -> list[dict]:
    """One or more actions per decision, each with owner, due date and objective.

    Corrective actions (``adopt``) come only from alternatives that did better over many
    storylines, their paired 95 % interval excluding zero (on the valued composite when
    the scenario has a valuation); of several, the one that did best (the others are named
    in its evidence). A chosen option an alternative beat is ``reconsider``;
    one that beat every alternative is ``sustain``; otherwise the plan says there was no
    distinguishable difference (or a trade-off). Without many storylines nothing is
    ``adopt``: one storyline has no interval."""
    ex = session.scenario.exercise
    started = _dt.date.fromisoformat(session.started[:10])
    due = (started + _dt.timedelta(days=ex.improvement_due_days)).isoformat()
    rows, seen = [], set()
    for d in session.decisions:
        point = session.point(d.point)
        alts = [r for r in summary or [] if r["point"] == d.point]
        better = [r for r in alts if r["overall"] == "better"]
        worse = [r for r in alts if r["overall"] == "worse"]
        if not summary:
            mine = ("not tested", "compared on this storyline only")
        elif better:
            mine = ("reconsider", "; ".join(_evidence(r) for r in better))
        elif alts and len(worse) == len(alts):
            mine = ("sustain", "; ".join(_evidence(r) for r in alts))
        elif any(r["overall"] == "mixed" for r in alts):
            mine = ("trade-off", "; ".join(_evidence(r) for r in alts))
        else:
            mine = ("no difference", "; ".join(_evidence(r) for r in alts))
        picks = [(d.option, f"chosen at '{point.id}'", *mine)]
        if better:  # one corrective action per decision: the alternative that did best
            best = min(better, key=_gain)
            also = [f"; also better: {_evidence(r)}" for r in better if r is not best]
            picks.append(
                (
                    best["option"],
                    f"better alternative at '{point.id}'",
                    "adopt",
                    _evidence(best) + "".join(also),
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


def outcome_tables(debrief: dict) -> list[dict]:
    """The AAR's tables: per phase, one table per outcome, one row per path (your choices,
    then each alternative) on this storyline and over many storylines."""
    from vtsim.exercise.counterfactual import PHASE_TITLES, PHASES

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
                    "path": f"{alt['point']}: {alt['label']} (instead of '{alt['chosen_option']}')",
                    "value": item["alternative"],
                    "diff": item["diff"],
                    "verdict_story": item["verdict"],
                    "over": _find(many["outcomes"], first["metric"]) if many else None,
                }
            )
        tables.setdefault(first["phase"], []).append({**first, "rows": rows})
    return [
        {"phase": p, "title": PHASE_TITLES[p], "outcomes": tables[p]} for p in PHASES if p in tables
    ]


def _find(items: list[dict], metric: str) -> dict | None:
    return next((i for i in items if i["metric"] == metric), None)


def outcomes_figure(session, debrief: dict):
    """One bar per alternative: alternative minus your choice on the valued composite (or,
    without a valuation, each alternative's headline, standardised), this storyline and
    over many with the 95 % interval. Left of zero: the alternative did better."""
    from vtsim.exercise.counterfactual import COMPOSITE
    from vtsim.report.figures import _pyplot

    plt = _pyplot()
    story, over = debrief["on_storyline"], {r["variant"]: r for r in debrief["over_storylines"]}
    fig, ax = plt.subplots(figsize=(10, 1.2 + 0.6 * max(1, len(story))))
    y = list(range(len(story)))
    valued = debrief["valuation"] is not None

    def pick(row) -> dict | None:
        metric = COMPOSITE if valued else (row.get("metric") or row.get("headline"))
        return _find(row["outcomes"], metric) if metric else None

    on_story = [(pick(r) or {}).get("diff", 0.0) for r in story]
    if not valued:  # no common unit: standardise
        on_story = [0.0 if (i := pick(r)) is None else i["standardised"] for r in story]
    ax.barh(y, on_story, color="#1b9e77", alpha=0.6, label="this storyline")
    points = [(k, pick(over[r["variant"]])) for k, r in enumerate(story) if r["variant"] in over]
    points = [(k, i) for k, i in points if i is not None and i["n"]]
    if points:
        scale = [
            1.0 if valued else (i["diff"] / i["standardised"] if i["standardised"] else 1.0)
            for _, i in points
        ]
        mean = [i["diff"] / s for (_, i), s in zip(points, scale)]
        err = [
            [max(0.0, (i["diff"] - i["diff_lo"]) / s) for (_, i), s in zip(points, scale)],
            [max(0.0, (i["diff_hi"] - i["diff"]) / s) for (_, i), s in zip(points, scale)],
        ]
        n = next(iter(over.values()))["n"]
        ax.errorbar(
            mean,
            [k for k, _ in points],
            xerr=err,
            fmt="o",
            color="#d95f02",
            capsize=6,
            markersize=9,
            label=f"over {n} storylines (95 % interval)",
        )
    ax.axvline(0, color="#4d4d4d", linewidth=1)
    ax.set_yticks(y, [r["variant"] for r in story], fontsize=13)
    what = f"everything, valued ({debrief['currency']})" if valued else "headline (standardised)"
    ax.set_xlabel(f"{what}: alternative - your choice (left: alternative better)", fontsize=12)
    ax.legend(fontsize=11, loc="best")
    ax.tick_params(labelsize=12)
    fig.tight_layout()
    return fig


def every_outcome_figure(debrief: dict):
    """Small multiples, one panel per outcome that changed: alternative minus your choice
    for each alternative, this storyline (bar) and over many storylines (dot, 95 %
    interval). None when no outcome changed."""
    from vtsim.report.figures import _pyplot

    story, over = debrief["on_storyline"], {r["variant"]: r for r in debrief["over_storylines"]}
    if not story:
        return None
    metrics = []
    for k, first in enumerate(story[0]["outcomes"]):
        changed = any(r["outcomes"][k]["diff"] not in (0, None) for r in story) or any(
            (_find(o["outcomes"], first["metric"]) or {}).get("diff") not in (0, None)
            for o in over.values()
        )
        if changed:
            metrics.append((k, first))
    if not metrics:
        return None
    plt = _pyplot()
    cols = min(3, len(metrics))
    rows = -(-len(metrics) // cols)
    fig, axes = plt.subplots(
        rows, cols, figsize=(5.2 * cols, 0.9 + (0.45 * len(story) + 1.0) * rows), squeeze=False
    )
    y = list(range(len(story)))
    for ax, (k, first) in zip(axes.flat, metrics):
        ax.barh(y, [r["outcomes"][k]["diff"] for r in story], color="#1b9e77", alpha=0.6)
        for j, r in enumerate(story):
            item = _find(over[r["variant"]]["outcomes"], first["metric"]) if over else None
            if item and item["n"] and item["diff"] == item["diff"]:
                ax.errorbar(
                    [item["diff"]],
                    [j],
                    xerr=[
                        [max(0.0, item["diff"] - item["diff_lo"])],
                        [max(0.0, item["diff_hi"] - item["diff"])],
                    ],
                    fmt="o",
                    color="#d95f02",
                    capsize=4,
                )
        ax.axvline(0, color="#4d4d4d", linewidth=1)
        ax.set_yticks(y, [r["variant"] for r in story], fontsize=9)
        unit = f" ({first['unit']})" if first["unit"] else ""
        ax.set_title(f"{first['label']}{unit}; {first['better']} is better", fontsize=10)
        ax.tick_params(labelsize=9)
    for ax in list(axes.flat)[len(metrics) :]:
        ax.axis("off")
    fig.suptitle(
        "Alternative - your choice, every outcome that changed: bars this storyline, "
        "dots over many storylines (95 % interval)",
        fontsize=11,
    )
    fig.tight_layout()
    return fig


def _png(fig) -> bytes:
    import matplotlib.pyplot as plt

    buffer = _stdio.BytesIO()
    fig.savefig(buffer, format="png", dpi=110)
    plt.close(fig)
    return buffer.getvalue()


def write_report(
    session,
    outdir: str | Path,
    story: list[dict],
    summary: list[dict],
    mc_rows: list[dict],
    lang: str = "en",
) -> list[Path]:
    from vtsim.exercise import counterfactual as cf

    outdir = Path(outdir)
    outdir.mkdir(parents=True, exist_ok=True)
    plan = improvement_plan(session, story, summary)
    valuation = cf.session_valuation(session)
    debrief = {
        "valuation": valuation.name if valuation is not None else None,
        "currency": valuation.currency if valuation is not None else None,
        "on_storyline": cf.compare_on_storyline(session, story, valuation),
        "over_storylines": summary,
        "counts": cf.storyline_counts(session, mc_rows) if mc_rows else None,
    }
    written = []

    png = _png(outcomes_figure(session, debrief))
    with io.atomic_path(outdir / "outcomes.png") as tmp:
        tmp.write_bytes(png)
    written.append(outdir / "outcomes.png")
    every = every_outcome_figure(debrief)
    every_png = _png(every) if every is not None else b""
    if every_png:
        with io.atomic_path(outdir / "outcomes-every.png") as tmp:
            tmp.write_bytes(every_png)
        written.append(outdir / "outcomes-every.png")

    html = render(
        "report.html.j2",
        lang,
        ex=session.scenario.exercise,
        scenario=session.scenario,
        session=session,
        timeline=timeline(session, lang),
        story=story,
        summary=summary,
        n_storylines=summary[0]["n"] if summary else 0,
        metrics=cf.metric_names(session),
        debrief=debrief,
        tables=outcome_tables(debrief),
        actions=ACTIONS,
        fmt=_fmt,
        pct=_pct,
        plan=plan,
        figure=base64.b64encode(png).decode("ascii"),
        figure_every=base64.b64encode(every_png).decode("ascii"),
    )
    io.write_text(outdir / "report.html", html)
    written.append(outdir / "report.html")

    transcript = {k: v for k, v in session.to_dict().items() if k != "scenario"}
    transcript.update(
        scenario_name=session.scenario.name,
        outcome=session.outcome.metrics if session.outcome else None,
        on_storyline=story,
        over_storylines=summary,
        debrief_on_storyline=debrief["on_storyline"],
        storyline_counts=debrief["counts"],
        valuation=debrief["valuation"],
        improvement_plan=plan,
    )
    io.write_json(outdir / "transcript.json", io.clean_for_json(transcript))
    written.append(outdir / "transcript.json")

    io.write_text(outdir / "decisions.csv", _decisions_csv(session, story))
    written.append(outdir / "decisions.csv")
    io.write_text(outdir / "improvement-plan.csv", _csv(plan))
    written.append(outdir / "improvement-plan.csv")
    io.write_text(outdir / "improvement-plan.portfolio.yaml", _portfolio(session, plan))
    written.append(outdir / "improvement-plan.portfolio.yaml")
    if mc_rows:
        io.write_text(outdir / "storylines.csv", _csv(mc_rows))
        written.append(outdir / "storylines.csv")
    return written


def _fmt(x, signed: bool = True) -> str:
    """A number for the report's tables: '-' when missing, signed for differences."""
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return "-"
    if x == 0:
        return "0"
    sign = "+" if signed else ""
    return f"{x:{sign},.0f}" if abs(x) >= 1000 else f"{x:{sign}.3g}"


def _pct(x) -> str:
    return "-" if x is None or x != x else f"{100 * x:.0f} %"


def _csv(rows: list[dict]) -> str:
    if not rows:
        return ""
    out = _stdio.StringIO()
    fields = list(dict.fromkeys(k for row in rows for k in row))  # rows may differ in keys
    writer = csv.DictWriter(out, fieldnames=fields, lineterminator="\n")
    writer.writeheader()
    for row in rows:
        writer.writerow(
            {k: ("" if isinstance(v, float) and math.isnan(v) else v) for k, v in row.items()}
        )
    return out.getvalue()


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


def _portfolio(session, plan: list[dict]) -> str:
    """A ``vtsim roadmap`` portfolio seeded with the plan's measures (scenario measures;
    inline decision effects are listed in a comment, to be declared as measures first)."""
    source = Path(session.source) if session.source else None
    target = str(source.resolve()) if source is not None and source.is_file() else session.source
    data = {
        "name": f"Improvement plan: {session.scenario.exercise.title}",
        "description": f"Seeded by the exercise session of {session.started}.",
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
        head = (
            "# Decision options with inline effects (declare them as measures to rank them):\n"
            + "".join(f"#   {m}\n" for m in inline)
        )
    return head + yaml.safe_dump(data, sort_keys=False, allow_unicode=True)
