"""The scorecard: one headline figure per phase and package, with 95 % intervals,
and its paired difference to the baseline on the same replications."""

from __future__ import annotations

import math
from dataclasses import dataclass

import pandas as pd

from vtsim.analysis.formats import points, share, share_diff

# Population groups used to be summarised here (vtsim.analysis.groups): names re-exported.
from vtsim.analysis.groups import DISPARITIES as DISPARITIES
from vtsim.analysis.groups import GROUP_METRICS as GROUP_METRICS
from vtsim.analysis.groups import disparity_ratio as disparity_ratio
from vtsim.analysis.groups import group_disparity as group_disparity
from vtsim.analysis.groups import group_ids as group_ids
from vtsim.analysis.groups import group_lines as group_lines
from vtsim.analysis.groups import group_summary as group_summary
from vtsim.analysis.stats import mean_interval, paired_difference, proportion_interval


@dataclass(frozen=True)
class Headline:
    """How a phase is summarised: which metric, in words, and which direction is better."""

    phase: str
    metric: str
    label: str
    better: str  # "lower" or "higher"
    kind: str  # "share" (of 0/1 outcomes) or "mean"
    unit: str = ""


HEADLINES: list[Headline] = [
    Headline("prevent", "prevented", "plots interdicted before the attack", "higher", "share"),
    Headline(
        "protect",
        "stopped_before_harm",
        "attacks stopped before harm (of those reaching the site)",
        "higher",
        "share",
    ),
    Headline("mitigate", "casualties_total", "casualties per attack attempted", "lower", "mean"),
    Headline(
        "respond",
        "preventable_deaths",
        "preventable deaths per attack attempted (alive when the attack ended)",
        "lower",
        "mean",
    ),
    Headline(  # cbrn_release (vtsim.model.cbrn); censored at the horizon
        "respond",
        "decon_min_to_complete",
        "minutes from the release until everyone exposed is decontaminated",
        "lower",
        "mean",
        "min",
    ),
    Headline(
        "respond",
        "min_to_first_responder",
        "minutes to the first armed responder on scene",
        "lower",
        "mean",
        "min",
    ),
    Headline(
        "recover",
        "resilience_loss",
        "resilience loss (service-days lost, population weighted)",
        "lower",
        "mean",
        "days",
    ),
    Headline("recover", "site_closed_days", "days the site stays closed", "lower", "mean", "days"),
]
"""Candidates in order of preference: each phase shows its first candidate that the
results hold (a column with at least one value). A sub-model that adds a better
headline for a phase (preventable deaths, resilience loss) lists it before the
foundation's."""


def headlines_for(frame: pd.DataFrame) -> list[Headline]:
    """One headline per phase: the first candidate with data in ``frame``."""
    chosen: dict[str, Headline] = {}
    for h in HEADLINES:
        if h.phase not in chosen and h.metric in frame and frame[h.metric].notna().any():
            chosen[h.phase] = h
    return [chosen[p] for p in PHASES if p in chosen]


PHASES = ("prevent", "protect", "mitigate", "respond", "recover")

DISPLACEMENT_PHASE = "protect"
"""Displaced attacks (``displaced``, ``displaced_casualties``: a threat that falls back to
a target outside a layer, :mod:`vtsim.model.protect`) are counted on this phase's row, in
their own columns: an attack a layer turned away but that struck the queue instead is not
a protected one, and the scorecard says so separately."""


def scorecard(frame: pd.DataFrame, packages: list[str], baseline: str = "baseline") -> pd.DataFrame:
    """Rows (package, phase): headline value, interval, and difference to the baseline."""
    rows = []
    base = frame[frame["package"] == baseline].sort_values("replication")
    for package in packages:
        data = frame[frame["package"] == package].sort_values("replication")
        for h in headlines_for(frame):
            estimate = (proportion_interval if h.kind == "share" else mean_interval)(data[h.metric])
            row = {
                "package": package,
                "phase": h.phase,
                "metric": h.metric,
                "label": h.label,
                "better": h.better,
                "unit": h.unit,
                "value": estimate.value,
                "lo": estimate.lo,
                "hi": estimate.hi,
                "n": estimate.n,
            }
            if package != baseline and len(base):
                merged = data[["replication", h.metric]].merge(
                    base[["replication", h.metric]], on="replication", suffixes=("", "_base")
                )
                diff = paired_difference(merged[h.metric], merged[h.metric + "_base"], h.better)
                row.update(
                    diff=diff.diff,
                    diff_lo=diff.lo,
                    diff_hi=diff.hi,
                    p_better=diff.p_better,
                    distinguishable=diff.distinguishable,
                    replications_needed=diff.replications_needed,
                )
            if h.phase == DISPLACEMENT_PHASE and "displaced" in data:
                row.update(_displacement(data, base, package, baseline))
            rows.append(row)
    return pd.DataFrame(rows)


