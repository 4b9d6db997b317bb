"""Deferred work (emails, cases, back-office items): turnaround deadlines and an earliest-deadline-first run.

A deferred item is not answered on arrival; it must be finished within the queue's `sla_hours`. Times are
intervals of one contiguous horizon grid (all 24 hours, closed intervals included), so a deadline is simply
the index of the interval by whose end the item must be finished.
"""

from __future__ import annotations

import datetime as dt
import heapq
import math

import numpy as np
import numpy.typing as npt
import pandas as pd

from wfm.domain import Queue

# Floating slack when turning minutes into interval counts and when deciding an item cohort is finished.
_EPSILON = 1e-9


def grid_open_mask(interval_starts: pd.DatetimeIndex, queue: Queue, interval_minutes: int) -> np.ndarray:
    if interval_minutes <= 0:
        raise ValueError("interval_minutes must be > 0")
    step = np.timedelta64(interval_minutes, "m")
    if len(interval_starts) > 1 and (np.diff(interval_starts.to_numpy()) != step).any():
        raise ValueError(f"interval_starts must be one contiguous grid of {interval_minutes}-minute intervals")
    return np.array([queue.is_open(moment.to_pydatetime()) for moment in interval_starts], dtype=bool)


def _next_open_index(open_mask: np.ndarray) -> npt.NDArray[np.int64]:
    """For every interval, the first open interval at or after it; len(mask) when none is left."""
    size = len(open_mask)
    following = np.full(size + 1, size, dtype=np.int64)
    for index in range(size - 1, -1, -1):
        following[index] = index if open_mask[index] else following[index + 1]
    return following


def _deadline_intervals(
    minutes_from_origin: npt.NDArray[np.float64],
    earliest: npt.NDArray[np.int64],
    open_mask: np.ndarray,
    interval_minutes: int,
) -> npt.NDArray[np.int64]:
    """Deadline moments (minutes after the grid's first start) -> interval indexes, see `deadline_index`."""
    size = len(open_mask)
    # The interval whose end is the first end at or after the deadline moment: a deadline at 17:00 belongs to
    # the 16:45 interval (due by its end), a deadline at 17:05 to the 17:00 interval.
    due = np.ceil(minutes_from_origin / interval_minutes - _EPSILON).astype(np.int64) - 1
    due = np.maximum(due, earliest)
    following = _next_open_index(open_mask)
    inside = due < size
    result = np.full(due.shape, size, dtype=np.int64)
    result[inside] = following[due[inside]]
    return result


def deadline_index(interval_starts: pd.DatetimeIndex, queue: Queue, interval_minutes: int) -> np.ndarray:
    """For an item arriving in interval i, the index of the interval by whose end it must be finished.

    The deadline is the arrival interval's start + `sla_hours`. It belongs to the interval whose end is the
    first end at or after that moment. When that interval is closed for the queue (Queue.is_open on its
    start), the deadline moves forward to the next open time: the item is due by the end of the first open
    interval, since nobody works the queue while it is closed. `len(interval_starts)` means "not due within
    the horizon"
    (the deadline, or the next open time, lies beyond the grid).
    """
    if queue.sla_hours is None:
        raise ValueError(f"queue {queue.id!r} has no sla_hours: deadlines exist only for deferred queues")
    open_mask = grid_open_mask(interval_starts, queue, interval_minutes)
    size = len(interval_starts)
    arrival = np.arange(size, dtype=np.int64)
    minutes = (arrival * float(interval_minutes) + queue.sla_hours * 60.0).astype(np.float64)
    return _deadline_intervals(minutes, arrival, open_mask, interval_minutes)


def deadline_index_of(
    deadline: dt.datetime, interval_starts: pd.DatetimeIndex, queue: Queue, interval_minutes: int
) -> int:
    """The interval index a single deadline moment falls due in (same rules as `deadline_index`).

    A deadline already past at the grid's start is due at index 0 (it is late at the end of the first
    interval unless finished in it), without moving to an open time: it is overdue, not merely closed.
    """
    if len(interval_starts) == 0:
        raise ValueError("interval_starts is empty")
    open_mask = grid_open_mask(interval_starts, queue, interval_minutes)
    minutes = (pd.Timestamp(deadline) - interval_starts[0]).total_seconds() / 60.0
    if minutes <= 0:
        return 0
    result = _deadline_intervals(np.array([minutes]), np.zeros(1, dtype=np.int64), open_mask, interval_minutes)
    return int(result[0])


