"""`wfm capacity`: the long-term capacity plan, from the history to the folder a planner opens.

The long-range forecast is made once; every scenario of the `--vary` grid scales it and its targets, runs the
staffing math over the weeks, and compares the requirement with the staff, the planned classes and the classes it
suggests. Each scenario is one task (wfm.cluster): in this process, in processes of this machine, or on a Dask
cluster, with the same results. One scenario that fails is reported; the others are written.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import math
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import pandas as pd

from wfm import __version__
from wfm.cluster import Task, run_tasks, where_tasks_run
from wfm.domain import Horizon, Scenario
from wfm.domain.capacity_plan import CapacityPlan
from wfm.forecast.long_range import LongRangeForecast, long_range_forecast
from wfm.io import atomic_write_text
from wfm.io.capacity_file import read_volume_plan
from wfm.io.errors import Problem, ScenarioError
from wfm.io.variations import Case, Knob, Setting, apply_to_scenario, check_scopes, grid, scale_forecast
from wfm.pipeline import output_folder, requirements_for
from wfm.reports.capacity_book import write_capacity_book
from wfm.reports.files import csv_text, json_safe
from wfm.staffing.capacity import (
    OFFICE_COLUMNS,
    QUEUE_COLUMNS,
    CapacityOutcome,
    CapacityResult,
    ScenarioFailure,
    capacity_figures,
    office_summary,
    on_floor_shares,
    staff_weeks_elapsed,
)

KNOBS: dict[str, Knob] = {
    "volume": Knob("factor", True, "forecast volume times this (1.1 = 10 % more contacts and items)"),
    "aht": Knob("factor", True, "forecast handle time times this"),
    "service_level": Knob("share", True, "live queues' service level target (0.9 = 90 % answered in time)"),
    "attrition_per_month": Knob("share", False, "share of people leaving each month (0.02 = 2 %)"),
    "absence_shrinkage": Knob("share", False, "planned time off the floor: leave, training, meetings (0.12 = 12 %)"),
}
CHUNK_WEEKS = 26  # the staffing math runs over at most this many weeks at once (a horizon is at most 366 days)
GRID_WEEKS = 52  # a chunk with the padding before and after it: within a horizon's 366 days
MAX_WEEKS = 104


def default_start(scenario: Scenario) -> dt.date:
    """The Monday on or after the scenario's horizon start."""
    start = scenario.site.horizon.start
    return start + dt.timedelta(days=-start.weekday() % 7)


def padding_weeks(scenario: Scenario) -> int:
    """Weeks forecast beyond the plan so the last week's deferred work falls due inside the staffing grid (and
    staffed before each chunk after the first, so the work carried into it is there)."""
    longest = max((q.sla_hours or 0.0 for q in scenario.site.queues), default=0.0)
    return math.ceil(longest / (24 * 7)) + 1  # a week more than the longest deadline: closed days move deadlines


def check_deadlines(scenario: Scenario) -> None:
    """A chunk of the staffing grid has its padding before and after it, within a horizon's 366 days: a deadline
    longer than that cannot be staffed week by week. Raises ScenarioError naming the queue."""
    most = (GRID_WEEKS - 1) // 2 - 1  # weeks of deadline that leave a week of plan between the two paddings
    problems = [
        Problem("site.toml", None, None, None, f"the capacity plan staffs deadlines of at most {most} weeks "
                f"({most * 7 * 24} hours); give a shorter sla_hours or leave the queue out",
                section=f"[[queues]] '{q.id}', key 'sla_hours'")
        for q in scenario.site.queues
        if q.sla_hours is not None and q.sla_hours > most * 7 * 24
    ]  # fmt: skip
    if problems:
        raise ScenarioError(problems)


def apply_case(
    scenario: Scenario, intervals: pd.DataFrame, plan: CapacityPlan, case: Case
) -> tuple[Scenario, pd.DataFrame, CapacityPlan]:
    """The scenario, interval forecast and plan as `case` has them."""
    for key, value in case.values:
        if key in ("attrition_per_month", "absence_shrinkage"):
            plan = plan.model_copy(update={key: value})
    return apply_to_scenario(scenario, case), scale_forecast(intervals, scenario, case), plan


