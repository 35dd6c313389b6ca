"""vtsim: discrete-event simulation for tabletop exercises on protecting vulnerable targets.

The public API, for notebooks and scripts::

    import vtsim
    scenario = vtsim.load_scenario("harbour-festival")     # a bundled scenario, or a path
    results = vtsim.run(scenario, replications=500, seed=1, jobs=2)
    results.scorecard()                                     # per package and phase, with CIs
    results.frame                                           # one row per package x replication
    outcome = vtsim.simulate(scenario, seed=1, replication=0, trace=True)
    comparison = vtsim.compare(scenario, measures="public-warning-app", replications=200)
    plan = vtsim.roadmap("portfolio", budget=250_000, replications=50, sensitivity=True)
"""

from importlib import metadata as _metadata

from vtsim.analysis.compare import Comparison, compare
from vtsim.analysis.results import Results
from vtsim.analysis.roadmap import Roadmap, roadmap
from vtsim.analysis.runner import run
from vtsim.errors import ScenarioError, VtsimError
from vtsim.model.world import Outcome, simulate
from vtsim.scenario.loader import load_scenario
from vtsim.scenario.schema import Scenario
from vtsim.scenario.transforms import apply_measures, apply_package

try:
    __version__ = _metadata.version("vtsim")
except _metadata.PackageNotFoundError:  # pragma: no cover - running from a source tree
    __version__ = "0.0.0+source"

__all__ = [
    "Comparison",
    "Outcome",
    "Results",
    "Roadmap",
    "Scenario",
    "ScenarioError",
    "VtsimError",
    "apply_measures",
    "apply_package",
    "compare",
    "load_scenario",
    "roadmap",
    "run",
    "simulate",
]
