"""A better first plan for plans to shift requirements alone: column generation, then the LP's sure choices fixed.

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
   a better roster, the LP is within CONVERGED_SHARE of its Lagrangian bound, or 60 % of the phase's time passed.
2. The LP's sure choices fixed: every shift the LP mix works with weight >= 0.99 is fixed on, every one it works
   with weight <= 0.01 fixed off (both are consistent with every roster in the mix, so a plan exists), and
   CP-SAT solves what is left: a much smaller problem, with the LP's structure in it.

The caller keeps whichever first plan costs less (the warm start's or this one) as the hint of the main search
over the whole model, so this phase can only help the first plan; it takes time from the main search. Measured
with `schedule` giving it a quarter of 600 s (bench/shift_benchmark.py, docs/benchmarks.md): instance 8 ends
at 1,395 (its first plan 1,399), where the search alone ended at 1,351 and 1,614 in two runs; 12 at 4,160
(4,392); 10 and 11 at their best known values. A first version stopped when the LP had not moved for 3
rounds: an LP stuck on degenerate rounds stopped at once (instance 12: 4 rounds, 13 s, ending at 4,606).
"""

from __future__ import annotations

import math
import os
import time
from collections import defaultdict
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

import numpy as np
from ortools.sat.python import cp_model
from scipy.optimize import linprog
from scipy.sparse import coo_array

from wfm.interrupt import stoppable
from wfm.scheduling.context import ModelContext, agent_model
from wfm.scheduling.rules import HARD_RULES

# The LP mix's weight above which a shift is fixed on (and below 1 - this, off).
SURE = 0.99
# Column generation stops when the LP's value is within this share of the Lagrangian bound (the LP over every
# roster can be no lower than that): more rounds could only move it by so much.
CONVERGED_SHARE = 0.001
# Each pricing solve's deterministic time (one agent's month: exact in well under this on the benchmarks).
PRICING_SECONDS = 1.0
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

    def add(self, a: int, options: frozenset[int], cost: float) -> bool:
        if options in self._seen[a]:
            return False
        self._seen[a].add(options)
        self.columns[a].append(_Column(options, cost))
        return True

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
                costs.append(column.cost)
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

    def cost(self, options: frozenset[int], hours: float) -> float:
        return hours - sum(self.requested.get(o, 0.0) for o in options)

    def hours_of(self, options: frozenset[int]) -> float:
        """The hours cost of a given roster (its one-agent model with the shifts fixed)."""
        model = self.sub.model.clone()
        for o in range(self.options):
            model.add(model.get_int_var_from_proto_index(self.sub.x[0, o].index) == int(o in options))
        model.minimize(sum(round(PRICE_SCALE * rate) * v for rate, v in self.hours_terms))
        solver = cp_model.CpSolver()
        solver.parameters.num_workers = 1
        code = solver.solve(model)
        return float(solver.objective_value) / PRICE_SCALE if code == cp_model.OPTIMAL else 0.0

    def rosters(self, gains: list[float], seed: int) -> tuple[list[_Found], float]:
        """Every roster the search meets, with its hours cost, maximising `gains` less hours cost; and the proven
        bound on the least hours cost less gains (in units)."""
        # Integral coefficients (PRICE_SCALE parts of a unit): CP-SAT scales a floating objective itself, less
        # predictably.
        self.sub.model.minimize(
            sum(round(PRICE_SCALE * rate) * v for rate, v in self.hours_terms)
            - sum(round(PRICE_SCALE * g) * self.sub.x[0, o] for o, g in enumerate(gains))
        )
        solver = cp_model.CpSolver()
        solver.parameters.num_workers = 1
        solver.parameters.random_seed = seed
        solver.parameters.max_deterministic_time = PRICING_SECONDS
        found: list[_Found] = []
        x = [self.sub.x[0, o] for o in range(self.options)]
        terms = self.hours_terms

        class _Collect(cp_model.CpSolverSolutionCallback):
            def on_solution_callback(self) -> None:
                worked = frozenset(o for o, v in enumerate(x) if self.boolean_value(v))
                found.append((worked, sum(rate * self.value(v) for rate, v in terms)))

        with stoppable(solver):
            code = solver.solve(self.sub.model, _Collect())
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
) -> tuple[float, np.ndarray, np.ndarray, dict[tuple[int, int], float]] | None:
    """Rounds of the master LP and every agent's pricing until no roster prices out, the LP stalls or `deadline`
    passes; the last LP solution (None if the LP failed)."""
    while True:
        solved = pool.solve()
        if solved is None:
            report.stopped_by = "the LP solver failed"
            return None
        value, prices, convexity, _ = solved
        report.rounds += 1
        report.lp_value = value
        gains = [
            [
                price.requested.get(o, 0.0) + (0.0 if (r := pool.cell[a][o]) is None else float(prices[r]))
                for o in range(price.options)
            ]
            for a, price in enumerate(pricing)
        ]

        def price_agent(
            a: int, gains: list[list[float]] = gains, rounds: int = report.rounds
        ) -> tuple[list[_Found], float]:
            if time.monotonic() > deadline:
                return [], -math.inf
            return pricing[a].rosters(gains[a], seed + rounds)

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
                reduced = cost - sum(gains[a][o] - price.requested.get(o, 0.0) for o in options) - float(convexity[a])
                if reduced < -1e-6 and pool.add(a, options, cost):
                    added += 1
        report.lagrangian_bound = max(report.lagrangian_bound, lagrangian)
        if not added:
            report.stopped_by = "no roster prices out (the LP is optimal over all rosters)"
            return solved
        if value - report.lagrangian_bound <= CONVERGED_SHARE * max(1.0, abs(value)):
            report.stopped_by = f"the LP within {CONVERGED_SHARE:.1%} of its Lagrangian bound"
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
    # Column generation gets most of the time; the fixed search needs some (a few seconds on the benchmarks).
    with ThreadPoolExecutor(max(1, min(workers, os.cpu_count() or 1)), thread_name_prefix="wfm-pricing") as threads:
        try:
            solved = _generate(pool, pricing, threads, started + 0.6 * seconds, seed, report)
        finally:  # an interrupted run (wfm.interrupt) must not wait for the agents still queued
            threads.shutdown(wait=False, cancel_futures=True)
    report.columns = sum(len(c) for c in pool.columns)
    if solved is None:
        report.seconds = time.monotonic() - started
        return None, report
    mix = solved[3]
    worked: dict[tuple[int, int], float] = defaultdict(float)
    for (a, k), weight in mix.items():
        for o in pool.columns[a][k].options:
            worked[a, o] += weight
    model = ctx.model.clone()
    model.clear_hints()
    for (a, o), var in ctx.x.items():
        share = worked.get((a, o), 0.0)
        if share >= SURE or share <= 1 - SURE:
            model.add(model.get_int_var_from_proto_index(var.index) == int(share >= SURE))
            report.fixed += 1
    report.free = len(ctx.x) - report.fixed
    solver = cp_model.CpSolver()
    solver.parameters.num_workers = workers
    solver.parameters.random_seed = seed
    solver.parameters.max_time_in_seconds = max(1.0, deadline - time.monotonic())
    with stoppable(solver):
        code = solver.solve(model)
    report.seconds = time.monotonic() - started
    if code not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        report.notes.append("the search with the LP's choices fixed found no plan in time")
        return None, report
    report.cost = float(solver.objective_value)
    decisions = {var.index: int(solver.boolean_value(var)) for var in ctx.x.values()}
    if not math.isfinite(report.cost):
        return None, report
    return decisions, report
