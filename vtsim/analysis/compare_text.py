"""The comparison's text beyond the scorecard: every criterion valued, the side effects,
and the phase headlines per threat (read by ``Comparison.text``)."""

from __future__ import annotations

import math

import pandas as pd

from vtsim.analysis.valuation import ALL, describe_side_effect, likelihood_range

_SHARES = {"prevented", "stopped_before_harm"}  # headlines that are shares (shown in points)


def _ratio(value: float) -> str:
    return f"{value:,.0f}" if abs(value) >= 100 else f"{value:.2g}"


def _money(value: float, sign: bool = False) -> str:
    """12.3 M, 45.6 k, 789: readable amounts in a line of text."""
    if value is None or not math.isfinite(value):
        return "n/a"
    plus = "+" if sign and value > 0 else ""
    size = abs(value)
    if size >= 1e6:
        return f"{plus}{value / 1e6:.3g} M"
    if size >= 1e3:
        return f"{plus}{value / 1e3:.3g} k"
    return f"{plus}{value:.3g}"


def valued_lines(comparison) -> list[str]:
    """Every criterion and the composite, per package; then the side effects."""
    rule = comparison.valuation
    assert rule is not None
    mean, low, high = likelihood_range(rule)
    cur = rule.currency
    likely = f"{mean:g}" if low == high else f"{mean:.3g} (5-95 %: {low:.3g}-{high:.3g})"
    out = [
        f"VALUED ({rule.name}; {cur}; attacks a year {likely}; "
        f"{rule.event_days_per_year:g} event day(s) a year; discount "
        f"{100 * rule.discount_rate:g} % over {rule.horizon_years} years)"
    ]
    diffs = comparison.valuation_frame
    overall = diffs[diffs["threat"] == ALL]
    for _, p in comparison.packages_frame.iterrows():
        if "annual_benefit" not in p or pd.isna(p.get("annual_benefit")):
            continue
        bcr = p["benefit_cost_ratio"]
        bcr_text = (
            f"benefit-cost ratio {_ratio(bcr)} [{_ratio(p['benefit_cost_ratio_lo'])}, "
            f"{_ratio(p['benefit_cost_ratio_hi'])}]"
            if math.isfinite(bcr)
            else "no cost"
        )
        out.append(
            f"  {p['package']}: harm and loss avoided per attack "
            f"{_money(p['valued_avoided_per_attack'])} "
            f"[{_money(p['valued_avoided_per_attack_lo'])}, "
            f"{_money(p['valued_avoided_per_attack_hi'])}]; burden "
            f"{_money(p['burden_added_per_day'], sign=True)} a day; benefit "
            f"{_money(p['annual_benefit'])} a year [{_money(p['annual_benefit_lo'])}, "
            f"{_money(p['annual_benefit_hi'])}]; {bcr_text}; net present value "
            f"{_money(p['net_present_value'])}"
        )
        mine = overall[(overall["package"] == p["package"]) & (overall["kind"] != "composite")]
        parts = [
            f"{r['label'].lower()} {r['diff']:+.3g} [{r['diff_lo']:+.3g}, {r['diff_hi']:+.3g}]"
            f" ({_money(r['valued_diff'], sign=True)})"
            for _, r in mine.iterrows()
        ]
        if parts:
            out.append("    " + "; ".join(parts))
    effects = comparison.side_effects
    if not effects.empty:
        out.append(
            "SIDE EFFECTS (a package makes a criterion worse, distinguishably; or it displaces "
            "attacks to a fallback target):"
        )
        for _, r in effects.iterrows():
            out.append(f"  {r['package']}: {describe_side_effect(r)}")
    return out


def threat_lines(comparison) -> list[str]:
    """The phase headlines per threat: what an average over threats hides."""
    card = comparison.by_threat
    if card.empty or card["threat"].nunique() < 2:
        return []
    out = ["BY THREAT (phase headline, package against the baseline on that threat)"]
    for threat in card["threat"].unique():
        block = card[(card["threat"] == threat) & (card["package"] != "baseline")]
        out.append(f"  {threat}:")
        for package in block["package"].unique():
            rows = block[block["package"] == package]
            parts = []
            for _, r in rows.iterrows():
                if pd.isna(r.get("diff")) or (r["diff"] == 0 and r["diff_lo"] == r["diff_hi"]):
                    continue  # nothing this phase reads changed on this threat
                scale = 100 if r["metric"] in _SHARES else 1
                parts.append(
                    f"{r['phase']} {r['diff'] * scale:+.2f} "
                    f"[{r['diff_lo'] * scale:+.2f}, {r['diff_hi'] * scale:+.2f}]"
                    + (" pts" if scale == 100 else "")
                )
            out.append(f"    {package}: " + ("; ".join(parts) or "no change"))
    return out


def _signed(x: float) -> str:
    """A paired difference with its sign; rounding noise (|x| < 1e-9) shown as +0."""
    return f"{0.0 if abs(x) < 1e-9 else x:+.3g}"


def group_lines(comparison) -> list[str]:
    """Per population group (scenarios with ``groups``): each package's paired difference
    to the baseline for the group's casualties, last person out and queueing; then the
    disparity across groups (worst-off group's rate over the average), with intervals."""
    from vtsim.model.groups import scenario_groups

    diffs = comparison.group_frame
    if diffs.empty:
        return []
    names = {g.id: str(g.name) or g.id for g in scenario_groups(comparison.scenario)}
    shown = ("casualties_total", "deaths_total", "min_to_evacuate", "queue_wait_min_mean")
    out = ["BY POPULATION GROUP (package against the baseline, paired [95 % interval])"]
    disparity = comparison.disparity_frame
    for package in diffs["package"].unique():
        out.append(f"  {package}:")
        block = diffs[(diffs["package"] == package) & diffs["metric"].isin(shown)]
        for gid in block["group"].unique():
            parts = [
                f"{r['label']} {_signed(r['diff'])} [{_signed(r['diff_lo'])}, "
                f"{_signed(r['diff_hi'])}] {r['unit']}"
                for _, r in block[block["group"] == gid].iterrows()
                if not pd.isna(r["diff"])
            ]
            out.append(f"    {names.get(gid, gid)}: " + ("; ".join(parts) or "no change"))
        frame = comparison.results.frame
        if "min_group_evacuation_gap" in frame and frame["min_group_evacuation_gap"].notna().any():
            gap = comparison.results.compare("min_group_evacuation_gap", "lower")
            g = gap[gap["package"] == package]
            if not g.empty and not pd.isna(g.iloc[0]["diff"]):
                g0 = g.iloc[0]
                out.append(
                    "    gap between the last person out of the slowest and of the fastest "
                    f"group: {_signed(g0['diff'])} [{_signed(g0['lo'])}, {_signed(g0['hi'])}] min"
                )
        if not disparity.empty:
            for _, r in disparity[disparity["package"] == package].iterrows():
                worst = names.get(r["worst_group"], r["worst_group"])
                flag = "  << WIDENS" if r["worse"] else ""
                out.append(
                    f"    disparity, {r['label']}: worst-off group ({worst}) {r['value']:.3g} x "
                    f"the average [{r['lo']:.3g}, {r['hi']:.3g}]; change {_signed(r['diff'])} "
                    f"[{_signed(r['diff_lo'])}, {_signed(r['diff_hi'])}]{flag}"
                )
    return out
