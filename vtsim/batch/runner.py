"""Running a sweep: chunks of (points x packages x replications) on any executor,
each finished chunk written atomically to its own file, resumable after a crash.

Output folder::

    manifest.json        the sweep, the resolved base scenario, seed, versions, the plan;
                         written first (``complete: false``) and again at the end
    design.csv           one row per point: the factor values
    chunks/chunk-000012.parquet (or .csv)
                         rows of one chunk: point, package, replication, factor values,
                         threat, ended_by, metrics

The chunk plan depends only on the sweep (never on the executor or the number of
workers), and every row is a pure function of (variant, seed, replication), so a
resumed run, a pool run and a Dask run produce the same table, bit for bit.
"""

from __future__ import annotations

import itertools
import json
import sys
from collections.abc import Iterator
from datetime import datetime, timezone
from pathlib import Path

import pandas as pd

from vtsim.analysis.executors import (
    WORKER_MODULES,
    Batch,
    Check,
    Task,
    make_executor,
    start_executor,
)
from vtsim.batch.sweep import (
    FRONT,
    Sweep,
    Variants,
    design_table,
    fingerprint,
    load_sweep,
    package_overrides,
    packages_of,
)
from vtsim.errors import VtsimError
from vtsim.io import atomic_path, clean_for_json, write_json
from vtsim.scenario.schema import Scenario

DEFAULT_CHUNK = 400
"""Largest default chunk, in replications (all packages together)."""

SWEEP_WORKER_MODULES = (*WORKER_MODULES, "vtsim.batch.sweep")
"""What a worker of a sweep imports before its first task: the simulation and the module
of the sweep's lazy variants (pass it as ``preload`` to an executor of your own)."""


