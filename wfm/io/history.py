"""history.csv, read vectorised: an export of a few months has hundreds of thousands of rows."""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from dataclasses import dataclass, replace

import numpy as np
import pandas as pd

from wfm.io.cells import _did_you_mean, _listing, decimal_comma_hint
from wfm.io.collect import MAX_LISTED_PER_KIND, _Collector
from wfm.io.errors import Problem
from wfm.io.site_file import _SiteFacts
from wfm.io.sources import _Table

# --------------------------------------------------------------------------------------------------------------
# History: vectorised. A row that cannot be used as written (a bad time or volume, an unreadable AHT, the same
# interval twice with different values) stops the load, listed with the others: a dropped row is lost data. With
# [input] skip_bad_rows (or --skip-bad-rows) the same rows are left out instead, each listed as a warning, and the
# forecast runs on what is left, with the interval unknown rather than zero. What loses nothing (the same row
# twice, a short history, an implausible value) is always a warning.

EXPECTED_HISTORY_TIME = (
    "a date and time like 2026-03-02T08:15 (YYYY-MM-DDTHH:MM, site-local, or with a UTC offset like +01:00)"
)
ROW_DROPPED = "Row dropped."
VOLUME_DROPPED = "Row dropped: the interval is treated as unknown, not as zero."
AHT_UNKNOWN = "The row is kept with its AHT unknown."
# How a row dated after the planning horizon is described (the nightly inbox, which moves the horizon itself,
# recognises the warning by it).
AFTER_THE_HORIZON = "a time before the planning horizon ends"

# A history spanning fewer days than this sees each weekday less than twice.
MIN_HISTORY_DAYS = 14
# A queue's data granularity is judged only from this many rows: a handful of 15-minute rows can all sit on
# :00 and :30 by chance.
_ROWS_TO_JUDGE_GRANULARITY = 8

_OFFSET_SUFFIX_RE = r"^(.*?)(Z|[+-]\d{2}:?\d{2})$"


def _report_rows(
    out: _Collector,
    table: _Table,
    mask: pd.Series,
    column: str,
    expected: str | Callable[[int], str],
    hint: str | Callable[[int], str] = "",
    kind: str | None = None,
) -> None:
    """One problem per masked row, up to the per-kind cap; `expected`/`hint` may depend on the row number."""
    rows = mask.index[mask.to_numpy()]
    if not len(rows) or column in table.reported:
        return  # nothing to report, or the whole column's cause is reported once already
    if kind is None:
        assert isinstance(expected, str), "a per-row `expected` needs a `kind` to count rows by"
        kind = expected
    values = table.frame.loc[rows[:MAX_LISTED_PER_KIND], column]
    for row, value in values.items():
        number = int(row)
        out.add(
            Problem(
                table.label,
                number,
                column,
                str(value),
                expected if isinstance(expected, str) else expected(number),
                hint if isinstance(hint, str) else hint(number),
            ),
            kind,
        )
    if len(rows) > MAX_LISTED_PER_KIND:
        out.add_hidden(table.label, column, kind, len(rows) - MAX_LISTED_PER_KIND)


def _with_seconds(text: pd.Series) -> pd.Series:
    """'2026-03-02 08:15' -> '2026-03-02T08:15:00', the one form the vectorised parse accepts."""
    text = text.str.replace(" ", "T", n=1, regex=False)
    return text.where(text.str.len() != 16, text + ":00")


