"""A better first plan for plans to shift requirements alone: column generation, then plans the roster LP points to.

Why: on shift-based demand (shift_requirements.csv, no interval queues) the hard part is covering every shift of
every day while each person's month keeps its sequence rules (consecutive days, days off, weekends, successions,
total hours). CP-SAT's LP sees those rules one constraint at a time and its bound stalls well below the plans it
can find, and its search from the warm start wanders (Curtois & Qu instance 8 at 60 s: 1,630 to 2,143 over three
seeds). The LP over whole personal rosters ("columns") is far tighter: instance 8's reached 1,297 against CP-SAT's
1,250 and the best known 1,308. So, before the main search:

1. Column generation. Each agent starts with the warm start's roster. The master LP chooses a mix of rosters
   per agent (the mixes sum to 1) and pays the requirement's under and over weights for what the mix leaves;
   its duals price each (day, template) cell. Each agent's pricing problem is the agent's own one-agent model
   (`agent_model`: every hard rule, exact) maximising what the prices and their requests give, less their hours
   cost; every roster the search meets with a negative reduced cost joins the pool. Repeated until no agent has
   a better roster, the LP is within CONVERGED_SHARE of its Lagrangian bound, or half the phase's time passed.
2. The LP's sure choices fixed: every shift the LP mix works with weight >= 0.99 is fixed on, every one it works
   with weight <= 0.01 fixed off (both are consistent with every roster in the mix, so a plan exists), and
   CP-SAT solves what is left: a much smaller problem, with the LP's structure in it. Then, from that plan, the
   same with only the shifts the mix never works fixed off (a degenerate LP's mix can fix on choices that leave
   no good plan).
3. The cover first (`_cover_first`): the LP of the cover alone over the same rosters, priced further; with every
   shift it never works fixed off, CP-SAT finds the least cover cost, then the cheapest plan at that cover.
   Why: a person short usually costs far more than anything else (100 against 1 to 3 a request on the
   benchmark), and the priced LP's thin mix of rosters can promise a cover no plan within its choices keeps
   (instance 8: the LP is 12 people short, step 2's plan 13; step 3 finds 12).

Column generation takes up to half the phase; step 2 a quarter of what is left, step 3 the rest (each search
ends early when it proves its optimum). With what time is left, column generation goes on to DUALS_CONVERGED_SHARE
and every agent's reduced-cost bounds are computed at the LP's duals (`roster_cuts`: for the main search's turns
over the plans cheaper than the one in hand). The caller keeps whichever first plan costs less (the warm start's or
this one) as the hint of the main search over the whole model, so this phase can only help the first plan; it
takes time from the main search. Measured figures: docs/benchmarks.md. A first version stopped when the LP had
not moved for 3 rounds: an LP stuck on degenerate rounds stopped at once (instance 12: 4 rounds, 13 s, ending
at 4,606 against 4,392 without the phase).
"""

from __future__ import annotations

import math
import os
import time
from collections import defaultdict
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

import numpy as np
from ortools.sat.python import cp_model
from scipy.optimize import linprog
from scipy.sparse import coo_array

from wfm.interrupt import stoppable
from wfm.scheduling.context import ModelContext, agent_model, agent_solver, hint_every_variable, solve_agent
from wfm.scheduling.decisions import derive_all, hint_cost
from wfm.scheduling.objective import most_request_credit
from wfm.scheduling.roster_cuts import SCALE, AgentDuals, RosterDuals, agent_duals, roster_duals
from wfm.scheduling.rules import HARD_RULES

# The LP mix's weight above which a shift is fixed on (and below 1 - this, off).
SURE = 0.99
# Column generation stops when the LP's value is within this share of the Lagrangian bound (the LP over every
# roster can be no lower than that): more rounds could only move it by so much.
CONVERGED_SHARE = 0.001
# Each pricing solve's deterministic time (one agent's month: exact in well under this on the benchmarks).
PRICING_SECONDS = 1.0
# Column generation goes on to this share before the reduced-cost bounds (roster_cuts).
DUALS_CONVERGED_SHARE = 1e-5
# Reduced costs are rounded to this many parts of a unit in the pricing objective (CP-SAT is integral).
PRICE_SCALE = 1000