def auto_chunk(total: int) -> int:
    """Default replications per chunk: about 16 chunks for a small sweep (so two to eight
    workers stay balanced), up to ``DEFAULT_CHUNK`` for a large one, and at least 50 so
    the cost of a task and its file (~10 ms) stays small beside the simulation. Depends
    only on the sweep's size, never on the workers, so a resumed run finds its chunks."""
    return int(min(DEFAULT_CHUNK, max(50, total // 16)))


def plan_chunks(
    n_points: int, packages: list[str], replications: int, chunk: int = DEFAULT_CHUNK
) -> list[Batch]:
    """Chunks in point order; each holds every package for its replications (so any
    finished chunk has paired rows). A point with many replications is split into
    replication blocks; points with few are grouped."""
    return list(iter_chunks(n_points, packages, replications, chunk))


def iter_chunks(
    n_points: int, packages: list[str], replications: int, chunk: int = DEFAULT_CHUNK
) -> Iterator[Batch]:
    """:func:`plan_chunks`, made as they are taken: however many replications, only the
    chunks in flight are held (:func:`count_chunks` says how many there are)."""
    per_point = replications * len(packages)
    n = 0
    if per_point >= chunk:
        block = max(1, chunk // len(packages))
        for point in range(n_points):
            for start in range(0, replications, block):
                stop = min(replications, start + block)
                tasks = tuple(Task(Variants.key(point, p), start, stop) for p in packages)
                yield Batch(n, tasks)
                n += 1
    else:
        group = max(1, chunk // per_point)
        for first in range(0, n_points, group):
            tasks = tuple(
                Task(Variants.key(point, p), 0, replications)
                for point in range(first, min(n_points, first + group))
                for p in packages
            )
            yield Batch(n, tasks)
            n += 1


def count_chunks(n_points: int, packages: list[str], replications: int, chunk: int) -> int:
    """How many chunks :func:`iter_chunks` makes (without making them)."""
    per_point = replications * len(packages)
    if per_point >= chunk:
        block = max(1, chunk // len(packages))
        return n_points * -(-replications // block)
    group = max(1, chunk // per_point)
    return -(-n_points // group)


def chunk_path(folder: Path, batch_id: int, fmt: str) -> Path:
    return folder / "chunks" / f"chunk-{batch_id:06d}.{fmt}"


def _rows_frame(rows: list[dict], design: pd.DataFrame, variants=None) -> pd.DataFrame:
    frame = pd.DataFrame.from_records(rows)
    split = frame.pop("variant").str.split("/", n=1, expand=True)
    frame.insert(0, "point", split[0].astype("int64"))
    frame.insert(1, "package", split[1])
    factors = design.loc[frame["point"]].reset_index(drop=True)
    overrides = variants.overrides() if variants is not None else {}
    for package in overrides:  # the values that package actually simulated
        mine = frame["package"] == package
        for point in frame.loc[mine, "point"].unique():
            at = mine & (frame["point"] == point)
            for fid, value in variants.simulated(int(point), package).items():
                factors.loc[at.to_numpy(), fid] = value
    rest = [c for c in frame.columns if c not in FRONT]
    return pd.concat([frame[list(FRONT)], factors, frame[rest]], axis=1)


def _write_chunk(frame: pd.DataFrame, path: Path, fmt: str) -> None:
    with atomic_path(path) as tmp:
        if fmt == "parquet":
            frame.to_parquet(tmp, index=False, engine="pyarrow")
        else:
            frame.to_csv(tmp, index=False)


def _manifest(sweep, base, design, source, seed, replications, packages, n_chunks, fmt, chunk):
    from vtsim.report.output import versions

    return {
        "kind": "vtsim-batch",
        "created": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "command": " ".join(["vtsim", *sys.argv[1:]]),
        "sweep_file": str(source) if source else None,
        "fingerprint": fingerprint(sweep, base),
        "seed": seed,
        "replications": replications,
        "packages": packages,
        "points": len(design),
        "chunks": n_chunks,
        "chunk_size": chunk,
        "format": fmt,
        "complete": False,
        "versions": versions(),
        "sweep": sweep.model_dump(mode="json"),
        "scenario": base.model_dump(mode="json"),
        "variants": "each variant = scenario + the point's factor effects (design.csv), "
        "then the package's measures",
        "overridden": package_overrides(sweep, base),
    }


def _check_resume(folder: Path, manifest: dict) -> None:
    try:
        old = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise VtsimError(
            f"{folder}: cannot resume: its manifest.json cannot be read ({exc}); use a new "
            "output folder, or --force to start again there."
        ) from None
    changes = []
    for key in ("seed", "replications", "packages", "chunk_size", "format"):
        if old.get(key) != manifest[key]:
            changes.append(f"{key} {_short(old.get(key))} -> {_short(manifest[key])}")
    if old.get("fingerprint") != manifest["fingerprint"]:
        found = _differences(old.get("sweep"), manifest["sweep"], "sweep")
        found += _differences(old.get("scenario"), manifest["scenario"], "scenario")
        changes += found or ["the sweep or its scenario (details not recorded)"]
    if changes:
        shown = changes[:8] + ([f"and {len(changes) - 8} more"] if len(changes) > 8 else [])
        raise VtsimError(
            f"{folder}: cannot resume: the run there was made with other settings; changed: "
            + "; ".join(shown)
            + ". Undo the change to resume, or use a new output folder (or --force to start "
            "again there)."
        )


def _short(value, width: int = 60) -> str:
    text = json.dumps(value, default=str)
    return text if len(text) <= width else text[: width - 3] + "..."


def _differences(old, new, where: str, limit: int = 20) -> list[str]:
    """Paths where two JSON trees differ (``where.key.0``: old -> new)."""
    out: list[str] = []

    def walk(a, b, path):
        if len(out) >= limit or a == b:
            return
        if isinstance(a, dict) and isinstance(b, dict):
            for k in list(dict.fromkeys([*a, *b])):
                walk(a.get(k), b.get(k), f"{path}.{k}")
        elif isinstance(a, list) and isinstance(b, list) and len(a) == len(b):
            for i, (x, y) in enumerate(zip(a, b)):
                walk(x, y, f"{path}.{i}")
        else:
            out.append(f"{path} {_short(a)} -> {_short(b)}")

    walk(old, new, where)
    return out


def _prepare(sweep, base, output, resume, replications, seed, chunk, fmt, force=False):
    """Load and check everything, write the manifest and design: what a run needs."""
    source = None
    if not isinstance(sweep, Sweep):
        source = Path(sweep)
        sweep, base = load_sweep(source)
    elif base is None:
        from vtsim.scenario.loader import load_scenario

        base = load_scenario(sweep.scenario)
    if fmt not in {"parquet", "csv"}:
        raise VtsimError(f"format must be parquet or csv; got {fmt!r}.")
    if fmt == "parquet":
        try:
            import pyarrow  # noqa: F401
        except ImportError:
            raise VtsimError(
                "Parquet output needs pyarrow: pip install 'vtsim[batch]', or use --format csv."
            ) from None
    seed = sweep.seed if seed is None else seed
    replications = replications or sweep.replications
    packages = packages_of(sweep, base)
    design = design_table(sweep)
    chunk = chunk or auto_chunk(len(design) * len(packages) * replications)
    n_chunks = count_chunks(len(design), packages, replications, chunk)
    plan = iter_chunks(len(design), packages, replications, chunk)
    variants = Variants(sweep, base, design)
    folder = Path(output)
    manifest = _manifest(
        sweep, base, design, source, seed, replications, packages, n_chunks, fmt, chunk
    )
    if (folder / "manifest.json").exists():
        if force and not resume:
            _remove_run(folder)
        elif not resume:
            raise VtsimError(
                f"{folder} already holds a batch run; pass --resume to finish it, "
                "--force to start again there, or choose another output folder."
            )
        else:
            _check_resume(folder, manifest)
    return sweep, folder, design, seed, plan, manifest, variants


BATCH_FILES = (
    "manifest.json",
    "design.csv",
    "chunks/",
    "results.parquet",
    "results.csv",
    "summary.csv",
    "sensitivity.csv",
    "indices.csv",
    "regret.csv",
    "*.png",
)
"""What ``vtsim batch`` writes in its folder."""


def _remove_run(folder: Path) -> None:
    """--force over an earlier batch run: its manifest first, then its chunks."""
    import shutil

    (folder / "manifest.json").unlink()
    shutil.rmtree(folder / "chunks", ignore_errors=True)
    for name in BATCH_FILES:
        if not name.endswith("/") and "*" not in name:
            (folder / name).unlink(missing_ok=True)


CHECK_GROUP = 200
"""Variants built per check task (each ~0.5 ms): many tasks, so every worker keeps busy."""


def check_tasks(design, packages: list[str], jobs: int = 1) -> Iterator[Check]:
    """Every variant of the sweep, built (not simulated) before anything is written: an
    invalid combination of factor values fails at once with a clear message. Made as
    they are taken, whatever the design's size."""
    keys = (Variants.key(int(point), p) for point in design.index for p in packages)
    for i in itertools.count():
        group = tuple(itertools.islice(keys, CHECK_GROUP))
        if not group:
            return
        yield Check(i, group)


def _write_start(folder: Path, manifest: dict, design) -> None:
    write_json(folder / "manifest.json", clean_for_json(manifest))
    with atomic_path(folder / "design.csv") as tmp:
        design.to_csv(tmp)


def run_sweep(
    sweep: Sweep | str | Path,
    output: str | Path,
    *,
    base: Scenario | None = None,
    jobs: int | None = None,
    scheduler: str | None = None,
    dask_local: int | None = None,
    executor=None,
    resume: bool = False,
    progress: bool | None = None,
    replications: int | None = None,
    seed: int | None = None,
    chunk: int | None = None,
    fmt: str = "parquet",
    force: bool = False,
    tls: dict | None = None,
    grace: float = 5.0,
):
    """Run a sweep into ``output`` and return its :class:`~vtsim.batch.analysis.BatchResults`.

    ``jobs`` worker processes (default: one per CPU), or Dask (``scheduler`` address or
    ``dask_local`` workers), or any ``executor``. Finished chunks are never run again
    with ``resume=True``. Results do not depend on the executor or the number of workers.

    The output folder is checked first (a folder holding other files is refused unless
    ``force``); every point is checked before anything is written. An interruption
    (KeyboardInterrupt) keeps the finished chunks and those in flight that finish within
    ``grace`` seconds, then propagates.
    """
    from vtsim.analysis.dask_executor import ClusterLost
    from vtsim.analysis.runner import _progress_bar
    from vtsim.batch.analysis import BatchResults
    from vtsim.report.output import clean_leftovers, prepare_output

    prepare_output(output, BATCH_FILES, force=force, resume=resume)
    if (Path(output) / "chunks").is_dir():  # temporaries of chunks being written at a kill
        clean_leftovers(Path(output) / "chunks")
    owned = executor is None
    if owned:  # first: a process pool starts its server while the sweep is prepared
        executor = make_executor(
            0 if jobs is None else jobs,
            scheduler=scheduler,
            dask_local=dask_local,
            preload=SWEEP_WORKER_MODULES,
            tls=tls,
        )
    try:
        sweep, folder, design, seed, plan, manifest, variants = _prepare(
            sweep, base, output, resume, replications, seed, chunk, fmt, force
        )
        fmt = manifest["format"]
        todo = (b for b in plan if not chunk_path(folder, b.id, fmt).exists())
        total = len(design) * len(manifest["packages"]) * manifest["replications"]
        done = _done_size(folder, manifest)
        try:
            if done < total:
                start_executor(executor, variants)  # before the progress bar's thread
                checks = check_tasks(design, manifest["packages"], getattr(executor, "jobs", 1))
                for _ in executor.run(variants, seed, checks, sweep.threat):
                    pass  # an invalid variant raises VtsimError: nothing written yet
            _write_start(folder, manifest, design)
            bar = _progress_bar(total, progress, sweep.name or "sweep")
            bar.update(done)
            try:
                for batch, rows in executor.run(variants, seed, todo, sweep.threat):
                    _write_chunk(
                        _rows_frame(rows, design, variants), chunk_path(folder, batch.id, fmt), fmt
                    )
                    bar.update(batch.size)
            except KeyboardInterrupt:
                bar.close()
                _keep_in_flight(executor, grace, folder, design, variants, fmt)
                raise
            finally:
                bar.close()
        except ClusterLost as exc:
            raise VtsimError(
                f"{exc} Run the same command with --resume to finish in {folder}."
            ) from None
    finally:
        if owned:
            executor.close()
    manifest["complete"] = True
    write_json(folder / "manifest.json", clean_for_json(manifest))
    return BatchResults.load(folder)


def _done_size(folder: Path, manifest: dict) -> int:
    """Replications already in chunk files (0 for a new run)."""
    fmt = manifest["format"]
    done = sum(1 for _ in (folder / "chunks").glob(f"chunk-*.{fmt}"))
    if not done:
        return 0
    total = manifest["points"] * len(manifest["packages"]) * manifest["replications"]
    if done >= manifest["chunks"]:
        return total
    # Chunks differ in size only at the end of a point's blocks: count them exactly.
    return sum(
        b.size
        for b in iter_chunks(
            manifest["points"],
            manifest["packages"],
            manifest["replications"],
            manifest["chunk_size"],
        )
        if chunk_path(folder, b.id, fmt).exists()
    )


def _keep_in_flight(executor, grace, folder, design, variants, fmt) -> None:
    """After Ctrl-C: write the chunks in flight that finish within ``grace`` seconds."""
    from vtsim.analysis.executors import drain

    try:
        for batch, rows in drain(executor, grace):
            _write_chunk(
                _rows_frame(rows, design, variants), chunk_path(folder, batch.id, fmt), fmt
            )
    except KeyboardInterrupt:  # a second Ctrl-C: stop waiting
        pass


def read_chunks(folder: str | Path) -> tuple[pd.DataFrame, dict]:
    """All finished rows of a batch folder (sorted by point, package, replication)."""
    folder = Path(folder)
    try:
        manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise VtsimError(f"{folder}: no manifest.json; not a vtsim batch folder.") from None
    fmt = manifest["format"]
    files = sorted((folder / "chunks").glob(f"chunk-*.{fmt}"))
    read = pd.read_parquet if fmt == "parquet" else pd.read_csv
    frames = [read(f) for f in files]
    if not frames:
        return pd.DataFrame(columns=list(FRONT)), manifest
    frame = pd.concat(frames, ignore_index=True)
    order = {p: i for i, p in enumerate(manifest["packages"])}
    frame = frame.sort_values(
        ["point", "package", "replication"],
        key=lambda c: c.map(order) if c.name == "package" else c,
        kind="stable",
    ).reset_index(drop=True)
    manifest["chunks_done"] = len(files)
    return frame, manifest
