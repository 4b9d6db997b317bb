"""Writing one run's output files (the output contract of design.md) into a run folder.

Every file is written under a temporary name and moved into place, so a reader never sees half a file even
though the caller also makes the folder as a whole appear at once. Rows are sorted and floats rounded so that two
runs over the same plan give byte-identical files, which keeps diffs between nightly runs meaningful.
"""

from __future__ import annotations

import datetime as dt
import enum
import json
import math
import zipfile
from collections.abc import Mapping
from itertools import takewhile
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from wfm.domain.models import Scenario
from wfm.io.atomic import atomic_write_text
from wfm.reports.excel import write_roster
from wfm.reports.tables import assignments_table, shifts_table
from wfm.scheduling.result import ScheduleResult, Segment, ShiftAssignment

TIMESTAMP_FORMAT = "%Y-%m-%dT%H:%M:%S"

# The contract columns of each table, in contract order; columns a producer adds beyond these follow them.
FORECAST_COLUMNS = ["interval_start", "queue", "volume", "aht_seconds"]
REQUIREMENTS_COLUMNS = ["interval_start", "queue", "required_agents", "due_items"]
COVERAGE_COLUMNS = [
    "interval_start",
    "queue",
    "forecast_volume",
    "aht_seconds",
    "required_agents",
    "scheduled_agents",
    "service_level",
    "asa_seconds",
    "occupancy",
    "arrivals",
    "completed",
    "backlog",
    "items_past_sla",
]

# Decimal places per float column: enough for the planner's judgement, few enough that float noise
# (0.30000000000000004) never reaches a file.
DECIMALS: dict[str, int] = {
    "volume": 2,
    "forecast_volume": 2,
    "arrivals": 2,
    "completed": 2,
    "backlog": 2,
    "items_past_sla": 2,
    "due_items": 2,
    "aht_seconds": 1,
    "asa_seconds": 1,
    "required_agents": 2,
    "scheduled_agents": 2,
    "arrival_work_minutes": 2,
    "due_work_minutes": 2,
    "service_level": 4,
    "occupancy": 4,
    "paid_hours": 2,
    "overtime_hours": 2,
}
DEFAULT_DECIMALS = 4
KPI_DECIMALS = 4


def write_run_files(
    folder: Path,
    *,
    scenario: Scenario,
    forecast: pd.DataFrame,
    requirements: pd.DataFrame,
    coverage: pd.DataFrame,
    kpis: Mapping[str, Any],
    result: ScheduleResult,
    inputs: Mapping[str, str] | None = None,
) -> list[Path]:
    """Write forecast, requirements, shifts, assignments, coverage CSVs, kpis.json and roster.xlsx into `folder`.

    `folder` must exist. Returns the written paths in the order above.
    """
    if not folder.is_dir():
        raise FileNotFoundError(f"run folder {folder} does not exist")

    tables: list[tuple[str, pd.DataFrame, list[str], list[str]]] = [
        ("forecast.csv", forecast, FORECAST_COLUMNS, ["interval_start", "queue"]),
        ("requirements.csv", requirements, REQUIREMENTS_COLUMNS, ["interval_start", "queue"]),
        ("shifts.csv", shifts_table(scenario, result), [], ["agent_id", "shift_start", "shift_end"]),
        ("assignments.csv", assignments_table(result), [], ["agent_id", "start", "end"]),
        ("coverage.csv", coverage, COVERAGE_COLUMNS, ["interval_start", "queue"]),
    ]
    written: list[Path] = []
    for name, frame, contract_columns, sort_by in tables:
        path = folder / name
        atomic_write_text(path, csv_text(frame, contract_columns=contract_columns, sort_by=sort_by, name=name))
        written.append(path)

    kpis_path = folder / "kpis.json"
    atomic_write_text(kpis_path, json.dumps(json_safe(kpis), indent=2, ensure_ascii=False) + "\n")
    written.append(kpis_path)

    roster_path = folder / "roster.xlsx"
    write_roster(
        roster_path, scenario=scenario, result=result, coverage=coverage, kpis=kpis, forecast=forecast, inputs=inputs
    )
    written.append(roster_path)
    return written


def csv_text(frame: pd.DataFrame, *, contract_columns: list[str], sort_by: list[str], name: str = "table") -> str:
    """One table as CSV text: contract columns first, rows sorted, ISO timestamps, rounded floats.

    A missing contract column is an error rather than a silently thinner file: scripts downstream rely on it.
    """
    missing = [c for c in contract_columns if c not in frame.columns]
    if missing:
        raise ValueError(f"{name}: missing contract column(s) {', '.join(missing)}")
    columns = contract_columns + [c for c in frame.columns if c not in contract_columns]
    out = frame[columns].copy()

    present_keys = [c for c in sort_by if c in out.columns]
    if present_keys:
        out = out.sort_values(present_keys, kind="stable", na_position="last").reset_index(drop=True)

    for column in out.columns:
        series = out[column]
        if pd.api.types.is_datetime64_any_dtype(series):
            out[column] = series.dt.strftime(TIMESTAMP_FORMAT)
        elif pd.api.types.is_float_dtype(series):
            out[column] = series.round(DECIMALS.get(column, DEFAULT_DECIMALS))
        elif series.dtype == object:
            out[column] = series.map(_cell_text)
    return out.to_csv(index=False, lineterminator="\n")


