"""Turn the interval forecast into what the scheduler must cover: agents for live queues, due work for deferred.

Live queues need a head count per interval (Erlang C against the queue's service level target). Deferred
queues need no head count at any one time; they need their work finished by its deadlines, so they get the
work arriving per interval and the work falling due per interval, and the scheduler keeps cumulative
capacity ahead of cumulative due work.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from wfm.domain import BacklogItem, Queue, QueueKind, Site
from wfm.staffing.deferred import deadline_index, deadline_index_of, grid_open_mask, minimal_capacity
from wfm.staffing.erlang import required_agents

FORECAST_COLUMNS = ("interval_start", "queue", "volume", "aht_seconds")
REQUIREMENT_COLUMNS = (
    "interval_start",
    "queue",
    "kind",
    "volume",
    "aht_seconds",
    "required_agents",
    "arrival_work_minutes",
    "due_items",
    "due_work_minutes",
    "deadline_index",
    "due_work_cumulative_minutes",
    "capacity_agents",
)


@dataclass(frozen=True)
class DeferredBacklog:
    """Deferred work carried into the horizon for one queue, as the staffing math sees it."""

    items: float
    aht_seconds: float
    deadline_index: int  # interval by whose end it is due; 0 when already overdue at the horizon's start


def horizon_grid(forecast: pd.DataFrame, site: Site) -> pd.DatetimeIndex:
    """The horizon's contiguous interval starts, as the forecast lays them out (checked to be one grid)."""
    starts = pd.DatetimeIndex(pd.to_datetime(forecast["interval_start"]).unique()).sort_values()
    if len(starts) == 0:
        raise ValueError("the forecast has no intervals")
    step = np.timedelta64(site.interval_minutes, "m")
    if len(starts) > 1 and (np.diff(starts.to_numpy()) != step).any():
        raise ValueError(
            f"the forecast's interval_start values must form one contiguous {site.interval_minutes}-minute grid "
            "(all 24 hours, closed intervals included)"
        )
    return starts


def mean_aht_seconds(volume: np.ndarray, aht_seconds: np.ndarray) -> float:
    """Volume-weighted mean AHT (the handle time of an average item); NaN when no AHT is known."""
    known = np.isfinite(aht_seconds) & (aht_seconds > 0)
    weighted = known & (volume > 0)
    if weighted.any():
        return float(np.average(aht_seconds[weighted], weights=volume[weighted]))
    return float(np.mean(aht_seconds[known])) if known.any() else float("nan")


def deferred_backlog(
    queue: Queue,
    backlog: Sequence[BacklogItem],
    interval_starts: pd.DatetimeIndex,
    interval_minutes: int,
    aht_seconds: float,
) -> DeferredBacklog:
    """All backlog rows of `queue` merged into one batch due at the oldest item's deadline.

    The batch is treated as arriving in the first interval; its deadline is oldest_arrival + sla_hours (moved
    to the next open time like any deadline; index 0 when already past), which is the conservative choice
    for a batch whose individual arrival times are unknown.
    """
    rows = [item for item in backlog if item.queue == queue.id and item.items > 0]
    if not rows:
        return DeferredBacklog(items=0.0, aht_seconds=aht_seconds, deadline_index=0)
    if queue.sla_hours is None:
        raise ValueError(f"backlog for queue {queue.id!r}: backlog is only meaningful for deferred queues")
    if not aht_seconds > 0:
        raise ValueError(f"backlog for queue {queue.id!r}: no forecast AHT to size the carried-in work")
    oldest = min(item.oldest_arrival for item in rows)
    deadline = oldest + dt.timedelta(hours=queue.sla_hours)
    index = deadline_index_of(deadline, interval_starts, queue, interval_minutes)
    return DeferredBacklog(items=float(sum(item.items for item in rows)), aht_seconds=aht_seconds, deadline_index=index)


def _queue_rows(forecast: pd.DataFrame, queue: Queue, starts: pd.DatetimeIndex) -> pd.DataFrame:
    rows = forecast[forecast["queue"] == queue.id].copy()
    rows["interval_start"] = pd.to_datetime(rows["interval_start"])
    if rows["interval_start"].duplicated().any():
        raise ValueError(f"the forecast has duplicate intervals for queue {queue.id!r}")
    rows = rows.set_index("interval_start").reindex(starts)
    missing = rows["volume"].isna()
    if missing.any():
        first = starts[np.flatnonzero(missing.to_numpy())[0]]
        raise ValueError(f"the forecast has no volume for queue {queue.id!r} at {first} (and maybe later)")
    return rows


