"""The outcomes a debrief compares: their phase, which way is better, and the verdicts.

An :class:`Outcome` is one column of the replayed rows (a metric, a valued criterion
``q_<id>`` or the valued composite :data:`COMPOSITE`), grouped by phase (:data:`PHASES`,
:func:`phase_of`). The judgements here (``_judge``, ``_headline``, ``_overall``) turn
differences ``alternative - chosen`` into verdicts; they use no words (see
:mod:`vtsim.exercise.debrief_words`).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

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
