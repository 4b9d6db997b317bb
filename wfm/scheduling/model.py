"""The blended CP-SAT model: variables, coverage, objective, solve.

Shape of the model (why it scales):
- x[a, o]: agent a works shift option o (a template at one start time on one day). Options that break
  availability, time off, max hours a day or rest after the previous week are never created.
- Single-skilled agents without fixed activities are interchangeable within (queue, proficiency): their coverage
  enters through one integer count per group and option, not through per-agent terms. This keeps coverage rows
  short for large operations.
- Multi-skilled agents (the blend) get y[a, q, b]: agent a works queue q for block b (rules.block_minutes, the
  minimum stint on a queue). They count on at most one queue per block, never fully on every queue at once.
- Live queues: proficiency-weighted staff against the Erlang requirement, shortfall in two tiers so that a gap
  is spread over intervals rather than concentrated.
- Deferred queues: cumulative work done per interval, bounded by capacity and by what has arrived; work due by
  an interval and not done by then is late. Deferred work is therefore free to fill the live queues' troughs.
Staff counts are in hundredths of an agent (proficiency 0.65 counts 65) to keep every constraint integral.
"""

from __future__ import annotations

import datetime as dt
import math
import time
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import partial
from typing import Any

import numpy as np
from ortools.sat.python import cp_model

from wfm.domain import QueueKind
from wfm.interrupt import stoppable
from wfm.scheduling.problem import AgentData, ProblemData, QueueDemand, is_late_shift
from wfm.scheduling.result import SolveStatus
from wfm.scheduling.rules import HARD_RULES, Rule

SCALE = 100  # staff in hundredths of an agent
SHORTFALL_TIER = 0.20  # first 20% of a requirement short costs the base weight, beyond that twice
CUSHION = 0.20  # staff up to 20 % above the requirement: worth weights.service_cushion_per_agent_hour
CONTACT_SCALE = 1000  # lost contacts in thousandths
HOURS_FIRST = 10  # the warm start settles contract hours first (see _best_week)
LNS_ONLY_FROM_SHIFT_VARIABLES = 2000


@dataclass
class ModelContext:
    data: ProblemData
    model: cp_model.CpModel
    x: dict[tuple[int, int], cp_model.IntVar] = field(default_factory=dict)
    y: dict[tuple[int, str, int], cp_model.IntVar] = field(default_factory=dict)
    works: dict[tuple[int, int], cp_model.LinearExprT] = field(default_factory=dict)
    paid: dict[tuple[int, int], cp_model.LinearExprT] = field(default_factory=dict)
    overtime: dict[tuple[int, int], cp_model.IntVar] = field(default_factory=dict)
    undertime: dict[tuple[int, int], cp_model.IntVar] = field(default_factory=dict)
    # staffed[q][t]: terms (coefficient, variable) of proficiency-weighted staff, in hundredths
    staffed: dict[str, dict[int, list[tuple[int, cp_model.IntVar]]]] = field(default_factory=dict)
    objective: list[tuple[float, cp_model.LinearExprT]] = field(default_factory=list)
    single_queue: dict[int, str] = field(default_factory=dict)  # agent index -> the one queue they work
    paid_terms: dict[tuple[int, int], list[tuple[int, cp_model.IntVar]]] = field(default_factory=dict)
    # How each auxiliary variable follows from the decisions (shifts, queue blocks), in creation order: lets the
    # warm start turn decisions into a complete solution without any search.
    derivations: list[Callable[[dict[int, int]], None]] = field(default_factory=list)
    # (agent index, option index) of each shift of a previous plan this plan starts from (--previous-plan).
    previous: frozenset[tuple[int, int]] = frozenset()
    # Agent index -> that agent's least overtime + undertime cost (the `hc_a` floor), for relaxation bounds.
    hours_floor: dict[int, int] = field(default_factory=dict)
    # Live queue -> its contacts not answered within target per interval (thousandths), where the service
    # tables are in the model (service valued, or `track_service`).
    lost: dict[str, list[cp_model.IntVar]] = field(default_factory=dict)
    # (agent index, block first interval) -> the queue a published (frozen) day works there, None for no queue:
    # the model and the warm start both keep it (`fix_blocks`).
    fixed_blocks: dict[tuple[int, int], str | None] = field(default_factory=dict)

    @staticmethod
    def evaluate(terms: list[tuple[int, cp_model.IntVar]], values: dict[int, int]) -> int:
        return sum(c * values.get(v.index, 0) for c, v in terms)


def _proficiency_points(value: float) -> int:
    return max(1, round(value * SCALE))


PreviousShift = tuple[str, dt.date, str, dt.datetime]  # agent_id, date, template, start of a previous plan's shift


def build_model(
    data: ProblemData, previous_plan: Sequence[PreviousShift] = (), *, track_service: bool = False
) -> ModelContext:
    """The plan's CP-SAT model. `track_service` puts the service tables in (`ctx.lost`) even when no weight
    values them, so a constraint can hold service (`keep_service`)."""
    ctx = ModelContext(data=data, model=cp_model.CpModel(), previous=_previous_options(data, previous_plan))
    _shift_variables(ctx)
    for rule in HARD_RULES:
        rule.add_to_model(ctx)
    _coverage(ctx)
    _objective(ctx, track_service)
    return ctx


def keep_service(ctx: ModelContext, values: dict[int, int]) -> dict[str, int]:
    """Each live queue may lose at most the contacts (to its answer-time target) that it loses at `values` (a
    complete solution, e.g. a given plan's derived decisions): the plan may then move people only where service
    stays at least as good, queue by queue. Returns the caps, in thousandths of a contact."""
    caps = lost_contacts(ctx, values)
    for queue_id, lost in ctx.lost.items():
        ctx.model.add(sum(lost) <= caps[queue_id])
    return caps


def lost_contacts(ctx: ModelContext, values: dict[int, int]) -> dict[str, int]:
    """Per live queue, the contacts lost to its answer-time target at `values`, in thousandths."""
    return {queue_id: sum(values.get(var.index, 0) for var in lost) for queue_id, lost in ctx.lost.items()}


