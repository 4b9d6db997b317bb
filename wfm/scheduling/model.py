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

import math
import time
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from ortools.sat.python import cp_model

from wfm.domain import QueueKind
from wfm.scheduling.problem import ProblemData
from wfm.scheduling.result import SolveStatus
from wfm.scheduling.rules import HARD_RULES

SCALE = 100  # staff in hundredths of an agent
SHORTFALL_TIER = 0.20  # first 20% of a requirement short costs the base weight, beyond that twice


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


def _proficiency_points(value: float) -> int:
    return max(1, round(value * SCALE))


def build_model(data: ProblemData) -> ModelContext:
    ctx = ModelContext(data=data, model=cp_model.CpModel())
    _shift_variables(ctx)
    for rule in HARD_RULES:
        rule.add_to_model(ctx)
    _coverage(ctx)
    _objective(ctx)
    return ctx


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
            ctx.paid[a, w] = sum(c * v for d in days for c, v in paid_per_day.get(d, []))


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


def _objective(ctx: ModelContext) -> None:
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
                # hundredths of an agent short for one interval -> agent-hours
                base = weights.understaffing_per_agent_hour * interval_hours / SCALE
                ctx.objective.append((base, short_a))
                ctx.objective.append((2 * base, short_b))
        else:
            _deferred(ctx, queue_id)
    for var in ctx.overtime.values():
        ctx.objective.append((weights.overtime_per_hour / 60, var))
    for var in ctx.undertime.values():
        ctx.objective.append((weights.undertime_per_hour / 60, var))
    model.minimize(sum(coefficient * expr for coefficient, expr in ctx.objective))


def _deferred(ctx: ModelContext, queue_id: str) -> None:
    """Cumulative work done must keep up with work due; what is due and not done is late.

    Units: hundredths of a work-minute at proficiency 1 (an agent at 0.65 for a 15-minute interval does 975).
    """
    data = ctx.data
    model = ctx.model
    weights = data.scenario.site.weights
    demand = data.demand[queue_id]
    minutes = data.grid.interval_minutes
    arrived = [round(v * SCALE) for v in demand.cumulative_arrival_minutes]
    due = [min(round(v * SCALE), a) for v, a in zip(demand.cumulative_due_minutes, arrived, strict=True)]
    total = arrived[-1] if arrived else 0
    if total <= 0:
        return
    terms = ctx.staffed[queue_id]
    # Any: ortools' stubs reject numpy ints in expressions although the solver accepts them.
    previous: Any = 0
    late_weight = weights.late_work_per_hour * (minutes / 60) / (60 * SCALE)
    for t in range(data.grid.size):
        capacity = sum(c * minutes * v for c, v in terms.get(t, []))
        if not terms.get(t) and due[t] == 0:
            done: Any = previous
        else:
            done_var = model.new_int_var(0, arrived[t], f"done_{queue_id}_{t}")
            model.add(done_var >= previous)
            model.add(done_var - previous <= capacity)
            done = done_var
        if due[t] > 0:
            late = model.new_int_var(0, due[t], f"late_{queue_id}_{t}")
            model.add(late + done >= due[t])
            ctx.objective.append((late_weight, late))
        previous = done
    # Work still open at the horizon's end: pushes spare capacity into the backlog instead of idling.
    ctx.objective.append((weights.backlog_per_work_hour / (60 * SCALE), total - previous))


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
) -> SolveOutcome:
    solver = cp_model.CpSolver()
    params = solver.parameters
    # num_workers is the real knob (the old num_search_workers attribute alias is easy to set on the wrong object).
    params.num_workers = workers
    params.random_seed = seed
    params.relative_gap_limit = relative_gap
    if deterministic:
        # Wall-clock limits make runs differ; a deterministic time budget and interleaved search do not.
        params.interleave_search = True
        params.max_deterministic_time = time_limit_seconds
    else:
        params.max_time_in_seconds = time_limit_seconds
    callback = _Progress(progress) if progress else None
    started = time.monotonic()
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
