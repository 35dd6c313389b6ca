"""The After-Action Report's figures: alternative minus your choice on the valued
composite (or each headline, standardised) and, in small multiples, on every outcome that
changed; this storyline and over many storylines. Also how a figure is turned into PNG
bytes and how its labels are laid out (right-to-left text, bidi isolates).
"""

from __future__ import annotations

import io as _stdio

from vtsim.exercise.aar_tables import _find
from vtsim.exercise.text import Messages


def _plain(text: str, width: int | None = None) -> str:
    """A label for a figure, broken between words at ``width`` characters. Matplotlib 3.11
    and later lay text out with libraqm (Arabic letters joined, right to left, bidi isolates
    honoured: numbers keep their reading order); older versions draw the isolates as boxes,
    so there they are dropped."""
    import textwrap

    from vtsim.exercise.text import LRI, PDI

    if width:
        text = textwrap.fill(text, width, break_long_words=False)
    return text if _complex_text_layout() else text.replace(LRI, "").replace(PDI, "")


def _complex_text_layout() -> bool:
    from matplotlib import ft2font

    return bool(getattr(ft2font, "__libraqm_version__", None))


def _tick(row: dict, msg: Messages, width: int = 48) -> str:
    from vtsim.exercise.counterfactual import say

    return _plain(say(msg, "debrief.path_short", who=row["who"], alt=row["alt_label"]), width)


def outcomes_figure(session, debrief: dict, msg: Messages | None = None):
    """One bar per alternative: alternative minus your choice on the valued composite (or,
    without a valuation, each alternative's headline, standardised), this storyline and
    over many with the 95 % interval. Left of zero: the alternative did better."""
    from vtsim.exercise.counterfactual import COMPOSITE, messages, say
    from vtsim.report.figures import _pyplot

    msg = messages(session, msg)
    plt = _pyplot()
    story, over = debrief["on_storyline"], {r["variant"]: r for r in debrief["over_storylines"]}
    fig, ax = plt.subplots(figsize=(10, 1.8 + 0.8 * max(1, len(story))))
    y = list(range(len(story)))
    valued = debrief["valuation"] is not None

    def pick(row) -> dict | None:
        metric = COMPOSITE if valued else (row.get("metric") or row.get("headline"))
        return _find(row["outcomes"], metric) if metric else None

    on_story = [(pick(r) or {}).get("diff", 0.0) for r in story]
    if not valued:  # no common unit: standardise
        on_story = [0.0 if (i := pick(r)) is None else i["standardised"] for r in story]
    ax.barh(
        y, on_story, color="#1b9e77", alpha=0.6, label=_plain(msg("debrief.figure.this_storyline"))
    )
    points: list[tuple[int, dict]] = []
    for k, r in enumerate(story):
        i = pick(over[r["variant"]]) if r["variant"] in over else None
        if i is not None and i["n"]:
            points.append((k, i))
    if points:
        scale = [
            1.0 if valued else (i["diff"] / i["standardised"] if i["standardised"] else 1.0)
            for _, i in points
        ]
        mean = [i["diff"] / s for (_, i), s in zip(points, scale)]
        err = [
            [max(0.0, (i["diff"] - i["diff_lo"]) / s) for (_, i), s in zip(points, scale)],
            [max(0.0, (i["diff_hi"] - i["diff"]) / s) for (_, i), s in zip(points, scale)],
        ]
        n = next(iter(over.values()))["n"]
        ax.errorbar(
            mean,
            [k for k, _ in points],
            xerr=err,
            fmt="o",
            color="#d95f02",
            capsize=6,
            markersize=9,
            label=_plain(say(msg, "debrief.figure.over_many", n=str(n))),
        )
    ax.axvline(0, color="#4d4d4d", linewidth=1)
    ax.set_yticks(y, [_tick(r, msg) for r in story], fontsize=13)
    if valued:
        xlabel = say(msg, "debrief.figure.x_valued", currency=debrief["currency"])
    else:
        xlabel = msg("debrief.figure.x_standardised")
    ax.set_xlabel(_plain(xlabel, 60), fontsize=12)
    ax.legend(fontsize=11, loc="best")
    ax.tick_params(labelsize=12)
    fig.tight_layout()
    return fig


def every_outcome_figure(debrief: dict, msg: Messages | None = None):
    """Small multiples, one panel per outcome that changed: alternative minus your choice
    for each alternative, this storyline (bar) and over many storylines (dot, 95 %
    interval). None when no outcome changed."""
    from vtsim.exercise.counterfactual import better_text, say
    from vtsim.report.figures import _pyplot

    msg = msg or Messages("en")
    story, over = debrief["on_storyline"], {r["variant"]: r for r in debrief["over_storylines"]}
    if not story:
        return None
    metrics = []
    for k, first in enumerate(story[0]["outcomes"]):
        changed = any(r["outcomes"][k]["diff"] not in (0, None) for r in story) or any(
            (_find(o["outcomes"], first["metric"]) or {}).get("diff") not in (0, None)
            for o in over.values()
        )
        if changed:
            metrics.append((k, first))
    if not metrics:
        return None
    plt = _pyplot()
    cols = min(3, len(metrics))
    rows = -(-len(metrics) // cols)
    fig, axes = plt.subplots(
        rows, cols, figsize=(6.0 * cols, 1.2 + (0.7 * len(story) + 1.2) * rows), squeeze=False
    )
    y = list(range(len(story)))
    for ax, (k, first) in zip(axes.flat, metrics):
        ax.barh(y, [r["outcomes"][k]["diff"] for r in story], color="#1b9e77", alpha=0.6)
        for j, r in enumerate(story):
            item = _find(over[r["variant"]]["outcomes"], first["metric"]) if over else None
            if item and item["n"] and item["diff"] == item["diff"]:
                ax.errorbar(
                    [item["diff"]],
                    [j],
                    xerr=[
                        [max(0.0, item["diff"] - item["diff_lo"])],
                        [max(0.0, item["diff_hi"] - item["diff"])],
                    ],
                    fmt="o",
                    color="#d95f02",
                    capsize=4,
                )
        ax.axvline(0, color="#4d4d4d", linewidth=1)
        ax.set_yticks(y, [_tick(r, msg, 30) for r in story], fontsize=9)
        ax.set_title(
            _plain(
                say(
                    msg,
                    "debrief.figure.panel_unit" if first["unit"] else "debrief.figure.panel",
                    outcome=first["label"],
                    unit=first["unit"],
                    better=better_text(first["better"], msg),
                ),
                45,
            ),
            fontsize=10,
        )
        ax.tick_params(labelsize=9)
    for ax in list(axes.flat)[len(metrics) :]:
        ax.axis("off")
    fig.suptitle(_plain(msg("debrief.figure.every"), 110), fontsize=11)
    fig.tight_layout()
    return fig


def _png(fig) -> bytes:
    import matplotlib.pyplot as plt

    buffer = _stdio.BytesIO()
    fig.savefig(buffer, format="png", dpi=110)
    plt.close(fig)
    return buffer.getvalue()
