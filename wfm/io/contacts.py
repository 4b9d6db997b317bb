"""Contact-level exports (one row per call, chat or item) turned into history: volume and AHT per interval.

Many ACDs and case systems export contacts, not intervals. `contacts_to_history` counts each queue's contacts
by the interval their arrival falls in, and averages the handle time of those that have one (an abandoned call
has none: it counts in the volume, not in the AHT). The result is a history.csv the loader reads like any other;
the same calls exported as 6-minute slots give the same 30-minute history.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from wfm.io.cells import decimal_comma_hint
from wfm.io.collect import _Collector
from wfm.io.errors import Problem, ScenarioError
from wfm.io.sources import _read_csv

CONTACT_COLUMNS = ("arrived_at", "queue")
HANDLE_COLUMN = "handle_seconds"
HISTORY_COLUMNS = ("interval_start", "queue", "volume", "aht_seconds")


def contacts_to_history(path: Path, interval_minutes: int) -> pd.DataFrame:
    """history rows (interval_start, queue, volume, aht_seconds) from a contacts file: `arrived_at` (a date and
    time, seconds allowed), `queue`, optionally `handle_seconds`. Raises ScenarioError naming every bad row."""
    if interval_minutes <= 0 or 1440 % interval_minutes:
        raise ValueError(f"interval_minutes must divide a day (5, 6, 10, 15, 30, 60 ...), got {interval_minutes}")
    out = _Collector()
    table = _read_csv(Path(path), out)
    if table is None or out:
        raise ScenarioError(out.problems())
    frame = table.frame
    missing = [c for c in CONTACT_COLUMNS if c not in frame.columns]
    if missing or frame.empty:
        expected = (
            f"missing column(s) {', '.join(missing)}: a contacts file has one row per contact with arrived_at, "
            f"queue[, {HANDLE_COLUMN}]"
            if missing
            else "no contacts: the file has no data rows"
        )
        raise ScenarioError([Problem(table.label, None, None, None, expected)])
    arrived = pd.to_datetime(frame["arrived_at"].str.replace(" ", "T", n=1), format="ISO8601", errors="coerce")
    for row in frame.index[arrived.isna().to_numpy()]:
        out.add(
            Problem(
                table.label,
                int(row),
                "arrived_at",
                frame.at[row, "arrived_at"],
                "a date and time like 2026-03-02T08:15:42 (site-local)",
            ),
            kind="arrived_at",
        )
    blank_queue = frame["queue"] == ""
    for row in frame.index[blank_queue.to_numpy()]:
        out.add(Problem(table.label, int(row), "queue", "", "a queue id"), kind="queue")
    if HANDLE_COLUMN in frame.columns:
        text = frame[HANDLE_COLUMN]
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
                    decimal_comma_hint(text[row]),
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
            "interval_start": arrived.dt.tz_localize(None) if arrived.dt.tz is not None else arrived,
            "queue": frame["queue"],
            "handled": handle.notna(),
            "handle": handle.fillna(0.0),
        }
    )
    contacts["interval_start"] = contacts["interval_start"].dt.floor(f"{interval_minutes}min")
    grouped = contacts.groupby(["interval_start", "queue"], sort=True)
    history = grouped.agg(volume=("queue", "size"), handled=("handled", "sum"), work=("handle", "sum")).reset_index()
    history["aht_seconds"] = np.where(
        history["handled"] > 0, history["work"] / history["handled"].clip(lower=1), np.nan
    )
    history["volume"] = history["volume"].astype(float)
    return history[list(HISTORY_COLUMNS)]


def history_csv_text(history: pd.DataFrame) -> str:
    """The history as history.csv text (ISO times, AHT blank where unknown)."""
    return history.to_csv(index=False, date_format="%Y-%m-%dT%H:%M", float_format="%.2f")
