"""60 participants voting at once in a `vtsim workshop` over 127.0.0.1 (issue 15 item 7).

Starts the real command (``python -m vtsim workshop SCENARIO --tables T -n N``) in a
subprocess on a free port of 127.0.0.1, with a watchdog that kills it after ``--timeout``
seconds whatever happens (the script is bounded and stops the server itself at the end).
Then, over HTTP as the browsers do:

1. ``--participants`` people join (``POST /api/join``), spread over the tables, one agency
   role each;
2. the facilitator starts and advances to the first decision point and opens the vote;
3. a projector client listens to the server-sent events (``/api/events/projector``) and
   fetches ``/api/view/projector`` on each change (as projector.js does: one fetch at a
   time, a change during a fetch triggers one more);
4. every participant votes at the same moment (asyncio + httpx, one connection each), the
   tables for different options;
5. the facilitator closes the vote and reveals the consequences over N storylines.

Reported: votes sent, acknowledged (HTTP 200), stored (vote actions in the SQLite log,
ballots on the facilitator's view, the projector's final tallies), lost (acknowledged but
not stored: must be 0); the time from a vote's send to its acknowledgement, and to the
projector's tally showing it (50th and 95th percentiles; a vote is shown when its table's
tally on a projector view reaches the vote's rank in the log, so the figure is exact); the
time from "reveal" to the consequences being in the projector's view and to the first
chart (SVG) fetched. The machine's CPU count and load average are printed: wall times
move with other work on the machine.

    python benchmarks/workshop_load.py                       # 60 people, 4 tables, -n 200
    python benchmarks/workshop_load.py --participants 60 --tables 5 -n 200 --json load.json
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import re
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _percentile(values: list[float], q: float) -> float:
    """The q-th percentile (0-100), linear between the closest ranks."""
    if not values:
        return float("nan")
    xs = sorted(values)
    k = (len(xs) - 1) * q / 100
    lo, hi = int(k), min(int(k) + 1, len(xs) - 1)
    return xs[lo] + (xs[hi] - xs[lo]) * (k - lo)


class Server:
    """The workshop command in a subprocess, killed by a watchdog after ``timeout`` s."""

    def __init__(self, scenario: str, tables: int, replications: int, out: Path, timeout: float):
        self.port = _free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.out = out
        self.log = out.parent / "server.log"
        env = dict(os.environ, PYTHONUNBUFFERED="1")
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))
        args = [
            sys.executable,
            "-m",
            "vtsim",
            "workshop",
            scenario,
            "--tables",
            str(tables),
            "-o",
            str(out),
            "--port",
            str(self.port),
            "-n",
            str(replications),
            "--no-progress",
        ]
        with open(self.log, "w", encoding="utf-8") as sink:
            self.proc = subprocess.Popen(args, stdout=sink, stderr=subprocess.STDOUT, env=env)
        self.watchdog = threading.Timer(timeout, self.kill)
        self.watchdog.daemon = True
        self.watchdog.start()

    def wait_up(self) -> dict:
        """The tokens and join code the command printed, once the server answers."""
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise SystemExit("the workshop command stopped:\n" + self.log.read_text())
            try:
                if httpx.get(self.base + "/", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            time.sleep(0.1)
        else:
            raise SystemExit("the workshop server did not answer:\n" + self.log.read_text())
        text = self.log.read_text(encoding="utf-8")
        found = {
            "facilitator": re.search(r"/f\?token=(\S+)", text),
            "projector": re.search(r"/projector\?token=(\S+)", text),
            "code": re.search(r"/\?code=([A-Z0-9]+)", text),
        }
        if not all(found.values()):
            raise SystemExit("no links in the command's output:\n" + text)
        return {k: v.group(1) for k, v in found.items()}

    def kill(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()

    def stop(self) -> None:
        self.watchdog.cancel()
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGINT)
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(10)


class Projector:
    """A projector: SSE changes -> one view fetch at a time, every view recorded."""

    def __init__(self, base: str, token: str):
        self.base, self.token = base, token
        self.client = httpx.AsyncClient(base_url=base, timeout=60)
        self.views: list[tuple[float, dict]] = []  # (perf_counter when received, view)
        self.changed = asyncio.Event()
        self.seen = asyncio.Event()  # set after each fetched view
        self.version = -1

    async def listen(self) -> None:
        url = f"/api/events/projector?since={self.version}&token={self.token}"
        async with self.client.stream("GET", url, timeout=None) as reply:
            async for line in reply.aiter_lines():
                if line.startswith("data:"):
                    version = json.loads(line[5:]).get("version", 0)
                    if version != self.version:
                        self.changed.set()

    async def fetch_loop(self) -> None:
        while True:
            await self.changed.wait()
            self.changed.clear()
            reply = await self.client.get(
                "/api/view/projector", headers={"X-Vtsim-Token": self.token}
            )
            view = reply.json()
            self.version = view["version"]
            self.views.append((time.perf_counter(), view))
            self.seen.set()

    async def until(self, test, timeout: float) -> tuple[float, dict]:
        """The first view (time, view) from now on for which ``test(view)`` is true."""
        start = len(self.views)
        deadline = time.monotonic() + timeout
        while True:
            for t, view in self.views[start:]:
                if test(view):
                    return t, view
            start = len(self.views)
            self.seen.clear()
            left = deadline - time.monotonic()
            if left <= 0:
                raise TimeoutError("the projector never showed it")
            try:
                await asyncio.wait_for(self.seen.wait(), left)
            except asyncio.TimeoutError:
                pass


async def run(args, server: Server, links: dict) -> dict:
    fac_headers = {"X-Vtsim-Token": links["facilitator"]}
    limits = httpx.Limits(max_connections=args.participants + 10, max_keepalive_connections=None)
    async with httpx.AsyncClient(base_url=server.base, timeout=60, limits=limits) as client:

        async def facilitator(action: str, body: dict | None = None) -> dict:
            reply = await client.post(
                f"/api/facilitator/{action}", json=body or {}, headers=fac_headers
            )
            reply.raise_for_status()
            return reply.json()

        async def fac_view() -> dict:
            return (await client.get("/api/view/facilitator", headers=fac_headers)).json()

        # -- 1. joining
        roles = (await client.get("/api/view/join")).json()["roles"]
        tables = [f"t{i + 1}" for i in range(args.tables)]
        people = []
        t0 = time.perf_counter()
        for i in range(args.participants):
            table = tables[i % len(tables)]
            body = {
                "code": links["code"],
                "table": table,
                "role": roles[(i // len(tables)) % len(roles)]["id"],
                "name": f"Participant {i + 1}",
                "lang": ("en", "fr", "ar")[i % 3],
            }
            reply = await client.post("/api/join", json=body)
            reply.raise_for_status()
            people.append({"token": reply.json()["token"], "table": table})
        join_s = time.perf_counter() - t0

        # -- 2. to the first decision point, the vote opens
        await facilitator("start")
        for _ in range(100):
            view = await fac_view()
            if all(t["stop"] and t["stop"]["kind"] == "decision" for t in view["tables"]):
                break
            await facilitator("advance")
        else:
            raise SystemExit("no decision point reached")
        options = {
            t["id"]: [o["id"] for o in t["stop"]["decision"]["options"]] for t in view["tables"]
        }

        # -- 3. the projector listens
        projector = Projector(server.base, links["projector"])
        tasks = [
            asyncio.create_task(projector.listen()),
            asyncio.create_task(projector.fetch_loop()),
        ]
        await facilitator("open_vote")
        await projector.until(lambda v: v["state"] == "voting", 30)

        # -- 4. everyone votes at once
        start_gun = asyncio.Event()

        async def vote(i: int, person: dict) -> dict:
            opts = options[person["table"]]
            option = opts[(int(person["table"][1:]) + (i % 5 == 0)) % len(opts)]
            headers = {"Cookie": f"vtsim_participant={person['token']}"}
            await start_gun.wait()
            sent = time.perf_counter()
            try:
                reply = await client.post(
                    "/api/vote",
                    json={"option": option, "justification": f"Reason {i + 1}: load test."},
                    headers=headers,
                )
                status, data = reply.status_code, reply.json()
            except httpx.HTTPError as error:
                status, data = 0, {"error": str(error)}
            return {
                "i": i,
                "table": person["table"],
                "sent": sent,
                "acked": time.perf_counter(),
                "status": status,
                "seq": data.get("seq"),
                "error": data.get("error"),
            }

        voters = [asyncio.create_task(vote(i, p)) for i, p in enumerate(people)]
        await asyncio.sleep(0.2)  # every voter waits at the start
        burst = time.perf_counter()
        start_gun.set()
        votes = await asyncio.gather(*voters)
        burst_s = time.perf_counter() - burst
        acked = [v for v in votes if v["status"] == 200 and v["seq"] is not None]

        def tallies(view: dict) -> dict:
            return {t["id"]: sum((t.get("tally") or {}).values()) for t in view["tables"]}

        try:
            await projector.until(lambda v: sum(tallies(v).values()) >= len(acked), 60)
        except TimeoutError:
            pass
        # a vote is shown when its table's tally reaches its rank in the log
        shown_s = []
        for table in tables:
            mine = sorted((v for v in acked if v["table"] == table), key=lambda v: v["seq"])
            for rank, v in enumerate(mine, 1):
                when = next(
                    (
                        t
                        for t, view in projector.views
                        if tallies(view).get(table, 0) >= rank and t >= v["sent"]
                    ),
                    None,
                )
                if when is not None:
                    shown_s.append(when - v["sent"])
        final_projector = tallies(projector.views[-1][1]) if projector.views else {}

        # stored: the SQLite log (read-only, alongside the server) and the facilitator's view
        db = server.out / "workshop.sqlite"
        with sqlite3.connect(f"file:{db}?mode=ro", uri=True) as con:
            stored_seqs = {
                row[0] for row in con.execute("SELECT seq FROM log WHERE action = 'vote'")
            }
        ballots = sum(len(t["ballots"]) for t in (await fac_view())["tables"])
        lost = [v for v in acked if v["seq"] not in stored_seqs]

        # -- 5. close the vote, reveal over N storylines
        await facilitator("close_vote")
        reveal_at = time.perf_counter()
        await facilitator("reveal")
        t_cons, cons_view = await projector.until(
            lambda v: (
                v["state"] == "revealing"
                and not v["progress"]
                and len(v["consequences"]) == len(tables)
            ),
            args.timeout,
        )
        chart = cons_view["consequences"][0]["chart"]
        reply = await projector.client.get(chart, headers={"X-Vtsim-Token": links["projector"]})
        reply.raise_for_status()
        t_chart = time.perf_counter()
        distinct = len({t["decided"] for t in cons_view["tables"]})

        for task in tasks:
            task.cancel()
        await projector.client.aclose()

    ack_s = [v["acked"] - v["sent"] for v in acked]
    return {
        "participants": args.participants,
        "tables": args.tables,
        "storylines": args.replications,
        "join_s": round(join_s, 3),
        "votes_sent": len(votes),
        "votes_acknowledged": len(acked),
        "votes_refused": [v["error"] for v in votes if v["status"] != 200],
        "votes_stored_sqlite": len(stored_seqs),
        "ballots_on_facilitator_view": ballots,
        "projector_final_tally": sum(final_projector.values()),
        "votes_lost": len(lost),
        "burst_s": round(burst_s, 3),
        "ack_p50_s": round(_percentile(ack_s, 50), 4),
        "ack_p95_s": round(_percentile(ack_s, 95), 4),
        "to_projector_n": len(shown_s),
        "to_projector_p50_s": round(_percentile(shown_s, 50), 4),
        "to_projector_p95_s": round(_percentile(shown_s, 95), 4),
        "to_projector_max_s": round(max(shown_s), 4) if shown_s else None,
        "projector_views_fetched": len(projector.views),
        "reveal_distinct_choices": distinct,
        "reveal_to_consequences_s": round(t_cons - reveal_at, 3),
        "reveal_to_chart_s": round(t_chart - reveal_at, 3),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("scenario", nargs="?", default="harbour-festival")
    parser.add_argument("--participants", type=int, default=60)
    parser.add_argument("--tables", type=int, default=4, help="tables (3-5 in the issue)")
    parser.add_argument(
        "-n", "--replications", type=int, default=200, help="storylines of the reveal"
    )
    parser.add_argument(
        "--timeout", type=float, default=600, help="the server is killed after this many s"
    )
    parser.add_argument("--json", type=Path, default=None, help="also write the results here")
    parser.add_argument("--keep", action="store_true", help="keep the workshop's folder")
    args = parser.parse_args()

    print(f"machine: {os.cpu_count()} CPUs, load average before {os.getloadavg()[0]:.2f}")
    folder = Path(tempfile.mkdtemp(prefix="vtsim-workshop-load-"))
    server = Server(
        args.scenario, args.tables, args.replications, folder / "workshop", args.timeout
    )
    try:
        links = server.wait_up()
        result = asyncio.run(asyncio.wait_for(run(args, server, links), args.timeout))
    finally:
        server.stop()
        if args.keep:
            print(f"workshop folder kept: {folder}")
        else:
            shutil.rmtree(folder, ignore_errors=True)

    rows = [
        ("participants / tables", f"{result['participants']} / {result['tables']}"),
        ("votes sent", result["votes_sent"]),
        ("votes acknowledged", result["votes_acknowledged"]),
        ("votes stored (SQLite log)", result["votes_stored_sqlite"]),
        ("ballots on the facilitator's view", result["ballots_on_facilitator_view"]),
        ("votes on the projector's tallies", result["projector_final_tally"]),
        ("votes lost", result["votes_lost"]),
        ("all votes answered in (s)", f"{result['burst_s']:.3f}"),
        (
            "send -> acknowledged p50 / p95 (s)",
            f"{result['ack_p50_s']:.3f} / {result['ack_p95_s']:.3f}",
        ),
        (
            "send -> projector tally p50 / p95 (s)",
            f"{result['to_projector_p50_s']:.3f} / {result['to_projector_p95_s']:.3f}",
        ),
        ("projector views fetched", result["projector_views_fetched"]),
        (
            f"reveal -> consequences, {result['storylines']} storylines (s)",
            f"{result['reveal_to_consequences_s']:.2f}",
        ),
        ("reveal -> first chart fetched (s)", f"{result['reveal_to_chart_s']:.2f}"),
        ("different choices revealed", result["reveal_distinct_choices"]),
    ]
    width = max(len(k) for k, _ in rows)
    for key, value in rows:
        print(f"{key:<{width}}  {value}")
    if result["votes_refused"]:
        print("refused:", result["votes_refused"])
    print(f"load average after {os.getloadavg()[0]:.2f}")
    if args.json:
        args.json.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
        print(f"written: {args.json}")
    if result["votes_lost"]:
        raise SystemExit(1)


if __name__ == "__main__":
    main()
