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

import json
import sys
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
    per_point = replications * len(packages)
    batches: list[Batch] = []
    if per_point >= chunk:
        block = max(1, chunk // len(packages))
        for point in range(n_points):
            for start in range(0, replications, block):
                stop = min(replications, start + block)
                tasks = tuple(Task(Variants.key(point, p), start, stop) for p in packages)
                batches.append(Batch(len(batches), tasks))
    else:
        group = max(1, chunk // per_point)
        for first in range(0, n_points, group):
            tasks = tuple(
                Task(Variants.key(point, p), 0, replications)
                for point in range(first, min(n_points, first + group))
                for p in packages
            )
            batches.append(Batch(len(batches), tasks))
    return batches


def chunk_path(folder: Path, batch_id: int, fmt: str) -> Path:
    return folder / "chunks" / f"chunk-{batch_id:06d}.{fmt}"


def _rows_frame(rows: list[dict], design: pd.DataFrame) -> pd.DataFrame:
    frame = pd.DataFrame.from_records(rows)
    split = frame.pop("variant").str.split("/", n=1, expand=True)
    frame.insert(0, "point", split[0].astype("int64"))
    frame.insert(1, "package", split[1])
    factors = design.loc[frame["point"]].reset_index(drop=True)
    rest = [c for c in frame.columns if c not in FRONT]
    return pd.concat([frame[list(FRONT)], factors, frame[rest]], axis=1)


def _write_chunk(frame: pd.DataFrame, path: Path, fmt: str) -> None:
    with atomic_path(path) as tmp:
        if fmt == "parquet":
            frame.to_parquet(tmp, index=False, engine="pyarrow")
        else:
            frame.to_csv(tmp, index=False)


def _manifest(sweep, base, design, source, seed, replications, packages, plan, fmt, chunk):
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
        "chunks": len(plan),
        "chunk_size": chunk,
        "format": fmt,
        "complete": False,
        "versions": versions(),
        "sweep": sweep.model_dump(mode="json"),
        "scenario": base.model_dump(mode="json"),
        "variants": "each variant = scenario + the point's factor effects (design.csv), "
        "then the package's measures",
    }


def _check_resume(folder: Path, manifest: dict) -> None:
    old = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    for key in ("fingerprint", "seed", "replications", "packages", "chunk_size", "format"):
        if old.get(key) != manifest[key]:
            raise VtsimError(
                f"{folder}: cannot resume: the folder was written with a different {key} "
                f"({old.get(key)!r}, now {manifest[key]!r}); use a new output folder."
            )


def _prepare(sweep, base, output, resume, replications, seed, chunk, fmt):
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
    plan = plan_chunks(len(design), packages, replications, chunk)
    variants = Variants(sweep, base, design)
    folder = Path(output)
    manifest = _manifest(
        sweep, base, design, source, seed, replications, packages, plan, fmt, chunk
    )
    if (folder / "manifest.json").exists():
        if not resume:
            raise VtsimError(
                f"{folder} already holds a batch run; pass --resume to finish it, "
                "or choose another output folder."
            )
        _check_resume(folder, manifest)
    return sweep, folder, design, seed, plan, manifest, variants


CHECKED_VARIANTS = 20000
"""Sweeps with up to this many (point, package) variants have every one built (~0.5 ms
each) before anything is written, so an invalid combination of factor values fails at
once with a clear message instead of in the middle of the run."""


def check_tasks(design, packages: list[str], jobs: int) -> list[Check]:
    """Every variant of the sweep, one group per worker (building a variant takes about the
    same time whatever the point, and each task costs a round trip)."""
    keys = [Variants.key(int(point), p) for point in design.index for p in packages]
    if not keys or len(keys) > CHECKED_VARIANTS:
        return []
    size = -(-len(keys) // max(1, jobs))
    return [Check(i, tuple(keys[a : a + size])) for i, a in enumerate(range(0, len(keys), size))]


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
):
    """Run a sweep into ``output`` and return its :class:`~vtsim.batch.analysis.BatchResults`.

    ``jobs`` worker processes (default: one per CPU), or Dask (``scheduler`` address or
    ``dask_local`` workers), or any ``executor``. Finished chunks are never run again
    with ``resume=True``. Results do not depend on the executor or the number of workers.
    """
    from vtsim.analysis.runner import _progress_bar
    from vtsim.batch.analysis import BatchResults

    owned = executor is None
    if owned:  # first: a process pool starts its server while the sweep is prepared
        executor = make_executor(
            0 if jobs is None else jobs,
            scheduler=scheduler,
            dask_local=dask_local,
            preload=SWEEP_WORKER_MODULES,
        )
    try:
        sweep, folder, design, seed, plan, manifest, variants = _prepare(
            sweep, base, output, resume, replications, seed, chunk, fmt
        )
        todo = [b for b in plan if not chunk_path(folder, b.id, fmt).exists()]
        total = sum(b.size for b in plan)
        if todo:
            start_executor(executor, variants)  # before the progress bar starts its thread
            jobs = getattr(executor, "jobs", 1)
            checks = check_tasks(design, manifest["packages"], jobs)
            for _ in executor.run(variants, seed, checks, sweep.threat):
                pass  # an invalid variant raises VtsimError: nothing written yet
        _write_start(folder, manifest, design)
        bar = _progress_bar(total, progress, sweep.name or "sweep")
        bar.update(total - sum(b.size for b in todo))
        try:
            for batch, rows in executor.run(variants, seed, todo, sweep.threat):
                _write_chunk(_rows_frame(rows, design), chunk_path(folder, batch.id, fmt), fmt)
                bar.update(batch.size)
        finally:
            bar.close()
    finally:
        if owned:
            executor.close()
    manifest["complete"] = True
    write_json(folder / "manifest.json", clean_for_json(manifest))
    return BatchResults.load(folder)


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