def applies(ctx: ModelContext) -> bool:
    """Plans to shift requirements alone: no interval queue (the columns carry no queue choices) and no
    previous plan to keep close to (the pricing does not value kept shifts)."""
    data = ctx.data
    return bool(data.scenario.shift_requirements) and not data.demand and not ctx.y and not ctx.previous


@dataclass
class ColumnReport:
    """What the phase did, for the plan's message and the benchmarks."""

    rounds: int = 0
    columns: int = 0
    lp_value: float | None = None  # the master LP's last value (the agents' own costs without constants)
    lagrangian_bound: float = -math.inf  # no roster mix can cost less than this (same units as lp_value)
    fixed: int = 0  # shift decisions the LP fixed
    free: int = 0  # shift decisions left to the search
    seconds: float = 0.0
    stopped_by: str = ""
    cost: float | None = None  # the plan found (the model's objective), if any
    cover_cost: float | None = None  # the least cover cost the cover-first step found
    cover_plan_cost: float | None = None  # the cover-first plan's objective
    duals: RosterDuals | None = None  # the roster LP's duals with every agent's reduced-cost bounds (roster_cuts)
    notes: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class _Column:
    options: frozenset[int]
    cost: float  # the agent's own terms: hours cost less what their requests give


class _Pool:
    """The master LP over the agents' rosters and the shift requirements' under and over people."""

    def __init__(self, ctx: ModelContext) -> None:
        data = ctx.data
        self.ctx = ctx
        self.requirements: list[tuple[int, str, int, float, float]] = []  # (day, template, required, under, over)
        self.row: dict[tuple[int, str], int] = {}
        for day, requirement in data.shift_requirements():
            self.row[day, requirement.template] = len(self.requirements)
            self.requirements.append(
                (day, requirement.template, requirement.required, requirement.weight_under, requirement.weight_over)
            )
        # Per agent and option: the requirement row it staffs (None: no requirement that day and template).
        self.cell = [
            [self.row.get((option.day, option.template_id)) for option in agent.options] for agent in data.agents
        ]
        self.columns: list[list[_Column]] = [[] for _ in data.agents]
        self._seen: list[set[frozenset[int]]] = [set() for _ in data.agents]
        # False: the LP prices the cover alone (every roster costs nothing of its own): the cover-first step.
        self.own_costs = True

    def add(self, a: int, options: frozenset[int], cost: float) -> bool:
        if options in self._seen[a]:
            return False
        self._seen[a].add(options)
        self.columns[a].append(_Column(options, cost))
        return True

    def cell_prices(self, a: int, prices: np.ndarray) -> list[float]:
        """Per option of agent a, the LP's net price of the requirement it staffs (0 where none)."""
        return [0.0 if r is None else float(prices[r]) for r in self.cell[a]]

    def solve(self) -> tuple[float, np.ndarray, np.ndarray, dict[tuple[int, int], float]] | None:
        """The LP's value, each requirement's net price (under dual less over dual), each agent's convexity dual,
        and the mix: (agent, column) -> weight. None when HiGHS does not return an optimum."""
        count = len(self.requirements)
        costs: list[float] = []
        under_rows: list[int] = []
        under_cols: list[int] = []
        under_vals: list[float] = []
        agent_rows: list[int] = []
        agent_cols: list[int] = []
        owner: list[tuple[int, int]] = []
        for a, columns in enumerate(self.columns):
            for k, column in enumerate(columns):
                j = len(costs)
                costs.append(column.cost if self.own_costs else 0.0)
                owner.append((a, k))
                agent_rows.append(a)
                agent_cols.append(j)
                for o in column.options:
                    r = self.cell[a][o]
                    if r is not None:  # staffs r: counts against "under" (row r) and towards "over" (row count + r)
                        under_rows += [r, count + r]
                        under_cols += [j, j]
                        under_vals += [-1.0, 1.0]
        for r, (_, _, _, weight_under, weight_over) in enumerate(self.requirements):
            j = len(costs)
            costs += [weight_under, weight_over]
            under_rows += [r, count + r]
            under_cols += [j, j + 1]
            under_vals += [-1.0, -1.0]
        required = np.array([req for _, _, req, _, _ in self.requirements], dtype=float)
        agents = len(self.columns)
        result = linprog(
            np.array(costs),
            A_ub=coo_array((under_vals, (under_rows, under_cols)), shape=(2 * count, len(costs))).tocsr(),
            b_ub=np.concatenate([-required, required]),
            A_eq=coo_array(([1.0] * len(agent_rows), (agent_rows, agent_cols)), shape=(agents, len(costs))).tocsr(),
            b_eq=np.ones(agents),
            bounds=(0, None),
            method="highs",
        )
        if result.status != 0:
            return None
        duals = -np.asarray(result.ineqlin.marginals)  # both rows are <=: their duals are <= 0 in scipy's sign
        prices = duals[:count] - duals[count:]
        mix = {owner[j]: float(result.x[j]) for j in range(len(owner)) if result.x[j] > 1e-9}
        return float(result.fun), prices, np.asarray(result.eqlin.marginals), mix


