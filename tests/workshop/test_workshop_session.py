"""A whole harbour-festival workshop played in headless Chromium, as people would play it.

The real command (``python -m vtsim workshop ... --tables 3``) runs in a subprocess; a
facilitator, a projector, an observer and 12 participants (3 tables of 4, one agency role
each, table 3 entirely in Arabic) each have their own browser context and act only by
clicking and typing. In the middle of the first vote (one vote acknowledged, the vote still
open) the server is killed with SIGKILL and started again with ``--resume``: every page
reconnects by itself (no reload) and the acknowledged vote is still there, on the
facilitator's page and in the SQLite file. The session then runs to its end (votes with
justifications, reveal with the consequence charts on the projector, pause, undo, hot-wash
notes, an observer's rating, end) and the files are checked: per-table AARs,
workshop-report.html with the three tables side by side, votes.csv with every vote.

Screenshots of the four views go to the test's tmp folder and, when ``VTSIM_SCREENSHOTS=DIR``
is set, to DIR as well (docs/img/workshop/ is made that way).
"""

from __future__ import annotations

import csv
import json
import os
import re
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import time
from html import unescape
from pathlib import Path

import pytest

ROOT = Path(__file__).parents[2]
TIMEOUT = 30_000  # ms: a page following a change (2 cores, 15 pages)
N_STORYLINES = 20
MAX_SHOT_BYTES = 200_000
SHOTS = (
    "join",
    "facilitator",
    "projector-votes",
    "projector",
    "participant",
    "participant-ar",
    "observer",
)

# Table 1 and 2 in English, table 3 in Arabic; one agency role per seat.
PEOPLE = {
    "t1": [("Ana Ribeiro", "en"), ("Marc Duval", "en"), ("Jonas Berg", "en"), ("Lea Novak", "en")],
    "t2": [("Tom Hale", "en"), ("Ines Costa", "en"), ("Karim Aziz", "en"), ("Nora Lind", "en")],
    "t3": [("سارة", "ar"), ("يوسف", "ar"), ("ليلى", "ar"), ("عمر", "ar")],
}
WHY = {
    "en": "We weigh what we know now against the time lost by waiting.",
    "ar": "نوازن بين ما نعرفه الآن والوقت الضائع في الانتظار.",
}
FIRST_WHY = "Verify first: the call-taker's report is still unconfirmed."


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    """``python -m vtsim workshop`` in a subprocess, its output in a log file."""

    def __init__(self, out: Path, port: int, logs: Path):
        self.out, self.port, self.logs = out, port, logs
        self.base = f"http://127.0.0.1:{port}"
        self.proc: subprocess.Popen | None = None
        self.runs = 0

    def start(self, *, resume: bool) -> str:
        self.runs += 1
        log = self.logs / f"server-{self.runs}.log"
        args = [sys.executable, "-m", "vtsim", "workshop"]
        if resume:
            args += ["--resume", str(self.out)]
        else:
            args += ["harbour-festival", "--tables", "3", "-o", str(self.out)]
        args += ["--port", str(self.port), "-n", str(N_STORYLINES), "--no-progress"]
        env = dict(os.environ, PYTHONUNBUFFERED="1")
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))
        with open(log, "w", encoding="utf-8") as sink:
            self.proc = subprocess.Popen(
                args, stdout=sink, stderr=subprocess.STDOUT, cwd=self.logs, env=env
            )
        self._wait_up(log)
        return log.read_text(encoding="utf-8")

    def _wait_up(self, log: Path) -> None:
        import httpx

        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                pytest.fail("the workshop command stopped:\n" + log.read_text(encoding="utf-8"))
            try:
                if httpx.get(self.base + "/", timeout=2).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.1)
        pytest.fail("the workshop server did not answer:\n" + log.read_text(encoding="utf-8"))

    def kill(self) -> None:
        """SIGKILL: no shutdown handler, no flush, nothing but what is already on disk."""
        if self.proc is not None and self.proc.poll() is None:
            os.kill(self.proc.pid, signal.SIGKILL)
            self.proc.wait(10)

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGINT)
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.kill()


def _links(output: str) -> dict:
    found = {
        "facilitator": re.search(r"/f\?token=(\S+)", output),
        "projector": re.search(r"/projector\?token=(\S+)", output),
        "observer": re.search(r"/observe\?token=(\S+)", output),
        "code": re.search(r"/\?code=([A-Z0-9]+)", output),
    }
    assert all(found.values()), output
    return {k: v.group(1) for k, v in found.items()}