def requirements_over(
    intervals: pd.DataFrame, scenario: Scenario, start: dt.date, weeks: int, pad: int
) -> pd.DataFrame:
    """The staffing math (`requirements_for`) over `weeks` weeks from `start`, in chunks of up to 26 weeks, each
    with `pad` more weeks after it so that work arriving at its end falls due inside its grid, and (after the
    first) `pad` weeks before it so that the work arriving before it and due inside it is there: each chunk keeps
    only its own weeks. The scenario's backlog counts only when the plan starts on its horizon's first day (it is
    the work on hand then)."""
    moments = pd.to_datetime(intervals["interval_start"])
    chunk_weeks = max(min(CHUNK_WEEKS, GRID_WEEKS - 2 * pad), 1)
    parts = []
    for first in range(0, weeks, chunk_weeks):
        length = min(chunk_weeks, weeks - first)
        lead = min(pad, first)
        own_start = start + dt.timedelta(weeks=first)
        own_end = pd.Timestamp(own_start + dt.timedelta(weeks=length))
        horizon = Horizon(start=own_start - dt.timedelta(weeks=lead), days=7 * (lead + length + pad))
        backlog = scenario.backlog if first == 0 and start == scenario.site.horizon.start else ()
        chunk = scenario.model_copy(update={"site": scenario.site.model_copy(update={"horizon": horizon}),
                                            "backlog": backlog})  # fmt: skip
        inside = (moments >= pd.Timestamp(horizon.start)) & (moments < pd.Timestamp(horizon.end))
        requirements, _ = requirements_for(intervals[inside], chunk)
        at = pd.to_datetime(requirements["interval_start"])
        parts.append(requirements[(at >= pd.Timestamp(own_start)) & (at < own_end)])
    return pd.concat(parts, ignore_index=True)


def capacity_case(
    scenario: Scenario, forecast: LongRangeForecast, plan: CapacityPlan, case: Case, weeks: int, pad: int
) -> CapacityResult:
    """One scenario's capacity plan: the task each worker runs (module level, so a cluster can send it)."""
    started = time.monotonic()
    changed, intervals, changed_plan = apply_case(scenario, forecast.intervals, plan, case)
    requirements = requirements_over(intervals, changed, forecast.start, weeks, pad)
    figures = capacity_figures(requirements, changed, changed_plan, forecast.start, weeks)
    return CapacityResult(
        case.name, case.label, case.values, figures, changed_plan, round(time.monotonic() - started, 1)
    )


def run_capacity(
    scenario: Scenario,
    plan: CapacityPlan,
    settings: Sequence[Setting],
    *,
    start: dt.date,
    weeks: int,
    workers: int = 1,
    address: str | None = None,
    stage: Callable[[str], None] | None = None,
) -> CapacityOutcome:
    """Every scenario of `settings` from one long-range forecast. Raises ScenarioError for a scope that names
    nothing or a bad volume plan, ClusterError when the cluster cannot be used."""
    started = time.monotonic()
    check_scopes(scenario, settings, KNOBS)
    check_deadlines(scenario)
    cases = grid(settings)
    notes: list[str] = []
    volume_plan = None
    if plan.volume_plan is not None:
        volume_plan, plan_notes = read_volume_plan(plan.volume_plan, scenario.site, start, weeks)
        notes += plan_notes
    pad = padding_weeks(scenario)
    if stage:
        stage(f"forecasting {len(scenario.site.queues)} queues {weeks} weeks ahead")
    forecast = long_range_forecast(scenario, start, weeks + pad, volume_plan)
    notes += list(forecast.notes)
    warnings = list(forecast.warnings)
    if scenario.backlog and start != scenario.site.horizon.start:
        notes.append(f"backlog.csv is the work on hand on {scenario.site.horizon.start}, not on {start}: left out")
    elapsed = staff_weeks_elapsed(scenario, start)
    if elapsed >= 1:
        warnings.append(f"staff.csv is the staff on {scenario.site.horizon.start} (the scenario's horizon start): "
                        f"attrition counts from then, so week 1 has {elapsed:.0f} weeks of it already")  # fmt: skip
        notes.append(warnings[-1])
    where = where_tasks_run(workers, len(cases), address)
    if stage:
        stage(f"staffing {len(cases)} scenario(s) over {weeks} weeks ({where})")
    # The tasks need no history (the forecast is made): a smaller scenario to send to each worker.
    light = scenario.model_copy(update={"history": scenario.history.iloc[0:0]})
    tasks = [Task(case.name, (light, forecast, plan, case, weeks, pad)) for case in cases]
    outcomes = run_tasks(capacity_case, tasks, workers=workers, address=address)
    return CapacityOutcome(
        site=scenario.site.name,
        start=start,
        weeks=weeks,
        plan=plan,
        forecast=forecast,
        cases=cases,
        results=[o.value for o in outcomes if o.value is not None],
        failures=[ScenarioFailure(o.name, o.error or "failed") for o in outcomes if not o.ok],
        seconds=round(time.monotonic() - started, 1),
        where=where,
        notes=notes,
        warnings=warnings,
        on_floor_share=on_floor_shares(scenario),
    )


