"""Turn the solver's choices into a plan people read: shifts, staggered breaks, queue segments, overtime."""

from __future__ import annotations

import datetime as dt
import itertools
from collections import defaultdict
from functools import partial

import numpy as np

from wfm.domain import QueueKind
from wfm.scheduling.activity_rules import max_queue_changes, min_stint_minutes
from wfm.scheduling.breaks import rule_candidates, stagger_breaks
from wfm.scheduling.problem import (
    AgentData,
    ProblemData,
    ShiftOption,
    break_window,
    leave_credit_minutes,
    week_limits,
)
from wfm.scheduling.result import Segment, ShiftAssignment

# What taking an agent off for one interval is worth when placing breaks (higher = better moment).
_OFF_QUEUE_VALUE = 10.0  # on shift but no open queue to work: a break costs nothing
_DEFERRED_VALUE = 0.5  # deferred work waits a few minutes without harm


class _Board:
    """Proficiency-weighted staff per queue and interval as the plan is decoded, to place breaks well."""

    def __init__(self, data: ProblemData) -> None:
        self.data = data
        self.staffed = {q: np.zeros(data.grid.size) for q in data.demand}

    def shortfall(self, queue_id: str, t: int) -> float:
        return float(self.data.demand[queue_id].required_agents[t] - self.staffed[queue_id][t])

    def off_value(self, queue_id: str | None, t: int) -> float:
        if queue_id is None:
            return _OFF_QUEUE_VALUE
        if self.data.demand[queue_id].queue.kind is QueueKind.DEFERRED:
            return _DEFERRED_VALUE
        return -self.shortfall(queue_id, t)


def decode(
    data: ProblemData, chosen: list[tuple[int, int]], queue_blocks: dict[tuple[int, int], str], *, seed: int = 0
) -> tuple[list[ShiftAssignment], list[Segment], dict[tuple[str, dt.date], float]]:
    grid = data.grid
    board = _Board(data)
    plans: list[tuple[AgentData, ShiftOption, list[str | None], list[str]]] = []
    for a, o in sorted(chosen):
        agent = data.agents[a]
        option = agent.options[o]
        activity = ["work"] * (option.end - option.start)
        queue: list[str | None] = [None] * (option.end - option.start)
        for start, end, name in agent.activities:
            for t in range(max(start, option.start), min(end, option.end)):
                activity[t - option.start] = name
        for i, t in enumerate(range(option.start, option.end)):
            if activity[i] != "work" or t >= grid.size:
                continue
            block_first = t - t % data.block_intervals
            assigned = queue_blocks.get((a, block_first))
            if assigned is None and len(agent.proficiency) == 1:
                only = next(iter(agent.proficiency))
                assigned = only if data.demand[only].open_mask[t] else None
            queue[i] = assigned
        plans.append((agent, option, queue, activity))
        _count(board, agent, option, queue, +1)

    # Multi-skilled time the model left unassigned (a partial block at a shift's edge, or a block the model left
    # off the queues) first extends the stint before it, else the one after it, where that queue is open: a
    # stint then only grows, and no queue change is added (wfm.scheduling.activity_rules). Time no neighbouring
    # stint can take goes where it helps most (a live gap first, then deferred), one queue per block (found by
    # the independent validator: filling interval by interval switched people every 15 minutes), but only as a
    # stint of at least the minimum; shorter, it stays `available`.
    for agent, option, queue, activity in plans:
        _fill_unassigned(data, board, agent, option, queue, activity)

    # Breaks: a greedy staggering first (always a valid placement), then an exact per-day CP-SAT model that
    # re-places them all together where taking people off costs the least service (wfm.scheduling.breaks).
    before = [(list(queue), list(activity)) for _, _, queue, activity in plans]
    staffed_before = {q: v.copy() for q, v in board.staffed.items()}
    greedy = [_place_breaks(data, board, agent, option, queue, activity, index)
              for index, (agent, option, queue, activity) in enumerate(plans)]  # fmt: skip
    shapes = [(plan[0], plan[1], *snapshot) for plan, snapshot in zip(plans, before, strict=True)]
    placed = stagger_breaks(data, shapes, staffed_before, greedy, seed=seed)
    for (_, option, queue, activity), (queue_before, activity_before), positions in zip(
        plans, before, placed, strict=True
    ):
        queue[:], activity[:] = queue_before, activity_before
        template = data.scenario.site.template_by_id[option.template_id]
        for rule, position in zip(template.breaks, positions, strict=True):
            if position is None:
                continue
            width = break_window(rule, data.grid.interval_minutes)[0]
            for i in range(position, position + width):
                activity[i] = rule.kind
                queue[i] = None

    shifts: list[ShiftAssignment] = []
    segments: list[Segment] = []
    for agent, option, queue, activity in plans:
        agent_id = agent.agent.agent_id
        shifts.append(
            ShiftAssignment(
                agent_id=agent_id,
                date=grid.date_of(option.day),
                template_id=option.template_id,
                start=grid.start_of(option.start),
                end=grid.start_of(option.end),
                paid_minutes=option.paid_minutes,
            )
        )
        labels = [
            (act, q) if act == "work" and q is not None else ("available" if act == "work" else act, None)
            for act, q in zip(activity, queue, strict=True)
        ]
        run_start = 0
        for i in range(1, len(labels) + 1):
            if i == len(labels) or labels[i] != labels[run_start]:
                act, q = labels[run_start]
                segments.append(
                    Segment(
                        agent_id,
                        grid.start_of(option.start + run_start),
                        grid.start_of(option.start + i),
                        act,
                        q,
                    )
                )
                run_start = i
    segments.extend(_time_off_segments(data))
    segments.sort(key=lambda s: (s.agent_id, s.start))
    return shifts, segments, _overtime(data, shifts)