_Found = tuple[frozenset[int], float]  # a roster's shift options and its hours cost


class _Pricing:
    """Agent a's one-agent model (every hard rule), kept across rounds; each round only re-sets its objective."""

    def __init__(self, ctx: ModelContext, a: int, requested: dict[int, float]) -> None:
        data = ctx.data
        weights = data.scenario.site.weights
        self.a = a
        self.sub = agent_model(data, data.agents[a], HARD_RULES)
        self.requested = requested
        # The model's own hours rates (objective.py): hundredths of the hourly weights per minute.
        overtime_rate = round(100 * weights.overtime_per_hour) / (60 * 100)
        undertime_rate = round(100 * weights.undertime_per_hour) / (60 * 100)
        self.hours_terms = [(overtime_rate, v) for v in self.sub.overtime.values()] + [
            (undertime_rate, v) for v in self.sub.undertime.values()
        ]
        self.options = len(data.agents[a].options)

    def gains(self, cell_prices: list[float], own_costs: bool = True) -> list[float]:
        """Per option, what working it gains at the LP's prices: its cell's price and (with `own_costs`) the
        request credit."""
        return [p + self.requested.get(o, 0.0) if own_costs else p for o, p in enumerate(cell_prices)]

    def cost(self, options: frozenset[int], hours: float) -> float:
        return hours - sum(self.requested.get(o, 0.0) for o in options)

    def hours_of(self, options: frozenset[int]) -> float:
        """The hours cost of a given roster (its one-agent model with the shifts fixed)."""
        model = self.sub.model.clone()
        for o in range(self.options):
            model.add(model.get_int_var_from_proto_index(self.sub.x[0, o].index) == int(o in options))
        model.minimize(sum(round(PRICE_SCALE * rate) * v for rate, v in self.hours_terms))
        solver = agent_solver()
        code = solver.solve(model)
        return float(solver.objective_value) / PRICE_SCALE if code == cp_model.OPTIMAL else 0.0

    def rosters(
        self, gains: list[float], seed: int, until: float, own_costs: bool = True
    ) -> tuple[list[_Found], float]:
        """Every roster the search meets, with its hours cost, maximising `gains` less hours cost (`own_costs`;
        otherwise `gains` alone); and the proven bound on the least hours cost less gains (in units). Ends by
        `until` (time.monotonic()) at the latest."""
        # Integral coefficients (PRICE_SCALE parts of a unit): CP-SAT scales a floating objective itself, less
        # predictably.
        self.sub.model.minimize(
            sum(round(PRICE_SCALE * rate) * v for rate, v in self.hours_terms if own_costs)
            - sum(round(PRICE_SCALE * g) * self.sub.x[0, o] for o, g in enumerate(gains))
        )
        solver = agent_solver(seed=seed)
        solver.parameters.max_deterministic_time = PRICING_SECONDS
        # A long horizon's pricing takes far longer in seconds than in deterministic time (Curtois & Qu instance
        # 20, half a year: minutes a round), and the phase must end on time.
        solver.parameters.max_time_in_seconds = max(0.01, until - time.monotonic())
        found: list[_Found] = []
        x = [self.sub.x[0, o] for o in range(self.options)]
        terms = self.hours_terms

        class _Collect(cp_model.CpSolverSolutionCallback):
            def on_solution_callback(self) -> None:
                worked = frozenset(o for o, v in enumerate(x) if self.boolean_value(v))
                found.append((worked, sum(rate * self.value(v) for rate, v in terms)))

        with stoppable(solver):
            code = solve_agent(self.sub.model, solver, _Collect())
        if code not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
            return found, -math.inf
        return found, solver.best_objective_bound / PRICE_SCALE


