"""vtsim: discrete-event simulation for tabletop exercises on protecting vulnerable targets.

The public API, for notebooks and scripts::

    import vtsim
    scenario = vtsim.load_scenario("harbour-festival")     # a bundled scenario, or a path
    results = vtsim.run(scenario, replications=500, seed=1, jobs=2)
    results.scorecard()                                     # per package and phase, with CIs
    results.frame                                           # one row per package x replication
    outcome = vtsim.simulate(scenario, seed=1, replication=0, trace=True)
    comparison = vtsim.compare(scenario, measures="public-warning-app", replications=200)
    changed = scenario.with_changes({"sites.festival.layers.gate-check.p_detect": 0.7})
    gate = vtsim.Effect(path="sites.festival.layers.gate-check.p_detect", op="scale", value=1.5)
    measure = vtsim.Measure(id="more-checks", name="More checks", phase="protect",
                            pillar="operational", effects=[gate])
    vtsim.apply_measures(scenario, [measure])               # a new Scenario too
    plan = vtsim.roadmap("portfolio", budget=250_000, replications=50, sensitivity=True)
"""

from importlib import import_module as _import_module
from importlib import metadata as _metadata
from typing import TYPE_CHECKING

# The public names are imported on first use (PEP 562), not here: ``import vtsim`` would
# otherwise pull in pandas and the analysis layer (~0.3 s), which every process-pool and
# Dask worker would pay on start-up although simulating needs none of it.
# The results of run, compare and roadmap are those of vtsim.analysis with their figures
# as methods (vtsim.report.plots: the analysis layer never draws).
_LAZY = {
    "calibrate": "vtsim.analysis.calibration",
    "Comparison": "vtsim.report.plots",
    "compare": "vtsim.report.plots",
    "compare_until_decided": "vtsim.report.plots",
    "frontier": "vtsim.analysis.frontier",
    "load_valuation": "vtsim.analysis.valuation",
    "Results": "vtsim.report.plots",
    "Roadmap": "vtsim.report.plots",
    "roadmap": "vtsim.report.plots",
    "run": "vtsim.report.plots",
    "ScenarioError": "vtsim.errors",
    "VtsimError": "vtsim.errors",
    "Outcome": "vtsim.model.world",
    "simulate": "vtsim.model.world",
    "load_scenario": "vtsim.scenario.loader",
    "Scenario": "vtsim.scenario.schema",
    "Effect": "vtsim.scenario.measures",
    "Measure": "vtsim.scenario.measures",
    "Package": "vtsim.scenario.measures",
    "apply_measures": "vtsim.scenario.transforms",
    "apply_package": "vtsim.scenario.transforms",
}

if TYPE_CHECKING:  # pragma: no cover - for type checkers and IDEs only
    from vtsim.analysis.calibration import calibrate
    from vtsim.analysis.frontier import frontier
    from vtsim.analysis.valuation import load_valuation
    from vtsim.errors import ScenarioError, VtsimError
    from vtsim.model.world import Outcome, simulate
    from vtsim.report.plots import (
        Comparison,
        Results,
        Roadmap,
        compare,
        compare_until_decided,
        roadmap,
        run,
    )
    from vtsim.scenario.loader import load_scenario
    from vtsim.scenario.measures import Effect, Measure, Package
    from vtsim.scenario.schema import Scenario
    from vtsim.scenario.transforms import apply_measures, apply_package


def __getattr__(name: str):
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'vtsim' has no attribute {name!r}")
    value = getattr(_import_module(module), name)
    globals()[name] = value  # looked up once
    return value


def __dir__() -> list[str]:
    return sorted([*globals(), *_LAZY])


try:
    __version__ = _metadata.version("vtsim")
except _metadata.PackageNotFoundError:  # pragma: no cover - running from a source tree
    __version__ = "0.0.0+source"

__all__ = [
    "Comparison",
    "Effect",
    "Measure",
    "Outcome",
    "Package",
    "Results",
    "Roadmap",
    "Scenario",
    "ScenarioError",
    "VtsimError",
    "apply_measures",
    "apply_package",
    "calibrate",
    "compare",
    "compare_until_decided",
    "frontier",
    "load_scenario",
    "load_valuation",
    "roadmap",
    "run",
    "simulate",
]

# The built-in plugins register with the scenario layer, which never imports upwards:
# the threat modes (each its threat schema, vtsim.model.modes) and the exercise script
# check (vtsim.exercise.checks). Both are light (simpy and numpy, no pandas).
from vtsim.model import modes as _modes  # noqa: E402, F401, I001
from vtsim.exercise import checks as _exercise_checks  # noqa: E402, F401
