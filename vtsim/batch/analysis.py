"""Reading a sweep: per-point summaries, global sensitivity, regret, scenario discovery.

All outcomes are taken as "lower is better" unless ``better="higher"`` is given.

- :meth:`BatchResults.summary`: mean and 95 % interval per point and package.
- :meth:`BatchResults.sensitivity`: standardised regression coefficients (SRC) of the
  point means on the factors, per package, with the R^2 of the linear fit (SRC^2 sums
  to about R^2 when factors are uncorrelated, as in a Latin hypercube; Saltelli et al.,
  *Global Sensitivity Analysis: The Primer*, 2008, ch. 1).
- :meth:`BatchResults.sensitivity_indices`: Sobol, Morris, FAST or SRC indices with
  confidence intervals, matched to the design (:mod:`vtsim.batch.sensitivity`).
- :meth:`BatchResults.regret`: at each point, how much worse a package is than the best
  package there (Savage regret); its mean (with a paired 95 % interval), 90th percentile
  and maximum across points; :meth:`BatchResults.best`, :meth:`BatchResults.satisficing`:
  the best package per point or "not distinguishable", and the share of points meeting a
  threshold, with intervals (:mod:`vtsim.batch.robustness`: noise from the common random
  numbers).
- :meth:`BatchResults.discover`: PRIM (Friedman & Fisher 1999; as used in robust
  decision making, Lempert et al. 2006) with pasting, a minimum mass and quasi-p-values
  (Bryant & Lempert 2010), or CART: a box of factor ranges where a package fails.
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

    def sensitivity_indices(
        self,
        outcome: str | None = None,
        method: str | None = None,
        packages: list[str] | None = None,
        conf_level: float = 0.95,
        num_resamples: int = 200,
    ) -> pd.DataFrame:
        """Global sensitivity indices with confidence intervals, per package: Sobol (S1,
        ST), Morris (mu_star, sigma, mu), FAST (S1, ST) or SRC with p-values, the method
        the sweep's design supports unless ``method`` is given (refused, with the reason,
        where it does not apply). Computed on point means; ``noise_share`` and
        ``noise_in_means`` give the Monte Carlo share of the variance
        (:mod:`vtsim.batch.sensitivity`). A package whose outcome is constant is left out
        (VtsimError if every package's is, or if it is the one package asked for)."""
        from vtsim.batch.sensitivity import check_method, indices, noise

        outcome = outcome or self.outcomes[0]
        means = self.point_means(outcome).reindex(self.design.index)
        sweep = self.manifest.get("sweep") or {}
        spec = sweep.get("design") or {"kind": "table"}
        chosen = packages or list(means.columns)
        frames, refused = [], []
        for package in chosen:
            if package not in means.columns:
                raise VtsimError(f"unknown package '{package}'; expected one of: {self.packages}.")
            label = f"'{outcome}' for package '{package}'"
            try:
                part = indices(
                    spec,
                    self.design,
                    means[package].to_numpy(dtype=float),
                    method=method,
                    seed=int(sweep.get("seed", 0)),
                    conf_level=conf_level,
                    num_resamples=num_resamples,
                    label=label,
                )
            except VtsimError as exc:
                if "constant" not in str(exc) or len(chosen) == 1:
                    raise
                refused.append(str(exc))
                continue
            part.insert(0, "method", check_method(spec.get("kind") or "table", method))
            part.insert(0, "outcome", outcome)
            part.insert(0, "package", package)
            for key, value in noise(self.frame, outcome, package).items():
                part[key] = value
            frames.append(part)
        if not frames:
            raise VtsimError(" ".join(refused))
        out = pd.concat(frames, ignore_index=True)
        out.attrs["refused"] = refused
        return out

    def regret(self, outcome: str | None = None, better: str = "lower") -> pd.DataFrame:
        """Per package: mean regret across points (with a 95 % interval over the paired
        replications), 90th percentile and max regret, and the shares of points where it
        is the best package by point means (``share_best``), clearly the best (its paired
        interval against the runner-up excludes zero: ``share_clear_best``) and possibly
        the best (not worse than the best beyond noise: ``share_possibly_best``).
        See :mod:`vtsim.batch.robustness`."""
        from vtsim.batch.robustness import regret_summary

        outcome = outcome or self.outcomes[0]
        table = regret_summary(self, outcome, better)
        return table.sort_values("max_regret", kind="stable", ignore_index=True)

    def best(self, outcome: str | None = None, better: str = "lower") -> pd.DataFrame:
        """Per point: the best package, the runner-up, the paired 95 % interval of their
        gap and a verdict (the best package, or "not distinguishable")."""
        from vtsim.batch.robustness import best_table

        return best_table(self, outcome or self.outcomes[0], better)

    def regret_intervals(self, outcome: str | None = None, better: str = "lower"):
        """Per point and package: regret with its paired 95 % interval."""
        from vtsim.batch.robustness import regret_intervals

        return regret_intervals(self, outcome or self.outcomes[0], better)

    def satisficing(
        self, threshold: float, outcome: str | None = None, better: str = "lower"
    ) -> pd.DataFrame:
        """Per package: share of points meeting ``outcome <= threshold``, with Wilson
        intervals, by point means, surely and possibly (within-point noise)."""
        from vtsim.batch.robustness import satisficing

        return satisficing(self, outcome or self.outcomes[0], threshold, better)

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
        *,
        noise: bool = False,
        method: str = "prim",
        qp_max: float | None = 0.05,
        paste: bool = True,
        max_depth: int = 3,
    ) -> dict:
        """PRIM (or CART with ``method="cart"``): the box of factor ranges where
        ``package`` fails.

        A point fails when the package's mean outcome is worse than ``threshold``, or,
        without a threshold, when the package is not the best one there (regret > 0).
        Returns ``box`` (factor, low, high, restricted, ``kept``: the share of the factor's
        range the box keeps, 1 where unrestricted), ``coverage`` (share of failures
        inside the box), ``density`` (share of the box that fails), ``trajectory``.

        ``noise=True``: a point fails only where the replications show it beyond noise:
        the package is worse than the best package there with a paired 95 % interval
        excluding zero, or the 95 % interval of its mean lies beyond ``threshold``.
        PRIM restrictions whose quasi-p-value exceeds ``qp_max`` are dropped (``qp`` in
        the box, ``dropped``); ``min_support`` is the minimum mass of the box; a
        :class:`~vtsim.batch.robustness.DiscoveryWarning` is issued (and ``warning``
        set) when every or no point fails.
        """
        outcome = outcome or self.outcomes[0]
        if package not in self.packages:
            raise VtsimError(f"unknown package '{package}'; expected one of: {self.packages}.")
        if threshold is None and noise:
            from vtsim.batch.robustness import regret_intervals

            table = regret_intervals(self, outcome, better)
            fails = table[table["package"] == package].set_index("point")["clearly_worse"]
        elif threshold is None:
            fails = self.regret_table(outcome, better)[package] > 1e-12
        elif noise:
            part = self.summary(outcome)
            part = part[part["package"] == package].set_index("point")
            fails = part["lo"] > threshold if better == "lower" else part["hi"] < threshold
        else:
            values = self.point_means(outcome)[package]
            fails = values > threshold if better == "lower" else values < threshold
        if threshold is None:
            rule = "clearly not the best package" if noise else "not the best package"
        else:
            rule = f"{outcome} {'>' if better == 'lower' else '<'} {threshold:.3g}"
            rule += " (beyond noise)" if noise else ""
        x = self.design.loc[fails.index]
        if method == "cart":
            from vtsim.batch.robustness import cart_box

            found = cart_box(x, fails.to_numpy(), max_depth, min_support, label=rule)
        elif method == "prim":
            found = prim(
                x, fails.to_numpy(), alpha, min_support, qp_max=qp_max, paste=paste, label=rule
            )
        else:
            raise VtsimError(f"method must be 'prim' or 'cart'; got {method!r}.")
        found["failed"] = fails.rename("failed")
        found["rule"] = rule
        return found

    # -- figures ----------------------------------------------------------------------
    def plot_sensitivity(self, outcome: str | None = None):
        from vtsim.batch.figures import sensitivity_figure

        return sensitivity_figure(self.sensitivity(outcome))

    def plot_sensitivity_indices(self, outcome: str | None = None, **kw):
        from vtsim.batch.figures import indices_figure

        return indices_figure(self.sensitivity_indices(outcome, **kw))

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


def prim(
    x: pd.DataFrame,
    y: np.ndarray,
    alpha: float = 0.1,
    min_support: float = 0.1,
    **options,
) -> dict:
    """Patient Rule Induction Method: peel a share ``alpha`` of the points off one side
    of one factor at a time, keeping the peel that raises the failure density most,
    until the box would hold fewer than ``min_support`` of the points (the minimum mass).
    The box is the densest on the peeling trajectory among boxes covering at least half
    of the failures (or the first box), then pasted, and its restrictions tested by
    quasi-p-values (those above ``qp_max=0.05`` dropped). Options and the result:
    :func:`vtsim.batch.robustness.prim_box`."""
    from vtsim.batch.robustness import prim_box

    return prim_box(x, y, alpha, min_support, **options)
