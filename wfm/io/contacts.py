"""Contact-level exports (one row per call, chat or item) turned into history: volume and AHT per interval.

Many ACDs and case systems export contacts, not intervals. `contacts_to_history` counts each queue's contacts
by the interval their arrival falls in, and averages the handle time of those that have one (an abandoned call
has none: it counts in the volume, not in the AHT). The result is a history.csv the loader reads like any other;
the same calls exported as 6-minute slots give the same 30-minute history. Times are site-local; a time with
a UTC offset needs the site's zone to convert it (on the day clocks go back, the repeated hour's contacts
then fall in one set of intervals, as history.csv writes each interval once).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from wfm.io.collect import _Collector
from wfm.io.errors import Problem, ScenarioError
from wfm.io.sources import _read_csv

CONTACT_COLUMNS = ("arrived_at", "queue")
HANDLE_COLUMN = "handle_seconds"
HISTORY_COLUMNS = ("interval_start", "queue", "volume", "aht_seconds")


INTERVALS = (15, 30)  # the intervals a site plans in
_TIME_RE = r"^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}"
_OFFSET_RE = r"(?:Z|[+-]\d{2}:?\d{2})$"


def contacts_to_history(path: Path, interval_minutes: int, timezone: str | None = None) -> pd.DataFrame:
    """history rows (interval_start, queue, volume, aht_seconds) from a contacts file: `arrived_at` (a date and
    time, seconds allowed; with a UTC offset only when `timezone`, the site's, is given), `queue`, optionally
    `handle_seconds`. Every interval of each queue's days gets a row, 0 where nothing arrived: a missing row
    would be read as unknown and the day scaled up. Raises ScenarioError naming every bad row."""
    if interval_minutes not in INTERVALS:
        raise ValueError(f"interval_minutes must be 15 or 30 (the site's interval), got {interval_minutes}")
    out = _Collector()
    table = _read_csv(Path(path), out)
    if table is None or out:
        raise ScenarioError(out.problems())
    frame = table.frame
    missing = [c for c in CONTACT_COLUMNS if c not in frame.columns]
    if missing or frame.empty:
        found = ", ".join(frame.columns) or "none"
        expected = (
            f"missing column(s) {', '.join(missing)} (found: {found}): a contacts file has one row per contact with "
            f"arrived_at, queue[, {HANDLE_COLUMN}]"
            if missing
            else "no contacts: the file has no data rows"
        )
        raise ScenarioError([Problem(table.label, None, None, None, expected)])
    text = frame["arrived_at"]
    has_offset = text.str.contains(_OFFSET_RE, regex=True)
    if has_offset.any() and timezone is None:
        row = int(text.index[has_offset.to_numpy()][0])
        raise ScenarioError(
            [
                Problem(
                    table.label,
                    row,
                    "arrived_at",
                    text[row],
                    "a site-local time (this one has a UTC offset)",
                    "Give the site's time zone with --timezone (e.g. Europe/London) to convert such times.",
                )
            ]
        )
    arrived = pd.Series(pd.NaT, index=frame.index, dtype="datetime64[ns]")
    plain = text.str.match(_TIME_RE) & ~has_offset
    arrived[plain] = pd.to_datetime(text[plain].str.replace(" ", "T", n=1), format="ISO8601", errors="coerce")
    if has_offset.any():
        aware = pd.to_datetime(text[has_offset].str.replace(" ", "T", n=1), format="ISO8601", utc=True, errors="coerce")
        arrived[has_offset] = aware.dt.tz_convert(timezone).dt.tz_localize(None)
    for row in frame.index[arrived.isna().to_numpy()]:
        out.add(
            Problem(
                table.label,
                int(row),
                "arrived_at",
                frame.at[row, "arrived_at"],
                "a date and time like 2026-03-02T08:15:42 (site-local)",
                "A date alone is not enough: each contact needs its time of day.",
            ),
            kind="arrived_at",
        )
    blank_queue = frame["queue"] == ""
    for row in frame.index[blank_queue.to_numpy()]:
        out.add(Problem(table.label, int(row), "queue", "", "a queue id"), kind="queue")
    if HANDLE_COLUMN in frame.columns:
        text = frame[HANDLE_COLUMN]
        if table.separator == ";":  # European Excel: a decimal comma
            text = text.str.replace(",", ".", regex=False)
        handle = pd.to_numeric(text, errors="coerce")
        bad = (text != "") & (handle.isna() | ~np.isfinite(handle) | (handle < 0))
        for row in frame.index[bad.to_numpy()]:
            out.add(
                Problem(
                    table.label,
                    int(row),
                    HANDLE_COLUMN,
                    text[row],
                    "a number of seconds >= 0 (or blank for a contact not handled, e.g. abandoned)",
                    "Write seconds with a decimal point (e.g. 312.5)." if "," in text[row] else "",
                ),
                kind=HANDLE_COLUMN,
            )
        handle = handle.where((text != "") & ~bad)
    else:
        handle = pd.Series(np.nan, index=frame.index)
    if out:
        raise ScenarioError(out.problems())
    contacts = pd.DataFrame(
        {
            "interval_start": arrived.dt.floor(f"{interval_minutes}min"),
            "queue": frame["queue"],
            "handled": handle.notna(),
            "handle": handle.fillna(0.0),
        }
    )
    grouped = contacts.groupby(["queue", "interval_start"], sort=True)
    counted = grouped.agg(volume=("queue", "size"), handled=("handled", "sum"), work=("handle", "sum"))
    parts = []
    for queue_id, rows in counted.groupby(level="queue", sort=True):
        times = rows.index.get_level_values("interval_start")
        every = pd.date_range(
            times.min().normalize(),
            times.max().normalize() + pd.Timedelta(days=1),
            freq=f"{interval_minutes}min",
            inclusive="left",
        )
        full = rows.droplevel("queue").reindex(every, fill_value=0)
        full.index.name = "interval_start"
        parts.append(full.reset_index().assign(queue=queue_id))
    history = pd.concat(parts, ignore_index=True)
    history["aht_seconds"] = np.where(
        history["handled"] > 0, history["work"] / history["handled"].clip(lower=1), np.nan
    )
    history["volume"] = history["volume"].astype(float)
    history = history.sort_values(["interval_start", "queue"], kind="stable").reset_index(drop=True)
    return history[list(HISTORY_COLUMNS)]


def history_csv_text(history: pd.DataFrame) -> str:
    """The history as history.csv text (ISO times, AHT blank where unknown)."""
    return history.to_csv(index=False, date_format="%Y-%m-%dT%H:%M", float_format="%.2f")
