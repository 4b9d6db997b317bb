"""The warm start: a complete, rule-abiding first plan hinted to the solver, built agent by agent."""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
from ortools.sat.python import cp_model

from wfm.domain import QueueKind
from wfm.interrupt import stoppable
from wfm.scheduling.activity_rules import max_queue_changes, min_stint_minutes, plan_stints
from wfm.scheduling.context import CUSHION, ModelContext, agent_model, agent_solver, hint_every_variable, solve_agent
from wfm.scheduling.decisions import derive_all, hint_cost
from wfm.scheduling.objective import idle_hours
from wfm.scheduling.problem import AgentData, ProblemData
from wfm.scheduling.rules import HARD_RULES

HOURS_FIRST = 10  # the warm start settles contract hours first (see _best_week)


def warm_start(
    ctx: ModelContext,
    *,
    seed: int,
    seconds_per_agent: float = 1.0,
    passes: int = 2,
    extra_seconds: float | None = 0.0,
    max_passes: int = 6,
    first_pass_seconds: float | None = None,
    candidates: Sequence[dict[int, int]] = (),
    accept: Callable[[dict[int, int]], bool] | None = None,
) -> list[int]:
    """Give the solver a complete, rule-abiding first plan, so it improves a plan instead of searching for one.

    Every hard rule is per agent, so each agent's week can be made feasible alone. Agents are taken one by one
    (single-skilled first, the flexible ones last) and each gets the week that takes most cost off what is still
    uncovered (`_Cover`), in a tiny model with the same rule plug-ins. Later passes are best responses: each
    agent's week is taken out and chosen again against everybody else's, which undoes the first pass's
    myopia (early agents grabbing work that flexible agents would have covered better). When the model starts
    from a previous plan (`ctx.previous`), each agent's week keeps as many of their previous shifts as the rules
    still allow before anything else: a re-plan then moves people only where it must. Returns the agents whose
    own week was proved impossible: then no plan exists, and `explain_infeasible_agents` says why.

    After `passes`, more best-response passes run (up to `max_passes`) while each still takes at least 1 % off
    the plan's cost and another pass, as long as the last one, fits in `extra_seconds`; the cheapest plan of all
    passes is the hint. `extra_seconds=None` reads no clock (for --deterministic: the same passes on any
    machine), so only the 1 % rule and `max_passes` stop it. Measured with live service valued (sample,
    back-office surge x1.15, 5 / 5): 2 passes 6,536, 3 passes 6,236, 4 passes 5,948; with default weights the
    third pass takes 0.8 % off and the fourth nothing.

    `first_pass_seconds`: when the first pass takes longer, it is the only one (a long horizon: on Curtois & Qu
    instance 22, 50 people over a year, a pass takes 5 minutes, and a second would leave the search nothing).

    `candidates` are complete decision sets from elsewhere (`plan_decisions`: e.g. the plan of the same week with
    cross-training off) that keep this model's constraints (the caller checks: `schedule` refuses a plan that
    breaks one): when one costs less than the best pass, it is the hint, so the solve starts from it. `accept`
    (given with constraints the passes do not see, e.g. `keep_service`) rules out any plan it rejects.
    """
    data = ctx.data
    cover = _Cover(data)
    order = sorted(range(len(data.agents)), key=lambda a: (a not in ctx.single_queue, len(data.agents[a].options)))
    weeks: dict[int, _AgentWeek] = {}
    impossible: list[int] = []
    # The cheapest pass so far: its cost and its decisions with every auxiliary variable derived (the hint).
    best: tuple[float, dict[int, int] | None] = (math.inf, None)
    extra_started = time.monotonic()
    for pass_number in range(max(passes, max_passes)):
        pass_started = time.monotonic()
        for a in order:
            if not data.agents[a].options or a in impossible:
                continue
            previous = weeks.get(a)
            if previous is not None:
                for queue_id, proficiency, first, last in previous.taken:
                    cover.take(queue_id, -proficiency, first, last)
                for o in previous.options:
                    cover.take_shift(data.agents[a].options[o].day, data.agents[a].options[o].template_id, -1)
            week = _best_week(ctx, a, cover, seed=seed, seconds=seconds_per_agent)
            if week is None:  # proved impossible: no plan exists, and the caller explains why
                impossible.append(a)
                continue
            if week.unproven:  # nothing found in time (not proved impossible): keep the week of the pass before
                if previous is None:
                    continue
                week = previous
            for queue_id, proficiency, first, last in week.taken:
                cover.take(queue_id, proficiency, first, last)
            for o in week.options:
                cover.take_shift(data.agents[a].options[o].day, data.agents[a].options[o].template_id, 1)
            weeks[a] = week
        if impossible:
            break
        too_long = (
            pass_number == 0 and first_pass_seconds is not None and time.monotonic() - pass_started > first_pass_seconds
        )
        if pass_number + 1 < passes and not too_long:
            continue
        if pass_number + 1 == passes:
            extra_started = time.monotonic()
        # A pass that left an agent without a week (no week found in time) does not count: its cost would miss
        # that agent's hours.
        placed = all(a in weeks for a in order if data.agents[a].options and a not in impossible)
        values = derive_all(ctx, _decisions(ctx, weeks)) if placed else None
        cost = hint_cost(ctx, values) if values is not None else math.inf
        improved = best[0] - cost > 0.01 * abs(best[0]) if math.isfinite(best[0]) else math.isfinite(cost)
        if cost < best[0] and values is not None and (accept is None or accept(values)):
            best = (cost, values)
        last_pass = time.monotonic() - pass_started
        out_of_time = extra_seconds is not None and time.monotonic() - extra_started + last_pass > extra_seconds
        if not improved or out_of_time or too_long:
            break
    if not impossible:
        for decisions in candidates:
            values = derive_all(ctx, decisions)
            cost = hint_cost(ctx, values)
            if cost < best[0] and (accept is None or accept(values)):
                best = (cost, values)
    complete_hint(ctx, best[1] if best[1] is not None else derive_all(ctx, _decisions(ctx, weeks)))
    return sorted(impossible)


