"""Sweep files: which scenario parameters vary, over which values, in which design.

A sweep names a base scenario, factors (each an effect path of
:mod:`vtsim.scenario.transforms` with ``set``, ``scale`` or ``add``, over listed
``values`` or a ``low``/``high`` range), the packages to compare at every point,
a design and a number of replications per point::

    scenario: ../harbour-festival.yaml      # a path (relative to this file) or a bundled name
    seed: 7
    replications: 20                        # per point and package
    packages: [baseline, screening]         # default: the baseline and every package
    design: {kind: latin_hypercube, points: 16}   # or full_factorial, one_at_a_time,
    # sobol (n), morris (trajectories), fast (n), hypercube (n, max_correlation), table (file)
    factors:
      - id: detection-rate
        path: prevent.detection_rate_per_day
        low: 0.002
        high: 0.008
      - id: screening-effect
        path: measures.entrance-screening.effects.0.value   # an uncertain effect size
        values: [0.5, 0.7, 0.9]

Every point runs every package on the same replications (seed, replication):
common random numbers across points and packages. The design is a pure function
of the sweep (the Latin hypercube draws from a numpy Generator seeded by the
sweep's seed and the name ``design``, never from global state).
"""

from __future__ import annotations

# pandas is imported where tables are built, not at import: pool and Dask workers unpickle
# Variants from this module and should not pay for pandas.
import hashlib
import itertools
import json
from pathlib import Path
from typing import Literal

import numpy as np
from pydantic import Field, model_serializer, model_validator

from vtsim.batch import designs
from vtsim.errors import ScenarioError, VtsimError
from vtsim.scenario import paths
from vtsim.scenario.loader import load_scenario, read_yaml, validate_model
from vtsim.scenario.schema import Effect, Identifier, Scenario
from vtsim.scenario.schema_base import Model
from vtsim.scenario.transforms import apply_effect, apply_package, validate_changed

FRONT = ("point", "package", "replication")