def build_requirements(forecast: pd.DataFrame, site: Site, backlog: Sequence[BacklogItem] = ()) -> pd.DataFrame:
    """Per interval and queue: required agents (live) or arriving and due work (deferred).

    `forecast` has interval_start, queue, volume, aht_seconds for every queue on the horizon's full grid.
    Live queues get `required_agents` from Erlang C (Erlang A when the queue has `patience_seconds`) with the
    queue's targets (service level, max_asa_seconds, max_occupancy), concurrency and shrinkage (the queue's,
    else the site's: unplanned absence only, as time off and fixed activities are already in the schedule);
    intervals the queue is closed need 0 agents, as nobody may be scheduled on a closed queue. Deferred queues
    get `arrival_work_minutes`, `due_items`, `due_work_minutes` (work whose deadline is this interval's end),
    its running total `due_work_cumulative_minutes`, `deadline_index` (per arrival interval; -1 for live) and
    `capacity_agents`: the flattest staffing at proficiency 1, before shrinkage, that finishes every item by
    its deadline (`minimal_capacity`). A deferred queue's backlog counts as arriving in the first interval at
    the queue's mean forecast AHT.
    """
    missing_columns = [c for c in FORECAST_COLUMNS if c not in forecast.columns]
    if missing_columns:
        raise ValueError(f"the forecast lacks column(s): {', '.join(missing_columns)}")
    if not site.queues:  # planned to shift_requirements.csv alone: no interval demand
        return pd.DataFrame(columns=list(REQUIREMENT_COLUMNS))
    unknown = sorted(set(forecast["queue"].astype(str)) - set(site.queue_by_id))
    if unknown:
        raise ValueError(f"the forecast names queue(s) the site does not define: {', '.join(unknown)}")
    unknown_backlog = sorted({item.queue for item in backlog} - set(site.queue_by_id))
    if unknown_backlog:
        raise ValueError(f"the backlog names unknown queue(s): {', '.join(unknown_backlog)}")
    starts = horizon_grid(forecast, site)
    size = len(starts)
    interval_seconds = site.interval_minutes * 60

    frames: list[pd.DataFrame] = []
    for queue in site.queues:
        rows = _queue_rows(forecast, queue, starts)
        open_mask = grid_open_mask(starts, queue, site.interval_minutes)
        volume = rows["volume"].to_numpy(dtype=float)
        aht = rows["aht_seconds"].to_numpy(dtype=float)
        required = np.zeros(size, dtype=np.int64)
        arrival_work = np.zeros(size)
        due_items = np.zeros(size)
        due_work = np.zeros(size)
        deadlines = np.full(size, -1, dtype=np.int64)
        capacity_agents = np.zeros(size)
        if queue.kind is QueueKind.LIVE:
            assert queue.service_level is not None and queue.answer_seconds is not None
            shrinkage = queue.shrinkage if queue.shrinkage is not None else site.shrinkage
            required = np.asarray(
                required_agents(
                    volume,
                    aht,
                    interval_seconds,
                    queue.service_level,
                    queue.answer_seconds,
                    max_occupancy=queue.max_occupancy,
                    concurrency=queue.concurrency,
                    shrinkage=shrinkage,
                    patience_seconds=np.inf if queue.patience_seconds is None else queue.patience_seconds,
                    max_asa_seconds=np.inf if queue.max_asa_seconds is None else queue.max_asa_seconds,
                ),
                dtype=np.int64,
            )
            required = np.where(open_mask, required, 0)
        else:
            if ((volume > 0) & ~(aht > 0)).any():
                raise ValueError(f"queue {queue.id!r}: aht_seconds must be > 0 wherever volume > 0")
            arrival_work = np.where(volume > 0, volume * np.nan_to_num(aht) / 60.0, 0.0)
            deadlines = deadline_index(starts, queue, site.interval_minutes)
            within = deadlines < size
            np.add.at(due_items, deadlines[within], volume[within])
            np.add.at(due_work, deadlines[within], arrival_work[within])
            carried = deferred_backlog(queue, backlog, starts, site.interval_minutes, mean_aht_seconds(volume, aht))
            if carried.items > 0:
                carried_work = carried.items * carried.aht_seconds / 60.0
                arrival_work[0] += carried_work
                if carried.deadline_index < size:
                    due_items[carried.deadline_index] += carried.items
                    due_work[carried.deadline_index] += carried_work
            capacity_agents = minimal_capacity(arrival_work, due_work, open_mask) / site.interval_minutes
        frames.append(
            pd.DataFrame(
                {
                    "interval_start": starts,
                    "queue": queue.id,
                    "kind": queue.kind.value,
                    "volume": volume,
                    "aht_seconds": aht,
                    "required_agents": required,
                    "arrival_work_minutes": arrival_work,
                    "due_items": due_items,
                    "due_work_minutes": due_work,
                    "deadline_index": deadlines,
                    "due_work_cumulative_minutes": np.cumsum(due_work),
                    "capacity_agents": capacity_agents,
                }
            )
        )
    return pd.concat(frames, ignore_index=True)[list(REQUIREMENT_COLUMNS)]
