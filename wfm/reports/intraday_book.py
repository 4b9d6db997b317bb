"""An intraday re-plan's files: what changed per person (changes.csv), the overtime and VTO to offer
(offers.csv), the re-forecast (reforecast.csv, forecast.csv), the rest of the day's coverage published against
re-planned (coverage.csv), summary.json, and intraday.xlsx: an Intraday sheet a team lead reads from (the
changes in time order, the offers, service per queue and hour before and after) and the day's sheet re-planned."""

from __future__ import annotations

import datetime as dt
import io
import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from openpyxl import Workbook

from wfm.domain import QueueKind, Scenario
from wfm.forecast.intraday import QueueReforecast
from wfm.io.atomic import atomic_write_bytes, atomic_write_text
from wfm.reports.excel import CellMaker, page_setup
from wfm.reports.files import csv_text
from wfm.reports.layout import set_widths
from wfm.reports.sheets import day_sheet_title, write_day_sheet
from wfm.reports.styles import HEADER, LABEL, SECTION, TITLE, Look
from wfm.reports.summary_sheet import HEADER_ROW_POINTS
from wfm.scheduling.intraday import Change, Offer
from wfm.scheduling.result import ScheduleResult

PERCENT = Look(number_format="0.0%")
FACTOR = Look(number_format="0.000")
COUNT = Look(number_format="#,##0.0")
TIME = Look(number_format="hh:mm")
WORSE = Look(number_format="0.0%", fill="FFC7CE")
BETTER = Look(number_format="0.0%", fill="C6EFCE")


def changes_table(changes: Sequence[Change]) -> pd.DataFrame:
    return pd.DataFrame(
        [(c.start, c.end, c.agent_id, c.name, c.was, c.now, c.text()) for c in changes],
        columns=["start", "end", "agent_id", "name", "was", "now", "read_out"],
    )


def offers_table(offers: Sequence[Offer]) -> pd.DataFrame:
    return pd.DataFrame(
        [(o.kind, o.start, o.end, o.agent_id, o.name, o.queue, o.hours, o.service_before, o.service_after,
          o.contacts_in_target, o.text()) for o in offers],
        columns=["kind", "start", "end", "agent_id", "name", "queue", "hours", "service_level_before",
                 "service_level_after", "contacts_in_target", "read_out"],
    )  # fmt: skip


def reforecast_table(factors: Sequence[QueueReforecast]) -> pd.DataFrame:
    return pd.DataFrame(
        [(f.queue, f.forecast_so_far, f.actual_so_far, f.ratio, f.elapsed_share, f.volume_factor, f.aht_factor)
         for f in factors],
        columns=["queue", "forecast_so_far", "actual_so_far", "ratio", "elapsed_share", "volume_factor",
                 "aht_factor"],
    )  # fmt: skip


def coverage_table(published: pd.DataFrame, replanned: pd.DataFrame) -> pd.DataFrame:
    """The rest of the day per interval and queue: required, scheduled and service level (live) or backlog
    (deferred), published against re-planned, both on the re-forecast."""
    keys = ["interval_start", "queue"]
    keep = ["required_agents", "scheduled_agents", "service_level", "backlog", "items_past_sla"]
    return published[[*keys, "kind", *keep]].merge(
        replanned[[*keys, *keep]], on=[*keys, "required_agents"], suffixes=("_published", "_replanned")
    )