@dataclass
class _WallClock:
    """Naive site-local times placed in the site's time zone, once per distinct time (a history repeats each
    time for every queue). `first`/`second` are the instants of a time's first and second occurrence: equal
    except in the hour a fall-back day repeats, NaT for a time the spring-forward jump skips."""

    codes: np.ndarray  # per row, into first/second; -1 where the time is unknown
    first: np.ndarray  # datetime64 UTC instants
    second: np.ndarray

    @classmethod
    def of(cls, local: pd.Series, timezone: str) -> _WallClock:
        codes, distinct = pd.factorize(local)
        index = pd.DatetimeIndex(distinct)
        first, second = (
            index.tz_localize(timezone, ambiguous=np.full(len(index), is_first), nonexistent="NaT")
            .tz_convert("UTC")
            .tz_localize(None)
            .to_numpy()
            for is_first in (True, False)
        )
        return cls(codes, first, second)

    def _per_row(self, values: np.ndarray) -> np.ndarray:
        if not len(values):  # no row has a time: every row is unknown
            return np.full(len(self.codes), np.datetime64("NaT"), dtype="datetime64[us]")
        picked = values[np.maximum(self.codes, 0)]
        picked[self.codes < 0] = np.datetime64("NaT")
        return picked

    @property
    def nonexistent(self) -> np.ndarray:
        return (self.codes >= 0) & np.isnat(self._per_row(self.first))

    @property
    def repeated(self) -> np.ndarray:
        first, second = self._per_row(self.first), self._per_row(self.second)
        return ~np.isnat(first) & (first != second)

    def instant(self, fold: np.ndarray) -> np.ndarray:
        return np.where(fold == 1, self._per_row(self.second), self._per_row(self.first))


def _clocks_forward(local: pd.Timestamp, timezone: str) -> str:
    """'clocks go forward from 01:00 to 02:00 on 2026-03-29' for a time inside that skipped hour."""
    after = local.tz_localize(timezone, nonexistent="shift_forward")
    just_before = (after - pd.Timedelta(microseconds=1)).tz_convert(timezone)
    jump = after.utcoffset() - just_before.utcoffset()
    to = after.tz_localize(None)
    return f"clocks go forward from {to - jump:%H:%M} to {to:%H:%M} on {to:%Y-%m-%d}"


def _interval_starts(table: _Table, timezone: str, found: _Collector) -> tuple[pd.Series, np.ndarray, np.ndarray]:
    """Parse interval_start into naive site-local time.

    Returns the local times (NaT where the row is dropped, with a warning in `found`), the fold known from a
    UTC offset (PEP 495: 1 = the second pass through a repeated hour), and which rows without an offset fall in
    the hour a fall-back day repeats (their fold follows from file order, once the queue is known).
    """
    text = table.frame["interval_start"]
    # Each time is repeated for every queue: parse the distinct texts only.
    codes, distinct = pd.factorize(text)
    distinct_local, distinct_fold, distinct_offset = _parse_times(pd.Series(distinct), timezone)
    local = pd.Series(distinct_local[codes], index=text.index)
    fold, has_offset = distinct_fold[codes], distinct_offset[codes]

    _report_rows(found, table, local.isna(), "interval_start", EXPECTED_HISTORY_TIME, lambda row: _time_hint(text[row]))

    off_minute = local.notna() & (local.dt.second != 0)
    _report_rows(
        found,
        table,
        off_minute,
        "interval_start",
        "the start of an export slot, on a whole minute (seconds :00)",
        "Each row is the volume of one slot of the export (5, 6, 10, 15 or 30 minutes ...), summed into the "
        "site's intervals. A contact-level export (one row per contact) becomes history with `wfm import`. "
        f"{ROW_DROPPED}",
    )
    local = local.where(~off_minute)

    clock = _WallClock.of(local, timezone)
    skipped = pd.Series(clock.nonexistent & ~has_offset, index=text.index)
    _report_rows(
        found,
        table,
        skipped,
        "interval_start",
        lambda row: f"a time that exists in {timezone}: {_clocks_forward(local[row], timezone)}",
        f"A site-local export cannot contain it; was it written in another time zone? {ROW_DROPPED}",
        kind="time does not exist",
    )
    local = local.where(~skipped)
    repeated_naive = clock.repeated & ~has_offset & ~skipped.to_numpy()
    return local, fold, repeated_naive


