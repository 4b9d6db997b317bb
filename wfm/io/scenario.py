"""Read a scenario folder (or one .xlsx workbook) into a validated `Scenario`.

Every file is read to the end and every problem is collected before anything is raised, so a planner fixes
the whole input in one pass instead of one error per run. Messages name the file, the row as a spreadsheet
counts it (header = row 1), the column, the value found and what was expected. The history is validated with
vectorised pandas operations because an export of a few months has hundreds of thousands of rows; a history row
the forecast can do without (a bad volume, a repeated interval) is dropped with a warning instead of an error,
rendered into `Scenario.warnings`, because one bad cell in a year of export should not stop the plan.
"""

from __future__ import annotations

import datetime as dt
import difflib
import math
import re
import tomllib
from collections import Counter
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol, TypeVar
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import numpy as np
import pandas as pd
from pydantic import BaseModel, ValidationError

from wfm.domain import (
    WEEKDAYS,
    Agent,
    Availability,
    BacklogItem,
    BreakRule,
    Contract,
    Event,
    FixedActivity,
    ForecastSettings,
    Horizon,
    Office,
    PreviousShift,
    Queue,
    Rules,
    Scenario,
    ShiftTemplate,
    Site,
    Skill,
    SolverSettings,
    TimeOff,
    Weights,
    parse_clock,
)
from wfm.domain.models import ShiftRequest
from wfm.io.errors import Problem, ScenarioError

__all__ = ["ForecastInputs", "load_forecast_inputs", "load_scenario", "load_site"]

# Beyond this many problems of one kind in one column, the rest are counted, not listed: a wrong export
# format breaks every row alike and 400,000 identical lines help nobody.
MAX_LISTED_PER_KIND = 20

SITE_FILE = "site.toml"

EXPECTED_DATETIME = "a date and time like 2026-03-02T08:15 (YYYY-MM-DDTHH:MM, site-local, no offset)"
EXPECTED_DATE = "a date like 2026-03-02 (YYYY-MM-DD)"
EXPECTED_CLOCK = "a clock time like 08:30 (HH:MM, 24:00 allowed as an end)"
EXPECTED_NUMBER = "a number"

_DATETIME_RE = re.compile(r"\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?")
# Excel hands a date cell over as a datetime at midnight, so a date column accepts that form too.
_DATE_RE = re.compile(r"(\d{4}-\d{2}-\d{2})([T ]00:00(:00)?)?")
_OFFSET_RE = re.compile(r"(Z|[+-]\d{2}:?\d{2})$")
_WEEKDAY_NAMES = {
    **{name: i for i, name in enumerate(WEEKDAYS)},
    **{
        name: i for i, name in enumerate(("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"))
    },
}


@dataclass(frozen=True)
class _TableSpec:
    required: tuple[str, ...]
    optional: tuple[str, ...] = ()
    needed: bool = False  # the scenario cannot be planned without this file
    about: str = ""

    @property
    def header(self) -> str:
        return ",".join(self.required + self.optional)


_TABLES: dict[str, _TableSpec] = {
    "staff": _TableSpec(("agent_id", "name", "office", "contract"), ("team", "hourly_cost"), True, "the agents"),
    "skills": _TableSpec(("agent_id", "queue", "proficiency"), ("priority",), True, "which agent works which queue"),
    "history": _TableSpec(
        ("interval_start", "queue", "volume"), ("aht_seconds",), True, "past volume per interval and queue"
    ),
    "availability": _TableSpec(("agent_id", "day", "start", "end")),
    "time_off": _TableSpec(("agent_id", "start", "end"), ("reason",)),
    "fixed_activities": _TableSpec(("agent_id", "start", "end"), ("activity",)),
    "previous_shifts": _TableSpec(("agent_id", "start", "end")),
    "backlog": _TableSpec(("queue", "items", "oldest_arrival")),
    "events": _TableSpec(("date", "queue"), ("multiplier", "closed")),
    "requests": _TableSpec(("agent_id", "date", "shift_template", "on"), ("weight",)),
}


# --------------------------------------------------------------------------------------------------------------
# Problem collection


class _Bad(ValueError):
    """A cell that does not parse; carries the planner-facing description of what was expected."""

    def __init__(self, expected: str, hint: str = "") -> None:
        super().__init__(expected)
        self.expected = expected
        self.hint = hint


_Key = tuple[str, str | None, str]


class _Collector:
    def __init__(self) -> None:
        self._items: list[tuple[_Key, Problem]] = []
        self._listed: Counter[_Key] = Counter()
        self._hidden: Counter[_Key] = Counter()

    def add(self, problem: Problem, kind: str | None = None) -> None:
        key = (problem.file, problem.column, kind or problem.expected)
        if self._listed[key] >= MAX_LISTED_PER_KIND:
            self._hidden[key] += 1
            return
        self._listed[key] += 1
        self._items.append((key, problem))

    def add_hidden(self, file: str, column: str | None, kind: str, count: int) -> None:
        self._hidden[(file, column, kind)] += count

    def extend(self, other: _Collector) -> None:
        """Take over another collector's problems, listed and counted (warnings that turned out to be fatal)."""
        for key, problem in other._items:
            self.add(problem, key[2])
        self._hidden.update(other._hidden)

    def __bool__(self) -> bool:
        return bool(self._items)

    @property
    def count(self) -> int:
        return len(self._items) + sum(self._hidden.values())

    def problems(self) -> list[Problem]:
        # The "N more" line goes right after the last listed problem of its kind.
        last_index = {key: i for i, (key, _) in enumerate(self._items)}
        out: list[Problem] = []
        for i, (key, problem) in enumerate(self._items):
            out.append(problem)
            if last_index[key] == i and self._hidden[key]:
                count = self._hidden[key]
                rows = "row has" if count == 1 else "rows have"
                out.append(
                    Problem(
                        file=key[0],
                        row=None,
                        column=key[1],
                        value=None,
                        expected=f"{count:,} more {rows} the same problem "
                        f"(only the first {MAX_LISTED_PER_KIND} are listed)",
                    )
                )
        return out


# --------------------------------------------------------------------------------------------------------------
# Cell parsers: text in, value out, or `_Bad` with what was expected.


def _did_you_mean(value: str, known: Sequence[str]) -> str:
    lowered = {k.lower(): k for k in known}
    exact = lowered.get(value.lower())
    if exact is not None:
        return f"Did you mean '{exact}' (ids are case-sensitive)? "
    normalized = {re.sub(r"[^a-z0-9]", "", k.lower()): k for k in known}
    squashed = normalized.get(re.sub(r"[^a-z0-9]", "", value.lower()))
    if squashed is not None:
        return f"Did you mean '{squashed}'? "
    close = difflib.get_close_matches(value.lower(), list(lowered), n=1, cutoff=0.75)
    return f"Did you mean '{lowered[close[0]]}'? " if close else ""


def _listing(known: Sequence[str], limit: int = 12) -> str:
    items = sorted(known)
    if not items:
        return "none defined"
    shown = ", ".join(items[:limit])
    return shown + (f", … ({len(items)} in all)" if len(items) > limit else "")


def _text(text: str) -> str:
    if not text:
        raise _Bad("a value (this column must not be blank)")
    return text