def _shift_variables(ctx: ModelContext) -> None:
    weeks = ctx.data.weeks()
    for a, agent in enumerate(ctx.data.agents):
        per_day: dict[int, list[cp_model.IntVar]] = defaultdict(list)
        paid_per_day: dict[int, list[tuple[int, cp_model.IntVar]]] = defaultdict(list)
        for o, option in enumerate(agent.options):
            var = ctx.model.new_bool_var(f"x_{a}_{o}")
            ctx.x[a, o] = var
            per_day[option.day].append(var)
            paid_per_day[option.day].append((option.paid_minutes, var))
        for day in range(ctx.data.grid.days):
            ctx.works[a, day] = sum(per_day.get(day, []))
        for w, days in enumerate(weeks):
            ctx.paid_terms[a, w] = [term for d in days for term in paid_per_day.get(d, [])]
            ctx.paid[a, w] = sum(c * v for c, v in ctx.paid_terms[a, w])


def _coverage(ctx: ModelContext) -> None:
    data = ctx.data
    grid = data.grid
    staffed: dict[str, dict[int, list[tuple[int, cp_model.IntVar]]]] = {q: defaultdict(list) for q in data.demand}
    groups: dict[tuple[str, int], list[int]] = defaultdict(list)
    for a, agent in enumerate(data.agents):
        skills = list(agent.proficiency)
        if len(skills) == 1 and not agent.activities:
            groups[skills[0], _proficiency_points(agent.proficiency[skills[0]])].append(a)
            ctx.single_queue[a] = skills[0]
    # Interchangeable single-skilled agents: one count per group and shift option.
    for (queue_id, points), members in groups.items():
        open_mask = data.demand[queue_id].open_mask
        by_option: dict[tuple[int, int], list[cp_model.IntVar]] = defaultdict(list)
        for a in members:
            for o, option in enumerate(data.agents[a].options):
                by_option[option.start, option.end].append(ctx.x[a, o])
        for (start, end), variables in by_option.items():
            if not any(open_mask[t] for t in range(start, min(end, grid.size))):
                continue
            count = ctx.model.new_int_var(0, len(variables), f"n_{queue_id}_{points}_{start}_{end}")
            ctx.model.add(count == sum(variables))
            ctx.derivations.append(partial(_derive_weighted_sum, count, [(1, v) for v in variables]))
            for t in range(start, min(end, grid.size)):
                if open_mask[t]:
                    staffed[queue_id][t].append((points, count))
    # The blend: multi-skilled agents choose one queue per block.
    block = data.block_intervals
    for a, agent in enumerate(data.agents):
        if a in ctx.single_queue:
            continue
        busy = {t for start, end, _ in agent.activities for t in range(start, end)}
        for first in range(0, grid.size, block):
            last = min(first + block, grid.size)
            covering = [ctx.x[a, o] for o, opt in enumerate(agent.options) if opt.covers(first, last)]
            if not covering or any(t in busy for t in range(first, last)):
                continue
            choices = []
            for queue_id, proficiency in agent.proficiency.items():
                if not data.demand[queue_id].open_mask[first:last].all():
                    continue
                var = ctx.model.new_bool_var(f"y_{a}_{queue_id}_{first}")
                ctx.y[a, queue_id, first] = var
                choices.append(var)
                for t in range(first, last):
                    staffed[queue_id][t].append((_proficiency_points(proficiency), var))
            if choices:
                ctx.model.add(sum(choices) <= sum(covering))
    ctx.staffed = staffed


def _objective(ctx: ModelContext, track_service: bool = False) -> None:
    data = ctx.data
    weights = data.scenario.site.weights
    interval_hours = data.grid.interval_minutes / 60
    model = ctx.model
    for queue_id, demand in data.demand.items():
        terms = ctx.staffed[queue_id]
        if demand.queue.kind is QueueKind.LIVE:
            for t in range(data.grid.size):
                required = round(demand.required_agents[t] * SCALE)
                if required <= 0:
                    continue
                staff = sum(c * v for c, v in terms.get(t, []))
                first_tier = math.ceil(required * SHORTFALL_TIER)
                short_a = model.new_int_var(0, first_tier, f"ua_{queue_id}_{t}")
                short_b = model.new_int_var(0, max(0, required - first_tier), f"ub_{queue_id}_{t}")
                model.add(short_a + short_b + staff >= required)
                ctx.derivations.append(
                    partial(_derive_shortfall, short_a, short_b, required, first_tier, terms.get(t, []))
                )
                # hundredths of an agent short for one interval -> agent-hours
                base = weights.understaffing_per_agent_hour * interval_hours / SCALE
                ctx.objective.append((base, short_a))
                ctx.objective.append((2 * base, short_b))
                if weights.service_cushion_per_agent_hour > 0:
                    cushion = math.ceil(required * CUSHION)
                    below = model.new_int_var(0, cushion, f"uc_{queue_id}_{t}")
                    # staff + all three shortfalls reach requirement + cushion; the cheapest part fills first
                    model.add(below + short_a + short_b + staff >= required + cushion)
                    ctx.derivations.append(partial(_derive_cushion, below, required, cushion, terms.get(t, [])))
                    ctx.objective.append((weights.service_cushion_per_agent_hour * interval_hours / SCALE, below))
            if weights.unanswered_contact > 0 or weights.contact_below_target > 0 or track_service:
                _service(ctx, queue_id)
        else:
            _deferred(ctx, queue_id)
    _requests(ctx)
    _fairness(ctx)
    _idle_time(ctx)
    _keep_previous_plan(ctx)
    _hours_cost(ctx)
    model.minimize(sum(coefficient * expr for coefficient, expr in ctx.objective))


