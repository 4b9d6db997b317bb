"""The embedded history store: one SQLite file per site, the history every nightly forecast is fitted on.

One row per (queue, interval_start, fold): `fold` = 1 marks the second pass through a repeated hour when clocks
go back, as in the history format. A later export of an interval replaces the earlier values (the phone system
re-sends corrected figures), and the values it replaced are kept in `history_audit` with both sources. Loading
the same values again changes nothing, so a night run twice leaves the store as it was. SQLite is in the
standard library, survives a killed process (each file is one transaction) and needs no server.

Before each night's ingest the store is copied with SQLite's online backup to `<store>.<night>.bak` beside it
(one self-contained file; the newest `store_backups` are kept), so a bad night can be rolled back by copying a
backup over the store. `inspect_store` tells a missing or emptied store and a damaged file apart before the
night touches them.
"""

from __future__ import annotations

import datetime as dt
import os
import sqlite3
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

SCHEMA = """
CREATE TABLE IF NOT EXISTS history (
    queue TEXT NOT NULL,
    interval_start TEXT NOT NULL,      -- site-local wall-clock time, ISO 8601
    fold INTEGER NOT NULL DEFAULT 0,
    volume REAL NOT NULL,
    aht_seconds REAL,
    source TEXT NOT NULL,              -- the export file it came from
    loaded_at TEXT NOT NULL,
    PRIMARY KEY (queue, interval_start, fold)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS history_audit (
    queue TEXT NOT NULL,
    interval_start TEXT NOT NULL,
    fold INTEGER NOT NULL,
    old_volume REAL, old_aht_seconds REAL, old_source TEXT,
    new_volume REAL, new_aht_seconds REAL, new_source TEXT,
    replaced_at TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS ingested_files (
    name TEXT NOT NULL, sha256 TEXT NOT NULL, rows INTEGER NOT NULL, ingested_at TEXT NOT NULL
);
-- Each night's published forecast (the run's forecast.csv), kept to measure accuracy over time (wfm accuracy).
CREATE TABLE IF NOT EXISTS published_forecast (
    night TEXT NOT NULL,               -- the run date that published it
    queue TEXT NOT NULL,
    interval_start TEXT NOT NULL,
    fold INTEGER NOT NULL DEFAULT 0,
    volume REAL NOT NULL,
    volume_p10 REAL, volume_p90 REAL, aht_seconds REAL,
    PRIMARY KEY (night, queue, interval_start, fold)
) WITHOUT ROWID;
CREATE TRIGGER IF NOT EXISTS keep_replaced_values BEFORE UPDATE ON history
WHEN OLD.volume IS NOT NEW.volume OR OLD.aht_seconds IS NOT NEW.aht_seconds
BEGIN
    INSERT INTO history_audit VALUES (OLD.queue, OLD.interval_start, OLD.fold, OLD.volume, OLD.aht_seconds,
        OLD.source, NEW.volume, NEW.aht_seconds, NEW.source, NEW.loaded_at);
END;
"""

# Only a row whose values differ is updated: the same export loaded twice changes nothing (not even `source`).
UPSERT = """
INSERT INTO history (queue, interval_start, fold, volume, aht_seconds, source, loaded_at)
VALUES (?, ?, ?, ?, ?, ?, ?)
ON CONFLICT (queue, interval_start, fold) DO UPDATE SET
    volume = excluded.volume, aht_seconds = COALESCE(excluded.aht_seconds, history.aht_seconds),
    source = excluded.source, loaded_at = excluded.loaded_at
WHERE history.volume IS NOT excluded.volume
   OR (excluded.aht_seconds IS NOT NULL AND history.aht_seconds IS NOT excluded.aht_seconds)
"""
# (A volume-only export keeps the stored AHT: a missing AHT is unknown, not a correction.)


@dataclass(frozen=True)
class IngestCounts:
    rows: int  # rows in the export
    changed: int  # rows inserted or replaced (the store changed)
    replaced: int  # of which replaced an earlier value (kept in history_audit)


