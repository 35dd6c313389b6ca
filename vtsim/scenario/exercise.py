"""Scenario section ``exercise``: the script of a facilitated tabletop exercise.

An exercise follows one *storyline* (one replication with a fixed seed, and
optionally a fixed threat) through *modules* (one per phase, say), with
*injects* (messages from someone to someone, shown when a simulated time is
reached or a happening first occurs, e.g. the first ``detection`` or
``attack_ended``) and *decision points* where the teams choose one of two to
four *options*. An option is a set of measures (by id, from the scenario's
``measures``) and/or inline effects, applied to the incident from that moment.

Cross-references (modules, measures, threats, happenings) are checked in
:mod:`vtsim.exercise.checks`, called from :mod:`vtsim.scenario.checks`.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field, model_validator

from vtsim.scenario.schema_base import Model, Text

ExerciseId = Annotated[str, Field(min_length=1, pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")]
PhaseName = Literal["prevent", "protect", "mitigate", "respond", "recover"]
PillarName = Literal["legislative", "institutional", "operational"]
# What a delivered inject tells the players (see ``Inject.reveals``).
FactName = Literal["report", "harm", "attack", "ended", "casualties"]


class Trigger(Model):
    """When an inject or decision point comes up: at a time, or at the first happening.

    ``at_min``: minutes after the attack starts. ``event``: the first time this happening
    is emitted (``detection``, ``alarm``, ``unit_arrived``, ``harm_started``,
    ``attack_ended``, ``hospital_at_capacity``, ``facility_down``, ...), optionally only
    when its data match ``match`` (e.g. ``{agency: tactical}``), then ``delay_min`` later.
    """

    at_min: float | None = Field(None, ge=0, description="Minutes after the attack starts.")
    event: str | None = Field(None, description="A happening emitted by the simulation.")
    match: dict[str, str] = Field(
        default_factory=dict, description="event only: the happening's data must match these."
    )
    delay_min: float = Field(0.0, ge=0, description="event only: minutes after the happening.")

    @model_validator(mode="after")
    def _one_kind(self):
        if (self.at_min is None) == (self.event is None):
            raise ValueError("expected exactly one of 'at_min' (a time) or 'event' (a happening)")
        if self.event is None and (self.match or self.delay_min):
            raise ValueError("'match' and 'delay_min' go with 'event', not with 'at_min'")
        return self


class Objective(Model):
    """What the exercise examines (HSEEP: an exercise objective), and how it is evaluated."""

    id: ExerciseId
    text: Text = Field(min_length=1)
    capability: Text = Field(
        "", description="The capability it tests (e.g. 'Operational coordination')."
    )
    evaluation: list[Text] = Field(
        default_factory=list,
        description="What evaluators look for (the evaluation guide's critical tasks).",
    )


class Participant(Model):
    """A participating organisation or role at the table (the Situation Manual's list)."""

    id: ExerciseId
    name: Text = Field(min_length=1)
    role: Text = Field("", description="What it does in the exercise.")
    kind: Literal["player", "facilitator", "evaluator", "observer", "controller"] = "player"


class ExerciseModule(Model):
    """One module of the exercise (HSEEP: an update followed by discussion)."""

    id: ExerciseId
    title: Text = Field(min_length=1)
    phase: PhaseName
    duration_min: int = Field(45, ge=5, le=480, description="Minutes in the agenda.")
    summary: Text = ""
    questions: list[Text] = Field(default_factory=list, description="Discussion questions.")


class Inject(Model):
    """A message delivered to the players when its trigger fires."""

    id: ExerciseId
    module: ExerciseId
    when: Trigger
    sender: Text = Field(min_length=1, description="Who the message is from.")
    recipient: Text = Field(min_length=1, description="Who it is addressed to.")
    message: Text = Field(min_length=1)
    expected_actions: list[Text] = Field(
        default_factory=list,
        description="What the players are expected to do (the master scenario events list).",
    )
    objective: ExerciseId | None = Field(None, description="The objective it serves (by id).")
    reveals: list[FactName] | None = Field(
        None,
        description=(
            "What the message tells the players, for their situation picture: 'report' (an "
            "unconfirmed report), 'harm' (people reported hurt), 'attack' (an attack confirmed "
            "under way), 'ended' (the attack is over), 'casualties' (the casualty count so "
            "far). [default: 'ended' for an inject triggered by attack_ended; otherwise "
            "only that something was reported]"
        ),
    )


class InlineEffect(Model):
    """Same fields as a measure's effect (``path``, ``op``, ``value``, ``before``)."""

    path: str = Field(min_length=1)
    op: Literal["set", "scale", "add", "append"]
    value: object
    before: ExerciseId | None = None


class Option(Model):
    """One choice at a decision point: measures by id and/or inline effects (none: hold)."""

    id: ExerciseId
    label: Text = Field(min_length=1)
    measures: list[ExerciseId] = Field(
        default_factory=list, description="Ids from the scenario's measures."
    )
    effects: list[InlineEffect] = Field(default_factory=list)
    pillar: PillarName = Field(
        "operational", description="Pillar of the inline effects, for the improvement plan."
    )


class DecisionPoint(Model):
    id: ExerciseId
    module: ExerciseId
    when: Trigger
    decided_by: Text = Field(min_length=1, description="Who decides (a role or agency).")
    prompt: Text = Field(min_length=1)
    options: list[Option] = Field(min_length=2, max_length=4)
    owner: Text = Field(
        "", description="Who owns follow-up actions in the improvement plan [default: decided_by]."
    )
    objective: ExerciseId | None = Field(
        None, description="The objective it serves (by id), for the evaluation and the plan."
    )
    expected_actions: list[Text] = Field(default_factory=list)


class Storyline(Model):
    seed: int | None = Field(None, ge=0, description="[default: the scenario's run.seed]")
    replication: int = Field(0, ge=0)
    threat: ExerciseId | None = Field(None, description="Play this threat (by id).")


class Exercise(Model):
    """A tabletop exercise script played on one storyline of the scenario."""

    title: Text = Field(min_length=1)
    overview: Text = ""
    storyline: Storyline = Field(default_factory=Storyline)
    headline_metric: str = Field(
        "casualties_total",
        description="The outcome compared across options (lower is better).",
    )
    report_metrics: list[str] = Field(
        default_factory=lambda: ["killed_outright", "min_attack_active", "site_closed_days"],
        description="Further outcomes shown for each option in the report (not compared).",
    )
    improvement_due_days: int = Field(
        180, ge=1, description="Due date of improvement-plan actions, days after the session."
    )
    objectives: list[Objective] = Field(min_length=1)
    participants: list[Participant] = Field(
        default_factory=list,
        description="Who takes part [default: the agencies that decide or receive injects].",
    )
    ground_rules: list[Text] = Field(
        default_factory=list, description="[default: the catalogue's standard ground rules]"
    )
    assumptions: list[Text] = Field(
        default_factory=list,
        description="Artificialities the players accept (e.g. 'the scenario is plausible').",
    )
    start: str = Field(
        "09:00", pattern=r"^([01][0-9]|2[0-3]):[0-5][0-9]$", description="Agenda start (HH:MM)."
    )
    briefing_min: int = Field(20, ge=0, le=240, description="Welcome and briefing, minutes.")
    hot_wash_min: int = Field(30, ge=0, le=240, description="Hot wash at the end, minutes.")
    modules: list[ExerciseModule] = Field(min_length=1)
    injects: list[Inject] = Field(default_factory=list)
    decisions: list[DecisionPoint] = Field(min_length=1)
