"""Threat modes: one module each, registered here (see :mod:`vtsim.model.modes.base`)."""

# The built-in modes, in this order (the order of their extra columns in a table).
from vtsim.model.modes import (  # noqa: E402, I001
    armed_assault,
    cbrn_release,
    cyber_intrusion,
    explosive_device,
    unmanned_aircraft,
    vehicle_ramming,
)
from vtsim.model.modes.base import ThreatMode, mode_of, modes, register, unregister

__all__ = [
    "ThreatMode",
    "armed_assault",
    "cbrn_release",
    "cyber_intrusion",
    "explosive_device",
    "mode_of",
    "modes",
    "register",
    "unregister",
    "unmanned_aircraft",
    "vehicle_ramming",
]
