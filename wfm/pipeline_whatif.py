"""What-if: the same operation planned under every combination of varied settings, and the plans compared.

The forecast is made once, from the history, and every scenario is planned from it (scaled where the scenario
says so) with the same seed and solver settings: the differences between scenarios come from the settings, not
from a different forecast or search. Each scenario is one task (wfm.cluster): in this process, in processes of
this machine, or on a Dask cluster, with the same results.
"""

from __future__ import annotations

import datetime as dt
import json
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from wfm import __version__
from wfm.cluster import Task, TaskOutcome, check_reachable, run_tasks, where_tasks_run
from wfm.domain import Horizon, Office, Scenario
from wfm.forecast import run_forecast
from wfm.io import atomic_write_text
from wfm.io.errors import Problem, ScenarioError
from wfm.io.variations import Case, Knob, Setting, apply_to_scenario, check_scopes, grid, scale_forecast
from wfm.pipeline import RunOptions, output_folder, plan
from wfm.reports.whatif_book import write_whatif_book

KNOBS: dict[str, Knob] = {
    "volume": Knob("factor", True, "forecast volume times this (1.15 = 15 % more contacts and items)"),
    "aht": Knob("factor", True, "forecast handle time times this"),
    "service_level": Knob("share", True, "live queues' service level target (0.9 = 90 % answered in time)"),
    "answer_seconds": Knob("seconds", True, "live queues' answer-time target in seconds"),
    "sla_hours": Knob("hours", True, "deferred queues' turnaround target in hours"),
    "shrinkage": Knob("share", True, "unplanned absence added to live requirements (0.1 = 10 %)"),
    "cross_training": Knob("switch", False, "off: each agent works only their own office's queues"),
}


@dataclass(frozen=True)
class CaseResult:
    """One scenario's plan, reduced to what the comparison shows."""

    name: str
    label: str
    values: tuple[tuple[str, Any], ...]
    status: str
    objective: float | None
    gap: float | None
    solve_seconds: float
    kpis: dict[str, Any] | None  # kpis.json's content, None without a plan
    message: str = ""  # why there is no plan, or what the solver said
    warnings: tuple[str, ...] = ()


@dataclass
class WhatIfOutcome:
    scenario_name: str
    horizon: Horizon
    cases: list[Case]
    results: list[CaseResult]  # the scenarios planned, in grid order
    failures: list[TaskOutcome[CaseResult]]  # tasks that raised or whose worker died
    seconds: float
    options: RunOptions
    where: str  # "this process", "2 processes on this machine", "Dask scheduler tcp://..."
    forecast_warnings: list[str] = field(default_factory=list)
    folder: Path | None = None


def apply_case(scenario: Scenario, forecast: pd.DataFrame, case: Case) -> tuple[Scenario, pd.DataFrame]:
    """The scenario and forecast as `case` has them."""
    return apply_to_scenario(scenario, case), scale_forecast(forecast, scenario, case)


def with_days(scenario: Scenario, days: int | None) -> Scenario:
    """The scenario planned over its first `days` days (all of its horizon without)."""
    if days is None or days == scenario.site.horizon.days:
        return scenario
    if days > scenario.site.horizon.days:
        most = scenario.site.horizon.days
        raise ScenarioError([Problem("--days", None, None, None, f"{days} is more than the {most} days of "
                                     "site.toml's [horizon]; give at most that, or lengthen the horizon")])  # fmt: skip
    horizon = Horizon(start=scenario.site.horizon.start, days=days)
    return scenario.model_copy(update={"site": scenario.site.model_copy(update={"horizon": horizon})})


def plan_case(scenario: Scenario, forecast: pd.DataFrame, case: Case, options: RunOptions) -> CaseResult:
    """One scenario planned: the task each worker runs (module level, so a cluster can send it)."""
    changed, changed_forecast = apply_case(scenario, forecast, case)
    started = time.monotonic()
    outcome = plan(changed, options, forecast=changed_forecast)
    result = outcome.result
    gap = None
    if result.objective and result.best_bound is not None:
        gap = max(0.0, (result.objective - result.best_bound) / abs(result.objective))
    return CaseResult(
        name=case.name,
        label=case.label,
        values=case.values,
        status=result.status.value,
        objective=result.objective,
        gap=gap,
        solve_seconds=round(time.monotonic() - started, 1),
        kpis=outcome.kpis,
        message=result.message,
        warnings=tuple(w for w in outcome.warnings if w not in scenario.warnings),
    )


