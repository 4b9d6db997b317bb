"""What a simulation replays, built once from the scenario, the forecast and the plan: per queue its demand,
its uncertainty and the windows each agent works it."""

from __future__ import annotations

import datetime as dt
import math
from collections import defaultdict
from dataclasses import dataclass
from statistics import NormalDist

import numpy as np
import numpy.typing as npt
import pandas as pd

from wfm.domain import Queue, QueueKind, Scenario
from wfm.scheduling.result import ScheduleResult
from wfm.staffing import deferred_backlog, grid_open_mask, mean_aht_seconds

FloatArray = npt.NDArray[np.float64]

_Z90 = NormalDist().inv_cdf(0.9)


@dataclass(frozen=True)
class AgentWindows:
    """One agent's work on one queue within one shift: windows in seconds from the horizon's first interval."""

    agent_id: str
    shift: int  # index into PlanInputs.shifts: absence takes the whole shift
    starts: tuple[float, ...]
    ends: tuple[float, ...]
    proficiency: float


@dataclass(frozen=True)
class QueueInputs:
    queue: Queue
    volume: FloatArray  # mean contacts or items arriving per interval (the forecast's P50)
    aht_seconds: FloatArray  # per interval, at proficiency 1
    # The forecast's own uncertainty: the day's volume is the mean times a factor of mean 1 and this
    # coefficient of variation (the `phi` behind the forecast's P10-P90 bands).
    phi: float
    arrives: npt.NDArray[np.bool_]  # intervals contacts arrive in (live: open hours; deferred: all)
    # Live: when the queue closes after a contact arriving in interval k (the end of its run of open intervals).
    closes_seconds: FloatArray
    deadline_seconds: FloatArray  # deferred: an item arriving in interval k is due by this moment (inf: later)
    backlog_items: int
    backlog_deadline_seconds: float
    backlog_aht_seconds: float
    shrinkage: float  # the chance a planned shift's agent does not turn up
    windows: tuple[AgentWindows, ...]
    # The plan's own figures per interval (coverage.csv): Erlang service level; items past SLA (deferred).
    planned_service_level: FloatArray
    planned_items_past_sla: FloatArray
    scheduled_agents: FloatArray


@dataclass(frozen=True)
class PlanInputs:
    origin: pd.Timestamp  # the first interval's start
    interval_seconds: float
    starts: pd.DatetimeIndex
    day_of_interval: npt.NDArray[np.int64]  # index into `days`
    days: tuple[dt.date, ...]
    shifts: int  # planned shifts (absence is drawn per shift)
    queues: tuple[QueueInputs, ...]

    @property
    def horizon_seconds(self) -> float:
        return len(self.starts) * self.interval_seconds


def closing_times(arrives: npt.NDArray[np.bool_], interval_seconds: float) -> FloatArray:
    """For each interval, the end (seconds) of the run of open intervals it is in; for a closed one, its end."""
    closes = np.empty(len(arrives))
    end = len(arrives)
    for k in range(len(arrives) - 1, -1, -1):
        if not arrives[k] or (k + 1 < len(arrives) and not arrives[k + 1]):
            end = k + 1
        closes[k] = end * interval_seconds
    return closes


def dispersion(volume_p50: FloatArray, volume_p90: FloatArray) -> float:
    """The `phi` behind the forecast's bands (P90 = F + z sqrt(F + (phi F)^2)), read at the busiest interval
    whose band is not cut at zero; 0 when the bands are Poisson or absent."""
    usable = np.isfinite(volume_p50) & np.isfinite(volume_p90) & (volume_p50 > 0)
    if not usable.any():
        return 0.0
    k = int(np.argmax(np.where(usable, volume_p50, -1.0)))
    mean, high = float(volume_p50[k]), float(volume_p90[k])
    phi2 = (((high - mean) / _Z90) ** 2 - mean) / mean**2
    return math.sqrt(phi2) if phi2 > 0 else 0.0