class Person:
    """One person: a browser context, a page, what went wrong on it."""

    def __init__(self, browser, base: str, path: str, *, width=1280, height=860, lang="en"):
        self.context = browser.new_context(viewport={"width": width, "height": height})
        self.page = self.context.new_page()
        self.errors: list[str] = []
        self.outside: list[str] = []
        self.lang = lang
        page = self.page
        page.set_default_timeout(TIMEOUT)
        # "Failed to load resource" is the browser's own line while the server is away or
        # for a refused action (the page shows it); anything else is a script's error.
        page.on(
            "console",
            lambda m: (
                self.errors.append(m.text)
                if m.type == "error" and "Failed to load resource" not in m.text
                else None
            ),
        )
        page.on("pageerror", lambda e: self.errors.append(str(e)))
        page.on(
            "request",
            lambda r: (
                None
                if r.url.startswith(base + "/") or r.url.startswith("data:")
                else self.outside.append(r.url)
            ),
        )
        page.on("dialog", lambda d: d.accept())  # "Undo?", "End?": yes
        page.goto(base + path)

    def version(self) -> int:
        return self.page.evaluate("window.VT && VT.view ? VT.view.version : -1")

    def view(self) -> dict:
        return self.page.evaluate("window.VT && VT.view ? VT.view : null") or {}

    def clean(self) -> None:
        assert self.errors == [], self.errors
        assert self.outside == [], self.outside


def _join(browser, base, code, table, role: int, name, lang, shots: list[Path] | None = None):
    """The join page on a phone: code, table, role (the n-th agency), name, language; /p."""
    who = Person(browser, base, f"/?lang={lang}", width=390, height=844, lang=lang)
    page = who.page
    page.fill("#join-code", code)
    page.select_option("#join-table", table)
    page.select_option("#join-role", index=role % page.locator("#join-role option").count())
    page.fill("#join-name", name)
    assert page.input_value("#join-lang") == lang
    if shots:
        _shoot(who, "join", shots)
    page.click("#join button[type=submit]")
    page.wait_for_url(base + "/p")
    page.wait_for_selector("header.top h1")
    return who


def _shoot(person: Person, name: str, folders: list[Path]) -> None:
    """A viewport screenshot (under ~200 KB, for the docs) into every folder."""
    first = folders[0] / f"{name}.png"
    # the page as a person sees it when they look: from the top, no passing message over it
    person.page.evaluate(
        "() => { document.getElementById('flash').hidden = true; scrollTo(0, 0); }"
    )
    person.page.screenshot(path=str(first))
    if first.stat().st_size > MAX_SHOT_BYTES:
        from PIL import Image

        with Image.open(first) as img:
            img.convert("RGB").quantize(colors=128).save(first, optimize=True)
    for folder in folders[1:]:
        folder.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(first, folder / f"{name}.png")


def _wait_version(person: Person, above: int) -> None:
    person.page.wait_for_function(
        "(v) => window.VT && VT.view && VT.view.version > v", arg=above, timeout=TIMEOUT
    )


def _click_action(fac: Person, action: str) -> None:
    """A facilitator's button, once it is enabled; returns when the page shows the result."""
    before = fac.version()
    fac.page.click(f".controls button[data-action={action}]:not([disabled])")
    _wait_version(fac, before)


def _votes_in_db(db: Path) -> list[dict]:
    with sqlite3.connect(f"file:{db}?mode=ro", uri=True) as con:
        rows = con.execute("SELECT payload FROM log WHERE action = 'vote' ORDER BY seq").fetchall()
    return [json.loads(r[0]) for r in rows]


def _tally_on_projector(proj: Person, table: str) -> int:
    counts = proj.page.locator(f".table-card[data-table={table}] .tally-count").all_text_contents()
    return sum(int(re.sub(r"\D", "", c) or 0) for c in counts)