def _hours_cost(ctx: ModelContext) -> None:
    """Overtime and undertime, one cost variable per agent whose lower bound is that agent's own best week.

    Contract hours rarely add up exactly from whole shifts (a 20-hour part-timer on 7.5-hour shifts pays 2.5
    hours either way), yet the LP relaxation splits shifts and sees no such cost: the proven bound stayed at
    the presolve constant. Every hard rule is per agent, so the least overtime-plus-undertime cost each agent's
    week can have is found exactly by a one-agent model (milliseconds) and becomes the variable's lower bound:
    presolve then carries it into the objective bound (on the sample: +102, and the LP worker no longer has to
    find it). Units: hundredths of the hourly weights per minute (exact for weights with two decimals).
    """
    data = ctx.data
    weights = data.scenario.site.weights
    overtime_rate, undertime_rate = round(100 * weights.overtime_per_hour), round(100 * weights.undertime_per_hour)
    overtime_of: dict[int, list[cp_model.IntVar]] = defaultdict(list)
    undertime_of: dict[int, list[cp_model.IntVar]] = defaultdict(list)
    for (a, _), var in ctx.overtime.items():
        overtime_of[a].append(var)
    for (a, _), var in ctx.undertime.items():
        undertime_of[a].append(var)
    for a, agent in enumerate(data.agents):
        overtime, undertime = overtime_of[a], undertime_of[a]
        if not overtime and not undertime:
            continue
        expression = sum(overtime_rate * v for v in overtime) + sum(undertime_rate * v for v in undertime)
        most = sum(overtime_rate * _upper(v) for v in overtime) + sum(undertime_rate * _upper(v) for v in undertime)
        floor = _least_hours_cost(data, agent, overtime_rate, undertime_rate)
        ctx.hours_floor[a] = min(floor, most)
        cost = ctx.model.new_int_var(ctx.hours_floor[a], most, f"hc_{a}")
        ctx.model.add(cost == expression)
        ctx.derivations.append(partial(_derive_weighted_sum, cost, [(overtime_rate, v) for v in overtime]
                                       + [(undertime_rate, v) for v in undertime]))  # fmt: skip
        ctx.objective.append((1 / (60 * 100), cost))


def _least_hours_cost(data: ProblemData, agent: AgentData, overtime_rate: int, undertime_rate: int) -> int:
    """A proven lower bound on one agent's overtime + undertime cost (the optimum when found in time); 0 when
    the agent's week is impossible (the warm start reports that) or nothing is proved."""
    sub = _agent_model(data, agent, HARD_RULES)
    sub.model.minimize(
        sum(overtime_rate * v for v in sub.overtime.values()) + sum(undertime_rate * v for v in sub.undertime.values())
    )
    solver = cp_model.CpSolver()
    solver.parameters.num_workers = 1
    solver.parameters.max_deterministic_time = 2.0  # the same floor on any machine
    with stoppable(solver):
        code = solver.solve(sub.model)
    if code not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return 0
    return max(0, math.ceil(solver.best_objective_bound - 1e-6))


def _upper(var: cp_model.IntVar) -> int:
    domain = var.proto.domain  # a proto repeated field: no negative indexes
    return int(domain[len(domain) - 1])


def _derive_weighted_sum(
    var: cp_model.IntVar, terms: list[tuple[int, cp_model.IntVar]], values: dict[int, int]
) -> None:
    values[var.index] = ModelContext.evaluate(terms, values)


def _requests(ctx: ModelContext) -> None:
    """Agents' requests (requests.csv) as soft terms: a request left ungranted costs its weight.

    "Template T on day D, wanted" costs weight x (1 - worked T that day); "not wanted" costs weight x worked T;
    "off on day D, wanted" costs weight x worked that day; "off, not wanted" (they want to work) the reverse.
    The constant parts are dropped: they do not change which plan is best.
    """
    data = ctx.data
    index = {agent.agent.agent_id: a for a, agent in enumerate(data.agents)}
    for request in data.scenario.requests:
        a = index.get(request.agent_id)
        day = (request.date - data.grid.origin.date()).days
        if a is None or not 0 <= day < data.grid.days:
            continue
        if request.day_off:
            worked: cp_model.LinearExprT = ctx.works[a, day]
        else:
            worked = sum(
                ctx.x[a, o]
                for o, option in enumerate(data.agents[a].options)
                if option.day == day and option.template_id == request.shift_template
            )
        granted_when_worked = request.wanted != request.day_off
        ctx.objective.append((-request.weight if granted_when_worked else request.weight, worked))


def most_request_credit(data: ProblemData) -> float:
    """The most the request terms can take off the objective: the weights of every request a worked shift (or
    worked day) grants, each at most once. The model's request terms are never below minus this."""
    known = {agent.agent.agent_id for agent in data.agents}
    return sum(
        request.weight
        for request in data.scenario.requests
        if request.agent_id in known
        and 0 <= (request.date - data.grid.origin.date()).days < data.grid.days
        and request.wanted != request.day_off
    )


def _late_options(data: ProblemData, a: int) -> list[int]:
    """Indexes of agent `a`'s shift options that are late shifts (is_late_shift)."""
    site, grid = data.scenario.site, data.grid
    return [
        o
        for o, option in enumerate(data.agents[a].options)
        if is_late_shift(site, grid.date_of(option.day), grid.start_of(option.end))
    ]


def _fairness(ctx: ModelContext) -> None:
    """Weekends and late shifts spread evenly: per contract, the most weekend days and the most late shifts any
    agent works are costed (weekend_fairness, late_shift_fairness), so nobody carries more than needed."""
    data = ctx.data
    weights = data.scenario.site.weights
    weekend = {d for d in range(data.grid.days) if data.grid.date_of(d).weekday() >= 5}
    groups: dict[str, list[int]] = defaultdict(list)
    for a, agent in enumerate(data.agents):
        groups[agent.contract.id].append(a)
    for contract_id, members in groups.items():
        if len(members) < 2:
            continue
        # Each agent's count as the shift variables it sums (one shift a day, so weekend shifts = weekend days).
        weekend_shifts = {
            a: [ctx.x[a, o] for o, opt in enumerate(data.agents[a].options) if opt.day in weekend] for a in members
        }
        late_shifts = {a: [ctx.x[a, o] for o in _late_options(data, a)] for a in members}
        for name, weight, counts in (
            ("weekend", weights.weekend_fairness, weekend_shifts),
            ("late", weights.late_shift_fairness, late_shifts),
        ):
            if weight <= 0 or not any(counts.values()):
                continue
            most = ctx.model.new_int_var(0, data.grid.days, f"most_{name}_{contract_id}")
            for shifts in counts.values():
                ctx.model.add(most >= sum(shifts))
            ctx.derivations.append(partial(_derive_most, most, list(counts.values())))
            ctx.objective.append((weight, most))


