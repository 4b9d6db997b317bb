"""A proven lower bound on the plan's cost from a staff-capacity relaxation, solved as one LP.

Why: CP-SAT's own bound on this model is the presolve constant plus per-agent floors; its LP worker makes no
progress in a minute on the sample. That bound cannot see what a plan must lose because people are limited:
with the live service terms on (`unanswered_contact`), every contact the staff cannot answer within target counts
fully as gap, so 0.05 per contact already gave a 5.1 % gap. The relaxation keeps exactly what makes staff
scarce and drops the shape of shifts:

- z[a, q, t] in [0, 1]: the share of interval t agent a spends on queue q, only where a skill, an open queue and
  a shift option over t (with no fixed activity) allow it; at most 1 per agent and interval.
- Each agent's intervals on queues fit in their paid week: paid minutes within the contract's min and max, and
  coverage minutes at most paid minutes times the largest span-to-paid ratio of their shift options (unpaid
  lunch is inside a shift's span). Overtime and undertime follow from paid minutes and cost as in the model,
  never less than the agent's own least hours cost (the model's `hc_a` floor, which includes the idle paid
  time the agent's week cannot avoid: a plan's overtime + undertime + idle cost is at least that floor).
- The queues' costs are the model's, term for term: live shortfall tiers, the service cushion, lost contacts
  from the concave service tables, deferred work done cumulatively within capacity and arrivals, lateness and
  the backlog left.
- Dropped: fairness, idle paid hours beyond the floor and re-plan changes (each is at least zero, so dropping
  them keeps the bound valid); shift lengths, start times, rest and day rules (relaxed away, ditto). Requests
  can take cost off (a granted "wanted" request is a negative term), so the most they can take off is
  subtracted as a constant.

Every plan of the model gives a feasible point of this LP with at most its cost, so the LP optimum is a lower
bound on the model's optimum. It is only as good as the LP's solve: anything short of an optimal status gives
no bound.
"""

from __future__ import annotations

import math
import threading
import time
from collections import defaultdict
from dataclasses import dataclass, field

import numpy as np
from ortools.sat.python import cp_model
from scipy.optimize import linprog
from scipy.sparse import coo_array

from wfm.domain import QueueKind
from wfm.scheduling.context import (
    CONTACT_SCALE,
    CUSHION,
    SCALE,
    SHORTFALL_TIER,
    ModelContext,
    agent_model,
    agent_solver,
    proficiency_points,
)
from wfm.scheduling.objective import deferred_profile, queue_reach, service_lines, workable
from wfm.scheduling.problem import ProblemData, leave_credit_minutes, week_limits
from wfm.scheduling.rules import HARD_RULES


