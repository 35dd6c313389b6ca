"""Writing a sweep's analysis beside its chunks: tables as CSV, figures as PNG."""

from __future__ import annotations

import warnings
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


def sensitivity_indices(results):
    """Every outcome's global sensitivity indices with intervals (indices.csv), where the
    design supports them; outcomes refused (constant, or a design without global indices)
    are left out. None when no outcome has any."""
    from vtsim.errors import VtsimError

    frames = []
    for outcome in results.outcomes:
        try:
            frames.append(results.sensitivity_indices(outcome))
        except VtsimError:
            continue
    return pd.concat(frames, ignore_index=True) if frames else None


def write_analysis(results, folder: str | Path, figures: bool = True) -> list[Path]:
    """results.parquet (or .csv), summary.csv, sensitivity.csv, regret.csv, indices.csv
    (global sensitivity with intervals, where the design supports it) (+ figures)."""
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
    from vtsim.batch.sensitivity import NOT_SRC

    kind = (results.manifest.get("sweep") or {}).get("design", {}).get("kind")
    src = kind not in NOT_SRC  # regression coefficients mean nothing on these designs
    if src:
        written.append(
            _csv(pd.concat([results.sensitivity(o) for o in outcomes]), folder / "sensitivity.csv")
        )
    written.append(_csv(pd.concat([results.regret(o) for o in outcomes]), folder / "regret.csv"))
    indices = sensitivity_indices(results)
    if indices is not None:
        written.append(_csv(indices, folder / "indices.csv"))
    if figures and len(results.design) > 1:
        from vtsim.report.figures import save

        first = outcomes[0]
        for name, fig in (
            *([("sensitivity.png", results.plot_sensitivity(first))] if src else []),
            ("regret.png", results.plot_regret(first)),
            ("robustness.png", results.plot_robustness(results.factors[0], first)),
        ):
            save(fig, folder / name)
            written.append(folder / name)
        if indices is not None:
            from vtsim.batch.figures import indices_figure

            shown = indices[indices["outcome"] == indices["outcome"].iloc[0]]
            save(indices_figure(shown), folder / "indices.png")
            written.append(folder / "indices.png")
        package, kw = discovery_target(results, first)
        with warnings.catch_warnings():  # the figure's title says when no point is a case
            from vtsim.batch.robustness import DiscoveryWarning

            warnings.simplefilter("ignore", DiscoveryWarning)
            figure = results.plot_discovery(package, first, **kw)
        save(figure, folder / "discovery.png")
        written.append(folder / "discovery.png")
    return written