def _derive_most(most: cp_model.IntVar, counts: list[list[cp_model.IntVar]], values: dict[int, int]) -> None:
    values[most.index] = max((sum(values.get(x.index, 0) for x in shifts) for shifts in counts), default=0)


def _idle_time(ctx: ModelContext) -> None:
    """Cost the paid time of a shift during which none of the agent's queues is open (weights.idle_paid_hour)."""
    weight = ctx.data.scenario.site.weights.idle_paid_hour
    if weight <= 0:
        return
    for a in range(len(ctx.data.agents)):
        for o, idle in enumerate(_idle_hours(ctx.data, a)):
            if idle:
                ctx.objective.append((weight * idle, ctx.x[a, o]))


def _idle_hours(data: ProblemData, a: int) -> list[float]:
    """Per shift option of agent a, the hours during which none of the agent's queues is open."""
    agent = data.agents[a]
    open_any = np.zeros(data.grid.size, dtype=bool)
    for queue_id in agent.proficiency:
        open_any |= data.demand[queue_id].open_mask.astype(bool)
    closed_before = np.concatenate([[0], np.cumsum(~open_any)])  # closed intervals before each index
    hours = data.grid.interval_minutes / 60
    return [
        float(closed_before[min(option.end, data.grid.size)] - closed_before[option.start]) * hours
        for option in agent.options
    ]


def _previous_options(data: ProblemData, previous_plan: Sequence[PreviousShift]) -> frozenset[tuple[int, int]]:
    """(agent index, option index) of the shift options that are a previous plan's shifts."""
    wanted = set(previous_plan)
    grid = data.grid
    return frozenset(
        (a, o)
        for a, agent in enumerate(data.agents)
        for o, option in enumerate(agent.options)
        if (agent.agent.agent_id, grid.date_of(option.day), option.template_id,
            grid.start_of(option.start)) in wanted
    )  # fmt: skip


def _keep_previous_plan(ctx: ModelContext) -> None:
    """Cost every shift of a previous plan the new plan drops or moves (weights.replan_change_per_shift), so a
    re-plan changes people's days only where that buys more than it costs them."""
    weight = ctx.data.scenario.site.weights.replan_change_per_shift
    if weight <= 0 or not ctx.previous:
        return
    for key in ctx.previous:
        ctx.objective.append((-weight, ctx.x[key]))  # weight x (1 - kept): the variable part ...
    ctx.objective.append((weight * len(ctx.previous), 1))  # ... and the constant, so objective and gap compare


def _service(ctx: ModelContext, queue_id: str) -> None:
    """Contacts not answered within target, from the concave service tables, as a cost.

    Per open interval with volume: staff = the proficiency-weighted agents scheduled (hundredths), attending =
    staff x attendance; the table's least concave majorant is the minimum of its segments' lines, so
    `lost >= volume - line_k(attending)` for every segment k makes `lost` exactly volume - table(attending) at
    the optimum. Lost contacts up to the target's allowance ((1 - service_level) x volume) cost
    `unanswered_contact` each, beyond it `unanswered_contact + contact_below_target`.
    Units: lost in thousandths of a contact, so a segment's slope per hundredth of an agent stays integral.
    """
    data = ctx.data
    model = ctx.model
    weights = data.scenario.site.weights
    demand = data.demand[queue_id]
    target = demand.queue.service_level or 0.0
    for t, table in enumerate(demand.service):
        if table is None:
            continue
        terms = ctx.staffed[queue_id].get(t, [])
        volume = float(demand.volume[t])
        worst = round(volume * CONTACT_SCALE)
        allowed = min(worst, round((1.0 - target) * volume * CONTACT_SCALE))
        # most hundredths of agents that could be there: a group count stands for up to its upper bound of agents
        reach = sum(c * _upper(v) for c, v in terms)
        staff = model.new_int_var(0, max(reach, 0), f"s_{queue_id}_{t}")
        model.add(staff == sum(c * v for c, v in terms))
        lost_ok = model.new_int_var(0, allowed, f"lo_{queue_id}_{t}")
        lost_more = model.new_int_var(0, max(0, worst - allowed), f"lm_{queue_id}_{t}")
        lines = _service_lines(table, demand.attendance, volume)
        for constant, slope in lines:
            # lost >= constant - slope * staff   (both in thousandths of a contact)
            model.add(lost_ok + lost_more + slope * staff >= constant)
        ctx.derivations.append(partial(_derive_service, staff, lost_ok, lost_more, lines, terms, allowed, worst))
        ctx.lost.setdefault(queue_id, []).extend((lost_ok, lost_more))
        ctx.objective.append((weights.unanswered_contact / CONTACT_SCALE, lost_ok + lost_more))
        ctx.objective.append((weights.contact_below_target / CONTACT_SCALE, lost_more))


def _service_lines(table: Any, attendance: float, volume: float) -> list[tuple[int, int]]:
    """(constant, slope) of `lost >= constant - slope * staff` for each segment of a concave table.

    The segment from n to n+1 attending agents is answered(n) + (answered(n+1) - answered(n)) (att - n), with
    att = staff x attendance / SCALE; rounding the slope per hundredth of a scheduled agent to whole
    thousandths of a contact keeps constraints integral. Equal-slope neighbours are merged; the flat tail
    beyond the table is `lost >= volume - answered(N)`.
    """
    lines: list[tuple[int, int]] = []
    for n in range(len(table) - 1):
        rise = float(table[n + 1] - table[n])
        slope = round(rise * attendance * CONTACT_SCALE / SCALE)
        if slope <= 0:
            break
        constant = round((volume - float(table[n]) + rise * n) * CONTACT_SCALE)
        if lines and lines[-1][1] == slope:
            lines[-1] = (max(lines[-1][0], constant), slope)
        else:
            lines.append((constant, slope))
    lines.append((round((volume - float(table[-1])) * CONTACT_SCALE), 0))
    return lines


