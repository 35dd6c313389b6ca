"""What the choices changed: the same storyline with each alternative, and many storylines.

*On this storyline*: every decision the teams took is replayed with each of its
other options (all other decisions as taken), on the same seed and replication,
so only that decision differs (common random numbers). *Over many storylines*:
replications ``0..n-1`` of the same seed, played with the chosen path and with
each alternative, paired per replication. A decision point that a storyline
reaches but the session did not takes its first option.
"""

from __future__ import annotations

import math
import sys
from dataclasses import dataclass

import numpy as np

from vtsim.analysis.stats import paired_difference
from vtsim.exercise.storyline import play
from vtsim.exercise.text import Messages


@dataclass(frozen=True)
class Variant:
    """The chosen path, or the chosen path with one decision replaced."""

    name: str
    point: str | None
    option: str | None
    choices: tuple[tuple[str, str], ...]


def variants(session) -> list[Variant]:
    chosen = session.choices()
    out = [Variant("chosen", None, None, tuple(chosen.items()))]
    for decision in session.decisions:
        for option in session.point(decision.point).options:
            if option.id != decision.option:
                alt = {**chosen, decision.point: option.id}
                out.append(
                    Variant(
                        f"{decision.point}={option.id}",
                        decision.point,
                        option.id,
                        tuple(alt.items()),
                    )
                )
    return out


def metric_names(session) -> list[str]:
    ex = session.scenario.exercise
    return list(dict.fromkeys([ex.headline_metric, *ex.report_metrics]))


def _row(outcome, names) -> dict[str, float]:
    """Every outcome the storyline reports (the exercise's own first), as floats."""
    row = {name: float(outcome.metrics.get(name, math.nan)) for name in names}
    for name, value in outcome.metrics.items():
        if name not in row and isinstance(value, (int, float, np.number)):
            row[name] = float(value)
    return row


def _reached(applied) -> str:
    """The decision points a storyline reached, as ``a;b`` (for the CSV)."""
    return ";".join(point for point, _, _ in applied)


def on_storyline(session) -> list[dict]:
    """Each variant on the session's own storyline: its metrics and the first moment its
    trace departs from the chosen path's (None when identical)."""
    names = metric_names(session)
    rows, base_trace = [], None
    for variant in variants(session):
        outcome, applied = play(
            session.scenario,
            session.seed,
            session.replication,
            dict(variant.choices),
            session.threat,
        )
        trace = [(e.t_min, e.kind, repr(e.data)) for e in outcome.trace or []]
        if base_trace is None:
            base_trace = trace
        rows.append(
            {
                "variant": variant.name,
                "point": variant.point,
                "option": variant.option,
                "label": _label(session, variant),
                **_row(outcome, names),
                "reached": _reached(applied),
                "diverges_at_min": _divergence(base_trace, trace),
            }
        )
    return rows


def _label(session, variant: Variant) -> str:
    if variant.point is None:
        return ""
    point = session.point(variant.point)
    return next(o.label for o in point.options if o.id == variant.option)


def _divergence(a, b) -> float | None:
    for x, y in zip(a, b):
        if x != y:
            return min(x[0], y[0])
    if len(a) != len(b):
        return (a[len(b)] if len(a) > len(b) else b[len(a)])[0]
    return None


# -- many storylines ---------------------------------------------------------------------------
def play_block(scenario, seed, threat, variant_list, start, stop, names) -> list[dict]:
    """Rows of storylines ``start`` to ``stop`` (excluded), every path of ``variant_list``
    on each: a block of :func:`monte_carlo`, public for front ends that show progress."""
    rows = []
    for replication in range(start, stop):
        for variant in variant_list:
            outcome, applied = play(scenario, seed, replication, dict(variant.choices), threat)
            rows.append(
                {
                    "variant": variant.name,
                    "replication": replication,
                    "reached": _reached(applied),
                    **_row(outcome, names),
                }
            )
    return rows


