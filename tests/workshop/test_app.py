"""The workshop's web server, as browsers use it (Starlette's test client)."""

from __future__ import annotations

import sqlite3

import pytest

pytest.importorskip("starlette")
pytest.importorskip("httpx")

import warnings  # noqa: E402

with warnings.catch_warnings():  # starlette asks for httpx2; httpx works the same here
    warnings.simplefilter("ignore")
    from starlette.testclient import TestClient

from vtsim.workshop.app import create_app  # noqa: E402
from vtsim.workshop.engine import Workshop  # noqa: E402


@pytest.fixture
def setup(festival, tmp_path):
    w = Workshop(festival, tmp_path / "ws", tables=2, replications=0)
    client = TestClient(create_app(w))
    yield w, client
    client.close()
    w.close()


def fac(w) -> dict:
    return {"X-Vtsim-Token": w.facilitator_token}


def join(w, client: TestClient, table: str = "t1", name: str = "Ana", code: str | None = None):
    body = {
        "code": code or w.join_code,
        "table": table,
        "role": "event-control",
        "name": name,
        "lang": "en",
    }
    return client.post("/api/join", json=body)


def participant_client(w, table: str, name: str) -> TestClient:
    c = TestClient(create_app(w))
    assert join(w, c, table, name).status_code == 200
    return c


def test_facilitator_actions_need_the_token(setup):
    w, client = setup
    assert client.post("/api/facilitator/start").status_code == 401
    wrong = client.post("/api/facilitator/start", headers={"X-Vtsim-Token": "guess"})
    assert wrong.status_code == 403 and "error" in wrong.json()
    # a participant's cookie or the projector's token is not the facilitator's
    join(w, client)
    assert client.post("/api/facilitator/start").status_code == 401
    projector = {"X-Vtsim-Token": w.projector_token}
    assert client.post("/api/facilitator/start", headers=projector).status_code == 403
    assert not w.started
    shell = client.get("/f")  # a reload: the page holds no data, its script has the token
    assert shell.status_code == 200 and w.join_code not in shell.text
    assert client.get("/f?token=nope").status_code == 403
    assert client.get(f"/f?token={w.facilitator_token}").status_code == 200
    assert client.get("/api/view/facilitator").status_code == 401
    ok = client.post("/api/facilitator/start", headers=fac(w))
    assert ok.status_code == 200 and w.started
    again = client.post("/api/facilitator/start", headers=fac(w))
    assert again.status_code == 409 and again.json()["error"]
    assert client.post("/api/facilitator/fly", headers=fac(w)).status_code == 404


def test_join_with_a_wrong_code_is_refused(setup):
    w, client = setup
    reply = join(w, client, code="ZZZZZZ" if w.join_code != "ZZZZZZ" else "YYYYYY")
    assert reply.status_code == 400 and "code" in reply.json()["error"]
    assert "set-cookie" not in reply.headers
    assert client.get("/p", follow_redirects=False).status_code == 303
    assert client.post("/api/join", content=b"{not json").status_code == 400
    ok = join(w, client, code=w.join_code.lower())  # typed in lower case: fine
    assert ok.status_code == 200
    cookie = ok.headers["set-cookie"].lower()
    assert "httponly" in cookie and "samesite=strict" in cookie
    assert client.get("/p").status_code == 200


def test_a_participant_sees_only_their_table(setup):
    w, client = setup
    a = participant_client(w, "t1", "Ana")
    b = participant_client(w, "t2", "Ben")
    client.post("/api/facilitator/start", headers=fac(w))
    client.post("/api/facilitator/advance", headers=fac(w))
    client.post("/api/facilitator/open_vote", headers=fac(w))
    # a vote naming another table still lands at the voter's own table
    assert a.post("/api/vote", json={"option": "verify", "table": "t2"}).status_code == 200
    view = a.get("/api/view/participant").json()
    assert [t["id"] for t in view["tables"]] == ["t1"]
    assert "ground_truth" not in view["tables"][0] and "ballots" not in view["tables"][0]
    assert "join_code" not in view
    assert sum(b.get("/api/view/participant").json()["tables"][0]["tally"].values()) == 0
    assert a.get("/api/view/facilitator").status_code == 401
    assert a.get("/api/view/projector").status_code == 401
    assert a.get("/api/chart/t2/escalate.svg").status_code == 403
    facilitator = client.get("/api/view/facilitator", headers=fac(w)).json()
    assert len(facilitator["tables"]) == 2 and facilitator["tables"][0]["ballots"]
    assert facilitator["join_url"].endswith(f"/?code={w.join_code}")


def test_security_headers_on_every_response(setup):
    w, client = setup
    for reply in (
        client.get("/"),
        client.get(f"/projector?token={w.projector_token}"),
        client.get("/api/view/join"),
        client.post("/api/facilitator/start"),
        client.get("/no-such-page"),
    ):
        csp = reply.headers["content-security-policy"]
        assert "default-src 'self'" in csp and "script-src 'self'" in csp
        assert "unsafe-inline" not in csp
        assert reply.headers["x-content-type-options"] == "nosniff"
        assert reply.headers["referrer-policy"] == "no-referrer"
    assert client.get("/no-such-page").status_code == 404
    assert client.get("/no-such-page").json()["error"]
    page = client.get("/").text
    assert "<script>" not in page  # no inline script (the CSP would block it anyway)


