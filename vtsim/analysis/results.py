"""Results of a run: one row per (package, replication), and what to read from them."""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd

from vtsim.analysis import scorecard as _scorecard
from vtsim.analysis.stats import paired_difference
from vtsim.scenario.schema import Scenario


@dataclass
class Results:
    """Outcomes of many replications of a scenario's baseline and packages.

    ``frame`` has one row per (package, replication): ``package``,
    ``replication``, ``threat``, ``ended_by``, then the outcome metrics named as
    in MODEL.md, and ``measure_cost`` (annualised cost of the package). Its figure:
    :func:`vtsim.report.plots.plot_scorecard` (a method of what ``vtsim.run`` returns).
    """

    frame: pd.DataFrame
    scenario: Scenario
    packages: list[str]
    seed: int
    replications: int
    complete: bool = True
    _card: pd.DataFrame | None = field(default=None, repr=False)

    def scorecard(self) -> pd.DataFrame:
        """Per package and phase: headline value with a 95 % interval, and the paired
        difference to the baseline with its interval."""
        if self._card is None:
            self._card = _scorecard.scorecard(self.frame, self.packages)
        return self._card

    def scorecard_text(self) -> str:
        return _scorecard.render_text(self.scorecard())

    def compare(self, metric: str, better: str = "lower") -> pd.DataFrame:
        """Paired difference of any metric, each package against the baseline."""
        base = self.frame[self.frame["package"] == "baseline"].set_index("replication")[metric]
        rows = []
        for package in self.packages:
            if package == "baseline":
                continue
            values = self.frame[self.frame["package"] == package].set_index("replication")[metric]
            joined = pd.concat([values, base], axis=1, keys=["p", "b"]).dropna(how="all")
            d = paired_difference(joined["p"], joined["b"], better)
            rows.append({"package": package, "metric": metric, **d.as_dict()})
        return pd.DataFrame(rows)

    def summary(self) -> pd.DataFrame:
        """Mean of every numeric metric per package."""
        numeric = self.frame.drop(columns=["replication"]).select_dtypes("number")
        return numeric.groupby(self.frame["package"], sort=False).mean()

    def _repr_html_(self) -> str:
        card = self.scorecard()[["package", "phase", "label", "value", "lo", "hi"]]
        state = "" if self.complete else " (interrupted: partial)"
        return (
            f"<h4>{self.scenario.name}: {self.replications} replications, seed {self.seed}"
            f"{state}</h4>" + card.to_html(index=False, float_format=lambda x: f"{x:.3g}")
        )

    def __repr__(self) -> str:
        return (
            f"Results({self.scenario.name!r}, packages={self.packages}, "
            f"replications={self.replications}, seed={self.seed}, rows={len(self.frame)})"
        )