def _deferred(ctx: ModelContext, queue_id: str) -> None:
    """Cumulative work done must keep up with work due; what is due and not done is late.

    Units: hundredths of a work-minute at proficiency 1 (an agent at 0.65 for a 15-minute interval does 975).
    """
    data = ctx.data
    model = ctx.model
    weights = data.scenario.site.weights
    demand = data.demand[queue_id]
    minutes = data.grid.interval_minutes
    arrived, due = deferred_profile(demand)
    total = arrived[-1] if arrived else 0
    if total <= 0:
        return
    terms = ctx.staffed[queue_id]
    steps: list[tuple[int, cp_model.IntVar | None, cp_model.IntVar | None]] = []
    # Any: ortools' stubs reject numpy ints in expressions although the solver accepts them.
    previous: Any = 0
    late_weight = weights.late_work_per_hour * (minutes / 60) / (60 * SCALE)
    lates: list[cp_model.IntVar] = []
    for t in range(data.grid.size):
        capacity = sum(c * minutes * v for c, v in terms.get(t, []))
        if not terms.get(t) and due[t] == 0:
            done: Any = previous
        else:
            done_var = model.new_int_var(0, arrived[t], f"done_{queue_id}_{t}")
            model.add(done_var >= previous)
            model.add(done_var - previous <= capacity)
            done = done_var
        late = None
        if due[t] > 0:
            late = model.new_int_var(0, due[t], f"late_{queue_id}_{t}")
            model.add(late + done >= due[t])
            lates.append(late)
        steps.append((t, done if done is not previous else None, late))
        previous = done
    ctx.derivations.append(partial(_derive_work_done, steps, terms, arrived, due, minutes))
    if lates:
        # One total whose lower bound is the lateness left even if everyone who could work this queue did, all
        # the time they could: presolve then carries it into the proven bound (the LP relaxation does not find it).
        reach = _reach(data, queue_id)
        most = [int(reach[t]) * minutes if terms.get(t) else 0 for t in range(len(due))]
        floor = _least_late(arrived, due, most)
        late_total = model.new_int_var(min(floor, sum(due)), sum(due), f"lt_{queue_id}")
        model.add(late_total == sum(lates))
        ctx.derivations.append(partial(_derive_weighted_sum, late_total, [(1, v) for v in lates]))
        ctx.objective.append((late_weight, late_total))
    # Work still open at the horizon's end: pushes spare capacity into the backlog instead of idling.
    ctx.objective.append((weights.backlog_per_work_hour / (60 * SCALE), total - previous))


def deferred_profile(demand: QueueDemand) -> tuple[list[int], list[int]]:
    """Cumulative work arrived and due by the end of each interval, in model units (hundredths of a work-minute);
    what is due never exceeds what has arrived."""
    arrived = [round(v * SCALE) for v in demand.cumulative_arrival_minutes]
    due = [min(round(v * SCALE), a) for v, a in zip(demand.cumulative_due_minutes, arrived, strict=True)]
    return arrived, due


def workable(agent: AgentData, size: int) -> np.ndarray:
    """Per interval, whether some shift option of the agent spans it and no fixed activity takes it."""
    can = np.zeros(size, dtype=bool)
    for option in agent.options:
        can[option.start : min(option.end, size)] = True
    for start, end, _ in agent.activities:
        can[start:end] = False
    return can


def _reach(data: ProblemData, queue_id: str) -> np.ndarray:
    """Per interval, the most proficiency-weighted staff (hundredths) that could ever work the queue then: every
    skilled agent with a shift option over the interval and no fixed activity in it."""
    reach = np.zeros(data.grid.size, dtype=np.int64)
    for agent in data.agents:
        if queue_id not in agent.proficiency:
            continue
        can = workable(agent, data.grid.size)
        reach += _proficiency_points(agent.proficiency[queue_id]) * can
    return reach


def _least_late(arrived: list[int], due: list[int], most_capacity: list[int]) -> int:
    """The least total lateness any plan can have: work done as early as arrivals and the most capacity that
    could ever be there allow (done(t) = min(arrived(t), done(t-1) + most_capacity(t)) is the most done by every
    t at once), summed over what is still due. Model units (hundredths of a work-minute, per interval)."""
    done, total = 0, 0
    for t, (arrived_by, due_by) in enumerate(zip(arrived, due, strict=True)):
        done = min(arrived_by, done + most_capacity[t])
        total += max(0, due_by - done)
    return total


def _derive_shortfall(
    short_a: cp_model.IntVar,
    short_b: cp_model.IntVar,
    required: int,
    first_tier: int,
    terms: list[tuple[int, cp_model.IntVar]],
    values: dict[int, int],
) -> None:
    need = max(0, required - ModelContext.evaluate(terms, values))
    values[short_a.index] = min(need, first_tier)
    values[short_b.index] = need - values[short_a.index]


def _derive_cushion(
    below: cp_model.IntVar,
    required: int,
    cushion: int,
    terms: list[tuple[int, cp_model.IntVar]],
    values: dict[int, int],
) -> None:
    staff = ModelContext.evaluate(terms, values)
    values[below.index] = min(cushion, max(0, required + cushion - max(staff, required)))


def _derive_service(
    staff: cp_model.IntVar,
    lost_ok: cp_model.IntVar,
    lost_more: cp_model.IntVar,
    lines: list[tuple[int, int]],
    terms: list[tuple[int, cp_model.IntVar]],
    allowed: int,
    worst: int,
    values: dict[int, int],
) -> None:
    level = ModelContext.evaluate(terms, values)
    values[staff.index] = level
    lost = min(worst, max(0, *(constant - slope * level for constant, slope in lines)))
    values[lost_ok.index] = min(lost, allowed)
    values[lost_more.index] = lost - values[lost_ok.index]


def _derive_work_done(
    steps: list[tuple[int, cp_model.IntVar | None, cp_model.IntVar | None]],
    terms: dict[int, list[tuple[int, cp_model.IntVar]]],
    arrived: list[int],
    due: list[int],
    minutes: int,
    values: dict[int, int],
) -> None:
    """As much work as capacity and arrivals allow, as early as possible; lateness is what is due and not done."""
    done = 0
    for t, done_var, late in steps:
        if done_var is not None:
            capacity = minutes * ModelContext.evaluate(terms.get(t, []), values)
            done = max(done, min(arrived[t], done + capacity))
            values[done_var.index] = done
        if late is not None:
            values[late.index] = max(0, due[t] - done)


