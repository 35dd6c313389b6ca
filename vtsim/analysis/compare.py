"""Fair comparisons of measure packages: ``vtsim.compare()``.

Every package runs on the same replications as the baseline (same seed, same
named streams: common random numbers), so each difference is paired. For each
package and phase the comparison gives the difference to the baseline with a
95 % interval, the probability that the package is better, and, when the
interval still holds zero, how many replications would be needed to tell. For
each package it adds what it costs (one-off, yearly, annualised), what it asks
of the public (declared seconds per visitor, notes; simulated
``visitor_delay_min_total`` and ``queue_peak_outside``) and the cost per
expected casualty avoided.

Cost per casualty avoided = annualised cost / (casualties avoided per attack
attempted x ``attacks_per_year``). ``attacks_per_year`` defaults to 1: the
figure then reads "per casualty avoided if one attack a year is attempted";
scale it with the national threat assessment.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from vtsim.analysis.results import Results
from vtsim.analysis.runner import run
from vtsim.errors import VtsimError
from vtsim.scenario.catalogue import with_measures
from vtsim.scenario.loader import load_scenario
from vtsim.scenario.schema import Scenario

HARM_METRIC = "casualties_total"
BURDEN_METRICS = ("visitor_delay_min_total", "queue_peak_outside")


def _package_spec(packages, measures) -> tuple[list[str], dict[str, list[str]]]:
    """Package ids to run, and the ad-hoc packages to define (name -> measure ids)."""
    adhoc: dict[str, list[str]] = {}
    ids: list[str] = []
    if isinstance(packages, dict):
        for name, ms in packages.items():
            adhoc[str(name)] = [ms] if isinstance(ms, str) else list(ms)
            ids.append(str(name))
    elif packages:
        ids += [str(p) for p in packages]
    if measures:
        ms = [m.strip() for m in (measures.split(",") if isinstance(measures, str) else measures)]
        ms = [m for m in ms if m]
        name = "_".join(ms)  # package ids allow letters, digits, '-', '_' and '.'

        adhoc[name] = ms
        ids.append(name)
    return ids, adhoc


def compare(
    scenario: Scenario | str | Path,
    packages: list[str] | dict[str, list[str]] | None = None,
    measures: list[str] | str | None = None,
    replications: int | None = None,
    seed: int | None = None,
    jobs: int | None = 1,
    *,
    attacks_per_year: float = 1.0,
    harm_metric: str = HARM_METRIC,
    progress: bool | None = None,
    executor=None,
) -> Comparison:
    """Compare packages with the baseline on common random numbers.

    ``packages``: package ids of the scenario, or a mapping ``name -> [measure ids]``
    (ids from the scenario first, then the bundled catalogue). ``measures``: measure
    ids making one more package (``"a,b"`` or a list). Neither: every package of the
    scenario.

    >>> c = compare("harbour-festival", measures="public-warning-app", replications=20,
    ...             seed=1, progress=False)
    >>> list(c.packages_frame["package"])
    ['public-warning-app']
    """
    if not isinstance(scenario, Scenario):
        scenario = load_scenario(scenario)
    if attacks_per_year <= 0:
        raise VtsimError(f"attacks_per_year must be positive; got {attacks_per_year}.")
    ids, adhoc = _package_spec(packages, measures)
    if harm_metric in BURDEN_METRICS:
        raise VtsimError(f"harm_metric '{harm_metric}' is a burden, not a harm.")
    clash = [p for p in adhoc if p in {q.id for q in scenario.packages} or p == "baseline"]
    if clash:
        raise VtsimError(
            f"Package name '{clash[0]}' is already a package of scenario '{scenario.name}'; "
            "choose another name."
        )
    scenario = with_measures(scenario, [], adhoc)
    if not ids:
        ids = [p.id for p in scenario.packages]
    if not ids:
        raise VtsimError(
            f"Scenario '{scenario.name}' defines no packages; name measures to compare "
            "(--measures a,b) or packages of measures."
        )
    results = run(
        scenario,
        replications=replications,
        seed=seed,
        jobs=jobs,
        packages=["baseline", *ids],
        progress=progress,
        executor=executor,
    )
    if harm_metric not in results.frame:
        known = sorted(c for c in results.frame.columns if results.frame[c].dtype.kind == "f")
        raise VtsimError(
            f"harm_metric '{harm_metric}' is not an outcome of scenario '{scenario.name}'; "
            f"expected one of: {', '.join(known)}."
        )
    return Comparison(results, attacks_per_year=attacks_per_year, harm_metric=harm_metric)


def _verdict(row, replications: int) -> str:
    """In words; replications needed are scaled to all replications when the metric is
    defined in only some of them (e.g. minutes to a responder, when one came)."""
    if row["diff"] == 0 and row["diff_lo"] == row["diff_hi"]:
        return "no change on any replication"
    if row["distinguishable"]:
        better = row["diff"] < 0 if row["better"] == "lower" else row["diff"] > 0
        return "better" if better else "worse"
    need = row.get("replications_needed")
    if not need or pd.isna(need):
        return "not distinguishable from zero"
    n = int(row.get("n") or 0)
    total = math.ceil(need * replications / n) if 0 < n < replications else int(need)
    total = max(total, replications + 1)
    more = f" ({total - replications} more)" if total > replications else ""
    return f"not distinguishable from zero; about {total} replications would tell{more}"


@dataclass
class Comparison:
    """A paired comparison of packages against the baseline.

    ``frame``: one row per (package, phase) with the headline, its difference to
    the baseline, interval, ``p_better``, ``verdict``; ``packages_frame``: one row per
    package with cost, burden and cost per expected casualty avoided.
    """

    results: Results
    attacks_per_year: float = 1.0
    harm_metric: str = HARM_METRIC
    _frame: pd.DataFrame | None = field(default=None, repr=False)
    _packages: pd.DataFrame | None = field(default=None, repr=False)

    @property
    def harm_label(self) -> str:
        """The harm metric in words (``casualties_total`` is "casualties")."""
        return {"casualties_total": "casualties"}.get(
            self.harm_metric, self.harm_metric.replace("_", " ")
        )

    @property
    def scenario(self) -> Scenario:
        return self.results.scenario

    @property
    def frame(self) -> pd.DataFrame:
        if self._frame is None:
            card = self.results.scorecard()
            base = card[card["package"] == "baseline"].set_index("phase")["value"]
            rows = card[card["package"] != "baseline"].copy()
            rows.insert(4, "baseline", rows["phase"].map(base))
            rows["verdict"] = [_verdict(r, self.results.replications) for _, r in rows.iterrows()]
            self._frame = rows.reset_index(drop=True)
        return self._frame

    @property
    def packages_frame(self) -> pd.DataFrame:
        if self._packages is None:
            self._packages = pd.DataFrame([self._package_row(p) for p in self._compared()])
        return self._packages

    def _compared(self) -> list[str]:
        return [p for p in self.results.packages if p != "baseline"]

    def _package_row(self, package_id: str) -> dict:
        s = self.scenario
        measures = [s.measure(m) for m in s.package(package_id).measures]
        harm = self.results.compare(self.harm_metric, "lower").set_index("package").loc[package_id]
        avoided = -harm["diff"]
        annual = sum(m.cost.annualised() for m in measures)
        per_casualty = annual / (avoided * self.attacks_per_year) if avoided > 0 else math.inf
        row = {
            "package": package_id,
            "measures": ", ".join(m.id for m in measures),
            "phases": ", ".join(dict.fromkeys(m.phase.value for m in measures)),
            "cost_one_off": sum(m.cost.one_off for m in measures),
            "cost_yearly": sum(m.cost.yearly for m in measures),
            "cost_annualised": annual,
            "casualties_avoided": avoided,
            "casualties_avoided_lo": -harm["hi"],
            "casualties_avoided_hi": -harm["lo"],
            "p_fewer_casualties": harm["p_better"],
            "distinguishable": bool(harm["distinguishable"]),
            "replications_needed": harm["replications_needed"],
            "cost_per_casualty_avoided": per_casualty,
            "visitor_delay_s_declared": sum(m.burden.visitor_delay_s for m in measures),
            "burden_notes": " ".join(m.burden.note for m in measures if m.burden.note),
        }
        frame = self.results.frame
        for metric in BURDEN_METRICS:
            if metric in frame and frame[metric].notna().any():
                d = self.results.compare(metric, "lower").set_index("package").loc[package_id]
                mean = frame.loc[frame["package"] == package_id, metric].mean()
                row[metric] = mean
                row[metric + "_change"] = d["diff"]
        return row

    # -- text -----------------------------------------------------------------------
    def text(self) -> str:
        """A plain-text summary for the terminal."""
        r = self.results
        cur = self.scenario.currency
        out = [
            f"{self.scenario.name}: {r.replications} replications per package, seed {r.seed}, "
            "paired on common random numbers",
            "",
            r.scorecard_text().rstrip(),
            "",
            *self._unclear_lines(),
            f"COST AND BURDEN ({self.harm_label} avoided per attack attempted; "
            f"{self.attacks_per_year:g} attack(s) attempted per year assumed)",
        ]
        for _, p in self.packages_frame.iterrows():
            cpc = p["cost_per_casualty_avoided"]
            cpc_text = f"{cpc:,.0f} {cur}" if math.isfinite(cpc) else "n/a (none avoided)"
            out.append(
                f"  {p['package']}: {p['cost_annualised']:,.0f} {cur}/year "
                f"(one-off {p['cost_one_off']:,.0f}, yearly {p['cost_yearly']:,.0f}); "
                f"{self.harm_label} avoided {p['casualties_avoided']:.2f} "
                f"[{p['casualties_avoided_lo']:.2f}, {p['casualties_avoided_hi']:.2f}], "
                f"P(fewer) {p['p_fewer_casualties']:.2f}; cost per one avoided {cpc_text}"
            )
            if not p["distinguishable"] and not pd.isna(p["replications_needed"]):
                extra = int(p["replications_needed"]) - r.replications
                out.append(
                    "    not distinguishable from zero with these replications; about "
                    f"{int(p['replications_needed'])} would be needed ({max(extra, 1)} more)"
                )
            burden = []
            if p["visitor_delay_s_declared"]:
                burden.append(f"{p['visitor_delay_s_declared']:g} s per visitor declared")
            if "visitor_delay_min_total" in p and not pd.isna(p.get("visitor_delay_min_total")):
                burden.append(
                    f"visitor delay {p['visitor_delay_min_total'] / 60:,.0f} h per day "
                    f"({p['visitor_delay_min_total_change'] / 60:+,.0f} h), queue peak "
                    f"{p['queue_peak_outside']:.0f} people outside "
                    f"({p['queue_peak_outside_change']:+.0f})"
                )
            if p["burden_notes"]:
                burden.append(p["burden_notes"])
            if burden:
                out.append("    burden: " + "; ".join(burden))
        return "\n".join(out) + "\n"

    def _unclear_lines(self) -> list[str]:
        unclear = self.frame[self.frame["verdict"].str.startswith("not distinguishable")]
        if unclear.empty:
            return []
        lines = [
            f"NOT DISTINGUISHABLE FROM ZERO with {self.results.replications} replications "
            "(replications that would tell, at the difference seen):"
        ]
        for _, row in unclear.iterrows():
            lines.append(f"  {row['package']} / {row['phase']}: {row['verdict']}")
        return [*lines, ""]

    # -- storylines (their figures: vtsim.report.plots) -----------------------------
    def storyline(self, package: str, replication: int | None = None):
        """Traces of one replication for the baseline and ``package`` (same random numbers).

        The default replication is the first one in which the baseline attack
        reached the site and harmed people: a storyline worth discussing.
        """
        from vtsim.model.world import simulate
        from vtsim.scenario.transforms import apply_package

        frame = self.results.frame
        if replication is None:
            base = frame[(frame["package"] == "baseline") & (frame[self.harm_metric] > 0)]
            replication = int(base["replication"].iloc[0]) if len(base) else 0
        traces = {}
        for pid in ("baseline", package):
            outcome = simulate(
                apply_package(self.scenario, pid), self.results.seed, replication, trace=True
            )
            traces[pid] = outcome
        return traces, replication

    def _repr_html_(self) -> str:
        cols = [
            "package",
            "phase",
            "label",
            "baseline",
            "value",
            "diff",
            "diff_lo",
            "diff_hi",
            "p_better",
            "verdict",
        ]
        fmt = {"float_format": lambda x: f"{x:.3g}", "index": False}
        pk = self.packages_frame[
            [
                "package",
                "measures",
                "cost_annualised",
                "casualties_avoided",
                "p_fewer_casualties",
                "cost_per_casualty_avoided",
            ]
        ]
        return (
            f"<h4>{self.scenario.name}: packages against the baseline "
            f"({self.results.replications} paired replications, seed {self.results.seed})</h4>"
            + self.frame[cols].to_html(**fmt)
            + "<h5>Cost and burden</h5>"
            + pk.to_html(**fmt)
        )

    def __repr__(self) -> str:
        return (
            f"Comparison({self.scenario.name!r}, packages={self._compared()}, "
            f"replications={self.results.replications}, seed={self.results.seed})"
        )
