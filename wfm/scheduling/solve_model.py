"""Solving the model: CP-SAT's parameters, the search, and its outcome (or the warm start's, as one)."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

from ortools.sat.python import cp_model

from wfm.interrupt import stoppable
from wfm.scheduling.context import ModelContext
from wfm.scheduling.decisions import broken_constraints, derive_all, hint_cost
from wfm.scheduling.result import SolveStatus

LNS_ONLY_FROM_SHIFT_VARIABLES = 2000


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
    if len(ctx.x) >= LNS_ONLY_FROM_SHIFT_VARIABLES and ctx.y and not deterministic:
        # Every worker improves the warm start by large-neighbourhood search. The proven bound comes from the
        # floors presolve carries (agents' least overtime + undertime, least possible lateness): measured on the
        # sample, the LP worker added 5 to it in 60 s while taking one of the two cores, and LNS-only found
        # 2,944-2,972 where the default portfolio found 2,983-3,335 (bench/schedule_bench.py). Small models keep
        # the default portfolio, which proves optimality quickly. `[solver.parameters] use_lns_only` overrides.
        # Not in --deterministic mode: interleaved LNS-only search accrues deterministic time about 20 times
        # slower than wall time (a 20-unit limit ran 470 s on the sample), so that mode keeps the default.
        # A plan to shift_requirements.csv alone (no queue blocks) keeps the portfolio too: its LP workers prove
        # bounds there, and searched better (Curtois & Qu instance 8 at 60 s: 1,744 against 2,042, bound 1,242
        # against none; instance 10: 4,978 against 5,258).
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
    stats = model_size(ctx)
    if not status.has_plan:
        return SolveOutcome(status, None, None, runtime, [], {}, stats)
    chosen = [key for key, var in ctx.x.items() if solver.boolean_value(var)]
    queue_blocks = {(a, first): q for (a, q, first), var in ctx.y.items() if solver.boolean_value(var)}
    return SolveOutcome(
        status=status,
        objective=_plan_cost(ctx, solver),
        best_bound=solver.best_objective_bound,
        runtime_seconds=runtime,
        chosen=chosen,
        queue_blocks=queue_blocks,
        stats=stats,
    )


def _plan_cost(ctx: ModelContext, solver: cp_model.CpSolver) -> float:
    """What the plan found costs. A search stopped by the time limit may return a solution whose auxiliary
    variables have slack (one more person "over" a shift requirement than the plan has): its objective is then
    above the plan's own cost. The cost of the same decisions with every auxiliary variable derived exactly is
    reported instead, when that complete solution keeps every linear constraint (Curtois & Qu instance 11 at
    40 s: the solver's 4,105 against the plan's 4,104)."""
    objective = float(solver.objective_value)
    if ctx.y:
        # Queue models are not re-priced: deriving and checking every constraint in Python costs seconds on
        # the sample, and their slack was never seen; plans to shift requirements are small.
        return objective
    decisions = {var.index: solver.value(var) for var in ctx.x.values()}
    values = derive_all(ctx, decisions)
    derived = hint_cost(ctx, values)
    if derived < objective - 1e-6 and not broken_constraints(ctx, values, most=1):
        return derived
    return objective


def model_size(ctx: ModelContext) -> dict[str, int]:
    """The model's size, for the plan's model_stats."""
    return {
        "shift_variables": len(ctx.x),
        "queue_block_variables": len(ctx.y),
        "constraints": len(ctx.model.proto.constraints),
        "variables": len(ctx.model.proto.variables),
    }


def hint_outcome(ctx: ModelContext, outcome: SolveOutcome) -> SolveOutcome | None:
    """The hinted (warm start) plan as a solve outcome: FEASIBLE, its objective the model's own at the hint, no
    bound. None when there is no complete hint, or when it breaks a rule: the warm start leaves an agent with no
    shifts when no week of theirs was found in time (Curtois & Qu instance 20, 182 days, at 60 s: 15 people
    below their least total hours), and that is no plan to publish."""
    hint = ctx.model.proto.solution_hint
    values = dict(zip(hint.vars, hint.values, strict=True))
    if not values or any(var.index not in values for var in ctx.x.values()):
        return None
    if broken_constraints(ctx, values, most=1):
        return None
    return SolveOutcome(
        status=SolveStatus.FEASIBLE,
        objective=hint_cost(ctx, values),
        best_bound=None,
        runtime_seconds=outcome.runtime_seconds,
        chosen=[key for key, var in ctx.x.items() if values[var.index]],
        queue_blocks={(a, first): q for (a, q, first), var in ctx.y.items() if values.get(var.index)},
        stats=outcome.stats,
    )