def _parse_times(text: pd.Series, timezone: str) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Distinct interval_start texts -> (naive local time or NaT, fold from the offset, has an offset)."""
    local = pd.to_datetime(_with_seconds(text), format="%Y-%m-%dT%H:%M:%S", errors="coerce").astype("datetime64[us]")
    fold = np.zeros(len(text), dtype=np.int8)
    # Only texts the plain form did not parse can carry an offset.
    parts = text[local.isna()].str.extract(_OFFSET_SUFFIX_RE).dropna()
    has_offset = text.index.isin(parts.index)
    if has_offset.any():
        stamped = _with_seconds(parts[0]) + parts[1]
        instant = pd.to_datetime(stamped, format="%Y-%m-%dT%H:%M:%S%z", utc=True, errors="coerce")
        wall = instant.dt.tz_convert(timezone).dt.tz_localize(None).astype("datetime64[us]")
        local[has_offset] = wall
        # The offset says which pass through a repeated hour it was: the later instant is the second one.
        first_pass = (
            pd.DatetimeIndex(wall)
            .tz_localize(timezone, ambiguous=np.ones(len(wall), dtype=bool), nonexistent="NaT")
            .tz_convert("UTC")
            .tz_localize(None)
            .to_numpy(dtype="datetime64[us]")
        )
        later = instant.notna().to_numpy() & (
            instant.dt.tz_localize(None).to_numpy(dtype="datetime64[us]") != first_pass
        )
        fold[has_offset] = later.astype(np.int8)
    return local.to_numpy(), fold, has_offset


def _time_hint(text: str) -> str:
    if re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
        return f"Add the time of day, e.g. 2026-03-02T00:00. {ROW_DROPPED}"
    if "/" in text or "." in text:
        return (
            "Write dates year first (2026-03-02T08:15): 02/03/2026 means different days in different countries. "
            + ROW_DROPPED
        )
    return ROW_DROPPED


def _decimal_hint(text: str) -> str:
    hint = decimal_comma_hint(text)
    return hint + " " if hint else ""


def _load_history(table: _Table, facts: _SiteFacts, out: _Collector, notes: _Collector) -> pd.DataFrame | None:
    """The usable history rows; warnings go to `notes`, or to `out` when no usable row is left."""
    frame = table.frame
    before = out.count
    if frame.empty:
        out.add(Problem(table.label, None, None, None, "there are no data rows; the forecast needs past volumes"))
        return None
    if table.reported & {"interval_start", "volume"}:
        return None  # every row has the cause reported for the whole column; more would be follow-on errors
    lost = _Collector()  # rows (or AHTs) that cannot be used as written
    found = _Collector()  # warnings that lose nothing
    timezone = facts.timezone or "UTC"

    local, fold, repeated_naive = _interval_starts(table, timezone, lost)

    queue = frame["queue"]
    if facts.queue_ids is not None:
        known_queue = queue.isin(sorted(facts.queue_ids))
        _report_unknown_queues(out, table, queue[~known_queue], sorted(facts.queue_ids))
    else:
        known_queue = queue != ""

    # A naive time in the repeated hour of a fall-back day legitimately occurs twice per queue: the first row in
    # the file is the first pass (fold 0), the next the second pass (fold 1); only a third is a duplicate.
    if repeated_naive.any():
        pass_number = (
            pd.DataFrame({"local": local[repeated_naive], "queue": queue[repeated_naive]})
            .groupby(["local", "queue"], sort=False)
            .cumcount()
        )
        fold[repeated_naive] = (pass_number.to_numpy() >= 1).astype(np.int8)

    volume = pd.to_numeric(frame["volume"], errors="coerce")
    bad_volume = volume.isna() | ~np.isfinite(volume)
    _report_rows(
        lost,
        table,
        bad_volume,
        "volume",
        "a number >= 0 (contacts or items that arrived in the interval)",
        lambda row: _decimal_hint(frame.at[row, "volume"]) + VOLUME_DROPPED,
        kind="volume not a number",
    )
    negative = ~bad_volume & (volume < 0)
    _report_rows(lost, table, negative, "volume", "a number >= 0 (a volume cannot be negative)", VOLUME_DROPPED)

    if table.has("aht_seconds"):
        aht_text = frame["aht_seconds"]
        aht = pd.to_numeric(aht_text, errors="coerce")
        bad_aht = (aht_text != "") & (aht.isna() | ~np.isfinite(aht))
        _report_rows(
            lost,
            table,
            bad_aht,
            "aht_seconds",
            "a number of seconds (or blank when unknown)",
            lambda row: _decimal_hint(aht_text[row]) + AHT_UNKNOWN,
            kind="aht not a number",
        )
        negative_aht = ~bad_aht & (aht < 0)
        _report_rows(
            lost, table, negative_aht, "aht_seconds", "a number of seconds >= 0 (or blank when unknown)", AHT_UNKNOWN
        )
        aht = aht.where(np.isfinite(aht) & ~negative_aht)
        # An ACD writes 0 where it measured nothing: an interval with contacts cannot have taken no time.
        zero_aht = (aht == 0) & (volume > 0)
        _report_rows(
            found,
            table,
            zero_aht,
            "aht_seconds",
            "a handle time for the contacts of this interval (an AHT of 0 s with contacts is not possible)",
            "The AHT is treated as unknown, as an export writes 0 where nothing was measured.",
        )
        aht = aht.where(~zero_aht)
    else:
        aht = pd.Series(np.nan, index=frame.index)

    rows = pd.DataFrame(
        {
            "interval_start": local,
            "queue": queue.astype(object),
            "volume": volume.astype(float),
            "aht_seconds": aht.astype(float),
            "fold": fold,
        },
        index=frame.index,
    )
    usable = local.notna() & known_queue & ~bad_volume & ~negative
    candidates = rows[usable]
    repeats = candidates.index[candidates.duplicated(keep="first")]  # the same row twice loses nothing
    rows = _drop_repeated_intervals(table, candidates, lost, found, facts.skip_bad_rows)
    dropped = frame.index.difference(rows.index).difference(repeats).difference(frame.index[~known_queue])

    if facts.interval_minutes is not None and facts.queue_ids is not None:
        _check_granularity(table, rows, facts.interval_minutes, out)
    if out.count != before:
        return None  # the load fails; the warnings would only distract from the errors
    if lost and not facts.skip_bad_rows:
        out.extend(lost, edit=_kept_in_file)
        out.add(
            Problem(
                table.label,
                None,
                None,
                None,
                f"{lost.count:,} problem{'s' if lost.count != 1 else ''} above: those rows cannot be used as "
                "written, and leaving them out would lose data",
                "Fix them in the export, or plan without them: add --skip-bad-rows to the command, or set "
                "skip_bad_rows = true under [input] in site.toml (each row left out is then listed as a warning).",
            )
        )
        return None
    too_much = _too_much_dropped(table, dropped, volume, facts.max_dropped_share) if lost else None
    if too_much is not None:
        out.extend(lost, edit=_kept_in_file)
        out.add(too_much)
        return None
    found.extend(lost)
    if rows.empty:
        out.extend(found)
        out.add(
            Problem(
                table.label,
                None,
                None,
                None,
                "no usable rows: every row has a problem listed above",
                "The forecast needs past volumes per interval and queue.",
            )
        )
        return None
    _report_thin_queues(table, rows, queue[known_queue], facts.queue_ids, found)
    _report_implausible(table, rows, facts, found)
    notes.extend(found)

    # Time order is the real order: the second pass through a repeated hour comes after the first.
    clock = _WallClock.of(rows["interval_start"], timezone)
    rows["instant"] = clock.instant(rows["fold"].to_numpy())
    history = rows.sort_values(["instant", "queue"], kind="stable").drop(columns="instant").reset_index(drop=True)
    history["queue"] = history["queue"].astype(str)
    history["fold"] = history["fold"].astype(np.int8)
    return history


def _too_much_dropped(table: _Table, dropped: pd.Index, volume: pd.Series, limit: float) -> Problem | None:
    """With skip_bad_rows, rows may be left out, but not more than `limit` ([input] max_dropped_share, 1 %) of
    the rows or the volume: beyond it the export is wrong, and a forecast from what is left would be quietly far
    off (a 6-minute export read as 5-minute lost 80 % of its rows that way)."""
    counted = volume.where(np.isfinite(volume) & (volume > 0), 0.0)
    total_volume, dropped_volume = float(counted.sum()), float(counted[dropped].sum())
    dropped_rows, total_rows = len(dropped), len(volume)
    row_share = dropped_rows / max(total_rows, 1)
    volume_share = dropped_volume / total_volume if total_volume > 0 else 0.0
    if row_share <= limit and volume_share <= limit:
        return None
    unreadable = int(volume[dropped].isna().sum())
    of_volume = f"{volume_share:.1%} of the volume" + (
        f" (and {unreadable:,} whose volume cannot be read)" if unreadable else ""
    )
    return Problem(
        table.label,
        None,
        None,
        None,
        f"{dropped_rows:,} of {total_rows:,} rows ({row_share:.1%}), {of_volume}, cannot be used as written "
        f"(listed above): leaving out more than {limit:.1%} loses too much data, even when bad rows are skipped",
        "Fix the export (the problems above usually share one cause), or, to plan without them all the same, "
        "raise max_dropped_share under [input] in site.toml.",
    )


def _drop_repeated_intervals(
    table: _Table, rows: pd.DataFrame, lost: _Collector, found: _Collector, skip_bad_rows: bool
) -> pd.DataFrame:
    """One row per interval and queue. A row repeated with the same values is dropped (nothing is lost); when the
    values differ, which is right is the planner's call (`lost`); skipping bad rows, the later row in the file
    wins, as a later export corrects an earlier one."""
    keys = ["interval_start", "queue", "fold"]

    repeated = rows.duplicated(keep="first")  # every column: the same interval with the same values
    if repeated.any():
        involved = rows[rows.duplicated(keep=False)]
        first_row = (
            pd.Series(involved.index, index=involved.index)
            .groupby([involved[c] for c in rows], dropna=False)
            .transform("min")
        )
        _report_rows(
            found,
            table,
            repeated,
            "interval_start",
            lambda row: (
                f"a new interval for queue '{rows.at[row, 'queue']}' (row {first_row[row]} has the same "
                "interval_start, queue, volume and aht_seconds)"
            ),
            "Repeated row dropped.",
            kind="repeated row",
        )
        rows = rows[~repeated]

    replaced = rows.duplicated(keys, keep="last")
    if replaced.any():
        involved = rows[rows.duplicated(keys, keep=False)]
        winner = (
            pd.Series(involved.index, index=involved.index)
            .groupby([involved[c] for c in keys], dropna=False)
            .transform("max")
        )

        def expected(row: int) -> str:
            kept = winner[row]
            return (
                f"a new interval for queue '{rows.at[row, 'queue']}' "
                f"(row {kept} has it again, with {_differences(rows.loc[kept], rows.loc[row])})"
            )

        _report_rows(
            lost,
            table,
            replaced,
            "interval_start",
            expected,
            lambda row: (
                f"Row {winner[row]} is kept, as the later row in the file: a later export corrects an "
                "earlier one. This row is dropped."
                if skip_bad_rows
                else f"Keep the right one of rows {row} and {winner[row]}."
            ),
            kind="replaced row",
        )
        rows = rows[~replaced]
    return rows


def _differences(kept: pd.Series, dropped: pd.Series) -> str:
    def shown(value: float) -> str:
        return "blank" if math.isnan(value) else f"{value:g}"

    changes = [
        f"{column} {shown(kept[column])} instead of {shown(dropped[column])}"
        for column in ("volume", "aht_seconds")
        if not (kept[column] == dropped[column] or (math.isnan(kept[column]) and math.isnan(dropped[column])))
    ]
    return " and ".join(changes)


def row_slot_minutes(starts: pd.Series) -> pd.Series:
    """Each row's export slot in minutes: the gap to the next row of its queue on the same day, at most the
    queue's most common gap (a missing slot does not make its neighbour longer). A stray row off the grid, or
    an export that changed from 30- to 15-minute slots, is judged row by row, not by one figure for the file."""
    moments = starts.to_numpy().astype("datetime64[m]").astype(np.int64)
    order = np.argsort(moments, kind="stable")
    ordered = moments[order]
    gap = np.diff(ordered, append=ordered[-1] if len(ordered) else 0).astype(float)
    same_day = np.append(ordered[1:] // 1440 == ordered[:-1] // 1440, False) if len(ordered) else np.zeros(0, bool)
    gap = np.where(same_day & (gap > 0), gap, np.nan)
    known = gap[~np.isnan(gap)]
    typical = float(pd.Series(known).mode().iloc[0]) if len(known) else np.nan
    gap = np.fmin(np.where(np.isnan(gap), typical, gap), typical)
    slots = np.empty(len(moments))
    slots[order] = gap
    return pd.Series(slots, index=starts.index)


def _dividing_slots(interval_minutes: int) -> str:
    return ", ".join(str(m) for m in (5, 6, 10, 15, 30) if m <= interval_minutes and interval_minutes % m == 0)


def _check_granularity(table: _Table, rows: pd.DataFrame, interval_minutes: int, out: _Collector) -> None:
    """Each row is one export slot, which must fall inside one of the site's intervals.

    A 6-minute export adds up into 30-minute intervals; into 15-minute ones its 08:12 slot would straddle two, and
    splitting it (or a 30-minute volume into 15-minute intervals) would invent a pattern: an error naming such
    a row, not a guess."""
    for queue_id, group in rows.groupby("queue", sort=True):
        count = len(group)
        if count < _ROWS_TO_JUDGE_GRANULARITY:
            continue
        slot = row_slot_minutes(group["interval_start"])
        offset = (group["interval_start"].dt.hour * 60 + group["interval_start"].dt.minute) % interval_minutes
        straddles = (offset + slot.clip(upper=interval_minutes + 1) > interval_minutes) & slot.notna()
        if not straddles.any():
            continue
        first = int(straddles.idxmax())
        moment = group.at[first, "interval_start"]
        length = int(slot[first])
        end = moment + pd.Timedelta(minutes=length)
        if length > interval_minutes:
            expected = (
                f"history for queue '{queue_id}' has {length}-minute rows but interval_minutes = {interval_minutes} "
                "in site.toml"
            )
        else:
            expected = (
                f"history for queue '{queue_id}' has {length}-minute rows, which do not add up into the "
                f"{interval_minutes}-minute intervals of site.toml"
            )
        fix = (
            f"Export the history in slots that divide {interval_minutes} minutes ({_dividing_slots(interval_minutes)})"
        )
        if length in (15, 30) and length != interval_minutes:
            fix += f", or plan in {length}-minute intervals (interval_minutes = {length})"
        elif interval_minutes == 15 and 30 % length == 0:
            fix += ", or plan in 30-minute intervals (interval_minutes = 30)"
        out.add(
            Problem(
                table.label,
                None,
                "interval_start",
                None,
                expected,
                f"Row {first}: the slot {moment:%Y-%m-%d %H:%M}-{end:%H:%M} straddles two intervals "
                f"({int(straddles.sum()):,} of its {count:,} rows do); splitting it would invent a pattern. {fix}.",
            ),
            kind="coarse history",
        )


def _report_thin_queues(
    table: _Table, rows: pd.DataFrame, named: pd.Series, queue_ids: set[str] | None, found: _Collector
) -> None:
    """A queue with under two weeks of history, or none, still gets whatever forecast it can, with a warning."""
    days = rows["interval_start"].dt.normalize()
    span = days.groupby(rows["queue"]).agg(["min", "max"])
    for queue_id, (first, last) in span.iterrows():
        length = (last - first).days + 1
        if length >= MIN_HISTORY_DAYS:
            continue
        dates = f"{first:%Y-%m-%d}" if length == 1 else f"{first:%Y-%m-%d} to {last:%Y-%m-%d}"
        found.add(
            Problem(
                table.label,
                None,
                "queue",
                None,
                f"queue '{queue_id}' has only {length} day{'s' if length != 1 else ''} of history ({dates})",
                f"Its forecast is still made but less reliable: {MIN_HISTORY_DAYS} days or more show each weekday "
                "at least twice.",
            ),
            kind="short history",
        )
    if queue_ids is None:
        return
    mentioned = named.value_counts()
    for queue_id in sorted(queue_ids - set(span.index)):
        if queue_id in mentioned:
            expected = f"queue '{queue_id}' has no usable rows (all {mentioned[queue_id]:,} are dropped, see above)"
        else:
            expected = f"queue '{queue_id}' of site.toml has no rows"
        found.add(
            Problem(
                table.label,
                None,
                "queue",
                None,
                expected,
                "It cannot be forecast from history; add its past volumes to forecast it.",
            ),
            kind="no history",
        )


def _report_unknown_queues(out: _Collector, table: _Table, unknown: pd.Series, known: list[str]) -> None:
    """One problem per distinct unknown queue name (not per row): an export with a renamed queue has thousands."""
    if unknown.empty:
        return
    counts = unknown.groupby(unknown, sort=False).size()
    first_rows = unknown.reset_index().groupby("queue", sort=False)["index"].min()
    expected = f"a queue in site.toml (expected one of: {_listing(known)})"
    for name, count in counts.items():
        name = str(name)
        rows = "row" if count == 1 else "rows"
        used = f"{count:,} {rows} use it, this is the first. " if count > 1 else ""
        fix = "Fix the value or add the queue to site.toml."
        hint = used + (_did_you_mean(name, known) if name else "") + fix
        out.add(Problem(table.label, int(first_rows[name]), "queue", name, expected, hint), kind="unknown queue")


def _kept_in_file(problem: Problem) -> Problem:
    """A row's problem as an error: nothing is dropped, so the hint no longer says what skipping would do."""
    hint = problem.hint
    for consequence in (VOLUME_DROPPED, ROW_DROPPED, AHT_UNKNOWN):
        hint = hint.replace(consequence, "")
    return replace(problem, hint=hint.strip())


