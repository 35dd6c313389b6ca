"""Executors give the same rows bit for bit; a killed run resumes to the same table."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time

import pandas as pd
import pytest
from click.testing import CliRunner

import vtsim
from vtsim.analysis.dask_executor import DaskExecutor
from vtsim.analysis.executors import Check, SerialExecutor
from vtsim.batch.analysis import BatchResults
from vtsim.batch.runner import run_sweep
from vtsim.cli import main
from vtsim.errors import VtsimError


def _run(tiny_sweep, folder, **kw):
    return run_sweep(tiny_sweep, folder, progress=False, chunk=4, **kw).frame


@pytest.mark.slow
def test_serial_pool_and_dask_give_identical_tables(tiny_sweep, tmp_path):
    serial = _run(tiny_sweep, tmp_path / "serial", jobs=1)
    pool = _run(tiny_sweep, tmp_path / "pool", jobs=2)
    dask = _run(tiny_sweep, tmp_path / "dask", dask_local=2)
    assert len(serial) == 4 * 2 * 3
    assert list(serial.columns[:5]) == [
        "point",
        "package",
        "replication",
        "police_speed_scale",
        "screening_p_detect",
    ]
    pd.testing.assert_frame_equal(serial, pool)
    pd.testing.assert_frame_equal(serial, dask)


@pytest.mark.slow
def test_vtsim_run_on_dask_equals_serial():
    serial = vtsim.run("harbour-festival", replications=12, seed=5, progress=False)
    with DaskExecutor(workers=2) as executor:
        dask = vtsim.run(
            "harbour-festival", replications=12, seed=5, progress=False, executor=executor
        )
    pd.testing.assert_frame_equal(serial.frame, dask.frame)


class _Crash(SerialExecutor):
    """Dies (like a killed process) after ``after`` chunks of rows (the sweep's check of
    its points, which writes nothing, goes through first)."""

    def __init__(self, after: int):
        self.after = after

    def run(self, variants, seed, tasks, threat=None):
        written = 0
        for task, rows in super().run(variants, seed, tasks, threat):
            if not isinstance(task, Check):
                if written == self.after:
                    raise KeyboardInterrupt
                written += 1
            yield task, rows


@pytest.mark.slow
def test_crash_then_resume_gives_the_uninterrupted_table(tiny_sweep, tmp_path):
    whole = _run(tiny_sweep, tmp_path / "whole", jobs=1)
    folder = tmp_path / "crashed"
    with pytest.raises(KeyboardInterrupt):
        _run(tiny_sweep, folder, executor=_Crash(after=2))
    partial = BatchResults.load(folder)
    assert not partial.complete and 0 < len(partial.frame) < len(whole)
    with pytest.raises(VtsimError, match="--resume"):
        _run(tiny_sweep, folder, jobs=1)
    resumed = _run(tiny_sweep, folder, jobs=2, resume=True)
    pd.testing.assert_frame_equal(whole, resumed)
    assert BatchResults.load(folder).complete


@pytest.mark.slow
def test_resume_refuses_a_changed_sweep(tiny_sweep, tmp_path):
    folder = tmp_path / "out"
    _run(tiny_sweep, folder, jobs=1)
    with pytest.raises(VtsimError, match="changed: seed 11 -> 99"):
        _run(tiny_sweep, folder, jobs=1, resume=True, seed=99)


@pytest.mark.slow
def test_kill_the_cli_and_resume(tiny_sweep, tmp_path):
    """SIGKILL a real `vtsim batch` once a chunk file exists, then --resume."""
    whole = _run(tiny_sweep, tmp_path / "whole", jobs=1, replications=12)
    folder = tmp_path / "killed"
    batch = ["batch", str(tiny_sweep), "-o", str(folder), "-j", "1", "-n", "12"]
    batch += ["--chunk-size", "4", "--no-figures"]
    command = [sys.executable, "-c", "from vtsim.cli import main; main()", *batch, "--no-progress"]
    proc = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and proc.poll() is None:
        if len(list((folder / "chunks").glob("chunk-*.parquet"))) >= 2:
            os.kill(proc.pid, signal.SIGKILL)
            break
        time.sleep(0.02)
    proc.wait(timeout=60)
    manifest = json.loads((folder / "manifest.json").read_text())
    killed = manifest["complete"] is False
    result = CliRunner().invoke(main, [*batch, "--resume"])
    assert result.exit_code == 0, result.output
    pd.testing.assert_frame_equal(whole, BatchResults.load(folder).frame)
    assert killed and proc.returncode == -signal.SIGKILL


@pytest.mark.slow
def test_cli_on_a_running_dask_scheduler(tiny_sweep, tmp_path):
    """`--scheduler tcp://...`: connect to a cluster someone else started (loopback)."""
    from distributed import LocalCluster

    serial = _run(tiny_sweep, tmp_path / "serial", jobs=1)
    with LocalCluster(
        n_workers=1,
        threads_per_worker=1,
        processes=True,
        host="127.0.0.1",
        dashboard_address=None,
    ) as cluster:
        out = tmp_path / "remote"
        result = CliRunner().invoke(
            main,
            [
                "batch",
                str(tiny_sweep),
                "-o",
                str(out),
                "--scheduler",
                cluster.scheduler_address,
                "--chunk-size",
                "4",
                "--no-figures",
            ],
        )
    assert result.exit_code == 0, result.output
    pd.testing.assert_frame_equal(serial, BatchResults.load(out).frame)


@pytest.mark.slow
def test_unreachable_scheduler_is_a_clear_error(tiny_sweep, tmp_path):
    executor = DaskExecutor(scheduler="tcp://127.0.0.1:9")
    executor._connect_timeout = "1s"
    with pytest.raises(VtsimError, match="cannot reach the Dask scheduler"):
        run_sweep(tiny_sweep, tmp_path / "out", executor=executor, progress=False)


_START_METHODS = """
import sys, threading
import pandas as pd
import vtsim
from vtsim.analysis.executors import PoolExecutor

if __name__ == "__main__":
    serial = vtsim.run("harbour-festival", replications=12, seed=4, progress=False).frame
    quiet = PoolExecutor(2)  # no other thread in this process: workers are forked
    forked = vtsim.run("harbour-festival", replications=12, seed=4, executor=quiet,
                       progress=False).frame
    reused = vtsim.run("harbour-festival", replications=12, seed=4, executor=quiet,
                       progress=False).frame  # the same executor again: new workers
    stop = threading.Event()
    thread = threading.Thread(target=stop.wait)
    thread.start()  # a thread running, as in a notebook: the forkserver instead
    busy = PoolExecutor(2)
    served = vtsim.run("harbour-festival", replications=12, seed=4, executor=busy,
                       progress=False).frame
    stop.set()
    thread.join()
    pd.testing.assert_frame_equal(serial, forked)
    pd.testing.assert_frame_equal(serial, reused)
    pd.testing.assert_frame_equal(serial, served)
    quiet.close()
    busy.close()
    print(quiet.start_method, busy.start_method)
"""


@pytest.mark.slow
@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="fork is used on Linux only")
def test_pool_forks_only_when_single_threaded_and_results_do_not_change(tmp_path):
    script = tmp_path / "start_methods.py"
    script.write_text(_START_METHODS)
    done = subprocess.run(
        [sys.executable, str(script)], capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["fork", "forkserver"]