@dataclass
class _Lp:
    """A minimisation LP assembled row by row: `sum(coef * var) <= rhs` rows only."""

    cost: list[float] = field(default_factory=list)
    lower: list[float] = field(default_factory=list)
    upper: list[float] = field(default_factory=list)
    rows: list[int] = field(default_factory=list)
    cols: list[int] = field(default_factory=list)
    coefs: list[float] = field(default_factory=list)
    rhs: list[float] = field(default_factory=list)
    eq_rows: list[int] = field(default_factory=list)
    eq_cols: list[int] = field(default_factory=list)
    eq_coefs: list[float] = field(default_factory=list)
    eq_rhs: list[float] = field(default_factory=list)
    eq_duals: np.ndarray = field(default_factory=lambda: np.zeros(0))  # after a solve: d objective / d rhs
    constants: dict[str, float] = field(default_factory=lambda: defaultdict(float))  # per term, as tags
    tags: list[str] = field(default_factory=list)  # which objective term each variable's cost belongs to
    # After a solve: the optimum's cost per term (e.g. {"lost_contacts": 2,940.0, ...}), to show where cost is.
    breakdown: dict[str, float] = field(default_factory=dict)

    def var(self, lower: float = 0.0, upper: float | None = None, cost: float = 0.0, tag: str = "") -> int:
        self.tags.append(tag)
        self.cost.append(cost)
        self.lower.append(lower)
        self.upper.append(math.inf if upper is None else upper)
        return len(self.cost) - 1

    def at_most(self, terms: list[tuple[float, int]], rhs: float) -> None:
        _append_row((self.rows, self.cols, self.coefs, self.rhs), terms, rhs)

    def at_least(self, terms: list[tuple[float, int]], rhs: float) -> None:
        self.at_most([(-c, v) for c, v in terms], -rhs)

    def equal(self, terms: list[tuple[float, int]], rhs: float) -> int:
        """`sum(coef * var) == rhs`; returns the row's index among the equalities (for its dual)."""
        return _append_row((self.eq_rows, self.eq_cols, self.eq_coefs, self.eq_rhs), terms, rhs)

    def minimum(self, time_limit_seconds: float) -> float | None:
        size = len(self.cost)
        matrix = coo_array((self.coefs, (self.rows, self.cols)), shape=(len(self.rhs), size)).tocsr()
        equalities = coo_array((self.eq_coefs, (self.eq_rows, self.eq_cols)), shape=(len(self.eq_rhs), size)).tocsr()
        result = linprog(
            np.array(self.cost),
            A_ub=matrix if self.rhs else None,
            b_ub=np.array(self.rhs) if self.rhs else None,
            A_eq=equalities if self.eq_rhs else None,
            b_eq=np.array(self.eq_rhs) if self.eq_rhs else None,
            bounds=np.column_stack([self.lower, self.upper]),
            # Interior point: 11 s on the sample with service terms, against 22 s for dual simplex (measured).
            method="highs-ipm",
            options={"time_limit": time_limit_seconds, "presolve": True},
        )
        if result.status != 0:  # 0: optimal; anything else proves nothing
            return None
        if self.eq_rhs:
            self.eq_duals = np.asarray(result.eqlin.marginals)
        self.breakdown = defaultdict(float)
        for tag, cost, value in zip(self.tags, self.cost, result.x, strict=True):
            if cost:
                self.breakdown[tag] += cost * value
        for tag, constant in self.constants.items():
            self.breakdown[tag] += constant
        # HiGHS's optimum is exact up to its tolerances (about 1e-7 relative): step below them.
        value = float(result.fun) + sum(self.constants.values())
        return value - 1e-6 * max(1.0, abs(value))


def _append_row(
    matrix: tuple[list[int], list[int], list[float], list[float]], terms: list[tuple[float, int]], rhs: float
) -> int:
    """Append one sparse row (coordinate lists and right-hand sides); returns its index."""
    rows, cols, coefs, rhs_list = matrix
    row = len(rhs_list)
    for coef, col in terms:
        rows.append(row)
        cols.append(col)
        coefs.append(coef)
    rhs_list.append(rhs)
    return row


def service_valued(data: ProblemData) -> bool:
    """Whether live service above the requirement is valued (the service tables or the cushion): only then does
    the relaxation see more than CP-SAT's own bound (on the sample with default weights both are 2,896; in an
    experiment with a 50 % cushion at 15 and cross-training off, 7,100 against CP-SAT's 2,946)."""
    weights = data.scenario.site.weights
    return (
        weights.unanswered_contact > 0 or weights.contact_below_target > 0 or weights.service_cushion_per_agent_hour > 0
    )


@dataclass(frozen=True)
class RelaxationBound:
    value: float  # the LP optimum: a lower bound on every plan's objective
    breakdown: dict[str, float]  # the optimum's cost per term: where even the relaxation must pay
    seconds: float
    # Per (queue, interval): what one more hundredth of an agent there would take off the optimum (>= 0).
    prices: dict[tuple[str, int], float] = field(default_factory=dict)