@dataclass
class _AgentWeek:
    options: set[int]  # shift options worked
    # (block first interval, a queue the agent could work) -> the queue worked (None: off the queues)
    blocks: dict[tuple[int, str], str | None]
    taken: list[tuple[str, float, int, int]]  # (queue, proficiency, first, last) recorded in the cover
    unproven: bool = False  # no week found in time (not proved impossible): no decisions hinted


def _best_week(ctx: ModelContext, a: int, cover: _Cover, *, seed: int, seconds: float) -> _AgentWeek | None:
    """Agent a's week that takes most cost off `cover` under every hard rule; None when none exists in time."""
    data = ctx.data
    grid = data.grid
    agent = data.agents[a]
    weights = data.scenario.site.weights
    site = data.scenario.site
    block_minutes = data.block_intervals * grid.interval_minutes
    sub = agent_model(data, agent, HARD_RULES)
    # An option's value: the cost its hours take off what is still uncovered, less its idle hours' cost, in
    # objective units (tenths).
    idle = idle_hours(data, a)
    requested = request_values(data, a)
    values = [
        round(10 * (sum(cover.best(agent, t)[1] for t in range(opt.start, min(opt.end, grid.size)))
                    + cover.shift_gain(opt.day, opt.template_id) + requested.get(o, 0.0)
                    - weights.idle_paid_hour * idle[o]))
        for o, opt in enumerate(agent.options)
    ]  # fmt: skip
    # Keeping a previous shift outweighs any coverage gain: 1,000 points a shift.
    kept = [o for o in range(len(agent.options)) if (a, o) in ctx.previous]
    # Contract hours weigh HOURS_FIRST times their cost: a week that misses them is hard for the solver's
    # neighbourhood search to repair (it moves a whole week of one agent), while a shift moved to where it is
    # needed is easy. Measured on the sample: the hint fell from 3,638 to 3,084 and overtime + undertime from
    # 848 to 270 (the floor is 222).
    sub.model.minimize(
        HOURS_FIRST * sum(weights.overtime_per_hour / 60 * v for v in sub.overtime.values())
        + HOURS_FIRST * sum(weights.undertime_per_hour / 60 * v for v in sub.undertime.values())
        - sum(value / 10 * sub.x[0, o] for o, value in enumerate(values))
        - sum(1000 * sub.x[0, o] for o in kept)
    )
    solver = agent_solver(seed=seed)
    # A deterministic limit: the same hint on any machine and under any load (--deterministic stays so).
    solver.parameters.max_deterministic_time = seconds
    with stoppable(solver):
        code = solve_agent(sub.model, solver, settle=True)
    if code == cp_model.INFEASIBLE:
        return None
    if code not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return _AgentWeek(options=set(), blocks={}, taken=[], unproven=True)
    week = _AgentWeek(options=set(), blocks={}, taken=[])
    for o, option in enumerate(agent.options):
        if not solver.boolean_value(sub.x[0, o]):
            continue
        week.options.add(o)
        end = min(option.end, grid.size)
        if a in ctx.single_queue:
            queue_id = ctx.single_queue[a]
            week.taken.append((queue_id, agent.proficiency[queue_id], option.start, end))
            continue
        blocks: list[tuple[int, list[str]]] = []  # this shift's whole blocks with queue choices
        for first in range(option.start - option.start % data.block_intervals, end, data.block_intervals):
            # Only blocks this shift covers whole can be worked (the model's y exist where another option covers
            # one).
            last = min(first + data.block_intervals, grid.size)
            candidates = [q for q in agent.proficiency if (a, q, first) in ctx.y]
            if option.covers(first, last) and candidates:
                blocks.append((first, candidates))
        if any((a, first) in ctx.fixed_blocks for first, _ in blocks):  # a published day: its queues, or none
            worked: list[str | None] = []
            for first, candidates in blocks:
                fixed = ctx.fixed_blocks.get((a, first))
                worked.append(fixed if fixed in candidates else None)
        else:
            # Each block goes to the queue where it takes most cost off, as stints the floor can work: the
            # activity rules' own planner (minimum stint, most changes, the change cost), so the hint keeps them.
            gains = [
                {
                    q: sum(cover.gain(q, agent.proficiency[q], t) for t in range(first, first + data.block_intervals))
                    + 1e-3  # on a queue rather than off them when nothing else differs
                    for q in candidates
                }
                for first, candidates in blocks
            ]
            worked = plan_stints(
                [first for first, _ in blocks],
                gains,
                block=data.block_intervals,
                busy={t for start, stop, _ in agent.activities for t in range(start, stop)},
                min_blocks={q: math.ceil(min_stint_minutes(site, q) / block_minutes) for q in agent.proficiency},
                max_changes=max_queue_changes(site, agent.agent),
                change_cost=weights.queue_change,
            )
        for (first, candidates), chosen in zip(blocks, worked, strict=True):
            week.blocks.update({(first, q): chosen for q in candidates})
            if chosen is not None:
                last = min(first + data.block_intervals, grid.size)
                week.taken.append((chosen, agent.proficiency[chosen], first, last))
    return week