def _datetime(text: str) -> dt.datetime:
    if not _DATETIME_RE.fullmatch(text):
        hint = ""
        if _OFFSET_RE.search(text):
            hint = "Times are site-local without a UTC offset; drop the 'Z' or '+01:00'."
        elif re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
            hint = "Add the time of day, e.g. 2026-03-02T00:00."
        elif "/" in text or "." in text:
            hint = "Write dates year first (2026-03-02T08:15): 02/03/2026 means different days in different countries."
        raise _Bad(EXPECTED_DATETIME, hint)
    try:
        moment = dt.datetime.fromisoformat(text.replace(" ", "T", 1))
    except ValueError as exc:
        raise _Bad(f"{EXPECTED_DATETIME}; that date or time does not exist") from exc
    # Spreadsheet times carry float noise (08:14:59.999); the grid is whole minutes anyway.
    return (moment + dt.timedelta(microseconds=500_000)).replace(microsecond=0) if moment.microsecond else moment


def _date(text: str) -> dt.date:
    match = _DATE_RE.fullmatch(text)
    if match is None:
        hint = "Write dates year first: 02/03/2026 means different days in different countries." if "/" in text else ""
        raise _Bad(EXPECTED_DATE, hint)
    try:
        return dt.date.fromisoformat(match.group(1))
    except ValueError as exc:
        raise _Bad(f"{EXPECTED_DATE}; that date does not exist") from exc


def _clock(text: str) -> int:
    try:
        return parse_clock(text)
    except ValueError as exc:
        raise _Bad(EXPECTED_CLOCK) from exc


def _float(text: str, expected: str = EXPECTED_NUMBER) -> float:
    try:
        value = float(text)
    except ValueError as exc:
        hint = "Use a dot as the decimal separator (12.5, not 12,5)." if re.fullmatch(r"-?\d+,\d+", text) else ""
        raise _Bad(expected, hint) from exc
    if not math.isfinite(value):
        raise _Bad(expected)
    return value


def _non_negative(text: str) -> float:
    value = _float(text, "a number >= 0")
    if value < 0:
        raise _Bad("a number >= 0")
    return value


def _proficiency(text: str) -> float:
    expected = "a proficiency in (0, 1]"
    hint = "1.0 works at the queue's AHT, 0.5 takes twice as long."
    value = _float(text, expected)
    if not 0 < value <= 1:
        if 5 <= value <= 100:  # clearly a percentage (85 meaning 85%)
            hint += f" Write percentages as fractions: {value / 100:g} for {value:g}%."
        elif value > 1:  # e.g. 1.7: a speed factor above full speed, which the model caps at 1.0
            hint += " 1.0 is the most: a full-speed expert."
        raise _Bad(expected, hint)
    return value


def _priority(text: str) -> int:
    expected = "a priority, a whole number >= 1 (1 = used first)"
    value = _float(text, expected)
    if value != int(value) or value < 1:
        raise _Bad(expected)
    return int(value)


def _office(text: str) -> Office:
    try:
        return Office(text.lower())
    except ValueError as exc:
        raise _Bad("an office (expected one of: front, middle, back)") from exc


def _bool(text: str) -> bool:
    lowered = text.lower()
    if lowered in ("true", "yes", "y", "1", "x"):
        return True
    if lowered in ("false", "no", "n", "0"):
        return False
    raise _Bad("true or false")


def _day(text: str) -> tuple[int | None, dt.date | None]:
    weekday = _WEEKDAY_NAMES.get(text.lower())
    if weekday is not None:
        return weekday, None
    try:
        return None, _date(text)
    except _Bad as exc:
        raise _Bad("a weekday (mon, tue, wed, thu, fri, sat, sun) or a date like 2026-03-02") from exc


def _reference(known: set[str] | None, noun: str, source: str, fix: str) -> Callable[[str], str]:
    """A parser for an id that must exist elsewhere; `known=None` means the other file was unreadable."""

    def parse(text: str) -> str:
        if known is None:
            return _text(text)
        if text not in known:
            expected = f"{noun} in {source} (expected one of: {_listing(list(known))})"
            raise _Bad(expected, (_did_you_mean(text, list(known)) if text else "") + fix)
        return text

    return parse


# --------------------------------------------------------------------------------------------------------------
# Tables: every cell as stripped text, indexed by the spreadsheet row number.


@dataclass
class _Table:
    label: str  # "staff.csv", or "plan.xlsx, sheet 'staff'"
    frame: pd.DataFrame

    def has(self, column: str) -> bool:
        return column in self.frame.columns

    def records(self) -> Iterator[tuple[int, dict[str, str]]]:
        columns = list(self.frame.columns)
        for row, values in zip(self.frame.index, self.frame.itertuples(index=False, name=None), strict=True):
            yield int(row), dict(zip(columns, values, strict=True))


def _normalize(label: str, frame: pd.DataFrame) -> _Table:
    frame.columns = [str(c).strip().lower() for c in frame.columns]
    # A trailing comma in the header gives a nameless column; drop it when it holds nothing.
    keep = [c for c in frame.columns if not (c.startswith("unnamed:") or c in ("", "none"))]
    frame = frame[keep].fillna("")
    for column in frame.columns:
        frame[column] = frame[column].astype(str).str.strip()
    frame.index = pd.RangeIndex(2, len(frame) + 2)
    if len(frame.columns):
        frame = frame[(frame != "").any(axis=1)]
    return _Table(label, frame)


def _read_csv(path: Path, out: _Collector) -> _Table | None:
    label = path.name
    try:
        frame = pd.read_csv(
            path, dtype=str, keep_default_na=False, skip_blank_lines=False, encoding="utf-8-sig", header=0
        )
    except UnicodeDecodeError:
        out.add(Problem(label, None, None, None, "the file is not UTF-8 text", "In Excel use Save As > 'CSV UTF-8'."))
        return None
    except pd.errors.EmptyDataError:
        return _Table(label, pd.DataFrame())  # the caller decides whether an empty file is acceptable
    except pd.errors.ParserError as exc:
        match = re.search(r"Expected (\d+) fields in line (\d+), saw (\d+)", str(exc))
        if match:
            header, line, seen = match.groups()
            out.add(
                Problem(
                    label,
                    int(line),
                    None,
                    None,
                    f"this row has {seen} values but the header has {header} columns",
                    "Text containing a comma must be in double quotes.",
                )
            )
        else:
            out.add(Problem(label, None, None, None, f"the file is not valid CSV ({exc})"))
        return None
    except OSError as exc:
        out.add(Problem(label, None, None, None, f"the file could not be read ({exc.strerror or exc})"))
        return None
    return _normalize(label, frame)


