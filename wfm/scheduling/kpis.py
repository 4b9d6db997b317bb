"""How good is a finished schedule: per-interval coverage and the KPIs planners judge a plan by.

Coverage replays the plan against the forecast with the same staffing math that set the requirements:
Erlang C on the proficiency-weighted staff for live queues, an earliest-deadline-first run of the scheduled
work capacity for deferred queues. The KPIs summarise coverage and the roster per queue, office and site.
"""

from __future__ import annotations

import math
from collections import defaultdict
from typing import Any

import numpy as np
import pandas as pd

from wfm.domain import Queue, QueueKind, Scenario
from wfm.scheduling.activity_rules import queue_change_counts
from wfm.scheduling.problem import is_late_shift
from wfm.scheduling.result import ScheduleResult
from wfm.staffing import (
    abandon_rate,
    asa_seconds,
    deferred_backlog,
    grid_open_mask,
    mean_aht_seconds,
    occupancy,
    service_level,
    simulate_deferred,
)

COVERAGE_COLUMNS = (
    "interval_start",
    "queue",
    "office",
    "kind",
    "forecast_volume",
    "aht_seconds",
    "required_agents",
    "scheduled_agents",
    "service_level",
    "asa_seconds",
    "abandon_rate",
    "occupancy",
    "arrivals",
    "completed",
    "backlog",
    "items_past_sla",
)


def _proficiency(scenario: Scenario) -> dict[tuple[str, str], float]:
    return {(skill.agent_id, skill.queue): skill.proficiency for skill in scenario.skills}


def scheduled_agents_by_queue(
    scenario: Scenario, starts: pd.DatetimeIndex, result: ScheduleResult
) -> dict[str, np.ndarray]:
    """Proficiency-weighted agents working each queue in each interval of the grid.

    An agent on `work` for a queue adds their proficiency on it to every interval the segment covers; a
    segment covering part of an interval adds the covered share (schedules on the block grid never do).
    """
    interval_minutes = scenario.site.interval_minutes
    size = len(starts)
    origin = starts[0] if size else pd.Timestamp(scenario.site.horizon.start)
    proficiency = _proficiency(scenario)
    staffed = {queue.id: np.zeros(size) for queue in scenario.site.queues}
    for segment in result.segments:
        if segment.activity != "work" or segment.queue is None:
            continue
        if segment.queue not in staffed:
            raise ValueError(f"agent {segment.agent_id} works unknown queue {segment.queue!r}")
        weight = proficiency.get((segment.agent_id, segment.queue))
        if weight is None:
            raise ValueError(f"agent {segment.agent_id} is scheduled on {segment.queue!r} without that skill")
        begin = (pd.Timestamp(segment.start) - origin).total_seconds() / 60 / interval_minutes
        end = (pd.Timestamp(segment.end) - origin).total_seconds() / 60 / interval_minutes
        first, last = max(math.floor(begin), 0), min(math.ceil(end), size)
        for index in range(first, last):
            covered = min(end, index + 1) - max(begin, index)
            if covered > 0:
                staffed[segment.queue][index] += weight * covered
    return staffed