def write_intraday_files(
    folder: Path,
    *,
    scenario: Scenario,
    at: dt.datetime,
    seconds: float,
    factors: Sequence[QueueReforecast],
    forecast: pd.DataFrame,
    replanned: ScheduleResult,
    coverage_published: pd.DataFrame,
    coverage_replanned: pd.DataFrame,
    coverage_day: pd.DataFrame,
    changes: Sequence[Change],
    offers: Sequence[Offer],
) -> list[Path]:
    tables = {
        "changes.csv": changes_table(changes),
        "offers.csv": offers_table(offers),
        "reforecast.csv": reforecast_table(factors),
        "forecast.csv": forecast,
        "coverage.csv": coverage_table(coverage_published, coverage_replanned),
    }
    written = []
    for name, frame in tables.items():
        path = folder / name
        atomic_write_text(path, csv_text(frame, contract_columns=[], sort_by=[], name=name))
        written.append(path)
    summary = {
        "at": at.isoformat(timespec="minutes"),
        "seconds": round(seconds, 2),
        "changes": len(changes),
        "people_changed": len({c.agent_id for c in changes}),
        "overtime_offers_hours": round(sum(o.hours for o in offers if o.kind == "overtime"), 2),
        "vto_offers_hours": round(sum(o.hours for o in offers if o.kind == "vto"), 2),
        "queues": _service_by_queue(scenario, coverage_published, coverage_replanned),
        "message": replanned.message,
    }
    path = folder / "summary.json"
    atomic_write_text(path, json.dumps(summary, indent=2) + "\n")
    written.append(path)
    path = folder / "intraday.xlsx"
    _write_workbook(path, scenario=scenario, at=at, factors=factors, replanned=replanned, changes=changes,
                    offers=offers, published=coverage_published, coverage=coverage_replanned,
                    coverage_day=coverage_day)  # fmt: skip
    written.append(path)
    return written


def _service_by_queue(scenario: Scenario, published: pd.DataFrame, replanned: pd.DataFrame) -> dict[str, Any]:
    """Per queue, the rest of the day published and re-planned: a live queue's service level (volume-weighted),
    a deferred queue's items going past their SLA."""
    out: dict[str, Any] = {}
    for queue in scenario.site.queues:
        if queue.kind is not QueueKind.LIVE:
            out[queue.id] = {
                f"items_past_sla_{name}": round(float(frame.loc[frame["queue"] == queue.id, "items_past_sla"].sum()), 1)
                for name, frame in (("published", published), ("replanned", replanned))
            }
            continue
        levels = {}
        for name, frame in (("published", published), ("replanned", replanned)):
            rows = frame[(frame["queue"] == queue.id) & frame["service_level"].notna()]
            volume = rows["forecast_volume"].to_numpy(dtype=float)
            levels[f"service_level_{name}"] = (
                None if volume.sum() <= 0 else round(float(np.average(rows["service_level"], weights=volume)), 4)
            )
        out[queue.id] = levels
    return out


