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
attempted x ``attacks_per_year``). ``attacks_per_year`` comes from the valuation
(:mod:`vtsim.analysis.valuation`; 1 in the bundled default, a distribution in
harbour-festival's): set it from the national threat assessment. Every outcome is
also valued (``valuation_frame``), per threat (``by_threat``), with side effects
flagged (``side_effects``) and the benefit-cost ratio in ``packages_frame``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from itertools import count
from pathlib import Path

import pandas as pd

from vtsim.analysis.compare_text import group_lines, threat_lines, valued_lines
from vtsim.analysis.results import Results
from vtsim.analysis.runner import run
from vtsim.analysis.scorecard import (
    GROUP_METRICS,
    GROUP_PREFIX,
    GROUP_SEP,
    group_disparity,
    group_ids,
    render_text,
    scorecard_by_threat,
)
from vtsim.analysis.stats import paired_difference
from vtsim.analysis.valuation import (
    ALL,
    cost_effectiveness,
    describe_side_effect,
    likelihood_range,
    side_effects,
)
from vtsim.analysis.valuation import differences as valuation_differences
from vtsim.errors import VtsimError
from vtsim.model.groups import scenario_groups
from vtsim.scenario.catalogue import with_measures
from vtsim.scenario.loader import load_scenario
from vtsim.scenario.schema import Scenario
from vtsim.scenario.valuation import Valuation

HARM_METRIC = "casualties_total"
BURDEN_METRICS = ("visitor_delay_min_total", "queue_peak_outside")

# Displacement (vtsim.model.protect): the outcome columns, and how a side effect names them.
DISPLACEMENT_TERMS = {
    "displaced": ("Attacks displaced to a fallback target", "share of attacks reaching the site"),
    "displaced_casualties": ("Casualties at fallback targets", "people per attack attempted"),
}


def displacement_side_effects(
    frame: pd.DataFrame, packages: list[str], scenario: Scenario | None = None
) -> pd.DataFrame:
    """Displacement as a side effect: per package, overall and per threat, the paired
    difference to the baseline of the share of attacks displaced to a fallback target and
    of the casualties there (rows shaped like the valuation's side effects).

    A package is flagged (``worse``) whenever it displaces an attack on a replication where
    the baseline did not: on common random numbers the package is the only difference
    between the two runs, so each such replication is a displacement it caused, and a
    protective measure that moves harm to the queue must say so even when the number is
    too small to be distinguishable, or when the valued composite improves overall. The
    interval is shown with it. With ``scenario``, a threat's rows name its fallback zone."""
    if "displaced" not in frame or "displaced_casualties" not in frame:
        return pd.DataFrame()
    from vtsim.analysis.stats import paired_difference
    from vtsim.analysis.valuation import ALL, criterion_row

    rows = []
    threats = [ALL, *sorted(frame["threat"].dropna().unique())]
    for package in packages:
        if package == "baseline":
            continue
        for threat in threats:
            subset = frame if threat == ALL else frame[frame["threat"] == threat]
            mine = subset[subset["package"] == package].set_index("replication")
            base = subset[subset["package"] == "baseline"].set_index("replication")
            caused = False
            where = _fallback_zone_name(scenario, threat)
            for column, (label, unit) in DISPLACEMENT_TERMS.items():
                if where:
                    label = f"{label} ({where})"
                joined = pd.concat([mine[column], base[column]], axis=1, keys=["p", "b"])
                joined = joined.dropna()
                if joined.empty:
                    continue
                d = paired_difference(joined["p"], joined["b"], "lower")
                more = bool((joined["p"] > joined["b"]).any())
                if column == "displaced":
                    caused = more
                worse = bool(d.diff > 0 and (caused or d.distinguishable))
                row = criterion_row(
                    package, threat, column, label, unit, "displacement", joined, d, worse
                )
                rows.append(
                    {
                        **row,
                        "effect_diff": d.diff,
                        "effect_lo": d.lo,
                        "effect_hi": d.hi,
                        "effect_on": "",
                    }
                )
    return pd.DataFrame(rows)


def _fallback_zone_name(scenario: Scenario | None, threat_id: str) -> str:
    """The name of a threat's fallback zone ('' if unknown, or over every threat)."""
    if scenario is None:
        return ""
    threat = next((t for t in scenario.threats if t.id == threat_id), None)
    fallback = getattr(threat, "fallback", None)
    if threat is None or fallback is None:
        return ""
    site = scenario.site(threat.site)
    zone = next((z for z in site.zones if z.id == fallback.zone), None)
    return str(zone.name or zone.id) if zone is not None else fallback.zone


def _package_spec(
    packages, measures, scenario: Scenario | None = None
) -> tuple[list[str], dict[str, list[str]]]:
    """Package ids to run, and the ad-hoc packages to define (name -> measure ids).

    ``measures``: ``"a,b"`` or ``["a", "b"]`` is one package of both measures; a list of
    groups (``[["a", "b"], ["c"]]`` or ``["a,b", ["c"]]``: what repeated ``-m`` gives)
    is one package per group. An ad-hoc package is named by its measures (see
    :func:`_adhoc_name`); a group with the measures of a package of ``scenario`` is that
    package.
    """
    adhoc: dict[str, list[str]] = {}
    ids: list[str] = []
    if isinstance(packages, dict):
        for name, ms in packages.items():
            adhoc[str(name)] = [ms] if isinstance(ms, str) else list(ms)
            ids.append(str(name))
    elif packages:
        ids += [str(p) for p in packages]
    existing = {p.id: list(p.measures) for p in scenario.packages} if scenario else {}
    for ms in _measure_groups(measures):
        name = next((pid for pid, pms in {**existing, **adhoc}.items() if pms == ms), None)
        if name is None:  # a new package, named by its measures
            name = _adhoc_name(ms)
            taken = {*existing, *adhoc, *ids, "baseline"}
            if name in taken:
                name = next(f"{name}-{i}" for i in count(2) if f"{name}-{i}" not in taken)
            adhoc[name] = ms
        if name not in ids:
            ids.append(name)
    return ids, adhoc


def _measure_groups(measures) -> list[list[str]]:
    """``measures`` as groups of measure ids, one group per ad-hoc package."""
    if not measures:
        return []
    if isinstance(measures, str) or all(isinstance(m, str) for m in measures):
        items = [measures if isinstance(measures, str) else ",".join(measures)]
    else:
        items = [m if isinstance(m, str) else ",".join(m) for m in measures]
    groups = [[m.strip() for m in item.split(",") if m.strip()] for item in items]
    return [list(dict.fromkeys(g)) for g in groups if g]


def _adhoc_name(measure_ids: list[str], shown: int = 2) -> str:
    """A readable package id for measures: the measure ids (each already a short name of
    its measure) joined by ``_``; past ``shown`` of them, ``_and-N-more`` (the package's
    full list is in ``packages_frame["measures"]``). Package ids allow letters, digits,
    ``-``, ``_`` and ``.`` only, and figures and tables show the id.

    >>> _adhoc_name(["entrance-screening"])
    'entrance-screening'
    >>> _adhoc_name(["rescue-task-force", "bleeding-control-kits", "hospital-surge-plan"])
    'rescue-task-force_bleeding-control-kits_and-1-more'
    """
    head = "_".join(measure_ids[:shown])
    rest = len(measure_ids) - shown
    return f"{head}_and-{rest}-more" if rest > 0 else head


def compare(
    scenario: Scenario | str | Path,
    packages: list[str] | dict[str, list[str]] | None = None,
    measures: list[str] | str | None = None,
    replications: int | None = None,
    seed: int | None = None,
    jobs: int | None = 1,
    *,
    attacks_per_year: float | None = None,
    harm_metric: str = HARM_METRIC,
    progress: bool | None = None,
    executor=None,
    valuation=None,
) -> Comparison:
    """Compare packages with the baseline on common random numbers.

    ``packages``: package ids of the scenario, or a mapping ``name -> [measure ids]``
    (ids from the scenario first, then the bundled catalogue). ``measures``: measure
    ids making one more package (``"a,b"`` or a list). Neither: every package of the
    scenario. ``valuation``: a :class:`~vtsim.scenario.valuation.Valuation`, a valuation
    file, or a dict of overrides of the default (``scenarios/valuation.yaml``) after the
    scenario's own ``valuation:`` section; ``attacks_per_year`` overrides the valuation's.

    >>> c = compare("harbour-festival", measures="public-warning-app", replications=20,
    ...             seed=1, progress=False)
    >>> list(c.packages_frame["package"])
    ['public-warning-app']
    """
    if not isinstance(scenario, Scenario):
        scenario = load_scenario(scenario)
    if attacks_per_year is not None and attacks_per_year <= 0:
        raise VtsimError(f"attacks_per_year must be positive; got {attacks_per_year}.")
    from vtsim.analysis.valuation import resolve_valuation

    value_rule = resolve_valuation(scenario, valuation)
    if attacks_per_year is not None:
        value_rule = value_rule.model_copy(update={"attacks_per_year": attacks_per_year})
    ids, adhoc = _package_spec(packages, measures, scenario)
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
    yearly = likelihood_range(value_rule)[0]
    return Comparison(
        results, attacks_per_year=yearly, harm_metric=harm_metric, valuation=value_rule
    )


# What a headline reads, where it is less than the whole scenario: a package that changes
# none of it cannot move that headline on any replication. Read from the model's wiring:
# prevention draws only from `prevent` and the threats (`model/prevent.py`, the threat
# choice); casualty care (`medical`) reads the casualties and the scene but nothing outside
# the medical model reads it back. A headline not listed may read every simulated section.
_NOT_SIMULATED = {"name", "description", "currency", "sources", "run", "measures", "packages"}
_NOT_SIMULATED |= {"uses", "catalogue", "exercise", "valuation"}
_READS = {"prevented": {"prevent", "threats"}}
_DOES_NOT_READ = {
    m: {"medical"}
    for m in ("stopped_before_harm", "casualties_total", "site_closed_days", "resilience_loss")
}


def _touches(scenario: Scenario, package: str, metric: str) -> bool:
    """Whether ``package`` changes anything of ``scenario`` that ``metric`` reads."""
    from vtsim.scenario.transforms import apply_package

    try:
        changed, base = apply_package(scenario, package), apply_package(scenario, "baseline")
    except VtsimError:
        return True
    sections = [
        name
        for name in type(scenario).model_fields
        if name not in _NOT_SIMULATED and getattr(changed, name) != getattr(base, name)
    ]
    reads = _READS.get(metric)
    return any(
        (name in reads) if reads is not None else name not in _DOES_NOT_READ.get(metric, ())
        for name in sections
    )


def _verdict(row, replications: int, scenario: Scenario | None = None) -> str:
    """In words; replications needed are scaled to all replications when the metric is
    defined in only some of them (e.g. minutes to a responder, when one came).

    "no change on any replication" only when the package changes nothing the headline
    reads (with ``scenario``; see :func:`_touches`). Otherwise a difference of zero on
    every replication so far is "not distinguishable from zero yet": no change in ``n``
    replications puts the share of replications it changes below 3 / n (95 %, the rule of
    three), and telling a difference from zero takes about 4 replications that change
    (the mean is then 2 standard errors from zero), so at least 4 n / 3.
    """
    if row["diff"] == 0 and row["diff_lo"] == row["diff_hi"]:
        package, metric = row.get("package"), row.get("metric")
        if scenario is None or not _touches(scenario, str(package), str(metric)):
            return "no change on any replication"
        n = int(row.get("n") or 0)
        total = max(math.ceil(4 * max(n, 1) / 3), n + 1)
        if 0 < n < replications:
            total = math.ceil(total * replications / n)
        return (
            f"not distinguishable from zero yet: no replication changed; at least about "
            f"{total} replications would tell ({total - replications} more)"
        )
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
    attacks_per_year: float | None = None  # None: the valuation's (mean if uncertain)
    harm_metric: str = HARM_METRIC
    valuation: Valuation | None = None
    _frame: pd.DataFrame | None = field(default=None, repr=False)
    _packages: pd.DataFrame | None = field(default=None, repr=False)
    _valued: pd.DataFrame | None = field(default=None, repr=False)
    _by_threat: pd.DataFrame | None = field(default=None, repr=False)

    def __post_init__(self) -> None:
        if self.valuation is None:
            from vtsim.analysis.valuation import resolve_valuation

            self.valuation = resolve_valuation(self.results.scenario)
            if self.attacks_per_year is not None:
                self.valuation = self.valuation.model_copy(
                    update={"attacks_per_year": self.attacks_per_year}
                )
        if self.attacks_per_year is None:
            self.attacks_per_year = likelihood_range(self.valuation)[0]

    @property
    def valuation_frame(self) -> pd.DataFrame:
        """One row per (package, threat, criterion), ``threat`` "all" over every threat:
        baseline and package means, the paired difference with its 95 % interval and its
        value in the valuation's currency, ``worse``/``better`` when distinguishable; and
        the composites ``valued_per_attack``, ``valued_burden_per_day``, ``valued_annual``."""
        if self._valued is None:
            assert self.valuation is not None
            self._valued = valuation_differences(
                self.results.frame, self.valuation, self._compared()
            )
        return self._valued

    @property
    def displacement_frame(self) -> pd.DataFrame:
        """Per (package, threat, measure of displacement): the paired difference to the
        baseline of the share of attacks displaced to a fallback target and of the
        casualties there (empty where no threat declares a fallback)."""
        return displacement_side_effects(self.results.frame, self._compared(), self.scenario)

    @property
    def side_effects(self) -> pd.DataFrame:
        """Criteria a package makes distinguishably worse, overall or for one threat; and
        the attacks it displaces to a fallback target (:func:`displacement_side_effects`),
        which the valued composite would otherwise net out of sight."""
        valued = side_effects(self.valuation_frame)
        valued = _with(valued, self._disparity_side_effects())
        displaced = self.displacement_frame
        if displaced.empty:
            return valued
        displaced = displaced[displaced["worse"]]
        if displaced.empty:
            return valued
        if valued.empty:
            return displaced.reset_index(drop=True)
        return pd.concat([valued, displaced], ignore_index=True)

    @property
    def group_frame(self) -> pd.DataFrame:
        """Per package, population group and metric (:data:`GROUP_METRICS`; scenarios with
        ``groups`` only): baseline and package means and the paired difference with its 95 %
        interval (empty without groups)."""
        frame = self.results.frame
        base = frame[frame["package"] == "baseline"].set_index("replication")
        rows = []
        for package in self._compared():
            mine = frame[frame["package"] == package].set_index("replication")
            for gid in group_ids(frame):
                for metric, label, unit in GROUP_METRICS:
                    column = f"{GROUP_PREFIX}{metric}{GROUP_SEP}{gid}"
                    if column not in frame.columns:
                        continue
                    joined = pd.concat([mine[column], base[column]], axis=1, keys=["p", "b"])
                    d = paired_difference(joined["p"], joined["b"], "lower")
                    rows.append(
                        {
                            "package": package,
                            "group": gid,
                            "metric": metric,
                            "column": column,
                            "label": label,
                            "unit": unit,
                            "baseline": joined["b"].mean(),
                            "value": joined["p"].mean(),
                            "diff": d.diff,
                            "diff_lo": d.lo,
                            "diff_hi": d.hi,
                            "distinguishable": d.distinguishable,
                        }
                    )
        return pd.DataFrame(rows)

    @property
    def disparity_frame(self) -> pd.DataFrame:
        """Per package and disparity measure (:func:`group_disparity`): the worst-off
        group's rate over everyone's, with its interval, and its paired difference to the
        baseline; ``worse`` when the package distinguishably widens it (a side effect)."""
        return group_disparity(self.results.frame, ["baseline", *self._compared()])

    def _disparity_side_effects(self) -> pd.DataFrame:
        found = self.disparity_frame
        if found.empty:
            return found
        found = found[found["worse"]]
        names = {g.id: str(g.name) or g.id for g in scenario_groups(self.scenario)}
        return pd.DataFrame(
            [
                {
                    "package": r["package"],
                    "threat": ALL,
                    "criterion": f"disparity_{r['measure']}",
                    "label": f"Disparity across population groups in {r['label']} (worst-off "
                    f"group: {names.get(r['worst_group'], r['worst_group'])}, over the average)",
                    "unit": "x",
                    "kind": "disparity",
                    "worse": True,
                    "effect_diff": r["diff"],
                    "effect_lo": r["diff_lo"],
                    "effect_hi": r["diff_hi"],
                    "effect_on": "",
                }
                for _, r in found.iterrows()
            ]
        )

    @property
    def by_threat(self) -> pd.DataFrame:
        """The scorecard per threat: one row per (threat, package, phase), with the paired
        difference to the baseline on that threat's replications."""
        if self._by_threat is None:
            self._by_threat = scorecard_by_threat(self.results.frame, self.results.packages)
        return self._by_threat

    def to_dict(self) -> dict:
        """Everything the comparison says, as plain data (``--format json``)."""
        from vtsim.io import clean_for_json

        assert self.valuation is not None
        rule = self.valuation.model_dump(mode="json")
        return clean_for_json(
            {
                "scenario": self.scenario.name,
                "replications": self.results.replications,
                "seed": self.results.seed,
                "phases": self.frame.to_dict(orient="records"),
                "packages": self.packages_frame.to_dict(orient="records"),
                "valuation": {k: rule[k] for k in rule if k != "criteria"}
                | {"criteria": rule["criteria"]},
                "criteria": self.valuation_frame.to_dict(orient="records"),
                "by_threat": self.by_threat.to_dict(orient="records"),
                "side_effects": [
                    {**row, "text": describe_side_effect(row)}
                    for row in self.side_effects.to_dict(orient="records")
                ],
                "groups": self.group_frame.to_dict(orient="records"),
                "disparity": self.disparity_frame.to_dict(orient="records"),
            }
        )

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
            rows["verdict"] = [
                _verdict(r, self.results.replications, self.scenario) for _, r in rows.iterrows()
            ]
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
        if self.harm_metric != HARM_METRIC:  # the same figures, named after the metric
            metric = self.harm_metric
            row.update(
                {
                    f"{metric}_avoided": avoided,
                    f"{metric}_avoided_lo": -harm["hi"],
                    f"{metric}_avoided_hi": -harm["lo"],
                    f"p_fewer_{metric}": harm["p_better"],
                    f"cost_per_{metric}_avoided": per_casualty,
                }
            )
        frame = self.results.frame
        for metric in BURDEN_METRICS:
            if metric in frame and frame[metric].notna().any():
                d = self.results.compare(metric, "lower").set_index("package").loc[package_id]
                mean = frame.loc[frame["package"] == package_id, metric].mean()
                row[metric] = mean
                row[metric + "_change"] = d["diff"]
        if "displaced" in frame and frame["displaced"].notna().any():
            mine_ = frame[frame["package"] == package_id]
            base_ = frame[frame["package"] == "baseline"]
            row["displaced"] = mine_["displaced"].mean()
            row["displaced_change"] = row["displaced"] - base_["displaced"].mean()
            row["displaced_casualties"] = mine_["displaced_casualties"].mean()
            row["displaced_casualties_change"] = (
                row["displaced_casualties"] - base_["displaced_casualties"].mean()
            )
        assert self.valuation is not None
        row.update(cost_effectiveness(self.valuation_frame, self.valuation, package_id, annual))
        effects = self.side_effects
        mine = effects[effects["package"] == package_id] if not effects.empty else effects
        row["side_effects"] = "; ".join(describe_side_effect(r) for _, r in mine.iterrows())
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
            render_text(
                r.scorecard(),
                verdicts={
                    (v["package"], v["phase"]): v["verdict"] for _, v in self.frame.iterrows()
                },
            ).rstrip(),
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
            if "displaced" in p and not pd.isna(p.get("displaced")) and p["displaced"] > 0:
                out.append(
                    f"    displacement: {100 * p['displaced']:.1f} % of attacks reaching the "
                    f"site struck a fallback target ({100 * p['displaced_change']:+.1f} pts); "
                    f"casualties there {p['displaced_casualties']:.2f} per attack attempted "
                    f"({p['displaced_casualties_change']:+.2f})"
                )
        out += ["", *valued_lines(self), "", *threat_lines(self)]
        if by_group := group_lines(self):
            out += ["", *by_group]
        return "\n".join(out).rstrip() + "\n"

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


def _with(frame: pd.DataFrame, more: pd.DataFrame) -> pd.DataFrame:
    """``frame`` with the rows of ``more`` (either may be empty)."""
    if more.empty:
        return frame
    if frame.empty:
        return more.reset_index(drop=True)
    return pd.concat([frame, more], ignore_index=True)