def _count(board: _Board, agent: AgentData, option: ShiftOption, queue: list[str | None], sign: int) -> None:
    for i, t in enumerate(range(option.start, min(option.end, board.data.grid.size))):
        q = queue[i]
        if q is not None:
            board.staffed[q][t] += sign * agent.proficiency[q]


def _fill_unassigned(
    data: ProblemData,
    board: _Board,
    agent: AgentData,
    option: ShiftOption,
    queue: list[str | None],
    activity: list[str],
) -> None:
    grid = data.grid
    site = data.scenario.site
    end = min(option.end, grid.size) - option.start
    work = [i for i in range(end) if activity[i] == "work"]
    runs: list[list[int]] = []
    for i in (i for i in work if queue[i] is None):
        if runs and runs[-1][-1] == i - 1:
            runs[-1].append(i)
        else:
            runs.append([i])

    def open_at(queue_id: str, i: int) -> bool:
        return bool(data.demand[queue_id].open_mask[option.start + i])

    for run in runs:
        # the stint before extends forward, the one after backward, each as far as its queue is open
        before = next((queue[i] for i in reversed(work) if i < run[0] and queue[i] is not None), None)
        after = next((queue[i] for i in work if i > run[-1] and queue[i] is not None), None)
        if before is not None:
            forward = list(itertools.takewhile(partial(open_at, before), run))
            _assign(board, agent, option, queue, forward, before)
            run = run[len(forward) :]
        if after is not None and run:
            backward = list(itertools.takewhile(partial(open_at, after), reversed(run)))
            _assign(board, agent, option, queue, backward, after)
            run = run[: len(run) - len(backward)]
        first = run[0] if run else None
        while first is not None and first <= run[-1]:
            # a new stint only as long as the minimum, and only while the shift may still change queue
            t = option.start + first
            last = min(run[-1] + 1, first + data.block_intervals - t % data.block_intervals)
            best = _best_queue_for(board, agent, [option.start + i for i in range(first, last)])
            most = max_queue_changes(site, agent.agent)
            stints = _stint_count(queue, activity)
            if best is not None and (most is None or stints <= most):
                stretch = first
                while stretch <= run[-1] and open_at(best, stretch):
                    stretch += 1
                if (stretch - first) * grid.interval_minutes >= min_stint_minutes(site, best):
                    _assign(board, agent, option, queue, list(range(first, stretch)), best)
                    first = stretch
                    continue
            first = last


def _stint_count(queue: list[str | None], activity: list[str]) -> int:
    """Stints of a shift so far: runs of one queue, whatever non-work lies between its parts."""
    worked = [q for q, what in zip(queue, activity, strict=True) if what == "work" and q is not None]
    return sum(1 for i, q in enumerate(worked) if i == 0 or worked[i - 1] != q)


