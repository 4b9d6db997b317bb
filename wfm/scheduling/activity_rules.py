"""Floor-ready activity rules: stints a team can work, and queue changes only where they pay.

A *stint* is the time one agent spends on one queue within a shift: consecutive work on the same queue, with the
breaks, fixed activities and closed time between its parts and next to it included (a break between two stints
on the same queue is no change). Its span runs from the end of the previous stint's work (for the first stint:
its own first work, or the break right before it) to the start of the next stint's work (for the last: its own
last work, or the break right after it). A *queue change* is a move from one stint to the next on another
queue. The minimum stint binds agents skilled for two or more queues (one queue leaves nothing to change).

Rules (each a plug-in with `add_to_model`, an independent `audit` that reads only the plan, and `limits`):
- `MinStint`: every stint spans at least `min_stint_minutes` ([rules], or the queue's own), unless a fixed
  activity (training, a meeting) ends it;
- `MaxQueueChanges`: at most `max_queue_changes_per_shift` changes in a shift ([rules], or the contract's own).
And two soft terms (`add_activity_costs`): `[weights] queue_change` per change and `off_home_hour` per hour on
another office's queue.

In the model only multi-skilled agents have queue choices (y[a, q, b] per block b of `rules.block_minutes`), so
the rules add variables for them alone. Consecutive blocks with choices that one shift can hold are *linked*.
- Minimum stint: where a stint on q starts in block b (y[q, b] - y[q, previous linked block] = 1), q is worked
  in the next blocks up to the minimum: y[q, b + j] >= that start, until a fixed activity comes first; where q
  cannot be worked in one of them (closed, or no shift reaches) no stint on q starts at b. So a stint is never
  shorter, whether a change, the shift's end or a closing queue follows it.
- Queue changes: one start literal s[a, b] >= y[q, b] - y[q, previous] per block; a shift's changes are its
  stints less one, so at most `max + 1` starts among the blocks a day's shift options cover (one shift a day;
  where two days' options share blocks, as night shifts do, per shift option instead, enforced when worked).
  Counting starts, time off the queues between two stints costs nothing extra and a stint back on the same
  queue counts as a change: the model's count is never below the plan's (decode puts time off the queues on the
  neighbouring stint's queue, which only merges stints).
- `queue_change`: each stint start costs it (so each change does).
Days kept as published (the nightly freeze) are exempt: a plan published before these rules must not make a
night impossible. The warm start plans each shift's stints with `plan_stints`, a small dynamic programme under
the same rules, so its plan keeps them.
"""

from __future__ import annotations

import datetime as dt
import itertools
import math
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from functools import partial
from typing import TYPE_CHECKING, Any

from ortools.sat.python import cp_model

from wfm.domain import Agent, Site
from wfm.scheduling.problem import AgentData, ProblemData, ShiftOption
from wfm.scheduling.result import ScheduleResult, Segment, ShiftAssignment
from wfm.scheduling.rules import Rule, Violation

if TYPE_CHECKING:
    from wfm.scheduling.context import ModelContext

NOT_A_STINT = frozenset({"work", "break", "lunch", "available", "time_off"})  # other activities are fixed ones


def min_stint_minutes(site: Site, queue_id: str) -> int:
    queue = site.queue_by_id.get(queue_id)
    own = queue.min_stint_minutes if queue is not None else None
    return site.rules.min_stint_minutes if own is None else own


def max_queue_changes(site: Site, agent: Agent) -> int | None:
    own = site.contract_by_id[agent.contract].max_queue_changes_per_shift
    return site.rules.max_queue_changes_per_shift if own is None else own


# --------------------------------------------------------------------------------------------------------------
# The plan's stints (audits and KPIs)


@dataclass(frozen=True)
class Stint:
    queue: str
    span_start: dt.datetime
    span_end: dt.datetime
    ended_by_activity: bool  # a fixed activity starts between its last work and the next stint

    @property
    def minutes(self) -> float:
        return (self.span_end - self.span_start).total_seconds() / 60


