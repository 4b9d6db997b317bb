"""Regional spreadsheet conventions: the date order and decimal mark of European and US Excel exports.

Each table's date, date-time and number columns are rewritten to the one form the cell parsers read (ISO dates,
a decimal dot) before they are parsed, as `[input]` in site.toml says the files are written. A column written
another way than declared (02/03/2026 while the site expects year first) is one problem for the column, with
the setting that reads it, not one problem per row: every row has the same cause.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd

from wfm.domain import DATE_FORMATS, Site
from wfm.io.collect import _Collector
from wfm.io.errors import Problem, ScenarioError
from wfm.io.site_file import _input_facts, _SiteFacts
from wfm.io.sources import _read_csv, _Table, _TableSpec

# 02/03/2026, 2.3.2026, 02-03-2026 (with or without a time after it), and 2026/03/02.
_DAY_MONTH_RE = re.compile(r"^(\d{1,2})([/.\-])(\d{1,2})\2(\d{4})\b")
_YEAR_SLASH_RE = re.compile(r"^(\d{4})/(\d{1,2})/(\d{1,2})\b")
_TIME_FORMATS = (" %H:%M", " %H:%M:%S", "T%H:%M", "T%H:%M:%S")


def localize(table: _Table, spec: _TableSpec, facts: _SiteFacts, out: _Collector) -> None:
    """Rewrite `table`'s dates and numbers in place into ISO dates and decimal dots."""
    frame = table.frame
    if frame.empty:
        return
    if table.separator is not None:  # a workbook's numbers are numbers already, whatever the decimal mark
        for column in spec.numbers:
            if column in frame.columns:
                _numbers(table, column, facts.decimal_separator, out)
    for column, with_time in [(c, False) for c in spec.dates] + [(c, True) for c in spec.datetimes]:
        if column not in frame.columns:
            continue
        if facts.date_format is not None:
            frame[column] = _iso_dates(frame[column], facts.date_format, with_time)
        _report_regional_dates(table, column, with_time, facts.date_format, out)


def read_regional_table(
    path: Path, site: Site, *, dates: tuple[str, ...] = (), numbers: tuple[str, ...] = ()
) -> pd.DataFrame:
    """A CSV file outside the scenario folder (a capacity volume plan) read as the scenario's own files are: the
    separator from its header row, every cell stripped text indexed by its spreadsheet row (the header is row 1),
    and `dates` and `numbers` written the way site.toml's [input] says (or the file's separator implies: a
    semicolon file has decimal commas) rewritten to ISO dates and decimal dots. Raises ScenarioError."""
    out = _Collector()
    table = _read_csv(path, out)
    if table is not None:
        spec = _TableSpec(required=(), dates=dates, numbers=numbers)
        localize(table, spec, _SiteFacts(**_input_facts(site.input.model_dump())), out)
    if out or table is None:
        raise ScenarioError(out.problems())
    return table.frame


def _distinct(text: pd.Series, rewrite: Callable[[pd.Series], pd.Series]) -> pd.Series:
    """`rewrite` applied to each distinct value once: a history repeats each time for every queue and each
    volume thousands of times, and string operations on a million rows cost seconds."""
    codes, distinct = pd.factorize(text)
    if not len(distinct):
        return text
    rewritten = rewrite(pd.Series(distinct, dtype=object)).to_numpy()
    return pd.Series(rewritten[codes], index=text.index).where(codes >= 0, text)


def _numbers(table: _Table, column: str, declared: str | None, out: _Collector) -> None:
    """'329,5' -> '329.5' where the decimal mark is a comma; thousands separators (1.234,5 or 1,234.5) dropped.

    The mark is `declared` ([input] decimal_separator), else ',' in a semicolon file and '.' otherwise. A lone
    group such as 1.234 (or "1,234") is 1234 or 1.234 depending on the convention: unless the setting says so, or
    the column shows its decimal mark elsewhere (1.234,5 or 12,5), it is one problem for the column, never a
    guess. A value that fits no form is left as it is, for the cell parser to report with its hint."""
    decimal = declared or ("," if table.separator == ";" else ".")
    grouping = "." if decimal == "," else ","
    text = table.frame[column]
    codes, distinct = pd.factorize(text)
    values = pd.Series(distinct, dtype=object)
    if not len(values) or not values.str.contains(f"[{re.escape(grouping + decimal)}]").any():
        return
    g, d = re.escape(grouping), re.escape(decimal)
    grouped = values.str.fullmatch(rf"-?[1-9]\d{{0,2}}({g}\d{{3}})+({d}\d*)?")
    single = grouped & values.str.fullmatch(rf"-?[1-9]\d{{0,2}}{g}\d{{3}}")
    shows_decimal = values.str.fullmatch(rf"-?\d*{d}\d+") | (grouped & ~single & values.str.contains(d))
    # A dot (comma) that cannot separate thousands, as in 0.125, 329.25 or 1234.5, is the column's decimal mark.
    other_decimal = values.str.fullmatch(rf"-?(\d*{g}\d{{1,2}}|\d*{g}\d{{4,}}|0{g}\d+|\d{{4,}}{g}\d+)")
    if declared is None and other_decimal.any() and not shows_decimal.any():
        return  # left as written: a dot decimal parses, a comma decimal is reported with its hint
    if declared is None and single.any() and not shows_decimal.any():
        first = pd.Series(codes, index=text.index).isin(np.flatnonzero(single.to_numpy())).idxmax()
        value = str(text[first])
        meaning = value.replace(grouping, "")
        other = value.replace(grouping, ".")
        out.add(
            Problem(
                table.label,
                int(first),
                column,
                value,
                f"a number in one convention: '{value}' is {meaning} with '{grouping}' between thousands, or {other}",
                f'Set decimal_separator = "{decimal}" (or "{grouping}") under [input] in site.toml to say which.',
            ),
            kind="ambiguous number",
        )
        table.reported.add(column)
        return
    values = values.where(~grouped, values.str.replace(grouping, "", regex=False))
    if decimal == ",":
        comma = values.str.fullmatch(r"-?\d*,\d+|-?\d+,")
        values = values.where(~comma, values.str.replace(",", ".", regex=False))
    table.frame[column] = pd.Series(values.to_numpy()[codes], index=text.index).where(codes >= 0, text)