def compute_coverage(scenario: Scenario, requirements: pd.DataFrame, result: ScheduleResult) -> pd.DataFrame:
    """One row per interval and queue: the forecast, the requirement, the staff the plan puts there and the
    service it buys (service_level, asa_seconds, occupancy for live queues; arrivals, completed, backlog and
    items_past_sla for deferred ones, NaN for the other kind). Live metrics are NaN where the queue is closed.
    Live service is computed on scheduled staff less shrinkage (the expected attendance), the same basis the
    requirement was sized on.
    """
    site = scenario.site
    starts = pd.DatetimeIndex(pd.to_datetime(requirements["interval_start"]).unique()).sort_values()
    staffed = scheduled_agents_by_queue(scenario, starts, result)
    interval_seconds = site.interval_minutes * 60
    frames: list[pd.DataFrame] = []
    for queue in site.queues:
        rows = requirements[requirements["queue"] == queue.id].copy()
        rows["interval_start"] = pd.to_datetime(rows["interval_start"])
        rows = rows.set_index("interval_start").reindex(starts)
        volume = rows["volume"].fillna(0.0).to_numpy(dtype=float)
        aht = rows["aht_seconds"].to_numpy(dtype=float)
        scheduled = staffed[queue.id]
        nan = np.full(len(starts), np.nan)
        live_metrics = {"service_level": nan, "asa_seconds": nan, "abandon_rate": nan, "occupancy": nan}
        deferred_metrics = {"arrivals": nan, "completed": nan, "backlog": nan, "items_past_sla": nan}
        if queue.kind is QueueKind.LIVE:
            is_open = grid_open_mask(starts, queue, site.interval_minutes)
            assert queue.answer_seconds is not None
            # The requirement was inflated for unplanned absence (shrinkage); judge the plan on the staff
            # expected to turn up, or service would look better than the floor will see it.
            shrinkage = queue.shrinkage if queue.shrinkage is not None else site.shrinkage
            args = (volume, aht, interval_seconds, scheduled * (1.0 - shrinkage))
            # Erlang A where callers hang up (the queue has a mean patience), as the requirement was sized.
            patience = np.inf if queue.patience_seconds is None else queue.patience_seconds
            live_metrics = {
                "service_level": np.where(
                    is_open,
                    service_level(*args, queue.answer_seconds, queue.concurrency, patience_seconds=patience),
                    np.nan,
                ),
                "asa_seconds": np.where(
                    is_open, asa_seconds(*args, queue.concurrency, patience_seconds=patience), np.nan
                ),
                "abandon_rate": np.where(
                    is_open, abandon_rate(*args, patience_seconds=patience, concurrency=queue.concurrency), np.nan
                ),
                "occupancy": np.asarray(occupancy(*args, queue.concurrency), dtype=float),
            }
        else:
            deadlines = rows["deadline_index"].to_numpy(dtype=np.int64)
            carried = deferred_backlog(
                queue, scenario.backlog, starts, site.interval_minutes, mean_aht_seconds(volume, aht)
            )
            run = simulate_deferred(
                volume,
                np.where(volume > 0, aht, 1.0),
                scheduled * site.interval_minutes,
                deadlines,
                backlog_items=carried.items,
                backlog_aht_seconds=carried.aht_seconds if carried.items > 0 else None,
                backlog_deadline_idx=carried.deadline_index,
            )
            deferred_metrics = {
                "arrivals": volume,
                "completed": run["completed"].to_numpy(),
                "backlog": run["backlog"].to_numpy(),
                "items_past_sla": run["items_past_sla"].to_numpy(),
            }
        frames.append(
            pd.DataFrame(
                {
                    "interval_start": starts,
                    "queue": queue.id,
                    "office": queue.office.value,
                    "kind": queue.kind.value,
                    "forecast_volume": volume,
                    "aht_seconds": aht,
                    "required_agents": rows["required_agents"].fillna(0).to_numpy(dtype=np.int64),
                    "scheduled_agents": np.round(scheduled, 6),
                    **live_metrics,
                    **deferred_metrics,
                }
            )
        )
    if not frames:  # no queues: a plan to shift_requirements.csv alone
        return pd.DataFrame(columns=list(COVERAGE_COLUMNS))
    return pd.concat(frames, ignore_index=True)[list(COVERAGE_COLUMNS)]


def _number(value: float | None, digits: int) -> float | None:
    """A JSON-safe rounded float: None for missing or not-a-number."""
    if value is None or not math.isfinite(value):
        return None
    return round(float(value), digits)


def _weighted(values: np.ndarray, weights: np.ndarray) -> float | None:
    usable = np.isfinite(values) & (weights > 0)
    if not usable.any():
        return None
    return float(np.average(values[usable], weights=weights[usable]))