class Factor(Model):
    """One uncertain or decision parameter: an effect path and the values it takes."""

    id: Identifier
    path: str = Field(min_length=1, description="Effect path into the scenario.")
    op: Literal["set", "scale", "add"] = "set"
    values: list[float] | None = Field(None, min_length=1, description="Levels (discrete).")
    low: float | None = Field(None, description="Range start (continuous).")
    high: float | None = Field(None, description="Range end (continuous).")
    levels: int = Field(3, ge=2, description="Levels taken from a range by grid designs.")
    baseline: float | None = Field(
        None, description="Value held while other factors move (one_at_a_time)."
    )
    integer: bool = Field(False, description="Round values to whole numbers (counts).")

    @model_validator(mode="after")
    def _values_or_range(self):
        has_range = self.low is not None or self.high is not None
        if (self.values is None) == (not has_range):
            raise ValueError("give either values: [...] or low: and high:, not both")
        if has_range and (self.low is None or self.high is None or self.high < self.low):
            raise ValueError("a range needs low: and high: with low <= high")
        return self

    def grid(self) -> list[float]:
        if self.values is not None:
            return [self._fix(v) for v in self.values]
        return [self._fix(v) for v in np.linspace(self.low, self.high, self.levels)]

    def centre(self) -> float:
        if self.baseline is not None:
            return self._fix(self.baseline)
        grid = self.grid()
        if self.values is None:
            return self._fix((self.low + self.high) / 2)
        return grid[(len(grid) - 1) // 2]

    def at_quantile(self, u: float) -> float:
        """The value at ``u`` in [0, 1): interpolated in a range, a level for values."""
        if self.values is not None:
            return self._fix(self.values[min(int(u * len(self.values)), len(self.values) - 1)])
        return self._fix(self.low + u * (self.high - self.low))

    def _fix(self, v: float) -> float:
        return float(round(v)) if self.integer else float(v)


DESIGN_KINDS = (
    "full_factorial",
    "latin_hypercube",
    "one_at_a_time",
    "sobol",
    "morris",
    "fast",
    "hypercube",
    "table",
)


_DESIGN_NEEDS = {
    "latin_hypercube": ("points",),
    "sobol": ("n",),
    "morris": ("trajectories",),
    "fast": ("n",),
    "hypercube": ("n",),
    "table": ("file",),
}
_DESIGN_USES = {
    "latin_hypercube": {"points"},
    "sobol": {"n", "calc_second_order"},
    "morris": {"trajectories", "levels"},
    "fast": {"n", "interference"},
    "hypercube": {"n", "points", "max_correlation", "candidates"},
    "table": {"file"},
}


class Design(Model):
    """How the points are chosen (see the module docstring and :mod:`vtsim.batch.designs`).

    Fields a kind does not use stay unset, and unset fields are left out of the sweep's
    record (so the manifest of a sweep written before these kinds existed is unchanged)."""

    kind: Literal[DESIGN_KINDS] = "full_factorial"
    points: int | None = Field(None, ge=1, description="Points of a Latin hypercube.")
    n: int | None = Field(
        None, ge=1, description="Base sample size (sobol: a power of 2; fast; hypercube)."
    )
    calc_second_order: bool | None = Field(None, description="Sobol: second-order indices too.")
    trajectories: int | None = Field(None, ge=2, description="Morris: trajectories.")
    levels: int | None = Field(None, ge=2, description="Morris: grid levels (even; 4).")
    interference: int | None = Field(None, ge=1, description="FAST: interference factor M (4).")
    max_correlation: float | None = Field(
        None, gt=0, le=1, description="Hypercube: largest |r| between factors (0.1)."
    )
    candidates: int | None = Field(None, ge=1, description="Hypercube: candidates compared (20).")
    file: str | None = Field(
        None, min_length=1, description="Table: CSV of points, relative to the sweep file."
    )

    @model_validator(mode="before")
    @classmethod
    def _hypercube_points(cls, data):
        if isinstance(data, dict) and data.get("kind") == "hypercube":
            if data.get("n") is None and data.get("points") is not None:
                data = {**data, "n": data["points"], "points": None}
        return data

    @model_validator(mode="after")
    def _points(self):
        if self.kind == "latin_hypercube" and self.points is None:
            raise ValueError("a latin_hypercube design needs points: N")
        for name in _DESIGN_NEEDS.get(self.kind, ()):
            if getattr(self, name) is None:
                label = {"n": "n: N", "trajectories": "trajectories: R", "file": "file: points.csv"}
                raise ValueError(f"a {self.kind} design needs {label.get(name, name)}")
        extra = [
            name
            for name in Design.model_fields
            if name != "kind"
            and not (name == "points" and self.kind in ("full_factorial", "one_at_a_time"))
            and name not in _DESIGN_USES.get(self.kind, set())
            and getattr(self, name) is not None
        ]
        if extra:
            raise ValueError(f"a {self.kind} design does not take {', '.join(extra)}")
        if self.kind == "sobol" and self.n & (self.n - 1):
            raise ValueError(
                f"a sobol design needs n a power of 2 (Sobol' sequences balance only then); "
                f"got {self.n}: try {1 << max(1, (self.n - 1).bit_length() - 1)} "
                f"or {1 << self.n.bit_length()}"
            )
        if self.kind == "morris" and self.levels is not None and self.levels % 2:
            raise ValueError("a morris design needs an even number of levels (4 is usual)")
        if self.kind == "fast" and self.n <= 4 * (self.interference or 4) ** 2:
            m = self.interference or 4
            raise ValueError(f"a fast design needs n > 4 M^2 = {4 * m * m} (M = {m})")
        return self

    @model_serializer(mode="wrap")
    def _compact(self, handler):
        data = handler(self)
        return {k: v for k, v in data.items() if k in ("kind", "points") or v is not None}


class Sweep(Model):
    """A batch experiment over a scenario (see the module docstring)."""

    name: str = ""
    description: str = ""
    scenario: str = Field(min_length=1, description="Scenario file or bundled name.")
    seed: int = Field(0, ge=0)
    replications: int = Field(10, ge=1, description="Replications per point and package.")
    packages: list[Identifier] | None = None
    threat: Identifier | None = Field(None, description="Play only this threat.")
    design: Design = Field(default_factory=Design)
    factors: list[Factor] = Field(min_length=1)
    outcomes: list[str] = Field(
        default_factory=lambda: ["casualties_total", "attack_succeeded"],
        min_length=1,
        description="Outcomes the analysis reports (lower is better).",
    )

    @model_validator(mode="after")
    def _unique(self):
        ids = [f.id for f in self.factors]
        dup = {i for i in ids if ids.count(i) > 1}
        if dup:
            raise ValueError(f"factor ids must be unique; repeated: {', '.join(sorted(dup))}")
        reserved = set(FRONT) | {"threat", "ended_by"}
        if reserved & set(ids):
            raise ValueError(f"factor ids may not be {', '.join(sorted(reserved))}")
        return self


MAX_POINTS = 200_000
"""Most points a design may have: its table, the check of every point and the chunk
plan stay within memory and minutes (a full factorial multiplies quickly)."""


def design_size(sweep: Sweep) -> int:
    """How many points the design has, counted without building it (a ``table`` design's
    file is read and checked)."""
    kind = sweep.design.kind
    if kind == "latin_hypercube":
        return int(sweep.design.points)
    if kind == "hypercube":
        return int(sweep.design.n)
    if kind in designs.SALIB_KINDS:
        return designs.salib_size(sweep.design, len(sweep.factors))
    if kind == "table":
        return len(designs.read_table(designs.table_path(sweep.design.file), sweep.factors))
    levels = [len(f.values) if f.values is not None else f.levels for f in sweep.factors]
    if kind == "full_factorial":
        n = 1
        for k in levels:
            n *= k
        return n
    return 1 + sum(k for k in levels)  # one_at_a_time: at most the centre and every level


def check_design_size(sweep: Sweep, limit: int = MAX_POINTS) -> int:
    """The design's size, or VtsimError if it exceeds ``limit`` points."""
    n = design_size(sweep)
    if n > limit:
        kind = sweep.design.kind
        how = {
            "latin_hypercube": "give fewer points:",
            "hypercube": "give a smaller n:",
            "sobol": "give a smaller n (the design has n (k + 2) points), so",
            "fast": "give a smaller n (the design has n k points), so",
            "morris": "give fewer trajectories, so",
            "table": "give the table fewer rows:",
        }.get(kind, "give factors fewer values or levels, or use a latin_hypercube design with")
        raise VtsimError(
            f"the sweep's {kind} design has {n:,} points; at most {limit:,} are allowed "
            f"(each runs every package and replication): {how} a few hundred to a few "
            "thousand points."
        )
    return n


def _same(a: float, b: float) -> bool:
    """Equal up to rounding (a centre (low + high) / 2 against a linspace level)."""
    return abs(a - b) <= 1e-9 * max(1.0, abs(a), abs(b))


def design_table(sweep: Sweep):
    """One row per point (index ``point``), one column per factor (a DataFrame).

    A ``hypercube`` design's largest |r| between two factors is in
    ``frame.attrs["max_correlation"]``."""
    import pandas as pd

    check_design_size(sweep)
    factors = sweep.factors
    ids = [f.id for f in factors]
    kind = sweep.design.kind
    attrs = {}
    if kind == "full_factorial":
        rows = list(itertools.product(*(f.grid() for f in factors)))
    elif kind == "one_at_a_time":
        # The centre once, then each factor's other levels; a level equal to the centre
        # up to rounding (0.16 and 0.15999999999999998) is the centre, not a new point.
        centre = [f.centre() for f in factors]
        rows = [tuple(centre)]
        for i, f in enumerate(factors):
            seen = [centre[i]]
            for v in f.grid():
                if not any(_same(v, s) for s in seen):
                    seen.append(v)
                    rows.append(tuple(centre[:i] + [v] + centre[i + 1 :]))
    elif kind == "latin_hypercube":
        n = sweep.design.points
        rng = designs.design_rng(sweep.seed)
        cols = []
        for f in factors:
            u = (rng.permutation(n) + rng.random(n)) / n
            cols.append([f.at_quantile(x) for x in u])
        rows = list(zip(*cols))
    elif kind == "table":
        rows = designs.read_table(designs.table_path(sweep.design.file), factors)
    else:
        u = designs.unit_sample(sweep.design, len(factors), sweep.seed)
        rows = [[f.at_quantile(x) for f, x in zip(factors, row)] for row in u]
    frame = pd.DataFrame(rows, columns=ids, dtype=float)
    frame.index.name = "point"
    if kind == "hypercube":
        attrs["max_correlation"] = designs.max_abs_correlation(frame.to_numpy())
    frame.attrs.update(attrs)
    return frame


def point_effects(sweep: Sweep, values: dict[str, float]) -> list[Effect]:
    by_id = {f.id: f for f in sweep.factors}
    return [Effect(path=by_id[k].path, op=by_id[k].op, value=v) for k, v in values.items()]


def apply_point(base: Scenario, effects: list[Effect], label: str) -> Scenario:
    """The base scenario with a point's effects applied, validated again."""
    data = base.model_dump(mode="json")
    for effect in effects:
        apply_effect(data, effect, label)
    # the schema, then the references the changes name (a zone, a facility), as measures are
    return validate_changed(data, label, base)


class Variants:
    """Scenario variants ``"<point>/<package>"`` built on demand from the base scenario and
    the points' factor values, and cached (a few at a time): what workers receive once,
    instead of thousands of resolved scenarios."""

    def __init__(self, sweep: Sweep, base: Scenario, design, cache: int = 32):
        self.sweep, self.base, self.cache_size = sweep, base, cache
        self.values = {int(p): row for p, row in zip(design.index, design.to_dict("records"))}
        self._cache: dict[str, Scenario] = {}

    def __getstate__(self):
        return {**self.__dict__, "_cache": {}}

    @staticmethod
    def key(point: int, package: str) -> str:
        return f"{point}/{package}"

    def __getitem__(self, key: str) -> Scenario:
        scenario = self._cache.get(key)
        if scenario is None:
            point, package = key.split("/", 1)
            scenario = self.build(int(point), package)
            if len(self._cache) >= self.cache_size:
                self._cache.pop(next(iter(self._cache)))
            self._cache[key] = scenario
        return scenario

    def build(self, point: int, package: str) -> Scenario:
        values = self.values[point]
        world = apply_point(
            self.base, point_effects(self.sweep, values), f"sweep point {point} ({values})"
        )
        return apply_package(world, package)

    def overrides(self) -> dict[str, list[str]]:
        """Factors a package sets again (``{package: [factor ids]}``): at every point the
        package's value, not the design's, is simulated there."""
        if getattr(self, "_overrides", None) is None:
            self._overrides = package_overrides(self.sweep, self.base)
        return self._overrides

    def simulated(self, point: int, package: str) -> dict[str, float]:
        """The values of the factors ``package`` overrides, as simulated at ``point``: a
        ``set`` factor's value read back from the variant; a ``scale`` or ``add`` factor
        whose place the package sets had no effect (1 or 0)."""
        out = {}
        factors = {f.id: f for f in self.sweep.factors}
        data = None
        for fid in self.overrides().get(package, []):
            factor = factors[fid]
            if factor.op != "set":
                out[fid] = 1.0 if factor.op == "scale" else 0.0
                continue
            if data is None:
                data = self[self.key(point, package)].model_dump(mode="json")
            out[fid] = _read_number(data, factor.path)
        return out


def _places(data: dict, path: str) -> set[tuple[int, object]]:
    from vtsim.scenario.transforms import _targets

    try:
        return {(id(c), k) for c, k in _targets(data, paths.split(path), path)}
    except VtsimError:
        return set()


def _read_number(data: dict, path: str) -> float:
    from vtsim.scenario.transforms import _targets

    try:
        found = _targets(data, paths.split(path), path)
    except VtsimError:
        return float("nan")
    values = {c[k] for c, k in found if isinstance(c[k], (int, float))}
    return float(values.pop()) if len(values) == 1 else float("nan")


def package_overrides(sweep: Sweep, base: Scenario) -> dict[str, list[str]]:
    """``{package: [factor ids]}``: the factors whose place one of the package's measures
    sets (``op: set``), so the design's value is not what that package simulates."""
    data = base.model_dump(mode="json")
    factor_places = {f.id: _places(data, f.path) for f in sweep.factors}
    out: dict[str, list[str]] = {}
    for package in base.packages:
        places = set()
        for mid in package.measures:
            for effect in base.measure(mid).effects:
                if effect.op == "set":
                    places |= _places(data, effect.path)
        hit = [fid for fid, fp in factor_places.items() if fp & places]
        if hit:
            out[package.id] = hit
    return out


def load_sweep(path: str | Path) -> tuple[Sweep, Scenario]:
    """Read and validate a sweep file and its base scenario; every factor path, package
    and the extreme values of every factor are checked before anything runs."""
    source = str(path)
    path = _resolve(Path(path))
    data, node = read_yaml(path)
    if not isinstance(data, dict):
        raise ScenarioError(source, [("", 1, "expected a mapping of sweep fields at the top.")])
    sweep = validate_model(Sweep, data, source, node)
    if sweep.design.kind == "table":  # the table's path, from the sweep file's folder
        table = designs.table_path(sweep.design.file, path.parent).resolve()
        sweep = sweep.model_copy(
            update={"design": sweep.design.model_copy(update={"file": str(table)})}
        )
    scenario_path = path.parent / sweep.scenario
    base = load_scenario(scenario_path if scenario_path.exists() else sweep.scenario)
    problems = []
    known = ["baseline", *(p.id for p in base.packages)]
    for i, package in enumerate(sweep.packages or []):
        if package not in known:
            loc = ["packages", i]
            problems.append(
                (
                    paths.render(loc, data),
                    paths.line_of(node, loc),
                    f"unknown package '{package}'; expected one of: {', '.join(known)}.",
                )
            )
    if sweep.threat is not None and sweep.threat not in {t.id for t in base.threats}:
        loc = ["threat"]
        problems.append(
            (paths.render(loc, data), paths.line_of(node, loc), "not a threat of the scenario.")
        )
    columns = _outcome_columns(base)
    for i, factor in enumerate(sweep.factors):
        grid = factor.grid()
        for value in {min(grid), max(grid)}:
            effect = Effect(path=factor.path, op=factor.op, value=value)
            try:
                world = apply_point(base, [effect], f"factor '{factor.id}' = {value:g}")
                for package in sweep.packages or known:
                    columns |= _outcome_columns(apply_package(world, package))
            except VtsimError as exc:
                loc = ["factors", i, "path"]
                problems.append((paths.render(loc, data), paths.line_of(node, loc), str(exc)))
                break
    for i, outcome in enumerate(sweep.outcomes):
        if outcome not in columns:
            loc = ["outcomes", i]
            near = _near(outcome, columns)
            problems.append(
                (
                    paths.render(loc, data),
                    paths.line_of(node, loc),
                    f"'{outcome}' is not an outcome of this scenario"
                    + (f"; did you mean {near}?" if near else "")
                    + " (`vtsim columns SCENARIO` lists them).",
                )
            )
    try:
        check_design_size(sweep)
    except VtsimError as exc:
        loc = ["design"]
        problems.append((paths.render(loc, data), paths.line_of(node, loc), str(exc)))
    if problems:
        raise ScenarioError(source, problems)
    return sweep, base


def _outcome_columns(scenario: Scenario) -> set[str]:
    from vtsim.model.world import columns_for

    return {c.name for c in columns_for(scenario)}


def _near(word: str, choices) -> str:
    import difflib

    close = difflib.get_close_matches(word, sorted(choices), n=3)
    return ", ".join(f"'{c}'" for c in close)


def _resolve(path: Path) -> Path:
    """A path as given, else a bundled sweep by name (``harbour-festival-sweep``)."""
    if path.exists():
        return path
    from vtsim.resources import scenarios_dir

    root = scenarios_dir() / "sweeps"
    for candidate in (root / path.name, root / f"{path.name}.yaml"):
        if candidate.is_file():
            return candidate
    return path


def packages_of(sweep: Sweep, base: Scenario) -> list[str]:
    ids = sweep.packages or ["baseline", *(p.id for p in base.packages)]
    return ids if "baseline" in ids else ["baseline", *ids]


def fingerprint(sweep: Sweep, base: Scenario) -> str:
    """What a resumed run must match: the sweep and the resolved base scenario."""
    record = [sweep.model_dump(mode="json"), base.model_dump(mode="json")]
    if sweep.design.kind == "table":  # the points themselves, not only the file's name
        table = designs.table_path(sweep.design.file)
        record.append(hashlib.blake2b(table.read_bytes(), digest_size=12).hexdigest())
    text = json.dumps(record, sort_keys=True)
    return hashlib.blake2b(text.encode(), digest_size=12).hexdigest()