def capacity_bound(ctx: ModelContext, time_limit_seconds: float = 30.0) -> RelaxationBound | None:
    """The LP bound described above, in the model's objective units; None when the LP was not solved."""
    started = time.monotonic()
    data = ctx.data
    weights = data.scenario.site.weights
    grid = data.grid
    minutes = grid.interval_minutes
    lp = _Lp()
    staffed: dict[str, dict[int, list[tuple[float, int]]]] = {q: defaultdict(list) for q in data.demand}

    overtime_rate, undertime_rate = round(100 * weights.overtime_per_hour), round(100 * weights.undertime_per_hour)
    for a, agent in enumerate(data.agents):
        if not agent.options:
            continue
        can = workable(agent, grid.size)
        per_interval: dict[int, list[tuple[float, int]]] = defaultdict(list)
        for queue_id, proficiency in agent.proficiency.items():
            points = proficiency_points(proficiency)
            for index in np.flatnonzero(can & data.demand[queue_id].open_mask[: grid.size]):
                z = lp.var(0.0, 1.0)
                staffed[queue_id][int(index)].append((points, z))
                per_interval[int(index)].append((1.0, z))
        if len(agent.proficiency) > 1:
            for terms in per_interval.values():
                lp.at_most(terms, 1.0)
        # Paid minutes, coverage and hours cost over the horizon's weeks.
        # An option paid nothing (every break unpaid) covers time for free: then coverage has no paid-time limit.
        unpaid = any(o.paid_minutes <= 0 for o in agent.options)
        span_ratio = 0.0 if unpaid else max((o.end - o.start) * minutes / o.paid_minutes for o in agent.options)
        paid_terms: list[tuple[float, int]] = []
        cost_terms: list[tuple[float, int]] = []
        for days in data.weeks():
            limits = week_limits(agent.contract, len(days))
            credit = round(leave_credit_minutes(agent.contract, days, agent.leave_days))
            paid = lp.var(max(0.0, round(limits.min_minutes) - credit), max(0.0, round(limits.max_minutes) - credit))
            overtime = lp.var(0.0, round(limits.max_overtime_minutes))
            undertime = lp.var(0.0, round(limits.contracted_minutes))
            lp.at_least([(1.0, overtime), (-1.0, paid)], credit - round(limits.contracted_minutes))
            lp.at_least([(1.0, undertime), (1.0, paid)], round(limits.contracted_minutes) - credit)
            paid_terms.append((span_ratio, paid))
            cost_terms += [(overtime_rate, overtime), (undertime_rate, undertime)]
        coverage = [(minutes, z) for terms in per_interval.values() for _, z in terms]
        if coverage and not unpaid:
            lp.at_most(coverage + [(-c, v) for c, v in paid_terms], 0.0)
        hours_cost = lp.var(ctx.hours_floor.get(a, 0), None, 1 / (60 * 100), "hours")
        lp.at_least([(1.0, hours_cost)] + [(-c, v) for c, v in cost_terms], 0.0)

    # One staff variable per queue and interval, equal to the agents' proficiency-weighted shares: the queue
    # costs then read one variable, and the equality's dual is the price of staff there.
    staff: dict[str, dict[int, int]] = {q: {} for q in data.demand}
    linking: dict[tuple[str, int], int] = {}
    for queue_id, by_interval in staffed.items():
        for t, terms in by_interval.items():
            staff[queue_id][t] = lp.var(0.0, sum(c for c, _ in terms))
            linking[queue_id, t] = lp.equal([(1.0, staff[queue_id][t])] + [(-c, z) for c, z in terms], 0.0)
    _queue_costs(lp, ctx, staff)
    # The request terms are >= 0 with their constant (objective.py): the relaxation leaves them at 0.
    value = lp.minimum(time_limit_seconds)
    if value is None:
        return None
    # Staff is worth -dual: one hundredth more at (q, t) for free lowers the optimum by that much.
    prices = {key: max(0.0, -float(lp.eq_duals[row])) for key, row in linking.items()}
    return RelaxationBound(value, dict(lp.breakdown), time.monotonic() - started, prices)


def _queue_costs(lp: _Lp, ctx: ModelContext, staff: dict[str, dict[int, int]]) -> None:
    """Every queue's cost terms of the model, reading staff (hundredths) from `staff[q][t]` (a variable index)."""
    minutes = ctx.data.grid.interval_minutes
    for queue_id, demand in ctx.data.demand.items():
        if demand.queue.kind is QueueKind.LIVE:
            _live(lp, ctx, queue_id, staff[queue_id], minutes / 60)
        else:
            _deferred(lp, ctx, queue_id, staff[queue_id], minutes)


