"""A tiny sweep over the bundled Harbour Festival, for the batch tests."""

from __future__ import annotations

from pathlib import Path

import pytest

TINY = """\
name: tiny
scenario: harbour-festival
seed: 11
replications: 3
packages: [baseline, screening]
design: {kind: full_factorial}
factors:
  - id: police_speed_scale
    path: agencies.police-dispatch.speed_kmh
    op: scale
    values: [0.5, 1.5]
  - id: screening_p_detect
    path: measures.entrance-screening.effects.0.value
    low: 0.3
    high: 0.9
    levels: 2
outcomes: [casualties_total, attack_succeeded]
"""


@pytest.fixture
def tiny_sweep(tmp_path: Path) -> Path:
    path = tmp_path / "tiny-sweep.yaml"
    path.write_text(TINY, encoding="utf-8")
    return path
