"""Writing a sweep's analysis beside its chunks: tables as CSV, figures as PNG."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from vtsim.io import atomic_path


def _csv(frame: pd.DataFrame, path: Path) -> Path:
    with atomic_path(path) as tmp:
        frame.to_csv(tmp, index=False)
    return path


def discovery_target(results, outcome: str) -> tuple[str, dict]:
    """The package to explain, and how it fails: the most robust package (least mean
    regret); where it is not always the best, failure is "not the best package there",
    else "in the worst quarter of its own results" (above its 75th percentile)."""
    regret = results.regret(outcome).sort_values("mean_regret", kind="stable")
    package = regret["package"].iloc[0]
    share = float(regret["share_best"].iloc[0])
    if 0 < share < 1:
        return package, {}
    means = results.point_means(outcome)[package]
    return package, {"threshold": float(means.quantile(0.75))}


def write_analysis(results, folder: str | Path, figures: bool = True) -> list[Path]:
    """results.parquet (or .csv), summary.csv, sensitivity.csv, regret.csv (+ figures)."""
    folder = Path(folder)
    written = []
    if results.manifest.get("format") == "csv":
        written.append(_csv(results.frame, folder / "results.csv"))
    else:
        path = folder / "results.parquet"
        with atomic_path(path) as tmp:
            results.frame.to_parquet(tmp, index=False, engine="pyarrow")
        written.append(path)
    outcomes = results.outcomes
    written.append(_csv(pd.concat([results.summary(o) for o in outcomes]), folder / "summary.csv"))
    written.append(
        _csv(pd.concat([results.sensitivity(o) for o in outcomes]), folder / "sensitivity.csv")
    )
    written.append(_csv(pd.concat([results.regret(o) for o in outcomes]), folder / "regret.csv"))
    if figures and len(results.design) > 1:
        from vtsim.report.figures import save

        first = outcomes[0]
        for name, fig in (
            ("sensitivity.png", results.plot_sensitivity(first)),
            ("regret.png", results.plot_regret(first)),
            ("robustness.png", results.plot_robustness(results.factors[0], first)),
        ):
            save(fig, folder / name)
            written.append(folder / name)
        package, kw = discovery_target(results, first)
        save(results.plot_discovery(package, first, **kw), folder / "discovery.png")
        written.append(folder / "discovery.png")
    return written