def _live(lp: _Lp, ctx: ModelContext, queue_id: str, staff_of: dict[int, int], interval_hours: float) -> None:
    data = ctx.data
    weights = data.scenario.site.weights
    demand = data.demand[queue_id]
    base = weights.understaffing_per_agent_hour * interval_hours / SCALE
    for t in range(data.grid.size):
        required = round(demand.required_agents[t] * SCALE)
        if required <= 0:
            continue
        staff = [(1.0, staff_of[t])] if t in staff_of else []
        first_tier = math.ceil(required * SHORTFALL_TIER)
        short_a = lp.var(0.0, first_tier, base, "understaffing")
        short_b = lp.var(0.0, max(0, required - first_tier), 2 * base, "understaffing")
        lp.at_least([(1.0, short_a), (1.0, short_b), *staff], required)
        if weights.service_cushion_per_agent_hour > 0:
            cushion = math.ceil(required * CUSHION)
            below = lp.var(0.0, cushion, weights.service_cushion_per_agent_hour * interval_hours / SCALE, "cushion")
            lp.at_least([(1.0, below), (1.0, short_a), (1.0, short_b), *staff], required + cushion)
    if weights.unanswered_contact <= 0 and weights.contact_below_target <= 0:
        return
    target = demand.queue.service_level or 0.0
    for t, table in enumerate(demand.service):
        if table is None:
            continue
        volume = float(demand.volume[t])
        worst = round(volume * CONTACT_SCALE)
        allowed = min(worst, round((1.0 - target) * volume * CONTACT_SCALE))
        lost_ok = lp.var(0.0, allowed, weights.unanswered_contact / CONTACT_SCALE, "lost_contacts")
        lost_more = lp.var(
            0.0,
            max(0, worst - allowed),
            (weights.unanswered_contact + weights.contact_below_target) / CONTACT_SCALE,
            "lost_contacts",
        )
        for constant, slope in service_lines(table, demand.attendance, volume):
            terms = [(float(slope), staff_of[t])] if t in staff_of and slope else []
            lp.at_least([(1.0, lost_ok), (1.0, lost_more), *terms], constant)


def _deferred(lp: _Lp, ctx: ModelContext, queue_id: str, staff_of: dict[int, int], minutes: int) -> None:
    data = ctx.data
    weights = data.scenario.site.weights
    arrived, due = deferred_profile(data.demand[queue_id])
    total = arrived[-1] if arrived else 0
    if total <= 0:
        return
    late_weight = weights.late_work_per_hour * (minutes / 60) / (60 * SCALE)
    previous: int | None = None  # the done variable of the interval before (None: nothing done yet)
    for t in range(data.grid.size):
        done = lp.var(0.0, arrived[t])
        # done(t) - done(t-1) <= minutes x staff(t), done(t) >= done(t-1)
        step = [(1.0, done)] + ([(-1.0, previous)] if previous is not None else [])
        lp.at_most(step + ([(-float(minutes), staff_of[t])] if t in staff_of else []), 0.0)
        if previous is not None:
            lp.at_least(step, 0.0)
        if due[t] > 0:
            late = lp.var(0.0, due[t], late_weight, "late_work")
            lp.at_least([(1.0, late), (1.0, done)], due[t])
        previous = done
    # Backlog left: weight x (total - done(T)).
    backlog_weight = weights.backlog_per_work_hour / (60 * SCALE)
    lp.cost[previous] -= backlog_weight  # type: ignore[index]
    lp.tags[previous] = "backlog"  # type: ignore[index]
    lp.constants["backlog"] += backlog_weight * total