def request_values(data: ProblemData, a: int) -> dict[int, float]:
    """Per shift option of agent a, what working it takes off the request terms (`_requests` in objective.py): a
    wanted template or a wanted working day granted, less an unwanted one or a wanted day off refused. One shift
    a day at most, so an option's value is exact."""
    agent = data.agents[a]
    values: dict[int, float] = {}
    for request in data.scenario.requests:
        if request.agent_id != agent.agent.agent_id:
            continue
        day = (request.date - data.grid.origin.date()).days
        worth = request.weight if request.wanted != request.day_off else -request.weight
        for o, option in enumerate(agent.options):
            if option.day == day and (request.day_off or option.template_id == request.shift_template):
                values[o] = values.get(o, 0.0) + worth
    return values


def _decisions(ctx: ModelContext, weeks: dict[int, _AgentWeek]) -> dict[int, int]:
    """Proto index -> value of every shift and queue-block decision of these weeks."""
    hints: dict[int, int] = {}
    for a, week in weeks.items():
        for o in range(len(ctx.data.agents[a].options)):
            hints[ctx.x[a, o].index] = int(o in week.options)
        for (first, queue_id), worked in week.blocks.items():
            hints[ctx.y[a, queue_id, first].index] = int(queue_id == worked)
    return hints


def complete_hint(ctx: ModelContext, values: dict[int, int]) -> None:
    """Hint a full solution (in place of any hint before): the decisions and every auxiliary variable derived
    from them.

    Measured on the sample: with only the decisions hinted, CP-SAT on 2 workers found no plan in 180 s, and a
    search to complete them failed for some seeds; derivation is exact and takes milliseconds.
    """
    variables = ctx.model.proto.variables

    def value_of(index: int) -> int:
        # Variables no derivation sets (the model's own constants, e.g. a fixed "true") get 0 clamped into their
        # domain: hinting 0 to a constant 1 made the whole hint infeasible, and CP-SAT then ignored it. (The
        # proto's repeated fields do not support negative indexes: domain[-1] reads 0, so index from the front.)
        domain = variables[index].domain
        return values.get(index, min(max(0, domain[0]), domain[len(domain) - 1]))

    hint_every_variable(ctx.model, value_of)