def shift_stints(shift: ShiftAssignment, segments: Sequence[Segment]) -> list[Stint]:
    """The stints of one shift, from its agent's segments (any order; only those inside the shift are read)."""
    inside = sorted(
        (s for s in segments if s.agent_id == shift.agent_id and shift.start <= s.start < shift.end),
        key=lambda s: s.start,
    )
    runs: list[list[Segment]] = []  # work segments merged by queue
    for segment in inside:
        if segment.activity != "work" or segment.queue is None:
            continue
        if runs and runs[-1][-1].queue == segment.queue:
            runs[-1].append(segment)
        else:
            runs.append([segment])
    fixed = [s.start for s in inside if s.activity not in NOT_A_STINT]
    breaks = {(s.start, s.end) for s in inside if s.activity in ("break", "lunch")}

    def breaks_before(moment: dt.datetime) -> dt.datetime:  # a break (or several) right before `moment`
        while (earlier := next((start for start, end in breaks if end == moment), None)) is not None:
            moment = earlier
        return moment

    def breaks_after(moment: dt.datetime) -> dt.datetime:
        while (later := next((end for start, end in breaks if start == moment), None)) is not None:
            moment = later
        return moment

    stints = []
    for i, run in enumerate(runs):
        last_work = run[-1].end
        span_start = runs[i - 1][-1].end if i > 0 else breaks_before(run[0].start)
        span_end = runs[i + 1][0].start if i + 1 < len(runs) else breaks_after(last_work)
        until = span_end if i + 1 < len(runs) else shift.end  # where a fixed activity would end the stint
        ended = any(last_work <= t <= until for t in fixed)
        stints.append(Stint(str(run[0].queue), span_start, span_end, ended))
    return stints


def _replanned(data: ProblemData, first: int) -> bool:
    """Whether block `first` is on the day an intraday re-plan changes: the stint rules then hold on that whole day
    as on any other (the published morning keeps them, and a stint across the cut is judged whole)."""
    if data.replan_from is None or data.replan_until is None:
        return False
    day = round(24 * 60 / data.grid.interval_minutes)
    return data.replan_until - day <= first < data.replan_until


def _replanned_option(data: ProblemData, option: ShiftOption) -> bool:
    return (
        data.replan_from is not None
        and data.replan_until is not None
        and (option.start < data.replan_until and option.end > data.replan_from)
    )


def _published_shift(data: ProblemData, agent: AgentData, shift: ShiftAssignment) -> bool:
    """A shift of a published day, audited when it was published; one re-planned intraday is audited again."""
    if data.replan_from is not None and data.replan_until is not None:
        grid = data.grid
        if shift.start < grid.start_of(data.replan_until) and shift.end > grid.start_of(data.replan_from):
            return False
    return (shift.date - data.grid.origin.date()).days in agent.published_days


def _shifts_to_audit(data: ProblemData, plan: ScheduleResult) -> list[tuple[ShiftAssignment, list[Segment]]]:
    """The plan's shifts of cross-trained agents (two or more queues), days kept as published left out."""
    agents = {agent.agent.agent_id: agent for agent in data.agents}
    by_agent: dict[str, list[Segment]] = defaultdict(list)
    for segment in plan.segments:
        by_agent[segment.agent_id].append(segment)
    return [
        (shift, by_agent.get(shift.agent_id, []))
        for shift in plan.shifts
        if (agent := agents.get(shift.agent_id)) is not None
        and len(agent.proficiency) > 1
        and not _published_shift(data, agent, shift)
    ]


# --------------------------------------------------------------------------------------------------------------
# The model's view: each multi-skilled agent's blocks with queue choices, and the links between them


@dataclass
class _AgentBlocks:
    choices: dict[int, dict[str, cp_model.IntVar]]  # block first interval -> queue -> y
    links: list[tuple[int, int]]  # consecutive blocks with choices that one shift can hold
    exempt: set[int]  # blocks of days kept as published