def _cell_text(value: object) -> str:
    """A workbook cell as the text the same value would have in a CSV export."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dt.datetime):
        if value.microsecond:
            value = (value + dt.timedelta(microseconds=500_000)).replace(microsecond=0)
        return value.isoformat(timespec="seconds")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, dt.time):
        return value.strftime("%H:%M")
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


class _Source(Protocol):
    def site_text(self, out: _Collector) -> tuple[str, str] | None: ...

    def table(self, name: str, out: _Collector) -> _Table | None: ...

    def missing(self, name: str) -> Problem: ...


class _FolderSource:
    def __init__(self, folder: Path) -> None:
        self.folder = folder
        # Windows users rename files freely; match names case-insensitively.
        self.files = {p.name.lower(): p for p in folder.iterdir() if p.is_file()}

    def site_text(self, out: _Collector) -> tuple[str, str] | None:
        path = self.files.get(SITE_FILE)
        if path is None:
            return None
        try:
            return path.name, path.read_text(encoding="utf-8-sig")
        except UnicodeDecodeError:
            out.add(Problem(path.name, None, None, None, "the file is not UTF-8 text"))
        except OSError as exc:
            out.add(Problem(path.name, None, None, None, f"the file could not be read ({exc.strerror or exc})"))
        return ("", "")

    def table(self, name: str, out: _Collector) -> _Table | None:
        path = self.files.get(f"{name}.csv")
        return None if path is None else _read_csv(path, out)

    def missing(self, name: str) -> Problem:
        if name == "site":
            return Problem(SITE_FILE, None, None, None, f"this required file is missing from {self.folder}", _SITE_HINT)
        spec = _TABLES[name]
        return Problem(
            f"{name}.csv",
            None,
            None,
            None,
            f"this required file is missing from {self.folder} (it holds {spec.about})",
            f"Add it with the header row: {spec.header}",
        )


_SITE_HINT = (
    "It describes the site: name, timezone, interval_minutes, [horizon], [[queues]], [[shift_templates]], "
    "[[contracts]]."
)


class _WorkbookSource:
    def __init__(self, path: Path, out: _Collector) -> None:
        import openpyxl

        self.path = path
        self.sheets: dict[str, Any] = {}
        try:
            self.book = openpyxl.load_workbook(path, read_only=True, data_only=True)
        except Exception as exc:  # openpyxl raises a zoo of zipfile/XML errors for a damaged workbook
            out.add(Problem(path.name, None, None, None, f"the workbook could not be opened ({exc})"))
            return
        self.sheets = {name.strip().lower(): self.book[name] for name in self.book.sheetnames}

    def close(self) -> None:
        if self.sheets:
            self.book.close()

    def _label(self, sheet: str) -> str:
        return f"{self.path.name}, sheet '{sheet}'"

    def site_text(self, out: _Collector) -> tuple[str, str] | None:
        sheet = self.sheets.get("site")
        if sheet is not None:
            # The TOML normally sits in A1; pasted line by line it fills column A, so join that column.
            lines = [_cell_text(row[0]) if row else "" for row in sheet.iter_rows(max_col=1, values_only=True)]
            return self._label("site"), "\n".join(lines)
        beside = self.path.with_name(SITE_FILE)
        if beside.is_file():
            return beside.name, beside.read_text(encoding="utf-8-sig")
        return None

    def table(self, name: str, out: _Collector) -> _Table | None:
        sheet = self.sheets.get(name)
        if sheet is None:
            return None
        rows = sheet.iter_rows(values_only=True)
        header = next(rows, None)
        if header is None:
            return _Table(self._label(name), pd.DataFrame())  # the caller decides whether empty is acceptable
        width = len(header)
        names = [_cell_text(h) or f"unnamed: {i}" for i, h in enumerate(header)]
        data = [[_cell_text(v) for v in (row + (None,) * (width - len(row)))[:width]] for row in rows]
        return _normalize(self._label(name), pd.DataFrame(data, columns=names, dtype=object))

    def missing(self, name: str) -> Problem:
        if name == "site":
            return Problem(
                self.path.name,
                None,
                None,
                None,
                "no sheet 'site' (with the site.toml text in cell A1) and no site.toml next to the workbook",
                _SITE_HINT,
            )
        spec = _TABLES[name]
        return Problem(
            self.path.name,
            None,
            None,
            None,
            f"this required sheet '{name}' is missing (it holds {spec.about})",
            f"Add a sheet '{name}' with the header row: {spec.header}",
        )


def _require_columns(table: _Table, spec: _TableSpec, out: _Collector) -> bool:
    present = list(table.frame.columns)
    missing = [c for c in spec.required if c not in present]
    for column in missing:
        extra = [c for c in present if c not in spec.required + spec.optional]
        close = difflib.get_close_matches(column, extra, n=1, cutoff=0.6)
        hint = f"Is '{close[0]}' meant to be '{column}'? " if close else ""
        out.add(
            Problem(
                table.label,
                None,
                column,
                None,
                f"this required column is missing (the header row has: {', '.join(present) or 'nothing'})",
                hint + f"The header row should be: {spec.header}",
            )
        )
    return not missing


# --------------------------------------------------------------------------------------------------------------
# site.toml

# Which model a TOML table maps onto, so an unknown key can be matched against the real field names.
_SECTION_MODELS: dict[str, type[BaseModel]] = {
    "": Site,
    "horizon": Horizon,
    "queues": Queue,
    "shift_templates": ShiftTemplate,
    "shift_templates.breaks": BreakRule,
    "contracts": Contract,
    "rules": Rules,
    "weights": Weights,
    "solver": SolverSettings,
    "forecast": ForecastSettings,
}


@dataclass
class _SiteFacts:
    """What the tables are checked against. None = unknown (site.toml unreadable): skip that check."""

    queue_ids: set[str] | None = None
    deferred_queue_ids: set[str] | None = None
    contract_ids: set[str] | None = None
    template_ids: set[str] | None = None
    interval_minutes: int | None = None
    timezone: str | None = None  # IANA name; history times are read as wall-clock time there

    @classmethod
    def from_raw(cls, raw: Mapping[str, Any]) -> _SiteFacts:
        def ids(key: str, only: Callable[[Mapping[str, Any]], bool] = lambda _: True) -> set[str] | None:
            items = raw.get(key)
            if not isinstance(items, list):
                return None
            return {str(i["id"]) for i in items if isinstance(i, dict) and "id" in i and only(i)}

        interval = raw.get("interval_minutes", 15)
        return cls(
            queue_ids=ids("queues"),
            deferred_queue_ids=ids("queues", lambda q: q.get("kind") == "deferred"),
            contract_ids=ids("contracts"),
            template_ids=ids("shift_templates"),
            interval_minutes=interval if interval in (15, 30) and not isinstance(interval, bool) else None,
            timezone=_known_timezone(raw.get("timezone", "UTC")),
        )


def _known_timezone(name: object) -> str | None:
    if not isinstance(name, str):
        return None
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return None
    return name


@dataclass
class _Header:
    line: int  # 1-based
    name: str  # dotted table name
    is_array: bool


_HEADER_RE = re.compile(r"^\s*(\[\[?)\s*([A-Za-z0-9_.\-]+)\s*\]\]?")


def _toml_headers(text: str) -> list[_Header]:
    headers = []
    for number, line in enumerate(text.splitlines(), start=1):
        match = _HEADER_RE.match(line)
        if match:
            headers.append(_Header(number, match.group(2), match.group(1) == "[["))
    return headers


@dataclass
class _TomlPlace:
    section: str = ""
    line: int | None = None
    model: str = ""  # dotted table path, a key of _SECTION_MODELS


def _toml_place(loc: Sequence[int | str], raw: Mapping[str, Any], text: str) -> _TomlPlace:
    """Turn a pydantic error location into "[[queues]] #3 'chat', field 'concurrency'" and a line number."""
    headers = _toml_headers(text)
    lines = text.splitlines()
    # The current table as (its header line, 0 for the top of the file; its last line, sub-tables included).
    # None once the table cannot be found by its header (written inline), so no wrong line is reported.
    region: tuple[int, int] | None = (0, len(lines))
    parts: list[str] = []
    path: list[str] = []
    line: int | None = None
    node: Any = raw
    i = 0
    while i < len(loc):
        key = loc[i]
        child = node.get(key) if isinstance(node, dict) and isinstance(key, str) else None
        following = loc[i + 1] if i + 1 < len(loc) else None
        dotted = ".".join([*path, str(key)])
        if (
            isinstance(child, list)
            and isinstance(following, int)
            and following < len(child)
            and isinstance(child[following], dict)
        ):
            item = child[following]
            name = f" '{item['id']}'" if "id" in item else ""
            parts.append(f"[[{dotted}]] #{following + 1}{name}")
            region = _find_table(headers, dotted, following, region, len(lines))
            path.append(str(key))
            node = item
            i += 2
            continue
        if isinstance(child, dict) and i + 1 < len(loc):
            parts.append(f"[{dotted}]")
            region = _find_table(headers, dotted, 0, region, len(lines))
            path.append(str(key))
            node = child
            i += 1
            continue
        parts.append(f"field '{key}'" + (f" item #{following + 1}" if isinstance(following, int) else ""))
        if region is not None:
            # A table's own keys sit between its header and the next header of any kind.
            stop = next((h.line for h in headers if h.line > region[0]), len(lines) + 1)
            key_re = re.compile(rf"^\s*{re.escape(str(key))}\s*=")
            line = next((n for n in range(region[0] + 1, stop) if key_re.match(lines[n - 1])), None)
            if line is None:  # a misspelt table name: the key is a [header], not a "key ="
                line = next((h.line for h in headers if h.name == dotted and h.line > region[0]), None)
        break
    if line is None and region is not None and region[0] > 0:
        line = region[0]  # the table's header line
    return _TomlPlace(", ".join(parts), line, ".".join(path))


def _find_table(
    headers: list[_Header], dotted: str, index: int, region: tuple[int, int] | None, total: int
) -> tuple[int, int] | None:
    """The index-th `[[dotted]]` (or the `[dotted]`) table inside `region`, as (header line, last line)."""
    if region is None:
        return None
    found = [h for h in headers if h.name == dotted and region[0] < h.line <= region[1]]
    if index >= len(found):
        return None
    header = found[index]
    after = next((h.line for h in headers if h.line > header.line and not h.name.startswith(dotted + ".")), None)
    return header.line, min(after - 1 if after else total, region[1])


def _parse_site(label: str, text: str, out: _Collector) -> tuple[Site | None, _SiteFacts]:
    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        message = str(exc)
        match = re.search(r"\(at line (\d+), column (\d+)\)", message)
        line = int(match.group(1)) if match else None
        reason = message[: match.start()].strip() if match else message
        where = f" at column {match.group(2)}" if match else ""
        lines = text.splitlines()
        source_line = lines[line - 1].strip() if line and line <= len(lines) else None
        out.add(
            Problem(
                label,
                None,
                None,
                source_line or None,
                f"valid TOML ({reason.lower()}{where})",
                'Text values need double quotes (name = "Voice service"), lists square brackets '
                '(days = ["mon", "tue"]), tables a [header] on their own line.',
                line=line,
            )
        )
        return None, _SiteFacts()

    facts = _SiteFacts.from_raw(raw)
    unknown_templates = _check_contract_templates(label, raw, text, out)
    try:
        site = Site.model_validate(raw)
    except ValidationError as exc:
        for error in exc.errors():
            message = str(error["msg"])
            if unknown_templates and "unknown shift template" in message:
                continue  # already reported per contract, with its location
            out.add(_site_problem(label, raw, text, error))
        return None, facts
    if unknown_templates:
        return None, facts
    return site, _SiteFacts(
        queue_ids={q.id for q in site.queues},
        deferred_queue_ids={q.id for q in site.queues if q.kind == "deferred"},
        contract_ids={c.id for c in site.contracts},
        template_ids={t.id for t in site.shift_templates},
        interval_minutes=site.interval_minutes,
        timezone=site.timezone,
    )


def _check_contract_templates(label: str, raw: Mapping[str, Any], text: str, out: _Collector) -> bool:
    templates, contracts = raw.get("shift_templates"), raw.get("contracts")
    if not isinstance(templates, list) or not isinstance(contracts, list):
        return False
    known = [str(t["id"]) for t in templates if isinstance(t, dict) and "id" in t]
    found = False
    for n, contract in enumerate(contracts):
        names = contract.get("shift_templates") if isinstance(contract, dict) else None
        if not isinstance(names, list):
            continue
        for name in names:
            if str(name) in known:
                continue
            found = True
            place = _toml_place(("contracts", n, "shift_templates"), raw, text)
            out.add(
                Problem(
                    label,
                    None,
                    None,
                    str(name),
                    f"a shift template defined in [[shift_templates]] (expected one of: {_listing(known)})",
                    _did_you_mean(str(name), known) + "Fix the contract or add a [[shift_templates]] with that id.",
                    section=place.section,
                    line=place.line,
                )
            )
    return found


def _site_problem(label: str, raw: Mapping[str, Any], text: str, error: Mapping[str, Any]) -> Problem:
    loc = tuple(error.get("loc", ()))
    place = _toml_place(loc, raw, text)
    kind = error.get("type", "")
    message = str(error.get("msg", "invalid value")).removeprefix("Value error, ").removeprefix("Assertion failed, ")
    hint = ""
    if kind == "missing":
        table = ".".join(str(part) for part in loc if isinstance(part, str))
        is_table = table in _SECTION_MODELS and table not in ("queues", "shift_templates", "contracts")
        expected = f"the required table [{table}] is missing" if is_table else "this required setting is missing"
    elif kind == "extra_forbidden":
        expected = "this is not a known setting"
        model = _SECTION_MODELS.get(place.model)
        if model is not None and loc and isinstance(loc[-1], str):
            known = list(model.model_fields)
            hint = _did_you_mean(loc[-1], known) or f"Known settings here: {', '.join(known)}."
    elif kind == "too_short" and loc and loc[-1] in ("queues", "shift_templates", "contracts"):
        expected = f"at least one [[{loc[-1]}]] table is needed"
    else:
        expected = message[:1].lower() + message[1:]
        value = error.get("input")
        if isinstance(value, str | int | float | bool | dt.date) and kind not in ("value_error", "assertion_error"):
            expected += f" (got {value!r})" if isinstance(value, str) else f" (got {value})"
    return Problem(label, None, None, None, expected, hint, section=place.section or None, line=place.line)


# --------------------------------------------------------------------------------------------------------------
# Row-by-row tables (small: agents, skills, windows)


_V = TypeVar("_V")


class _Row:
    """Parses the cells of one row, recording a problem for each cell that does not parse."""

    def __init__(self, table: _Table, row: int, record: dict[str, str], out: _Collector) -> None:
        self.table, self.row, self.record, self.out = table, row, record, out
        self.ok = True

    def cell(self, column: str, parse: Callable[[str], _V], default: _V | None = None) -> _V | None:
        text = self.record.get(column, "")
        if text == "" and default is not None:
            return default
        try:
            return parse(text)
        except _Bad as bad:
            self.fail(column, text, bad.expected, bad.hint)
            return None

    def optional(self, column: str, parse: Callable[[str], _V]) -> _V | None:
        """A cell that may be blank (or a column that may be absent): blank gives None."""
        if self.record.get(column, "") == "":
            return None
        return self.cell(column, parse)

    def fail(self, column: str | None, value: str | None, expected: str, hint: str = "") -> None:
        self.ok = False
        self.out.add(Problem(self.table.label, self.row, column, value, expected, hint))


_M = TypeVar("_M", bound=BaseModel)


def _build(row: _Row, model: type[_M], columns: Mapping[str, str], **values: Any) -> _M | None:
    """Construct a domain model; a validation error the cell checks missed still gets a row and column."""
    if not row.ok:
        return None
    try:
        return model(**values)
    except ValidationError as exc:
        for error in exc.errors():
            loc = error.get("loc", ())
            column = columns.get(str(loc[0])) if loc else None
            message = str(error.get("msg", "")).removeprefix("Value error, ")
            value = row.record.get(column, "") if column else None
            row.fail(column, None, f"{message[:1].lower()}{message[1:]} (got '{value}')" if column else message)
        return None


def _load_staff(table: _Table, facts: _SiteFacts, out: _Collector) -> tuple[list[Agent], dict[str, int]]:
    """Returns the valid agents and the row of every agent_id seen (valid or not), for cross-references."""
    agents: list[Agent] = []
    first_row: dict[str, int] = {}
    contract = _reference(facts.contract_ids, "a contract", "site.toml", "Fix the value or add the contract.")
    for number, record in table.records():
        row = _Row(table, number, record, out)
        agent_id = row.cell("agent_id", _text)
        if agent_id is not None:
            if agent_id in first_row:
                row.fail(
                    "agent_id",
                    agent_id,
                    f"a unique agent_id (row {first_row[agent_id]} has the same id)",
                    "Each agent appears once in staff.csv.",
                )
            else:
                first_row[agent_id] = number
        office = row.cell("office", _office)
        contract_id = row.cell("contract", contract)
        hourly_cost = row.optional("hourly_cost", _non_negative)
        built = _build(
            row,
            Agent,
            {"agent_id": "agent_id", "name": "name", "office": "office", "contract": "contract"},
            agent_id=agent_id,
            name=record.get("name", ""),
            office=office,
            team=record.get("team", ""),
            contract=contract_id,
            hourly_cost=hourly_cost,
        )
        if built is not None:
            agents.append(built)
    return agents, first_row


def _agent_ref(staff_rows: dict[str, int] | None) -> Callable[[str], str]:
    known = set(staff_rows) if staff_rows is not None else None
    return _reference(known, "an agent_id", "staff.csv", "Fix the value or add the agent to staff.csv.")


def _load_skills(
    table: _Table, facts: _SiteFacts, staff_rows: dict[str, int] | None, out: _Collector
) -> tuple[list[Skill], set[str]]:
    """Returns the valid skills and every agent_id mentioned (so a typo'd row is not also 'no skills')."""
    skills: list[Skill] = []
    mentioned: set[str] = set()
    seen: dict[tuple[str, str], int] = {}
    agent = _agent_ref(staff_rows)
    queue = _reference(facts.queue_ids, "a queue", "site.toml", "Fix the value or add the queue to site.toml.")
    for number, record in table.records():
        row = _Row(table, number, record, out)
        mentioned.add(record.get("agent_id", ""))
        agent_id = row.cell("agent_id", agent)
        queue_id = row.cell("queue", queue)
        proficiency = row.cell("proficiency", _proficiency)
        priority = row.cell("priority", _priority, default=1)
        if agent_id is not None and queue_id is not None:
            key = (agent_id, queue_id)
            if key in seen:
                row.fail(
                    "queue",
                    queue_id,
                    f"a new skill for agent '{agent_id}' (row {seen[key]} already gives them this queue)",
                    "Keep one row per agent and queue.",
                )
            else:
                seen[key] = number
        built = _build(
            row,
            Skill,
            {"agent_id": "agent_id", "queue": "queue", "proficiency": "proficiency", "priority": "priority"},
            agent_id=agent_id,
            queue=queue_id,
            proficiency=proficiency,
            priority=priority,
        )
        if built is not None:
            skills.append(built)
    return skills, mentioned


def _load_availability(table: _Table, staff_rows: dict[str, int] | None, out: _Collector) -> list[Availability]:
    windows: list[Availability] = []
    agent = _agent_ref(staff_rows)
    for number, record in table.records():
        row = _Row(table, number, record, out)
        agent_id = row.cell("agent_id", agent)
        day = row.cell("day", _day)
        start = row.cell("start", _clock)
        end = row.cell("end", _clock)
        if start is not None and end is not None and end <= start:
            row.fail(
                "end",
                record["end"],
                f"after start {record['start']}",
                "A window cannot cross midnight; split it in two rows.",
            )
        if day is None:
            continue
        built = _build(
            row,
            Availability,
            {"weekday": "day", "date": "day", "start_minute": "start", "end_minute": "end"},
            agent_id=agent_id,
            weekday=day[0],
            date=day[1],
            start_minute=start,
            end_minute=end,
        )
        if built is not None:
            windows.append(built)
    return windows


def _load_periods(
    table: _Table,
    model: type[_M],
    staff_rows: dict[str, int] | None,
    out: _Collector,
    extra: tuple[str, str] | None = None,
) -> list[_M]:
    """Rows of agent_id, start, end (+ one optional text column): time off, fixed activities, previous shifts."""
    items: list[_M] = []
    agent = _agent_ref(staff_rows)
    for number, record in table.records():
        row = _Row(table, number, record, out)
        agent_id = row.cell("agent_id", agent)
        start = row.cell("start", _datetime)
        end = row.cell("end", _datetime)
        if start is not None and end is not None and end <= start:
            row.fail("end", record["end"], f"after start {record['start']}", "Check the order of start and end.")
        values: dict[str, Any] = {"agent_id": agent_id, "start": start, "end": end}
        if extra is not None and record.get(extra[0], ""):
            values[extra[1]] = record[extra[0]]
        built = _build(row, model, {"agent_id": "agent_id", "start": "start", "end": "end"}, **values)
        if built is not None:
            items.append(built)
    return items


def _load_backlog(table: _Table, facts: _SiteFacts, out: _Collector) -> list[BacklogItem]:
    items: list[BacklogItem] = []
    queue = _reference(
        facts.deferred_queue_ids,
        "a deferred queue",
        "site.toml",
        'Backlog is carried only for deferred work (kind = "deferred"); fix the value or the queue\'s kind.',
    )
    for number, record in table.records():
        row = _Row(table, number, record, out)
        built = _build(
            row,
            BacklogItem,
            {"queue": "queue", "items": "items", "oldest_arrival": "oldest_arrival"},
            queue=row.cell("queue", queue),
            items=row.cell("items", _non_negative),
            oldest_arrival=row.cell("oldest_arrival", _datetime),
        )
        if built is not None:
            items.append(built)
    return items


def _load_events(table: _Table, facts: _SiteFacts, out: _Collector) -> list[Event]:
    events: list[Event] = []
    known = None if facts.queue_ids is None else {*facts.queue_ids, "*"}
    queue = _reference(known, "a queue", "site.toml or '*' for all queues", "Fix the value or use '*'.")
    for number, record in table.records():
        row = _Row(table, number, record, out)
        date = row.cell("date", _date)
        queue_id = row.cell("queue", queue)
        multiplier = row.optional("multiplier", _non_negative)
        closed = row.optional("closed", _bool)
        if row.ok and (multiplier is not None) == bool(closed):
            # Checked here rather than left to the model so the message says what to write in the file.
            if closed:
                row.fail(
                    None,
                    None,
                    "either a multiplier (e.g. 1.3) or closed = true, not both",
                    "A closed day has no volume for a multiplier to scale; keep one of the two.",
                )
            else:
                row.fail(
                    None,
                    None,
                    "either a multiplier (e.g. 1.3) or closed = true; this row has neither",
                    "1.3 means 30% more volume than a normal day, 0.5 half; closed = true means no volume at all.",
                )
        built = _build(
            row,
            Event,
            {"date": "date", "queue": "queue", "multiplier": "multiplier", "closed": "closed"},
            date=date,
            queue=queue_id,
            multiplier=multiplier,
            closed=bool(closed),
        )
        if built is not None:
            events.append(built)
    return events


# requests.csv: one row per wish, "A0042,2026-03-02,early,on,5". The `on` column says whether the agent wants the
# shift (or the day off) or would rather not have it; `weight` is what leaving the wish ungranted costs.
EXPECTED_WANTED = "on or off (on: the agent asks for it; off: they would rather not have it)"
EXPECTED_WEIGHT = "a weight, a number > 0"
_WANTED = {"on": True, "true": True, "yes": True, "1": True, "off": False, "false": False, "no": False, "0": False}


def _wanted(text: str) -> bool:
    wanted = _WANTED.get(text.lower())
    if wanted is None:
        raise _Bad(EXPECTED_WANTED, "true/false, yes/no and 1/0 work too.")
    return wanted


def _request_weight(overtime_per_hour: float) -> Callable[[str], float]:
    scale = (
        f"A weight is what leaving the request ungranted costs, in the points of [weights] in site.toml "
        f"(an hour of overtime costs overtime_per_hour = {overtime_per_hour:g}); a blank weight means 1."
    )

    def parse(text: str) -> float:
        try:
            value = _float(text, EXPECTED_WEIGHT)
        except _Bad as bad:
            raise _Bad(EXPECTED_WEIGHT, f"{bad.hint} {scale}".strip()) from None
        if value == 0:
            raise _Bad(EXPECTED_WEIGHT, f"To withdraw a request, delete its row. {scale}")
        if value < 0:
            raise _Bad(EXPECTED_WEIGHT, f"For a shift the agent would rather not have, write off in 'on'. {scale}")
        return value

    return parse


def _request_template(known: set[str] | None) -> Callable[[str], str]:
    """A template id of site.toml or 'off' (any case) for a day off."""
    choices = None if known is None else {*known, ShiftRequest.DAY_OFF}
    reference = _reference(
        choices, "a shift template", "site.toml or 'off' for a day off", "Fix the value or add the template."
    )

    def parse(text: str) -> str:
        if text.lower() == ShiftRequest.DAY_OFF and (known is None or text not in known):
            return ShiftRequest.DAY_OFF
        return reference(text)

    return parse


def _load_requests(
    table: _Table,
    facts: _SiteFacts,
    site: Site | None,
    staff_rows: dict[str, int] | None,
    contracts: Mapping[str, str],
    out: _Collector,
    notes: _Collector,
) -> list[ShiftRequest]:
    """Agents' shift requests. A request that can never be granted (a template outside the agent's contract) is
    an error; one dated outside the horizon is dropped with a warning (last month's requests may stay in the
    file), and so is a "rather not" for a template the agent's contract never gives them (it has no effect)."""
    requests: list[ShiftRequest] = []
    clashing = sorted(t for t in facts.template_ids or () if t.lower() == ShiftRequest.DAY_OFF)
    for name in clashing:
        out.add(
            Problem(
                table.label,
                None,
                "shift_template",
                None,
                f"site.toml defines a shift template '{name}', so '{name}' here could mean that shift or a day off",
                "Rename the template in site.toml (and in its contracts).",
            )
        )
    agent = _agent_ref(staff_rows)
    template = _request_template(facts.template_ids)
    weight_of = _request_weight(site.weights.overtime_per_hour if site is not None else Weights().overtime_per_hour)
    horizon = site.horizon if site is not None else None
    seen: dict[tuple[str, dt.date, str], tuple[bool, int]] = {}
    for number, record in table.records():
        row = _Row(table, number, record, out)
        agent_id = row.cell("agent_id", agent)
        date = row.cell("date", _date)
        template_id = row.cell("shift_template", template)
        wanted = row.cell("on", _wanted)
        weight = row.cell("weight", weight_of, default=1.0)

        if date is not None and horizon is not None and not horizon.start <= date < horizon.end:
            if row.ok:
                last = horizon.end - dt.timedelta(days=1)
                notes.add(
                    Problem(
                        table.label,
                        number,
                        "date",
                        record["date"],
                        f"a date in the planning horizon ({horizon.start} to {last}, [horizon] in site.toml)",
                        ROW_DROPPED,
                    ),
                    kind="request outside the horizon",
                )
            continue

        contract_id = contracts.get(agent_id) if agent_id is not None else None
        if site is not None and contract_id in site.contract_by_id and template_id not in (None, ShiftRequest.DAY_OFF):
            allowed = site.contract_by_id[contract_id].shift_templates
            if template_id not in allowed:
                expected = (
                    f"a shift template the contract of agent '{agent_id}' allows (contract '{contract_id}' in "
                    f"site.toml allows: {_listing(list(allowed))}; or 'off' for a day off)"
                )
                if wanted is False:
                    notes.add(
                        Problem(
                            table.label,
                            number,
                            "shift_template",
                            record["shift_template"],
                            expected,
                            f"The agent never works it anyway, so the request has no effect. {ROW_DROPPED}",
                        ),
                        kind="request outside the contract",
                    )
                    continue
                if wanted is True:
                    row.fail(
                        "shift_template",
                        record["shift_template"],
                        expected,
                        "A request for it could never be granted; fix the template, or the agent's contract in "
                        "staff.csv or site.toml.",
                    )

        if agent_id is not None and date is not None and template_id is not None and wanted is not None:
            key = (agent_id, date, template_id)
            earlier = seen.get(key)
            if earlier is None:
                seen[key] = (wanted, number)
            elif earlier[0] == wanted:
                asks = "asks for it" if wanted else "says they would rather not have it"
                row.fail(
                    "shift_template",
                    record["shift_template"],
                    f"a new request for agent '{agent_id}' on {date} (row {earlier[1]} already {asks})",
                    "Keep one row per request; to make it count more, raise its weight.",
                )
            else:
                asks = "asks for" if earlier[0] else "would rather not have"
                row.fail(
                    "on",
                    record["on"],
                    f"consistent with row {earlier[1]}, where agent '{agent_id}' {asks} '{template_id}' on {date}",
                    "Keep the row that is right and delete the other.",
                )

        built = _build(
            row,
            ShiftRequest,
            {
                "agent_id": "agent_id",
                "date": "date",
                "shift_template": "shift_template",
                "wanted": "on",
                "weight": "weight",
            },
            agent_id=agent_id,
            date=date,
            shift_template=template_id,
            wanted=wanted,
            weight=weight,
        )
        if built is not None:
            requests.append(built)
    return requests


# --------------------------------------------------------------------------------------------------------------
# History: vectorised. A problem in a row the forecast can do without is a warning (the row is dropped, or only
# its AHT is); the forecast then runs on what is left, with the interval unknown rather than zero. Errors are kept
# for what makes every row of a queue unusable (an unknown queue name, data coarser than the site's intervals).

EXPECTED_HISTORY_TIME = (
    "a date and time like 2026-03-02T08:15 (YYYY-MM-DDTHH:MM, site-local, or with a UTC offset like +01:00)"
)
ROW_DROPPED = "Row dropped."
VOLUME_DROPPED = "Row dropped: the interval is treated as unknown, not as zero."
AHT_UNKNOWN = "The row is kept with its AHT unknown."

# A history spanning fewer days than this sees each weekday less than twice.
MIN_HISTORY_DAYS = 14
# Rows on 5-minute marks are fine (the forecast adds them up into the site's intervals); anything between them
# cannot be placed in one interval.
_FINEST_GRID_MINUTES = 5
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
    if not len(rows):
        return
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

    off_grid = local.notna() & ((local.dt.minute % _FINEST_GRID_MINUTES != 0) | (local.dt.second != 0))
    _report_rows(
        found,
        table,
        off_grid,
        "interval_start",
        "on a 5-minute mark with zero seconds (:00, :05, :10, … :55)",
        "Each row is the volume of one interval; 5-minute rows are added up into the site's intervals, but a "
        f"row between the marks cannot be placed. {ROW_DROPPED}",
    )
    local = local.where(~off_grid)

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
    return "Use a dot as the decimal separator (12.5, not 12,5). " if re.fullmatch(r"-?\d+,\d+", text) else ""


def _load_history(table: _Table, facts: _SiteFacts, out: _Collector, notes: _Collector) -> pd.DataFrame | None:
    """The usable history rows; warnings go to `notes`, or to `out` when no usable row is left."""
    frame = table.frame
    before = out.count
    if frame.empty:
        out.add(Problem(table.label, None, None, None, "there are no data rows; the forecast needs past volumes"))
        return None
    found = _Collector()  # this file's warnings, until it is known whether any row is left
    timezone = facts.timezone or "UTC"

    local, fold, repeated_naive = _interval_starts(table, timezone, found)

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
        found,
        table,
        bad_volume,
        "volume",
        "a number >= 0 (contacts or items that arrived in the interval)",
        lambda row: _decimal_hint(frame.at[row, "volume"]) + VOLUME_DROPPED,
        kind="volume not a number",
    )
    negative = ~bad_volume & (volume < 0)
    _report_rows(found, table, negative, "volume", "a number >= 0 (a volume cannot be negative)", VOLUME_DROPPED)

    if table.has("aht_seconds"):
        aht_text = frame["aht_seconds"]
        aht = pd.to_numeric(aht_text, errors="coerce")
        bad_aht = (aht_text != "") & (aht.isna() | ~np.isfinite(aht))
        _report_rows(found, table, bad_aht, "aht_seconds", "a number of seconds (or blank when unknown)", AHT_UNKNOWN)
        negative_aht = ~bad_aht & (aht < 0)
        _report_rows(
            found, table, negative_aht, "aht_seconds", "a number of seconds >= 0 (or blank when unknown)", AHT_UNKNOWN
        )
        aht = aht.where(np.isfinite(aht) & ~negative_aht)
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
    rows = _drop_repeated_intervals(table, rows[usable], found)

    if facts.interval_minutes is not None and facts.queue_ids is not None:
        _check_granularity(table, rows, facts.interval_minutes, out)
    if out.count != before:
        return None  # the load fails; the warnings would only distract from the errors
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
    notes.extend(found)

    # Time order is the real order: the second pass through a repeated hour comes after the first.
    clock = _WallClock.of(rows["interval_start"], timezone)
    rows["instant"] = clock.instant(rows["fold"].to_numpy())
    history = rows.sort_values(["instant", "queue"], kind="stable").drop(columns="instant").reset_index(drop=True)
    history["queue"] = history["queue"].astype(str)
    history["fold"] = history["fold"].astype(np.int8)
    return history