def _queue_kpis(queue: Queue, rows: pd.DataFrame, due_items: float, interval_hours: float) -> dict[str, Any]:
    volume = rows["forecast_volume"].to_numpy(dtype=float)
    scheduled = rows["scheduled_agents"].to_numpy(dtype=float)
    required = rows["required_agents"].to_numpy(dtype=float)
    out: dict[str, Any] = {"office": queue.office.value, "kind": queue.kind.value, "channel": queue.channel}
    out["items_arrived"] = _number(volume.sum(), 2)
    out["scheduled_agent_hours"] = _number(scheduled.sum() * interval_hours, 2)
    if queue.kind is QueueKind.LIVE:
        # Closed intervals carry NaN service level, so the weighting covers open intervals only.
        level = _weighted(rows["service_level"].to_numpy(dtype=float), volume)
        out["service_level"] = _number(level, 4)
        out["service_level_target"] = queue.service_level
        out["answer_seconds"] = queue.answer_seconds
        out["asa_seconds"] = _number(_weighted(rows["asa_seconds"].to_numpy(dtype=float), volume), 1)
        out["items_past_sla"] = None
        out["backlog_end"] = None
        out["understaffed_agent_hours"] = _number(np.maximum(required - scheduled, 0).sum() * interval_hours, 2)
        out["overstaffed_agent_hours"] = _number(np.maximum(scheduled - required, 0).sum() * interval_hours, 2)
    else:
        past_sla = float(rows["items_past_sla"].sum())
        completed = float(rows["completed"].sum())
        # Turnaround service level: of the items falling due within the horizon, the share finished in time.
        out["service_level"] = _number(1.0 - past_sla / due_items if due_items > 0 else None, 4)
        out["items_due"] = _number(due_items, 2)
        out["service_level_target"] = None
        out["sla_hours"] = queue.sla_hours
        out["asa_seconds"] = None
        out["items_past_sla"] = _number(past_sla, 2)
        out["items_completed"] = _number(completed, 2)
        out["backlog_end"] = _number(float(rows["backlog"].iloc[-1]) if len(rows) else 0.0, 2)
        # A deferred queue has no head-count requirement per interval, so under/over staffing is undefined.
        out["understaffed_agent_hours"] = None
        out["overstaffed_agent_hours"] = None
    return out


def _sum(values: list[Any]) -> float:
    return float(sum(v for v in values if v is not None))


