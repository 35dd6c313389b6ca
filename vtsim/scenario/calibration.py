"""The schema of calibration targets: what the public record says, as data.

A targets file (``scenarios/calibration/targets.yaml``, or a user's own) lists figures from
the public record (a share of incidents, a median time, deaths per incident...), each with
the statistic that computes the same quantity from a run's replications table, the
published value or range, the population of incidents it comes from, its sources, and the
scenarios and threats it may be compared with. :mod:`vtsim.analysis.calibration` computes
the statistics and compares them; this module only says what a valid file is.

The statistic vocabulary (``kind``), over the replications of the threats a target applies
to (its ``applies_to``), after the ``where`` conditions:

- ``share``: the share of replications where ``column op value`` holds;
- ``mean``, ``median``, ``quantile`` (``q``): of ``column`` (minus ``minus``, per row);
- ``ratio_of_sums``: sum of ``numerator`` over sum of ``denominator`` (each a column or
  a list of columns added together), i.e. pooled over replications;
- ``paired_difference``: ``package`` minus ``versus`` (two packages of the same
  scenario) on the same replications, the mean difference of ``column``; ``relative``
  divides it by the mean of ``versus``.

``scale`` multiplies the simulated value (and its interval) before the comparison, e.g.
24 to compare a column in days with a figure in hours.
"""

from __future__ import annotations

import re
from typing import Literal

from pydantic import Field, field_validator, model_validator

from vtsim.scenario.schema import SiteKind
from vtsim.scenario.schema_base import Identifier, Model
from vtsim.scenario.threats import threat_schemas

OPS = ("<=", ">=", "==", "!=", "<", ">")
Op = Literal["<=", ">=", "==", "!=", "<", ">"]
Kind = Literal["share", "mean", "median", "quantile", "ratio_of_sums", "paired_difference"]
_CONDITION = re.compile(r"^\s*([A-Za-z0-9_.-]+)\s*(<=|>=|==|!=|<|>)\s*(\S+)\s*$")


class Condition(Model):
    """``column op value``: written as a string in a file, e.g. ``attack_succeeded == 1``."""

    column: str = Field(min_length=1, description="An outcome column (`vtsim columns`).")
    op: Op
    value: float

    @model_validator(mode="before")
    @classmethod
    def _from_text(cls, data):
        if isinstance(data, str):
            match = _CONDITION.match(data)
            if match is None:
                raise ValueError(
                    f"a condition 'column op number' (op one of {', '.join(OPS)}), "
                    "e.g. 'attack_succeeded == 1'"
                )
            column, op, value = match.groups()
            try:
                number = float(value)
            except ValueError:
                raise ValueError(f"a number after '{op}' in {data!r}") from None
            return {"column": column, "op": op, "value": number}
        return data

    def text(self) -> str:
        return f"{self.column} {self.op} {self.value:g}"


# What each kind needs, and may also take (besides `where` and `scale`).
NEEDS: dict[str, tuple[str, ...]] = {
    "share": ("column", "op", "value"),
    "mean": ("column",),
    "median": ("column",),
    "quantile": ("column", "q"),
    "ratio_of_sums": ("numerator", "denominator"),
    "paired_difference": ("column", "package", "versus"),
}
MAY: dict[str, tuple[str, ...]] = {
    "mean": ("minus",),
    "median": ("minus",),
    "quantile": ("minus",),
    "paired_difference": ("relative",),
}


class Statistic(Model):
    """One statistic over the replications table; ``kind`` says which fields it uses
    (see the module docstring). One flat model, so that an error names the field path as
    written (``statistic.op``) and its line."""

    kind: Kind
    where: list[Condition] = Field(
        default_factory=list, description="Only replications where every condition holds."
    )
    scale: float = Field(
        1.0, gt=0, description="Multiplies the simulated value (e.g. 24: days to hours)."
    )
    column: str | None = Field(None, min_length=1, description="An outcome column.")
    op: Op | None = Field(None, description="share: the comparison.")
    value: float | None = Field(None, description="share: the number compared with.")
    minus: str | None = Field(None, description="mean/median/quantile: subtracted per row.")
    q: float | None = Field(None, gt=0, lt=1, description="quantile: which one.")
    numerator: list[str] | None = Field(None, description="A column, or columns added.")
    denominator: list[str] | None = Field(None, description="A column, or columns added.")
    package: Identifier | None = Field(None, description="The package whose outcome comes first.")
    versus: Identifier | None = Field(None, description="The package subtracted (or baseline).")
    relative: bool = Field(False, description="paired_difference: divide by the mean of versus.")

    @field_validator("numerator", "denominator", mode="before")
    @classmethod
    def _as_list(cls, value):
        return [value] if isinstance(value, str) else value

    @model_validator(mode="after")
    def _fields_for_kind(self) -> Statistic:
        needs, may = NEEDS[self.kind], MAY.get(self.kind, ())
        missing = [name for name in needs if getattr(self, name) is None]
        if missing:
            raise ValueError(f"kind {self.kind} needs {', '.join(missing)}")
        extra = sorted(self.model_fields_set - {"kind", "where", "scale", *needs, *may})
        if extra:
            raise ValueError(f"{', '.join(extra)} not used by kind {self.kind}")
        for name in ("numerator", "denominator"):
            if getattr(self, name) == []:
                raise ValueError(f"{name} needs at least one column")
        return self

    def describe(self) -> str:
        if self.kind == "share":
            return f"share({self.column} {self.op} {self.value:g})"
        if self.kind == "ratio_of_sums":
            num, den = "+".join(self.numerator or ()), "+".join(self.denominator or ())
            return f"ratio_of_sums({num}, {den})"
        if self.kind == "paired_difference":
            rel = "relative " if self.relative else ""
            return f"{rel}paired_difference({self.column}: {self.package} - {self.versus})"
        x = f"{self.column} - {self.minus}" if self.minus else f"{self.column}"
        return f"q{self.q:g}({x})" if self.kind == "quantile" else f"{self.kind}({x})"