def _generate(
    pool: _Pool,
    pricing: list[_Pricing],
    threads: ThreadPoolExecutor,
    deadline: float,
    seed: int,
    report: ColumnReport,
    converged_share: float = CONVERGED_SHARE,
) -> tuple[float, np.ndarray, np.ndarray, dict[tuple[int, int], float]] | None:
    """Rounds of the master LP and every agent's pricing until no roster prices out, the LP is within
    `converged_share` of its Lagrangian bound or `deadline` passes; the last LP solution (None if the LP
    failed)."""
    while True:
        solved = pool.solve()
        if solved is None:
            report.stopped_by = "the LP solver failed"
            return None
        value, prices, convexity, _ = solved
        report.rounds += 1
        report.lp_value = value
        own = pool.own_costs
        cell_prices = [pool.cell_prices(a, prices) for a in range(len(pricing))]
        gains = [price.gains(cell_prices[a], own) for a, price in enumerate(pricing)]

        def price_agent(
            a: int, gains: list[list[float]] = gains, rounds: int = report.rounds, own: bool = own
        ) -> tuple[list[_Found], float]:
            if time.monotonic() > deadline:
                return [], -math.inf
            return pricing[a].rosters(gains[a], seed + rounds, deadline, own)

        added = 0
        # Lagrangian bound: the LP over every roster is at least this LP's value plus each agent's most negative
        # reduced cost (as the pricing proved it).
        lagrangian = value
        # One agent's model per thread: CP-SAT releases the GIL while it solves, so the cores share the agents.
        for a, (found, least) in enumerate(threads.map(price_agent, range(len(pricing)))):
            price = pricing[a]
            # (less what rounding the gains to PRICE_SCALE parts can hide: half a part a day, one shift a day)
            lagrangian += min(0.0, least - float(convexity[a]) - 0.5 * pool.ctx.data.grid.days / PRICE_SCALE)
            for options, hours in found:
                cost = price.cost(options, hours)
                reduced = (cost if own else 0.0) - sum(cell_prices[a][o] for o in options) - float(convexity[a])
                if reduced < -1e-6 and pool.add(a, options, cost):
                    added += 1
        report.lagrangian_bound = max(report.lagrangian_bound, lagrangian)
        if not added:
            report.stopped_by = "no roster prices out (the LP is optimal over all rosters)"
            return solved
        if value - report.lagrangian_bound <= converged_share * max(1.0, abs(value)):
            report.stopped_by = f"the LP within {converged_share:.3%} of its Lagrangian bound"
            return solved
        if time.monotonic() > deadline:
            report.stopped_by = "its share of the time limit"
            return solved


