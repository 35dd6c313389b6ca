"""Result folders: replications.csv, scorecard.json, figures and a manifest, each
written atomically, the manifest last (its presence means the folder is whole).

An output folder is checked and created before anything is simulated
(:func:`prepare_output`), and a run is written into a hidden staging folder inside it,
then moved into place with the old manifest removed first and the new one moved last
(:func:`staged_output`): an interrupted write leaves the previous complete run as it
was. ``vtsim report`` checks a folder against its manifest before believing it
(:func:`check_results_folder`).
"""

from __future__ import annotations

import contextlib
import fnmatch
import hashlib
import json
import os
import platform
import shutil
import sys
import tempfile
from datetime import datetime, timezone
from importlib import metadata
from pathlib import Path

from vtsim.errors import VtsimError
from vtsim.io import atomic_path, clean_for_json, write_json

RESULTS_KIND = "vtsim-results"
"""``kind`` in the manifest of a folder written by ``vtsim run -o`` / ``vtsim compare -o``."""

RESULTS_FILES = (
    "manifest.json",
    "replications.csv",
    "scorecard.json",
    "packages.csv",
    "comparison.json",
    "comparison.xlsx",
    "until_decided.json",
    "*.png",
)
"""What ``vtsim run`` and ``vtsim compare`` write (a folder holding only these is theirs)."""

STAGE_PREFIX = ".vtsim-tmp-"
"""Hidden staging folders inside an output folder (``.vtsim-tmp-<pid>-<random>``)."""

VERSIONED = ("vtsim", "simpy", "numpy", "pandas", "networkx", "pydantic", "matplotlib", "click")