class HistoryStore:
    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._db = sqlite3.connect(self.path, timeout=60)
        self._db.execute("PRAGMA journal_mode=WAL")  # readers (batch status) never block the nightly writer
        self._db.executescript(SCHEMA)

    def close(self) -> None:
        self._db.close()

    def __enter__(self) -> HistoryStore:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()

    def rows(self) -> int:
        return int(self._db.execute("SELECT COUNT(*) FROM history").fetchone()[0])

    def audit_rows(self) -> int:
        return int(self._db.execute("SELECT COUNT(*) FROM history_audit").fetchone()[0])

    def ingest(self, frame: pd.DataFrame, *, source: str, sha256: str = "") -> IngestCounts:
        """Load one export (columns interval_start, queue, volume, aht_seconds[, fold]) in one transaction."""
        now = dt.datetime.now().astimezone().isoformat(timespec="seconds")
        starts = pd.to_datetime(frame["interval_start"]).dt.strftime("%Y-%m-%dT%H:%M:%S")
        fold = frame["fold"].astype(int) if "fold" in frame.columns else pd.Series(0, index=frame.index)
        aht = frame["aht_seconds"] if "aht_seconds" in frame.columns else pd.Series(float("nan"), index=frame.index)
        rows = [
            (str(q), s, int(f), float(v), None if pd.isna(a) else float(a), source, now)
            for q, s, f, v, a in zip(frame["queue"], starts, fold, frame["volume"], aht, strict=True)
        ]
        with self._db:  # one transaction: a killed run leaves the file's rows all in or all out
            before_changes = self._db.total_changes
            before_audit = self.audit_rows()
            self._db.executemany(UPSERT, rows)
            # total_changes also counts the trigger's audit inserts: take them out
            audit_added = self.audit_rows() - before_audit
            changed = self._db.total_changes - before_changes - audit_added
            self._db.execute("INSERT INTO ingested_files VALUES (?, ?, ?, ?)", (source, sha256, len(rows), now))
        return IngestCounts(rows=len(rows), changed=changed, replaced=audit_added)

    def history(self) -> pd.DataFrame:
        """Every stored interval as a history table (interval_start naive local time, queue, volume,
        aht_seconds, fold), sorted."""
        frame = pd.read_sql_query(
            "SELECT interval_start, queue, volume, aht_seconds, fold FROM history ORDER BY interval_start, queue, fold",
            self._db,
        )
        frame["interval_start"] = pd.to_datetime(frame["interval_start"])
        frame["fold"] = frame["fold"].astype("int8")
        frame["queue"] = frame["queue"].astype(str)
        return frame

    def keep_forecast(self, night: dt.date, forecast: pd.DataFrame) -> int:
        """Store the forecast published on `night` (replacing one stored for that night before: a night planned
        again). Columns interval_start, queue, volume[, volume_p10, volume_p90, aht_seconds, fold]. Returns the
        rows stored."""
        starts = pd.to_datetime(forecast["interval_start"]).dt.strftime("%Y-%m-%dT%H:%M:%S")

        def column(name: str) -> pd.Series:
            return forecast[name] if name in forecast.columns else pd.Series(float("nan"), index=forecast.index)

        fold = forecast["fold"].astype(int) if "fold" in forecast.columns else pd.Series(0, index=forecast.index)
        rows = [
            (night.isoformat(), str(q), s, int(f), float(v), *(None if pd.isna(x) else float(x) for x in (lo, hi, a)))
            for q, s, f, v, lo, hi, a in zip(
                forecast["queue"], starts, fold, forecast["volume"], column("volume_p10"), column("volume_p90"),
                column("aht_seconds"), strict=True,
            )
        ]  # fmt: skip
        with self._db:
            self._db.execute("DELETE FROM published_forecast WHERE night = ?", (night.isoformat(),))
            self._db.executemany("INSERT INTO published_forecast VALUES (?, ?, ?, ?, ?, ?, ?, ?)", rows)
        return len(rows)

    def published_forecasts(self) -> pd.DataFrame:
        """Every stored published forecast: night (date), queue, interval_start, fold, volume, volume_p10,
        volume_p90, aht_seconds."""
        frame = pd.read_sql_query(
            "SELECT night, queue, interval_start, fold, volume, volume_p10, volume_p90, aht_seconds "
            "FROM published_forecast ORDER BY night, interval_start, queue, fold",
            self._db,
        )
        frame["night"] = pd.to_datetime(frame["night"]).dt.date
        frame["interval_start"] = pd.to_datetime(frame["interval_start"])
        frame["queue"] = frame["queue"].astype(str)
        return frame

    def backup(self, night: dt.date, keep: int) -> Path | None:
        """Copy the store to `<store>.<night>.bak` with SQLite's online backup (a consistent copy of every
        committed row, in one file), unless that night's backup exists: it holds the store as it was before the
        night's first ingest, which is what rolling the night back needs. Keeps the newest `keep` backups.
        Returns the new backup, or None when the night already had one."""
        target = self.path.with_name(f"{self.path.name}.{night.isoformat()}.bak")
        if target.exists():
            return None
        for leftover in self.path.parent.glob(f".{self.path.name}.*.bak.tmp-*"):
            leftover.unlink(missing_ok=True)  # a backup killed half-way
        temp = self.path.with_name(f".{target.name}.tmp-{os.getpid()}")
        copy = sqlite3.connect(temp)
        try:
            self._db.backup(copy)
            copy.execute("PRAGMA journal_mode=DELETE")  # one self-contained file: copying it back restores the store
        finally:
            copy.close()
        os.replace(temp, target)
        for old in backups(self.path)[keep:]:
            old.unlink(missing_ok=True)
        return target

    def fingerprint(self) -> str:
        """Changes whenever the stored history does (row count and the latest load time are enough: rows are
        only ever inserted or updated, and every update or insert stamps `loaded_at`)."""
        count, latest = self._db.execute("SELECT COUNT(*), MAX(loaded_at) FROM history").fetchone()
        audit = self.audit_rows()
        return f"{count}:{latest}:{audit}"