class Published(Model):
    """The published value or range, in the target's ``unit``."""

    low: float
    high: float | None = Field(
        None, description="None: no upper bound (the figure is a lower bound for this target)."
    )
    point: float | None = Field(None, description="The published central value, if one.")
    unit: str = ""

    @model_validator(mode="after")
    def _ordered(self) -> Published:
        high = self.high if self.high is not None else float("inf")
        if self.low > high:
            raise ValueError(f"low ({self.low:g}) must not exceed high ({high:g})")
        if self.point is not None and not self.low <= self.point <= high:
            raise ValueError(f"point ({self.point:g}) must lie between low and high")
        return self

    def text(self) -> str:
        if self.high is None:
            return f">= {self.low:.3g}"
        if self.high == self.low:
            return f"{self.low:.3g}"
        return f"{self.low:.3g}-{self.high:.3g}"


class Source(Model):
    """A full citation."""

    authors: str = Field(min_length=1)
    title: str = Field(min_length=1)
    venue: str = Field(min_length=1, description="Journal, volume and pages; or publisher.")
    year: int | None = Field(None, ge=1900, le=2100, description="None: not identified.")
    doi: str | None = None
    url: str | None = None

    def short(self) -> str:
        """'Blair & Schweit 2014', 'Arnold et al. 2003' (authors as 'Surname Initials, ...';
        an organisation is kept whole)."""
        names = [p.strip() for p in self.authors.split(",") if p.strip()]
        surnames = [_surname(n) for n in names]
        who = surnames[0] if len(surnames) == 1 else " & ".join(surnames)
        if len(surnames) > 2:
            who = f"{surnames[0]} et al."
        return f"{who} {self.year or 'n.d.'}"


def _surname(author: str) -> str:
    """'De Rouck R' -> 'De Rouck'; an organisation (no trailing initials) stays whole."""
    words = author.split()
    if len(words) > 1 and re.fullmatch(r"[A-Z]{1,4}", words[-1]):
        return " ".join(words[:-1])
    return author


class AppliesTo(Model):
    """Which threats of which scenarios a target is compared with: a threat counts when it
    passes every list given (an empty list does not filter)."""

    modes: list[str] = Field(default_factory=list, description="Threat modes.")
    site_kinds: list[SiteKind] = Field(
        default_factory=list, description="Kinds of the site the threat is aimed at."
    )
    scenarios: list[str] = Field(
        default_factory=list, description="Scenario file names (stems) or scenario names."
    )
    threats: list[str] = Field(default_factory=list, description="Threat ids.")

    def admits(self, threat, site_kind) -> bool:
        """Whether ``threat`` (aimed at a site of ``site_kind``) passes every list given."""
        return (
            (not self.modes or threat.mode in self.modes)
            and (not self.threats or threat.id in self.threats)
            and (not self.site_kinds or site_kind in self.site_kinds)
        )

    @field_validator("modes")
    @classmethod
    def _known_modes(cls, modes: list[str]) -> list[str]:
        known = threat_schemas()
        unknown = [m for m in modes if known and m not in known]
        if unknown:
            raise ValueError(
                f"unknown threat mode(s) {', '.join(unknown)}; expected some of: {', '.join(known)}"
            )
        return modes


class Comparability(Model):
    comparable: bool = True
    reason: str = Field(
        "", description="Why not comparable, in a few words (shown in the table); required then."
    )
    note: str = Field("", description="What differs between the figure and the statistic.")


class Target(Model):
    id: Identifier
    name: str = Field(min_length=1)
    statistic: Statistic | None = Field(
        None, description="Required unless the target is marked not comparable."
    )
    published: Published
    population: str = Field(min_length=1, description="The incidents the figure comes from.")
    sources: list[Source] = Field(min_length=1)
    applies_to: AppliesTo
    comparability: Comparability = Field(default_factory=Comparability)
    note: str = ""

    @model_validator(mode="after")
    def _statistic_or_reason(self) -> Target:
        if self.statistic is None and self.comparability.comparable:
            raise ValueError("a comparable target needs a `statistic`")
        if not self.comparability.comparable and not self.comparability.reason:
            raise ValueError("say why in `comparability.reason` when `comparable` is false")
        return self


class TargetsFile(Model):
    name: str = "Calibration targets"
    description: str = ""
    targets: list[Target] = Field(min_length=1)

    @model_validator(mode="after")
    def _unique_ids(self) -> TargetsFile:
        seen: set[str] = set()
        for target in self.targets:
            if target.id in seen:
                raise ValueError(f"target id '{target.id}' is used twice; ids must be unique")
            seen.add(target.id)
        return self