class _Cover:
    """What is still uncovered while the warm start staffs agents one by one, valued in objective units.

    Live queues: agents short of the Erlang requirement, worth `understaffing_per_agent_hour` an agent-hour.
    Deferred queues: the work done so far is simulated (work is done as soon as it has arrived and capacity
    allows: done(t) = min(arrived(t), done(t-1) + capacity(t))), so an agent at interval t is worth what the
    objective charges for the work they take off: every later interval in which work stays overdue, until the
    queue has caught up with its arrivals, at `late_work_per_hour`, plus `backlog_per_work_hour` when it never
    catches up before the horizon ends. Capacity where the queue has nothing to do is worth nothing.
    """

    def __init__(self, data: ProblemData) -> None:
        weights = data.scenario.site.weights
        self.minutes = data.grid.interval_minutes
        self.understaffing_per_interval = weights.understaffing_per_agent_hour * self.minutes / 60
        self.cushion_per_interval = weights.service_cushion_per_agent_hour * self.minutes / 60
        self.late_per_minute_interval = weights.late_work_per_hour * self.minutes / 3600  # a work-minute, 1 interval
        self.backlog_per_minute = weights.backlog_per_work_hour / 60
        self.live = {q: d.queue.kind is QueueKind.LIVE for q, d in data.demand.items()}
        self.open = {q: d.open_mask.astype(bool) for q, d in data.demand.items()}
        # With the service terms on, a live interval is also worth the contacts an agent more answers in target.
        self.unanswered, self.below_target = weights.unanswered_contact, weights.contact_below_target
        self.demand = data.demand
        # Proficiency-weighted agents recorded so far per queue and interval (deferred capacity: these agents'
        # minutes), and per live queue and interval the agents still short of the requirement.
        self.staff = {q: np.zeros(data.grid.size) for q in data.demand}
        self.short = {q: d.required_agents.astype(float).copy() for q, d in data.demand.items() if self.live[q]}
        self.arrived: dict[str, np.ndarray] = {}
        self.due: dict[str, np.ndarray] = {}
        for queue_id, demand in data.demand.items():
            if not self.live[queue_id]:
                self.arrived[queue_id] = demand.cumulative_arrival_minutes.astype(float)
                self.due[queue_id] = np.minimum(demand.cumulative_due_minutes, self.arrived[queue_id]).astype(float)
        self.worth: dict[str, np.ndarray] = {}  # objective units one work-minute at t takes off
        self.room: dict[str, np.ndarray] = {}  # work-minutes waiting at t that more capacity would take
        for queue_id in self.arrived:
            self._simulate(queue_id)
        # Shift-based demand (shift_requirements.csv): per (day, template) the people still needed (below 0: over)
        # and what one more person there is worth. Without it a plan to shift requirements alone started from
        # a warm start that saw no value in any shift (Curtois & Qu instance 12: 55,936 against 4,040 best known).
        self.shift_short: dict[tuple[int, str], int] = {}
        self.shift_weights: dict[tuple[int, str], tuple[float, float]] = {}
        for day, requirement in data.shift_requirements():
            key = (day, requirement.template)
            self.shift_short[key] = self.shift_short.get(key, 0) + requirement.required
            self.shift_weights[key] = (requirement.weight_under, requirement.weight_over)

    def _simulate(self, queue_id: str) -> None:
        arrived, due, size = self.arrived[queue_id], self.due[queue_id], len(self.staff[queue_id])
        if arrived.size != size:
            self.worth[queue_id] = self.room[queue_id] = np.zeros(size)
            return
        cumulative = np.cumsum(self.staff[queue_id] * self.minutes)
        # done(t) = min(arrived(t), done(t-1) + capacity(t)) in closed form: the tightest arrival so far binds.
        done = cumulative + np.minimum(0.0, np.minimum.accumulate(arrived - cumulative))
        caught_up = done >= arrived - 1e-9
        overdue = (due - done > 1e-9).astype(float)
        # next_caught[t]: the first interval >= t at which the queue has caught up (size when it never does).
        positions = np.where(caught_up, np.arange(size), size)
        next_caught = np.minimum.accumulate(positions[::-1])[::-1]
        overdue_before = np.concatenate([[0.0], np.cumsum(overdue)])
        overdue_until_caught = overdue_before[next_caught] - overdue_before[np.arange(size)]
        self.worth[queue_id] = self.late_per_minute_interval * overdue_until_caught + self.backlog_per_minute * (
            next_caught == size
        )
        self.room[queue_id] = np.maximum(0.0, arrived - done)

    def gain(self, queue_id: str, proficiency: float, t: int) -> float:
        """Objective units one agent at this proficiency takes off on this queue in interval t."""
        if not self.open[queue_id][t]:
            return 0.0
        if self.live[queue_id]:
            short = min(proficiency, max(0.0, float(self.short[queue_id][t])))
            value = self.understaffing_per_interval * short
            if self.cushion_per_interval > 0:
                required = float(self.demand[queue_id].required_agents[t])
                room = max(0.0, min(required * CUSHION, float(self.short[queue_id][t]) + required * CUSHION))
                value += self.cushion_per_interval * min(proficiency - short, room)
            if self.unanswered > 0 or self.below_target > 0:
                before = float(self.staff[queue_id][t])
                value += self._service_cost(queue_id, t, before) - self._service_cost(queue_id, t, before + proficiency)
            return value
        work = min(proficiency * self.minutes, float(self.room[queue_id][t]))
        return work * float(self.worth[queue_id][t])

    def _service_cost(self, queue_id: str, t: int, staff: float) -> float:
        """The service terms' cost at this staff (`_service` in objective.py): contacts lost to the target, more
        beyond its allowance, read off the concave table by linear interpolation in attending agents."""
        demand = self.demand[queue_id]
        table = demand.service[t] if t < len(demand.service) else None
        if table is None:
            return 0.0
        attending = min(staff * demand.attendance, len(table) - 1.0)
        low = int(attending)
        high = min(low + 1, len(table) - 1)
        answered = float(table[low]) + (float(table[high]) - float(table[low])) * (attending - low)
        volume = float(demand.volume[t])
        lost = max(0.0, volume - answered)
        allowed = (1.0 - (demand.queue.service_level or 0.0)) * volume
        return self.unanswered * lost + self.below_target * max(0.0, lost - allowed)

    def shift_gain(self, day: int, template_id: str) -> float:
        """Objective units one more person on this template and day takes off the shift requirements (negative:
        adds, when it is already met and people over it cost)."""
        key = (day, template_id)
        if key not in self.shift_short:
            return 0.0
        under, over = self.shift_weights[key]
        return under if self.shift_short[key] > 0 else -over

    def take_shift(self, day: int, template_id: str, people: int) -> None:
        """Record `people` (-1: one taken back) on this template and day."""
        if (day, template_id) in self.shift_short:
            self.shift_short[day, template_id] -= people

    def best(self, agent: AgentData, t: int) -> tuple[str | None, float]:
        """The skilled queue where this agent takes off most cost at interval t, and how much."""
        best: tuple[str | None, float] = (None, 0.0)
        for queue_id, proficiency in agent.proficiency.items():
            value = self.gain(queue_id, proficiency, t)
            if value > best[1]:
                best = (queue_id, value)
        return best

    def take(self, queue_id: str, proficiency: float, first: int, last: int) -> None:
        """Record an agent at this proficiency on the queue from interval `first` up to `last`."""
        hours = self.open[queue_id][first:last]
        self.staff[queue_id][first:last][hours] += proficiency
        if self.live[queue_id]:
            # decremented rather than recomputed as requirement - staff: the rounding differs, and with it which of
            # two equal-value options the warm start takes
            self.short[queue_id][first:last][hours] -= proficiency
        else:
            self._simulate(queue_id)