def compute_kpis(
    scenario: Scenario, requirements: pd.DataFrame, result: ScheduleResult, coverage: pd.DataFrame
) -> dict[str, Any]:
    """The plan's scorecard as a JSON-ready dict: site, horizon, solver, overall, queues, offices.

    Live service levels are volume-weighted over open intervals; the overall and office service level weighs
    live queues only. A deferred queue's service_level is its turnaround level: the share of the items due
    within the horizon (`due_items` of `requirements`, backlog included) that were finished by their deadline.
    """
    site = scenario.site
    interval_hours = site.interval_minutes / 60
    queues: dict[str, dict[str, Any]] = {}
    for queue in site.queues:
        rows = coverage[coverage["queue"] == queue.id].sort_values("interval_start")
        due_items = float(requirements.loc[requirements["queue"] == queue.id, "due_items"].sum())
        queues[queue.id] = _queue_kpis(queue, rows, due_items, interval_hours)

    paid_hours_by_agent: dict[str, float] = defaultdict(float)
    for shift in result.shifts:
        paid_hours_by_agent[shift.agent_id] += shift.paid_minutes / 60
    overtime_by_agent: dict[str, float] = defaultdict(float)
    for (agent_id, _week), hours in result.overtime_hours.items():
        overtime_by_agent[agent_id] += hours
    days = site.horizon.days
    costed = [a for a in scenario.agents if a.hourly_cost is not None]

    def people_totals(agent_ids: set[str]) -> dict[str, Any]:
        agents = [a for a in scenario.agents if a.agent_id in agent_ids]
        contracted = sum(site.contract_by_id[a.contract].contracted_hours_week * days / 7 for a in agents)
        cost = sum(paid_hours_by_agent[a.agent_id] * (a.hourly_cost or 0.0) for a in agents)
        return {
            "agents": len(agents),
            "scheduled_paid_hours": _number(sum(paid_hours_by_agent[a] for a in agent_ids), 2),
            "contracted_hours": _number(contracted, 2),
            "overtime_hours": _number(sum(overtime_by_agent[a] for a in agent_ids), 2),
            "labour_cost": _number(cost, 2) if any(a.hourly_cost is not None for a in agents) else None,
        }

    def service_totals(queue_ids: list[str]) -> dict[str, Any]:
        live = coverage[coverage["queue"].isin(queue_ids) & (coverage["kind"] == QueueKind.LIVE.value)]
        volume = live["forecast_volume"].to_numpy(dtype=float)
        picked = [queues[q] for q in queue_ids]
        return {
            "service_level": _number(_weighted(live["service_level"].to_numpy(dtype=float), volume), 4),
            "asa_seconds": _number(_weighted(live["asa_seconds"].to_numpy(dtype=float), volume), 1),
            "items_arrived": _number(_sum([q["items_arrived"] for q in picked]), 2),
            "items_past_sla": _number(_sum([q["items_past_sla"] for q in picked]), 2),
            "backlog_end": _number(_sum([q["backlog_end"] for q in picked]), 2),
            "understaffed_agent_hours": _number(_sum([q["understaffed_agent_hours"] for q in picked]), 2),
            "overstaffed_agent_hours": _number(_sum([q["overstaffed_agent_hours"] for q in picked]), 2),
            "scheduled_agent_hours": _number(_sum([q["scheduled_agent_hours"] for q in picked]), 2),
        }

    everyone = {a.agent_id for a in scenario.agents}
    overall = {**service_totals(list(queues)), **people_totals(everyone), **requests_granted(scenario, result)}
    if scenario.shift_requirements:
        overall["shift_cover"] = shift_cover(scenario, result)
    overall["fairness"] = fairness(scenario, result)
    # floor-readiness: how often people move between queues, and stints under an hour
    counts = queue_change_counts(result.shifts, result.segments)
    overall["queue_changes_per_shift"] = _number(counts["queue_changes_mean"], 2)
    overall["most_queue_changes_in_a_shift"] = counts["queue_changes_max"]
    overall["stints_under_60_min"] = counts["stints_under_60_min"]
    overall["agents_without_hourly_cost"] = len(scenario.agents) - len(costed)
    offices: dict[str, dict[str, Any]] = {}
    for office in sorted({q.office.value for q in site.queues} | {a.office.value for a in scenario.agents}):
        office_queues = [q.id for q in site.queues if q.office.value == office]
        office_agents = {a.agent_id for a in scenario.agents if a.office.value == office}
        offices[office] = {**service_totals(office_queues), **people_totals(office_agents)}

    return {
        "site": site.name,
        "horizon": {"start": site.horizon.start.isoformat(), "days": days},
        "solver": {
            "status": result.status.value,
            "objective": _number(result.objective, 2),
            "best_bound": _number(result.best_bound, 2),
            "gap": _number(result.gap, 6),
            "seconds": _number(result.runtime_seconds, 2),
        },
        "overall": overall,
        "queues": queues,
        "offices": offices,
    }


SHIFT_COVER_COLUMNS = ["date", "template", "required", "scheduled", "short", "over", "weight_under", "weight_over"]


