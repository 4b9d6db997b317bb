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
from wfm.scheduling.problem import AgentData, ProblemData, ShiftOption
from wfm.scheduling.result import Segment, ShiftAssignment


@dataclass(frozen=True)
class FrozenDays:
    days: tuple[dt.date, ...]  # horizon days to keep as published
    shifts: tuple[ShiftAssignment, ...]  # the published plan's shifts (any days; those on `days` are kept)
    segments: tuple[Segment, ...]  # the published plan's activities
    agents: tuple[str, ...] = ()  # agents of the published plan (an agent without a shift there was off)
    # Intraday re-plan: from this moment to the end of its day, the kept shifts' queues and the breaks not yet
    # taken may change (shifts keep their times); everything before it, and every other day, stays as published.
    until: dt.datetime | None = None

    def free(self, moment: dt.datetime) -> bool:
        """Whether activity starting at `moment` in a kept shift may change (an intraday re-plan's rest of day)."""
        if self.until is None:
            return False
        day_end = dt.datetime.combine(self.until.date() + dt.timedelta(days=1), dt.time())
        return self.until <= moment < day_end


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
        taken, later = _taken_breaks(data, agent, options, published, frozen) if frozen.until is not None else ((), ())
        agents.append(dataclasses.replace(agent, options=tuple(options), published_days=must_work, taken_breaks=taken,
                                          published_breaks=later))  # fmt: skip
    replan_from = replan_until = None
    if frozen.until is not None:
        replan_from = grid.index_of(frozen.until)
        replan_until = grid.index_of(dt.datetime.combine(frozen.until.date() + dt.timedelta(days=1), dt.time()))
    data = dataclasses.replace(data, agents=tuple(agents), replan_from=replan_from, replan_until=replan_until)
    return data, kept, repairs


def _taken_breaks(
    data: ProblemData,
    agent: AgentData,
    options: list[ShiftOption],
    published: dict[tuple[str, dt.date], ShiftAssignment],
    frozen: FrozenDays,
) -> tuple[tuple[tuple[int, int, int], ...], tuple[tuple[int, int, int], ...]]:
    """(day, break rule index, offset) of each published break of a kept shift that started before `until`
    (taken), and of each one not taken yet (published, free to move).

    A shift's published breaks are matched to its template's break rules in order, kind by kind (the first
    published lunch is the first lunch rule), as decode placed them."""
    assert frozen.until is not None
    grid = data.grid
    agent_id = agent.agent.agent_id
    out: list[tuple[int, int, int]] = []
    later: list[tuple[int, int, int]] = []
    for option in options:
        shift = published.get((agent_id, grid.date_of(option.day)))
        if shift is None or grid.start_of(option.start) != shift.start:
            continue
        template = data.scenario.site.template_by_id[option.template_id]
        kinds = {rule.kind for rule in template.breaks}
        breaks = sorted(
            (s for s in frozen.segments if s.agent_id == agent_id and s.activity in kinds
             and shift.start <= s.start < shift.end),
            key=lambda s: s.start,
        )  # fmt: skip
        for index, rule in enumerate(template.breaks):
            same_kind = [s for s in breaks if s.activity == rule.kind]
            if not same_kind:
                continue
            segment = same_kind[0]
            breaks.remove(segment)
            # Taken (before `until`), or after the re-planned day (a shift across midnight): kept where it was;
            # not taken yet: where the re-plan would rather leave it (`published_breaks`).
            where = (option.day, index, grid.index_of(segment.start) - option.start)
            (later if frozen.free(segment.start) else out).append(where)
    return tuple(out), tuple(later)


def published_activities(
    segments: Sequence[Segment], frozen: FrozenDays, kept: set[tuple[str, dt.date]]
) -> list[Segment]:
    """The plan's activities with those of every kept published shift replaced by the published ones (a kept
    shift is the agent's one option that day and must be worked, so the plan has it with the same times).

    In an intraday re-plan (`frozen.until`), a kept shift's activities from `until` to the end of that day are
    the new plan's: a published segment across `until` ends there, the re-planned one across it starts there,
    and the two are one segment again where they are the same activity."""
    spans: dict[str, list[tuple[dt.datetime, dt.datetime]]] = defaultdict(list)
    for shift in frozen.shifts:
        if (shift.agent_id, shift.date) in kept:
            spans[shift.agent_id].append((shift.start, shift.end))

    def inside(segment: Segment) -> bool:
        return any(start <= segment.start < end for start, end in spans.get(segment.agent_id, ()))

    new = [s for s in segments if not inside(s)]
    if frozen.until is None:
        new += [s for s in frozen.segments if inside(s)]
        return sorted(new, key=lambda s: (s.agent_id, s.start))
    cut = frozen.until
    day_end = dt.datetime.combine(cut.date() + dt.timedelta(days=1), dt.time())
    # Kept shifts: the new plan's activity inside [cut, day_end), the published one outside it (before now, and
    # after midnight for a shift across it), each segment clipped to its side.
    for segment in segments:
        if inside(segment) and segment.end > cut and segment.start < day_end:
            new.append(dataclasses.replace(segment, start=max(segment.start, cut), end=min(segment.end, day_end)))
    for segment in frozen.segments:
        if not inside(segment):
            continue
        if segment.start < cut:
            new.append(dataclasses.replace(segment, end=min(segment.end, cut)))
        if segment.end > day_end:
            new.append(dataclasses.replace(segment, start=max(segment.start, day_end)))
    return _joined(sorted(new, key=lambda s: (s.agent_id, s.start)))


def _joined(segments: list[Segment]) -> list[Segment]:
    """Adjacent segments of one agent with the same activity and queue, as one."""
    out: list[Segment] = []
    for segment in segments:
        last = out[-1] if out else None
        if (
            last is not None and last.agent_id == segment.agent_id and last.end == segment.start
            and (last.activity, last.queue) == (segment.activity, segment.queue)
        ):  # fmt: skip
            out[-1] = dataclasses.replace(last, end=segment.end)
        else:
            out.append(segment)
    return out


def published_blocks(
    ctx: ModelContext, frozen: FrozenDays, kept: set[tuple[str, dt.date]], *, free: bool = False
) -> dict[tuple[int, int], str | None]:
    """(agent index, block first interval) -> the queue each kept published shift works in that block (None:
    no queue), read from the published activities as `plan_decisions` reads a plan. The blocks an intraday
    re-plan may change are left out, or with `free` are the only ones returned."""
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
        if frozen.free(grid.start_of(first)) != free:
            continue  # an intraday re-plan's rest of the day: free (and only it, when asked for)
        if any(start <= first < end for start, end in spans.get(a, ())):
            blocks.setdefault((a, first), None)
            if decisions.get(var.index):
                blocks[a, first] = queue_id
    return blocks
