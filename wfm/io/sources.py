"""Tables from a scenario folder (CSV files) or one workbook (sheets): every cell as stripped text, indexed
by the spreadsheet row number."""

from __future__ import annotations

import csv
import datetime as dt
import difflib
import itertools
import re
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

import pandas as pd

from wfm.io.cells import SITE_FILE
from wfm.io.collect import _Collector
from wfm.io.errors import Problem


@dataclass(frozen=True)
class _TableSpec:
    required: tuple[str, ...]
    optional: tuple[str, ...] = ()
    needed: bool = False  # the scenario cannot be planned without this file
    about: str = ""
    # Columns written the regional way ([input] date_format, decimal_separator), rewritten before parsing.
    dates: tuple[str, ...] = ()
    datetimes: tuple[str, ...] = ()
    numbers: tuple[str, ...] = ()

    @property
    def header(self) -> str:
        return ",".join(self.required + self.optional)


_TABLES: dict[str, _TableSpec] = {
    "staff": _TableSpec(
        ("agent_id", "name", "office", "contract"),
        ("team", "hourly_cost"),
        True,
        "the agents",
        numbers=("hourly_cost",),
    ),
    "skills": _TableSpec(
        ("agent_id", "queue", "proficiency"),
        ("priority",),
        True,
        "which agent works which queue",
        numbers=("proficiency", "priority"),
    ),
    "history": _TableSpec(
        ("interval_start", "queue", "volume"),
        ("aht_seconds",),
        True,
        "past volume per interval and queue",
        datetimes=("interval_start",),
        numbers=("volume", "aht_seconds"),
    ),
    "availability": _TableSpec(("agent_id", "day", "start", "end"), dates=("day",)),
    "time_off": _TableSpec(("agent_id", "start", "end"), ("reason", "paid"), datetimes=("start", "end")),
    "fixed_activities": _TableSpec(("agent_id", "start", "end"), ("activity",), datetimes=("start", "end")),
    "previous_shifts": _TableSpec(("agent_id", "start", "end"), datetimes=("start", "end")),
    "backlog": _TableSpec(("queue", "items", "oldest_arrival"), datetimes=("oldest_arrival",), numbers=("items",)),
    "events": _TableSpec(("date", "queue"), ("multiplier", "closed"), dates=("date",), numbers=("multiplier",)),
    "requests": _TableSpec(
        ("agent_id", "date", "shift_template", "on"), ("weight",), dates=("date",), numbers=("weight",)
    ),
    "shift_requirements": _TableSpec(
        ("date", "template", "required"),
        ("weight_under", "weight_over"),
        dates=("date",),
        numbers=("required", "weight_under", "weight_over"),
    ),
}


# --------------------------------------------------------------------------------------------------------------
# Tables: every cell as stripped text, indexed by the spreadsheet row number.


@dataclass
class _Table:
    label: str  # "staff.csv", or "plan.xlsx, sheet 'staff'"
    frame: pd.DataFrame
    separator: str | None = None  # a CSV file's column separator; None for a workbook sheet
    # Columns whose problem is already reported once for the whole column: their rows are not listed again.
    reported: set[str] = field(default_factory=set)

    def has(self, column: str) -> bool:
        return column in self.frame.columns

    def records(self) -> Iterator[tuple[int, dict[str, str]]]:
        columns = list(self.frame.columns)
        for row, values in zip(self.frame.index, self.frame.itertuples(index=False, name=None), strict=True):
            yield int(row), dict(zip(columns, values, strict=True))


def _normalize(label: str, frame: pd.DataFrame, separator: str | None = None) -> _Table:
    frame.columns = [str(c).strip().lower() for c in frame.columns]
    # A trailing comma in the header gives a nameless column; drop it when it holds nothing.
    keep = [c for c in frame.columns if not (c.startswith("unnamed:") or c in ("", "none"))]
    frame = frame[keep].fillna("")
    for column in frame.columns:
        frame[column] = frame[column].astype(str).str.strip()
    frame.index = pd.RangeIndex(2, len(frame) + 2)
    if len(frame.columns):
        frame = frame[(frame != "").any(axis=1)]
    return _Table(label, frame, separator)


# The column separators a spreadsheet export may use; each file's header row says which one it has.
_SEPARATORS = {",": "comma", ";": "semicolon", "\t": "tab"}


