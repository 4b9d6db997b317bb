"""Cell parsers: text in, value out, or `_Bad` with what was expected."""

from __future__ import annotations

import datetime as dt
import difflib
import math
import re
from collections.abc import Callable, Sequence

from wfm.domain import (
    WEEKDAYS,
    Office,
    parse_clock,
)
from wfm.io.collect import _Bad

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
        hint = decimal_comma_hint(text)
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


def decimal_comma_hint(text: str) -> str:
    """For '12,5' where a decimal dot is expected: say so, and how to read such files as they are."""
    if not re.fullmatch(r"-?\d+,\d+", text):
        return ""
    return (
        'It has a decimal comma: write 12.5, or set decimal_separator = "," under [input] in site.toml to read '
        "decimal commas (a semicolon-separated file is read that way already)."
    )