def shift_cover_table(scenario: Scenario, result: ScheduleResult) -> pd.DataFrame:
    """shift_requirements.csv against the plan, one row per date and template: people required, scheduled, short
    and over, with the line's weights. A date and template the plan staffs without a line comes too, its
    `required` blank (nobody asked for those shifts; they fill contracted hours). Sorted by date, then template
    in the site's order."""
    staffed: dict[tuple[Any, str], int] = defaultdict(int)
    for shift in result.shifts:
        staffed[shift.date, shift.template_id] += 1
    rows: list[dict[str, Any]] = []
    listed = set()
    for line in scenario.shift_requirements:
        listed.add((line.date, line.template))
        scheduled = staffed[line.date, line.template]
        rows.append({
            "date": line.date, "template": line.template, "required": line.required, "scheduled": scheduled,
            "short": max(0, line.required - scheduled), "over": max(0, scheduled - line.required),
            "weight_under": _as_written(line.weight_under), "weight_over": _as_written(line.weight_over),
        })  # fmt: skip
    for (date, template), scheduled in staffed.items():
        if (date, template) not in listed and scheduled:
            rows.append({"date": date, "template": template, "required": pd.NA, "scheduled": scheduled,
                         "short": 0, "over": 0, "weight_under": None, "weight_over": None})  # fmt: skip
    frame = pd.DataFrame(rows, columns=SHIFT_COVER_COLUMNS)
    # Weights stay as written (a weight may be 2.5); people are whole, blank where no line asks.
    frame["required"] = frame["required"].astype("Int64")
    frame[["weight_under", "weight_over"]] = frame[["weight_under", "weight_over"]].astype(object)
    rank = {t.id: i for i, t in enumerate(scenario.site.shift_templates)}
    order = frame["template"].map(lambda t: rank.get(t, len(rank)))
    return (
        frame.assign(_rank=order)
        .sort_values(["date", "_rank", "template"])
        .drop(columns="_rank")
        .reset_index(drop=True)
    )


def _as_written(weight: float) -> float | int:
    """100.0 as 100 (a weight in the CSV reads as the planner wrote it), 2.5 as 2.5."""
    return int(weight) if float(weight).is_integer() else weight


def shift_cover(scenario: Scenario, result: ScheduleResult) -> dict[str, int]:
    """shift_requirements.csv against the plan (`shift_cover_table`), summed over its lines: people needed,
    people short and people over, and the shifts on a date and template that has no line."""
    table = shift_cover_table(scenario, result)
    listed = table["required"].notna()
    return {
        "people_required": int(table.loc[listed, "required"].sum()),
        "people_short": int(table["short"].sum()),
        "people_over": int(table["over"].sum()),
        "shifts_without_a_requirement": int(table.loc[~listed, "scheduled"].sum()),
    }


def requests_granted(scenario: Scenario, result: ScheduleResult) -> dict[str, int]:
    """How many of the agents' requests (requests.csv) the plan grants, counted from the shifts it contains."""
    worked = {(s.agent_id, s.date): s.template_id for s in result.shifts}
    granted = 0
    for request in scenario.requests:
        template = worked.get((request.agent_id, request.date))
        has_it = template is None if request.day_off else template == request.shift_template
        granted += has_it == request.wanted
    return {"requests": len(scenario.requests), "requests_granted": granted}


def fairness(scenario: Scenario, result: ScheduleResult) -> dict[str, dict[str, list[int]]]:
    """Per contract, the fewest and the most weekend days and late shifts (ending after rules.late_shift_after
    or past midnight) any of its agents works in the plan: [min, max]."""
    weekend: dict[str, int] = defaultdict(int)
    late: dict[str, int] = defaultdict(int)
    for shift in result.shifts:
        weekend[shift.agent_id] += shift.date.weekday() >= 5
        late[shift.agent_id] += is_late_shift(scenario.site, shift.date, shift.end)
    out: dict[str, dict[str, list[int]]] = {}
    for contract in scenario.site.contracts:
        members = [a.agent_id for a in scenario.agents if a.contract == contract.id]
        if members:
            out[contract.id] = {
                "weekend_days": [min(weekend[m] for m in members), max(weekend[m] for m in members)],
                "late_shifts": [min(late[m] for m in members), max(late[m] for m in members)],
            }
    return out