@dataclass(frozen=True)
class StoreState:
    """What is at a store's path before the night opens it."""

    path: Path
    exists: bool
    rows: int  # history rows (0 when missing, empty or damaged)
    damage: str | None = None  # why the file cannot be used as a store (not SQLite, malformed...), else None

    @property
    def empty(self) -> bool:
        return self.damage is None and self.rows == 0


def inspect_store(path: Path) -> StoreState:
    """Check the file at `path` without creating or changing it: missing, empty (0 bytes or no history rows),
    damaged (SQLite's quick_check, or not a SQLite file at all) or a store with its row count."""
    path = Path(path)
    if not path.exists():
        return StoreState(path, exists=False, rows=0)
    if path.is_file() and path.stat().st_size == 0:
        return StoreState(path, exists=True, rows=0)
    try:
        # mode=rw: never creates the file (a store deleted meanwhile stays deleted)
        db = sqlite3.connect(path.resolve().as_uri() + "?mode=rw", uri=True, timeout=60)
        try:
            found = [str(row[0]) for row in db.execute("PRAGMA quick_check(3)")]
            if found != ["ok"]:
                return StoreState(path, exists=True, rows=0, damage="; ".join(found))
            tables = {str(row[0]) for row in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
            if tables and "history" not in tables:
                return StoreState(path, exists=True, rows=0, damage="it is a SQLite database but not a history "
                                  f"store (no 'history' table; its tables: {', '.join(sorted(tables))})")  # fmt: skip
            rows = int(db.execute("SELECT COUNT(*) FROM history").fetchone()[0]) if tables else 0
        finally:
            db.close()
    except sqlite3.DatabaseError as error:  # "file is not a database", "database disk image is malformed"...
        return StoreState(path, exists=True, rows=0, damage=str(error))
    return StoreState(path, exists=True, rows=rows)


def backups(path: Path) -> list[Path]:
    """The backups of the store at `path` (`<store>.<night>.bak`), newest first."""
    path = Path(path)
    found = [p for p in path.parent.glob(f"{path.name}.*.bak") if p.is_file()]
    return sorted(found, key=lambda p: (p.stat().st_mtime, p.name), reverse=True)
