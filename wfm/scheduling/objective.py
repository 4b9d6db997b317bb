"""The model's objective: every soft term (live queues' shortfall and cushion, service, deferred work's
lateness and backlog, overtime and undertime, requests, fairness, idle time, re-plan changes), how each
auxiliary variable follows from the decisions (`ctx.derivations`), and the floors presolve carries into the
proven bound.
"""

from __future__ import annotations

import math
from collections import defaultdict
from functools import partial
from typing import Any

import numpy as np
from ortools.sat.python import cp_model

from wfm.domain import QueueKind
from wfm.interrupt import stoppable
from wfm.scheduling.activity_rules import add_activity_costs
from wfm.scheduling.context import (
    CONTACT_SCALE,
    CUSHION,
    SCALE,
    SHORTFALL_TIER,
    ModelContext,
    agent_model,
    agent_solver,
    derive_weighted_sum,
    proficiency_points,
)
from wfm.scheduling.problem import AgentData, ProblemData, QueueDemand, is_late_shift
from wfm.scheduling.rules import HARD_RULES


def keep_service(ctx: ModelContext, values: dict[int, int], *, live: bool = True) -> dict[str, int]:
    """Hold every queue's service at what `values` (a complete solution, e.g. a given plan's derived decisions)
    gives, and buy no more of it: the plan at equal service for the least cost (what cross-training saves).

    Each live queue may lose at most the contacts (to its answer-time target) it loses at `values`, and each
    deferred queue may leave at most as much work late as there. Lateness below that cap earns nothing (its
    term is held at the cap), so the plan does not spend overtime to beat the given plan's turnaround: service
    no lower, cost as low as it goes. (Terms that value live service, when their weights are above 0, and the
    backlog left at the horizon's end still count as usual.) Returns the caps per queue: thousandths of a
    contact (live), hundredths of a work-minute late per interval (deferred). `live=False` holds the deferred
    queues only: live queues then answer to their requirement alone (the usual shortfall cost), so people
    above it may go to other work.
    """
    caps = held_service(ctx, values)
    if not live:
        caps = {queue_id: cap for queue_id, cap in caps.items() if queue_id in ctx.late_totals}
    for queue_id, lost in ctx.lost.items():
        if queue_id in caps:
            ctx.model.add(sum(lost) <= caps[queue_id])
    held_at: dict[int, int] = {}  # lateness term's variable index -> its cap
    for queue_id, late_total in ctx.late_totals.items():
        ctx.model.add(late_total <= caps[queue_id])
        held_at[late_total.index] = caps[queue_id]
    ctx.objective = [
        (weight, held_at[term.index]) if isinstance(term, cp_model.IntVar) and term.index in held_at else (weight, term)
        for weight, term in ctx.objective
    ]
    _minimize(ctx)
    return caps


def keep_published_queues(ctx: ModelContext, blocks: dict[tuple[int, int], str]) -> None:
    """Each (agent, block) -> published queue of an intraday re-plan's rest of the day costs
    `intraday_change_per_agent_hour` per hour the block is not on that queue."""
    weight = ctx.data.scenario.site.weights.intraday_change_per_agent_hour
    if weight <= 0 or not blocks:
        return
    hours = ctx.data.block_intervals * ctx.data.grid.interval_minutes / 60
    for (a, first), queue_id in blocks.items():
        var = ctx.y.get((a, queue_id, first))
        if var is not None:
            ctx.objective.append((weight * hours, 1 - var))
    _minimize(ctx)


def lost_contacts(ctx: ModelContext, values: dict[int, int]) -> dict[str, int]:
    """Per live queue, the contacts lost to its answer-time target at `values`, in thousandths."""
    return {queue_id: sum(values.get(var.index, 0) for var in lost) for queue_id, lost in ctx.lost.items()}


def held_service(ctx: ModelContext, values: dict[int, int]) -> dict[str, int]:
    """Per live queue, the contacts lost to its answer-time target at `values` (thousandths); per deferred
    queue, its late work (hundredths of a work-minute, summed over intervals)."""
    return lost_contacts(ctx, values) | {
        queue_id: values.get(late_total.index, 0) for queue_id, late_total in ctx.late_totals.items()
    }


def add_objective(ctx: ModelContext, track_service: bool = False) -> None:
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
    _shift_cover(ctx)
    _fairness(ctx)
    _keep_previous_plan(ctx)
    _hours_cost(ctx)
    add_activity_costs(ctx)
    _minimize(ctx)


