"""The end of a session: After-Action Report / Improvement Plan and its data files.

Writes ``report.html`` (timeline, outcomes against the alternatives, notes,
improvement plan), ``transcript.json``, ``decisions.csv``, ``outcomes.png``,
``improvement-plan.csv`` and ``improvement-plan.portfolio.yaml`` (a seed for
``vtsim roadmap``). Presentation only: it reads the session and the replays.
"""

from __future__ import annotations

import base64
import datetime as _dt
import io as _stdio
import math
from pathlib import Path

import yaml

from vtsim import io
from vtsim.exercise.options import find_option, option_measures
from vtsim.exercise.text import Messages, names, render, status_text


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


def _plain(text: str, width: int | None = None) -> str:
    """A label for a figure, broken between words at ``width`` characters. Matplotlib 3.11
    and later lay text out with libraqm (Arabic letters joined, right to left, bidi isolates
    honoured: numbers keep their reading order); older versions draw the isolates as boxes,
    so there they are dropped."""
    import textwrap

    from vtsim.exercise.text import LRI, PDI

    if width:
        text = textwrap.fill(text, width, break_long_words=False)
    return text if _complex_text_layout() else text.replace(LRI, "").replace(PDI, "")


def _complex_text_layout() -> bool:
    from matplotlib import ft2font

    return bool(getattr(ft2font, "__libraqm_version__", None))


def _tick(row: dict, msg: Messages, width: int = 48) -> str:
    from vtsim.exercise.counterfactual import say

    return _plain(say(msg, "debrief.path_short", who=row["who"], alt=row["alt_label"]), width)


def outcomes_figure(session, debrief: dict, msg: Messages | None = None):
    """One bar per alternative: alternative minus your choice on the valued composite (or,
    without a valuation, each alternative's headline, standardised), this storyline and
    over many with the 95 % interval. Left of zero: the alternative did better."""
    from vtsim.exercise.counterfactual import COMPOSITE, messages, say
    from vtsim.report.figures import _pyplot

    msg = messages(session, msg)
    plt = _pyplot()
    story, over = debrief["on_storyline"], {r["variant"]: r for r in debrief["over_storylines"]}
    fig, ax = plt.subplots(figsize=(10, 1.8 + 0.8 * max(1, len(story))))
    y = list(range(len(story)))
    valued = debrief["valuation"] is not None

    def pick(row) -> dict | None:
        metric = COMPOSITE if valued else (row.get("metric") or row.get("headline"))
        return _find(row["outcomes"], metric) if metric else None

    on_story = [(pick(r) or {}).get("diff", 0.0) for r in story]
    if not valued:  # no common unit: standardise
        on_story = [0.0 if (i := pick(r)) is None else i["standardised"] for r in story]
    ax.barh(
        y, on_story, color="#1b9e77", alpha=0.6, label=_plain(msg("debrief.figure.this_storyline"))
    )
    points: list[tuple[int, dict]] = []
    for k, r in enumerate(story):
        i = pick(over[r["variant"]]) if r["variant"] in over else None
        if i is not None and i["n"]:
            points.append((k, i))
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
            label=_plain(say(msg, "debrief.figure.over_many", n=str(n))),
        )
    ax.axvline(0, color="#4d4d4d", linewidth=1)
    ax.set_yticks(y, [_tick(r, msg) for r in story], fontsize=13)
    if valued:
        xlabel = say(msg, "debrief.figure.x_valued", currency=debrief["currency"])
    else:
        xlabel = msg("debrief.figure.x_standardised")
    ax.set_xlabel(_plain(xlabel, 60), fontsize=12)
    ax.legend(fontsize=11, loc="best")
    ax.tick_params(labelsize=12)
    fig.tight_layout()
    return fig