def simulate_deferred(
    arrivals: npt.ArrayLike,
    aht_seconds: npt.ArrayLike,
    capacity_work_minutes: npt.ArrayLike,
    deadline_idx: npt.ArrayLike,
    backlog_items: float = 0.0,
    backlog_aht_seconds: float | None = None,
    backlog_deadline_idx: int = 0,
) -> pd.DataFrame:
    """Work the queue earliest-deadline-first with each interval's capacity; one row per interval.

    arrivals[t] items arrive in interval t and may be worked from t on (a fluid model: fractions of items are
    fine). Each takes aht_seconds[t] / 60 work-minutes at proficiency 1; capacity_work_minutes[t] is the
    proficiency-weighted work time staffed in t. deadline_idx[t] is the interval by whose end interval t's
    arrivals are due (len = not due in the horizon). The carried-in backlog (`backlog_items` at
    `backlog_aht_seconds`, default the mean AHT) is there from interval 0 and due at `backlog_deadline_idx`.
    Ties in deadline go to the older work.

    Columns: `completed` (items finished in t), `backlog` (items arrived, carried-in included, and not
    finished at the end of t) and `items_past_sla` (items whose deadline is the end of t and that are
    unfinished then: every late item is counted once, when it becomes late; it stays in the backlog and is
    still worked first).
    """
    arrivals_array = np.asarray(arrivals, dtype=np.float64)
    size = arrivals_array.shape[0] if arrivals_array.ndim else 0
    if arrivals_array.ndim != 1:
        raise ValueError("arrivals must be one value per interval")
    aht_array = np.broadcast_to(np.asarray(aht_seconds, dtype=np.float64), (size,))
    capacity = np.broadcast_to(np.asarray(capacity_work_minutes, dtype=np.float64), (size,))
    deadlines = np.broadcast_to(np.asarray(deadline_idx), (size,))
    if np.isnan(arrivals_array).any() or (arrivals_array < 0).any():
        raise ValueError("arrivals must be >= 0")
    if np.isnan(capacity).any() or (capacity < 0).any():
        raise ValueError("capacity_work_minutes must be >= 0")
    if ((arrivals_array > 0) & ~(aht_array > 0)).any():
        raise ValueError("aht_seconds must be > 0 wherever items arrive")
    if (deadlines != np.floor(deadlines)).any() or (deadlines < np.arange(size)).any():
        raise ValueError("deadline_idx must be whole interval indexes, each at or after its arrival interval")
    if backlog_items < 0:
        raise ValueError("backlog_items must be >= 0")
    if backlog_deadline_idx < 0:
        raise ValueError("backlog_deadline_idx must be >= 0 (0 for backlog that is already overdue)")
    if backlog_aht_seconds is None:
        used = arrivals_array > 0
        known = aht_array[used] if used.any() else aht_array[aht_array > 0]
        backlog_aht_seconds = float(np.mean(known)) if known.size else math.nan
    if backlog_items > 0 and not backlog_aht_seconds > 0:
        raise ValueError("backlog needs backlog_aht_seconds > 0 (no AHT to fall back on)")

    # A cohort is one batch of items sharing an arrival interval, AHT and deadline:
    # [deadline, order, remaining_items, work_minutes_per_item]. The heap orders by deadline, then age.
    heap: list[list[float]] = []
    unfinished_by_deadline: dict[int, float] = {}
    outstanding = 0.0
    if backlog_items > 0:
        heap.append([float(backlog_deadline_idx), -1.0, float(backlog_items), backlog_aht_seconds / 60.0])
        unfinished_by_deadline[backlog_deadline_idx] = float(backlog_items)
        outstanding = float(backlog_items)

    completed = np.zeros(size)
    backlog = np.zeros(size)
    past_sla = np.zeros(size)
    for t in range(size):
        if arrivals_array[t] > 0:
            arrival_due = int(deadlines[t])
            heapq.heappush(heap, [float(arrival_due), float(t), float(arrivals_array[t]), aht_array[t] / 60.0])
            unfinished_by_deadline[arrival_due] = unfinished_by_deadline.get(arrival_due, 0.0) + float(
                arrivals_array[t]
            )
            outstanding += float(arrivals_array[t])
        minutes_left = float(capacity[t])
        done = 0.0
        while heap and minutes_left > _EPSILON:
            cohort = heap[0]
            cohort_due, _, remaining, minutes_per_item = cohort
            work = remaining * minutes_per_item
            if work <= minutes_left + _EPSILON:
                finished = remaining
                minutes_left -= work
                heapq.heappop(heap)
            else:
                finished = minutes_left / minutes_per_item
                minutes_left = 0.0
                # The key (deadline, order) is unchanged, so the heap stays valid when the head shrinks.
                cohort[2] = remaining - finished
            done += finished
            # Cohorts already counted late (deadline before t) have left the tally; only on-time ones remain.
            if int(cohort_due) in unfinished_by_deadline:
                unfinished_by_deadline[int(cohort_due)] -= finished
        outstanding -= done
        completed[t] = done
        backlog[t] = max(outstanding, 0.0)
        past_sla[t] = max(unfinished_by_deadline.pop(t, 0.0), 0.0)
    # Fluid arithmetic leaves crumbs like 1e-15 items; a planner should read them as zero.
    frame = pd.DataFrame({"completed": completed, "backlog": backlog, "items_past_sla": past_sla})
    return frame.mask(frame.abs() < 1e-9, 0.0)


