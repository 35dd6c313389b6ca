"""Result folders: replications.csv, scorecard.json, figures and a manifest, each
written atomically, the manifest last (its presence means the folder is whole)."""

from __future__ import annotations

import platform
import sys
from datetime import datetime, timezone
from importlib import metadata
from pathlib import Path

from vtsim.io import atomic_path, clean_for_json, write_json

VERSIONED = ("vtsim", "simpy", "numpy", "pandas", "networkx", "pydantic", "matplotlib", "click")


def versions() -> dict[str, str]:
    out = {"python": platform.python_version()}
    for name in VERSIONED:
        try:
            out[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            out[name] = "not installed"
    return out


def manifest(results, jobs: int | None = None, extra: dict | None = None) -> dict:
    return clean_for_json(
        {
            "created": datetime.now(timezone.utc).isoformat(timespec="seconds"),
            "command": " ".join(["vtsim", *sys.argv[1:]]),
            "seed": results.seed,
            "replications": results.replications,
            "jobs": jobs,
            "complete": results.complete,
            "packages": results.packages,
            "versions": versions(),
            "scenario": results.scenario.model_dump(mode="json", context={"lang": "en"}),
            **(extra or {}),
        }
    )


def scorecard_records(results) -> dict:
    """``scorecard.json``: the scorecard over every threat (``scorecard``, one row per
    package and phase) and on each threat's replications (``by_threat``)."""
    from vtsim.analysis.scorecard import scorecard_by_threat

    return clean_for_json(
        {
            "scorecard": results.scorecard().to_dict(orient="records"),
            "by_threat": scorecard_by_threat(results.frame, results.packages).to_dict(
                orient="records"
            ),
        }
    )


def write_results(
    results, folder: Path, figures: bool = True, jobs: int | None = None
) -> list[Path]:
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    csv = folder / "replications.csv"
    with atomic_path(csv) as tmp:
        results.frame.to_csv(tmp, index=False)
    written.append(csv)
    write_json(folder / "scorecard.json", scorecard_records(results))
    written.append(folder / "scorecard.json")
    if figures:
        from vtsim.report.figures import save
        from vtsim.report.plots import plot_scorecard

        save(plot_scorecard(results), folder / "scorecard.png")
        written.append(folder / "scorecard.png")
        from vtsim.report.medical_figures import medical_figures

        for name, fig in medical_figures(results).items():  # only with a medical section
            save(fig, folder / f"{name}.png")
            written.append(folder / f"{name}.png")
        from vtsim.report.infra_figures import save_service_curves

        written += save_service_curves(results, folder)  # only with an infrastructure section
    write_json(folder / "manifest.json", manifest(results, jobs))
    written.append(folder / "manifest.json")
    return written
