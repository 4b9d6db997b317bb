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
from dataclasses import dataclass
from itertools import takewhile
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from wfm.domain.models import Scenario, TimeOff
from wfm.io.atomic import atomic_write_text
from wfm.reports.excel import write_roster
from wfm.reports.tables import assignments_table, shifts_table, week_start
from wfm.scheduling.kpis import SHIFT_COVER_COLUMNS, shift_cover_table
from wfm.scheduling.result import ScheduleResult, Segment, ShiftAssignment, SolveStatus
from wfm.simulation import INTERVAL_COLUMNS, SIMULATION_COLUMNS, SimulationResult

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
    "turnaround_hours": 2,
    "items_past_sla_p10": 1,
    "items_past_sla_p50": 1,
    "items_past_sla_p90": 1,
    "items_past_sla_plan": 1,
    "difference_points": 1,
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
    simulation: SimulationResult | None = None,
) -> list[Path]:
    """Write forecast, requirements, shifts, assignments, coverage CSVs (and shift_cover.csv with shift
    requirements), kpis.json and roster.xlsx into `folder`;
    with a `simulation`, also simulation.csv, simulation_intervals.csv, kpis.json's `simulation` section and the
    workbook's Simulation sheet.

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
    if scenario.shift_requirements:
        tables.append(("shift_cover.csv", shift_cover_table(scenario, result), SHIFT_COVER_COLUMNS, []))
    if simulation is not None:
        tables.extend(_simulation_tables(simulation))
        kpis = {**kpis, "simulation": simulation.kpis()}
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
        roster_path,
        scenario=scenario,
        result=result,
        coverage=coverage,
        kpis=kpis,
        forecast=forecast,
        inputs=inputs,
        simulation=simulation,
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


@dataclass(frozen=True)
class RunFiles:
    """A run folder read back: what `wfm simulate` needs to replay and re-write it."""

    result: ScheduleResult
    forecast: pd.DataFrame
    requirements: pd.DataFrame
    coverage: pd.DataFrame
    kpis: dict[str, Any]
    manifest: dict[str, Any]


def read_run(folder: Path) -> RunFiles:
    """The plan, tables, kpis.json and manifest.json of a run folder. Raises OSError / ValueError / KeyError
    (a missing file, column or key) when the folder is not a complete run's."""
    shifts, segments = read_plan(folder)
    table = pd.read_csv(folder / "shifts.csv", dtype={"agent_id": str}, keep_default_na=False)
    kpis = json.loads((folder / "kpis.json").read_text(encoding="utf-8"))
    manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    for name, document in (("kpis.json", kpis), ("manifest.json", manifest)):
        if not isinstance(document, dict):
            raise ValueError(f"{name} is not a JSON object")
    if "overtime_hours" not in table.columns:
        raise ValueError("shifts.csv has no overtime_hours column")
    first_day = dt.date.fromisoformat(str(kpis["horizon"]["start"])[:10])
    overtime: dict[tuple[str, dt.date], float] = {}
    for row in table.itertuples(index=False):
        hours = float(row.overtime_hours or 0)
        if hours:
            key = (str(row.agent_id), week_start(dt.date.fromisoformat(str(row.date)), first_day))
            overtime[key] = overtime.get(key, 0.0) + hours
    solver = kpis.get("solver") or {}
    result = ScheduleResult(
        status=SolveStatus(manifest.get("status") or solver.get("status") or "FEASIBLE"),
        objective=solver.get("objective"),
        best_bound=solver.get("best_bound"),
        runtime_seconds=float(solver.get("seconds") or 0.0),
        shifts=tuple(shifts),
        segments=tuple(segments),
        overtime_hours=overtime,
        message=str(manifest.get("message") or ""),
        model_stats=dict(manifest.get("model") or {}),
    )
    frames = {name: pd.read_csv(folder / f"{name}.csv") for name in ("forecast", "requirements", "coverage")}
    for name, frame in frames.items():
        if "interval_start" not in frame.columns or "queue" not in frame.columns:
            raise KeyError(f"{name}.csv has no interval_start or queue column")
        frame["interval_start"] = pd.to_datetime(frame["interval_start"])
    return RunFiles(
        result=result,
        forecast=frames["forecast"],
        requirements=frames["requirements"],
        coverage=frames["coverage"],
        kpis=kpis,
        manifest=manifest,
    )


