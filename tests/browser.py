"""Headless Chromium for the tests that look at rendered pages (Debian's chromium, driven
by Playwright; never a browser downloaded at run time).

The browser is ``$VTSIM_CHROMIUM`` or the first of ``chromium``/``chromium-browser`` on the
PATH. Without one, browser tests are skipped, unless ``VTSIM_REQUIRE_BROWSER=1`` (as
``.ci/run`` sets after installing the OS package), which makes a missing browser a failure.
"""

from __future__ import annotations

import os
import re
import shutil

import pytest

# As the workplace's machines need: no background traffic (the network is closed), no GPU.
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def chromium_path() -> str | None:
    found = os.environ.get("VTSIM_CHROMIUM")
    if found:
        return found
    for name in ("chromium", "chromium-browser"):
        found = shutil.which(name)
        if found:
            return found
    return None


def launch(playwright):
    """A headless Chromium, or a skip (a failure under VTSIM_REQUIRE_BROWSER=1)."""
    path = chromium_path()
    if path is None:
        message = "no Chromium on this machine (apt-get install chromium)"
        if os.environ.get("VTSIM_REQUIRE_BROWSER") == "1":
            pytest.fail(message)
        pytest.skip(message)
    return playwright.chromium.launch(executable_path=path, args=ARGS)


# --- Reading order of numbers on a rendered page ---------------------------------------------

NUMBER = re.compile(r"[-−+]?\d[\d.,]*(?:\s?%)?")

# Every number token of the page's visible text with the left edge of each of its characters,
# as laid out by the browser (one Range per character).
_TOKENS_JS = r"""
(pattern) => {
  const re = new RegExp(pattern, "g");
  const out = [];
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  let node;
  while ((node = walker.nextNode())) {
    const el = node.parentElement;
    if (!el || el.closest("script,style") || !el.getClientRects().length) continue;
    const text = node.textContent;
    let m;
    while ((m = re.exec(text))) {
      const token = m[0];
      const chars = [];
      for (let i = 0; i < token.length; i++) {
        if (token[i] === " ") continue;
        const r = document.createRange();
        r.setStart(node, m.index + i);
        r.setEnd(node, m.index + i + 1);
        const b = r.getBoundingClientRect();
        chars.push([token[i], b.left, b.right, b.top, b.bottom]);
      }
      out.push({token, chars});
    }
  }
  return out;
}
"""


def number_tokens(page) -> list[dict]:
    """Each number on ``page`` (``-1.33``, ``23 %``, ``6,000``) with its characters' boxes."""
    return page.evaluate(_TOKENS_JS, NUMBER.pattern)


def reads_left_to_right(token: dict) -> bool:
    """True when the characters of ``token`` sit left to right on their line, as written
    (a minus before the digits, the percent sign after them)."""
    lines: dict[int, list[float]] = {}
    for _, left, _right, top, _ in token["chars"]:
        lines.setdefault(round(top), []).append(left)
    return all(xs == sorted(xs) for xs in lines.values())


def box(token: dict) -> dict:
    """The token's bounding box on the page (for a screenshot clip)."""
    lefts = [c[1] for c in token["chars"]]
    rights = [c[2] for c in token["chars"]]
    tops = [c[3] for c in token["chars"]]
    bottoms = [c[4] for c in token["chars"]]
    return {
        "x": min(lefts),
        "y": min(tops),
        "width": max(rights) - min(lefts),
        "height": max(bottoms) - min(tops),
    }
