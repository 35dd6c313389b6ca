"""The debrief in words: every phrase comes from the catalogue (messages/<lang>/debrief.yaml).

Catalogue helpers (:func:`messages`, :func:`say`, the ``*_text`` functions), amounts and
intervals in plain words, the labels players read instead of ids, and the sentences of a
comparison: :func:`story_sentence` (on the session's own storyline) and
:func:`over_sentences` (over many storylines).
"""

from __future__ import annotations

from vtsim.exercise.debrief_outcomes import COMPOSITE, Outcome, _o
from vtsim.exercise.text import Messages


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


def _num(x: float) -> str:
    if x != x:
        return "-"
    return f"{x:,.0f}" if abs(x) >= 1000 else f"{x:.3g}"


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


def _interval(i: dict, o: Outcome, msg: Messages | None = None) -> str:
    msg = msg or Messages("en")
    return say(
        msg,
        "debrief.interval",
        lo=_amount(i["diff_lo"], o, msg),
        hi=_amount(i["diff_hi"], o, msg),
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


def excluded_reason(code: str, n: int, total: int, who: str, msg: Messages) -> str:
    """Why ``n`` of ``total`` storylines cannot compare a decision, in words."""
    return say(msg, f"debrief.excluded.{code}", n=str(n), total=str(total), who=who)


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
