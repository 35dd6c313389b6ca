"""The threat-mode registry: what a mode answers for itself, and how it registers.

A threat mode is one module (``vtsim/model/modes/<mode>.py``) with:

- its **schema**: a subclass of :class:`vtsim.scenario.threats.Threat` with
  ``mode: Literal["<mode>"]`` and the fields only that mode has (a scenario's threats are
  a union of the registered schemas keyed on ``mode``);
- a subclass of :class:`ThreatMode` that says how the mode **approaches** (the site's
  ground layers, the airspace, a network), how it **harms** (a rate, at once, a dose),
  how the **crowd** leaves, whether **responders** can end it, what **calls** it raises,
  when the **scene is safe** for medical teams, what a hit **facility** suffers, and
  which extra **components** (outcome columns) it brings;
- one call, ``register(TheMode)``.

Core sub-models (protect, response, crowd, medical, infrastructure) read
``incident.mode`` and ask it; none tests a mode by name. Adding a mode touches its
module and its registration, nothing else: ``docs/developing.md`` has the recipe.
"""

from __future__ import annotations

from collections.abc import Generator
from typing import TYPE_CHECKING, ClassVar, cast

from vtsim.model import harm as harm_api
from vtsim.model import protect
from vtsim.model.crowd import Crowd
from vtsim.model.infrastructure import Strike, physical_strike
from vtsim.model.queue import ScreeningQueues
from vtsim.scenario.distributions import Dist
from vtsim.scenario.threats import (
    AttackOnPeopleThreat,
    Threat,
    register_threat_schema,
    unregister_threat_schema,
)

if TYPE_CHECKING:
    import simpy

    from vtsim.model.component import Component
    from vtsim.model.incident import Incident
    from vtsim.scenario.medical import SceneAccess


class ThreatMode:
    """Defaults shared by most modes; a mode overrides what differs."""

    name: ClassVar[str] = ""
    """Set by :func:`register` from the schema's ``mode`` literal."""

    schema: ClassVar[type[Threat]]
    """The pydantic model of this mode's threats."""

    crosses_ground_layers: ClassVar[bool] = True
    """Approach: whether the threat crosses the site's ground protection layers (its path
    in the adversary sequence); a mode with another path overrides :meth:`approach`."""

    crowd: ClassVar[type[Crowd]] = Crowd
    """How the people of the target zone leave (by exit flow; a release: by slots)."""

    calls_when_harm_starts: ClassVar[bool] = True
    """Emergency calls come in once harm starts (a release is unseen at first: its own
    module calls when symptoms show)."""

    warm_zone: ClassVar[bool] = False
    """Whether a rescue task force may go into the warm zone while the attack goes on, once
    armed responders are engaging (an attack on people on the ground)."""

    casualties_by_group: ClassVar[bool] = True
    """Whether its casualties are drawn by population group (a zone's ``groups``); a mode
    that cannot refuses a target zone with groups at load."""

    components: ClassVar[tuple[type[Component], ...]] = ()
    """Extra components (outcome columns) of this mode, in scenarios that have it."""

    def approach(self, incident: Incident) -> Generator[simpy.Event, object, None]:
        """SimPy process from the attack start to harm (``incident.start_harm()``), unless
        the attack ends first. Default: the site's ground layers, then the task."""
        yield from protect.ground_approach(incident)

    def harm(self, incident: Incident, crowd: Crowd) -> Generator[simpy.Event, object, None]:
        """SimPy process from harm onset: who is harmed, and when. Default: the threat's
        harm profile, ``rate`` or ``instant`` (:mod:`vtsim.model.harm`)."""
        if incident.threat.harm.profile == "instant":
            yield from harm_api.instant(incident, crowd, "harm in the zone")
        else:
            yield from harm_api.rate(incident, crowd, "harm in the zone")

    def strikes_at_densest(self, threat: Threat) -> bool:
        """Whether the attacker strikes a screening queue at its densest moment of the day
        rather than at the queue's drawn attack moment (default: the drawn moment)."""
        return False

    def active_duration(self, threat: Threat) -> Dist | None:
        """How long the attack goes on by itself once harm starts (None: it does not end
        by itself; an instant harm ends the attack at once)."""
        return None

    def responders_can_end(self, incident: Incident) -> bool:
        """Whether armed responders on the ground can end the attack now: before harm, or
        while a ``rate`` harm goes on."""
        return incident.harm_start is None or incident.threat.harm.profile == "rate"

    def strike_facility(self, incident: Incident) -> Strike:
        """What the attack does to the infrastructure facility the threat names (asked when
        the infrastructure is set up). Default: damaged when harm starts."""
        return Strike(physical_strike)

    def scene_safe(self, incident: Incident) -> simpy.Event:
        """The event after which the scene is cleared for medical teams (see
        :meth:`scene_clearance`; a rescue task force may go in earlier): by default the
        end of the attack."""
        return incident.attack_ended

    def care_gate(self, incident: Incident, casualty_id: int) -> simpy.Event | None:
        """An event a casualty must wait for before EMS care on scene (a release's on-site
        decontamination), or None."""
        return None

    def zone_care(self, incident: Incident) -> tuple[Dist, float] | None:
        """Care responders give casualties where they lie, before they are reached or pass
        a :meth:`care_gate` (a release's antidote before decontamination): the delay after
        the first ambulance is on scene and the care factor, or None (the default)."""
        return None

    def hospital_delay_min(self, incident: Incident) -> float:
        """Minutes a casualty spends at the hospital before it may take a treatment place
        (a release's hospital decontamination); 0 by default."""
        return 0.0

    def scene_clearance(self, scene: SceneAccess) -> Dist:
        """From :meth:`scene_safe` to the scene declared safe for medical teams: by default
        the police sweep after an armed attack (``medical.scene.sweep_min``)."""
        return scene.sweep_min


