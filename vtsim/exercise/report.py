"""The end of a session: After-Action Report / Improvement Plan and its data files.

Writes ``report.html`` (timeline, outcomes against the alternatives, notes,
improvement plan), ``transcript.json``, ``decisions.csv``, ``outcomes.png``,
``improvement-plan.csv`` and ``improvement-plan.portfolio.yaml`` (a seed for
``vtsim roadmap``). Presentation only: it reads the session and the replays.

:func:`write_report` gathers the parts and writes the files; the parts live in
:mod:`~vtsim.exercise.aar_tables` (timeline, outcome tables, numbers),
:mod:`~vtsim.exercise.aar_figures` (figures), :mod:`~vtsim.exercise.aar_plan`
(improvement plan), :mod:`~vtsim.exercise.aar_objectives` (analysis per objective,
hot wash) and :mod:`~vtsim.exercise.aar_files` (CSV, portfolio). Their names are
importable from here too.
"""

from __future__ import annotations

import base64
from pathlib import Path

from vtsim import io
from vtsim.exercise.aar_figures import _png as _png
from vtsim.exercise.aar_figures import every_outcome_figure as every_outcome_figure
from vtsim.exercise.aar_figures import outcomes_figure as outcomes_figure
from vtsim.exercise.aar_files import _csv as _csv
from vtsim.exercise.aar_files import _decisions_csv as _decisions_csv
from vtsim.exercise.aar_files import _portfolio as _portfolio
from vtsim.exercise.aar_objectives import HOT_WASH as HOT_WASH
from vtsim.exercise.aar_objectives import HOT_WASH_TOPICS as HOT_WASH_TOPICS
from vtsim.exercise.aar_objectives import hot_wash as hot_wash
from vtsim.exercise.aar_objectives import objectives_analysis as objectives_analysis
from vtsim.exercise.aar_plan import ACTIONS as ACTIONS
from vtsim.exercise.aar_plan import action_text as action_text
from vtsim.exercise.aar_plan import improvement_plan as improvement_plan
from vtsim.exercise.aar_plan import objective_of as objective_of
from vtsim.exercise.aar_tables import _fmt as _fmt
from vtsim.exercise.aar_tables import outcome_tables as outcome_tables
from vtsim.exercise.aar_tables import timeline as timeline
from vtsim.exercise.text import Messages, names, render


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