def _agent_blocks(ctx: ModelContext) -> dict[int, _AgentBlocks]:
    """Per multi-skilled agent (index), their queue-choice blocks; cached on the model context."""
    if "activity_blocks" in ctx.cache:
        return ctx.cache["activity_blocks"]  # type: ignore[no-any-return]
    data = ctx.data
    block = data.block_intervals
    rest = round(data.scenario.site.rules.min_rest_hours * 60 / data.grid.interval_minutes)
    choices: dict[int, dict[int, dict[str, cp_model.IntVar]]] = defaultdict(lambda: defaultdict(dict))
    for (a, queue_id, first), var in ctx.y.items():
        choices[a][first][queue_id] = var
    out: dict[int, _AgentBlocks] = {}
    for a, blocks in choices.items():
        agent = data.agents[a]
        exempt: set[int] = set()
        spans = []
        for option in agent.options:
            spans.append((option.start, option.end))
            if option.day in agent.published_days:
                exempt.update(
                    first for first in blocks if option.covers(first, first + block) and not _replanned(data, first)
                )
        ordered = sorted(blocks)
        links = [
            (b, b2)
            for b, b2 in itertools.pairwise(ordered)
            if b2 - b < max(rest, block + 1)
            and b not in exempt
            and b2 not in exempt
            and any(start <= b and b2 + block <= end for start, end in spans)
        ]
        out[a] = _AgentBlocks(choices=dict(blocks), links=links, exempt=exempt)
    ctx.cache["activity_blocks"] = out
    return out


def _stint_starts(ctx: ModelContext) -> dict[tuple[int, int], cp_model.IntVar]:
    """(agent index, block) -> 1 when a stint starts in that block: the agent works a queue there that they
    did not work in the linked block before it (or there is none). A shift's queue changes are its stint starts
    less one."""
    if "stint_starts" in ctx.cache:
        return ctx.cache["stint_starts"]  # type: ignore[no-any-return]
    starts: dict[tuple[int, int], cp_model.IntVar] = {}
    for a, blocks in _agent_blocks(ctx).items():
        previous = {b2: b for b, b2 in blocks.links}
        for b, here in blocks.choices.items():
            if b in blocks.exempt:
                continue
            before = blocks.choices.get(previous[b], {}) if b in previous else {}
            start = ctx.model.new_bool_var(f"ss_{a}_{b}")
            for queue_id, var in here.items():
                carried = before.get(queue_id)
                ctx.model.add(start >= var - carried if carried is not None else start >= var)
            starts[a, b] = start
            ctx.derivations.append(partial(_derive_start, start, here, before))
    ctx.cache["stint_starts"] = starts
    return starts


def _derive_start(
    start: cp_model.IntVar, here: dict[str, cp_model.IntVar], before: dict[str, cp_model.IntVar], values: dict[int, int]
) -> None:
    def worked(var: cp_model.IntVar | None) -> bool:
        return var is not None and bool(values.get(var.index, 0))

    values[start.index] = int(any(worked(var) and not worked(before.get(q)) for q, var in here.items()))


def _day_blocks(ctx: ModelContext, a: int) -> dict[int, list[int]]:
    """Day -> the agent's non-published blocks with queue choices that a shift option of that day covers."""
    data = ctx.data
    blocks = _agent_blocks(ctx)[a]
    agent = data.agents[a]
    out: dict[int, set[int]] = defaultdict(set)
    for option in agent.options:
        if option.day in agent.published_days and not _replanned_option(data, option):
            continue
        out[option.day].update(
            b for b in blocks.choices if b not in blocks.exempt and option.covers(b, b + data.block_intervals)
        )
    return {day: sorted(found) for day, found in out.items() if found}


