"""Arabic handouts and After-Action Report, rendered in a real headless Chromium: the pages
are right-to-left and every number (a negative difference, a share, an interval, a time)
reads as written.

Two checks on the rendered page: the layout (each number's characters sit left to right,
read from the browser's character boxes) and the screenshot (each signed number or share,
cut out of a screenshot of the page, looks like the number written left to right, not like
the same characters laid out right to left, which is how "-1.33" turns into "1.33-").
Screenshots of the pages are kept in the test's folder (``*.png``).
"""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from browser import box, number_tokens, reads_left_to_right
from click.testing import CliRunner

from vtsim.cli import main
from vtsim.resources import scenarios_dir

pytestmark = pytest.mark.slow

DECISIONS = str(scenarios_dir() / "harbour-festival.decisions.yaml")


def _exercise(*args):
    result = CliRunner().invoke(main, ["exercise", *args], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return result


@pytest.fixture(scope="module")
def arabic(tmp_path_factory):
    """The Arabic handouts and an Arabic After-Action Report of harbour-festival."""
    root = tmp_path_factory.mktemp("arabic")
    _exercise("harbour-festival", "--lang", "ar", "--handouts", str(root / "handouts"))
    _exercise(
        "harbour-festival",
        "--lang",
        "ar",
        "--decisions",
        DECISIONS,
        "-o",
        str(root / "session"),
        "-n",
        "12",
        "--no-progress",
    )
    return {
        "situation-manual": root / "handouts" / "situation-manual.html",
        "facilitator-guide": root / "handouts" / "facilitator-guide.html",
        "report": root / "session" / "report.html",
    }


@pytest.fixture
def page(chromium):
    page = chromium.new_page(viewport={"width": 1100, "height": 900})
    yield page
    page.close()


def _pixels(png: bytes):
    from PIL import Image

    return Image.open(io.BytesIO(png)).convert("L")


def _difference(a, b) -> float:
    """Mean absolute grey-level difference over the common area of two images."""
    import numpy as np

    w, h = min(a.width, b.width), min(a.height, b.height)
    x = np.asarray(a.crop((0, 0, w, h)), dtype=float)
    y = np.asarray(b.crop((0, 0, w, h)), dtype=float)
    return float(np.abs(x - y).mean())


def _reference(page, token: dict, direction: str) -> bytes:
    """A screenshot of the token's characters alone, in the font of where it appears, laid
    out ``ltr`` (as written) or ``rtl`` (as a right-to-left paragraph would, unisolated)."""
    clip = page.evaluate(
        """([text, dir, x, y]) => {
          const at = document.elementFromPoint(x, y) || document.body;
          const style = getComputedStyle(at);
          const div = document.createElement("div");
          div.id = "vtsim-reference";
          div.dir = dir;
          div.textContent = text;
          Object.assign(div.style, {position: "fixed", left: "0px", top: "0px",
            background: "white", color: style.color, font: style.font,
            whiteSpace: "pre", padding: "0", margin: "0", zIndex: 99999});
          document.body.appendChild(div);
          const r = div.getBoundingClientRect();
          return {x: r.left, y: r.top, width: r.width, height: r.height};
        }""",
        [token["token"], direction, token["chars"][0][1] + 1, token["chars"][0][3] + 2],
    )
    png = page.screenshot(clip=clip)
    page.evaluate("() => document.getElementById('vtsim-reference').remove()")
    return png


@pytest.mark.parametrize("document", ["situation-manual", "facilitator-guide", "report"])
def test_arabic_pages_are_right_to_left_and_their_numbers_read_as_written(
    arabic, page, document, tmp_path
):
    path: Path = arabic[document]
    page.goto(path.as_uri())
    assert page.evaluate("document.documentElement.dir") == "rtl"
    assert page.evaluate("document.documentElement.lang") == "ar"
    assert page.evaluate("getComputedStyle(document.body).direction") == "rtl"
    # The title starts on the right: its right edge at the body's right edge.
    title = page.evaluate(
        "(() => { const h = document.querySelector('h1'); const r = document.createRange();"
        " r.selectNodeContents(h); const t = r.getBoundingClientRect();"
        " const b = h.getBoundingClientRect(); return [t.left, t.right, b.left, b.right]; })()"
    )
    assert abs(title[1] - title[3]) < 2 and title[0] - title[2] > 20
    page.screenshot(path=str(tmp_path / f"{document}.png"), full_page=True)

    tokens = number_tokens(page)
    assert tokens, f"{document}: no number found on the page"
    wrong = [t["token"] for t in tokens if not reads_left_to_right(t)]
    assert not wrong, f"{document}: numbers laid out out of order: {wrong[:10]}"

    # On the screenshot: a signed number or a share, cut out of the page, looks like itself
    # written left to right and not like its characters laid out right to left.
    looked = 0
    for token in tokens:
        text = token["token"].strip()
        if not (text[0] in "-−+" or text.endswith("%")):
            continue
        # Scroll it into view, then read the boxes again (they are viewport coordinates).
        page.evaluate(f"window.scrollTo(0, {token['chars'][0][3]} + window.scrollY - 200)")
        fresh = next((t for t in number_tokens(page) if t["token"] == token["token"]), None)
        if fresh is None or not 0 <= fresh["chars"][0][3] < 800:
            continue
        shown = _pixels(page.screenshot(clip=box(fresh)))
        ltr = _pixels(_reference(page, fresh, "ltr"))
        rtl = _pixels(_reference(page, fresh, "rtl"))
        if _difference(ltr, rtl) < 8:  # the two layouts look alike: nothing to tell
            continue
        assert _difference(shown, ltr) < _difference(shown, rtl), (
            f"{document}: '{text}' looks reversed on the screenshot"
        )
        looked += 1
        if looked >= 12:
            break
    if document == "report":
        assert looked, "the report shows no signed number or share to look at"


def test_without_isolation_the_check_sees_the_reversal(page, tmp_path):
    """The negative control: an Arabic sentence with a bare negative number and a share
    shows them reversed, and the check says so (so a pass above means something)."""
    html = tmp_path / "bare.html"
    html.write_text(
        '<html dir="rtl" lang="ar"><body style="font-size:20px">'
        "<p>الفرق -1.33 والنسبة 23 %</p>"
        "<p>الفرق \u2066-1.33\u2069 والنسبة \u206623 %\u2069</p></body></html>",
        encoding="utf-8",
    )
    page.goto(html.as_uri())
    tokens = number_tokens(page)
    by_line: dict[int, list[bool]] = {}
    for t in tokens:
        by_line.setdefault(round(t["chars"][0][3]), []).append(reads_left_to_right(t))
    bare, isolated = (by_line[k] for k in sorted(by_line))
    assert not any(bare) and all(isolated)