def column_plan(
    ctx: ModelContext,
    start: dict[int, int],
    requested: list[dict[int, float]],
    *,
    seconds: float,
    workers: int,
    seed: int,
) -> tuple[dict[int, int] | None, ColumnReport]:
    """Shift decisions (proto index -> 0/1 of every x) of a plan found as the module says, within about
    `seconds`, starting from the decisions `start` (the warm start's); None when none was found in time.
    `requested[a]`: what working each of agent a's options takes off their request terms
    (`warm_start.request_values`)."""
    started = time.monotonic()
    deadline = started + seconds
    report = ColumnReport()
    data = ctx.data
    pool = _Pool(ctx)
    pricing = [_Pricing(ctx, a, requested[a]) for a in range(len(data.agents))]
    for a, agent in enumerate(data.agents):
        options = frozenset(o for o in range(len(agent.options)) if start.get(ctx.x[a, o].index, 0))
        pool.add(a, options, pricing[a].cost(options, pricing[a].hours_of(options)))
    plans: list[tuple[float, dict[int, int]]] = []
    # Column generation gets half the time; the two searches below what it leaves (a few seconds to a minute
    # on the benchmarks), each ending early when it proves its optimum.
    with ThreadPoolExecutor(max(1, min(workers, os.cpu_count() or 1)), thread_name_prefix="wfm-pricing") as threads:
        try:
            solved = _generate(pool, pricing, threads, started + 0.5 * seconds, seed, report)
            if solved is not None:
                fixed_until = time.monotonic() + 0.25 * max(0.0, deadline - time.monotonic())
                found = _fixed_search(ctx, _shares(pool, solved[3]), fixed_until, workers, seed, report)
                plans += [found] if found else []
                if ctx.shift_cover:
                    beat = min((cost for cost, _ in plans), default=None)
                    found = _cover_first(ctx, pool, pricing, threads, deadline, workers, seed, report, beat)
                    plans += [found] if found else []
                # With what time the phase has left (none where its searches took it all: they come first).
                report.duals = _duals_when_converged(ctx, pool, pricing, threads, deadline, seed, report)
        finally:  # an interrupted run (wfm.interrupt) must not wait for the agents still queued
            threads.shutdown(wait=False, cancel_futures=True)
    report.seconds = time.monotonic() - started
    report.columns = sum(len(c) for c in pool.columns)
    if not plans:
        return None, report
    report.cost, decisions = min(plans, key=lambda plan: plan[0])
    return decisions, report


def _duals_when_converged(
    ctx: ModelContext,
    pool: _Pool,
    pricing: list[_Pricing],
    threads: ThreadPoolExecutor,
    until: float,
    seed: int,
    report: ColumnReport,
) -> RosterDuals | None:
    """The own-cost LP over every roster found so far, priced on to DUALS_CONVERGED_SHARE in half the time left,
    then every agent's reduced-cost bounds at its duals by `until`; None if not all in time.

    Why converged: the fixings and cuts are only as sharp as the LP. On Curtois & Qu instance 6 at 0.1 % the
    bound was 1,947.5 and fixed 617 decisions below 1,951; converged, 1,949.0 and 787 below 1,950. Why last: on
    instance 8 the phase's searches need all its time (its cover-first plan is the search's start), and the
    bounds before them (then a quarter of the time left) left CP-SAT's first plan at 1,355 against
    1,341, and did not finish."""
    if time.monotonic() > until - 1.0:
        return None
    pool.own_costs = True
    converged = ColumnReport()
    solved = _generate(
        pool, pricing, threads, 0.5 * (time.monotonic() + until), seed + report.rounds, converged, DUALS_CONVERGED_SHARE
    )
    report.rounds += converged.rounds
    return None if solved is None else _duals(ctx, pool, pricing, solved, threads, until)


def _duals(
    ctx: ModelContext,
    pool: _Pool,
    pricing: list[_Pricing],
    solved: tuple[float, np.ndarray, np.ndarray, dict[tuple[int, int], float]],
    threads: ThreadPoolExecutor,
    until: float,
) -> RosterDuals | None:
    """The own-cost LP's duals with every agent's reduced-cost bounds, for `roster_cuts`; None if not all in
    time."""
    value, prices, convexity, _ = solved
    lp_value = value + most_request_credit(ctx.data)

    def agent(a: int) -> Callable[[], AgentDuals | None]:
        price = pricing[a]
        gains = price.gains(pool.cell_prices(a, prices))
        hours = [(round(SCALE * rate), var) for rate, var in price.hours_terms]
        x = [price.sub.x[0, o] for o in range(price.options)]
        return lambda: agent_duals(price.sub.model, x, hours, gains, float(convexity[a]), until)

    return roster_duals(lp_value, [agent(a) for a in range(len(pricing))], ctx.data.grid.days, threads)


