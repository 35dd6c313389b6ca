"""The master scenario events list (MSEL) and the agenda of an exercise, for the handouts.

The MSEL lists every inject and decision point in the order they occur on the exercise's
storyline, played with the first option at each decision point (the status quo by
convention), as :func:`vtsim.exercise.storyline.play` does. Items whose trigger never fires
on that storyline come last, without a time. Modules are listed in the order they are
played (the order of their first inject or decision point), not in file order.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass, field
from pathlib import Path

from vtsim import io
from vtsim.exercise.options import exercise_of, find_point
from vtsim.exercise.storyline import Storyline
from vtsim.scenario.exercise import DecisionPoint, ExerciseModule, Inject
from vtsim.scenario.schema import Scenario

CSV_COLUMNS = (
    "order",
    "module",
    "t_min",
    "kind",
    "id",
    "from",
    "to",
    "message",
    "expected_actions",
    "objective",
)


@dataclass
class Event:
    """One row of the MSEL: an inject or a decision point, with its time on the storyline."""

    order: int
    kind: str  # "inject" or "decision"
    item: Inject | DecisionPoint
    module: ExerciseModule
    t_min: float | None  # minutes after the attack starts; None: not reached on the storyline
    objective: str = ""  # the objective's text ("" when none)
    expected_actions: list[str] = field(default_factory=list)

    @property
    def sender(self) -> str:
        return self.item.sender if isinstance(self.item, Inject) else self.item.decided_by

    @property
    def recipient(self) -> str:
        return self.item.recipient if isinstance(self.item, Inject) else ""

    @property
    def message(self) -> str:
        return self.item.message if isinstance(self.item, Inject) else self.item.prompt


def stops(scenario: Scenario) -> list[tuple[str, str, float]]:
    """The storyline's stops (kind, inject or decision point id, minutes after the attack
    starts), taking the first option at every decision point."""
    ex = exercise_of(scenario)
    story = Storyline(
        scenario,
        ex.storyline.seed or scenario.run.seed,
        ex.storyline.replication,
        ex.storyline.threat,
    )
    found = []
    while (stop := story.advance()).kind != "end":
        found.append((stop.kind, stop.point_id, stop.t_min))
        if stop.kind == "decision":
            point = find_point(scenario, stop.point_id)
            story.decide(point.id, point.options[0].id)
    return found


def msel(scenario: Scenario) -> list[Event]:
    """Every inject and decision point once, in storyline order (unreached ones last)."""
    ex = exercise_of(scenario)
    modules = {m.id: m for m in ex.modules}
    objectives = {o.id: o.text for o in ex.objectives}
    items: dict[tuple[str, str], Inject | DecisionPoint] = {
        **{("inject", i.id): i for i in ex.injects},
        **{("decision", d.id): d for d in ex.decisions},
    }
    times: dict[tuple[str, str], float] = {}
    for kind, item_id, t_min in stops(scenario):
        times.setdefault((kind, item_id), t_min)
    played = sorted(times, key=lambda key: times[key])  # stable: the storyline's order
    rest = [key for key in items if key not in times]
    events = []
    for n, key in enumerate(played + rest, start=1):
        item = items[key]
        events.append(
            Event(
                order=n,
                kind=key[0],
                item=item,
                module=modules[item.module],
                t_min=times.get(key),
                objective=objectives.get(item.objective or "", ""),
                expected_actions=list(item.expected_actions),
            )
        )
    return events


def module_order(scenario: Scenario, events: list[Event] | None = None) -> list[ExerciseModule]:
    """The modules in the order they are played: by their first event on the storyline;
    modules without any come after, in file order."""
    ex = exercise_of(scenario)
    events = msel(scenario) if events is None else events
    order: list[ExerciseModule] = []
    for event in events:
        if event.t_min is not None and event.module not in order:
            order.append(event.module)
    return order + [m for m in ex.modules if m not in order]


@dataclass(frozen=True)
class AgendaRow:
    kind: str  # "briefing", "module" or "hot_wash"
    start: str  # HH:MM
    end: str
    minutes: int
    module: ExerciseModule | None = None


def _clock(minutes: int) -> str:
    minutes %= 24 * 60
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


def agenda(scenario: Scenario, modules: list[ExerciseModule]) -> list[AgendaRow]:
    """The workshop's agenda: the briefing, each module (in the order given) and the hot
    wash, with clock times from the exercise's ``start``; items of zero minutes are left out."""
    ex = exercise_of(scenario)
    hours, minutes = map(int, ex.start.split(":"))
    now = hours * 60 + minutes
    rows = []
    parts: list[tuple[str, int, ExerciseModule | None]] = [
        ("briefing", ex.briefing_min, None),
        *(("module", m.duration_min, m) for m in modules),
        ("hot_wash", ex.hot_wash_min, None),
    ]
    for kind, length, module in parts:
        if length <= 0:
            continue
        rows.append(AgendaRow(kind, _clock(now), _clock(now + length), length, module))
        now += length
    return rows


def csv_rows(events: list[Event]) -> list[dict[str, str]]:
    """The MSEL as the rows of ``msel.csv`` (people-facing texts; ids in the ``id`` column)."""
    return [
        {
            "order": str(e.order),
            "module": e.module.title,
            "t_min": "" if e.t_min is None else f"{e.t_min:.1f}",
            "kind": e.kind,
            "id": e.item.id,
            "from": e.sender,
            "to": e.recipient,
            "message": e.message,
            "expected_actions": "; ".join(e.expected_actions),
            "objective": e.objective,
        }
        for e in events
    ]


def write_csv(path: str | Path, events: list[Event]) -> None:
    """Write ``msel.csv`` atomically (a temporary file, then a rename)."""
    with io.atomic_path(path) as tmp, open(tmp, "w", newline="", encoding="utf-8") as f:
        writer = csv.DictWriter(f, fieldnames=CSV_COLUMNS)
        writer.writeheader()
        writer.writerows(csv_rows(events))


def modules_out_of_order(scenario: Scenario) -> list[tuple[Event, Event]]:
    """Where the storyline goes back to an earlier module: pairs ``(ahead, back)`` of played
    events, ``back`` coming after ``ahead`` on the storyline but in a module the script lists
    before ``ahead``'s (the stops follow the simulation's clock, the modules the script's
    order). Empty when the modules are played in the order the script lists them."""
    listed = [m.id for m in exercise_of(scenario).modules]
    found: list[tuple[Event, Event]] = []
    ahead: Event | None = None
    for event in (e for e in msel(scenario) if e.t_min is not None):
        rank = listed.index(event.module.id)
        if ahead is not None and rank < listed.index(ahead.module.id):
            found.append((ahead, event))
        if ahead is None or rank > listed.index(ahead.module.id):
            ahead = event
    return found
