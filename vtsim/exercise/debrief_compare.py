"""What each alternative changed, outcome by outcome: the comparisons of the debrief.

:func:`compare_on_storyline` compares the rows of
:func:`vtsim.exercise.replays.on_storyline` (one storyline: no interval);
:func:`compare_over_storylines` the rows of :func:`vtsim.exercise.replays.monte_carlo`
(paired over the storylines that reached the decision, with 95 % intervals), after
:func:`storyline_counts` says why some storylines cannot compare a decision. What is
compared comes from :func:`outcomes` (with the valued criteria of :func:`with_values`);
verdicts from :mod:`vtsim.exercise.debrief_outcomes`, sentences from
:mod:`vtsim.exercise.debrief_words`.
"""

from __future__ import annotations

import math

import numpy as np

from vtsim.analysis.stats import paired_difference
from vtsim.exercise.debrief_outcomes import (
    _HIGHER_IS_BETTER,
    COMPOSITE,
    PHASES,
    Outcome,
    _headline,
    _judge,
    _overall,
    _share,
    _spec,
    _standardised,
    _valued,
    phase_of,
)
from vtsim.exercise.debrief_words import (
    _people_labels,
    excluded_reason,
    messages,
    over_sentences,
    story_sentence,
    unit_text,
)
from vtsim.exercise.replays import _label, metric_names, variants
from vtsim.exercise.text import Messages


def outcomes(
    session, rows: list[dict], valuation=None, msg: Messages | None = None
) -> list[Outcome]:
    """What the debrief compares, grouped by phase: the exercise's metrics, each phase's
    scorecard measures the rows hold, each valued criterion and the valued composite."""
    from vtsim.analysis.scorecard import HEADLINES
    from vtsim.exercise.text import metric_label

    msg = messages(session, msg)
    present = {k for r in rows for k, v in r.items() if isinstance(v, float) and v == v}
    names = list(dict.fromkeys([*metric_names(session), *(h.metric for h in HEADLINES)]))
    units = {h.metric: h.unit for h in HEADLINES}

    def words(name: str) -> tuple[str, str]:  # the column's meaning and unit, not its name
        label, unit = metric_label(session.scenario, name, msg)
        return label[:1].upper() + label[1:], unit_text(units.get(name) or unit, msg)

    out = [
        Outcome(
            name,
            words(name)[0],
            phase_of(name),
            "higher" if name in _HIGHER_IS_BETTER else "lower",
            words(name)[1],
        )
        for name in names
        if name in present or name in metric_names(session)
    ]
    if valuation is not None and rows:
        import pandas as pd

        from vtsim.analysis.valuation import applicable

        for c in applicable(valuation, pd.DataFrame(rows)):
            key = f"debrief.criterion.{c.id}"
            label = msg(key) if "." not in c.id and msg.has(key) else c.label
            out.append(
                Outcome(f"q_{c.id}", label, "valued", "lower", unit_text(c.unit, msg), c.value)
            )
        out.append(
            Outcome(COMPOSITE, msg("debrief.composite"), "valued", "lower", valuation.currency, 1.0)
        )
    return sorted(out, key=lambda o: PHASES.index(o.phase))


def with_values(rows: list[dict], valuation) -> list[dict]:
    """``rows`` with each criterion's quantity ``q_<id>`` and the composite ``valued_event``."""
    if valuation is None or not rows:
        return rows
    import pandas as pd

    from vtsim.analysis.valuation import valued

    frame = valued(pd.DataFrame(rows), valuation)
    frame[COMPOSITE] = frame["valued_per_attack"] + frame["valued_burden_per_day"]
    keep = [c for c in frame.columns if c.startswith("q_") or c == COMPOSITE]
    return [{**row, **extra} for row, extra in zip(rows, frame[keep].to_dict("records"))]


def _chosen_option(session, point: str) -> str:
    return next(d.option for d in session.decisions if d.point == point)


def compare_on_storyline(
    session, story: list[dict], valuation=None, msg: Messages | None = None
) -> list[dict]:
    """Per alternative, on the session's own storyline: every outcome, alternative minus
    chosen, its verdict (no interval: one storyline), the headline and a sentence
    (:func:`story_sentence`, in ``msg``'s language)."""
    msg = messages(session, msg)
    rows = with_values(story, valuation)
    specs = outcomes(session, rows, valuation, msg)
    chosen = next(r for r in rows if r["variant"] == "chosen")
    out = []
    for row in rows:
        if row["variant"] == "chosen":
            continue
        items = []
        for o in specs:
            a, b = row.get(o.metric, math.nan), chosen.get(o.metric, math.nan)
            diff = a - b
            scale = max(abs(a), abs(b))
            items.append(
                {
                    **_spec(o),
                    "chosen": b,
                    "alternative": a,
                    "diff": diff,
                    "valued_diff": _valued(o, diff),
                    "standardised": diff / scale if scale else (0.0 if diff == 0 else math.nan),
                    "verdict": _judge(diff, diff, diff, o, interval=False),
                }
            )
        head = _headline(items)
        mine = _chosen_option(session, row["point"])
        who, alt, own = _people_labels(session, row["point"], row["option"], mine)
        result = {
            "variant": row["variant"],
            "point": row["point"],
            "option": row["option"],
            "chosen_option": mine,
            "label": row["label"],
            "who": who,
            "alt_label": alt,
            "chosen_label": own,
            "outcomes": items,
            "headline": head["metric"] if head else None,
            "overall": _overall(items, valuation),
        }
        result["sentence"] = story_sentence(result, msg)
        out.append(result)
    return out