class MinStint(Rule):
    id = "min_stint"
    description = "Every stint on a queue lasts at least the minimum stint, unless a fixed activity ends it."

    def limits(self, data: ProblemData, agent: AgentData) -> str:
        minutes = sorted({min_stint_minutes(data.scenario.site, q) for q in agent.proficiency})
        return f"stints of at least {'/'.join(str(m) for m in minutes)} minutes"

    def add_to_model(self, ctx: ModelContext) -> None:
        data = ctx.data
        site = data.scenario.site
        block = data.block_intervals
        block_minutes = block * data.grid.interval_minutes
        for a, blocks in _agent_blocks(ctx).items():
            agent = data.agents[a]
            busy = {t for start, end, _ in agent.activities for t in range(start, end)}
            previous = {b2: b for b, b2 in blocks.links}
            for b, here in blocks.choices.items():
                if b in blocks.exempt:
                    continue
                for queue_id, var in here.items():
                    length = math.ceil(min_stint_minutes(site, queue_id) / block_minutes)
                    if length <= 1:
                        continue
                    before = previous.get(b)
                    carried = blocks.choices[before].get(queue_id) if before is not None else None
                    starts = var - carried if carried is not None else var  # 1 when a stint on the queue starts
                    for j in range(1, length):
                        t = b + j * block
                        if any(i in busy for i in range(t, t + block)) or t in blocks.exempt:
                            break  # a fixed activity ends the stint (or a published day begins)
                        after = blocks.choices.get(t, {}).get(queue_id)
                        if after is None:  # the queue closes, or no shift reaches: no stint may start here
                            ctx.model.add(starts <= 0)
                            break
                        ctx.model.add(after >= starts)

    def audit(self, data: ProblemData, plan: ScheduleResult) -> list[Violation]:
        site = data.scenario.site
        out = []
        for shift, segments in _shifts_to_audit(data, plan):
            for stint in shift_stints(shift, segments):
                least = min_stint_minutes(site, stint.queue)
                if stint.minutes + 1e-6 < least and not stint.ended_by_activity:
                    out.append(
                        Violation(
                            self.id,
                            shift.agent_id,
                            shift.date,
                            f"{stint.queue} {stint.span_start:%H:%M}-{stint.span_end:%H:%M} lasts "
                            f"{stint.minutes:.0f} minutes (at least {least})",
                        )
                    )
        return out


class MaxQueueChanges(Rule):
    id = "max_queue_changes"
    description = "A shift changes queue at most the allowed number of times."

    def limits(self, data: ProblemData, agent: AgentData) -> str:
        most = max_queue_changes(data.scenario.site, agent.agent)
        return "no limit on queue changes" if most is None else f"at most {most} queue changes a shift"

    def add_to_model(self, ctx: ModelContext) -> None:
        data = ctx.data
        site = data.scenario.site
        if all(max_queue_changes(site, agent.agent) is None for agent in data.agents):
            return
        starts = _stint_starts(ctx)
        block = data.block_intervals
        for a in _agent_blocks(ctx):
            agent = data.agents[a]
            most = max_queue_changes(site, agent.agent)
            if most is None:
                continue
            # One shift a day: at most `most` + 1 stints among the blocks a day's shift options cover. Where
            # two days' options share blocks (night shifts), per shift option instead, enforced when worked.
            by_day = _day_blocks(ctx, a)
            days_of: dict[int, int] = defaultdict(int)
            for blocks in by_day.values():
                for b in blocks:
                    days_of[b] += 1
            for day, blocks in by_day.items():
                if all(days_of[b] == 1 for b in blocks):
                    if len(blocks) > most + 1:
                        ctx.model.add(sum(starts[a, b] for b in blocks) <= most + 1)
                    continue
                for o, option in enumerate(agent.options):
                    if option.day != day:
                        continue
                    inside = [b for b in blocks if option.covers(b, b + block)]
                    if len(inside) > most + 1:
                        ctx.model.add(sum(starts[a, b] for b in inside) <= most + 1).only_enforce_if(ctx.x[a, o])

    def audit(self, data: ProblemData, plan: ScheduleResult) -> list[Violation]:
        site = data.scenario.site
        out = []
        for shift, segments in _shifts_to_audit(data, plan):
            most = max_queue_changes(site, data.scenario.agent_by_id[shift.agent_id])
            stints = shift_stints(shift, segments)
            if most is not None and len(stints) - 1 > most:
                path = " > ".join(s.queue for s in stints)
                out.append(Violation(self.id, shift.agent_id, shift.date, f"{len(stints) - 1} queue changes ({path})"))
        return out


ACTIVITY_RULES: tuple[Rule, ...] = (MinStint(), MaxQueueChanges())


def add_activity_costs(ctx: ModelContext) -> None:
    """The soft terms: `queue_change` per change, `off_home_hour` per hour on another office's queue."""
    data = ctx.data
    weights = data.scenario.site.weights
    if weights.queue_change > 0:
        # Each stint costs it, so each change does (a shift's changes are its stints less one). No credit back
        # for the first stint: every term stays non-negative, as the relaxation bounds need.
        for start in _stint_starts(ctx).values():
            ctx.objective.append((weights.queue_change, start))
    if weights.off_home_hour > 0:
        block_hours = data.block_intervals * data.grid.interval_minutes / 60
        site = data.scenario.site
        for (a, queue_id, _), var in ctx.y.items():
            if site.queue_by_id[queue_id].office != data.agents[a].agent.office:
                ctx.objective.append((weights.off_home_hour * block_hours, var))