def _shares(pool: _Pool, mix: dict[tuple[int, int], float]) -> dict[tuple[int, int], float]:
    """(agent, option) -> the weight with which the LP mix works that shift."""
    worked: dict[tuple[int, int], float] = defaultdict(float)
    for (a, k), weight in mix.items():
        for o in pool.columns[a][k].options:
            worked[a, o] += weight
    return worked


def _restricted(ctx: ModelContext, shares: dict[tuple[int, int], float], fix_on: bool) -> tuple[cp_model.CpModel, int]:
    """The model with every shift the LP mix never works (share <= 1 - SURE) fixed off and, with `fix_on`,
    every one it works with share >= SURE fixed on: choices every roster in the mix agrees on, so a plan exists.
    And how many shift decisions it fixed."""
    model = ctx.model.clone()
    model.clear_hints()
    fixed = 0
    for (a, o), var in ctx.x.items():
        share = shares.get((a, o), 0.0)
        if share <= 1 - SURE or (fix_on and share >= SURE):
            model.add(model.get_int_var_from_proto_index(var.index) == int(share >= SURE))
            fixed += 1
    return model, fixed


def _search(
    model: cp_model.CpModel, until: float, workers: int, seed: int, beat: float | None = None
) -> tuple[cp_model.CpSolver, bool]:
    """CP-SAT on `model` until `until` (at least a second); and whether it found a plan. With `beat` (the cost of
    a plan in hand), it stops as soon as its bound shows no plan of `model` costs less."""
    solver = cp_model.CpSolver()
    solver.parameters.num_workers = workers
    solver.parameters.random_seed = seed
    solver.parameters.max_time_in_seconds = max(1.0, until - time.monotonic())
    if beat is not None:
        # Measured on Curtois & Qu instance 6: the cover-first polish ran its 136 s to 1,969 (bound 1,961) while
        # the fixed search's plan in hand cost 1,952; the time goes to the main search instead.
        solver.best_bound_callback = lambda bound: solver.stop_search() if bound >= beat - 1e-6 else None
    with stoppable(solver):
        code = solver.solve(model)
    return solver, code in (cp_model.OPTIMAL, cp_model.FEASIBLE) and math.isfinite(solver.objective_value)


def _decisions(ctx: ModelContext, model: cp_model.CpModel, solver: cp_model.CpSolver) -> dict[int, int]:
    return {var.index: int(solver.value(model.get_int_var_from_proto_index(var.index))) for var in ctx.x.values()}


def _fixed_search(
    ctx: ModelContext,
    shares: dict[tuple[int, int], float],
    until: float,
    workers: int,
    seed: int,
    report: ColumnReport,
) -> tuple[float, dict[int, int]] | None:
    """Step 2: the LP's sure choices fixed, CP-SAT on the rest; then only the shifts the LP never works fixed
    off, from that plan. The plan's cost and decisions.

    Why the second search: the master LP is degenerate and which of its optimal mixes it ends on varies from run
    to run; some mixes' sure choices leave no good plan. Measured on Curtois & Qu instance 6, two runs of the same
    phase: the sure choices left 2,044 in one and 1,952 in the other; with only the never-worked shifts fixed
    (350 decisions free instead of 128) the first run's mix gave 1,952 in 0.1 s. Each search gets half the time,
    and a small model's ends at once with its proof."""
    halfway = time.monotonic() + 0.5 * max(0.0, until - time.monotonic())
    model, report.fixed = _restricted(ctx, shares, fix_on=True)
    report.free = len(ctx.x) - report.fixed
    solver, found = _search(model, halfway, workers, seed)
    if not found:
        report.notes.append("the search with the LP's choices fixed found no plan in time")
        return None
    wider, fixed = _restricted(ctx, shares, fix_on=False)
    hint_every_variable(wider, lambda index: solver.value(model.get_int_var_from_proto_index(index)))
    widened, found = _search(wider, until, workers, seed)
    if not found or widened.objective_value >= solver.objective_value:
        return solver.objective_value, _decisions(ctx, model, solver)
    report.fixed, report.free = fixed, len(ctx.x) - fixed
    return widened.objective_value, _decisions(ctx, wider, widened)