def minimal_capacity(
    arrival_work: npt.ArrayLike, due_work: npt.ArrayLike, open_mask: npt.ArrayLike
) -> npt.NDArray[np.float64]:
    """The flattest capacity profile (work-minutes per interval) that finishes all work by its deadline.

    `arrival_work[t]` work arrives in interval t (and may be worked from t on), `due_work[t]` work falls due by
    the end of t, and capacity exists only in `open_mask` intervals. Cumulative capacity must stay between
    cumulative due work (every deadline met) and cumulative arrived work (nothing is worked before it arrives),
    and ends with exactly the work due inside the grid done (work due later is left for later). Of all such
    profiles this returns the taut string between the two curves, open time on the x axis: it has the lowest
    peak, and it minimises every convex cost of capacity at once; it is what earliest-deadline-first
    scheduling at variable speed needs (Yao, Demers and Shenker 1995, for deadlines in arrival order as here).
    Work due before the first open interval cannot be finished on time; it is done as early as possible.
    """
    arrival = np.asarray(arrival_work, dtype=np.float64)
    due = np.asarray(due_work, dtype=np.float64)
    is_open = np.asarray(open_mask, dtype=bool)
    if not (arrival.shape == due.shape == is_open.shape) or arrival.ndim != 1:
        raise ValueError("arrival_work, due_work and open_mask must be one value per interval, the same length")
    if (arrival < 0).any() or (due < 0).any() or np.isnan(arrival).any() or np.isnan(due).any():
        raise ValueError("arrival_work and due_work must be numbers >= 0")
    capacity = np.zeros(arrival.shape)
    opened = np.flatnonzero(is_open)
    if not opened.size or due.sum() <= _EPSILON:
        return capacity
    arrived = np.cumsum(arrival)
    owed = np.cumsum(due)
    # Point j (1..K) is the end of the j-th open interval. It must have worked everything due before the next
    # open interval starts (nothing can be worked in between) and nothing not yet arrived.
    next_open = np.append(opened[1:], len(arrival))
    upper = arrived[opened]
    lower = np.minimum(owed[next_open - 1], upper)
    lower = np.maximum.accumulate(lower)  # due work is cumulative; keep the bound monotone after the clamp
    total = lower[-1]
    lower[-1] = upper[-1] = total  # end with exactly the work due in the grid done
    upper = np.maximum(upper, lower)
    slopes = _taut_string(np.concatenate([[0.0], lower]), np.concatenate([[0.0], upper]))
    capacity[opened] = slopes
    return capacity


def _taut_string(lower: npt.NDArray[np.float64], upper: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
    """Slopes of the shortest path from (0, lower[0]) to (K, lower[K]) with lower[j] <= y(j) <= upper[j].

    Greedy funnel: from the current corner, widen the segment point by point while some slope still passes
    every bound seen; when the bounds cross, the path bends at the bound that closed the funnel, which becomes
    the next corner.
    """
    points = len(lower) - 1
    slopes = np.zeros(points)
    x0, y0 = 0, float(lower[0])
    while x0 < points:
        low_slope, high_slope = -np.inf, np.inf
        low_at = high_at = x0 + 1
        bend: tuple[int, float, float] | None = None
        for j in range(x0 + 1, points + 1):
            run = j - x0
            need = (lower[j] - y0) / run
            room = (upper[j] - y0) / run
            if need > high_slope + 1e-12:  # must climb above the lowest ceiling seen: bend at that ceiling
                bend = (high_at, high_slope, float(upper[high_at]))
                break
            if room < low_slope - 1e-12:  # must stay below the highest floor seen: bend at that floor
                bend = (low_at, low_slope, float(lower[low_at]))
                break
            if need >= low_slope:
                low_slope, low_at = need, j
            if room <= high_slope:
                high_slope, high_at = room, j
        if bend is None:  # the end point (where lower == upper) closes the funnel: one straight segment
            slope = (lower[points] - y0) / (points - x0)
            slopes[x0:points] = slope
            break
        corner, slope, height = bend
        slopes[x0:corner] = slope
        x0, y0 = corner, height
    return slopes