def _sniff_separator(path: Path) -> str:
    """The separator of a CSV file, read from its header row: the column names hold no separator, so whichever
    of comma, semicolon or tab occurs most there is the one (European Excel writes semicolons)."""
    try:
        with path.open(encoding="utf-8-sig", newline="") as handle:
            header = handle.readline()
    except (OSError, UnicodeDecodeError):
        return ","  # reading the file again reports it
    outside_quotes = re.sub(r'"[^"]*"', "", header)
    counts = {sep: outside_quotes.count(sep) for sep in _SEPARATORS}
    best = max(counts, key=lambda sep: counts[sep])
    return best if counts[best] > 0 else ","


def _read_csv(path: Path, out: _Collector) -> _Table | None:
    label = path.name
    separator = _sniff_separator(path)
    try:
        # header=None: the header row is read as data, so the header fixes the number of columns and a row with
        # more values is an error naming that row. (With header=0, pandas takes a first data row with one value
        # too many as "the first column is an index" and shifts every column of the file.)
        frame = pd.read_csv(
            path,
            sep=separator,
            dtype=str,
            keep_default_na=False,
            skip_blank_lines=False,
            encoding="utf-8-sig",
            header=None,
        )
    except UnicodeDecodeError:
        out.add(Problem(label, None, None, None, "the file is not UTF-8 text", "In Excel use Save As > 'CSV UTF-8'."))
        return None
    except pd.errors.EmptyDataError:
        return _Table(label, pd.DataFrame(), separator)  # the caller decides whether an empty file is acceptable
    except pd.errors.ParserError as exc:
        match = re.search(r"Expected (\d+) fields in line (\d+), saw (\d+)", str(exc))
        if match:
            header, line, seen = (int(g) for g in match.groups())
            out.add(
                Problem(
                    label,
                    line,
                    None,
                    None,
                    f"this row has {seen} values but the header row has {header} columns",
                    _extra_values_hint(path, separator),
                )
            )
        else:
            out.add(Problem(label, None, None, None, f"the file is not valid CSV ({exc})"))
        return None
    except OSError as exc:
        out.add(Problem(label, None, None, None, f"the file could not be read ({exc.strerror or exc})"))
        return None
    names = [str(name) for name in frame.iloc[0]] if len(frame) else []
    frame = frame.iloc[1:].set_axis(_unique(names), axis=1)
    return _normalize(label, frame, separator)


def read_text_table(path: Path) -> tuple[pd.DataFrame, str]:
    """A CSV file as scenario files are read (separator from its header row, every cell stripped text, a row with
    a value too many named), with its separator; raises ScenarioError with the file's problems."""
    from wfm.io.errors import ScenarioError

    found = _Collector()
    table = _read_csv(path, found)
    if found or table is None:
        raise ScenarioError(found.problems())
    return table.frame, table.separator or ","


def _unique(names: list[str]) -> list[str]:
    """Column names as pandas makes them unique ('queue', 'queue.1'); a blank name is 'unnamed: <i>'."""
    seen: Counter[str] = Counter()
    out = []
    for i, name in enumerate(names):
        name = name.strip() or f"unnamed: {i}"
        out.append(name if not seen[name] else f"{name}.{seen[name]}")
        seen[name] += 1
    return out


def _extra_values_hint(path: Path, separator: str) -> str:
    hint = f"Text containing a {_SEPARATORS[separator]} must be in double quotes."
    if separator != ",":
        return hint
    # One row with a value too many is an unquoted comma in a name; many rows with one too many, each beside a
    # split number (329,5 -> 329 and 5), is a file whose decimal commas became separators.
    try:
        with path.open(encoding="utf-8-sig", newline="") as handle:
            rows = list(itertools.islice(csv.reader(handle), 21))
    except (OSError, UnicodeDecodeError, csv.Error):
        return hint
    if len(rows) < 2:
        return hint
    width = len(rows[0])
    split = [row for row in rows[1:] if len(row) > width and re.search(r"\d,\d", ",".join(row))]
    if len(split) >= 2 and len(split) * 4 >= len(rows) - 1:
        hint += (
            " Many rows have a value too many beside a number: if the numbers have decimal commas (329,5), the "
            "file was meant to be separated by semicolons: export it again from Excel as it was, rather than "
            "replacing ';' by ','."
        )
    return hint


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
