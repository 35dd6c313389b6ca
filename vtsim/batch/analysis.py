"""Reading a sweep: per-point summaries, global sensitivity, regret, scenario discovery.

All outcomes are taken as "lower is better" unless ``better="higher"`` is given.

- :meth:`BatchResults.summary`: mean and 95 % interval per point and package.
- :meth:`BatchResults.sensitivity`: standardised regression coefficients (SRC) of the
  point means on the factors, per package, with the R^2 of the linear fit (SRC^2 sums
  to about R^2 when factors are uncorrelated, as in a Latin hypercube; Saltelli et al.,
  *Global Sensitivity Analysis: The Primer*, 2008, ch. 1).
- :meth:`BatchResults.regret`: at each point, how much worse a package is than the best
  package there (Savage regret); its mean, 90th percentile and maximum across points.
- :meth:`BatchResults.discover`: PRIM (Friedman & Fisher 1999; as used in robust
  decision making, Lempert et al. 2006): a box of factor ranges where a package fails.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from vtsim.analysis.stats import t_quantile_975
from vtsim.errors import VtsimError


@dataclass
class BatchResults:
    frame: pd.DataFrame
    design: pd.DataFrame
    manifest: dict

    @classmethod
    def load(cls, folder: str | Path) -> BatchResults:
        from vtsim.batch.runner import read_chunks

        frame, manifest = read_chunks(folder)
        design = pd.read_csv(Path(folder) / "design.csv", index_col="point")
        return cls(frame, design, manifest)

    @property
    def factors(self) -> list[str]:
        return list(self.design.columns)

    @property
    def packages(self) -> list[str]:
        return list(self.manifest["packages"])

    @property
    def outcomes(self) -> list[str]:
        return list(self.manifest["sweep"]["outcomes"])

    @property
    def complete(self) -> bool:
        return bool(self.manifest.get("complete")) and self.manifest.get(
            "chunks_done"
        ) == self.manifest.get("chunks")

    def _check(self, outcome: str) -> None:
        if outcome not in self.frame.columns:
            numeric = self.frame.select_dtypes("number").columns
            raise VtsimError(
                f"unknown outcome '{outcome}'; expected one of: "
                f"{', '.join(c for c in numeric if c not in ('point', 'replication'))}."
            )

    # -- tables -----------------------------------------------------------------------
    def summary(self, outcome: str | None = None) -> pd.DataFrame:
        """Per point and package: mean, 95 % t-interval and n, with the factor values."""
        outcome = outcome or self.outcomes[0]
        self._check(outcome)
        grouped = self.frame.groupby(["point", "package"], sort=False)[outcome]
        out = grouped.agg(["mean", "std", "count"]).reset_index()
        half = out["count"].map(lambda n: t_quantile_975(int(n) - 1)) * out["std"]
        half = half / np.sqrt(out["count"])
        out["lo"], out["hi"] = out["mean"] - half, out["mean"] + half
        out.insert(2, "outcome", outcome)
        out = out.drop(columns="std").rename(columns={"count": "n"})
        return out.merge(self.design, left_on="point", right_index=True)

    def point_means(self, outcome: str) -> pd.DataFrame:
        """Points x packages table of means."""
        self._check(outcome)
        table = self.frame.pivot_table(index="point", columns="package", values=outcome)
        return table[[p for p in self.packages if p in table.columns]]

    def sensitivity(self, outcome: str | None = None) -> pd.DataFrame:
        """Standardised regression coefficients of the point means on the factors."""
        outcome = outcome or self.outcomes[0]
        means = self.point_means(outcome)
        x = self.design.loc[means.index]
        keep = [c for c in x.columns if x[c].std() > 0]
        xs = (x[keep] - x[keep].mean()) / x[keep].std()
        rows = []
        for package in means.columns:
            y = means[package].to_numpy(dtype=float)
            ok = ~np.isnan(y)
            row = {"package": package, "outcome": outcome}
            if y[ok].std() == 0 or ok.sum() <= len(keep) + 1:
                rows.append({**row, **dict.fromkeys(keep, np.nan), "r2": np.nan})
                continue
            ys = (y[ok] - y[ok].mean()) / y[ok].std(ddof=1)
            design = np.column_stack([np.ones(ok.sum()), xs[ok].to_numpy()])
            coef, *_ = np.linalg.lstsq(design, ys, rcond=None)
            fitted = design @ coef
            r2 = 1 - ((ys - fitted) ** 2).sum() / (ys**2).sum()
            rows.append({**row, **dict(zip(keep, coef[1:])), "r2": r2})
        return pd.DataFrame(rows)

    def regret(self, outcome: str | None = None, better: str = "lower") -> pd.DataFrame:
        """Per package: mean, 90th percentile and max regret across points, and the share
        of points where it is the best package."""
        outcome = outcome or self.outcomes[0]
        regrets = self.regret_table(outcome, better)
        best = regrets.eq(0)
        return pd.DataFrame(
            {
                "package": regrets.columns,
                "outcome": outcome,
                "mean_regret": regrets.mean().to_numpy(),
                "p90_regret": regrets.quantile(0.9).to_numpy(),
                "max_regret": regrets.max().to_numpy(),
                "share_best": best.mean().to_numpy(),
            }
        ).sort_values("max_regret", kind="stable", ignore_index=True)

    def regret_table(self, outcome: str, better: str = "lower") -> pd.DataFrame:
        """Points x packages: how much worse than the best package at that point."""
        means = self.point_means(outcome)
        if better == "lower":
            return means.sub(means.min(axis=1), axis=0)
        return -means.sub(means.max(axis=1), axis=0)

    def discover(
        self,
        package: str,
        outcome: str | None = None,
        threshold: float | None = None,
        better: str = "lower",
        alpha: float = 0.1,
        min_support: float = 0.1,
    ) -> dict:
        """PRIM: the box of factor ranges where ``package`` fails.

        A point fails when the package's mean outcome is worse than ``threshold``, or,
        without a threshold, when the package is not the best one there (regret > 0).
        Returns ``box`` (factor, low, high, restricted, ``kept``: the share of the factor's
        range the box keeps, 1 where unrestricted), ``coverage`` (share of failures
        inside the box), ``density`` (share of the box that fails), ``trajectory``.
        """
        outcome = outcome or self.outcomes[0]
        if package not in self.packages:
            raise VtsimError(f"unknown package '{package}'; expected one of: {self.packages}.")
        if threshold is None:
            fails = self.regret_table(outcome, better)[package] > 1e-12
        else:
            values = self.point_means(outcome)[package]
            fails = values > threshold if better == "lower" else values < threshold
        x = self.design.loc[fails.index]
        found = prim(x, fails.to_numpy(), alpha=alpha, min_support=min_support)
        found["failed"] = fails.rename("failed")
        if threshold is None:
            found["rule"] = "not the best package"
        else:
            found["rule"] = f"{outcome} {'>' if better == 'lower' else '<'} {threshold:.3g}"
        return found

    # -- figures ----------------------------------------------------------------------
    def plot_sensitivity(self, outcome: str | None = None):
        from vtsim.batch.figures import sensitivity_figure

        return sensitivity_figure(self.sensitivity(outcome))

    def plot_regret(self, outcome: str | None = None, better: str = "lower"):
        from vtsim.batch.figures import regret_figure

        outcome = outcome or self.outcomes[0]
        return regret_figure(self.regret_table(outcome, better), outcome)

    def plot_robustness(self, factor: str, outcome: str | None = None):
        from vtsim.batch.figures import robustness_figure

        return robustness_figure(self.summary(outcome), factor, self.packages)

    def plot_discovery(self, package: str, outcome: str | None = None, **kw):
        from vtsim.batch.figures import discovery_figure

        outcome = outcome or self.outcomes[0]
        found = self.discover(package, outcome, **kw)
        return discovery_figure(found, self.design, package, outcome)


def prim(x: pd.DataFrame, y: np.ndarray, alpha: float = 0.1, min_support: float = 0.1) -> dict:
    """Patient Rule Induction Method: peel a share ``alpha`` of the points off one side
    of one factor at a time, keeping the peel that raises the failure density most,
    until the box holds fewer than ``min_support`` of the points. The box returned is
    the one on the peeling trajectory with the highest density among boxes covering at
    least half of the failures (or the first box, if none does better)."""
    y = np.asarray(y, dtype=float)
    n, total = len(y), float(y.sum())
    inside = np.ones(n, dtype=bool)
    limits = {c: (float(x[c].min()), float(x[c].max())) for c in x.columns}
    trajectory = [_box_stats(limits, inside, y, total)]
    while inside.sum() > max(1, min_support * n) and total > 0:
        best = None
        for c in x.columns:
            col = x[c].to_numpy(dtype=float)
            values = col[inside]
            for side, cut in (
                ("low", np.quantile(values, alpha)),
                ("high", np.quantile(values, 1 - alpha)),
            ):
                keep = inside & (col >= cut if side == "low" else col <= cut)
                if keep.sum() in (0, inside.sum()):
                    continue
                density = y[keep].mean()
                if best is None or density > best[0]:
                    best = (density, c, side, cut, keep)
        if best is None or best[4].sum() < min_support * n:
            break
        _, c, side, cut, keep = best
        lo, hi = limits[c]
        limits[c] = (float(cut), hi) if side == "low" else (lo, float(cut))
        inside = keep
        trajectory.append(_box_stats(limits, inside, y, total))
    traj = pd.DataFrame([{k: v for k, v in t.items() if k != "limits"} for t in trajectory])
    eligible = [i for i, t in enumerate(trajectory) if t["coverage"] >= 0.5] or [0]
    chosen = trajectory[max(eligible, key=lambda i: (trajectory[i]["density"], -i))]
    full = {c: (float(x[c].min()), float(x[c].max())) for c in x.columns}
    box = pd.DataFrame(
        [
            {
                "factor": c,
                "low": lo,
                "high": hi,
                "restricted": (lo, hi) != full[c],
                "kept": (hi - lo) / (full[c][1] - full[c][0]) if full[c][1] > full[c][0] else 1.0,
            }
            for c, (lo, hi) in chosen["limits"].items()
        ]
    )
    return {
        "box": box,
        "coverage": chosen["coverage"],
        "density": chosen["density"],
        "support": chosen["support"],
        "failure_rate": total / n if n else np.nan,
        "trajectory": traj,
    }


def _box_stats(limits: dict, inside: np.ndarray, y: np.ndarray, total: float) -> dict:
    k = int(inside.sum())
    return {
        "limits": dict(limits),
        "support": k / len(y),
        "density": float(y[inside].mean()) if k else np.nan,
        "coverage": float(y[inside].sum() / total) if total else np.nan,
    }
