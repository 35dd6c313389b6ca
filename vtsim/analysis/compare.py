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

This module holds :func:`compare` and :class:`Comparison`; the parts live beside it:
:mod:`~vtsim.analysis.compare_adhoc` (ad-hoc packages from measure ids),
:mod:`~vtsim.analysis.compare_verdict` (verdicts in words),
:mod:`~vtsim.analysis.compare_costs` (the package table: cost and burden),
:mod:`~vtsim.analysis.compare_side_effects` (side effects, displacement),
:mod:`~vtsim.analysis.compare_groups` (population groups and disparity),
:mod:`~vtsim.analysis.compare_output` (JSON, text, HTML) and
:mod:`~vtsim.analysis.compare_text` (the valued criteria, threats and groups in text).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from vtsim.analysis.compare_adhoc import _adhoc_name as _adhoc_name
from vtsim.analysis.compare_adhoc import _package_spec as _package_spec
from vtsim.analysis.compare_costs import BURDEN_METRICS as BURDEN_METRICS
from vtsim.analysis.compare_costs import HARM_METRIC as HARM_METRIC
from vtsim.analysis.compare_costs import package_row
from vtsim.analysis.compare_groups import group_differences
from vtsim.analysis.compare_output import comparison_dict, comparison_html, comparison_text
from vtsim.analysis.compare_side_effects import DISPLACEMENT_TERMS as DISPLACEMENT_TERMS
from vtsim.analysis.compare_side_effects import comparison_side_effects
from vtsim.analysis.compare_side_effects import (
    displacement_side_effects as displacement_side_effects,
)
from vtsim.analysis.compare_verdict import _touches as _touches
from vtsim.analysis.compare_verdict import _verdict as _verdict
from vtsim.analysis.groups import group_disparity
from vtsim.analysis.results import Results
from vtsim.analysis.runner import run
from vtsim.analysis.scorecard import scorecard_by_threat
from vtsim.analysis.valuation import differences as valuation_differences
from vtsim.analysis.valuation import likelihood_range
from vtsim.errors import VtsimError
from vtsim.scenario.catalogue import with_measures
from vtsim.scenario.loader import load_scenario
from vtsim.scenario.schema import Scenario
from vtsim.scenario.valuation import Valuation


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
    def scenario(self) -> Scenario:
        return self.results.scenario

    def _compared(self) -> list[str]:
        return [p for p in self.results.packages if p != "baseline"]

    # -- the phases (verdicts: vtsim.analysis.compare_verdict) ------------------------
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

    # -- cost and burden (vtsim.analysis.compare_costs) -----------------------------
    @property
    def packages_frame(self) -> pd.DataFrame:
        if self._packages is None:
            self._packages = pd.DataFrame([package_row(self, p) for p in self._compared()])
        return self._packages

    @property
    def harm_label(self) -> str:
        """The harm metric in words (``casualties_total`` is "casualties")."""
        return {"casualties_total": "casualties"}.get(
            self.harm_metric, self.harm_metric.replace("_", " ")
        )

    # -- valued, per threat, side effects, groups -----------------------------------
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
    def by_threat(self) -> pd.DataFrame:
        """The scorecard per threat: one row per (threat, package, phase), with the paired
        difference to the baseline on that threat's replications."""
        if self._by_threat is None:
            self._by_threat = scorecard_by_threat(self.results.frame, self.results.packages)
        return self._by_threat

    @property
    def displacement_frame(self) -> pd.DataFrame:
        """Per (package, threat, measure of displacement): the paired difference to the
        baseline of the share of attacks displaced to a fallback target and of the
        casualties there (empty where no threat declares a fallback)."""
        return displacement_side_effects(self.results.frame, self._compared(), self.scenario)

    @property
    def side_effects(self) -> pd.DataFrame:
        """Criteria a package makes distinguishably worse, overall or for one threat; the
        disparities across population groups it widens; and the attacks it displaces to a
        fallback target (:func:`displacement_side_effects`), which the valued composite
        would otherwise net out of sight."""
        return comparison_side_effects(self)

    @property
    def group_frame(self) -> pd.DataFrame:
        """Per package, population group and metric
        (:data:`~vtsim.analysis.scorecard.GROUP_METRICS`; scenarios with ``groups`` only):
        baseline and package means and the paired difference with its 95 % interval (empty
        without groups)."""
        return group_differences(self)

    @property
    def disparity_frame(self) -> pd.DataFrame:
        """Per package and disparity measure
        (:func:`~vtsim.analysis.groups.group_disparity`): the worst-off group's rate over
        everyone's, with its interval, and its paired difference to the baseline; ``worse``
        when the package distinguishably widens it (a side effect)."""
        return group_disparity(self.results.frame, ["baseline", *self._compared()])

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

    # -- output (vtsim.analysis.compare_output) -------------------------------------
    def to_dict(self) -> dict:
        """Everything the comparison says, as plain data (``--format json``)."""
        return comparison_dict(self)

    def text(self) -> str:
        """A plain-text summary for the terminal."""
        return comparison_text(self)

    def _repr_html_(self) -> str:
        return comparison_html(self)

    def __repr__(self) -> str:
        return (
            f"Comparison({self.scenario.name!r}, packages={self._compared()}, "
            f"replications={self.results.replications}, seed={self.results.seed})"
        )