# ------------------------------------------------------------------------------------------------------------
# Files


def office_table(outcome: CapacityOutcome) -> pd.DataFrame:
    frames = [r.figures.offices.assign(scenario=r.name) for r in outcome.results]
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=["scenario", *OFFICE_COLUMNS])


def queue_table(outcome: CapacityOutcome) -> pd.DataFrame:
    source = outcome.forecast.weekly.set_index(["week_start", "queue"])["source"]
    frames = []
    for result in outcome.results:
        queues = result.figures.queues
        keys = pd.MultiIndex.from_arrays([queues["week_start"], queues["queue"]])
        frames.append(queues.assign(scenario=result.name, volume_source=source.reindex(keys).to_numpy()))
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=["scenario", *QUEUE_COLUMNS])


def suggestion_table(outcome: CapacityOutcome) -> pd.DataFrame:
    rows = []
    for result in outcome.results:
        for c in result.figures.suggestions:
            rows.append({
                "scenario": result.name, "office": c.office, "training_starts": c.start, "people": c.people,
                "fte": c.people, "training_weeks": c.training_weeks, "ramp_weeks": c.ramp_weeks,
                "full_from": c.full_from, "short_from": c.short_from,
                "largest_shortfall_fte": c.largest_shortfall_fte, "note": c.note(outcome.start),
            })  # fmt: skip
    columns = ["scenario", "office", "training_starts", "people", "fte", "training_weeks", "ramp_weeks",
               "full_from", "short_from", "largest_shortfall_fte", "note"]  # fmt: skip
    return pd.DataFrame(rows, columns=columns)


def summary(outcome: CapacityOutcome, command_line: list[str]) -> dict[str, Any]:
    tolerance = outcome.plan.shortfall_tolerance_fte
    return {
        "wfm_version": __version__,
        "written_at": dt.datetime.now().astimezone().isoformat(timespec="seconds"),
        "command_line": command_line,
        "site": outcome.site,
        "start": outcome.start.isoformat(),
        "weeks": outcome.weeks,
        "plan": outcome.plan.model_dump(mode="json"),
        "ran_on": outcome.where,
        "seconds": outcome.seconds,
        "on_floor_share": outcome.on_floor_share,
        "forecast": {
            "history_end": outcome.forecast.history_end,
            "weeks_past_history": outcome.forecast.weeks_past_history,
            "queues": [vars(m) for m in outcome.forecast.models],
            "notes": outcome.notes,
        },
        "scenarios": [
            {
                "scenario": r.name,
                "label": r.label,
                "values": dict(r.values),
                "offices": [dataclasses.asdict(s) for s in office_summary(r.figures, tolerance)],
                "seconds": r.seconds,
            }
            for r in outcome.results
        ],
        "failed": [{"scenario": f.name, "error": f.error} for f in outcome.failures],
    }


def write_capacity(outcome: CapacityOutcome, out_root: Path, *, command_line: list[str], replace: bool) -> Path:
    """`<out_root>/capacity/<start>/` (or `.2`, `.3`, ... unless `replace`), whole or not at all."""
    offices, queues, suggestions = office_table(outcome), queue_table(outcome), suggestion_table(outcome)
    with output_folder(out_root / "capacity", outcome.start.isoformat(), replace=replace) as (folder, staging):
        tables: tuple[tuple[str, pd.DataFrame, list[str], list[str]], ...] = (
            ("capacity.csv", offices, ["scenario", *OFFICE_COLUMNS[:7]], ["scenario", "week_start"]),
            ("capacity_queues.csv", queues, ["scenario", *QUEUE_COLUMNS[:2], *QUEUE_COLUMNS[2:]], []),
            ("hiring_suggestions.csv", suggestions, ["scenario", "office", "training_starts", "people"], []),
        )
        for file_name, frame, columns, order in tables:
            atomic_write_text(staging / file_name, csv_text(frame, contract_columns=columns, sort_by=order,
                                                            name=file_name))  # fmt: skip
        text = json.dumps(json_safe(summary(outcome, command_line)), indent=2) + "\n"
        atomic_write_text(staging / "summary.json", text)
        write_capacity_book(staging / "capacity.xlsx", outcome)
    outcome.folder = folder
    return folder