def queue_change_counts(plan_shifts: Sequence[ShiftAssignment], segments: Sequence[Segment]) -> dict[str, Any]:
    """Per plan: queue changes per shift (mean, max) and stints by length, for the KPIs and the benches."""
    by_agent: dict[str, list[Segment]] = defaultdict(list)
    for segment in segments:
        by_agent[segment.agent_id].append(segment)
    changes, short = [], 0
    lengths: list[float] = []
    for shift in plan_shifts:
        stints = shift_stints(shift, by_agent.get(shift.agent_id, []))
        changes.append(max(0, len(stints) - 1))
        lengths += [s.minutes for s in stints]
        short += sum(1 for s in stints if s.minutes < 60 and not s.ended_by_activity)
    return {
        "shifts": len(changes),
        "queue_changes_mean": sum(changes) / len(changes) if changes else 0.0,
        "queue_changes_max": max(changes, default=0),
        "stints": len(lengths),
        "stints_under_60_min": short,
    }


def plan_stints(
    blocks: Sequence[int],
    gains: Sequence[dict[str, float]],
    *,
    block: int,
    busy: set[int],
    min_blocks: dict[str, int],
    max_changes: int | None,
    change_cost: float,
) -> list[str | None]:
    """The queue (or None: off the queues) for each of one shift's blocks with queue choices that gains most in
    total, less `change_cost` per change, under the model's own stint rules (for the warm start, whose plans
    must keep every rule the model has).

    `blocks`: the blocks' first intervals in time order (all inside the shift); `gains[i]`: the value of working
    each queue open in block i; `busy`: intervals of fixed activities. A stint started in block b must stay on
    its queue for the next `min_blocks[q] - 1` blocks in time unless a fixed activity comes first; a queue change
    is a move to another queue or off the queues, or back on from off them."""
    count = len(blocks)
    if count == 0:
        return []

    def cut_by_activity(after: int) -> bool:
        """A fixed activity in the time block right after block `after` (as the model's stint chain reads it)."""
        return any(t in busy for t in range(after + block, after + 2 * block))

    # state: (queue or None, blocks still owed to the stint, changes so far) -> (value, previous state, choice)
    State = tuple[str | None, int, int]
    layers: list[dict[State, tuple[float, State | None]]] = []
    first: dict[State, tuple[float, State | None]] = {(None, 0, 0): (0.0, None)}
    for opening, gain in gains[0].items():
        first[opening, min_blocks.get(opening, 1) - 1, 0] = (gain, None)
    layers.append(first)
    for i in range(1, count):
        gap = blocks[i] - blocks[i - 1]
        cut = gap > block and cut_by_activity(blocks[i - 1])
        layer: dict[State, tuple[float, State | None]] = {}
        for state, (value, _) in layers[-1].items():
            queue_id, owed, changes = state
            if cut:
                owed = 0
            elif owed > 0 and gap > block:  # the stint owed blocks where its queue cannot be worked
                continue
            options: list[str | None] = [None, *gains[i]]
            for choice in options:
                if owed > 0 and choice != queue_id:
                    continue
                moved = (queue_id is not None and choice != queue_id) or (queue_id is None and choice is not None)
                spent = changes + int(moved)
                if max_changes is not None and spent > max_changes:
                    continue
                if choice is None:
                    left = 0
                elif choice == queue_id:
                    left = max(0, owed - 1)
                else:
                    left = min_blocks.get(choice, 1) - 1
                total = value + (gains[i][choice] if choice is not None else 0.0) - change_cost * int(moved)
                key = (choice, left, spent)
                if key not in layer or total > layer[key][0]:
                    layer[key] = (total, state)
        layers.append(layer)
    last = blocks[-1]
    finals = [(value, state) for state, (value, _) in layers[-1].items() if state[1] == 0 or cut_by_activity(last)]
    _, state = max(finals, key=lambda item: item[0])
    choices: list[str | None] = []
    for i in range(count - 1, -1, -1):
        choices.append(state[0])
        previous = layers[i][state][1]
        if previous is None:
            break
        state = previous
    return list(reversed(choices))
