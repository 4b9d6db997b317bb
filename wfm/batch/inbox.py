"""The inbox: history exports dropped by the phone and case systems, checked, loaded into the store, filed away.

Each CSV is in the history format (`interval_start, queue, volume[, aht_seconds]`); an export of one queue may
leave out the `queue` column when its file name starts with the queue id (`voice_service_2026-03-02.csv`).
A file is checked as a whole with the same rules as history.csv; a file with any problem is not loaded at all
and is moved to `rejected/` with `<name>.error.txt` beside it saying what is wrong (file, row, column). Loaded
files go to `processed/`. Files are taken oldest first (then by name), so a later export of an interval wins.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import os
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from wfm.batch.store import HistoryStore, IngestCounts
from wfm.domain import Site
from wfm.io import ScenarioError
from wfm.io.atomic import atomic_write_text
from wfm.io.errors import Problem
from wfm.io.exports import read_history_export


@dataclass
class InboxReport:
    loaded: list[tuple[str, IngestCounts]] = field(default_factory=list)
    rejected: list[tuple[str, str, Path]] = field(default_factory=list)  # (file, why, its .error.txt)

    @property
    def changed(self) -> int:
        return sum(counts.changed for _, counts in self.loaded)


def pending(inbox: Path) -> list[Path]:
    """CSV files waiting in the inbox, oldest first (then by name). Hidden files (a copy in progress) wait."""
    if not inbox.is_dir():
        return []
    files = [p for p in inbox.iterdir() if p.is_file() and p.suffix.lower() == ".csv" and not p.name.startswith(".")]
    return sorted(files, key=lambda p: (p.stat().st_mtime, p.name))


# An export is loaded whole or not at all: the inbox never leaves rows out (there is no --skip-bad-rows here).
_ALL_OR_NOTHING = "Fix them in the export and drop it into the inbox again: an export is loaded whole or not at all."


def read_export(path: Path, site_toml: Path, site: Site) -> pd.DataFrame:
    """The export's rows as history, checked like history.csv; raises ScenarioError naming this file."""
    return read_history_export(path, site_toml, site, all_or_nothing=_ALL_OR_NOTHING)


def _file_away(path: Path, folder: Path) -> Path:
    """Move `path` into `folder` under a name that never overwrites an earlier file of the same name."""
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / path.name
    number = 1
    while target.exists():
        target = folder / f"{path.stem}.{number}{path.suffix}"
        number += 1
    os.replace(path, target)
    return target


def ingest_inbox(
    inbox: Path, store: HistoryStore, site_toml: Path, site: Site, window: tuple[dt.date, dt.date] | None = None
) -> InboxReport:
    """Load every pending export; `window` (first, last day) rejects a file with rows outside it (a mistyped
    year would otherwise stay in the history for good)."""
    report = InboxReport()
    for path in pending(inbox):
        try:
            frame = read_export(path, site_toml, site)
            if window is not None and len(frame):
                days = pd.to_datetime(frame["interval_start"]).dt.date
                outside = frame[(days < window[0]) | (days > window[1])]
                if len(outside):
                    first = outside["interval_start"].iloc[0]
                    raise ScenarioError([Problem(path.name, None, "interval_start", None,
                        f"{len(outside):,} row(s) fall outside {window[0]} to {window[1]} (first: {first}); "
                        "an export holds recent actuals")])  # fmt: skip
        except Exception as error:  # any problem with one file rejects that file, never the night
            problems = error.problems if isinstance(error, ScenarioError) else [f"{path.name}: not readable ({error})"]
            why = "\n".join(
                [f"{path.name} was not loaded (none of its rows): correct it and drop it into the inbox again."]
                + [f"  - {problem}" for problem in problems]
            )
            target = _file_away(path, inbox / "rejected")
            error_file = target.with_name(target.name + ".error.txt")
            atomic_write_text(error_file, why + "\n")
            report.rejected.append((path.name, why, error_file))
            continue
        digest = hashlib.sha256(path.read_bytes()).hexdigest()
        counts = store.ingest(frame, source=path.name, sha256=digest)
        _file_away(path, inbox / "processed")
        report.loaded.append((path.name, counts))
    return report
