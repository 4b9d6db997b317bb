"""Layout helpers every sheet of the workbook shares: column widths, the en dash of date ranges."""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterable
from typing import Any

import pandas as pd
from openpyxl.utils import get_column_letter

EN_DASH = "\u2013"


def set_widths(sheet: Any, widths: Iterable[float]) -> None:
    for index, width in enumerate(widths, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = width


def text_width(texts: Iterable[str], minimum: float, maximum: float) -> float:
    longest = max((len(t) for t in texts), default=0)
    return max(minimum, min(maximum, longest + 2))


def excel_value(value: object) -> object:
    """Python/numpy/pandas values as something openpyxl stores: NaN and NaT as blank, no time zones."""
    if value is None or value is pd.NaT:
        return None
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, pd.Timestamp):
        value = value.to_pydatetime()
    if isinstance(value, dt.datetime) and value.tzinfo is not None:
        # Site-local wall-clock time is what the planner reads; Excel has no time zones.
        return value.replace(tzinfo=None)
    if hasattr(value, "item") and not isinstance(value, (dt.date, str)):
        return excel_value(value.item())
    return value
