"""The workshop's four browser views, served by the real app, in headless Chromium.

Each view renders without console errors and without a request to any host but the
server's; a participant joins and votes; the projector's tally follows without a reload
(server-sent events); the Arabic participant page is right to left; a name typed as HTML is
shown as text. Screenshots of the views go to the test's tmp folder. (The whole-session test
with a server restart is elsewhere.)
"""

from __future__ import annotations

import re
import socket
import threading
import time
from pathlib import Path

import pytest

XSS_NAME = "<img src=x onerror=alert(1)>"
SHOWS_NAME = (
    "(name) => [...document.querySelectorAll('.people-list bdi')].some(n => n.textContent === name)"
)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _serve(workshop, port: int):
    """``create_app(workshop)`` served by uvicorn in a thread: (server, thread)."""
    uvicorn = pytest.importorskip("uvicorn")
    from vtsim.workshop.app import create_app

    app = create_app(workshop, vote_limit=50)
    server = uvicorn.Server(
        uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="off")
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            pytest.fail("the workshop server did not start")
        time.sleep(0.05)
    return server, thread


def _stop(server, thread) -> None:
    server.should_exit = True
    server.force_exit = True  # open event streams would otherwise hold the shutdown
    thread.join(10)


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    """The real app on 127.0.0.1 (uvicorn in a thread): (base URL, workshop)."""
    from vtsim.workshop.engine import Workshop

    out = tmp_path_factory.mktemp("workshop")
    workshop = Workshop("harbour-festival", out / "session", tables=2, replications=10)
    port = _free_port()
    server, thread = _serve(workshop, port)
    yield f"http://127.0.0.1:{port}", workshop
    _stop(server, thread)
    workshop.close()


class Watch:
    """A page's console errors, uncaught exceptions, dialogs and requests off the server."""

    def __init__(self, page, base: str):
        self.errors: list[str] = []
        self.outside: list[str] = []
        self.dialogs: list[str] = []
        page.on("console", lambda m: self.errors.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda e: self.errors.append(str(e)))
        page.on("dialog", lambda d: (self.dialogs.append(d.message), d.dismiss()))
        page.on(
            "request",
            lambda r: (
                None
                if r.url.startswith(base + "/") or r.url.startswith("data:")
                else self.outside.append(r.url)
            ),
        )

    def clean(self) -> None:
        assert self.errors == [], self.errors
        assert self.outside == [], self.outside
        assert self.dialogs == [], self.dialogs


def _open(browser, base: str, path: str, *, width: int = 1280, height: int = 900):
    context = browser.new_context(viewport={"width": width, "height": height})
    page = context.new_page()
    watch = Watch(page, base)
    page.goto(base + path)
    return context, page, watch


def _post(base: str, path: str, token: str | None = None, body: dict | None = None) -> dict:
    import httpx

    headers = {"X-Vtsim-Token": token} if token else {}
    reply = httpx.post(base + path, json=body or {}, headers=headers, timeout=30)
    assert reply.status_code == 200, reply.text
    return reply.json()


def _join(browser, base: str, workshop, *, name: str, table: str, lang: str = "en"):
    """A participant on a phone: the join form, then the participant page."""
    context, page, watch = _open(browser, base, f"/?lang={lang}", width=360, height=740)
    page.fill("#join-code", workshop.join_code)
    page.select_option("#join-table", table)
    page.fill("#join-name", name)
    page.click("#join button[type=submit]")
    page.wait_for_url(base + "/p")
    page.wait_for_selector("header.top h1")
    return context, page, watch


def _to_decision(base: str, workshop) -> None:
    """The facilitator starts and advances until the tables wait at a decision point."""
    token = workshop.facilitator_token
    if workshop.state == "lobby":
        _post(base, "/api/facilitator/start", token)
    for _ in range(60):
        stops = [t.session.current for t in workshop.tables]
        if all(s is not None and s.kind == "decision" for s in stops):
            return
        _post(base, "/api/facilitator/advance", token)
    pytest.fail("no decision point reached")


def test_every_phrase_the_scripts_use_is_in_the_catalogue():
    from vtsim.exercise.text import Messages
    from vtsim.workshop.view_phrases import VIEW_KEYS, view_phrases

    static = Path(__file__).parents[2] / "vtsim" / "workshop" / "static"
    used = set()
    for script in static.glob("*.js"):
        used |= set(re.findall(r'VT\.t\("([a-z_]+)"[,)]', script.read_text(encoding="utf-8")))
        used |= set(
            re.findall(r'button\("[a-z_]+", "([a-z_]+)"', script.read_text(encoding="utf-8"))
        )
    used |= {f"state_{s}" for s in ("lobby", "running", "voting", "revealing", "ended")}
    names = {key.removeprefix("workshop.view.") for key in VIEW_KEYS}
    assert used - names == set()
    from vtsim.exercise.text import languages

    for lang in languages():
        phrases = view_phrases(Messages(lang))  # raises on a missing phrase
        assert all(phrases.values()), lang


def test_scripts_never_write_html():
    static = Path(__file__).parents[2] / "vtsim" / "workshop" / "static"
    for script in static.glob("*.js"):
        text = script.read_text(encoding="utf-8")
        for banned in ("innerHTML", "outerHTML", "insertAdjacentHTML", "document.write", "eval("):
            assert banned not in text, (script.name, banned)
    css = (static / "workshop.css").read_text(encoding="utf-8")
    # logical properties only, so that Arabic reads right to left
    assert not re.search(r"(margin|padding|border)-(left|right)|text-align:\s*(left|right)", css)
    assert not re.search(r"(^|[^-])\b(left|right)\s*:", css)