@pytest.mark.slow
def test_a_whole_workshop_with_a_server_restart(chromium, tmp_path):
    httpx = pytest.importorskip("httpx")
    out = tmp_path / "workshop"
    shots = [tmp_path / "screenshots"]
    shots[0].mkdir()
    if os.environ.get("VTSIM_SCREENSHOTS"):
        shots.append(Path(os.environ["VTSIM_SCREENSHOTS"]))
    server = Server(out, _free_port(), tmp_path)
    people: list[Person] = []
    try:
        links = _links(server.start(resume=False))
        base = server.base

        # --- without the token, a facilitator action is refused
        assert httpx.post(base + "/api/facilitator/start", json={}).status_code == 401
        wrong = {"X-Vtsim-Token": links["projector"]}
        assert httpx.post(base + "/api/facilitator/start", json={}, headers=wrong).status_code == (
            403
        )

        # --- the facilitator, the room's screen, an observer
        fac = Person(chromium, base, f"/f?token={links['facilitator']}")
        proj = Person(
            chromium, base, f"/projector?token={links['projector']}", width=1600, height=900
        )
        obs = Person(chromium, base, f"/observe?token={links['observer']}")
        people += [fac, proj, obs]
        fac.page.wait_for_selector(".controls button[data-action=start]")
        assert fac.page.text_content(".join-code") == links["code"]
        proj.page.wait_for_selector(".lobby .join-code")
        assert proj.page.text_content(".lobby .join-code") == links["code"]
        obs.page.wait_for_selector(".objective form")

        # --- 12 participants join by code, 4 per table, one agency each
        seats: dict[str, list[Person]] = {}
        for i, (table, names) in enumerate(PEOPLE.items()):
            seats[table] = [
                _join(
                    chromium,
                    base,
                    links["code"],
                    table,
                    i + k,
                    name,
                    lang,
                    shots if table == "t1" and k == 0 else None,
                )
                for k, (name, lang) in enumerate(names)
            ]
            people += seats[table]
        everyone = [p for table in seats.values() for p in table]
        proj.page.wait_for_function(
            "() => document.querySelectorAll('.lobby .people-list li').length === 12"
        )
        arabic = seats["t3"][0]
        assert arabic.page.evaluate("document.documentElement.dir") == "rtl"
        assert arabic.page.evaluate("document.documentElement.lang") == "ar"
        assert seats["t1"][0].page.evaluate("document.documentElement.dir") == "ltr"

        # --- start, then injects and decision points to the end of the storyline
        _click_action(fac, "start")
        for p in everyone:
            p.page.wait_for_selector(".stop")
        restarted = False
        undone = False
        rounds = 0
        cast = {"t1": 0, "t2": 0, "t3": 0}  # votes cast per table
        for _step in range(40):
            view = fac.view()
            tables = view["tables"]
            if all(t["stop"] and t["stop"]["kind"] == "end" for t in tables):
                break
            waiting = [t for t in tables if t["stop"]["kind"] == "decision" and not t["decided"]]
            if not waiting:
                _click_action(fac, "advance")
                continue

            # a decision point: the vote opens on every waiting table
            rounds += 1
            _click_action(fac, "open_vote")
            for t in waiting:
                options = [o["id"] for o in t["stop"]["decision"]["options"]]
                # tables choose differently: 3 of 4 for their table's option, 1 for another
                favourite = options[(int(t["id"][1:]) + rounds) % len(options)]
                for k, person in enumerate(seats[t["id"]]):
                    choice = (
                        favourite
                        if k < 3
                        else options[(options.index(favourite) + 1) % len(options)]
                    )
                    page = person.page
                    page.wait_for_selector("#vote-form input[name=option]:not([disabled])")
                    page.check(f"#vote-form input[name=option][value='{choice}']")
                    why = FIRST_WHY if not restarted and k == 0 else WHY[person.lang]
                    page.fill("#justification", why)
                    page.click("#vote-form button[type=submit]")
                    page.wait_for_selector(".my-vote:not([hidden])")
                    cast[t["id"]] += 1

                    if not restarted:
                        # one vote acknowledged, the vote still open: the server dies
                        restarted = True
                        assert any(
                            v["justification"] == FIRST_WHY
                            for v in _votes_in_db(out / "workshop.sqlite")
                        )
                        server.kill()
                        for p in people:
                            p.page.wait_for_selector("#offline", state="visible")
                        links_again = _links(server.start(resume=True))
                        assert links_again == links  # the same tokens and code
                        for p in people:  # every page comes back by itself, no reload
                            p.page.wait_for_selector("#offline", state="hidden")
                        fac.page.wait_for_function(
                            "(why) => [...document.querySelectorAll('.ballots .justification')]"
                            ".some(n => n.textContent === why)",
                            arg=FIRST_WHY,
                        )
                        votes = _votes_in_db(out / "workshop.sqlite")
                        assert [v["justification"] for v in votes] == [FIRST_WHY]
                        assert fac.view()["state"] == "voting"
                        page.wait_for_selector(".my-vote:not([hidden])")

                proj.page.wait_for_function(
                    "([t, n]) => [...document.querySelectorAll("
                    "`.table-card[data-table=${t}] .tally-count`)]"
                    ".reduce((s, c) => s + Number(c.textContent.replace(/\\D/g, '') || 0), 0)"
                    " === n",
                    arg=[t["id"], 4],
                )
                assert _tally_on_projector(proj, t["id"]) == 4
            if rounds == 1:
                fac.page.wait_for_selector(".ballots li >> nth=11")
                _shoot(fac, "facilitator", shots)
                _shoot(proj, "projector-votes", shots)
                _shoot(seats["t1"][0], "participant", shots)
                _shoot(arabic, "participant-ar", shots)

            # pause and resume the clock once
            if rounds == 1:
                _click_action(fac, "pause")
                proj.page.wait_for_selector(".badge.paused")
                _click_action(fac, "resume")
                proj.page.wait_for_selector(".badge.paused", state="detached")

            _click_action(fac, "close_vote")
            for t in waiting:
                for person in seats[t["id"]]:
                    person.page.wait_for_selector("p.decided")
            if rounds == 2 and not undone:
                # the facilitator takes the decision back: the vote reopens, the votes stay
                undone = True
                _click_action(fac, "undo")
                assert fac.view()["state"] == "voting"
                _click_action(fac, "close_vote")

            # reveal: the consequences are computed, then the projector shows the charts
            _click_action(fac, "reveal")
            proj.page.wait_for_function(
                "(n) => document.querySelectorAll('figure.consequence img.chart[src^=\"data:\"]')"
                ".length === n",
                arg=len(waiting),
                timeout=120_000,
            )
            if rounds == 1:
                _shoot(proj, "projector", shots)
        else:
            pytest.fail("the storyline did not end")
        assert rounds >= 2, rounds
        assert restarted and undone

        # --- the hot wash, a participant's note, an observer's rating
        fac.page.fill("#note-text", "Tables 1 and 2 shared the picture early.")
        fac.page.select_option("#note-kind", "strength")
        fac.page.fill("#note-who", "Ana Ribeiro")
        before = fac.version()
        fac.page.click("#note-form button[type=submit]")
        _wait_version(fac, before)
        fac.page.fill("#note-text", "The hand-over to the crisis committee came late.")
        fac.page.select_option("#note-kind", "improvement")
        before = fac.version()
        fac.page.click("#note-form button[type=submit]")
        _wait_version(fac, before)
        fac.page.wait_for_selector(".notes-list li >> nth=1")

        part = seats["t2"][0].page
        part.fill("#note-text", "We needed the stewards' radio channel sooner.")
        part.click("#note-form button[type=submit]")
        fac.page.wait_for_selector(".notes-list li >> nth=2")

        obs.page.fill("#observer-name", "Evaluator 1")
        form = obs.page.locator(".objective form").first
        form.locator("input[type=radio][value='4']").check()
        form.locator("textarea").fill("Clear hand-over between police and ambulance service.")
        form.locator("button[type=submit]").click()
        obs.page.wait_for_selector(".my-ratings li")
        _shoot(obs, "observer", shots)

        # every table's decisions as the facilitator saw them (for the report's check)
        decided = {t["id"]: t["decisions"] for t in fac.view()["tables"]}
        assert all(len(d) == rounds for d in decided.values()), decided

        # --- the end: the debrief files are written
        fac.page.click(".controls button[data-action=end]:not([disabled])")
        for p in people:
            p.page.wait_for_selector(".badge.state-ended", timeout=120_000)
        deadline = time.monotonic() + 120
        while not (out / "ratings.csv").exists():
            assert time.monotonic() < deadline, "the end wrote no files"
            time.sleep(0.2)
        time.sleep(0.5)  # the last file is being written
        for p in people:
            p.clean()
    finally:
        for p in people:
            p.context.close()
        server.stop()

    # --- the files
    for table in ("t1", "t2", "t3"):
        report = out / "tables" / table / "report.html"
        assert report.is_file() and report.stat().st_size > 1000
        assert (out / "tables" / table / "session.json").is_file()
    html = (out / "workshop-report.html").read_text(encoding="utf-8")
    # the three tables side by side, each with its own choices (they differ)
    for table in ("t1", "t2", "t3"):
        assert f'id="table-{table}"' in html
        section = unescape(html.split(f'id="table-{table}"')[1].split("</section>")[0])
        aar = unescape((out / "tables" / table / "report.html").read_text(encoding="utf-8"))
        saved = json.loads((out / "tables" / table / "session.json").read_text(encoding="utf-8"))
        assert [d["option"] for d in saved["decisions"]] == [d["option"] for d in decided[table]]
        for d in decided[table]:
            assert d["label"] in section, (table, d["label"])
            assert d["label"] in aar, (table, d["label"])
    choices = {tuple(d["option"] for d in decided[t]) for t in decided}
    assert len(choices) == 3, choices
    assert "Tables 1 and 2 shared the picture early." in html
    assert "Clear hand-over between police and ambulance service." in html
    with open(out / "votes.csv", encoding="utf-8", newline="") as f:
        rows = list(csv.DictReader(f))
    assert len(rows) == sum(cast.values())
    for i, table in enumerate(("t1", "t2", "t3")):
        assert sum(r["table"] == f"Table {i + 1}" for r in rows) == cast[table]
    assert sum(r["justification"] == FIRST_WHY for r in rows) == 1
    assert sum(r["justification"] == WHY["ar"] for r in rows) == cast["t3"]
    for name in SHOTS:
        shot = shots[0] / f"{name}.png"
        assert 1000 < shot.stat().st_size <= MAX_SHOT_BYTES * 1.2, name
