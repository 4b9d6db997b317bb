"""Published days kept as they were: the nightly re-plan may not move a shift a team lead has already printed.

A frozen day keeps, for every agent of the published plan, exactly their published shift (or their day off):
the agent's shift options that day are cut down to that one shift (or to none) before the model is built, so
the model, its warm start and its bounds all see the same fixed day at no extra cost. After the solve, the
published activities (queues, breaks) of those shifts replace what decode made of them, so the day reads
exactly as published. The one exception is a published shift that has become impossible (new time off, an
availability change): that agent's day is re-planned with all its options, and the repair is reported.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

from wfm.scheduling.context import ModelContext
from wfm.scheduling.decisions import plan_decisions
from wfm.scheduling.problem import ProblemData, ShiftOption
from wfm.scheduling.result import Segment, ShiftAssignment


@dataclass(frozen=True)
class FrozenDays:
    days: tuple[dt.date, ...]  # horizon days to keep as published
    shifts: tuple[ShiftAssignment, ...]  # the published plan's shifts (any days; those on `days` are kept)
    segments: tuple[Segment, ...]  # the published plan's activities
    agents: tuple[str, ...] = ()  # agents of the published plan (an agent without a shift there was off)


def restrict_to_published(
    data: ProblemData, frozen: FrozenDays
) -> tuple[ProblemData, set[tuple[str, dt.date]], list[str]]:
    """`data` with each frozen agent-day cut to its published shift (or to none for a published day off).

    Returns the new data, the (agent, day) pairs kept as published, and one line per repaired agent-day.
    Agents new since the published plan are free on every day.
    """
    grid = data.grid
    frozen_days = {d for d in frozen.days if d in {grid.date_of(i) for i in range(grid.days)}}
    published: dict[tuple[str, dt.date], ShiftAssignment] = {
        (s.agent_id, s.date): s for s in frozen.shifts if s.date in frozen_days
    }
    known = set(frozen.agents) | {s.agent_id for s in frozen.shifts}
    kept: set[tuple[str, dt.date]] = set()
    repairs: list[str] = []
    agents = []

    def published_option(option: ShiftOption, shift: ShiftAssignment) -> bool:
        return option.template_id == shift.template_id and grid.start_of(option.start) == shift.start

    for agent in data.agents:
        agent_id = agent.agent.agent_id
        if agent_id not in known:
            agents.append(agent)
            continue
        repaired: set[dt.date] = set()
        for day in sorted(frozen_days):
            shift = published.get((agent_id, day))
            possible = shift is None or any(
                grid.date_of(o.day) == day and published_option(o, shift) for o in agent.options
            )
            if possible:
                kept.add((agent_id, day))
                continue
            # The published shift cannot be worked any more: re-plan this agent's day, nothing else.
            assert shift is not None
            repaired.add(day)
            repairs.append(
                f"agent {agent_id}: the published shift on {day:%a %d %b} ({shift.start:%H:%M}-"
                f"{shift.end:%H:%M}, {shift.template_id}) is no longer possible (time off or availability); "
                "that day was re-planned"
            )
        must_work = frozenset(
            d for d in range(grid.days)
            if (day := grid.date_of(d)) in frozen_days and day not in repaired and (agent_id, day) in published
        )  # fmt: skip
        options = []
        for option in agent.options:  # in their original order
            day = grid.date_of(option.day)
            shift = published.get((agent_id, day))
            if day not in frozen_days or day in repaired or (shift is not None and published_option(option, shift)):
                options.append(option)
        agents.append(dataclasses.replace(agent, options=tuple(options), published_days=must_work))
    return dataclasses.replace(data, agents=tuple(agents)), kept, repairs


def published_activities(
    segments: Sequence[Segment], frozen: FrozenDays, kept: set[tuple[str, dt.date]]
) -> list[Segment]:
    """The plan's activities with those of every kept published shift replaced by the published ones (a kept
    shift is the agent's one option that day and must be worked, so the plan has it with the same times)."""
    spans: dict[str, list[tuple[dt.datetime, dt.datetime]]] = defaultdict(list)
    for shift in frozen.shifts:
        if (shift.agent_id, shift.date) in kept:
            spans[shift.agent_id].append((shift.start, shift.end))

    def inside(segment: Segment) -> bool:
        return any(start <= segment.start < end for start, end in spans.get(segment.agent_id, ()))

    new = [s for s in segments if not inside(s)]
    new += [s for s in frozen.segments if inside(s)]
    return sorted(new, key=lambda s: (s.agent_id, s.start))


def published_blocks(
    ctx: ModelContext, frozen: FrozenDays, kept: set[tuple[str, dt.date]]
) -> dict[tuple[int, int], str | None]:
    """(agent index, block first interval) -> the queue each kept published shift works in that block (None:
    no queue), read from the published activities as `plan_decisions` reads a plan."""
    shifts = [s for s in frozen.shifts if (s.agent_id, s.date) in kept]
    decisions = plan_decisions(ctx, shifts, frozen.segments)
    if decisions is None:
        return {}  # the published plan no longer fits the model's queues: only the shifts are kept
    grid = ctx.data.grid
    index_of = {agent.agent.agent_id: a for a, agent in enumerate(ctx.data.agents)}
    spans: dict[int, list[tuple[int, int]]] = defaultdict(list)
    for shift in shifts:
        if shift.agent_id in index_of:
            spans[index_of[shift.agent_id]].append((grid.index_of(shift.start), grid.index_ceil(shift.end)))
    blocks: dict[tuple[int, int], str | None] = {}
    for (a, queue_id, first), var in ctx.y.items():
        if any(start <= first < end for start, end in spans.get(a, ())):
            blocks.setdefault((a, first), None)
            if decisions.get(var.index):
                blocks[a, first] = queue_id
    return blocks
