"""A facilitated session: the storyline, the teams' decisions, notes, autosave and resume.

:class:`ExerciseSession` is the one API every front end drives (the console, a
notebook, a browser view). Going back and resuming re-simulate from the start
with the recorded decisions: the storyline is deterministic, so that is exact.
"""

from __future__ import annotations

import datetime as _dt
import math
import re
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from vtsim import io
from vtsim.errors import VtsimError
from vtsim.exercise.options import find_option, find_point
from vtsim.exercise.storyline import Stop, Storyline
from vtsim.model.world import Outcome
from vtsim.scenario.exercise import DecisionPoint, Exercise
from vtsim.scenario.schema import Scenario

FORMAT = "vtsim-exercise-session/1"
MAX_SESSION_BYTES = 200 * 1024 * 1024  # a session of hours holds a few megabytes
HOT_WASH = "hot-wash"  # the module of the notes taken at the hot wash (the report's section)
_SEED = Annotated[int, Field(strict=True, ge=0, lt=2**63)]


def choice_index(answer: str, n: int) -> int | None:
    """The 1-based option number typed as ASCII digits (``"2"`` -> 2), if in 1..``n``;
    None for anything else (``²``, ``٣``, a 5,000-digit number, words)."""
    text = answer.strip()
    if re.fullmatch(r"[0-9]{1,9}", text, flags=re.ASCII) and 1 <= int(text) <= n:
        return int(text)
    return None


class _Record(BaseModel):
    """A part of a session file: strict keys (a tampered file is refused, not guessed)."""

    model_config = ConfigDict(extra="forbid")


class StopRecord(_Record):
    kind: Literal["inject", "decision", "end"]
    item_id: str | None
    t_min: float = Field(allow_inf_nan=False)
    module: str | None = None


class ShownRecord(_Record):
    stop: StopRecord
    picture: dict
    known: dict


class DecisionRecord(_Record):
    point: str
    option: str
    justification: str = ""
    team: str = ""
    t_min: float = Field(allow_inf_nan=False)
    stop: int = Field(strict=True, ge=0)


class NoteRecord(_Record):
    module: str | None = None
    t_min: float | None = Field(None, allow_inf_nan=False)
    text: str
    participant: str | None = None
    topic: Literal["strength", "improvement"] | None = None


class SessionFile(_Record):
    """What a session file (``session.json``) must hold to be resumed."""

    format: Literal["vtsim-exercise-session/1"]
    source: str
    started: str
    seed: _SEED
    replication: _SEED
    threat: str | None
    team: str = ""
    lang: str = "en"
    decisions: list[DecisionRecord]
    notes: list[NoteRecord]
    discussed: list[str] | None = None
    stops: list[ShownRecord]
    scenario: dict

    @field_validator("started")
    @classmethod
    def _a_date(cls, value: str) -> str:
        try:
            _dt.datetime.fromisoformat(value)
        except ValueError:
            raise ValueError("a date and time in ISO 8601 (2026-05-01T09:30:00+00:00)") from None
        return value

    @field_validator("lang")
    @classmethod
    def _a_language(cls, value: str) -> str:
        from vtsim.exercise.text import languages

        if value not in languages():
            raise ValueError(f"a language of vtsim's catalogues ({', '.join(languages())})")
        return value


@dataclass
class Decision:
    point: str
    option: str
    justification: str
    team: str
    t_min: float
    stop: int  # index of the stop it answered


