"""Replications of a plan, run (in parallel processes when asked) and summarised per queue and day, per queue
over the horizon, and per interval where the simulation and the Erlang figure disagree."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from wfm.domain import QueueKind, Scenario, SimulationSettings
from wfm.scheduling.result import ScheduleResult
from wfm.simulation.inputs import PlanInputs, plan_inputs
from wfm.simulation.replay import Replication, replicate

SIMULATION_COLUMNS = (
    "date",
    "queue",
    "office",
    "kind",
    "target",
    "volume",
    "service_level_plan",
    "service_level_p10",
    "service_level_p50",
    "service_level_p90",
    "chance_target_met",
    "asa_seconds",
    "abandon_rate",
    "unanswered_rate",
    "items_past_sla_plan",
    "items_past_sla_p10",
    "items_past_sla_p50",
    "items_past_sla_p90",
    "turnaround_hours",
)
INTERVAL_COLUMNS = (
    "interval_start",
    "queue",
    "volume",
    "scheduled_agents",
    "service_level_plan",
    "service_level_simulated",
    "difference_points",
    "disagrees",
)


class NothingToSimulate(ValueError):
    """The plan has nothing a simulation replays (no queues)."""


@dataclass(frozen=True)
class SimulationResult:
    replications: int
    seed: int
    seconds: float
    queue_days: pd.DataFrame  # SIMULATION_COLUMNS: simulation.csv
    # INTERVAL_COLUMNS: every live interval with enough contacts to compare, simulated (pooled over the
    # replications) against Erlang; `disagrees` where they differ by more than the threshold.
    intervals: pd.DataFrame
    queues: dict[str, dict[str, Any]] = field(default_factory=dict)  # per queue over the horizon (kpis.json)
    disagreement_points: float = 5.0  # the threshold `intervals["disagrees"]` was judged by
    # Over all queues: the live queues' pooled service level and the back office's items past SLA, per
    # replication's week, as P10 / P50 / P90.
    overall: dict[str, Any] = field(default_factory=dict)

    def summary(self) -> str:
        live = [q for q in self.queues.values() if q["kind"] == "live" and np.isfinite(q["service_level_p50"])]
        deferred = [q for q in self.queues.values() if q["kind"] == "deferred"]
        parts = [f"{self.replications} replications in {self.seconds:.1f} s"]
        if live:
            lowest = min(live, key=lambda q: q["service_level_p50"] - q["target"])
            parts.append(
                f"lowest live queue {lowest['queue']}: service level P10-P90 {lowest['service_level_p10']:.1%}-"
                f"{lowest['service_level_p90']:.1%} against {lowest['target']:.0%}"
            )
        if deferred:
            late = sum(q["items_past_sla_p50"] for q in deferred)
            parts.append(f"items past SLA (median) {late:,.0f}")
        parts.append(f"{self.disagreeing} intervals differ from Erlang by more than the threshold")
        return "; ".join(parts)

    @property
    def disagreeing(self) -> int:
        return int(self.intervals["disagrees"].sum()) if len(self.intervals) else 0

    def kpis(self) -> dict[str, Any]:
        """The `simulation` section of kpis.json."""
        return {
            "replications": self.replications,
            "seed": self.seed,
            "seconds": round(self.seconds, 2),
            "overall": self.overall,
            "queues": self.queues,
            "intervals_compared": len(self.intervals),
            "intervals_disagreeing": self.disagreeing,
        }


def run_replications(plan: PlanInputs, settings: SimulationSettings) -> list[Replication]:
    """`settings.replications` replications, one after another: the sample's 30 take about 1.5 s, so processes
    would cost more to start than they save (docs/simulation.md)."""
    return [replicate(plan, settings, r) for r in range(settings.replications)]


def _share_met(levels: np.ndarray, target: float) -> float:
    """The share of simulated days (finite levels: days with contacts) at or above `target`."""
    finite = levels[np.isfinite(levels)]
    return float(np.mean(finite >= target)) if finite.size else 1.0


def _bands(values: np.ndarray) -> tuple[float, float, float]:
    finite = values[np.isfinite(values)]
    if finite.size == 0:
        return (float("nan"),) * 3
    low, mid, high = np.percentile(finite, [10, 50, 90])
    return float(low), float(mid), float(high)


def summarise(
    plan: PlanInputs, settings: SimulationSettings, runs: list[Replication], seconds: float
) -> SimulationResult:
    rows: list[dict[str, Any]] = []
    compared_rows: list[dict[str, Any]] = []
    per_queue: dict[str, dict[str, Any]] = {}
    days = len(plan.days)
    day_of = np.eye(days)[plan.day_of_interval]  # (intervals, days): sums each interval's counts into its day
    for index, queue_inputs in enumerate(plan.queues):
        queue = queue_inputs.queue
        stacked = np.stack([run.counts[index] for run in runs])  # (replications, counts, intervals)
        by_day = stacked @ day_of  # (replications, counts, days)
        volume_by_day = np.bincount(plan.day_of_interval, weights=queue_inputs.volume, minlength=days)
        live = queue.kind is QueueKind.LIVE
        base = {"queue": queue.id, "office": queue.office.value, "kind": queue.kind.value}
        if live:
            target = float(queue.service_level or 0)
            planned = queue_inputs.planned_service_level
            weights = np.where(np.isfinite(planned), queue_inputs.volume, 0.0)
            with np.errstate(invalid="ignore", divide="ignore"):
                level = by_day[:, 1] / by_day[:, 0]  # (replications, days)
                planned_by_day = np.bincount(
                    plan.day_of_interval, weights=np.nan_to_num(planned) * weights, minlength=days
                ) / np.bincount(plan.day_of_interval, weights=weights, minlength=days)
            for d, day in enumerate(plan.days):
                if volume_by_day[d] <= 0:
                    continue
                offered = by_day[:, 0, d]
                p10, p50, p90 = _bands(level[:, d])
                rows.append(
                    {
                        "date": day.isoformat(),
                        **base,
                        "target": target,
                        "volume": float(volume_by_day[d]),
                        "service_level_plan": float(planned_by_day[d]),
                        "service_level_p10": p10,
                        "service_level_p50": p50,
                        "service_level_p90": p90,
                        "chance_target_met": _share_met(level[:, d], target),
                        "asa_seconds": float(by_day[:, 3, d].sum() / max(by_day[:, 4, d].sum(), 1)),
                        "abandon_rate": float(by_day[:, 2, d].sum() / max(by_day[:, 4, d].sum(), 1)),
                        "unanswered_rate": float(by_day[:, 5, d].sum() / max(offered.sum(), 1)),
                    }
                )
            with np.errstate(invalid="ignore", divide="ignore"):
                week = stacked[:, 1].sum(axis=1) / stacked[:, 0].sum(axis=1)
                pooled = stacked[:, 1].sum(axis=0) / stacked[:, 0].sum(axis=0)
            p10, p50, p90 = _bands(week)
            total_offered = stacked[:, 0].sum()
            per_queue[queue.id] = {
                **base,
                "target": target,
                "service_level_plan": float(np.nansum(planned * weights) / weights.sum()) if weights.sum() else None,
                "service_level_p10": p10,
                "service_level_p50": p50,
                "service_level_p90": p90,
                "days_target_met": _share_met(level, target),
                "asa_seconds": float(stacked[:, 3].sum() / max(stacked[:, 4].sum(), 1)),
                "abandon_rate": float(stacked[:, 2].sum() / max(stacked[:, 4].sum(), 1)),
                "unanswered_rate": float(stacked[:, 5].sum() / max(total_offered, 1)),
            }
            compared = (queue_inputs.volume >= settings.disagreement_min_contacts) & np.isfinite(planned)
            difference = (pooled - planned) * 100
            for k in np.flatnonzero(compared):
                compared_rows.append(
                    {
                        "interval_start": plan.starts[k],
                        "queue": queue.id,
                        "volume": float(queue_inputs.volume[k]),
                        "scheduled_agents": float(queue_inputs.scheduled_agents[k]),
                        "service_level_plan": float(planned[k]),
                        "service_level_simulated": float(pooled[k]),
                        "difference_points": float(difference[k]),
                        "disagrees": bool(abs(difference[k]) > settings.disagreement_points),
                    }
                )
            continue
        late = by_day[:, 1]  # (replications, days): items due that day and finished past their deadline
        planned_late = np.bincount(
            plan.day_of_interval, weights=np.nan_to_num(queue_inputs.planned_items_past_sla), minlength=days
        )
        for d, day in enumerate(plan.days):
            if volume_by_day[d] <= 0 and not late[:, d].any() and not planned_late[d]:
                continue
            p10, p50, p90 = _bands(late[:, d])
            finished = by_day[:, 2, d].sum()
            rows.append(
                {
                    "date": day.isoformat(),
                    **base,
                    "volume": float(volume_by_day[d]),
                    "items_past_sla_plan": float(planned_late[d]),
                    "items_past_sla_p10": p10,
                    "items_past_sla_p50": p50,
                    "items_past_sla_p90": p90,
                    "turnaround_hours": float(by_day[:, 3, d].sum() / finished / 3600) if finished else float("nan"),
                }
            )
        p10, p50, p90 = _bands(late.sum(axis=1))
        finished = stacked[:, 2].sum()
        per_queue[queue.id] = {
            **base,
            "sla_hours": queue.sla_hours,
            "items_past_sla_plan": float(planned_late.sum()),
            "items_past_sla_p10": p10,
            "items_past_sla_p50": p50,
            "items_past_sla_p90": p90,
            "turnaround_hours": float(stacked[:, 3].sum() / finished / 3600) if finished else None,
        }
    overall = _overall(plan, runs)
    queue_days = pd.DataFrame(rows, columns=list(SIMULATION_COLUMNS))
    intervals = pd.DataFrame(compared_rows, columns=list(INTERVAL_COLUMNS))
    return SimulationResult(
        replications=len(runs),
        seed=settings.seed,
        seconds=seconds,
        queue_days=queue_days,
        intervals=intervals,
        queues=per_queue,
        disagreement_points=settings.disagreement_points,
        overall=overall,
    )


def _overall(plan: PlanInputs, runs: list[Replication]) -> dict[str, Any]:
    """Each replication's week over all queues: live contacts answered within target over offered, and items
    finished past their SLA (carried-in backlog included); bands across the replications."""
    live = [i for i, q in enumerate(plan.queues) if q.queue.kind is QueueKind.LIVE]
    deferred = [i for i, q in enumerate(plan.queues) if q.queue.kind is not QueueKind.LIVE]
    summary: dict[str, Any] = {}
    if live:
        within = np.array([sum(run.counts[i][1].sum() for i in live) for run in runs])
        offered = np.array([sum(run.counts[i][0].sum() for i in live) for run in runs])
        with np.errstate(invalid="ignore", divide="ignore"):
            levels = within / offered
        low, mid, high = _bands(levels)
        summary.update(service_level_p10=low, service_level_p50=mid, service_level_p90=high)
    if deferred:
        late = np.array([sum(run.counts[i][1].sum() for i in deferred) for run in runs], dtype=float)
        low, mid, high = _bands(late)
        summary.update(items_past_sla_p10=low, items_past_sla_p50=mid, items_past_sla_p90=high)
    return summary


def simulate_plan(
    scenario: Scenario,
    forecast: pd.DataFrame,
    requirements: pd.DataFrame,
    coverage: pd.DataFrame,
    result: ScheduleResult,
    *,
    settings: SimulationSettings | None = None,
) -> SimulationResult:
    """Replay `result` `settings.replications` times (default: the site's [simulation])."""
    if not scenario.site.queues:
        raise NothingToSimulate(
            "the site has no queues: the simulation replays calls, chats and back-office items on queues, and a "
            "plan to shift_requirements.csv alone has none"
        )
    started = time.monotonic()
    settings = settings or scenario.site.simulation
    plan = plan_inputs(scenario, forecast, requirements, coverage, result)
    runs = run_replications(plan, settings)
    return summarise(plan, settings, runs, time.monotonic() - started)
