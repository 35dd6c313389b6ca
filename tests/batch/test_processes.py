"""Processes of `vtsim batch` (issue 17, item 4): workers die with their parent, Ctrl-C
keeps finished chunks and exits cleanly, a LocalCluster started by vtsim admits no one
without its credentials."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

SLOWER = """\
name: slower
scenario: harbour-festival
seed: 5
replications: 60
packages: [baseline, screening]
design: {kind: full_factorial}
factors:
  - id: police_speed_scale
    path: agencies.police-dispatch.speed_kmh
    op: scale
    values: [0.5, 0.8, 1.1, 1.5]
outcomes: [casualties_total]
"""


def _start(tmp_path: Path, *extra: str) -> tuple[subprocess.Popen, Path]:
    sweep = tmp_path / "slower.yaml"
    sweep.write_text(SLOWER, encoding="utf-8")
    out = tmp_path / "out"
    env = {**os.environ, "PYTHONPATH": str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", "")}
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "vtsim",
            "batch",
            str(sweep),
            "-o",
            str(out),
            "-j",
            "2",
            "--chunk-size",
            "20",
            "--no-figures",
            "--no-progress",
            *extra,
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
        cwd=tmp_path,
    )
    return proc, out


def _children(pid: int) -> set[int]:
    """Every descendant of ``pid`` (psutil if installed, else /proc)."""
    try:
        import psutil
    except ImportError:
        found, todo = set(), [pid]
        while todo:
            parent = todo.pop()
            for entry in Path("/proc").iterdir():
                if not entry.name.isdigit():
                    continue
                try:
                    stat = (entry / "stat").read_text()
                except OSError:
                    continue
                ppid = int(stat.rsplit(")", 1)[1].split()[1])
                if ppid == parent and int(entry.name) not in found:
                    found.add(int(entry.name))
                    todo.append(int(entry.name))
        return found
    try:
        return {c.pid for c in psutil.Process(pid).children(recursive=True)}
    except psutil.NoSuchProcess:
        return set()


def _alive(pid: int) -> bool:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] != "Z"  # a zombie has exited


def _wait_for(condition, timeout: float) -> bool:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if condition():
            return True
        time.sleep(0.05)
    return False


def _chunks(out: Path) -> list[Path]:
    return sorted((out / "chunks").glob("chunk-*")) if (out / "chunks").is_dir() else []


@pytest.mark.slow
@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")
def test_sigkill_of_the_parent_leaves_no_worker(tmp_path):
    proc, out = _start(tmp_path)
    try:
        assert _wait_for(lambda: len(_children(proc.pid)) >= 2, 60), "no workers started"
        assert _wait_for(lambda: _chunks(out), 60) or proc.poll() is None
        workers = _children(proc.pid)
        proc.send_signal(signal.SIGKILL)
        proc.wait(10)
        time.sleep(5)
        left = [pid for pid in workers if _alive(pid)]
        assert not left, f"processes left behind: {left}"
    finally:
        if proc.poll() is None:
            proc.kill()
        proc.communicate()


@pytest.mark.slow
def test_ctrl_c_keeps_finished_chunks_and_exits_130(tmp_path):
    proc, out = _start(tmp_path)
    try:
        assert _wait_for(lambda: len(_chunks(out)) >= 1, 120), "no chunk written"
        proc.send_signal(signal.SIGINT)
        _, stderr = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 130, stderr
    assert "Traceback" not in stderr
    assert "Interrupted" in stderr and "--resume" in stderr
    kept = _chunks(out)
    assert kept
    assert not [p for p in (out / "chunks").iterdir() if p.name.endswith(".tmp")]
    # the kept chunks are used: the resumed run finishes the rest
    proc, _ = _start(tmp_path, "--resume")
    _, stderr = proc.communicate(timeout=300)
    assert proc.returncode == 0, stderr


@pytest.mark.slow
def test_local_cluster_refuses_clients_without_its_credentials():
    distributed = pytest.importorskip("distributed")
    pytest.importorskip("cryptography")
    from vtsim.analysis.dask_executor import DaskExecutor
    from vtsim.analysis.executors import Task
    from vtsim.scenario.loader import load_scenario

    executor = DaskExecutor(workers=1)
    try:
        scenario = load_scenario("harbour-festival")
        rows = list(executor.run({"baseline": scenario}, 1, [Task("baseline", 0, 1)]))
        assert len(rows) == 1
        address = executor.address
        assert address.startswith("tls://")
        # no dashboard, nor any other HTTP endpoint (and not on 8787)
        import urllib.error
        import urllib.request

        server = executor._cluster.scheduler.http_server
        ports = {sock.getsockname()[1] for sock in server._sockets.values()}
        assert ports and 8787 not in ports
        for port in ports:
            for route in ("/health", "/status", "/info/main/workers.html", "/json/identity.json"):
                with pytest.raises(urllib.error.HTTPError) as err:
                    urllib.request.urlopen(f"http://127.0.0.1:{port}{route}", timeout=5)
                assert err.value.code == 404
        for attempt in (address, address.replace("tls://", "tcp://")):
            with pytest.raises(Exception):  # noqa: B017 - any refusal will do
                client = distributed.Client(attempt, timeout=3)
                try:
                    client.run(os.getpid)
                finally:
                    client.close()
    finally:
        executor.close()


@pytest.mark.slow
def test_a_tls_scheduler_is_reached_with_certificate_files(tmp_path):
    pytest.importorskip("distributed")
    pytest.importorskip("cryptography")
    from distributed import LocalCluster
    from distributed.security import Security

    from vtsim.analysis.dask_executor import DaskExecutor
    from vtsim.analysis.executors import Task
    from vtsim.scenario.loader import load_scenario

    security = Security.temporary()  # its attributes hold the PEM texts
    files = {}
    for key, text in (
        ("ca_file", security.tls_ca_file),
        ("cert", security.tls_client_cert),
        ("key", security.tls_client_key),
    ):
        files[key] = str(tmp_path / f"{key}.pem")
        Path(files[key]).write_text(text)
    cluster = LocalCluster(
        n_workers=1,
        threads_per_worker=1,
        processes=False,
        protocol="tls://",
        security=security,
        dashboard_address=None,
    )
    executor = DaskExecutor(scheduler=cluster.scheduler_address, tls=files)
    try:
        scenario = load_scenario("harbour-festival")
        [(task, rows)] = executor.run({"baseline": scenario}, 1, [Task("baseline", 0, 2)])
        assert len(rows) == 2
    finally:
        executor.close()
        cluster.close()