def _cover_first(
    ctx: ModelContext,
    pool: _Pool,
    pricing: list[_Pricing],
    threads: ThreadPoolExecutor,
    deadline: float,
    workers: int,
    seed: int,
    report: ColumnReport,
    beat: float | None = None,
) -> tuple[float, dict[int, int]] | None:
    """Step 3, the cover first: the plan with the least cover cost the roster LP points to, then the best of
    those for everything else. The priced LP spreads people thinly: on Curtois & Qu instance 8 its mix is 12
    people short, which no plan within its choices reaches (the step 2 plan is 13 short), and a person short
    costs 100 against 1 to 3 for a request. So: (a) the LP of the cover alone (no roster costs anything of its
    own) over the same rosters, priced further; (b) CP-SAT, with every shift that LP never works fixed off,
    minimises the cover cost alone; (c) that cost becomes a cap and the same restricted model minimises the
    whole objective from (b)'s plan, until its bound shows it cannot beat `beat` (step 2's plan). On instance 8
    (b) finds a plan 12 short in 39 s."""
    began = time.monotonic()
    span = deadline - began
    pool.own_costs = False
    cover_report = ColumnReport()
    solved = _generate(pool, pricing, threads, began + 0.2 * span, seed, cover_report)
    report.rounds += cover_report.rounds
    if solved is None:
        return None
    shares = _shares(pool, solved[3])
    least, _ = _restricted(ctx, shares, fix_on=False)
    whole = least.clone()  # the same restriction, for (c), before (b)'s objective and hints
    least.minimize(sum(weight * var for weight, var in ctx.shift_cover))
    _hint_heaviest(ctx, least, pool, solved[3])
    solver, found = _search(least, began + 0.6 * span, workers, seed)
    if not found:
        report.notes.append("the cover-first search found no plan in time")
        return None
    # The cap in whole PRICE_SCALE parts (a linear constraint is integral), read off the plan itself so it holds.
    scaled = [(round(PRICE_SCALE * weight), var) for weight, var in ctx.shift_cover]
    cap = sum(c * solver.value(least.get_int_var_from_proto_index(var.index)) for c, var in scaled)
    report.cover_cost = solver.objective_value
    whole.add(sum(c * whole.get_int_var_from_proto_index(var.index) for c, var in scaled) <= cap)
    hint_every_variable(whole, lambda index: solver.value(least.get_int_var_from_proto_index(index)))
    polished, found = _search(whole, deadline, workers, seed, beat)
    if not found:  # (b)'s plan as it is, at its whole cost
        decisions = _decisions(ctx, least, solver)
        report.cover_plan_cost = hint_cost(ctx, derive_all(ctx, decisions))
        return report.cover_plan_cost, decisions
    report.cover_plan_cost = polished.objective_value
    return polished.objective_value, _decisions(ctx, whole, polished)


def _hint_heaviest(ctx: ModelContext, model: cp_model.CpModel, pool: _Pool, mix: dict[tuple[int, int], float]) -> None:
    """Hint each agent's heaviest roster in the LP mix: a plan of the restricted model (every roster in the mix
    keeps the fixings)."""
    heaviest: dict[int, tuple[float, int]] = {}
    for (a, k), weight in mix.items():
        if weight > heaviest.get(a, (0.0, -1))[0]:
            heaviest[a] = (weight, k)
    for (a, o), var in ctx.x.items():
        worked = a in heaviest and o in pool.columns[a][heaviest[a][1]].options
        model.add_hint(model.get_int_var_from_proto_index(var.index), int(worked))