def _minimize(ctx: ModelContext) -> None:
    """The model's objective: the sum of `ctx.objective`'s weighted terms (set again when a term changes)."""
    ctx.model.minimize(sum(coefficient * expr for coefficient, expr in ctx.objective))


def _hours_cost(ctx: ModelContext) -> None:
    """Overtime, undertime and idle paid time, one cost variable per agent whose lower bound is that agent's own
    best week.

    Contract hours rarely add up exactly from whole shifts (a 20-hour part-timer on 7.5-hour shifts pays 2.5
    hours either way), yet the LP relaxation splits shifts and sees no such cost: the proven bound stayed at
    the presolve constant. Every hard rule is per agent, so the least overtime-plus-undertime cost each agent's
    week can have is found exactly by a one-agent model (milliseconds) and becomes the variable's lower bound:
    presolve then carries it into the objective bound (on the sample: +102, and the LP worker no longer has to
    find it). Idle paid time (`_idle_costs`) is in the same variable: some agents' shifts cannot avoid an hour
    their queues are closed (on the sample +20 to the bound, all of the plan's idle cost). Units: hundredths of
    the hourly weights per minute (exact for weights with two decimals).
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
        terms = (
            [(overtime_rate, v) for v in overtime_of[a] if overtime_rate]
            + [(undertime_rate, v) for v in undertime_of[a] if undertime_rate]
            + _idle_costs(ctx, a)
        )
        if not terms:  # nothing here costs anything (e.g. both hour weights 0): no floor to find
            continue
        most = sum(c * _upper(v) for c, v in terms)
        floor = _least_hours_cost(data, agent, overtime_rate, undertime_rate)
        ctx.hours_floor[a] = min(floor, most)
        cost = ctx.model.new_int_var(ctx.hours_floor[a], most, f"hc_{a}")
        ctx.model.add(cost == sum(c * v for c, v in terms))
        ctx.derivations.append(partial(derive_weighted_sum, cost, terms))
        ctx.objective.append((1 / (60 * 100), cost))


def _least_hours_cost(data: ProblemData, agent: AgentData, overtime_rate: int, undertime_rate: int) -> int:
    """A proven lower bound on one agent's overtime + undertime + idle cost (the optimum when found in time);
    0 when the agent's week is impossible (the warm start reports that) or nothing is proved."""
    sub = agent_model(data, agent, HARD_RULES)
    idle = _idle_costs(sub, 0)
    sub.model.minimize(
        sum(overtime_rate * v for v in sub.overtime.values())
        + sum(undertime_rate * v for v in sub.undertime.values())
        + sum(c * v for c, v in idle)
    )
    solver = agent_solver()
    solver.parameters.max_deterministic_time = 2.0  # the same floor on any machine
    with stoppable(solver):
        code = solver.solve(sub.model)
    if code not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return 0
    return max(0, math.ceil(solver.best_objective_bound - 1e-6))


def _upper(var: cp_model.IntVar) -> int:
    domain = var.proto.domain  # a proto repeated field: no negative indexes
    return int(domain[len(domain) - 1])