def _drop_repeated_intervals(table: _Table, rows: pd.DataFrame, found: _Collector) -> pd.DataFrame:
    """One row per interval and queue. A row repeated with the same values is dropped; when the values differ
    the later row in the file wins, as a later export corrects an earlier one."""
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
            found,
            table,
            replaced,
            "interval_start",
            expected,
            lambda row: (
                f"Row {winner[row]} is kept, as the later row in the file: a later export corrects an "
                "earlier one. This row is dropped."
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


def _check_granularity(table: _Table, rows: pd.DataFrame, interval_minutes: int, out: _Collector) -> None:
    """A queue whose rows all start on coarser marks than the site's intervals holds coarser data: splitting a
    30-minute volume into 15-minute intervals would invent a pattern, so that is an error, not a guess."""
    minute = rows["interval_start"].dt.minute.to_numpy()
    per_queue = pd.DataFrame({"queue": rows["queue"].to_numpy(), "minute": minute})
    counts = per_queue.groupby("queue", sort=True).size()
    steps = per_queue.drop_duplicates().groupby("queue", sort=True)["minute"].agg(lambda m: np.gcd.reduce(m))
    for queue_id, step in steps.items():
        granularity = int(step) or 60  # every row on the hour
        count = int(counts[queue_id])
        if count < _ROWS_TO_JUDGE_GRANULARITY or interval_minutes % granularity == 0:
            continue
        marks = [f":{m:02d}" for m in range(0, 60, granularity)]
        starts = marks[0] if len(marks) == 1 else ", ".join(marks[:-1]) + " or " + marks[-1]
        if granularity > interval_minutes:
            expected = (
                f"history for queue '{queue_id}' is {granularity}-minute data but interval_minutes = "
                f"{interval_minutes} in site.toml"
            )
        else:
            expected = (
                f"history for queue '{queue_id}' is {granularity}-minute data, which does not add up into the "
                f"{interval_minutes}-minute intervals of site.toml"
            )
        fix = f"Export the history in {interval_minutes}-minute (or 5-minute) intervals"
        if granularity in (15, 30) and granularity != interval_minutes:
            fix += f", or plan in {granularity}-minute intervals (interval_minutes = {granularity})"
        out.add(
            Problem(
                table.label,
                None,
                "interval_start",
                None,
                expected,
                f"All {count:,} of its rows start at {starts}; a row must cover one {interval_minutes}-minute "
                f"interval or a 5-minute part of one. {fix}.",
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


# --------------------------------------------------------------------------------------------------------------
# Entry points


def load_site(path: Path) -> Site:
    """Read and validate a site.toml (given directly, or the one of a scenario folder or workbook)."""
    path = Path(path)
    out = _Collector()
    if path.is_file() and path.suffix.lower() == ".toml":
        try:
            label, text = path.name, path.read_text(encoding="utf-8-sig")
        except (OSError, UnicodeDecodeError) as exc:
            raise ScenarioError([Problem(path.name, None, None, None, f"the file could not be read ({exc})")]) from None
        site, _ = _parse_site(label, text, out)
    else:
        source = _open_source(path, out)
        site = _site_from(source, out) if source is not None else None
        if isinstance(source, _WorkbookSource):
            source.close()
    if out or site is None:
        raise ScenarioError(out.problems())
    return site


def _open_source(path: Path, out: _Collector) -> _Source | None:
    if path.is_dir():
        return _FolderSource(path)
    if path.is_file() and path.suffix.lower() in (".xlsx", ".xlsm"):
        return _WorkbookSource(path, out)
    if path.exists():
        expected = "a scenario folder or an .xlsx workbook"
        out.add(
            Problem(
                path.name, None, None, None, f"this is neither a folder nor an .xlsx workbook (expected {expected})"
            )
        )
    else:
        out.add(Problem(str(path), None, None, None, "this scenario folder or workbook does not exist"))
    return None


def _site_from(source: _Source, out: _Collector) -> Site | None:
    site, _ = _site_and_facts(source, out)
    return site


def _site_and_facts(source: _Source, out: _Collector) -> tuple[Site | None, _SiteFacts]:
    found = source.site_text(out)
    if found is None:
        out.add(source.missing("site"))
        return None, _SiteFacts()
    label, text = found
    if not label:  # unreadable, already reported
        return None, _SiteFacts()
    return _parse_site(label, text, out)


@dataclass(frozen=True, eq=False)  # eq=False: comparing DataFrames with == is elementwise, not a bool
class ForecastInputs:
    """What `wfm forecast` needs and nothing more: a folder with only site.toml and history.csv will do."""

    site: Site
    history: pd.DataFrame  # as `Scenario.history`
    events: tuple[Event, ...] = ()
    warnings: tuple[str, ...] = ()  # as `Scenario.warnings`


def load_scenario(path: Path) -> Scenario:
    """Load a scenario folder or workbook; raise one `ScenarioError` listing every problem found."""
    return _load_from(Path(path), _load)


def load_forecast_inputs(path: Path) -> ForecastInputs:
    """Load only site.toml, history.csv and the optional events.csv of a folder or workbook, checked as
    `load_scenario` checks them; staff and the other planning files need not exist yet."""
    return _load_from(Path(path), _load_forecast)


_Loaded = TypeVar("_Loaded")


def _load_from(path: Path, load: Callable[[_Source, _Collector, _Collector], _Loaded | None]) -> _Loaded:
    out, notes = _Collector(), _Collector()  # problems that stop the load, and warnings that do not
    source = _open_source(path, out)
    if source is None:
        raise ScenarioError(out.problems())
    try:
        loaded = load(source, out, notes)
    finally:
        if isinstance(source, _WorkbookSource):
            source.close()
    if out or loaded is None:
        raise ScenarioError(out.problems())
    return loaded


def _read_tables(
    source: _Source, names: Sequence[str], out: _Collector
) -> tuple[dict[str, _Table | None], dict[str, _Table]]:
    """Each named table, or None when absent, empty or missing a required column (reported unless optional).

    The second dict holds the tables set aside for a missing column, for what can still be checked in them."""
    tables: dict[str, _Table | None] = {}
    incomplete: dict[str, _Table] = {}
    for name in names:
        spec = _TABLES[name]
        table = source.table(name, out)
        if table is not None and len(table.frame.columns) == 0:
            # An empty optional file (a planner cleared it) means no rows; an empty required one is a problem.
            if spec.needed:
                out.add(
                    Problem(
                        table.label,
                        None,
                        None,
                        None,
                        "there is nothing in it, not even a header row",
                        f"The header row should be: {spec.header}",
                    )
                )
            table = None
        elif table is None:
            if spec.needed and not _reported(out, name):
                out.add(source.missing(name))
        elif not _require_columns(table, spec, out):
            incomplete[name] = table
            table = None
        tables[name] = table
    return tables, incomplete


def _load_forecast(source: _Source, out: _Collector, notes: _Collector) -> ForecastInputs | None:
    site, facts = _site_and_facts(source, out)
    tables, _ = _read_tables(source, ("history", "events"), out)
    history = _optional_history(tables, facts, out, notes)
    events = _optional(tables["events"], lambda t: _load_events(t, facts, out))
    if out or site is None or history is None:
        return None
    return ForecastInputs(site, history, tuple(events), _rendered(notes))


def _optional_history(
    tables: Mapping[str, _Table | None], facts: _SiteFacts, out: _Collector, notes: _Collector
) -> pd.DataFrame | None:
    table = tables["history"]
    return None if table is None else _load_history(table, facts, out, notes)


def _rendered(notes: _Collector) -> tuple[str, ...]:
    return tuple(str(problem) for problem in notes.problems())


def _load(source: _Source, out: _Collector, notes: _Collector) -> Scenario | None:
    site, facts = _site_and_facts(source, out)
    tables, incomplete = _read_tables(source, list(_TABLES), out)
    # Keep the staff ids when another staff column is missing: skills etc. are still checkable.
    staff_ids_only = incomplete.get("staff")

    staff_rows: dict[str, int] | None = None
    agents: list[Agent] = []
    staff = tables["staff"]
    if staff is not None:
        agents, staff_rows = _load_staff(staff, facts, out)
    elif staff_ids_only is not None and staff_ids_only.has("agent_id"):
        staff_rows = {}
        for row, agent_id in staff_ids_only.frame["agent_id"].items():
            staff_rows.setdefault(str(agent_id), int(row))

    skills: list[Skill] = []
    skills_table = tables["skills"]
    if skills_table is not None:
        skills, mentioned = _load_skills(skills_table, facts, staff_rows, out)
        if staff is not None:
            _report_agents_without_skills(staff, agents, mentioned, skills_table.label, out)

    history = _optional_history(tables, facts, out, notes)

    availability = _optional(tables["availability"], lambda t: _load_availability(t, staff_rows, out))
    time_off = _optional(tables["time_off"], lambda t: _load_periods(t, TimeOff, staff_rows, out, ("reason", "reason")))
    fixed = _optional(
        tables["fixed_activities"],
        lambda t: _load_periods(t, FixedActivity, staff_rows, out, ("activity", "activity")),
    )
    previous = _optional(tables["previous_shifts"], lambda t: _load_periods(t, PreviousShift, staff_rows, out))
    backlog = _optional(tables["backlog"], lambda t: _load_backlog(t, facts, out))
    events = _optional(tables["events"], lambda t: _load_events(t, facts, out))
    contracts = {a.agent_id: a.contract for a in agents}
    requests = _optional(
        tables["requests"], lambda t: _load_requests(t, facts, site, staff_rows, contracts, out, notes)
    )

    if out or site is None or history is None:
        return None
    try:
        return Scenario(
            site=site,
            agents=tuple(agents),
            skills=tuple(skills),
            availability=tuple(availability),
            time_off=tuple(time_off),
            fixed_activities=tuple(fixed),
            previous_shifts=tuple(previous),
            backlog=tuple(backlog),
            events=tuple(events),
            requests=tuple(requests),
            history=history,
            warnings=_rendered(notes),
        )
    except ValidationError as exc:
        for error in exc.errors():
            location = ".".join(str(part) for part in error.get("loc", ()))
            out.add(Problem("scenario", None, None, None, f"{location}: {error.get('msg', 'invalid')}"))
        return None


_T = TypeVar("_T")


def _optional(table: _Table | None, load: Callable[[_Table], list[_T]]) -> list[_T]:
    return [] if table is None else load(table)


def _reported(out: _Collector, name: str) -> bool:
    """Whether reading `name` already produced a problem (then it is unreadable, not missing)."""
    return any(p.file.startswith(f"{name}.csv") or p.file.endswith(f"sheet '{name}'") for p in out.problems())


def _report_agents_without_skills(
    staff: _Table, agents: list[Agent], mentioned: set[str], skills_label: str, out: _Collector
) -> None:
    rows = {record.get("agent_id", ""): number for number, record in staff.records()}
    for agent in agents:
        if agent.agent_id not in mentioned:
            out.add(
                Problem(
                    staff.label,
                    rows.get(agent.agent_id),
                    None,
                    None,
                    f"agent '{agent.agent_id}' has no rows in {skills_label}, so they could never be scheduled",
                    f"Add a skill for them (e.g. {agent.agent_id},<queue>,1.0) or remove them from {staff.label}.",
                ),
                kind="no skills",
            )