class PeopleCrowd(Crowd):
    """The crowd of an attack on people on the ground, where the attacker may adapt
    (:mod:`vtsim.model.protect`): a screening queue picked at its densest is struck at its
    peak, and once the attack falls back to another zone, that zone's crowd (set up then)
    is harmed, not this one."""

    def __init__(self, incident: Incident):
        super().__init__(incident)
        zone = incident.zone
        if incident.at_densest and zone.queue is not None:
            queues = incident.component(ScreeningQueues)
            self.exposed = queues.peak_outside(incident.site.id, zone.id)

    def _harm(self):
        incident = self.incident
        yield incident.harm_started
        if incident.find(Crowd) is not self:
            return  # the attack fell back to another zone: that zone's crowd is harmed
        yield from incident.mode.harm(incident, self)


class AttackOnPeople(ThreatMode):
    """Modes whose harm is a ``rate`` while the attack goes on (ending by itself after its
    ``active_duration_min``) or ``instant`` (schema: :class:`AttackOnPeopleThreat`). The
    attacker may fall back after a layer and pick the moment and zone (``fallback``,
    ``timing``: :mod:`vtsim.model.protect`)."""

    warm_zone = True
    crowd: ClassVar[type[Crowd]] = PeopleCrowd

    def strikes_at_densest(self, threat: Threat) -> bool:
        """Whether the attacker strikes a screening queue at its densest moment of the day
        rather than at the queue's drawn attack moment (default: the drawn moment)."""
        return False

    def active_duration(self, threat: Threat) -> Dist | None:
        if threat.harm.profile == "rate":
            return cast(AttackOnPeopleThreat, threat).active_duration_min
        return None


_MODES: dict[str, ThreatMode] = {}


def register(mode: type[ThreatMode]) -> type[ThreatMode]:
    """Register a threat mode (its schema with the scenario layer, its behaviour here).
    Returns the class, so it can be used as a decorator."""
    mode.name = register_threat_schema(mode.schema)
    _MODES[mode.name] = mode()
    return mode


def unregister(name: str) -> None:
    """Remove a registered mode (a plugin unloaded, a test's toy mode)."""
    _MODES.pop(name, None)
    unregister_threat_schema(name)


def mode_of(threat: Threat) -> ThreatMode:
    """The registered mode of a threat."""
    return _MODES[threat.mode]


def modes() -> dict[str, ThreatMode]:
    """Every registered mode, in registration order."""
    return dict(_MODES)
