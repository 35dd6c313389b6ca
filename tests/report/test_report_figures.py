"""The scorecard figure of the HTML report is readable at 100 % zoom: it fits the report's
column (1100 px, figures embedded at 100 dpi) without being shrunk, in large type."""

from __future__ import annotations

import base64
import io
import re
import struct

import matplotlib
import pandas as pd
import pytest

from vtsim.report.figures import _pyplot, scorecard_figure

matplotlib.use("Agg")

PAGE_PX = 1100 - 2 * 16  # the report's body: max-width 1100px, padding 1em
PHASES = [
    ("prevent", "prevented", "plots interdicted before the attack", "higher", ""),
    ("protect", "stopped_before_harm", "attacks stopped before harm", "higher", ""),
    ("mitigate", "casualties_total", "casualties per attack attempted", "lower", "people"),
    ("respond", "preventable_deaths", "preventable deaths per attack attempted", "lower", ""),
    ("recover", "site_closed_days", "days the site stays closed", "lower", "days"),
]


def _card(packages) -> pd.DataFrame:
    rows = []
    for i, package in enumerate(packages):
        for phase, metric, label, better, unit in PHASES:
            value = 0.2 + 0.1 * i if better == "higher" else 10.0 + i
            rows.append(
                {
                    "package": package,
                    "phase": phase,
                    "metric": metric,
                    "label": label,
                    "better": better,
                    "unit": unit,
                    "value": value,
                    "lo": value * 0.5,
                    "hi": value * 1.5,
                }
            )
    return pd.DataFrame(rows)


def _size_px(fig, dpi=100) -> tuple[int, int]:
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=dpi, bbox_inches="tight")  # as html._png does
    _pyplot().close(fig)
    return struct.unpack(">II", buffer.getvalue()[16:24])


@pytest.mark.slow
def test_the_scorecard_fits_the_report_column_in_large_type():
    packages = ["baseline", "screening", "public-warning-app_joint-command", "barriers"]
    fig = scorecard_figure(_card(packages), title="Harbour Festival")
    fig.canvas.draw()
    sizes = [t.get_fontsize() for t in fig.findobj(matplotlib.text.Text) if t.get_text()]
    panels = [ax for ax in fig.axes if ax.axison]
    ticks = [t for ax in panels for t in ax.get_yticklabels() if t.get_text()]
    assert min(sizes) >= 11  # points: about 15 px at 100 dpi
    assert len(ticks) == 5 * len(packages)  # every panel names the packages
    assert "public-warning-\napp_joint-command" in {t.get_text() for t in ticks}  # wrapped
    width, height = _size_px(fig)
    assert width <= PAGE_PX * 1.02  # shown at its size, not shrunk (it was 2,089 px wide)
    assert height < 1400


def test_one_row_is_still_available():
    fig = scorecard_figure(_card(["baseline", "barriers"]), ncols=None)
    assert len([ax for ax in fig.axes if ax.get_visible()]) == 5
    assert _size_px(fig)[0] > PAGE_PX  # wide: for a slide, not for the report


@pytest.mark.slow
def test_the_report_embeds_the_readable_scorecard(tmp_path):
    from click.testing import CliRunner

    from vtsim.cli import main

    r = CliRunner().invoke(
        main, ["report", "harbour-festival", "-n", "4", "-p", "barriers", "-o", str(tmp_path)]
    )
    assert r.exit_code == 0, r.output
    html = (tmp_path / "report.html").read_text()
    png = re.search(r'alt="scorecard" src="data:image/png;base64,([^"]+)"', html).group(1)
    width, _ = struct.unpack(">II", base64.b64decode(png)[16:24])
    assert width <= PAGE_PX * 1.02