@dataclass(frozen=True)
class SolveOutcome:
    status: SolveStatus
    objective: float | None
    best_bound: float | None
    runtime_seconds: float
    chosen: list[tuple[int, int]]  # (agent index, option index) of every shift worked
    queue_blocks: dict[tuple[int, int], str]  # (agent index, block first interval) -> queue
    stats: dict[str, int]


_STATUS = {
    cp_model.OPTIMAL: SolveStatus.OPTIMAL,
    cp_model.FEASIBLE: SolveStatus.FEASIBLE,
    cp_model.INFEASIBLE: SolveStatus.INFEASIBLE,
    cp_model.MODEL_INVALID: SolveStatus.MODEL_INVALID,
    cp_model.UNKNOWN: SolveStatus.UNKNOWN,
}


class _Progress(cp_model.CpSolverSolutionCallback):
    def __init__(self, report: Callable[[float, float, float], None]) -> None:
        super().__init__()
        self._report = report
        self._start = time.monotonic()

    def on_solution_callback(self) -> None:
        self._report(time.monotonic() - self._start, self.objective_value, self.best_objective_bound)


def solve(
    ctx: ModelContext,
    *,
    time_limit_seconds: float,
    workers: int,
    seed: int,
    relative_gap: float,
    deterministic: bool = False,
    progress: Callable[[float, float, float], None] | None = None,
    parameters: dict[str, bool | int | float | str] | None = None,
) -> SolveOutcome:
    solver = cp_model.CpSolver()
    params = solver.parameters
    # num_workers is the real knob (the old num_search_workers attribute alias is easy to set on the wrong object).
    params.num_workers = workers
    params.random_seed = seed
    params.relative_gap_limit = relative_gap
    if len(ctx.x) >= LNS_ONLY_FROM_SHIFT_VARIABLES and not deterministic:
        # Every worker improves the warm start by large-neighbourhood search. The proven bound comes from the
        # floors presolve carries (agents' least overtime + undertime, least possible lateness): measured on the
        # sample, the LP worker added 5 to it in 60 s while taking one of the two cores, and LNS-only found
        # 2,944-2,972 where the default portfolio found 2,983-3,335 (bench/schedule_bench.py). Small models keep
        # the default portfolio, which proves optimality quickly. `[solver.parameters] use_lns_only` overrides.
        # Not in --deterministic mode: interleaved LNS-only search accrues deterministic time about 20 times
        # slower than wall time (a 20-unit limit ran 470 s on the sample), so that mode keeps the default.
        params.use_lns_only = True
    for name, setting in (parameters or {}).items():
        setattr(params, name, setting)
    if deterministic:
        # Wall-clock limits make runs differ; a deterministic time budget and interleaved search do not.
        params.interleave_search = True
        params.max_deterministic_time = time_limit_seconds
        if "interleave_batch_size" not in (parameters or {}):
            # One task per worker in each batch: the limit is checked between batches, and the default batch
            # (a task per subsolver, LP workers among them) overshot it: on the sample (2 workers, 2 cores) a
            # 10-unit limit used 37 units in 83 s, and 10.2 units in 15 s so. `wfm run --time-limit 20
            # --deterministic` took 189 s (solve 160 s) before and 44 s (solve 24 s) after; objective 2,987
            # and 2,991 (the warm start's), which neither search improved by more than 0.13 %.
            params.interleave_batch_size = params.num_workers
    else:
        params.max_time_in_seconds = time_limit_seconds
    callback = _Progress(progress) if progress else None
    started = time.monotonic()
    with stoppable(solver):  # Ctrl-C / SIGTERM under `wfm run` stop the search and end the run (wfm.interrupt)
        code = solver.solve(ctx.model, callback)
    runtime = time.monotonic() - started
    status = _STATUS.get(code, SolveStatus.UNKNOWN)
    stats = {
        "shift_variables": len(ctx.x),
        "queue_block_variables": len(ctx.y),
        "constraints": len(ctx.model.proto.constraints),
        "variables": len(ctx.model.proto.variables),
    }
    if not status.has_plan:
        return SolveOutcome(status, None, None, runtime, [], {}, stats)
    chosen = [key for key, var in ctx.x.items() if solver.boolean_value(var)]
    queue_blocks = {(a, first): q for (a, q, first), var in ctx.y.items() if solver.boolean_value(var)}
    return SolveOutcome(
        status=status,
        objective=solver.objective_value,
        best_bound=solver.best_objective_bound,
        runtime_seconds=runtime,
        chosen=chosen,
        queue_blocks=queue_blocks,
        stats=stats,
    )


def hint_outcome(ctx: ModelContext, outcome: SolveOutcome) -> SolveOutcome | None:
    """The hinted (warm start) plan as a solve outcome: FEASIBLE, its objective the model's own at the hint, no
    bound. None when there is no complete hint."""
    hint = ctx.model.proto.solution_hint
    values = dict(zip(hint.vars, hint.values, strict=True))
    if not values or any(var.index not in values for var in ctx.x.values()):
        return None
    return SolveOutcome(
        status=SolveStatus.FEASIBLE,
        objective=_hint_cost(ctx, values),
        best_bound=None,
        runtime_seconds=outcome.runtime_seconds,
        chosen=[key for key, var in ctx.x.items() if values[var.index]],
        queue_blocks={(a, first): q for (a, q, first), var in ctx.y.items() if values.get(var.index)},
        stats=outcome.stats,
    )


