"""What the roster LP proves about every plan cheaper than the one in hand: fixings and cuts for CP-SAT.

Why: on plans to shift requirements alone CP-SAT's own bound stalls far below the roster LP's (`columns`). On
Curtois & Qu instance 6 its bound stayed at 1,942-1,943 while the roster LP proves 1,949, and its search found
nothing below 1,951 in five turns. The LP's duals say more than its value. By LP duality every plan costs at
least

    LP + sum over agents of rc_a(roster of a),

where rc_a is agent a's reduced cost at the LP's duals: the roster's own cost (hours cost less request credit)
less the cover prices of the shifts it works, less the agent's convexity dual. Every agent's rc_a is at least the
least one their pricing problem proves, so L = LP + sum of those is a bound (the Lagrangian bound), and a plan
cheaper than T keeps, with G = T - L:

1. each agent's rc_a within G of that agent's least (a cut per agent, over the shift decisions);
2. the sum of the rc_a at most T - LP (one cut over all of them);
3. each shift decision whose other value forces the agent's rc_a more than G above the least fixed (reduced-cost
   fixing: a one-agent solve per decision, exact, done once, valid for every later T);
4. the objective below T (a cap).

CP-SAT on that model searches exactly the plans cheaper than T: a plan it finds is one, and a proof that none
exists proves the plan in hand optimal. Measured on instance 6 from a plan of 1,951 (8 workers, 2 cores): 787 of
1,404 decisions fixed; CP-SAT found 1,950 in 30 s and proved nothing is cheaper in 56 s. Without the cuts 1,950
took 113 s; with only the fixings at 1,951 (no cap, the plan in hand kept) none was found in 200 s.

Valid only where the roster LP prices every term of the objective that can be negative: every term is
non-negative (objective.py), so the terms the LP does not see only add to a plan's cost.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

from ortools.sat.python import cp_model

from wfm.interrupt import stoppable
from wfm.scheduling.context import ModelContext, agent_solver

# Integral units of a cost unit in the one-agent solves and the cuts. The hours rates are hundredths of the hourly
# weight per minute (k / 6,000) and whole in these units; a cover price or request credit rounds to 1/600,000,
# which the bounds below allow for (half a unit a day: one shift a day).
SCALE = 600_000
# Each one-agent solve's deterministic time (a month is exact in hundredths of a second on the benchmark).
AGENT_SECONDS = 0.5
# Each solve with a decision's other value forced: its bound at the limit is a bound.
FORCED_SECONDS = 0.05
# Below this share of decisions fixed the reduced model is not worth a copy of the whole model: CP-SAT's own
# search of the whole model runs instead.
LEAST_FIXED_SHARE = 0.25


@dataclass(frozen=True)
class AgentDuals:
    """One agent's part: what working each option gains at the duals (SCALE units: cover price + request
    credit), the agent's convexity dual, the least of (hours cost - gains) over the agent's rosters (a proven
    bound, SCALE units), and per option the value to fix it at with the least with the other value forced
    (None: not computed in time)."""

    gains: tuple[int, ...]
    convexity: float
    least: int
    forced: tuple[tuple[int, float] | None, ...]


@dataclass(frozen=True)
class RosterDuals:
    """The roster LP's value (in the model's units) and every agent's duals."""

    lp_value: float
    agents: tuple[AgentDuals, ...]
    days: int

    def _slack(self) -> float:
        """What rounding the gains can hide in one agent's sum, in cost units (one shift a day)."""
        return 0.5 * self.days / SCALE

    def _rc_floor(self, agent: AgentDuals, least: float) -> float:
        """The least reduced cost of the agent's rosters whose (hours cost - gains) is at least `least`."""
        return least / SCALE - self._slack() - agent.convexity

    def least_reduced_cost(self, agent: AgentDuals) -> float:
        """A bound on the agent's reduced cost over all their rosters."""
        # At most 0: the LP's own rosters price at 0 (a guard against HiGHS's tolerances).
        return min(0.0, self._rc_floor(agent, agent.least))

    @property
    def bound(self) -> float:
        """The Lagrangian bound: no plan costs less (for the terms the LP prices)."""
        return self.lp_value + sum(self.least_reduced_cost(agent) for agent in self.agents)

    def fixings(self, below: float) -> dict[tuple[int, int], int]:
        """(agent, option) -> the value every plan costing at most `below` gives that decision."""
        bound = self.bound
        fixed = {}
        for a, agent in enumerate(self.agents):
            base = self.least_reduced_cost(agent)
            for o, forced in enumerate(agent.forced):
                if forced is None:
                    continue
                value, least_other = forced
                if bound - base + max(base, self._rc_floor(agent, least_other)) > below + 1e-9:
                    fixed[a, o] = value
        return fixed


