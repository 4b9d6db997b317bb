"""One replication of a planned horizon: draw the day (volumes, handle times, patience, who turns up), run every
queue through the engine, count per interval."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from wfm.domain import QueueKind, SimulationSettings
from wfm.simulation.engine import Server, deferred_queue, live_queue
from wfm.simulation.inputs import PlanInputs, QueueInputs

FloatArray = npt.NDArray[np.float64]

# The counts one replication returns per queue and interval (of arrival), in this order.
# Live: counted by the interval a contact arrived in. `waited_seconds` and `waited` leave out the contacts still
# waiting when the queue closed (nobody answers after closing time); `unanswered` counts those.
LIVE_COUNTS = ("offered", "answered_in_target", "abandoned", "waited_seconds", "waited", "unanswered")
# Deferred: `past_sla` by the interval the item's deadline falls in (as the plan's coverage counts it), the rest
# by the interval it arrived in (carried-in backlog: the first).
DEFERRED_COUNTS = ("arrived", "past_sla", "finished", "turnaround_seconds")


@dataclass(frozen=True)
class Replication:
    """Per queue (in site order) a (counts, intervals) array: LIVE_COUNTS or DEFERRED_COUNTS by the queue's
    kind."""

    counts: tuple[FloatArray, ...]


def handle_times(rng: np.random.Generator, mean: FloatArray, settings: SimulationSettings) -> FloatArray:
    """Handle times with the given means (seconds), in the configured distribution."""
    if settings.handle_time == "fixed":
        return mean.astype(float)
    if settings.handle_time == "exponential":
        return rng.exponential(1.0, size=len(mean)) * mean
    sigma2 = math.log1p(settings.handle_time_cv**2)
    return mean * rng.lognormal(-sigma2 / 2.0, math.sqrt(sigma2), size=len(mean))


def day_factors(rng: np.random.Generator, phi: float, days: int) -> FloatArray:
    """Each day's volume level over the forecast: mean 1, coefficient of variation `phi` (gamma, so that
    Poisson arrivals around it have the variance F + (phi F)^2 the forecast's bands are built on)."""
    if phi <= 0:
        return np.ones(days)
    shape = 1.0 / phi**2
    return rng.gamma(shape, 1.0 / shape, size=days)


def arrivals(
    rng: np.random.Generator, queue: QueueInputs, plan: PlanInputs, factors: FloatArray
) -> tuple[FloatArray, npt.NDArray[np.int64]]:
    """Arrival moments (sorted, seconds) and each one's interval: Poisson per interval around the day's level,
    spread evenly inside the interval."""
    rate = queue.volume * factors[plan.day_of_interval]
    counts = rng.poisson(rate)
    interval = np.repeat(np.arange(len(rate)), counts)
    moments = (interval + rng.random(len(interval))) * plan.interval_seconds
    order = np.argsort(moments, kind="stable")
    return moments[order], interval[order]


def servers(queue: QueueInputs, present: npt.NDArray[np.bool_]) -> list[Server]:
    """The queue's servers among the shifts that turned up (`present` per plan shift; -1 = no shift known)."""
    chosen = []
    for windows in queue.windows:
        if windows.shift >= 0 and not present[windows.shift]:
            continue
        server = Server(windows.starts, windows.ends, windows.proficiency)
        chosen.extend([server] * queue.queue.concurrency)
    return chosen


def replicate(plan: PlanInputs, settings: SimulationSettings, replication: int) -> Replication:
    """One independent replication; the same (settings.seed, replication) always gives the same result."""
    common = np.random.default_rng([settings.seed, replication])
    # One draw per shift shared by every queue: an agent who does not turn up is missing from all of them
    # (a queue with a higher shrinkage misses them more often).
    turn_up = common.random(plan.shifts)
    counts: list[FloatArray] = []
    size = len(plan.starts)
    for index, queue in enumerate(plan.queues):
        rng = np.random.default_rng([settings.seed, replication, index + 1])
        factors = day_factors(rng, queue.phi, len(plan.days))
        moments, interval = arrivals(rng, queue, plan, factors)
        work = handle_times(rng, queue.aht_seconds[interval], settings)
        present = turn_up >= queue.shrinkage
        staff = servers(queue, present)
        if queue.queue.kind is QueueKind.LIVE:
            patience = queue.queue.patience_seconds
            patience_draws = (
                rng.exponential(patience, size=len(moments)) if patience else np.full(len(moments), math.inf)
            )
            closes = queue.closes_seconds[interval]
            waits, answered, hung_up = live_queue(moments, work, patience_draws, staff, closes)
            target = float(queue.queue.answer_seconds or 0)
            waiting = ~answered & ~hung_up
            counts.append(
                np.stack(
                    [
                        np.bincount(interval, minlength=size).astype(float),
                        np.bincount(interval, weights=answered & (waits <= target), minlength=size),
                        np.bincount(interval, weights=hung_up, minlength=size),
                        np.bincount(interval, weights=np.where(waiting, 0.0, waits), minlength=size),
                        np.bincount(interval, weights=~waiting, minlength=size),
                        np.bincount(interval, weights=waiting, minlength=size),
                    ]
                )
            )
            continue
        carried = queue.backlog_items
        all_moments = np.concatenate([np.zeros(carried), moments])
        deadlines = np.concatenate([np.full(carried, queue.backlog_deadline_seconds), queue.deadline_seconds[interval]])
        all_work = np.concatenate([handle_times(rng, np.full(carried, queue.backlog_aht_seconds), settings), work])
        finished = deferred_queue(all_moments, deadlines, all_work, staff)
        # Late: finished after the deadline, or not finished though the deadline fell inside the horizon; counted
        # in the interval the deadline falls in (the end of interval k is (k + 1) x its length).
        late = (finished > deadlines) & np.isfinite(deadlines)
        due_interval = np.clip(np.ceil(deadlines[late] / plan.interval_seconds) - 1, 0, size - 1).astype(np.int64)
        arrived_in = np.concatenate([np.zeros(carried, dtype=np.int64), interval])
        done = np.isfinite(finished)
        counts.append(
            np.stack(
                [
                    np.bincount(arrived_in, minlength=size).astype(float),
                    np.bincount(due_interval, minlength=size).astype(float),
                    np.bincount(arrived_in, weights=done, minlength=size),
                    np.bincount(arrived_in, weights=np.where(done, finished - all_moments, 0.0), minlength=size),
                ]
            )
        )
    return Replication(counts=tuple(counts))