def versions() -> dict[str, str]:
    out = {"python": platform.python_version()}
    for name in VERSIONED:
        try:
            out[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            out[name] = "not installed"
    return out


def manifest(results, jobs: int | None = None, extra: dict | None = None) -> dict:
    return clean_for_json(
        {
            "kind": RESULTS_KIND,
            "created": datetime.now(timezone.utc).isoformat(timespec="seconds"),
            "command": " ".join(["vtsim", *sys.argv[1:]]),
            "seed": results.seed,
            "replications": results.replications,
            "jobs": jobs,
            "complete": results.complete,
            "packages": results.packages,
            "versions": versions(),
            "scenario": results.scenario.model_dump(mode="json", context={"lang": "en"}),
            **(extra or {}),
        }
    )


def scorecard_records(results) -> dict:
    """``scorecard.json``: the scorecard over every threat (``scorecard``, one row per
    package and phase) and on each threat's replications (``by_threat``); in scenarios
    with population groups also ``by_group`` and ``disparity`` (:func:`group_tables`;
    the two keys are left out in scenarios without groups)."""
    from vtsim.analysis.groups import group_tables
    from vtsim.analysis.scorecard import scorecard_by_threat

    records = {
        "scorecard": results.scorecard().to_dict(orient="records"),
        "by_threat": scorecard_by_threat(results.frame, results.packages).to_dict(orient="records"),
    }
    by_group, disparity = group_tables(results)
    if not by_group.empty:
        records["by_group"] = by_group.to_dict(orient="records")
        records["disparity"] = disparity.to_dict(orient="records")
    return clean_for_json(records)


def write_results(
    results, folder: Path, figures: bool = True, jobs: int | None = None
) -> list[Path]:
    """Write a results folder; its files appear together, the manifest last. Into a
    staging folder of :func:`staged_output` directly, otherwise through one (so a write
    that fails half-way leaves the folder's previous run whole)."""
    folder = Path(folder)
    if not folder.name.startswith(STAGE_PREFIX):
        with staged_output(folder) as stage:
            written = write_results(results, stage, figures=figures, jobs=jobs)
        return [folder / p.name for p in written]
    written = []
    csv = folder / "replications.csv"
    with atomic_path(csv) as tmp:
        results.frame.to_csv(tmp, index=False)
    written.append(csv)
    write_json(folder / "scorecard.json", scorecard_records(results))
    written.append(folder / "scorecard.json")
    if figures:
        from vtsim.report.figures import save
        from vtsim.report.plots import plot_scorecard

        save(plot_scorecard(results), folder / "scorecard.png")
        written.append(folder / "scorecard.png")
        from vtsim.report.medical_figures import medical_figures

        for name, fig in medical_figures(results).items():  # only with a medical section
            save(fig, folder / f"{name}.png")
            written.append(folder / f"{name}.png")
        from vtsim.report.infra_figures import save_service_curves

        written += save_service_curves(results, folder)  # only with an infrastructure section
        from vtsim.analysis.groups import group_tables

        by_group, disparity = group_tables(results)
        if not by_group.empty:  # only with population groups
            from vtsim.report.group_figures import group_figure

            save(group_figure(by_group, disparity, results.scenario.name), folder / "groups.png")
            written.append(folder / "groups.png")
    files = describe_files(folder, {"replications.csv": results.frame})
    write_json(folder / "manifest.json", manifest(results, jobs, {"files": files}))
    written.append(folder / "manifest.json")
    return written


def describe_files(folder: Path, frames: dict | None = None) -> dict:
    """Size and SHA-256 of every file in ``folder`` (not hidden, not the manifest), and
    the columns and row count of the tables in ``frames`` (name: DataFrame written)."""
    out = {}
    for path in sorted(Path(folder).iterdir()):
        if path.name.startswith(".") or path.name == "manifest.json" or not path.is_file():
            continue
        entry = {"bytes": path.stat().st_size, "sha256": _sha256(path)}
        frame = (frames or {}).get(path.name)
        if frame is not None:
            entry["rows"] = len(frame)
            entry["columns"] = [str(c) for c in frame.columns]
        out[path.name] = entry
    return out


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


# ----------------------------------------------------------------------------------------
# Output folders: checked before a run, written through a staging folder


def _matches(name: str, patterns) -> bool:
    return any(fnmatch.fnmatchcase(name, p) for p in patterns)


def prepare_output(
    folder: str | Path,
    own=RESULTS_FILES,
    *,
    force: bool = False,
    resume: bool = False,
    option: str = "-o/--output",
) -> Path:
    """Check the output ``folder`` before anything is simulated: that it can be created
    and written in (it is made, a file written and removed; a folder made for this is
    removed again: :func:`staged_output` makes it when the results are written).

    Refused with one clear paragraph (VtsimError): a path that is a file or lies under a
    file, a folder that cannot be created or written in, and a non-empty folder holding
    anything this command does not write (``own``: names or glob patterns; a folder
    pattern ends with ``/``) unless ``force`` (or ``resume``, for commands that resume).
    Staging folders left by an earlier interrupted write are removed.
    """
    folder = Path(folder)
    hint = f"choose another folder with {option}"
    if folder.exists() and not folder.is_dir():
        raise VtsimError(f"{folder} is a file, not a folder; {hint}.")
    for parent in folder.parents:
        if parent.exists():
            if not parent.is_dir():
                raise VtsimError(
                    f"cannot create the output folder {folder}: {parent} is a file, not a "
                    f"folder; {hint}."
                )
            break
    missing = [p for p in (folder, *folder.parents) if not p.exists()]
    try:
        folder.mkdir(parents=True, exist_ok=True)
        fd, probe = tempfile.mkstemp(prefix=f"{STAGE_PREFIX}probe-", dir=folder)
        try:
            os.write(fd, b"vtsim")
        finally:
            os.close(fd)
            os.unlink(probe)
    except OSError as exc:
        raise VtsimError(
            f"cannot write in the output folder {folder} ({exc.strerror or exc}); nothing was "
            f"simulated. Check the folder's permissions and free space, or {hint}."
        ) from None
    finally:
        # A folder made only for the probe goes again: it is made for real when the
        # results are written, so a run refused later (a bad scenario) leaves nothing.
        for made in missing:
            with contextlib.suppress(OSError):
                made.rmdir()
    if missing:
        return folder
    clean_leftovers(folder)
    if force or resume:
        return folder
    foreign = []
    for entry in sorted(folder.iterdir()):
        if entry.name.startswith(STAGE_PREFIX):
            continue
        name = entry.name + ("/" if entry.is_dir() else "")
        if not _matches(name, own):
            foreign.append(name)
    if foreign:
        shown = ", ".join(foreign[:5]) + (
            f" and {len(foreign) - 5} more" if len(foreign) > 5 else ""
        )
        raise VtsimError(
            f"the output folder {folder} is not empty and holds files this command does not "
            f"write ({shown}); nothing was simulated. Choose an empty or new folder with "
            f"{option}, or pass --force to write there anyway (its other files are kept)."
        )
    return folder


def clean_leftovers(folder: Path) -> None:
    """Remove staging folders and temporary files left in ``folder`` by a write that was
    killed (those of a process still running are left alone)."""
    for entry in Path(folder).iterdir():
        name = entry.name
        if name.startswith(STAGE_PREFIX):
            pid = name[len(STAGE_PREFIX) :].split("-", 1)[0]
            if pid.isdigit() and int(pid) != os.getpid() and _alive(int(pid)):
                continue
            if entry.is_dir():
                shutil.rmtree(entry, ignore_errors=True)
            else:
                with contextlib.suppress(OSError):
                    entry.unlink()
        elif name.startswith(".") and name.endswith(".tmp") and entry.is_file():
            # vtsim.io.atomic_path's temporaries: '.<name>.<random>.tmp'
            with contextlib.suppress(OSError):
                entry.unlink()


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


@contextlib.contextmanager
def staged_output(folder: str | Path, own=RESULTS_FILES):
    """Yield a hidden staging folder inside ``folder``; write the run there. On success its
    files move into ``folder``: the old manifest is removed first, files of the previous
    run that this one did not write are removed, the new manifest moves last. On failure
    (an exception, a kill) ``folder`` keeps the previous run untouched."""
    folder = Path(folder)
    try:
        folder.mkdir(parents=True, exist_ok=True)
        stage = Path(tempfile.mkdtemp(prefix=f"{STAGE_PREFIX}{os.getpid()}-", dir=folder))
    except OSError as exc:
        raise VtsimError(
            f"cannot write in the output folder {folder} ({exc.strerror or exc})."
        ) from None
    try:
        yield stage
        _commit(stage, folder, own)
    except OSError as exc:
        raise VtsimError(
            f"writing the results in {folder} failed ({exc.strerror or exc}); the folder "
            "keeps its previous contents. Check its free space and permissions."
        ) from None
    finally:
        shutil.rmtree(stage, ignore_errors=True)


def _commit(stage: Path, folder: Path, own) -> None:
    new = sorted(p.name for p in stage.iterdir() if not p.name.startswith("."))
    old_manifest = folder / "manifest.json"
    stale = []
    if old_manifest.is_file():  # a previous run of this kind: its files not written now go
        stale = [
            p
            for p in folder.iterdir()
            if p.is_file() and _matches(p.name, own) and p.name not in new
        ]
        old_manifest.unlink()
    for name in new:
        if name != "manifest.json":
            os.replace(stage / name, folder / name)
    for path in stale:
        with contextlib.suppress(FileNotFoundError):
            path.unlink()
    if "manifest.json" in new:
        os.replace(stage / "manifest.json", folder / "manifest.json")


def check_results_folder(folder: str | Path) -> dict:
    """The manifest of a results folder, after checking the folder against it: the
    manifest's fields, every file it lists (size and checksum) and replications.csv's
    columns and rows. Raises VtsimError naming what is wrong."""
    folder = Path(folder)

    def refuse(why: str):
        raise VtsimError(
            f"{folder} is not a complete results folder: {why}. Run `vtsim run -o {folder}` "
            "(or `vtsim compare -o`) again to rewrite it."
        )

    try:
        data = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    except FileNotFoundError:
        refuse("it has no manifest.json (a run that did not finish writing?)")
    except (OSError, ValueError) as exc:
        refuse(f"manifest.json cannot be read ({exc})")
    if not isinstance(data, dict):
        refuse("manifest.json does not hold a mapping")
    kind = data.get("kind", RESULTS_KIND)
    if kind != RESULTS_KIND:
        refuse(f"its manifest is of a '{kind}' folder, not one of `vtsim run` or `compare`")
    expected = {
        "seed": int,
        "replications": int,
        "packages": list,
        "scenario": dict,
    }
    for key, kind_ in expected.items():
        if not isinstance(data.get(key), kind_) or isinstance(data.get(key), bool):
            refuse(f"manifest.json lacks a valid '{key}'")
    if not data["packages"] or not all(isinstance(p, str) for p in data["packages"]):
        refuse("manifest.json lists no packages")
    if not isinstance(data.get("complete", True), bool):
        refuse("manifest.json has an invalid 'complete'")
    files = data.get("files")
    if files is not None and not isinstance(files, dict):
        refuse("manifest.json has an invalid 'files'")
    csv = folder / "replications.csv"
    if not csv.is_file():
        refuse("replications.csv is missing")
    for name, entry in (files or {}).items():
        path = folder / name
        if "/" in name or "\\" in name or name.startswith("."):
            refuse(f"manifest.json lists an invalid file name {name!r}")
        if not path.is_file():
            refuse(f"{name} is missing")
        if not isinstance(entry, dict):
            refuse(f"manifest.json has an invalid entry for {name}")
        if entry.get("bytes") is not None and path.stat().st_size != entry["bytes"]:
            refuse(
                f"{name} has {path.stat().st_size} bytes, the manifest says {entry['bytes']} "
                "(truncated or changed since it was written)"
            )
        if entry.get("sha256") is not None and _sha256(path) != entry["sha256"]:
            refuse(f"{name} was changed since it was written (its checksum differs)")
    _check_csv(csv, data, (files or {}).get("replications.csv"), refuse)
    return data


def _check_csv(csv: Path, data: dict, entry: dict | None, refuse) -> None:
    import pandas as pd

    raw = csv.read_bytes()
    if raw and not raw.endswith(b"\n"):
        refuse("replications.csv ends in the middle of a line (truncated)")
    try:
        frame = pd.read_csv(csv, low_memory=False)
    except (ValueError, OSError) as exc:  # pandas' parser errors are ValueErrors
        refuse(f"replications.csv cannot be read ({exc})")
    missing = [c for c in ("package", "replication") if c not in frame.columns]
    if missing:
        refuse(f"replications.csv lacks the column(s) {', '.join(missing)}")
    if entry and entry.get("columns") is not None and list(frame.columns) != entry["columns"]:
        refuse("replications.csv's columns differ from those in the manifest")
    if entry and entry.get("rows") is not None:
        expected = entry["rows"]
    elif data.get("complete", True):
        expected = data["replications"] * len(data["packages"])
    else:
        expected = None
    if expected is not None and len(frame) != expected:
        refuse(f"replications.csv has {len(frame)} rows, the manifest says {expected}")
    unknown = set(frame["package"].astype(str)) - set(data["packages"])
    if unknown:
        refuse(f"replications.csv has rows of packages not in the manifest ({sorted(unknown)})")