# A volume this many times a queue's usual busiest interval (its 99th percentile), and above the floor, is
# reported as implausible: 1e12 calls, or a cumulative counter exported as a volume.
_IMPLAUSIBLE_FACTOR = 20
_IMPLAUSIBLE_FLOOR = 1_000


def _report_implausible(table: _Table, rows: pd.DataFrame, facts: _SiteFacts, found: _Collector) -> None:
    """Values that parse but cannot be true: a volume far beyond the queue's usual, a row after the horizon
    starts (a year typo). Warnings: each keeps its row, named so the planner can check it."""
    volume = rows["volume"]
    usual = volume.groupby(rows["queue"]).transform(lambda v: v.quantile(0.99))
    huge = volume > np.maximum(_IMPLAUSIBLE_FLOOR, _IMPLAUSIBLE_FACTOR * usual)
    mask = pd.Series(False, index=table.frame.index)
    mask[huge.index[huge.to_numpy()]] = True
    _report_rows(
        found,
        table,
        mask,
        "volume",
        lambda row: (
            f"a plausible volume for queue '{rows.at[row, 'queue']}' (99 % of its intervals have at most "
            f"{usual[row]:,.0f})"
        ),
        "Check the export: it is kept as written, and a forecast fitted on it would plan for it.",
        kind="implausible volume",
    )
    if facts.horizon_end is None:
        return
    later = rows["interval_start"] >= pd.Timestamp(facts.horizon_end)
    mask = pd.Series(False, index=table.frame.index)
    mask[later.index[later.to_numpy()]] = True
    _report_rows(
        found,
        table,
        mask,
        "interval_start",
        f"{AFTER_THE_HORIZON} ({facts.horizon_end}): history is what has happened",
        "A typo in the year, or [horizon] start in site.toml out of date? The forecast only uses history before "
        "the horizon, so this row is not used.",
        kind="history after the horizon",
    )