def _requests(ctx: ModelContext) -> None:
    """Agents' requests (requests.csv) as soft terms: a request left ungranted costs its weight.

    "Template T on day D, wanted" costs weight x (1 - worked T that day); "not wanted" costs weight x worked T;
    "off on day D, wanted" costs weight x worked that day; "off, not wanted" (they want to work) the reverse.
    The constant parts (`most_request_credit`) are one term of their own, so the plan's cost is what its
    ungranted requests cost (a benchmark's objective, a planner's figure), never below zero.
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
    credit = most_request_credit(data)
    if credit:
        ctx.objective.append((credit, 1))


def _shift_cover(ctx: ModelContext) -> None:
    """Shift-based demand (shift_requirements.csv): per date and template, each person short of `required`
    costs `weight_under`, each one over costs `weight_over`."""
    data = ctx.data
    chosen: dict[tuple[int, str], list[cp_model.IntVar]] = defaultdict(list)
    for a, agent in enumerate(data.agents):
        for o, option in enumerate(agent.options):
            chosen[option.day, option.template_id].append(ctx.x[a, o])
    for day, requirement in data.shift_requirements():
        staffed = chosen.get((day, requirement.template), [])
        count: Any = sum(staffed)
        name = f"{requirement.template}_{day}"
        if requirement.weight_under > 0 and requirement.required > 0:
            under = ctx.model.new_int_var(0, requirement.required, f"shift_under_{name}")
            ctx.model.add(under + count >= requirement.required)
            ctx.derivations.append(partial(_derive_gap, under, requirement.required, staffed, 1))
            ctx.shift_cover.append((requirement.weight_under, under))
        if requirement.weight_over > 0 and len(staffed) > requirement.required:
            over = ctx.model.new_int_var(0, len(staffed) - requirement.required, f"shift_over_{name}")
            ctx.model.add(over >= count - requirement.required)
            ctx.derivations.append(partial(_derive_gap, over, requirement.required, staffed, -1))
            ctx.shift_cover.append((requirement.weight_over, over))
    ctx.objective += ctx.shift_cover


def _derive_gap(
    gap: cp_model.IntVar, required: int, staffed: list[cp_model.IntVar], sign: int, values: dict[int, int]
) -> None:
    """People short (sign 1) or over (sign -1) of `required`, from the shift choices in `values`."""
    count = sum(values.get(x.index, 0) for x in staffed)
    values[gap.index] = max(0, sign * (required - count))


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


def _idle_costs(ctx: ModelContext, a: int) -> list[tuple[int, cp_model.IntVar]]:
    """Agent a's paid time on shift while none of their queues is open (weights.idle_paid_hour), as terms on
    the shift variables in the units of `_hours_cost` (hundredths of the hourly weight per minute)."""
    weight = ctx.data.scenario.site.weights.idle_paid_hour
    if weight <= 0:
        return []
    minutes = [round(60 * idle) for idle in idle_hours(ctx.data, a)]
    return [(round(100 * weight * m), ctx.x[a, o]) for o, m in enumerate(minutes) if m > 0]


def idle_hours(data: ProblemData, a: int) -> list[float]:
    """Per shift option of agent a, the hours during which none of the agent's queues is open. An agent with no
    queues at all (planned to shift_requirements.csv) is never idle: the shift is the work."""
    agent = data.agents[a]
    if not agent.proficiency:
        return [0.0] * len(agent.options)
    open_any = np.zeros(data.grid.size, dtype=bool)
    for queue_id in agent.proficiency:
        open_any |= data.demand[queue_id].open_mask.astype(bool)
    closed_before = np.concatenate([[0], np.cumsum(~open_any)])  # closed intervals before each index
    hours = data.grid.interval_minutes / 60
    return [
        float(closed_before[min(option.end, data.grid.size)] - closed_before[option.start]) * hours
        for option in agent.options
    ]


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
        lines = service_lines(table, demand.attendance, volume)
        for constant, slope in lines:
            # lost >= constant - slope * staff   (both in thousandths of a contact)
            model.add(lost_ok + lost_more + slope * staff >= constant)
        ctx.derivations.append(partial(_derive_service, staff, lost_ok, lost_more, lines, terms, allowed, worst))
        ctx.lost.setdefault(queue_id, []).extend((lost_ok, lost_more))
        ctx.objective.append((weights.unanswered_contact / CONTACT_SCALE, lost_ok + lost_more))
        ctx.objective.append((weights.contact_below_target / CONTACT_SCALE, lost_more))


def service_lines(table: Any, attendance: float, volume: float) -> list[tuple[int, int]]:
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
        reach = queue_reach(data, queue_id)
        most = [int(reach[t]) * minutes if terms.get(t) else 0 for t in range(len(due))]
        floor = _least_late(arrived, due, most)
        late_total = model.new_int_var(min(floor, sum(due)), sum(due), f"lt_{queue_id}")
        model.add(late_total == sum(lates))
        ctx.derivations.append(partial(derive_weighted_sum, late_total, [(1, v) for v in lates]))
        ctx.objective.append((late_weight, late_total))
        ctx.late_totals[queue_id] = late_total
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


def queue_reach(data: ProblemData, queue_id: str) -> np.ndarray:
    """Per interval, the most proficiency-weighted staff (hundredths) that could ever work the queue then: every
    skilled agent with a shift option over the interval and no fixed activity in it."""
    reach = np.zeros(data.grid.size, dtype=np.int64)
    for agent in data.agents:
        if queue_id not in agent.proficiency:
            continue
        can = workable(agent, data.grid.size)
        reach += proficiency_points(agent.proficiency[queue_id]) * can
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