def _displacement(
    data: pd.DataFrame, base: pd.DataFrame, package: str, baseline: str
) -> dict[str, float]:
    """The share of attacks (reaching the site) displaced to a fallback target, with its
    interval, and the casualties there per attack attempted; with the paired difference
    to the baseline for a package."""
    share_ = proportion_interval(data["displaced"])
    out = {
        "displaced": share_.value,
        "displaced_lo": share_.lo,
        "displaced_hi": share_.hi,
        "displaced_casualties": float(data["displaced_casualties"].mean())
        if len(data)
        else math.nan,
    }
    if package != baseline and len(base):
        merged = data[["replication", "displaced"]].merge(
            base[["replication", "displaced"]], on="replication", suffixes=("", "_base")
        )
        diff = paired_difference(merged["displaced"], merged["displaced_base"], "lower")
        out.update(displaced_diff=diff.diff, displaced_diff_lo=diff.lo, displaced_diff_hi=diff.hi)
    return out


def _fmt(value: float, kind: str) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "n/a"
    if kind == "share":
        return share(value)
    return f"{value:.2f}" if abs(value) < 100 else f"{value:.0f}"


def render_text(
    card: pd.DataFrame, baseline: str = "baseline", verdicts: dict | None = None
) -> str:
    """A plain-text scorecard for the terminal: one block per phase, one line per package.
    ``verdicts``: ``{(package, phase): words}`` to print instead of the plain verdict (a
    comparison's, which knows whether a package can change what a phase reads)."""
    lines = []
    kinds = {h.metric: h.kind for h in HEADLINES}
    phases = [p for p in PHASES if p in set(card["phase"])]
    width = max([len(p) for p in card["package"].unique()] + [8])
    for phase in phases:
        block = card[card["phase"] == phase]
        first = block.iloc[0]
        arrow = "higher is better" if first["better"] == "higher" else "lower is better"
        lines.append(f"{phase.upper():9} {first['label']} ({arrow})")
        kind = kinds[first["metric"]]
        for _, r in block.iterrows():
            value = f"{_fmt(r['value'], kind):>7} [{_fmt(r['lo'], kind)}, {_fmt(r['hi'], kind)}]"
            text = f"  {r['package']:<{width}} {value:<28}"
            if r["package"] != baseline and "diff" in r and not pd.isna(r.get("diff")):
                if kind == "share":  # one format with the HTML report (analysis.formats)
                    d = share_diff(r["diff"])
                    ci = f"[{points(r['diff_lo'])}, {points(r['diff_hi'])}]"
                else:
                    d = f"{'+' if r['diff'] >= 0 else ''}{r['diff']:.2f}"
                    ci = f"[{r['diff_lo']:+.2f}, {r['diff_hi']:+.2f}]"
                if verdicts and (r["package"], phase) in verdicts:
                    verdict = verdicts[(r["package"], phase)]
                elif r["diff"] == 0 and r["diff_lo"] == r["diff_hi"]:
                    verdict = "no change on any replication"
                elif r["distinguishable"]:
                    verdict = "better" if _is_better(r) else "worse"
                else:
                    verdict = "not distinguishable from baseline"
                text += f" vs baseline {d} {ci} {verdict}"
            lines.append(text.rstrip())
            shown = r.get("displaced")
            if shown is not None and not pd.isna(shown) and shown > 0:
                lines.append(
                    f"  {'':<{width}}   displaced to a fallback target: {share(shown)} "
                    f"[{share(r['displaced_lo'])}, {share(r['displaced_hi'])}] of attacks, "
                    f"{r['displaced_casualties']:.2f} casualties there per attack attempted"
                )
        lines.append("")
    return "\n".join(lines).rstrip() + "\n"


def _is_better(row) -> bool:
    return (row["diff"] < 0) if row["better"] == "lower" else (row["diff"] > 0)


def scorecard_by_threat(
    frame: pd.DataFrame, packages: list[str], baseline: str = "baseline"
) -> pd.DataFrame:
    """The scorecard on each threat's replications: rows (threat, package, phase). The
    threat of a replication is drawn the same way in every package (common random
    numbers), so each package's difference to the baseline stays paired."""
    parts = []
    for threat in sorted(frame["threat"].dropna().unique()):
        card = scorecard(frame[frame["threat"] == threat], packages, baseline)
        card.insert(0, "threat", threat)
        parts.append(card)
    return pd.concat(parts, ignore_index=True) if parts else pd.DataFrame()
