"""Figures of the analysis objects, and the objects the public API returns with them.

The analysis layer computes and never draws (it sits below this one). Here each figure
is a function of an analysis object, and the objects that ``vtsim.run``,
``vtsim.compare`` and ``vtsim.roadmap`` return are the analysis ones with the same
figures as methods::

    plot_timeline(comparison, "barriers")    # any Comparison of vtsim.analysis
    comparison.plot_timeline("barriers")     # a Comparison from vtsim.compare

The classes below add methods only (same fields, same behaviour otherwise);
:func:`with_figures` turns an analysis object into one of them.
"""

from __future__ import annotations

import dataclasses
import functools
from collections.abc import Callable
from typing import Any, ParamSpec, TypeVar

from vtsim.analysis import compare as _compare
from vtsim.analysis import results as _results
from vtsim.analysis import roadmap as _roadmap
from vtsim.analysis import runner as _runner
from vtsim.analysis import sensitivity as _sensitivity
from vtsim.analysis import sequential as _sequential
from vtsim.errors import VtsimError
from vtsim.report.figures import scorecard_figure
from vtsim.report.planner_figures import (
    cost_effect_figure,
    distributions_figure,
    roadmap_figure,
    timeline_figure,
    tornado_figure,
)

P = ParamSpec("P")
T = TypeVar("T")

# -- figures of analysis objects ----------------------------------------------------------


def plot_scorecard(results: _results.Results, ncols: int | None = 2):
    """Each package's headline per phase with its 95 % interval, ``ncols`` panels a row
    (``None``: one row); each axis in the unit its outcome column declares."""
    from vtsim.model.world import columns_for

    declared = {c.name: c.unit for c in columns_for(results.scenario)}
    card = results.scorecard().copy()
    card["unit"] = [u or declared.get(m, "") for m, u in zip(card["metric"], card["unit"])]
    return scorecard_figure(card, title=results.scenario.name, ncols=ncols)


def plot_distributions(comparison: _compare.Comparison, metric: str | None = None):
    """Share of attempted attacks with more than x of ``metric`` (default: the harm)."""
    results = comparison.results
    return distributions_figure(results.frame, metric or comparison.harm_metric, results.packages)


def plot_cost_effect(comparison: _compare.Comparison):
    """Annualised cost against harm avoided, with the Pareto front."""
    return cost_effect_figure(
        comparison.packages_frame,
        comparison.scenario.currency,
        label=f"{comparison.harm_label} avoided",
    )


def plot_timeline(
    comparison: _compare.Comparison, package: str | None = None, replication: int | None = None
):
    """One storyline of the baseline and ``package`` (default: the first compared) on the
    same random numbers (see :meth:`~vtsim.analysis.compare.Comparison.storyline`)."""
    package = package or comparison._compared()[0]
    return timeline_figure(*comparison.storyline(package, replication))


def plot_steps(roadmap: _roadmap.Roadmap):
    """Cumulative harm avoided against cumulative yearly cost, step by step."""
    portfolio = roadmap.portfolio
    return roadmap_figure(roadmap.frame, roadmap.budget, portfolio.currency, portfolio.name)


def plot_tornado(source: _roadmap.Roadmap | _sensitivity.Sensitivity):
    """The tornado chart of a :class:`Sensitivity`, or of a roadmap run with one."""
    sensitivity = source.sensitivity if isinstance(source, _roadmap.Roadmap) else source
    if not isinstance(sensitivity, _sensitivity.Sensitivity):
        raise VtsimError("Run the roadmap with sensitivity=True to get the tornado chart.")
    return tornado_figure(sensitivity.frame)


# -- the objects of the public API ------------------------------------------------------


class Results(_results.Results):
    __doc__ = _results.Results.__doc__

    def plot_scorecard(self, ax=None):
        return plot_scorecard(self)


class Comparison(_compare.Comparison):
    __doc__ = _compare.Comparison.__doc__

    def plot_scorecard(self):
        return plot_scorecard(self.results)

    def plot_distributions(self, metric: str | None = None):
        return plot_distributions(self, metric)

    def plot_cost_effect(self):
        return plot_cost_effect(self)

    def plot_timeline(self, package: str | None = None, replication: int | None = None):
        return plot_timeline(self, package, replication)


class Sensitivity(_sensitivity.Sensitivity):
    __doc__ = _sensitivity.Sensitivity.__doc__

    def plot_tornado(self):
        return plot_tornado(self)


class Roadmap(_roadmap.Roadmap):
    __doc__ = _roadmap.Roadmap.__doc__

    def plot_steps(self):
        return plot_steps(self)

    def plot_tornado(self):
        return plot_tornado(self)


def _copy(cls, obj, **changes):
    fields = {f.name for f in dataclasses.fields(obj)}
    new = cls(**{**{name: getattr(obj, name) for name in fields}, **changes})
    for key, value in vars(obj).items():  # attributes set after creation (until_decided)
        if key not in fields:
            setattr(new, key, value)
    return new


def with_figures(obj):
    """The same analysis object (a Results, Comparison, Roadmap or Sensitivity) with its
    figures as methods; anything else unchanged. Fields are shared, not copied."""
    if isinstance(obj, (Results, Comparison, Sensitivity, Roadmap)):
        return obj
    if isinstance(obj, _results.Results):
        return _copy(Results, obj)
    if isinstance(obj, _compare.Comparison):
        return _copy(Comparison, obj, results=with_figures(obj.results))
    if isinstance(obj, _sensitivity.Sensitivity):
        return _copy(Sensitivity, obj)
    if isinstance(obj, _roadmap.Roadmap):
        return _copy(Roadmap, obj, sensitivity=with_figures(obj.sensitivity))
    return obj


def _returning(func: Callable[P, Any], cls: type[T]) -> Callable[P, T]:
    """``func`` of the analysis layer, its result with figures (same signature, same doc)."""

    @functools.wraps(func, assigned=("__name__", "__qualname__", "__doc__"))
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> T:
        return with_figures(func(*args, **kwargs))

    return wrapper


run = _returning(_runner.run, Results)
compare = _returning(_compare.compare, Comparison)
compare_until_decided = _returning(_sequential.compare_until_decided, Comparison)
roadmap = _returning(_roadmap.roadmap, Roadmap)