class ExerciseSession:
    """One play of a scenario's exercise on its storyline.

    ``advance()`` runs to the next inject, decision point or the end; at a decision
    point call ``decide(option, justification)`` before advancing. ``back()``
    returns to the last decision point with that decision undone. With ``autosave``
    the session file is rewritten after every step, decision and note.
    """

    def __init__(
        self,
        scenario: Scenario,
        *,
        source: str = "",
        seed: int | None = None,
        replication: int | None = None,
        threat: str | None = None,
        team: str = "",
        autosave: str | Path | None = None,
        lang: str = "en",
    ):
        if scenario.exercise is None:
            raise VtsimError(
                f"{source or scenario.name}: this scenario has no 'exercise' section; add one "
                "(objectives, modules, injects, decisions) to play it as a tabletop exercise."
            )
        story = scenario.exercise.storyline
        self.lang = lang
        self.original = scenario  # with every translation (saved in the session file)
        self.scenario = scenario.localised(lang)  # its texts in the session's language
        self.source = source
        self.seed = seed if seed is not None else (story.seed or scenario.run.seed)
        self.replication = replication if replication is not None else story.replication
        self.threat = threat if threat is not None else story.threat
        self.team = team
        self.autosave = Path(autosave) if autosave else None
        self.started = _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds")
        # Each stop: the stop, the ground truth there ("picture", the facilitator's view and
        # the after-action report's) and what the players knew ("known", what they were shown).
        self.stops: list[dict] = []
        self.decisions: list[Decision] = []
        self.notes: list[dict] = []
        self.modules_discussed: list[str] = []  # modules whose questions were shown
        self.outcome: Outcome | None = None
        self._story = self._new_story()
        self._check_metrics(scenario.exercise)

    def _check_metrics(self, ex: Exercise) -> None:
        """The outcomes the report compares must exist (checked before anyone plays)."""
        from vtsim.model.world import simulate

        known = simulate(self.scenario, self.seed, self.replication, threat=self.threat).metrics
        for i, name in enumerate([ex.headline_metric, *ex.report_metrics]):
            if name not in known:
                where = "headline_metric" if i == 0 else f"report_metrics[{i - 1}]"
                raise VtsimError(
                    f"{self.source or self.scenario.name}: at exercise.{where}: expected an "
                    f"outcome metric of this scenario (e.g. {', '.join(sorted(known)[:12])}, "
                    f"...); got '{name}'."
                )

    # -- playing -------------------------------------------------------------------------
    def _new_story(self) -> Storyline:
        return Storyline(self.scenario, self.seed, self.replication, self.threat)

    @property
    def current(self) -> Stop | None:
        return Stop(**self.stops[-1]["stop"]) if self.stops else None

    def _stop(self) -> Stop:
        """The current stop, where the caller knows there is one."""
        # There is a stop once the session has advanced: whenever a decision is awaited,
        # and after going back (to a decision that was recorded at a stop).
        current = self.current
        assert current is not None, "the session has not started: call advance() first"
        return current

    @property
    def awaiting_decision(self) -> bool:
        current = self.current
        return (
            current is not None
            and current.kind == "decision"
            and not any(d.stop == len(self.stops) - 1 for d in self.decisions)
        )

    def advance(self) -> Stop:
        """The next inject, decision point or the end (the same stop again at the end)."""
        if self.awaiting_decision:
            raise VtsimError(
                f"Decision point '{self._stop().item_id}' is waiting for a decision; "
                "choose an option first."
            )
        if self.current is not None and self.current.kind == "end":
            return self.current
        stop = self._story.advance()
        self.stops.append(self._shown(stop))
        if stop.kind == "end":
            self.outcome = self._story.finish()
        self._save()
        return stop

    def _shown(self, stop: Stop) -> dict:
        return {
            "stop": asdict(stop),
            "picture": self._story.picture(),
            "known": self._story.known(),
        }

    def picture(self) -> dict:
        """The players' situation picture now: what the injects, the happenings that
        reached the agencies and the teams' decisions have told them (status, casualties
        counted, units on scene, agencies alerted, services down, hospitals full)."""
        return self._story.known()

    def ground_truth(self) -> dict:
        """The simulation's situation now (people exposed and still exposed, every
        casualty, the attack's true status): for the facilitator only."""
        return self._story.picture()

    def point(self, point_id: str | None = None) -> DecisionPoint:
        """A decision point of the script (default: the one waiting now)."""
        return find_point(self.scenario, point_id or self._stop().point_id)

    def decide(self, option: str, justification: str = "", team: str | None = None) -> None:
        """Record the teams' choice at the current decision point and apply it."""
        if not self.awaiting_decision:
            raise VtsimError("There is no decision point waiting for a decision now.")
        point = self.point()
        ids = [o.id for o in point.options]
        number = choice_index(option, len(ids)) if option not in ids else None
        if number is not None:
            option = ids[number - 1]
        if option not in ids:
            raise VtsimError(
                f"Decision point '{point.id}' has no option '{option}'; expected one of: "
                f"{', '.join(ids)} (or 1-{len(ids)})."
            )
        find_option(point, option)
        self._story.decide(point.id, option)
        self.decisions.append(
            Decision(
                point.id,
                option,
                justification.strip(),
                self.team if team is None else team,
                self._stop().t_min,
                len(self.stops) - 1,
            )
        )
        self._save()

    def back(self) -> Stop:
        """Undo the last decision: the session returns to that decision point."""
        if not self.decisions:
            raise VtsimError("There is no decision to go back to yet.")
        last = self.decisions.pop()
        self._replay(last.stop + 1)
        self._save()
        return self._stop()

    def note(
        self,
        text: str,
        module: str | None = None,
        participant: str | None = None,
        topic: str | None = None,
    ) -> None:
        """A discussion note, filed under the current module (or ``module``; the hot wash
        files its notes under ``"hot-wash"`` with the ``participant`` who spoke and the
        ``topic``: ``"strength"`` or ``"improvement"``)."""
        current = self.current
        module = module or (current.module if current is not None else None)
        t_min = current.t_min if current is not None else None
        note = {"module": module, "t_min": t_min, "text": text.strip()}
        if participant is not None:
            note["participant"] = participant
        if topic is not None:
            note["topic"] = topic
        self.notes.append(note)
        self._save()

    def discussed(self, module: str) -> None:
        """Record that ``module``'s discussion questions were put to the teams."""
        if module not in self.modules_discussed:
            self.modules_discussed.append(module)
            self._save()

    def modules_played(self) -> list[str]:
        """The modules the storyline went through so far, in order."""
        found: list[str] = []
        for shown in self.stops:
            module = shown["stop"].get("module")
            if module is not None and module not in found:
                found.append(module)
        return found

    def choices(self) -> dict[str, str]:
        return {d.point: d.option for d in self.decisions}

    def play_through(self, choices: dict[str, str], justifications: dict | None = None) -> Outcome:
        """Play to the end with recorded choices (decision points not listed: an error)."""
        justifications = justifications or {}
        while True:
            if self.awaiting_decision:  # also after going back or resuming
                point = self._stop().point_id
                if point not in choices:
                    raise VtsimError(
                        f"No recorded choice for decision point '{point}'; add it to the "
                        "decisions file."
                    )
                self.decide(choices[point], justifications.get(point, ""))
            elif self.advance().kind == "end":
                # Set when the end was reached (by advance() or, after resuming, _replay()).
                assert self.outcome is not None
                return self.outcome

    # -- saving and resuming --------------------------------------------------------------------
    def _replay(self, n_stops: int) -> None:
        """Re-simulate from the start to the ``n_stops``-th stop with the recorded decisions."""
        recorded = self.stops[:n_stops]
        by_stop = {d.stop: d for d in self.decisions}
        self._story, self.stops, self.outcome = self._new_story(), [], None
        for index, shown in enumerate(recorded):
            stop = self._story.advance()
            if asdict(stop) != shown["stop"]:
                raise VtsimError(
                    f"The session no longer replays the same way (stop {index + 1}: expected "
                    f"{shown['stop']['item_id']}, got {stop.item_id}); was the scenario or "
                    "vtsim changed since it was saved?"
                )
            self.stops.append(self._shown(stop))
            if stop.kind == "end":
                self.outcome = self._story.finish()
            if index in by_stop:
                self._story.decide(stop.point_id, by_stop[index].option)

    def to_dict(self) -> dict:
        return {
            "format": FORMAT,
            "source": self.source,
            "started": self.started,
            "seed": self.seed,
            "replication": self.replication,
            "threat": self.threat,
            "team": self.team,
            "lang": self.lang,
            "decisions": [asdict(d) for d in self.decisions],
            "notes": self.notes,
            "discussed": self.modules_discussed,
            "stops": self.stops,
            "scenario": self.original.model_dump(mode="json"),
        }

    def save(self, path: str | Path) -> None:
        io.write_json(path, io.clean_for_json(self.to_dict()))

    def _save(self) -> None:
        if self.autosave is not None:
            self.save(self.autosave)

    @classmethod
    def resume(
        cls, path: str | Path, autosave: str | Path | None = None, lang: str | None = None
    ) -> ExerciseSession:
        """Continue a saved session exactly where it stopped (in ``lang``, default: the
        language it was played in)."""
        import json

        from vtsim.errors import ScenarioError
        from vtsim.scenario.loader import validate_data, validate_model

        path = Path(path)
        try:
            if path.stat().st_size > MAX_SESSION_BYTES:
                raise VtsimError(
                    f"{path}: larger than {MAX_SESSION_BYTES // (1024 * 1024)} MB; not a "
                    "vtsim exercise session file."
                )
            data = json.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise VtsimError(f"{path}: no such session file.") from None
        except (OSError, ValueError, RecursionError) as exc:
            reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else None
            if isinstance(exc, json.JSONDecodeError):
                reason = f"not JSON: {exc.msg} at line {exc.lineno}, column {exc.colno}"
            reason = reason or ("not UTF-8" if isinstance(exc, UnicodeDecodeError) else "not JSON")
            raise VtsimError(f"{path}: not a readable session file ({reason}).") from None
        if not isinstance(data, dict) or data.get("format") != FORMAT:
            raise VtsimError(f"{path}: expected a vtsim exercise session file ({FORMAT}).")
        record = validate_model(SessionFile, data, str(path))
        scenario = validate_data(record.scenario, f"{path} (scenario)")
        problems = _session_problems(record, scenario)
        if problems:
            raise ScenarioError(str(path), [(where, None, what) for where, what in problems])
        data = record.model_dump()
        session = cls(
            scenario,
            source=data["source"],
            seed=data["seed"],
            replication=data["replication"],
            threat=data["threat"],
            team=data.get("team", ""),
            autosave=autosave if autosave is not None else path,
            lang=lang or data.get("lang", "en"),
        )
        session.started = data["started"]
        session.notes = [
            {k: v for k, v in note.items() if v is not None or k in ("module", "t_min")}
            for note in data["notes"]
        ]
        session.decisions = [Decision(**d) for d in data["decisions"]]
        session.stops = data["stops"]
        session._replay(len(data["stops"]))
        if data.get("discussed") is not None:
            session.modules_discussed = list(data["discussed"])
        else:  # an older session file: only the module just left may still be pending
            played = session.modules_played()
            current = session.current
            last = current.module if current is not None else None
            before = [m for m in played if m != last]
            session.modules_discussed = before[:-1] if before else []
        return session