def _cell_text(value: object) -> object:
    """Dates and datetimes held in an object column, in the same ISO forms as the datetime columns."""
    if value is pd.NaT:
        return None
    if isinstance(value, dt.datetime):
        return value.strftime(TIMESTAMP_FORMAT)
    if isinstance(value, dt.date):
        return value.isoformat()
    return value


def _json_key(key: object) -> str:
    """JSON keys are text: a tuple key such as (agent_id, week_start) becomes "A1,2026-03-02"."""
    if isinstance(key, tuple):
        return ",".join(_json_key(part) for part in key)
    safe = json_safe(key)
    return safe if isinstance(safe, str) else json.dumps(safe)


def json_safe(value: Any) -> Any:
    """KPIs as plain JSON: numpy scalars to Python, NaN/inf to null, dates to ISO text, floats rounded."""
    if value is pd.NaT or value is pd.NA:
        return None
    if isinstance(value, Mapping):
        return {_json_key(k): json_safe(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, set, frozenset)):
        items = sorted(value, key=str) if isinstance(value, (set, frozenset)) else value
        return [json_safe(v) for v in items]
    if isinstance(value, np.ndarray):
        return [json_safe(v) for v in value.tolist()]
    if isinstance(value, np.generic):
        return json_safe(value.item())
    if isinstance(value, enum.Enum):
        return json_safe(value.value)
    if isinstance(value, bool) or value is None:
        return value
    if isinstance(value, float):
        return round(value, KPI_DECIMALS) if math.isfinite(value) else None
    if isinstance(value, (int, str)):
        return value
    if isinstance(value, (dt.datetime, pd.Timestamp)):
        return value.strftime(TIMESTAMP_FORMAT)
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


def read_plan(folder: Path) -> tuple[list[ShiftAssignment], list[Segment]]:
    """A run folder's plan back from its shifts.csv and assignments.csv (the output contract), ids as written:
    "007", "NA" or "0101" stay text. Raises OSError / ValueError / KeyError when the folder is not a run's."""
    shifts_csv = pd.read_csv(folder / "shifts.csv", dtype=str, keep_default_na=False)
    shifts = [
        ShiftAssignment(
            agent_id=row.agent_id,
            date=dt.date.fromisoformat(row.date),
            template_id=row.template,
            start=dt.datetime.fromisoformat(row.shift_start),
            end=dt.datetime.fromisoformat(row.shift_end),
            paid_minutes=round(float(row.paid_hours) * 60),
        )
        for row in shifts_csv.itertuples(index=False)
    ]
    activities = pd.read_csv(folder / "assignments.csv", dtype=str, keep_default_na=False)
    segments = [
        Segment(
            agent_id=row.agent_id,
            start=dt.datetime.fromisoformat(row.start),
            end=dt.datetime.fromisoformat(row.end),
            activity=row.activity,
            queue=row.queue or None,
            reason=getattr(row, "reason", "") or None,  # a run written before the column had no reasons
        )
        for row in activities.itertuples(index=False)
    ]
    return shifts, segments


def read_roster_agents(folder: Path) -> set[str]:
    """Every agent of a run, shifts or not: the ids of roster.xlsx's Roster sheet (empty when the folder has no
    readable Roster sheet)."""
    from openpyxl import load_workbook

    try:
        workbook = load_workbook(folder / "roster.xlsx", read_only=True)
    except (OSError, KeyError, ValueError, zipfile.BadZipFile):
        return set()
    try:
        if "Roster" not in workbook.sheetnames:
            return set()
        rows = workbook["Roster"].iter_rows(values_only=True, max_col=1)
        if next(rows, (None,))[0] != "Agent ID":
            return set()
        # The agents' rows end at the first blank row; the head counts and the legend follow it.
        return {str(row[0]) for row in takewhile(lambda row: bool(row) and row[0] is not None, rows)}
    finally:
        workbook.close()


def horizon_days(kpis: Mapping[str, Any]) -> list[dt.date]:
    """The days a run planned, from kpis.json's `horizon` (start, days); empty when it has none."""
    horizon = kpis.get("horizon") or {}
    try:
        start = dt.date.fromisoformat(str(horizon["start"])[:10])
        return [start + dt.timedelta(days=d) for d in range(int(horizon["days"]))]
    except (KeyError, TypeError, ValueError):
        return []