def monte_carlo(
    session, replications: int, seed: int | None = None, jobs: int = 1, progress: bool | None = None
) -> list[dict]:
    """Rows (variant, replication, metrics) over ``replications`` storylines."""
    from concurrent.futures import ProcessPoolExecutor

    from tqdm.auto import tqdm

    from vtsim.analysis.executors import _context

    seed = session.seed if seed is None else seed
    names, variant_list = metric_names(session), variants(session)
    size = max(5, min(100, -(-replications // max(1, 4 * max(jobs, 1)))))
    blocks = [(a, min(replications, a + size)) for a in range(0, replications, size)]
    args = (session.scenario, seed, session.threat, variant_list)
    bar = tqdm(
        total=replications,
        desc="storylines",
        unit="story",
        file=sys.stderr,
        disable=not (sys.stderr.isatty() if progress is None else progress),
    )
    rows: list[dict] = []
    try:
        if jobs == 1:
            for a, b in blocks:
                rows.extend(play_block(*args, a, b, names))
                bar.update(b - a)
        else:
            import os

            workers = jobs if jobs > 0 else (os.cpu_count() or 1)
            with ProcessPoolExecutor(max_workers=workers, mp_context=_context()) as pool:
                futures = [pool.submit(play_block, *args, a, b, names) for a, b in blocks]
                for (a, b), future in zip(blocks, futures):
                    rows.extend(future.result())
                    bar.update(b - a)
    finally:
        bar.close()
    return rows


# -- the debrief: every outcome, valued --------------------------------------------------------
#
# A decision is judged on every outcome the scenario reports (the exercise's own metrics and
# each phase's scorecard measure), grouped by phase, and, where the scenario has a valuation
# (:mod:`vtsim.analysis.valuation`), on each valued criterion and the valued composite. The
# headline of a comparison is the outcome that changed most in valued terms (without a
# valuation: the largest standardised change), never one fixed measure. Differences are
# ``alternative - chosen``; an alternative is *better* or *worse* only when its paired 95 %
# interval excludes zero (over many storylines; one storyline has no interval).

PHASES = ("prevent", "protect", "mitigate", "respond", "recover", "other", "valued")
COMPOSITE = "valued_event"  # harm and loss of the attack + burden of the day, valued
_HIGHER_IS_BETTER = {
    "prevented",
    "stopped_before_harm",
    "neutralised_before_harm",
    "detected_before_target",
    "cbrn_detected_by_sensor",
    "evacuated",
    "evacuated_fraction",
    "interrupted",
    "unharmed",
    "stopped_by_layer",
}
_PHASE_BY_PREFIX = (
    ("prevent", ("prevented", "days_to_interdiction", "detected_before_target")),
    (
        "protect",
        (
            "stopped_",
            "neutralised_",
            "min_attack_active",
            "min_to_first_responder",
            "min_to_neutralisation",
            "min_to_harm",
            "interrupted",
            "killed_outright",
        ),
    ),
    (
        "respond",
        (
            "decon_",
            "min_ems",
            "min_to_first_ems",
            "min_to_hospital",
            "min_to_last_hospital",
            "hospital_",
            "patients_",
            "preventable_deaths",
            "mistriaged",
            "t2_worsened",
        ),
    ),
    ("recover", ("site_closed", "resilience_loss", "customer_hours", "visitor_delay", "queue_")),
    (
        "mitigate",
        ("casualties_", "deaths_", "cbrn_", "exposed", "evacuated", "t1", "t2", "t3", "unharmed"),
    ),
)


# -- words: every phrase comes from the catalogue (messages/<lang>/debrief.yaml) ----------------
def messages(session=None, msg: Messages | None = None) -> Messages:
    """``msg``, or the catalogue of the session's language."""
    if msg is not None:
        return msg
    return Messages(getattr(session, "lang", None) or "en")


def say(msg: Messages, key: str, **values) -> str:
    """A catalogue phrase with its values (in a right-to-left language, each value that needs
    it becomes an island: :func:`vtsim.exercise.text.island`)."""
    return msg(key, **values)


def phase_title(phase: str, msg: Messages) -> str:
    return msg(f"debrief.phase.{phase}")


def _key(code: str) -> str:
    return code.replace(" ", "_")


def verdict_text(code: str, msg: Messages) -> str:
    """An outcome's verdict (better, worse, same, unclear, not comparable) in words."""
    return msg(f"debrief.verdict.{_key(code)}")


def overall_text(code: str, msg: Messages) -> str:
    """An alternative's overall verdict (also mixed) in words."""
    return msg(f"debrief.overall.{_key(code)}")


def better_text(better: str, msg: Messages) -> str:
    return msg(f"debrief.better_is.{better}")


def unit_text(unit: str, msg: Messages) -> str:
    key = f"debrief.unit.{unit}"
    return msg(key) if unit and "." not in unit and msg.has(key) else unit


def pct(x: float, msg: Messages) -> str:
    """A share as a percentage, isolated as a whole ('23 %') in right-to-left text."""
    if x != x:
        return msg("debrief.missing")
    from vtsim.exercise.text import LRI

    text = msg("debrief.percent").format(value=f"{100 * x:.0f}")
    return text if LRI in text else msg.num(text)


@dataclass(frozen=True)
class Outcome:
    """One outcome compared in the debrief."""

    metric: str  # column of the rows (a metric, ``q_<criterion>`` or the composite)
    label: str  # its meaning in the reader's language
    phase: str
    better: str  # "lower" or "higher"
    unit: str = ""  # in the reader's language (a currency code for valued outcomes)
    value_per_unit: float | None = None  # currency per unit (valued outcomes)


def phase_of(metric: str) -> str:
    from vtsim.analysis.scorecard import HEADLINES

    for h in HEADLINES:
        if h.metric == metric:
            return h.phase
    for phase, prefixes in _PHASE_BY_PREFIX:
        if any(metric.startswith(p) for p in prefixes):
            return phase
    return "other"


def session_valuation(session):
    """The scenario's valuation (:func:`vtsim.analysis.valuation.resolve_valuation`), or
    None when it has none that fits (another currency)."""
    from vtsim.analysis.valuation import resolve_valuation
    from vtsim.errors import VtsimError

    try:
        return resolve_valuation(session.scenario)
    except VtsimError:
        return None


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


def _amount(x: float, o: Outcome, msg: Messages | None = None) -> str:
    """A difference in plain words: '21.6 people lower', 'no change'."""
    msg = msg or Messages("en")
    if x != x:
        return msg("debrief.amount.not_known")
    if x == 0:
        return msg("debrief.amount.no_change")
    way = "lower" if x < 0 else "higher"
    number = _num(abs(x))
    if o.value_per_unit == 1.0:  # money
        return say(msg, f"debrief.amount.{way}_money", currency=o.unit, number=number)
    if o.unit:
        return say(msg, f"debrief.amount.{way}_unit", number=number, unit=o.unit)
    return say(msg, f"debrief.amount.{way}", number=number)


def _judge(diff: float, lo: float, hi: float, o: Outcome, interval: bool) -> str:
    """The alternative against the chosen option: better, worse, same or unclear."""
    if diff != diff:
        return "not comparable"
    if (lo == hi == diff == 0) or (not interval and diff == 0):
        return "same"
    if interval and lo <= 0 <= hi:
        return "unclear"
    lower = (hi < 0) if interval else diff < 0
    return "better" if lower == (o.better == "lower") else "worse"


def _valued(o: Outcome, x: float) -> float:
    return o.value_per_unit * x if o.value_per_unit is not None else math.nan


def _headline(items: list[dict], key: str = "valued_diff") -> dict | None:
    """The outcome that changed most in valued terms (a criterion, not the composite);
    without a valuation or a valued change, the largest standardised change."""
    valued = [i for i in items if i["phase"] == "valued" and i["metric"] != COMPOSITE]
    valued = [i for i in valued if i[key] == i[key] and i[key] != 0]
    if valued:
        return max(valued, key=lambda i: abs(i[key]))
    scored = [i for i in items if i["standardised"] == i["standardised"] and i["standardised"]]
    return max(scored, key=lambda i: abs(i["standardised"])) if scored else None


def _overall(items: list[dict], valuation) -> str:
    """The alternative overall: on the valued composite with a valuation, else better on at
    least one outcome and worse on none (or the reverse); 'mixed' otherwise."""
    if valuation is not None:
        composite = next((i for i in items if i["metric"] == COMPOSITE), None)
        if composite is not None:
            return composite["verdict"]
    verdicts = {i["verdict"] for i in items if i["phase"] != "valued"}
    if "better" in verdicts and "worse" in verdicts:
        return "mixed"
    if "better" in verdicts or "worse" in verdicts:
        return "better" if "better" in verdicts else "worse"
    return "same" if verdicts <= {"same", "not comparable"} else "unclear"


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


def story_sentence(row: dict, msg: Messages) -> str:
    """One alternative on the session's own storyline, in words."""
    names = {"who": row["who"], "mine": row["chosen_label"], "alt": row["alt_label"]}
    head = _find(row["outcomes"], row["headline"]) if row["headline"] else None
    if head is None:
        return say(msg, "debrief.story.same", **names)
    changed = sum(i["verdict"] in ("better", "worse") for i in row["outcomes"])
    return say(
        msg,
        "debrief.story.changed",
        **names,
        outcome=head["label"],
        amount=_amount(head["diff"], _o(head), msg),
        alternative=_num(head["alternative"]),
        chosen=_num(head["chosen"]),
        changed=str(changed),
        total=str(len(row["outcomes"])),
    )


def _find(items: list[dict], metric: str | None) -> dict | None:
    return next((i for i in items if i["metric"] == metric), None)


def _people_labels(session, point_id: str, option_id: str, mine: str) -> tuple[str, str, str]:
    """What players read instead of ids: who decided (the decision point's owner), the
    alternative's label and the chosen option's label."""
    from vtsim.exercise.options import find_option, find_point

    try:
        point = find_point(session.scenario, point_id)
    except StopIteration:
        return point_id, option_id, mine

    def label(option: str) -> str:
        try:
            return find_option(point, option).label or option
        except StopIteration:
            return option

    return point.decided_by or point_id, label(option_id), label(mine)


def _spec(o: Outcome) -> dict:
    return {
        "metric": o.metric,
        "label": o.label,
        "phase": o.phase,
        "better": o.better,
        "unit": o.unit,
        "value_per_unit": o.value_per_unit,
    }


def _o(item: dict) -> Outcome:
    return Outcome(
        item["metric"],
        item["label"],
        item["phase"],
        item["better"],
        item["unit"],
        item["value_per_unit"],
    )


def _num(x: float) -> str:
    if x != x:
        return "-"
    return f"{x:,.0f}" if abs(x) >= 1000 else f"{x:.3g}"


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


def excluded_reason(code: str, n: int, total: int, who: str, msg: Messages) -> str:
    """Why ``n`` of ``total`` storylines cannot compare a decision, in words."""
    return say(msg, f"debrief.excluded.{code}", n=str(n), total=str(total), who=who)


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


def _standardised(diff: float, sd: float) -> float:
    """The mean difference in standard deviations of the paired differences; a constant
    nonzero shift (no spread) counts as infinitely clear."""
    if diff != diff:
        return math.nan
    if sd and sd == sd:
        return diff / sd
    return 0.0 if diff == 0 else math.copysign(math.inf, diff)


def _share(mask) -> float:
    return float(np.mean(mask)) if len(mask) else math.nan


def _interval(i: dict, o: Outcome, msg: Messages | None = None) -> str:
    msg = msg or Messages("en")
    return say(
        msg,
        "debrief.interval",
        lo=_amount(i["diff_lo"], o, msg),
        hi=_amount(i["diff_hi"], o, msg),
    )


def over_sentences(row: dict, msg: Messages) -> list[str]:
    """One alternative over many storylines, in words: how many storylines compare it
    (and why the others do not), the headline with its interval and shares, the valued
    total, the overall verdict and every other outcome that clearly changed."""
    names = {"who": row["who"], "mine": row["chosen_label"], "alt": row["alt_label"]}
    lines = [
        say(
            msg,
            "debrief.over.reached",
            total=str(row["n"]),
            compared=str(row["n_compared"]),
            who=row["who"],
        ),
        *(excluded_reason(e["code"], e["n"], row["n"], row["who"], msg) for e in row["excluded"]),
    ]
    items = row["outcomes"]
    head = _find(items, row["metric"])
    if head is None:
        lines.append(say(msg, "debrief.over.none", **names))
        return lines
    o = _o(head)
    lines.append(
        say(
            msg,
            "debrief.over.headline",
            **names,
            outcome=head["label"],
            amount=_amount(head["diff"], o, msg),
            interval=_interval(head, o, msg),
            n=str(head["n"]),
            better=pct(head["share_alt_better"], msg),
            worse=pct(head["share_alt_worse"], msg),
        )
    )
    composite = _find(items, COMPOSITE)
    if composite is not None and composite is not head:
        c = _o(composite)
        lines.append(
            say(
                msg,
                "debrief.over.composite",
                amount=_amount(composite["diff"], c, msg),
                interval=_interval(composite, c, msg),
            )
        )
    lines.append(say(msg, f"debrief.over.{_key(row['overall'])}", **names))
    for i in items:
        if i is head or i["verdict"] not in ("better", "worse") or i["phase"] == "valued":
            continue
        lines.append(
            say(
                msg,
                "debrief.over.also",
                outcome=i["label"],
                amount=_amount(i["diff"], _o(i), msg),
                interval=_interval(i, _o(i), msg),
            )
        )
    return lines


def summarise(session, mc_rows: list[dict], msg: Messages | None = None) -> list[dict]:
    """Per alternative over many storylines (see :func:`compare_over_storylines`), with the
    scenario's valuation. ``saved_*`` is on the row's headline ``metric`` (alternative minus
    chosen: positive, your choice had less of it); ``n`` counts the storylines played and
    ``n_compared`` those that reached the decision (``excluded`` gives the others' reasons)."""
    return compare_over_storylines(session, mc_rows, session_valuation(session), msg)


def debrief(session, story: list[dict], mc_rows: list[dict], msg: Messages | None = None) -> dict:
    """Everything the console and the report say about the choices, as data (and the
    sentences in ``msg``'s language, by default the session's)."""
    msg = messages(session, msg)
    valuation = session_valuation(session)
    return {
        "valuation": valuation.name if valuation is not None else None,
        "currency": valuation.currency if valuation is not None else None,
        "on_storyline": compare_on_storyline(session, story, valuation, msg),
        "over_storylines": (
            compare_over_storylines(session, mc_rows, valuation, msg) if mc_rows else []
        ),
        "counts": storyline_counts(session, mc_rows, msg) if mc_rows else None,
    }
