"""The planner's HTML report: one self-contained file (figures embedded as PNG).

The words live in ``templates/report.html.j2`` (jinja2), so a translation is a
new template, not new code. This module only gathers what the template shows:
the scenario summary, assumptions and sources, the scorecard, the comparisons
with cost and burden, the figures, and the seed, versions and command that
reproduce the results.
"""

from __future__ import annotations

import base64
import io
import json
import math
from datetime import datetime, timezone
from pathlib import Path

import pandas as pd

from vtsim.analysis.compare import Comparison
from vtsim.analysis.formats import share, share_cells
from vtsim.analysis.results import Results
from vtsim.analysis.scorecard import HEADLINES
from vtsim.errors import VtsimError
from vtsim.io import write_json, write_text
from vtsim.report.plots import plot_cost_effect, plot_distributions, plot_scorecard, plot_timeline

TEMPLATES = Path(__file__).with_name("templates")


def is_results_folder(source) -> bool:
    path = Path(source)
    return path.is_dir() and (path / "manifest.json").is_file()


def load_results(folder: str | Path) -> tuple[Results, dict]:
    """Results and manifest of a folder written by ``vtsim run -o`` / ``vtsim compare -o``."""
    from vtsim.scenario.schema import Scenario

    folder = Path(folder)
    try:
        manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
        frame = pd.read_csv(folder / "replications.csv")
        scenario = Scenario.model_validate(manifest["scenario"])
    except (OSError, ValueError, KeyError) as exc:
        raise VtsimError(
            f"{folder}: not a readable results folder (expected manifest.json with the "
            f"resolved scenario and replications.csv): {exc}."
        ) from None
    results = Results(
        frame,
        scenario=scenario,
        packages=list(manifest["packages"]),
        seed=manifest["seed"],
        replications=manifest["replications"],
        complete=manifest.get("complete", True),
    )
    return results, manifest


def write_comparison(
    comparison: Comparison,
    folder: Path,
    figures: bool = True,
    jobs: int | None = None,
    workbook: bool = True,
) -> list[Path]:
    """A results folder (as ``vtsim run -o``) plus the comparison tables and figures, and
    (``workbook``) the same tables in ``comparison.xlsx`` (see :mod:`vtsim.report.excel`)."""
    from vtsim.io import atomic_path
    from vtsim.report.figures import save
    from vtsim.report.output import write_results

    folder.mkdir(parents=True, exist_ok=True)
    written = []
    with atomic_path(folder / "packages.csv") as tmp:
        comparison.packages_frame.to_csv(tmp, index=False)
    write_json(
        folder / "comparison.json",
        {"attacks_per_year": comparison.attacks_per_year, "harm_metric": comparison.harm_metric},
    )
    written += [folder / "packages.csv", folder / "comparison.json"]
    if figures:
        for name, fig in _figures(comparison).items():
            save(fig, folder / f"{name}.png")
            written.append(folder / f"{name}.png")
    if workbook:  # before write_results: its manifest comes last
        from vtsim.report.excel import COMPARISON_WORKBOOK, comparison_book

        written.append(comparison_book(comparison).write(folder / COMPARISON_WORKBOOK))
    return written + write_results(comparison.results, folder, figures=figures, jobs=jobs)


def _figures(comparison: Comparison) -> dict:
    figs = {"distributions": plot_distributions(comparison)}
    if len(comparison.packages_frame):
        figs["cost_effect"] = plot_cost_effect(comparison)
        figs["timeline"] = plot_timeline(comparison)
    return figs


def _png(fig) -> str:
    from vtsim.report.figures import _pyplot

    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=100, bbox_inches="tight")
    _pyplot().close(fig)
    return base64.b64encode(buffer.getvalue()).decode("ascii")


def _num(value, digits: int = 2) -> str:
    if isinstance(value, str):  # already formatted (a share: vtsim.analysis.formats)
        return value
    if value is None or (isinstance(value, float) and (math.isnan(value))):
        return "n/a"
    if isinstance(value, float) and math.isinf(value):
        return "none avoided"
    if abs(value) >= 1000:
        return f"{value:,.0f}"
    return f"{value:.{digits}f}"