def agent_duals(
    model: cp_model.CpModel,
    x: Sequence[cp_model.IntVar],
    hours_terms: Sequence[tuple[int, cp_model.IntVar]],
    gains: Sequence[float],
    convexity: float,
    until: float,
) -> AgentDuals | None:
    """One agent's duals from their one-agent model (`x`: each option's decision; `hours_terms`: SCALE-unit
    rates and their variables; `gains`: cost units). The model's objective is replaced. None when its least is
    not proved by `until`; options not reached by then are left unfixed."""
    scaled = tuple(round(SCALE * gain) for gain in gains)
    objective = sum(rate * var for rate, var in hours_terms) - sum(g * v for g, v in zip(scaled, x, strict=True))
    model.minimize(objective)

    def solve(extra: cp_model.CpModel, seconds: float, work: float = AGENT_SECONDS) -> tuple[Any, cp_model.CpSolver]:
        solver = agent_solver()
        solver.parameters.max_deterministic_time = work
        solver.parameters.max_time_in_seconds = seconds
        with stoppable(solver):
            code = solver.solve(extra)
        return code, solver

    if time.monotonic() > until:
        return None
    # The least gets its second even at the deadline: without it the agent's bounds are lost to the others.
    code, solver = solve(model, max(1.0, until - time.monotonic()))
    if code != cp_model.OPTIMAL:
        return None
    least = round(solver.objective_value)
    worked = [int(solver.value(var)) for var in x]
    forced: list[tuple[int, float] | None] = []
    for o, var in enumerate(x):
        if time.monotonic() > until:
            forced.append(None)
            continue
        other = model.clone()
        other.add(other.get_int_var_from_proto_index(var.index) == 1 - worked[o])
        code, solver = solve(other, max(0.01, until - time.monotonic()), FORCED_SECONDS)
        if code == cp_model.INFEASIBLE:
            forced.append((worked[o], math.inf))
        elif code in (cp_model.OPTIMAL, cp_model.FEASIBLE):
            forced.append((worked[o], float(math.floor(solver.best_objective_bound))))
        else:
            forced.append(None)
    return AgentDuals(scaled, convexity, least, tuple(forced))


def roster_duals(
    lp_value: float,
    agents: Sequence[Callable[[], AgentDuals | None]],
    days: int,
    threads: ThreadPoolExecutor,
) -> RosterDuals | None:
    """Every agent's duals (`agents[a]()` computes agent a's; run on `threads`); None when any agent's least
    was not proved."""
    found = list(threads.map(lambda compute: compute(), agents))
    if any(agent is None for agent in found):
        return None
    return RosterDuals(lp_value, tuple(agent for agent in found if agent is not None), days)


@dataclass(frozen=True)
class ObjectiveGrid:
    """The costs a plan can have: offset + k / multiplier for whole k (every coefficient times the multiplier is
    whole); `terms`: (variable index, coefficient)."""

    offset: float
    multiplier: int
    terms: tuple[tuple[int, float], ...]

    def at_most(self, cost: float) -> int:
        """The whole k of the dearest grid cost at most `cost`."""
        return math.floor(self.multiplier * (cost - self.offset) + 1e-6)

    def at_least(self, cost: float) -> int:
        """The whole k of the cheapest grid cost at least `cost`."""
        return math.ceil(self.multiplier * (cost - self.offset) - 1e-6)

    def cost(self, k: int) -> float:
        return self.offset + k / self.multiplier

    def midway(self, lowest: float, incumbent: float) -> float | None:
        """The cost to search at or below next: midway between the bound `lowest` and the plan in hand, on the
        grid, strictly below the plan; None when no grid cost lies in between (the plan in hand is optimal)."""
        low, high = self.at_least(lowest), self.at_least(incumbent) - 1
        return None if low > high else self.cost((low + high) // 2)


def objective_grid(model: cp_model.CpModel) -> ObjectiveGrid | None:
    """The model's objective as a grid of costs (`ObjectiveGrid`), with the least of a few multipliers that
    makes every coefficient whole; None if none does."""
    proto = model.proto
    if proto.has_floating_point_objective():
        floating = proto.floating_point_objective
        offset, terms = float(floating.offset), list(zip(floating.vars, floating.coeffs, strict=True))
    else:
        scaling = proto.objective.scaling_factor or 1.0
        offset = float(proto.objective.offset) * scaling
        terms = [(v, float(c) * scaling) for v, c in zip(proto.objective.vars, proto.objective.coeffs, strict=True)]
    for multiplier in (1, 100, 6_000, 600_000):
        if all(abs(c * multiplier - round(c * multiplier)) < 1e-6 for _, c in terms):
            return ObjectiveGrid(offset, multiplier, tuple(terms))
    return None


def cheaper_model(
    ctx: ModelContext, duals: RosterDuals, grid: ObjectiveGrid, at_most: float
) -> tuple[cp_model.CpModel, int] | None:
    """A copy of the model whose plans are exactly those of the model costing at most `at_most` that the roster
    LP allows (every one that cheap is among them), with the hint the model had; and how many shift decisions it
    fixes. None when too few decisions are fixed."""
    cap = grid.at_most(at_most)
    below = grid.cost(cap)
    fixed = duals.fixings(below)
    if len(fixed) < LEAST_FIXED_SHARE * len(ctx.x):
        return None
    model = ctx.model.clone()
    var = model.get_int_var_from_proto_index
    model.add(sum(round(grid.multiplier * c) * var(v) for v, c in grid.terms) <= cap)
    for (a, o), value in fixed.items():
        model.add(var(ctx.x[a, o].index) == value)
    slack = 0.5 * duals.days  # SCALE units a rounded gains sum can be off by
    gap = below - duals.bound
    total: list[tuple[int, cp_model.IntVar]] = []
    for a, agent in enumerate(duals.agents):
        gains = [(g, var(ctx.x[a, o].index)) for o, g in enumerate(agent.gains) if g]
        total += gains
        # rc_a <= floor_a + gap, and rc_a >= -(gains worked)/SCALE - convexity (the hours cost is never negative)
        most = duals.least_reduced_cost(agent) + gap
        model.add(sum(g * v for g, v in gains) >= math.ceil(-SCALE * (most + agent.convexity) - slack))
    # Summed: sum of rc_a <= below - LP.
    least_total = duals.lp_value - below - sum(agent.convexity for agent in duals.agents)
    model.add(sum(g * v for g, v in total) >= math.ceil(SCALE * least_total - slack * len(duals.agents)))
    return model, len(fixed)