@pytest.mark.slow
def test_views_render_offline_and_participant_votes_live(chromium, served, tmp_path):
    base, workshop = served
    contexts = []
    try:
        fac_ctx, fac, fac_watch = _open(chromium, base, f"/f?token={workshop.facilitator_token}")
        contexts.append(fac_ctx)
        fac.wait_for_selector(".controls button[data-action=start]")
        # the token left the address bar; the facilitator sees the join code
        assert "token" not in fac.url
        fac.wait_for_selector(".join-code")
        assert fac.text_content(".join-code") == workshop.join_code

        proj_ctx, proj, proj_watch = _open(
            chromium,
            base,
            f"/projector?token={workshop.projector_token}",
            width=1920,
            height=1080,
        )
        contexts.append(proj_ctx)
        proj.wait_for_selector("header.top h1")

        obs_ctx, obs, obs_watch = _open(chromium, base, f"/observe?token={workshop.observer_token}")
        contexts.append(obs_ctx)
        obs.wait_for_selector(".objective form")

        part_ctx, part, part_watch = _join(chromium, base, workshop, name="Amira K.", table="t1")
        contexts.append(part_ctx)
        xss_ctx, xss, xss_watch = _join(chromium, base, workshop, name=XSS_NAME, table="t1")
        contexts.append(xss_ctx)

        # a name typed as HTML is shown as text, never as an element (projector: in the lobby)
        for page in (fac, proj, xss):
            page.wait_for_function(SHOWS_NAME, arg=XSS_NAME, timeout=15000)
            assert page.locator("main img[src='x']").count() == 0
        proj.screenshot(path=str(tmp_path / "projector-lobby.png"))

        # the facilitator starts (clicking), then the storyline runs to a decision
        fac.click(".controls button[data-action=start]:not([disabled])")
        deadline = time.monotonic() + 15
        while workshop.state == "lobby":  # the click's request is on its way
            assert time.monotonic() < deadline, "the start button did nothing"
            time.sleep(0.05)
        _to_decision(base, workshop)
        _post(base, "/api/facilitator/open_vote", workshop.facilitator_token)

        # the participant's page follows by itself and offers the options
        part.wait_for_selector("#vote-form input[name=option]:not([disabled])", timeout=15000)
        proj.wait_for_selector(".tally-row", timeout=15000)
        assert (
            proj.locator(".tally-count").all_text_contents()
            == ["0"] * proj.locator(".tally-count").count()
        )

        # a vote needs its justification, then the projector's tally follows (no reload)
        part.check("#vote-form input[name=option] >> nth=0")
        part.click("#vote-form button[type=submit]")
        part.wait_for_selector("#flash:not([hidden])")
        assert sum(workshop.tally(workshop.tables[0]).values()) == 0
        part.fill("#justification", "The gate is narrow: move people early.")
        part.click("#vote-form button[type=submit]")
        part.wait_for_selector(".my-vote:not([hidden])", timeout=15000)
        proj.wait_for_function(
            "() => [...document.querySelectorAll('.tally-count')]"
            ".some(n => n.textContent.trim() === '1')",
            timeout=15000,
        )
        assert sum(workshop.tally(workshop.tables[0]).values()) == 1
        fac.wait_for_selector(".ballots li", timeout=15000)
        assert "The gate is narrow" in fac.text_content(".ballots")

        # a reload keeps working: the token comes from sessionStorage, not the address
        fac.reload()
        fac.wait_for_selector(".ballots li", timeout=15000)
        assert "token" not in fac.url

        # nothing overflows a 360-px phone
        assert part.evaluate("document.documentElement.scrollWidth") <= 360

        shots = {
            "facilitator": fac,
            "projector": proj,
            "participant": part,
            "observer": obs,
        }
        for name, page in shots.items():
            page.screenshot(path=str(tmp_path / f"{name}.png"), full_page=name != "projector")
            assert (tmp_path / f"{name}.png").stat().st_size > 1000

        for watch in (fac_watch, proj_watch, obs_watch, part_watch, xss_watch):
            watch.clean()
    finally:
        for context in contexts:
            context.close()


@pytest.mark.slow
def test_arabic_participant_page_is_right_to_left(chromium, served, tmp_path):
    base, workshop = served
    context, page, watch = _join(chromium, base, workshop, name="سارة", table="t2", lang="ar")
    try:
        assert page.evaluate("document.documentElement.dir") == "rtl"
        assert page.evaluate("document.documentElement.lang") == "ar"
        assert page.evaluate("getComputedStyle(document.querySelector('main')).direction") == "rtl"
        # the heading starts at the right edge of the page
        box = page.locator("header.top h1").bounding_box()
        assert box["x"] + box["width"] > 300
        assert page.evaluate("document.documentElement.scrollWidth") <= 360
        page.screenshot(path=str(tmp_path / "participant-ar.png"), full_page=True)
        watch.clean()
    finally:
        context.close()


@pytest.mark.slow
def test_reconnecting_banner_while_the_server_is_away(chromium, tmp_path):
    from vtsim.workshop.engine import Workshop

    workshop = Workshop("harbour-festival", tmp_path / "session", tables=1, replications=10)
    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    server, thread = _serve(workshop, port)
    context, page, _ = _open(chromium, base, f"/projector?token={workshop.projector_token}")
    try:
        page.wait_for_selector("header.top h1")
        assert page.is_hidden("#offline")
        _stop(server, thread)
        page.wait_for_selector("#offline", state="visible", timeout=15000)
        server, thread = _serve(workshop, port)  # the same workshop, back on the same port
        page.wait_for_selector("#offline", state="hidden", timeout=15000)
        _post(base, "/api/facilitator/start", workshop.facilitator_token)
        page.wait_for_selector(".badge.state-running", timeout=15000)  # live again
    finally:
        context.close()
        _stop(server, thread)
        workshop.close()