def _write_workbook(
    path: Path,
    *,
    scenario: Scenario,
    at: dt.datetime,
    factors: Sequence[QueueReforecast],
    replanned: ScheduleResult,
    changes: Sequence[Change],
    offers: Sequence[Offer],
    published: pd.DataFrame,
    coverage: pd.DataFrame,
    coverage_day: pd.DataFrame,
) -> None:
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("Intraday")
    make = CellMaker(workbook, sheet)
    page_setup(sheet, scenario)
    set_widths(sheet, (24, 17, 11, 22, 22, 12, 12, 46))
    rows = 0

    def append(cells: list[object]) -> None:
        nonlocal rows
        sheet.append(cells)
        rows += 1

    def header(*titles: str) -> None:
        # Set before the row is written (a write-only sheet streams rows): wrapped headers need two lines.
        sheet.row_dimensions[rows + 1].height = HEADER_ROW_POINTS
        append([make(t, HEADER) for t in titles])

    append([make(f"Re-plan of {at:%A %d %B %Y} from {at:%H:%M}", TITLE)])
    append([
        make("Shifts keep their times; queues and breaks not yet taken change from now on. Read the changes out in "
             "time order; offer the overtime and VTO below if the floor agrees.")
    ])  # fmt: skip

    append([])
    append([make("Today so far against the forecast", SECTION)])
    header("Queue", "Forecast so far", "Actual so far", "Actual / forecast", "Share of the day gone",
           "Rest of day x", "Handle time x")  # fmt: skip
    for f in factors:
        append([make(f.queue), make(f.forecast_so_far, COUNT), make(f.actual_so_far, COUNT), make(f.ratio, FACTOR),
                make(f.elapsed_share, PERCENT), make(f.volume_factor, FACTOR), make(f.aht_factor, FACTOR)])  # fmt: skip

    append([])
    people = len({c.agent_id for c in changes})
    append([make(f"Changes to read out ({len(changes)}, {people} people)", SECTION)])
    if not changes:
        append([make("Nobody's plan changes: the published plan is still the best for the rest of the day.")])
    else:
        header("Person", "From", "To", "Now", "Instead of")
        for c in changes:
            append([make(c.name), make(c.start.time(), TIME), make(c.end.time(), TIME), make(c.now, LABEL),
                    make(c.was)])  # fmt: skip

    append([])
    append([make(f"Overtime and VTO to offer ({len(offers)})", SECTION)])
    if not offers:
        append([make("None: no extension buys enough service, and nobody can leave without a queue falling below "
                     "its target.")])  # fmt: skip
    else:
        header("Person", "Offer", "From", "To", "Queue", "Lowest service before", "Lowest service after",
               "What it does")  # fmt: skip
        for o in offers:
            effect = (
                f"{o.contacts_in_target:+.1f} contacts answered within target" if o.kind == "overtime"
                else "no live queue falls below its target"
            )  # fmt: skip
            append([make(o.name), make("overtime" if o.kind == "overtime" else "VTO (leave early)"),
                    make(o.start.time(), TIME), make(o.end.time(), TIME), make(o.queue or "-"),
                    make(o.service_before, PERCENT), make(o.service_after, PERCENT), make(effect)])  # fmt: skip

    append([])
    append([make("Service level for the rest of the day: published plan against re-plan (both on the re-forecast)",
                 SECTION)])  # fmt: skip
    header("Queue", "Hour", "Contacts", "Published", "Re-planned")
    for queue_id, hour, volume, before, after in _hourly(scenario, published, coverage):
        look = BETTER if after > before + 0.005 else WORSE if after < before - 0.005 else PERCENT
        label = make("rest of day", LABEL) if hour is None else make(hour, TIME)
        append([make(queue_id), label, make(volume, COUNT), make(before, PERCENT), make(after, look)])

    day_sheet = workbook.create_sheet(day_sheet_title(at.date()))
    page_setup(day_sheet, scenario)
    todays = [s for s in replanned.shifts if s.date == at.date()]
    agents = {s.agent_id for s in todays}
    segments = [s for s in replanned.segments if s.agent_id in agents]
    write_day_sheet(day_sheet, make.for_sheet(day_sheet), scenario=scenario, day=at.date(), shifts=todays,
                    segments=segments, coverage=coverage_day)  # fmt: skip
    buffer = io.BytesIO()
    workbook.save(buffer)
    atomic_write_bytes(path, buffer.getvalue())


def _hourly(
    scenario: Scenario, published: pd.DataFrame, replanned: pd.DataFrame
) -> list[tuple[str, dt.time | None, float, float, float]]:
    """(queue, hour, contacts, service published, service re-planned), volume-weighted per clock hour, live
    queues in site order, open hours only; each queue's rest of the day first (hour None)."""
    out: list[tuple[str, dt.time | None, float, float, float]] = []
    for queue in scenario.site.queues:
        if queue.kind is not QueueKind.LIVE:
            continue
        frames = []
        for frame in (published, replanned):
            rows = frame[(frame["queue"] == queue.id) & frame["service_level"].notna()].copy()
            rows["hour"] = pd.to_datetime(rows["interval_start"]).dt.floor("h")
            rows["answered"] = rows["service_level"] * rows["forecast_volume"]
            frames.append(rows.groupby("hour")[["forecast_volume", "answered"]].sum())
        before, after = frames
        total = float(before["forecast_volume"].sum())
        if total > 0:
            out.append((queue.id, None, total, float(before["answered"].sum()) / total,
                        float(after["answered"].sum()) / total))  # fmt: skip
        for hour, row in before.iterrows():
            if row["forecast_volume"] <= 0 or hour not in after.index:
                continue
            volume = float(row["forecast_volume"])
            out.append((queue.id, pd.Timestamp(hour).time(), volume, float(row["answered"]) / volume,
                        float(after.at[hour, "answered"]) / volume))  # fmt: skip
    return out