def run_whatif(
    scenario: Scenario,
    settings: Sequence[Setting],
    options: RunOptions,
    *,
    days: int | None = None,
    workers: int = 1,
    address: str | None = None,
    stage: Callable[[str], None] | None = None,
) -> WhatIfOutcome:
    """Every combination of `settings` planned from one forecast. Raises ScenarioError for a scope that names
    nothing, ClusterError when the cluster cannot be used, ValueError when the forecast cannot be made."""
    started = time.monotonic()
    scenario = with_days(scenario, days)
    check_scopes(scenario, settings, KNOBS)
    cases = grid(settings)
    if address:
        check_reachable(address)
    if stage:
        stage(f"forecasting {len(scenario.site.queues)} queues once for all {len(cases)} scenarios")
    forecast_result = run_forecast(scenario.history, scenario.site, events=scenario.events)
    where = where_tasks_run(workers, len(cases), address)
    if stage:
        stage(f"planning {len(cases)} scenarios ({where})")
    tasks = [Task(case.name, (scenario, forecast_result.forecast, case, options)) for case in cases]
    outcomes = run_tasks(plan_case, tasks, workers=workers, address=address)
    return WhatIfOutcome(
        scenario_name=scenario.site.name,
        horizon=scenario.site.horizon,
        cases=cases,
        results=[o.value for o in outcomes if o.value is not None],
        failures=[o for o in outcomes if not o.ok],
        seconds=round(time.monotonic() - started, 1),
        options=options,
        where=where,
        forecast_warnings=list(forecast_result.warnings),
    )


def comparison_rows(outcome: WhatIfOutcome) -> list[dict[str, Any]]:
    """whatif.csv: one row per scenario, its settings, then service, turnaround, overtime, cost and hours."""
    present = {q.get("office") for r in outcome.results for q in (r.kpis or {}).get("queues", {}).values()}
    offices = [office.value for office in Office if office.value in present]  # front, middle, back
    rows = []
    for result in outcome.results:
        kpis = result.kpis or {}
        overall = kpis.get("overall", {})
        row: dict[str, Any] = {"scenario": result.name, "label": result.label}
        row.update({key: _cell(value) for key, value in result.values})
        row.update({
            "status": result.status,
            "live_service_level": overall.get("service_level"),
            "items_past_sla": overall.get("items_past_sla"),
            "backlog_end": overall.get("backlog_end"),
            "understaffed_agent_hours": overall.get("understaffed_agent_hours"),
            "overtime_hours": overall.get("overtime_hours"),
            "scheduled_paid_hours": overall.get("scheduled_paid_hours"),
            "labour_cost": overall.get("labour_cost"),
        })  # fmt: skip
        for office in offices:
            row[f"{office}_agent_hours"] = round(
                sum(q.get("scheduled_agent_hours") or 0.0 for q in kpis.get("queues", {}).values()
                    if q.get("office") == office), 2)  # fmt: skip
        row["plan_gap"] = None if result.gap is None else round(result.gap, 4)
        row["seconds"] = result.solve_seconds
        rows.append(row)
    return rows


def queue_rows(outcome: WhatIfOutcome) -> list[dict[str, Any]]:
    """whatif_queues.csv: one row per scenario and queue."""
    rows = []
    for result in outcome.results:
        for queue_id, queue in (result.kpis or {}).get("queues", {}).items():
            rows.append({
                "scenario": result.name, "queue": queue_id, "office": queue.get("office"), "kind": queue.get("kind"),
                "service_level": queue.get("service_level"), "service_level_target": queue.get("service_level_target"),
                "items_arrived": queue.get("items_arrived"), "items_past_sla": queue.get("items_past_sla"),
                "scheduled_agent_hours": queue.get("scheduled_agent_hours"),
                "understaffed_agent_hours": queue.get("understaffed_agent_hours"),
            })  # fmt: skip
    return rows


def _cell(value: Any) -> Any:
    return ("on" if value else "off") if isinstance(value, bool) else value


def write_whatif(outcome: WhatIfOutcome, out_root: Path, *, command_line: list[str], replace: bool) -> Path:
    """`<out_root>/whatif/<horizon start>/` (or `.2`, `.3`, ... unless `replace`), whole or not at all."""
    rows, per_queue = comparison_rows(outcome), queue_rows(outcome)
    with output_folder(out_root / "whatif", outcome.horizon.start.isoformat(), replace=replace) as (folder, staging):
        pd.DataFrame(rows).to_csv(staging / "whatif.csv", index=False)
        pd.DataFrame(per_queue).to_csv(staging / "whatif_queues.csv", index=False)
        write_whatif_book(staging / "whatif.xlsx", outcome.scenario_name, outcome.horizon, rows, per_queue,
                          [(f.name, f.error or "") for f in outcome.failures])  # fmt: skip
        options = outcome.options
        summary = {
            "wfm_version": __version__,
            "written_at": dt.datetime.now().astimezone().isoformat(timespec="seconds"),
            "command_line": command_line,
            "site": outcome.scenario_name,
            "horizon": {"start": outcome.horizon.start.isoformat(), "days": outcome.horizon.days},
            "options": {
                "seed": options.seed,
                "time_limit_seconds": options.time_limit_seconds,
                "solver_workers": options.workers,
                "deterministic": options.deterministic,
            },
            "ran_on": outcome.where,
            "seconds": outcome.seconds,
            "scenarios": [{"scenario": c.name, "label": c.label} for c in outcome.cases],
            "failed": [{"scenario": f.name, "error": f.error} for f in outcome.failures],
            "warnings": {r.name: list(r.warnings) for r in outcome.results if r.warnings},
        }
        atomic_write_text(staging / "summary.json", json.dumps(summary, indent=1, default=str))
    outcome.folder = folder
    return folder
