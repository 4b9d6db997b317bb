"""Regional spreadsheet conventions: the date order and decimal mark of European and US Excel exports.

Each table's date, date-time and number columns are rewritten to the one form the cell parsers read (ISO dates,
a decimal dot) before they are parsed, as `[input]` in site.toml says the files are written. A column written
another way than declared (02/03/2026 while the site expects year first) is one problem for the column, with
the setting that reads it, not one problem per row: every row has the same cause.
"""

from __future__ import annotations

import re

import pandas as pd

from wfm.io.collect import _Collector
from wfm.io.errors import Problem
from wfm.io.site_file import _SiteFacts
from wfm.io.sources import _Table, _TableSpec

# 02/03/2026, 2.3.2026, 02-03-2026 (with or without a time after it), and 2026/03/02.
_DAY_MONTH_RE = re.compile(r"^(\d{1,2})([/.\-])(\d{1,2})\2(\d{4})\b")
_YEAR_SLASH_RE = re.compile(r"^(\d{4})/(\d{1,2})/(\d{1,2})\b")
_TIME_FORMATS = (" %H:%M", " %H:%M:%S", "T%H:%M", "T%H:%M:%S")


def localize(table: _Table, spec: _TableSpec, facts: _SiteFacts, out: _Collector) -> None:
    """Rewrite `table`'s dates and numbers in place into ISO dates and decimal dots."""
    frame = table.frame
    if frame.empty:
        return
    decimal = facts.decimal_separator or ("," if table.separator == ";" else ".")
    for column in spec.numbers:
        if column in frame.columns:
            frame[column] = _numbers(frame[column], decimal)
    for column, with_time in [(c, False) for c in spec.dates] + [(c, True) for c in spec.datetimes]:
        if column not in frame.columns:
            continue
        if facts.date_format is None:
            _report_regional_dates(table, column, with_time, out)
        else:
            frame[column] = _iso_dates(frame[column], facts.date_format, with_time)


def _numbers(text: pd.Series, decimal: str) -> pd.Series:
    """'329,5' -> '329.5' where the decimal mark is a comma; thousands separators (1.234,5 or 1,234.5) dropped.

    A value that fits neither form is left as it is, for the cell parser to report with its hint."""
    grouping = "." if decimal == "," else ","
    if not (text.str.contains(grouping, regex=False).any() or text.str.contains(decimal, regex=False).any()):
        return text
    grouped = text.str.fullmatch(rf"-?\d{{1,3}}(\{grouping}\d{{3}})+(\{decimal}\d*)?")
    text = text.where(~grouped, text.str.replace(grouping, "", regex=False))
    if decimal == ",":
        comma = text.str.fullmatch(r"-?\d*,\d+|-?\d+,")
        text = text.where(~comma, text.str.replace(",", ".", regex=False))
    return text


def _iso_dates(text: pd.Series, date_format: str, with_time: bool) -> pd.Series:
    """Values in the declared date order rewritten year first; ISO values and values that do not parse stay."""
    codes, distinct = pd.factorize(text)
    values = pd.Series(distinct, dtype=object)
    rewritten = values.copy()
    formats = [(date_format, "%Y-%m-%d")] + [
        (date_format + clock, "%Y-%m-%dT%H:%M:%S" if with_time else "%Y-%m-%d") for clock in _TIME_FORMATS
    ]
    pending = pd.Series(True, index=values.index)
    for pattern, iso in formats:
        parsed = pd.to_datetime(values.where(pending), format=pattern, errors="coerce")
        hit = parsed.notna() & pending
        rewritten[hit] = parsed[hit].dt.strftime(iso)
        pending &= ~hit
    result = rewritten.to_numpy()[codes]
    return pd.Series(result, index=text.index).where(codes >= 0, text)


def _report_regional_dates(table: _Table, column: str, with_time: bool, out: _Collector) -> None:
    """Dates written day or month first where ISO is expected: one problem for the column, with the setting."""
    text = table.frame[column]
    regional = text.str.match(_DAY_MONTH_RE) | text.str.match(_YEAR_SLASH_RE)
    if not regional.any() or regional.sum() * 2 < (text != "").sum():
        return  # a stray row written another way is that row's problem, reported with the row
    first = regional.idxmax()
    order = date_order([str(v) for v in text[regional].unique()[:5000]])
    count = int(regional.sum())
    rows = f"{count:,} rows are" if count > 1 else "This row is"
    out.add(
        Problem(
            table.label,
            int(first),
            column,
            str(text[first]),
            f"a {'date and time' if with_time else 'date'} written year first, like "
            f"{'2026-03-02T08:15' if with_time else '2026-03-02'}, as site.toml expects",
            f"{rows} written {order.describe}. {order.fix}",
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
