"""Preparing an exercise (the trainer-prep notebook): preview, option check, handouts."""

from __future__ import annotations

import pandas as pd

from vtsim.exercise.storyline import Storyline, play
from vtsim.scenario.schema import Scenario


def preview(scenario: Scenario, choices: dict[str, str] | None = None) -> pd.DataFrame:
    """The storyline's stops in order with the situation picture at each (decision points
    take ``choices``, else their first option)."""
    ex, choices = scenario.exercise, choices or {}
    story = Storyline(
        scenario,
        ex.storyline.seed or scenario.run.seed,
        ex.storyline.replication,
        ex.storyline.threat,
    )
    rows = []
    while True:
        stop = story.advance()
        picture = story.picture()
        rows.append(
            {
                "t_min": round(stop.t_min, 2),
                "kind": stop.kind,
                "item": stop.item_id,
                "module": stop.module,
                "status": picture["status"],
                "casualties": picture["casualties"],
                "still_exposed": picture["still_exposed"],
                "units_on_scene": sum(picture["units_on_scene"].values()),
                "services_down": len(picture["services_down"]),
            }
        )
        if stop.kind == "end":
            return pd.DataFrame(rows)
        if stop.kind == "decision":
            point = next(p for p in ex.decisions if p.id == stop.item_id)
            story.decide(point.id, choices.get(point.id, point.options[0].id))


def option_spread(
    scenario: Scenario, replications: int = 50, seed: int | None = None
) -> pd.DataFrame:
    """For each decision point and option: the headline metric over ``replications``
    storylines with that option (all other points at their first option), its mean
    difference from the first option, and the share of storylines where any reported
    outcome (headline, killed, attack duration, site closure) differs from the first
    option's. An option whose ``share_differs`` is 0 changes nothing the teams see."""
    ex = scenario.exercise
    seed = scenario.run.seed if seed is None else seed
    headline = ex.headline_metric
    names = [headline, *ex.report_metrics]
    rows = []
    for point in ex.decisions:
        outcomes = {
            option.id: [
                play(scenario, seed, r, {point.id: option.id}, ex.storyline.threat)[0].metrics
                for r in range(replications)
            ]
            for option in point.options
        }
        base = outcomes[point.options[0].id]
        for option in point.options:
            values = outcomes[option.id]
            diffs = [v[headline] - b[headline] for v, b in zip(values, base)]
            differs = [
                any(v.get(n) != b.get(n) for n in names if v.get(n) == v.get(n))
                for v, b in zip(values, base)
            ]
            rows.append(
                {
                    "point": point.id,
                    "option": option.id,
                    f"mean_{headline}": sum(v[headline] for v in values) / len(values),
                    "mean_difference_from_first": sum(diffs) / len(diffs),
                    "share_differs": sum(differs) / len(differs),
                }
            )
    return pd.DataFrame(rows)