def warm_start(
    ctx: ModelContext,
    *,
    seed: int,
    seconds_per_agent: float = 1.0,
    passes: int = 2,
    extra_seconds: float | None = 0.0,
    max_passes: int = 6,
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

    `candidates` are complete decision sets from elsewhere (`plan_decisions`: e.g. the plan of the same week with
    cross-training off): when one costs less than the best pass, it is the hint, so the solve starts from it.
    `accept` (given with constraints the passes do not see, e.g. `keep_service`) rules out any plan it rejects.
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
            weeks[a] = week
        if impossible:
            break
        if pass_number + 1 < passes:
            continue
        if pass_number + 1 == passes:
            extra_started = time.monotonic()
        # A pass that left an agent without a week (no week found in time) does not count: its cost would miss
        # that agent's hours.
        placed = all(a in weeks for a in order if data.agents[a].options and a not in impossible)
        values = derive_all(ctx, _decisions(ctx, weeks)) if placed else None
        cost = _hint_cost(ctx, values) if values is not None else math.inf
        improved = best[0] - cost > 0.01 * abs(best[0]) if math.isfinite(best[0]) else math.isfinite(cost)
        if cost < best[0] and values is not None and (accept is None or accept(values)):
            best = (cost, values)
        last_pass = time.monotonic() - pass_started
        out_of_time = extra_seconds is not None and time.monotonic() - extra_started + last_pass > extra_seconds
        if not improved or out_of_time:
            break
    if not impossible:
        for decisions in candidates:
            values = derive_all(ctx, decisions)
            cost = _hint_cost(ctx, values)
            if cost < best[0] and (accept is None or accept(values)):
                best = (cost, values)
    _complete_hint(ctx, best[1] if best[1] is not None else derive_all(ctx, _decisions(ctx, weeks)))
    return sorted(impossible)


@dataclass
class _AgentWeek:
    options: set[int]  # shift options worked
    blocks: dict[tuple[int, str], str]  # (block first interval, a queue the agent could work) -> queue worked
    taken: list[tuple[str, float, int, int]]  # (queue, proficiency, first, last) recorded in the cover
    unproven: bool = False  # no week found in time (not proved impossible): no decisions hinted


def _best_week(ctx: ModelContext, a: int, cover: _Cover, *, seed: int, seconds: float) -> _AgentWeek | None:
    """Agent a's week that takes most cost off `cover` under every hard rule; None when none exists in time."""
    data = ctx.data
    grid = data.grid
    agent = data.agents[a]
    weights = data.scenario.site.weights
    sub = _agent_model(data, agent, HARD_RULES)
    # An option's value: the cost its hours take off what is still uncovered, less its idle hours' cost, in
    # objective units (tenths).
    idle = _idle_hours(data, a)
    values = [
        round(10 * (sum(cover.best(agent, t)[1] for t in range(opt.start, min(opt.end, grid.size)))
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
    solver = cp_model.CpSolver()
    solver.parameters.num_workers = 1
    solver.parameters.random_seed = seed
    # A deterministic limit: the same hint on any machine and under any load (--deterministic stays so).
    solver.parameters.max_deterministic_time = seconds
    with stoppable(solver):
        code = solver.solve(sub.model)
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
        for first in range(option.start - option.start % data.block_intervals, end, data.block_intervals):
            # A flexible agent's block goes to the queue where it takes most cost off over the whole block; only
            # blocks this shift covers whole can be worked (the model's y exist where another option covers one).
            last = min(first + data.block_intervals, grid.size)
            if not option.covers(first, last):
                continue
            candidates = [q for q in agent.proficiency if (a, q, first) in ctx.y]
            if not candidates:
                continue
            if (a, first) in ctx.fixed_blocks:  # a published day: its queue, or none
                fixed = ctx.fixed_blocks[a, first]
                if fixed is None or fixed not in candidates:
                    continue
                queue_id = fixed
            else:
                queue_id = max(
                    candidates, key=lambda q: sum(cover.gain(q, agent.proficiency[q], t) for t in range(first, last))
                )
            week.blocks.update({(first, q): queue_id for q in candidates})
            week.taken.append((queue_id, agent.proficiency[queue_id], first, last))
    return week


def _agent_model(data: ProblemData, agent: AgentData, rules: Sequence[Rule]) -> ModelContext:
    """A model of one agent's week under `rules` (every hard rule is per agent, so this is exact for them)."""
    sub = ModelContext(
        data=ProblemData(data.scenario, data.grid, (agent,), data.demand, data.block_intervals),
        model=cp_model.CpModel(),
    )
    _shift_variables(sub)
    for rule in rules:
        rule.add_to_model(sub)
    return sub


def _feasible(sub: ModelContext, seconds: float) -> bool | None:
    """True / False when CP-SAT proves it, None when it could not decide in time."""
    solver = cp_model.CpSolver()
    solver.parameters.num_workers = 1
    solver.parameters.max_time_in_seconds = seconds
    with stoppable(solver):
        code = solver.solve(sub.model)
    if code in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return True
    return False if code == cp_model.INFEASIBLE else None


def explain_infeasible_agents(
    data: ProblemData, agents: Sequence[int] | None = None, *, seconds_per_check: float = 2.0
) -> list[str]:
    """For every agent whose own week cannot satisfy the hard rules, the smallest set of rules that conflict.

    Every hard rule is per agent, so a plan exists exactly when each agent's week is feasible alone. For an
    agent whose week is not, rules are dropped one at a time while the rest still conflict (a deletion filter),
    leaving a minimal conflicting set: removing any one of its rules would make the week possible. The shift
    options themselves (templates, availability, time off, rest after last week) are always in force.
    """
    found: list[str] = []
    for index in range(len(data.agents)) if agents is None else agents:
        agent = data.agents[index]
        if _feasible(_agent_model(data, agent, HARD_RULES), seconds_per_check) is not False:
            continue
        conflict = list(HARD_RULES)
        for rule in list(conflict):
            trial = [r for r in conflict if r is not rule]
            if _feasible(_agent_model(data, agent, trial), seconds_per_check) is False:
                conflict = trial
        days = sorted({option.day for option in agent.options})
        when = ", ".join(f"{data.grid.date_of(d):%a %d}" for d in days) or "no day at all"
        rules = "; ".join(f"{rule.id} ({rule.limits(data, agent)})" for rule in conflict)
        found.append(
            f"agent {agent.agent.agent_id} ({agent.contract.id}): these rules cannot all hold for this agent: "
            f"{rules or 'no shift option at all'}. The agent can only start shifts on {when} (availability, time "
            "off, templates and rest). Relax one of them for this agent."
        )
    return found


def _decisions(ctx: ModelContext, weeks: dict[int, _AgentWeek]) -> dict[int, int]:
    """Proto index -> value of every shift and queue-block decision of these weeks."""
    hints: dict[int, int] = {}
    for a, week in weeks.items():
        for o in range(len(ctx.data.agents[a].options)):
            hints[ctx.x[a, o].index] = int(o in week.options)
        for (first, queue_id), worked in week.blocks.items():
            hints[ctx.y[a, queue_id, first].index] = int(queue_id == worked)
    return hints


def plan_decisions(ctx: ModelContext, shifts: Sequence[Any], segments: Sequence[Any]) -> dict[int, int] | None:
    """Proto index -> value of every shift and queue-block decision of a given plan (ShiftAssignment and Segment
    rows), or None when the plan does not fit this model: a shift that is not one of the agent's options here, or
    work on a queue block the model has no variable for.

    A block the plan worked on two queues (not one of ours: decode keeps one queue a block) gets both, and then
    the solver rejects the hint; nothing is wrong, only slower. Breaks: see below.
    """
    data, grid = ctx.data, ctx.data.grid
    index_of = {agent.agent.agent_id: a for a, agent in enumerate(data.agents)}
    option_of = {
        (a, option.template_id, grid.start_of(option.start)): o
        for a, agent in enumerate(data.agents)
        for o, option in enumerate(agent.options)
    }
    decisions = {var.index: 0 for var in ctx.x.values()} | {var.index: 0 for var in ctx.y.values()}
    for shift in shifts:
        key = (index_of.get(shift.agent_id, -1), shift.template_id, shift.start)
        if key not in option_of:
            return None
        decisions[ctx.x[key[0], option_of[key]].index] = 1
    worked: dict[int, dict[int, str]] = defaultdict(dict)  # agent index -> interval -> queue
    on_break: dict[int, dict[int, str]] = defaultdict(dict)  # ... the same for intervals of breaks
    for segment in segments:
        if segment.activity == "work" and segment.queue is not None and segment.agent_id in index_of:
            for t in range(grid.index_of(segment.start), grid.index_ceil(segment.end)):
                worked[index_of[segment.agent_id]][t] = segment.queue
    # The model does not see breaks (they are placed after the solve, over the queue blocks it chose): a break
    # counts as the queue worked just before it, or just after it when it opens the shift's work.
    for segment in segments:
        if segment.activity not in ("break", "lunch") or segment.agent_id not in index_of:
            continue
        queues = worked[index_of[segment.agent_id]]
        first, last = grid.index_of(segment.start), grid.index_ceil(segment.end)
        queue_id = queues.get(first - 1) or queues.get(last)
        if queue_id is not None:
            on_break[index_of[segment.agent_id]].update({t: queue_id for t in range(first, last)})
    for a in worked.keys() - ctx.single_queue.keys():  # a single-skilled agent's queue follows from the shift
        # A break may open a block, so the work in it can start mid-block: every interval names its block.
        blocks = set()
        for t, queue_id in worked[a].items():
            variable = ctx.y.get((a, queue_id, t - t % data.block_intervals))
            if variable is None:
                return None
            decisions[variable.index] = 1
            blocks.add(t - t % data.block_intervals)
        for t, queue_id in on_break[a].items():  # only blocks no work names, and only where the queue is open
            block = t - t % data.block_intervals
            if block not in blocks and (a, queue_id, block) in ctx.y:
                decisions[ctx.y[a, queue_id, block].index] = 1
                blocks.add(block)
    return decisions


def fix_blocks(ctx: ModelContext, blocks: dict[tuple[int, int], str | None]) -> None:
    """Keep these queue blocks as given (a published day's work): the block's variable for that queue is 1 and
    the others 0 (all 0 for None), in the model and in the warm start."""
    ctx.fixed_blocks.update(blocks)
    for (a, queue_id, first), var in ctx.y.items():
        if (a, first) in blocks:
            ctx.model.add(var == int(queue_id == blocks[a, first]))


def derive_all(ctx: ModelContext, decisions: dict[int, int]) -> dict[int, int]:
    """Every auxiliary variable derived from the decisions (exact, milliseconds)."""
    values = dict(decisions)
    for derive in ctx.derivations:
        derive(values)
    return values


def _hint_cost(ctx: ModelContext, values: dict[int, int]) -> float:
    """The model's objective at these values (variables no derivation sets count at their domain's low end)."""
    proto = ctx.model.proto

    def weighted(variables: Any, coefficients: Any) -> float:
        return sum(
            c * values.get(i, int(proto.variables[i].domain[0])) for i, c in zip(variables, coefficients, strict=True)
        )

    if proto.has_floating_point_objective():
        floating = proto.floating_point_objective
        return float(floating.offset) + weighted(floating.vars, floating.coeffs)
    integral = proto.objective  # value = scaling_factor x (sum + offset), scaling 0 meaning 1
    return (float(integral.offset) + weighted(integral.vars, integral.coeffs)) * (integral.scaling_factor or 1.0)


def _complete_hint(ctx: ModelContext, values: dict[int, int]) -> None:
    """Hint a full solution: the decisions and every auxiliary variable derived from them.

    Measured on the sample: with only the decisions hinted, CP-SAT on 2 workers found no plan in 180 s, and a
    search to complete them failed for some seeds; derivation is exact and takes milliseconds.
    """
    for index, variable in enumerate(ctx.model.proto.variables):
        # Variables no derivation sets (the model's own constants, e.g. a fixed "true") get 0 clamped into their
        # domain: hinting 0 to a constant 1 made the whole hint infeasible, and CP-SAT then ignored it. (The
        # proto's repeated fields do not support negative indexes: domain[-1] reads 0, so index from the front.)
        domain = variable.domain
        value = values.get(index, min(max(0, domain[0]), domain[len(domain) - 1]))
        ctx.model.add_hint(ctx.model.get_int_var_from_proto_index(index), value)


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
        """The service terms' cost at this staff (`_service`): contacts lost to the target, more beyond its
        allowance, read off the concave table by linear interpolation in attending agents."""
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
