"""What the workshop writes at the end: the tables' files, its report and CSV files.

:class:`ReportsMixin` (a part of :class:`~vtsim.workshop.engine.Workshop`): every table's
console files (session, report, many storylines), ``workshop-report.html`` (tables,
decisions, hot wash, notes, observers' ratings) and ``votes.csv``, ``notes.csv``,
``ratings.csv`` (cells a spreadsheet will not execute).
"""

from __future__ import annotations

import csv
import io as _stdio
from pathlib import Path

from vtsim import io
from vtsim.exercise.options import find_option, find_point
from vtsim.workshop import security
from vtsim.workshop.state import HOT_WASH, WorkshopBase, _exercise
from vtsim.workshop.text import render


class ReportsMixin(WorkshopBase):
    def write_outputs(self) -> list[Path]:
        from vtsim.exercise import counterfactual as cf
        from vtsim.exercise.report import write_report
        from vtsim.workshop.consequences import table_summary

        written: list[Path] = []
        results = {}
        for t in self.tables:
            s, folder = t.session, self.outdir / "tables" / t.id
            story, rows, summary = cf.on_storyline(s), [], []
            if s.decisions and self.replications > 0:
                key = tuple(sorted(s.choices().items()))
                if key not in self._mc_cache:
                    self._mc_cache[key] = cf.monte_carlo(
                        s, self.replications, seed=self.seed, jobs=self.jobs, progress=False
                    )
                rows = self._mc_cache[key]
                summary = cf.summarise(s, rows)
            s.save(folder / "session.json")
            written.append(folder / "session.json")
            written += write_report(s, folder, story, summary, rows, self.lang)
            results[t.id] = table_summary(self, t, story, summary)
        written.append(self._write_report(results))
        for name, rows in (
            ("votes.csv", self._votes_rows()),
            ("notes.csv", self._notes_rows()),
            ("ratings.csv", self._ratings_rows()),
        ):
            io.write_text(self.outdir / name, _csv(rows))
            written.append(self.outdir / name)
        return written

    def _write_report(self, results: dict) -> Path:
        ex = _exercise(self.scenario)
        objectives = []
        for o in ex.objectives:
            rs = [r for r in self.ratings if r["objective"] == o.id]
            objectives.append(
                {
                    "text": o.text,
                    "capability": o.capability,
                    "ratings": [
                        {**r, "table_name": self.table(r["table"]).name if r["table"] else ""}
                        for r in rs
                    ],
                    "mean": sum(r["rating"] for r in rs) / len(rs) if rs else None,
                }
            )
        hot = [n for n in self.notes if n["module"] == HOT_WASH]
        modules = {x.id: x.title for x in ex.modules}
        html = render(
            "workshop_report.html.j2",
            self.lang,
            ex=ex,
            scenario=self.scenario,
            tables=[
                {
                    "id": t.id,
                    "name": t.name,
                    "participants": [
                        {"name": p.name, "role": self.role_name(p.role)}
                        for p in self.participants.values()
                        if p.table_id == t.id
                    ],
                    **results[t.id],
                }
                for t in self.tables
            ],
            hot_wash={
                "strength": [n for n in hot if n["topic"] == "strength"],
                "improvement": [n for n in hot if n["topic"] == "improvement"],
                "other": [n for n in hot if n["topic"] not in ("strength", "improvement")],
            },
            notes=[n for n in self.notes if n["module"] != HOT_WASH and n["author"] != "observer"],
            observer_notes=[n for n in self.notes if n["author"] == "observer"],
            module_title=lambda module: modules.get(module, module or ""),
            table_name=lambda table_id: self.table(table_id).name if table_id else "",
            objectives=objectives,
            n_storylines=self.replications,
        )
        path = self.outdir / "workshop-report.html"
        io.write_text(path, html)
        return path

    def _votes_rows(self) -> list[dict]:
        rows = []
        for t in self.tables:
            for _, votes in sorted(self.votes[t.id].items()):
                for v in votes.values():
                    point = find_point(self.scenario, v["point"])
                    rows.append(
                        {
                            "table": t.name,
                            "point": v["point"],
                            "decided_by": point.decided_by,
                            "participant": v["name"],
                            "role": self.role_name(v["role"]),
                            "option": v["option"],
                            "label": find_option(point, v["option"]).label,
                            "justification": v["justification"],
                            "time": _iso(v["ts"]),
                        }
                    )
        return rows

    def _notes_rows(self) -> list[dict]:
        return [
            {
                "time": _iso(n["ts"]),
                "author": n["author"],
                "name": n["name"] or "",
                "table": self.table(n["table"]).name if n["table"] else "",
                "module": n["module"] or "",
                "topic": n["topic"] or "",
                "text": n["text"],
            }
            for n in self.notes
        ]

    def _ratings_rows(self) -> list[dict]:
        texts = {o.id: o.text for o in _exercise(self.scenario).objectives}
        return [
            {
                "time": _iso(r["ts"]),
                "observer": r["observer"],
                "objective": r["objective"],
                "objective_text": texts[r["objective"]],
                "table": self.table(r["table"]).name if r["table"] else "",
                "rating": r["rating"],
                "text": r["text"],
            }
            for r in self.ratings
        ]


def _iso(ts: float) -> str:
    import datetime as _dt

    return _dt.datetime.fromtimestamp(ts, _dt.timezone.utc).isoformat(timespec="seconds")


def _csv(rows: list[dict]) -> str:
    """CSV text whose cells a spreadsheet will not execute."""
    out = _stdio.StringIO()
    if not rows:
        return ""
    writer = csv.DictWriter(out, fieldnames=list(rows[0]), lineterminator="\n")
    writer.writeheader()
    for row in rows:
        writer.writerow({k: security.neutralise_csv_cell(v) for k, v in row.items()})
    return out.getvalue()
