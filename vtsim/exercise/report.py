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


def improvement_plan(session, story: list[dict], summary: list[dict]) -> list[dict]:
    """Measures the teams chose, and those of alternatives that did better (over many
    storylines when available, else on this storyline), with owner and due date."""
    ex = session.scenario.exercise
    headline = ex.headline_metric
    started = _dt.date.fromisoformat(session.started[:10])
    due = (started + _dt.timedelta(days=ex.improvement_due_days)).isoformat()
    chosen_value = next(r[headline] for r in story if r["variant"] == "chosen")
    better = set()
    for row in summary or story:
        if row["variant"] == "chosen":
            continue
        if summary and row["saved_hi"] < 0 or not summary and row[headline] < chosen_value:
            better.add((row["point"], row["option"]))
    rows, seen = [], set()
    for d in session.decisions:
        point = session.point(d.point)
        picks = [(d.option, f"chosen at '{point.id}'")]
        picks += [
            (o, f"better alternative at '{point.id}'") for p, o in sorted(better) if p == d.point
        ]
        for option_id, source in picks:
            for measure in option_measures(session.scenario, point, find_option(point, option_id)):
                if measure.id in seen:
                    continue
                seen.add(measure.id)
                rows.append(
                    {
                        "measure": measure.id,
                        "name": measure.name,
                        "pillar": measure.pillar.value,
                        "phase": measure.phase.value,
                        "owner": point.owner or point.decided_by,
                        "due": due,
                        "source": source,
                        "in_scenario": any(m.id == measure.id for m in session.scenario.measures),
                    }
                )
    return rows


def outcomes_figure(session, story: list[dict], summary: list[dict]):
    """One bar per alternative: what the teams' choice saved, with its 95 % interval."""
    from vtsim.report.figures import _pyplot

    plt = _pyplot()
    headline = session.scenario.exercise.headline_metric
    alts = [r for r in story if r["variant"] != "chosen"]
    chosen = next(r[headline] for r in story if r["variant"] == "chosen")
    fig, ax = plt.subplots(figsize=(10, 1.2 + 0.6 * max(1, len(alts))))
    y = list(range(len(alts)))
    on_story = [r[headline] - chosen for r in alts]
    ax.barh(y, on_story, color="#1b9e77", alpha=0.6, label="this storyline")
    if summary:
        mean = [s["saved_mean"] for s in summary]
        err = [
            [max(0.0, s["saved_mean"] - s["saved_lo"]) for s in summary],
            [max(0.0, s["saved_hi"] - s["saved_mean"]) for s in summary],
        ]
        ax.errorbar(
            mean,
            y,
            xerr=err,
            fmt="o",
            color="#d95f02",
            capsize=6,
            markersize=9,
            label=f"{summary[0]['n']} storylines (95 % interval)",
        )
    ax.axvline(0, color="#4d4d4d", linewidth=1)
    ax.set_yticks(y, [r["variant"] for r in alts], fontsize=13)
    ax.set_xlabel(f"{headline} saved by your choice (alternative - chosen)", fontsize=13)
    ax.legend(fontsize=11, loc="best")
    ax.tick_params(labelsize=12)
    fig.tight_layout()
    return fig


def write_report(
    session,
    outdir: str | Path,
    story: list[dict],
    summary: list[dict],
    mc_rows: list[dict],
    lang: str = "en",
) -> list[Path]:
    from vtsim.exercise.counterfactual import metric_names

    outdir = Path(outdir)
    outdir.mkdir(parents=True, exist_ok=True)
    plan = improvement_plan(session, story, summary)
    written = []

    fig = outcomes_figure(session, story, summary)
    buffer = _stdio.BytesIO()
    fig.savefig(buffer, format="png", dpi=110)
    png = buffer.getvalue()
    import matplotlib.pyplot as plt

    plt.close(fig)
    with io.atomic_path(outdir / "outcomes.png") as tmp:
        tmp.write_bytes(png)
    written.append(outdir / "outcomes.png")

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
        metrics=metric_names(session),
        plan=plan,
        figure=base64.b64encode(png).decode("ascii"),
    )
    io.write_text(outdir / "report.html", html)
    written.append(outdir / "report.html")

    transcript = {k: v for k, v in session.to_dict().items() if k != "scenario"}
    transcript.update(
        scenario_name=session.scenario.name,
        outcome=session.outcome.metrics if session.outcome else None,
        on_storyline=story,
        over_storylines=summary,
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


def _csv(rows: list[dict]) -> str:
    if not rows:
        return ""
    out = _stdio.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(rows[0]), lineterminator="\n")
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
        "candidates": [row["measure"] for row in plan if row["in_scenario"]],
    }
    inline = [row["measure"] for row in plan if not row["in_scenario"]]
    head = ""
    if inline:
        head = (
            "# Decision options with inline effects (declare them as measures to rank them):\n"
            + "".join(f"#   {m}\n" for m in inline)
        )
    return head + yaml.safe_dump(data, sort_keys=False, allow_unicode=True)