def plan_inputs(
    scenario: Scenario,
    forecast: pd.DataFrame,
    requirements: pd.DataFrame,
    coverage: pd.DataFrame,
    result: ScheduleResult,
) -> PlanInputs:
    """The simulation's inputs for a planned horizon (the plan's grid: requirements.csv's intervals)."""
    site = scenario.site
    starts = pd.DatetimeIndex(pd.to_datetime(requirements["interval_start"]).unique()).sort_values()
    if len(starts) == 0:
        raise ValueError("the plan has no intervals to simulate")
    origin = starts[0]
    interval_seconds = site.interval_minutes * 60.0
    days = tuple(sorted({ts.date() for ts in starts}))
    day_index = {day: i for i, day in enumerate(days)}
    day_of_interval = np.array([day_index[ts.date()] for ts in starts], dtype=np.int64)

    def seconds(moment: dt.datetime | pd.Timestamp) -> float:
        return float((pd.Timestamp(moment) - origin).total_seconds())

    # Shifts, in a stable order, to draw absence per shift; segments belong to the shift they start in.
    shifts = sorted(result.shifts, key=lambda s: (s.agent_id, s.start))
    by_agent: dict[str, list[int]] = defaultdict(list)
    for index, shift in enumerate(shifts):
        by_agent[shift.agent_id].append(index)
    proficiency = {(s.agent_id, s.queue): s.proficiency for s in scenario.skills}
    windows: dict[str, dict[tuple[str, int], list[tuple[float, float]]]] = defaultdict(lambda: defaultdict(list))
    for segment in sorted(result.segments, key=lambda s: (s.agent_id, s.start)):
        if segment.activity != "work" or segment.queue is None:
            continue
        shift_index = next(
            (i for i in by_agent.get(segment.agent_id, ()) if shifts[i].start <= segment.start < shifts[i].end), -1
        )
        parts = windows[segment.queue][(segment.agent_id, shift_index)]
        begin, end = seconds(segment.start), seconds(segment.end)
        if parts and parts[-1][1] == begin:  # back to back on the same queue: one window
            parts[-1] = (parts[-1][0], end)
        else:
            parts.append((begin, end))

    forecast_rows = forecast.assign(interval_start=pd.to_datetime(forecast["interval_start"]))
    # A repeated hour (clocks going back) has two forecast rows for one wall-clock start: both arrive then.
    bands = forecast_rows.groupby(["queue", "interval_start"])[["volume_p50", "volume_p90"]].sum()
    coverage_rows = coverage.assign(interval_start=pd.to_datetime(coverage["interval_start"]))
    queues = []
    for queue in site.queues:
        rows = requirements[requirements["queue"] == queue.id].copy()
        rows["interval_start"] = pd.to_datetime(rows["interval_start"])
        rows = rows.set_index("interval_start").reindex(starts)
        aht = rows["aht_seconds"].to_numpy(dtype=float)
        if queue.id in bands.index.get_level_values(0):
            band = bands.loc[queue.id].reindex(starts)
            volume = band["volume_p50"].fillna(0.0).to_numpy(dtype=float)
            p90 = band["volume_p90"].to_numpy(dtype=float)
        else:
            volume, p90 = rows["volume"].fillna(0.0).to_numpy(dtype=float), np.full(len(starts), np.nan)
        aht = np.where(np.isfinite(aht) & (aht > 0), aht, mean_aht_seconds(volume, aht))
        live = queue.kind is QueueKind.LIVE
        arrives = grid_open_mask(starts, queue, site.interval_minutes) if live else np.ones(len(starts), dtype=bool)
        volume = np.where(arrives & np.isfinite(aht), volume, 0.0)
        deadline_seconds = np.full(len(starts), math.inf)
        backlog_items, backlog_deadline, backlog_aht = 0, math.inf, 0.0
        if not live:
            due = rows["deadline_index"].fillna(len(starts)).to_numpy(dtype=np.int64)
            deadline_seconds = np.where(due < len(starts), (due + 1) * interval_seconds, math.inf)
            carried = deferred_backlog(
                queue, scenario.backlog, starts, site.interval_minutes, mean_aht_seconds(volume, aht)
            )
            backlog_items = round(carried.items)
            # index len(starts): not due within the horizon, so never late here
            backlog_deadline = (
                (carried.deadline_index + 1) * interval_seconds if carried.deadline_index < len(starts) else math.inf
            )
            backlog_aht = carried.aht_seconds if backlog_items else 0.0
        planned = coverage_rows[coverage_rows["queue"] == queue.id].set_index("interval_start").reindex(starts)
        queues.append(
            QueueInputs(
                queue=queue,
                volume=volume,
                aht_seconds=np.where(np.isfinite(aht), aht, 0.0),
                phi=dispersion(volume, p90),
                arrives=arrives,
                closes_seconds=closing_times(arrives, interval_seconds),
                deadline_seconds=deadline_seconds,
                backlog_items=backlog_items,
                backlog_deadline_seconds=backlog_deadline,
                backlog_aht_seconds=backlog_aht,
                shrinkage=queue.shrinkage if queue.shrinkage is not None else site.shrinkage,
                windows=tuple(
                    AgentWindows(
                        agent_id=agent_id,
                        shift=shift_index,
                        starts=tuple(a for a, _ in parts),
                        ends=tuple(b for _, b in parts),
                        proficiency=proficiency.get((agent_id, queue.id), 1.0),
                    )
                    for (agent_id, shift_index), parts in sorted(windows[queue.id].items())
                ),
                planned_service_level=planned["service_level"].to_numpy(dtype=float),
                planned_items_past_sla=planned["items_past_sla"].to_numpy(dtype=float),
                scheduled_agents=planned["scheduled_agents"].to_numpy(dtype=float),
            )
        )
    return PlanInputs(
        origin=origin,
        interval_seconds=interval_seconds,
        starts=starts,
        day_of_interval=day_of_interval,
        days=days,
        shifts=len(shifts),
        queues=tuple(queues),
    )