def _iso_dates(text: pd.Series, date_format: str, with_time: bool) -> pd.Series:
    """Values in the declared date order rewritten year first; ISO values and values that do not parse stay."""
    return _distinct(text, lambda values: _distinct_iso_dates(values, date_format, with_time))


def _distinct_iso_dates(values: pd.Series, date_format: str, with_time: bool) -> pd.Series:
    rewritten = values.copy()
    formats = [(date_format, "%Y-%m-%d")] + [
        (date_format + clock, "%Y-%m-%dT%H:%M:%S" if with_time else "%Y-%m-%d") for clock in _TIME_FORMATS
    ]
    pending = pd.Series(True, index=values.index)
    for pattern, iso in formats:
        parsed = pd.to_datetime(values.where(pending), format=pattern, errors="coerce")
        hit = parsed.notna() & pending
        if not with_time:  # a date column takes a date, or a date at midnight (Excel's form of a date cell)
            hit &= parsed.dt.hour.eq(0) & parsed.dt.minute.eq(0) & parsed.dt.second.eq(0)
        rewritten[hit] = parsed[hit].dt.strftime(iso)
        pending &= ~hit
    return rewritten


def _report_regional_dates(table: _Table, column: str, with_time: bool, declared: str | None, out: _Collector) -> None:
    """Dates left written day or month first after `declared` (None: ISO) was applied: one problem for the column,
    with the setting that reads them, when most rows are like that or when they show that the declared order is
    wrong (23/02/2026 under MM/DD/YYYY)."""
    text = table.frame[column]
    codes, distinct = pd.factorize(text)
    values = pd.Series(distinct, dtype=object)
    regional_value = (values.str.match(_DAY_MONTH_RE) | values.str.match(_YEAR_SLASH_RE)).to_numpy(dtype=bool)
    regional = pd.Series((codes >= 0) & regional_value[np.maximum(codes, 0)], index=text.index)
    count = int(regional.sum())
    if not count:
        return
    order = date_order([str(v) for v in values[regional_value][:5000]])
    declared_name = next((name for name, form in DATE_FORMATS.items() if form == declared), None)
    wrong_order = declared_name is not None and declared_name not in order.names
    if not wrong_order and count * 2 < (text != "").sum():
        return  # a stray row written another way is that row's problem, reported with the row
    first = regional.idxmax()
    rows = f"{count:,} rows are" if count > 1 else "This row is"
    expected = f"a {'date and time' if with_time else 'date'} written year first, like " + (
        "2026-03-02T08:15" if with_time else "2026-03-02"
    )
    expected += f" or as {declared_name}, as site.toml says" if declared_name else ", as site.toml expects"
    out.add(
        Problem(
            table.label,
            int(first),
            column,
            str(text[first]),
            expected,
            (
                f"{count:,} row{'s' if count > 1 else ''} cannot be {declared_name} (date_format): "
                f"{'they are' if count > 1 else 'it is'} written {order.describe}. {order.fix}"
                if wrong_order
                else f"{rows} written {order.describe}. {order.fix}"
            ),
        ),
        kind="regional dates",
    )
    table.reported.add(column)


class DateOrder:
    """What a column of regional dates tells about its order, and the setting that reads it."""

    def __init__(self, names: list[str], separator: str) -> None:
        self.names = names  # the date_format names that fit every value
        self.separator = separator

    @property
    def describe(self) -> str:
        if len(self.names) == 1:
            return f"as {self.names[0]}"
        return f"day or month first ({' or '.join(self.names)}: no value shows which)"

    @property
    def fix(self) -> str:
        settings = " or ".join(f'date_format = "{name}"' for name in self.names)
        return f"Set {settings} under [input] in site.toml, or write the dates year first (2026-03-02T08:15)."


def date_order(values: list[str]) -> DateOrder:
    """Which of day-first and month-first fits every value: a first part above 12 can only be a day."""
    if any(_YEAR_SLASH_RE.match(v) for v in values):
        return DateOrder(["YYYY/MM/DD"], "/")
    parts = [m.groups() for m in map(_DAY_MONTH_RE.match, values) if m]
    separator = parts[0][1] if parts else "/"
    day_first = all(int(b) <= 12 for _, _, b, _ in parts)
    month_first = separator == "/" and all(int(a) <= 12 for a, _, _, _ in parts)
    names = []
    if day_first:
        names.append(f"DD{separator}MM{separator}YYYY")
    if month_first:
        names.append("MM/DD/YYYY")
    return DateOrder(names or [f"DD{separator}MM{separator}YYYY"], separator)