def build_report(
    source,
    folder: Path,
    attacks_per_year: float | None = None,
    harm_metric: str | None = None,
    workbook: bool = False,
) -> Path:
    """Write ``folder/report.html`` from a :class:`Comparison` or a results folder, and
    with ``workbook`` its tables in ``folder/report.xlsx`` (:mod:`vtsim.report.excel`)."""
    from vtsim.report.output import versions

    if isinstance(source, Comparison):
        comparison = source
        from vtsim.report.output import manifest as make_manifest

        manifest = make_manifest(comparison.results)
    else:
        results, manifest = load_results(source)
        extra = Path(source) / "comparison.json"
        saved = json.loads(extra.read_text()) if extra.is_file() else {}
        attacks_per_year = attacks_per_year or saved.get("attacks_per_year")  # None: valuation
        harm_metric = harm_metric or saved.get("harm_metric", "casualties_total")
        if harm_metric not in results.frame:
            raise VtsimError(f"{source}: harm metric '{harm_metric}' is not in the results.")
        comparison = Comparison(results, attacks_per_year=attacks_per_year, harm_metric=harm_metric)
    results, scenario = comparison.results, comparison.scenario
    figures = {"scorecard": _png(plot_scorecard(results))}
    figures.update({k: _png(v) for k, v in _figures(comparison).items()})
    context = {
        "scenario": scenario,
        "results": results,
        "card": results.scorecard().to_dict(orient="records"),
        "phases": [_shares_as_percent(r) for r in comparison.frame.to_dict(orient="records")],
        "packages": comparison.packages_frame.to_dict(orient="records"),
        "measures": scenario.measures,
        "used_measures": {
            m for p in scenario.packages if p.id in results.packages for m in p.measures
        },
        "package_defs": scenario.packages,
        "attacks_per_year": comparison.attacks_per_year,
        "harm": comparison.harm_label,
        "catalogue_sources": _catalogue_sources(scenario),
        **_valued_context(comparison),
        "groups": _group_context(comparison),
        "figures": figures,
        "manifest": manifest,
        "versions": manifest.get("versions") or versions(),
        "created": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "num": _num,
        "pct": share,
    }
    html = _render("report.html.j2", context)
    if workbook:
        from vtsim.report.excel import REPORT_WORKBOOK, comparison_book

        comparison_book(comparison, manifest).write(Path(folder) / REPORT_WORKBOOK)
    path = Path(folder) / "report.html"
    write_text(path, html)
    return path


def _valued_context(comparison) -> dict:
    """The valued criteria, side effects and per-threat rows of the report."""
    from vtsim.analysis.valuation import ALL, describe_side_effect, likelihood_range

    rule = comparison.valuation
    diffs = comparison.valuation_frame
    criteria = (
        diffs[(diffs["threat"] == ALL) & (diffs["kind"] != "composite")]
        if not diffs.empty
        else diffs
    )
    card = comparison.by_threat
    rows = card[card["package"] != "baseline"] if not card.empty else card
    by_threat = []
    for r in rows.to_dict(orient="records"):
        if r.get("diff") is None or (r["diff"] == 0 and r["diff_lo"] == r["diff_hi"]):
            continue  # nothing this phase reads changed for that threat
        better = r["diff"] < 0 if r["better"] == "lower" else r["diff"] > 0
        r["verdict"] = ("better" if better else "worse") if r["distinguishable"] else ""
        by_threat.append(_shares_as_percent(r))
    mean, low, high = likelihood_range(rule)
    attacks = f"{mean:.3g}" if low == high else f"{mean:.3g} (5-95 %: {low:.3g}-{high:.3g})"
    return {
        "valuation": rule,
        "attacks": attacks,
        "criteria": criteria.to_dict(orient="records"),
        "side_effects": [
            {"package": e["package"], "text": describe_side_effect(e)}
            for e in comparison.side_effects.to_dict(orient="records")
        ],
        "by_threat": by_threat,
    }


def _group_context(comparison) -> dict | None:
    """The "By population group" section (scenarios with groups only, else None): per
    package, group and outcome the paired difference to the baseline
    (``Comparison.group_frame``), the disparity per package (``Comparison.disparity_frame``),
    groups by their names, and the groups figure."""
    from vtsim.analysis.groups import group_names, group_tables
    from vtsim.report.group_figures import group_figure

    by_group, disparity = group_tables(comparison.results)
    if by_group.empty:
        return None
    names = group_names(comparison.scenario)
    rows = []
    for r in comparison.group_frame.to_dict(orient="records"):
        r["name"] = names.get(r["group"], r["group"])
        # every per-group outcome is lower-is-better (harm, minutes)
        r["verdict"] = (
            ("better" if r["diff"] < 0 else "worse" if r["diff"] > 0 else "")
            if r["distinguishable"]
            else ""
        )
        rows.append(r)
    gaps = []
    for r in comparison.disparity_frame.to_dict(orient="records"):
        r["name"] = names.get(r["worst_group"], r["worst_group"])
        r["is_baseline"] = r["package"] == "baseline"
        gaps.append(r)
    return {
        "rows": rows,
        "disparity": gaps,
        "figure": _png(group_figure(by_group, disparity, comparison.scenario.name)),
    }


def _shares_as_percent(row: dict) -> dict:
    """A comparison row whose headline is a share, shown as the scorecard text shows it."""
    shares = {h.metric for h in HEADLINES if h.kind == "share"}
    return share_cells(row) if row.get("metric") in shares else row


def _catalogue_sources(scenario) -> list:
    """Sources of the bundled catalogue that the scenario does not list itself."""
    from vtsim.scenario.catalogue import load_catalogue

    own = {s.id for s in scenario.sources}
    return [s for s in load_catalogue().sources if s.id not in own]


def _render(name: str, context: dict) -> str:
    import jinja2

    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(TEMPLATES)),
        autoescape=jinja2.select_autoescape(["html", "j2"]),
        trim_blocks=True,
        lstrip_blocks=True,
    )
    return env.get_template(name).render(**context)