def test_a_vote_is_acknowledged_only_once_it_is_stored(setup):
    w, client = setup
    a = participant_client(w, "t1", "Ana")
    for action in ("start", "advance", "open_vote"):
        assert client.post(f"/api/facilitator/{action}", headers=fac(w)).status_code == 200
    reply = a.post("/api/vote", json={"option": "alert-public", "justification": "Move people."})
    assert reply.status_code == 200
    seq = reply.json()["seq"]
    db = sqlite3.connect(w.outdir / "workshop.sqlite")
    row = db.execute("SELECT action, payload FROM log WHERE seq = ?", (seq,)).fetchone()
    db.close()
    assert row[0] == "vote" and '"alert-public"' in row[1] and "Move people." in row[1]
    again = Workshop.resume(w.outdir)  # and it survives a restart
    assert again.tally(again.tables[0])["alert-public"] == 1
    again.close()


def test_votes_are_rate_limited(festival, tmp_path):
    w = Workshop(festival, tmp_path / "ws", tables=1, replications=0)
    app = create_app(w, vote_limit=5, vote_window_s=10.0)
    with TestClient(app) as a:
        assert join(w, a).status_code == 200
        for action in ("start", "advance", "open_vote"):
            a.post(f"/api/facilitator/{action}", headers=fac(w))
        codes = [a.post("/api/vote", json={"option": "verify"}).status_code for _ in range(6)]
        assert codes == [200] * 5 + [429]
        assert "error" in a.post("/api/vote", json={"option": "verify"}).json()
    w.close()


def test_names_are_escaped(setup):
    w, client = setup
    evil = "<script>alert(1)</script>"
    reply = join(w, client, name=evil)
    assert reply.status_code == 200
    for page in (client.get("/p"), client.get(f"/f?token={w.facilitator_token}")):
        assert evil not in page.text
    view = client.get("/api/view/participant")
    assert view.headers["content-type"].startswith("application/json")
    assert view.json()["me"]["name"] == evil  # data, written by the scripts with textContent
    html = w._write_report({t.id: {"decisions": [], "outcome": None} for t in w.tables})
    text = html.read_text(encoding="utf-8")
    assert evil not in text and "&lt;script&gt;alert(1)&lt;/script&gt;" in text


def test_observer_notes_and_ratings(setup):
    w, client = setup
    obs = {"X-Vtsim-Token": w.observer_token}
    assert client.post("/api/rate", json={"objective": "alerting", "rating": 4}).status_code == 401
    ok = client.post(
        "/api/rate",
        headers=obs,
        json={
            "objective": "alerting",
            "rating": 4,
            "text": "Fast.",
            "table": "t1",
            "observer": "Eva",
        },
    )
    assert ok.status_code == 200
    bad = client.post("/api/rate", headers=obs, json={"objective": "alerting", "rating": 9})
    assert bad.status_code == 400
    assert client.post("/api/note", headers=obs, json={"text": "Seen."}).status_code == 200
    view = client.get("/api/view/observer", headers=obs).json()
    assert view["ratings"][0]["rating"] == 4 and view["objectives"]
    assert w.notes[-1]["author"] == "observer"


def test_events_stream_says_retry_and_the_version(setup):
    w, client = setup
    with client.stream(
        "GET", f"/api/events/projector?since=-1&token={w.projector_token}"
    ) as stream:
        assert stream.headers["content-type"].startswith("text/event-stream")
        lines = []
        for line in stream.iter_lines():
            lines.append(line)
            if line.startswith("data:"):
                break
    assert lines[0] == "retry: 1000"
    assert "event: change" in lines and lines[-1] == f'data: {{"version": {w.version}}}'
    # a browser that saw a later version before a restart is told at once
    with client.stream(
        "GET", f"/api/events/projector?since=999999&token={w.projector_token}"
    ) as stream:
        data = next(line for line in stream.iter_lines() if line.startswith("data:"))
    assert data == f'data: {{"version": {w.version}}}'
    assert client.get("/api/events/projector").status_code == 401


def test_the_command_explains_mistakes_in_one_paragraph(festival, tmp_path):
    from click.testing import CliRunner

    from vtsim.cli import main

    w = Workshop(festival, tmp_path / "ws", tables=1, replications=0)
    w.close()
    runner = CliRunner()
    again = runner.invoke(main, ["workshop", "harbour-festival", "-o", str(tmp_path / "ws")])
    assert again.exit_code == 2 and "--resume" in again.output
    assert "Traceback" not in again.output
    missing = runner.invoke(main, ["workshop", "--resume", str(tmp_path / "none")])
    assert missing.exit_code == 2 and "Traceback" not in missing.output
    assert "workshop" in runner.invoke(main, ["--help"]).output


def test_wrong_join_codes_are_rate_limited_per_address(festival, tmp_path):
    """A 6-character code cannot be guessed by trying: past the limit of wrong codes from
    one address, every join from there is refused (429), even with the right code, until
    the window has passed; right codes alone are never limited (a venue behind one NAT)."""
    w = Workshop(festival, tmp_path / "ws", tables=1, replications=0)
    app = create_app(w, join_failures_limit=3, join_failures_window_s=60.0)
    with TestClient(app) as a:
        for k in range(6):  # many right joins from one address: all admitted
            assert join(w, a, name=f"P{k}").status_code == 200
        codes = [join(w, a, code="WRONG1").status_code for _ in range(4)]
        assert codes == [400, 400, 400, 429]
        refused = join(w, a, name="Late")  # the right code, but this address is blocked
        assert refused.status_code == 429 and "wrong join codes" in refused.json()["error"]
    w.close()