def every_outcome_figure(debrief: dict, msg: Messages | None = None):
    """Small multiples, one panel per outcome that changed: alternative minus your choice
    for each alternative, this storyline (bar) and over many storylines (dot, 95 %
    interval). None when no outcome changed."""
    from vtsim.exercise.counterfactual import better_text, say
    from vtsim.report.figures import _pyplot

    msg = msg or Messages("en")
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
        rows, cols, figsize=(6.0 * cols, 1.2 + (0.7 * len(story) + 1.2) * rows), squeeze=False
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
        ax.set_yticks(y, [_tick(r, msg, 30) for r in story], fontsize=9)
        ax.set_title(
            _plain(
                say(
                    msg,
                    "debrief.figure.panel_unit" if first["unit"] else "debrief.figure.panel",
                    outcome=first["label"],
                    unit=first["unit"],
                    better=better_text(first["better"], msg),
                ),
                45,
            ),
            fontsize=10,
        )
        ax.tick_params(labelsize=9)
    for ax in list(axes.flat)[len(metrics) :]:
        ax.axis("off")
    fig.suptitle(_plain(msg("debrief.figure.every"), 110), fontsize=11)
    fig.tight_layout()
    return fig


HOT_WASH = "hot-wash"  # the module of the notes taken at the hot wash
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
    from vtsim.exercise.text import metric_label

    msg = Messages(lang)
    outdir = Path(outdir)
    outdir.mkdir(parents=True, exist_ok=True)
    plan = improvement_plan(session, story, summary, msg)
    valuation = cf.session_valuation(session)
    debrief = {
        "valuation": valuation.name if valuation is not None else None,
        "currency": valuation.currency if valuation is not None else None,
        "on_storyline": cf.compare_on_storyline(session, story, valuation, msg),
        "over_storylines": summary,
        "counts": cf.storyline_counts(session, mc_rows, msg) if mc_rows else None,
    }
    written = []

    png = _png(outcomes_figure(session, debrief, msg))
    with io.atomic_path(outdir / "outcomes.png") as tmp:
        tmp.write_bytes(png)
    written.append(outdir / "outcomes.png")
    every = every_outcome_figure(debrief, msg)
    every_png = _png(every) if every is not None else b""
    if every_png:
        with io.atomic_path(outdir / "outcomes-every.png") as tmp:
            tmp.write_bytes(every_png)
        written.append(outdir / "outcomes-every.png")

    metrics = cf.metric_names(session)

    def metric_words(name: str) -> str:  # a column of the table: the outcome in words
        label, unit = metric_label(session.scenario, name, msg)
        label, unit = label[:1].upper() + label[1:], cf.unit_text(unit, msg)
        return msg("report.column_unit", outcome=label, unit=unit) if unit else label

    modules = {m.id: m.title for m in session.scenario.exercise.modules}
    html = render(
        "report.html.j2",
        lang,
        ex=session.scenario.exercise,
        scenario=session.scenario,
        session=session,
        timeline=timeline(session, lang),
        story=story,
        summary=summary,
        summary_sentences=[cf.over_sentences(r, msg) for r in summary],
        n_storylines=summary[0]["n"] if summary else 0,
        metrics=metrics,
        metric_words={name: metric_words(name) for name in metrics},
        debrief=debrief,
        tables=outcome_tables(debrief, msg),
        action_text=lambda code: action_text(code, msg),
        overall_text=lambda code: cf.overall_text(code, msg),
        verdict_text=lambda code: cf.verdict_text(code, msg),
        better_text=lambda code: cf.better_text(code, msg),
        path=lambda row: cf.say(
            msg, "debrief.path", who=row["who"], alt=row["alt_label"], mine=row["chosen_label"]
        ),
        fmt=_fmt,
        pct=lambda x: cf.pct(x, msg),
        plan=plan,
        objectives=objectives_analysis(session, summary, msg),
        hot_wash=hot_wash(session),
        module_title=lambda module: modules.get(module, module),
        threat_name=names(session.scenario).get(session.threat or "", session.threat),
        discussion_notes=[n for n in session.notes if n.get("module") != HOT_WASH],
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
    io.write_text(outdir / "improvement-plan.portfolio.yaml", _portfolio(session, plan, msg))
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
