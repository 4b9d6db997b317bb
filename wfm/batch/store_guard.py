"""A history store that existed is never replaced silently: what the night says when the store is missing,
emptied or damaged (which file, what is wrong, the restore commands), and what `--reseed` keeps aside."""

from __future__ import annotations

import datetime as dt
import os
import shlex
from pathlib import Path

from wfm.batch.config import SiteJob
from wfm.batch.store import StoreState, backups


class StoreRefused(Exception):
    """The site's history store cannot be used as it is (gone, emptied, damaged): the message says which file,
    what is wrong and what to do. Bad input, not a bug."""


def earlier_store(runs: list[Path], store: Path, job: SiteJob) -> list[str]:
    """Traces of a store this site had (its published `runs`, a backup, loaded exports): a night that finds none
    must not quietly start a new one."""
    found = []
    if runs:
        found.append(f"runs published from {runs[0].name} to {runs[-1].name}")
    kept = backups(store)
    if kept:
        found.append(f"backup {kept[0].name}")
    processed = job.inbox / "processed"
    if processed.is_dir() and any(p.suffix.lower() == ".csv" for p in processed.iterdir()):
        found.append(f"exports already loaded, in {processed}")
    return found


def _sidecars(store: Path) -> list[Path]:
    """SQLite's write-ahead log and shared-memory files of the store, when present."""
    return [side for suffix in ("-wal", "-shm") if (side := store.with_name(store.name + suffix)).exists()]


def _reload_hint(job: SiteJob, since: Path | None = None) -> str:
    """What to do about the exports the lost store held, when the inbox has filed any ("" when it has none)."""
    processed = job.inbox / "processed"
    if not (processed.is_dir() and any(p.suffix.lower() == ".csv" for p in processed.iterdir())):
        return ""
    which = f" loaded after {since.name} was taken" if since else ""
    return f"move the exports of {processed}{which} back into the inbox (loading an export again changes nothing)"


def store_refusal(job: SiteJob, state: StoreState, earlier: list[str]) -> str:
    """Why the night stopped at the store, and what to do: restore the newest backup, or re-seed on purpose."""
    store = state.path
    kept = backups(store)
    if state.damage is not None and "locked" in state.damage:
        return (
            f"the history store {store} is locked by another program ({state.damage}): close whatever has it "
            "open (a SQLite browser, a copy in progress) and run the night again; nothing was planned"
        )
    if state.damage is not None and any(w in state.damage for w in ("readonly", "unable to open", "I/O", "full")):
        return (
            f"the history store {store} could not be opened or written ({state.damage}): check the file's and its "
            "folder's permissions and the free disk space, then run the night again; nothing was planned"
        )
    if state.damage is not None:
        what = f"the history store {store} is damaged and cannot be read ({state.damage})"
    else:
        how = "missing" if not state.exists else "empty (0 bytes)" if store.stat().st_size == 0 else "empty"
        what = (
            f"the history store {store} is {how}, but this site had one ({'; '.join(earlier)}); it was not "
            f"re-created from {job.scenario / 'history.csv'}, which would lose every actual ingested since"
        )
    stamp = dt.datetime.now().strftime("%Y%m%dT%H%M%S")  # keep what is moved aside, never overwrite it
    aside = [store] if state.exists and state.damage is not None else []
    steps = [f"mv {shlex.quote(str(p))} {shlex.quote(f'{p}.damaged-{stamp}')}" for p in aside]
    steps += [f"mv {shlex.quote(str(p))} {shlex.quote(f'{p}.old-{stamp}')}" for p in _sidecars(store)]
    reseed = f"run the night with --reseed (with --site {job.name} for this site only)" + (
        ", which keeps the damaged file aside" if state.damage is not None else ""
    )
    if kept:
        restore = " && ".join([*steps, f"cp {shlex.quote(str(kept[0]))} {shlex.quote(str(store))}"])
        again = _reload_hint(job, since=kept[0])
        todo = (
            f"Restore the newest backup: `{restore}`, then {again + ' and ' if again else ''}run the night again. "
            f"Or start the store again from history.csv on purpose: {reseed}"
        )
    else:
        again = _reload_hint(job)
        todo = (
            f"There is no backup beside it ({store.name}.<night>.bak) to restore. Start the store again from "
            f"history.csv on purpose: {reseed}{', then ' + again if again else ''}"
        )
    return f"{what}. Nothing was planned; `latest` is untouched. {todo}"


def move_aside(store: Path, why: str) -> Path:
    """Rename the store (and its -wal, -shm) to `<store>.<why>-<time>`: never deleted, never overwritten."""
    stamp = dt.datetime.now().strftime("%Y%m%dT%H%M%S")
    target = store.with_name(f"{store.name}.{why}-{stamp}")
    for side in _sidecars(store):
        os.replace(side, target.with_name(target.name + side.name.removeprefix(store.name)))
    os.replace(store, target)
    return target


def reseed_warning(job: SiteJob, state: StoreState, earlier: list[str], kept: Path | None) -> str:
    was = "damaged" if state.damage is not None else "missing" if not state.exists else "empty"
    return (
        f"the history store of {job.name} ({state.path}) was {was} and has been started again from "
        f"{job.scenario / 'history.csv'} as asked (--reseed)"
        + (f"; the old file is kept as {kept.name}" if kept else "")
        + f". Actuals ingested before ({'; '.join(earlier) or 'none found'}) are not in it"
        + (f": {again}" if (again := _reload_hint(job)) else "")
    )