def storyline_counts(session, mc_rows: list[dict], msg: Messages | None = None) -> dict:
    """How many storylines were played and why some cannot compare a decision: the plot
    was interdicted (no attack reached the site), or the storyline never reached the
    decision point. Every count comes with its reason (``code``, and ``reason`` in words);
    they add up to the total."""
    msg = messages(session, msg)
    chosen = {r["replication"]: r for r in mc_rows if r["variant"] == "chosen"}
    total = len(chosen)
    interdicted = sorted(r for r, row in chosen.items() if row.get("prevented") == 1.0)
    points = {}
    for d in session.decisions:
        reached = [r for r, row in chosen.items() if d.point in row["reached"].split(";")]
        gone = len([r for r in interdicted if r not in reached])
        other = total - len(reached) - gone
        who = _people_labels(session, d.point, "", "")[0]
        reasons = [
            {"n": n, "code": code, "reason": excluded_reason(code, n, total, who, msg)}
            for code, n in (("interdicted", gone), ("not_reached", other))
            if n
        ]
        points[d.point] = {
            "total": total,
            "compared": len(reached),
            "excluded": reasons,
            "who": who,
        }
    return {"total": total, "interdicted": len(interdicted), "points": points}


def compare_over_storylines(
    session, mc_rows: list[dict], valuation=None, msg: Messages | None = None
) -> list[dict]:
    """Per alternative, over many storylines: every outcome, paired on the storylines that
    reached the decision point, alternative minus chosen with its 95 % interval, the
    shares where the alternative did better, worse or the same (of the storylines where
    both values exist), the headline, the overall verdict and plain sentences
    (:func:`over_sentences`, in ``msg``'s language)."""
    msg = messages(session, msg)
    rows = with_values(mc_rows, valuation)
    specs = outcomes(session, rows, valuation, msg)
    counts = storyline_counts(session, mc_rows, msg)
    by: dict[str, dict[int, dict]] = {}
    for row in rows:
        by.setdefault(row["variant"], {})[row["replication"]] = row
    chosen = by.get("chosen", {})
    out = []
    for variant in variants(session)[1:]:
        reps = [r for r in sorted(chosen) if variant.point in chosen[r]["reached"].split(";")]
        alt_rows = by.get(variant.name, {})
        items = []
        for o in specs:
            a = np.array([alt_rows[r].get(o.metric, math.nan) for r in reps], dtype=float)
            b = np.array([chosen[r].get(o.metric, math.nan) for r in reps], dtype=float)
            both = ~(np.isnan(a) | np.isnan(b))
            d = paired_difference(a, b, better=o.better)
            diffs = a[both] - b[both]
            sd = float(diffs.std(ddof=1)) if len(diffs) > 1 else math.nan
            sign = -1 if o.better == "lower" else 1
            items.append(
                {
                    **_spec(o),
                    "chosen": float(b[both].mean()) if both.any() else math.nan,
                    "alternative": float(a[both].mean()) if both.any() else math.nan,
                    "diff": d.diff,
                    "diff_lo": d.lo,
                    "diff_hi": d.hi,
                    "valued_diff": _valued(o, d.diff),
                    "valued_diff_lo": _valued(o, d.lo),
                    "valued_diff_hi": _valued(o, d.hi),
                    "standardised": _standardised(d.diff, sd),
                    "n": int(both.sum()),
                    "n_missing": int(len(reps) - both.sum()),
                    "share_alt_better": _share(sign * diffs > 0),
                    "share_alt_worse": _share(sign * diffs < 0),
                    "share_same": _share(diffs == 0),
                    "verdict": _judge(d.diff, d.lo, d.hi, o, interval=len(diffs) > 1),
                }
            )
        head = _headline(items)
        overall = _overall(items, valuation)
        point = counts["points"].get(variant.point, {"total": 0, "excluded": []})
        point_id, option_id = variant.point or "", variant.option or ""  # set: an alternative
        mine = _chosen_option(session, point_id)
        who, alt, own = _people_labels(session, point_id, option_id, mine)
        h = head or next((i for i in items if i["metric"] == metric_names(session)[0]), None)
        result = {
            "variant": variant.name,
            "point": variant.point,
            "option": variant.option,
            "chosen_option": mine,
            "label": _label(session, variant),
            "who": who,
            "alt_label": alt,
            "chosen_label": own,
            # the headline, with 'saved' = alternative - chosen (positive: your choice
            # had less of it); kept for the console's line
            "metric": h["metric"] if h else None,
            "metric_label": h["label"] if h else None,
            "saved_mean": h["diff"] if h else math.nan,
            "saved_lo": h["diff_lo"] if h else math.nan,
            "saved_hi": h["diff_hi"] if h else math.nan,
            "n": point["total"],
            "n_compared": len(reps),
            "excluded": point["excluded"],
            "share_choice_better": h["share_alt_worse"] if h else math.nan,
            "share_choice_worse": h["share_alt_better"] if h else math.nan,
            "overall": overall,
            "outcomes": items,
        }
        result["sentences"] = over_sentences(result, msg)
        out.append(result)
    return out