def _session_problems(record: SessionFile, scenario: Scenario) -> list[tuple[str, str]]:
    """What in a session file does not fit its own scenario: each (field, what was expected)."""
    problems: list[tuple[str, str]] = []
    ex = scenario.exercise
    if ex is None:
        return [("scenario", "expected a scenario with an 'exercise' section.")]
    threats = [t.id for t in scenario.threats]
    if record.threat is not None and record.threat not in threats:
        problems.append(
            ("threat", f"expected a threat of the scenario (one of: {', '.join(threats)}).")
        )
    points = {p.id: [o.id for o in p.options] for p in ex.decisions}
    modules = {m.id for m in ex.modules}
    stops = record.stops
    seen: set[int] = set()
    for i, d in enumerate(record.decisions):
        where = f"decisions[{i}]"
        if d.point not in points:
            problems.append(
                (f"{where}.point", f"expected a decision point (one of: {', '.join(points)}).")
            )
            continue
        if d.option not in points[d.point]:
            problems.append(
                (
                    f"{where}.option",
                    f"expected an option of '{d.point}' (one of: {', '.join(points[d.point])}).",
                )
            )
        if (
            d.stop >= len(stops)
            or stops[d.stop].stop.kind != "decision"
            or stops[d.stop].stop.item_id != d.point
        ):
            problems.append(
                (f"{where}.stop", f"expected the index of the stop at decision point '{d.point}'.")
            )
        elif d.stop in seen:
            problems.append((f"{where}.stop", "expected one decision per stop; this stop has two."))
        seen.add(d.stop)
        if not math.isfinite(d.t_min):
            problems.append((f"{where}.t_min", "expected a finite time."))
    for i, note in enumerate(record.notes):
        if note.module is not None and note.module not in modules and note.module != "hot-wash":
            problems.append(
                (f"notes[{i}].module", f"expected a module (one of: {', '.join(sorted(modules))}).")
            )
    for i, module in enumerate(record.discussed or []):
        if module not in modules and module != "hot-wash":
            problems.append(
                (f"discussed[{i}]", f"expected a module (one of: {', '.join(sorted(modules))}).")
            )
    return problems