def lagrangian_bound(
    ctx: ModelContext,
    prices: dict[tuple[str, int], float],
    *,
    seconds_per_agent: float = 1.0,
    deadline: float = math.inf,
    stop: threading.Event | None = None,
) -> float | None:
    """A bound that also knows the shapes of shifts: the model with staff priced instead of counted.

    Relax `staff(q, t) = sum of the agents' proficiency-weighted presence` with price p(q, t) >= 0. The model
    then falls apart into (1) the queues, each buying staff at p: min over staff in [0, most] of the queue's
    cost + p x staff, an LP as above without agents; and (2) each agent alone, earning p for every hundredth of
    them present: min over their weeks under every hard rule of overtime + undertime cost - earnings, solved
    exactly by a one-agent CP-SAT model (its proven bound is used). For any prices the sum is a lower bound
    on every plan's cost (weak duality); with the relaxation LP's duals it is at least that LP's bound up to
    the agents' integrality, which is what it adds: whole shifts, days off, rest.
    """
    data = ctx.data
    grid = data.grid
    block = data.block_intervals
    weights = data.scenario.site.weights
    # (1) The queues' side.
    lp = _Lp()
    earnings: list[tuple[int, list[float]]] = []  # per agent: each option's earnings at these prices
    for a, agent in enumerate(data.agents):
        single = a in ctx.single_queue
        values = []
        for option in agent.options:
            end = min(option.end, grid.size)
            value = 0.0
            if single:
                queue_id = ctx.single_queue[a]
                points = proficiency_points(agent.proficiency[queue_id])
                value = sum(points * prices.get((queue_id, t), 0.0) for t in range(option.start, end))
            else:
                # Blocks this option covers whole, on the queues the model gave a block variable (open all block
                # long, no fixed activity): exactly where the model lets this agent count.
                for first in range(option.start - option.start % block, end, block):
                    last = min(first + block, grid.size)
                    if not option.covers(first, last):
                        continue
                    value += max(
                        [0.0]
                        + [
                            proficiency_points(p) * sum(prices.get((q, t), 0.0) for t in range(first, last))
                            for q, p in agent.proficiency.items()
                            if (a, q, first) in ctx.y
                        ]
                    )
            values.append(value)
        earnings.append((a, values))
    staff: dict[str, dict[int, int]] = {q: {} for q in data.demand}
    for queue_id, demand in data.demand.items():
        most = queue_reach(data, queue_id) * demand.open_mask[: grid.size]  # every skilled agent who could be there
        for t in np.flatnonzero(most):
            staff[queue_id][int(t)] = lp.var(0.0, float(most[t]), prices.get((queue_id, int(t)), 0.0))
    _queue_costs(lp, ctx, staff)
    queues = lp.minimum(max(1.0, deadline - time.monotonic()))
    if queues is None:
        return None
    # (2) Each agent's side, at the model's own rates (hundredths of the hourly weights per minute).
    overtime_rate = round(100 * weights.overtime_per_hour) / (60 * 100)
    undertime_rate = round(100 * weights.undertime_per_hour) / (60 * 100)
    total = queues  # the request terms are >= 0 (objective.py)
    for a, values in earnings:
        if time.monotonic() > deadline or (stop is not None and stop.is_set()):
            return None
        agent = data.agents[a]
        if not agent.options:
            continue
        sub = agent_model(data, agent, HARD_RULES)  # one-agent models are the model's own
        sub.model.minimize(
            sum(overtime_rate * v for v in sub.overtime.values())
            + sum(undertime_rate * v for v in sub.undertime.values())
            - sum(value * sub.x[0, o] for o, value in enumerate(values))
        )
        solver = agent_solver()
        solver.parameters.max_deterministic_time = seconds_per_agent
        # This runs in a thread beside the main solve: leave Ctrl-C to the main solve (CP-SAT would take the
        # process's SIGINT handler and reset it to the default, which kills the run).
        solver.parameters.catch_sigint_signal = False
        code = solver.solve(sub.model)
        if code not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
            return None
        total += solver.best_objective_bound
    return total


def proven_bounds(
    ctx: ModelContext, time_limit_seconds: float, stop: threading.Event | None = None
) -> dict[str, float]:
    """The capacity relaxation's bound and, priced with its duals, the Lagrangian bound: whichever were found.

    Measured on the sample's back-office surge x1.15 with service valued 5 / 5: LP 3,882 in 11 s, Lagrangian
    3,982 in 2 s more, while 60 s of search end at 5,333; ten subgradient steps from the LP's prices found
    nothing higher, so the remaining gap there is the search's. With default weights both equal CP-SAT's 2,896.
    """
    deadline = time.monotonic() + time_limit_seconds
    relaxed = capacity_bound(ctx, time_limit_seconds)
    if relaxed is None:
        return {}
    bounds = {"relaxation_bound": relaxed.value}
    if stop is not None and stop.is_set():  # the search already ended: a Lagrangian bound would only add time
        return bounds
    lagrangian = lagrangian_bound(ctx, relaxed.prices, deadline=deadline, stop=stop)
    if lagrangian is not None:
        bounds["lagrangian_bound"] = lagrangian
    return bounds