class DamagedRun(Exception):
    """A run folder a command cannot read: a file missing, hand-edited or damaged (bad input, not a bug)."""


def read_complete_run(folder: Path, doing: str) -> RunFiles:
    """`read_run`, with any problem of the folder's files raised as DamagedRun saying what to do; `doing` is
    what the caller could not do ("re-planned", "read")."""
    try:
        return read_run(folder)
    except (OSError, ValueError, KeyError, TypeError, pd.errors.ParserError) as exc:
        what = f"missing {exc}" if isinstance(exc, KeyError) else str(exc)
        raise DamagedRun(
            f"{folder} cannot be {doing} ({what}); give a complete run folder written by `wfm run`"
        ) from None


def scenario_as_planned(scenario: Scenario, folder: Path) -> Scenario:
    """The scenario as the run in `folder` planned it: the run's own horizon (a nightly run's is not site.toml's)
    and the time off approved since (`wfm requests`' time_off_approved.csv in the folder). Raises DamagedRun."""
    try:
        kpis = json.loads((folder / "kpis.json").read_text(encoding="utf-8"))
        days = horizon_days(kpis if isinstance(kpis, dict) else {})
        approved = folder / "time_off_approved.csv"
        extra = (
            [TimeOff(agent_id=str(r.agent_id), start=dt.datetime.fromisoformat(str(r.start)),
                     end=dt.datetime.fromisoformat(str(r.end)), reason=str(r.reason), paid=str(r.paid) == "yes")
             for r in pd.read_csv(approved, dtype=str, keep_default_na=False).itertuples(index=False)]
            if approved.is_file() else []
        )  # fmt: skip
    except (OSError, ValueError, KeyError, TypeError, AttributeError, pd.errors.ParserError) as exc:
        raise DamagedRun(f"{folder} cannot be read ({exc}); give a complete run folder written by `wfm run`") from None
    if not days:
        raise DamagedRun(f"{folder}/kpis.json has no horizon; give a complete run folder written by `wfm run`")
    site = scenario.site
    if (site.horizon.start, site.horizon.days) != (days[0], len(days)):
        horizon = site.horizon.model_copy(update={"start": days[0], "days": len(days)})
        scenario = scenario.model_copy(update={"site": site.model_copy(update={"horizon": horizon})})
    new = tuple(t for t in extra if t not in scenario.time_off)
    return scenario.model_copy(update={"time_off": (*scenario.time_off, *new)}) if new else scenario


def write_simulation_files(
    folder: Path, *, scenario: Scenario, run: RunFiles, simulation: SimulationResult, inputs: Mapping[str, str]
) -> None:
    """Add a simulation to a run folder read back with `read_run`: simulation.csv, simulation_intervals.csv,
    kpis.json's `simulation` section and roster.xlsx again, now with its Simulation sheet."""
    for name, frame, columns, sort_by in _simulation_tables(simulation):
        atomic_write_text(folder / name, csv_text(frame, contract_columns=columns, sort_by=sort_by, name=name))
    kpis = {**run.kpis, "simulation": simulation.kpis()}
    atomic_write_text(folder / "kpis.json", json.dumps(json_safe(kpis), indent=2, ensure_ascii=False) + "\n")
    write_roster(
        folder / "roster.xlsx", scenario=scenario, result=run.result, coverage=run.coverage, kpis=kpis,
        forecast=run.forecast, inputs=inputs, simulation=simulation,
    )  # fmt: skip


def _simulation_tables(simulation: SimulationResult) -> list[tuple[str, pd.DataFrame, list[str], list[str]]]:
    return [
        ("simulation.csv", simulation.queue_days, list(SIMULATION_COLUMNS), []),
        ("simulation_intervals.csv", simulation.intervals, list(INTERVAL_COLUMNS), ["interval_start", "queue"]),
    ]