def _assign(
    board: _Board, agent: AgentData, option: ShiftOption, queue: list[str | None], indexes: list[int], queue_id: str
) -> None:
    for i in indexes:
        queue[i] = queue_id
        board.staffed[queue_id][option.start + i] += agent.proficiency[queue_id]


def _best_queue_for(board: _Board, agent: AgentData, intervals: list[int]) -> str | None:
    """One queue for all of `intervals` (part of one block): open throughout, the live queue with the largest
    total gap there if any is short, else the first deferred (or open) queue; None if none is open throughout."""
    if not intervals:
        return None
    open_queues = [q for q in agent.proficiency if all(board.data.demand[q].open_mask[t] for t in intervals)]
    if not open_queues:
        return None
    live_gaps = [
        (sum(max(0.0, board.shortfall(q, t)) for t in intervals), q)
        for q in open_queues
        if board.data.demand[q].queue.kind is QueueKind.LIVE
    ]
    live_gaps = [g for g in live_gaps if g[0] > 0]
    if live_gaps:
        return max(live_gaps)[1]
    deferred = [q for q in open_queues if board.data.demand[q].queue.kind is QueueKind.DEFERRED]
    return (deferred or open_queues)[0]


def _place_breaks(
    data: ProblemData,
    board: _Board,
    agent: AgentData,
    option: ShiftOption,
    queue: list[str | None],
    activity: list[str],
    index: int,
) -> list[int | None]:
    """Greedy staggering: each break goes where taking the agent off hurts least given breaks placed so far.
    Returns each break rule's first interval (offset in the shift), None where its window is blocked."""
    positions: list[int | None] = []
    template = data.scenario.site.template_by_id[option.template_id]
    for index_in_template, rule in enumerate(template.breaks):
        # Candidates from the current `activity`, where the breaks placed before this one are already marked:
        # computed once for all rules, a second break was drawn onto the first (found in review).
        width, candidates = rule_candidates(data, agent, option, index_in_template, rule, activity)
        if not candidates:
            positions.append(None)  # reported by the audit (work_inside_shifts): fixed activities block the window
            continue
        # Rotate ties by agent so equal-value breaks spread over the window instead of all at its start.
        rotation = index % len(candidates)
        ordered = candidates[rotation:] + candidates[:rotation]

        def value(p: int, width: int = width) -> float:
            return sum(
                board.off_value(queue[i], option.start + i) if option.start + i < data.grid.size else _OFF_QUEUE_VALUE
                for i in range(p, p + width)
            )

        best = max(ordered, key=value)
        for i in range(best, best + width):
            t = option.start + i
            q = queue[i]
            if q is not None and t < data.grid.size:
                board.staffed[q][t] -= agent.proficiency[q]
            activity[i] = rule.kind
            queue[i] = None
        positions.append(best)
    return positions


def _time_off_segments(data: ProblemData) -> list[Segment]:
    horizon_end = data.grid.start_of(data.grid.size)
    out = []
    for absence in data.scenario.time_off:
        start = max(absence.start, data.grid.origin)
        end = min(absence.end, horizon_end)
        if start < end:
            out.append(Segment(absence.agent_id, start, end, "time_off", None, absence.reason))
    return out


def _overtime(data: ProblemData, shifts: list[ShiftAssignment]) -> dict[tuple[str, dt.date], float]:
    paid: dict[tuple[str, int], int] = defaultdict(int)
    for shift in shifts:
        day = (shift.date - data.grid.origin.date()).days
        paid[shift.agent_id, day // 7] += shift.paid_minutes
    out: dict[tuple[str, dt.date], float] = {}
    for agent in data.agents:
        for w, days in enumerate(data.weeks()):
            contracted = week_limits(agent.contract, len(days)).contracted_minutes
            credit = leave_credit_minutes(agent.contract, days, agent.leave_days)
            extra = paid.get((agent.agent.agent_id, w), 0) + credit - contracted
            if extra > 1e-6:
                week_start = data.grid.date_of(days[0])
                out[agent.agent.agent_id, week_start] = round(extra / 60, 2)
    return out
