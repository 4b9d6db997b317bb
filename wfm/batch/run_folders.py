"""The nightly job's run folders on disk: their order, `latest`, retention, and what a killed night left behind.

Every change is made so that a kill at any moment leaves a state the next night repairs: folders are hidden before
they are deleted, `latest` is swapped in by a rename, and hidden leftovers are removed (or, for a run killed
between the two renames of publishing, put back)."""

from __future__ import annotations

import datetime as dt
import os
import re
import shutil
from collections.abc import Callable
from pathlib import Path

from wfm.faults import kill_point
from wfm.io.atomic import fsync_directory

_RUN_NAME = re.compile(r"(\d{4}-\d{2}-\d{2})(?:\.(\d+))?")
Log = Callable[[str], None]


def run_key(name: str) -> tuple[str, int]:
    """Order of run folders: by night, then by version (2026-03-02 < 2026-03-02.2 < 2026-03-02.10)."""
    match = _RUN_NAME.fullmatch(name)
    if match is None:
        return (name, 0)
    return (match.group(1), int(match.group(2) or 1))


def _remove_leftovers(root: Path, log: Log) -> None:
    """Hidden staging folders of a run killed while writing (atomic_directory's `.name.tmp-*`, `.name.old-*`) or
    while retention deleted an old run (`.name.deleting-*`), and a run folder without its manifest.json that a
    retention killed part-way left visible before deletions were made hidden first."""
    for partial in sorted(root.iterdir()) if root.is_dir() else []:
        if (
            _RUN_NAME.fullmatch(partial.name)
            and partial.is_dir()
            and not partial.is_symlink()
            and not (partial / "manifest.json").exists()
        ):
            _delete_hidden(partial, "deleting")
            log(f"removed {partial.name}: a run folder without manifest.json, left by a night that was killed")
    for leftover in sorted(root.glob(".latest.*")):  # a new `latest` link made but not yet swapped in
        if leftover.is_symlink():
            leftover.unlink()
    for leftover in sorted(root.glob(".*")):
        if not leftover.is_dir() or leftover.is_symlink():
            continue
        if ".old-" in leftover.name:
            # killed between atomic_directory's two renames: the old run is the only copy; put it back
            name = leftover.name[1:].split(".old-")[0]
            if not (root / name).exists():
                os.rename(leftover, root / name)
                log(f"restored {name} from {leftover.name}, left by a run killed while publishing")
                continue
        if ".tmp-" in leftover.name or ".old-" in leftover.name or ".deleting-" in leftover.name:
            shutil.rmtree(leftover, ignore_errors=True)
            log(f"removed {leftover.name}, left by a run that was killed while writing")


def latest_problem(root: Path) -> str | None:
    """What is wrong with `root/latest`, if anything: missing while runs exist, or pointing at no complete run."""
    link = root / "latest"
    runs = _run_folders(root) if root.is_dir() else []
    if not link.is_symlink():
        return f"{link} is missing although {len(runs)} run(s) exist" if runs else None
    target = os.readlink(link)
    if not (root / target / "manifest.json").exists():
        return f"{link} points at {target}, which is not a complete run"
    return None


def _repair_latest(root: Path, log: Log) -> None:
    """A `latest` that is missing or points at no complete run (removed by hand, or left by a version of wfm
    that published in two renames) is pointed at the newest complete run before anything else happens."""
    problem = latest_problem(root)
    runs = _run_folders(root) if root.is_dir() else []
    if problem and runs:
        (root / "latest").unlink(missing_ok=True)
        _point_latest(root, runs[-1])
        log(f"repaired: {problem}; it now points at {runs[-1].name}")


def _run_folders(root: Path) -> list[Path]:
    """Complete run folders (with manifest.json, which is written last), oldest first."""
    return sorted(
        (p for p in root.iterdir() if _RUN_NAME.fullmatch(p.name) and p.is_dir() and not p.is_symlink()
         and (p / "manifest.json").exists()),
        key=lambda p: run_key(p.name),
    )  # fmt: skip


def _point_latest(root: Path, folder: Path) -> str | None:
    """Swap `latest` to `folder` with one rename of a new symlink over it: a reader sees the old run or the new
    one, never none. `latest` only moves forward: an earlier night re-run is published beside it, not in its
    place. Returns the name of the run `latest` pointed at before, if it moved."""
    link = root / "latest"
    before = os.readlink(link) if link.is_symlink() else None
    if before is not None and (root / before).is_dir() and run_key(before) > run_key(folder.name):
        return None
    if before == folder.name:
        return None
    temp = root / f".latest.{os.getpid()}"
    temp.unlink(missing_ok=True)
    os.symlink(folder.name, temp)
    kill_point("batch:link-made")
    os.replace(temp, link)
    fsync_directory(root)
    return before


def _keep_recent(root: Path, tonight: dt.date, keep: int, log: Log, spare: str | None = None) -> None:
    """Keep the newest run of each of the last `keep` nights; remove the rest, oldest first. Never removed:
    the run `latest` points at, every run of `tonight` and `spare` (the run `latest` pointed at until tonight):
    a reader who resolved `latest` just before the swap may still be reading it; a later night removes it."""
    latest = os.readlink(root / "latest") if (root / "latest").is_symlink() else None
    runs = _run_folders(root)
    newest: dict[str, Path] = {run_key(p.name)[0]: p for p in runs}  # the last version of each night
    kept = set(sorted(newest)[-keep:])
    for old in runs:
        night = run_key(old.name)[0]
        if old.name in (latest, spare) or night == tonight.isoformat() or (night in kept and newest[night] == old):
            continue
        _delete_hidden(old, "deleting")
        why = "a newer run of the same night replaced it" if night in kept else f"keeping the last {keep} nights"
        log(f"retention: removed {old.name} ({why})")


def _delete_hidden(folder: Path, why: str) -> None:
    """Rename `folder` hidden first, then delete it: a kill part-way leaves a hidden folder that the next night
    removes (`_remove_leftovers`), never a half-deleted run beside the complete ones."""
    hidden = folder.with_name(f".{folder.name}.{why}-{os.getpid()}")
    os.replace(folder, hidden)
    kill_point("batch:retention-hidden")
    for item in sorted(hidden.iterdir()):  # file by file, so that a kill can land half-way (tests do)
        if item.is_dir() and not item.is_symlink():
            shutil.rmtree(item, ignore_errors=True)
        else:
            item.unlink(missing_ok=True)
        kill_point("batch:retention-deleting")
    shutil.rmtree(hidden, ignore_errors=True)
