"""One call from scenario + requirements to a checked plan."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor

import pandas as pd

from wfm.domain import Scenario
from wfm.scheduling.decode import decode
from wfm.scheduling.model import PreviousShift, build_model, explain_infeasible_agents, solve, warm_start
from wfm.scheduling.problem import build_problem
from wfm.scheduling.relaxation import proven_bounds, service_valued
from wfm.scheduling.result import ScheduleResult, SolveStatus
from wfm.scheduling.rules import audit_plan


def schedule(
    scenario: Scenario,
    requirements: pd.DataFrame,
    *,
    time_limit_seconds: float | None = None,
    workers: int | None = None,
    seed: int | None = None,
    deterministic: bool = False,
    progress: Callable[[float, float, float], None] | None = None,
    previous_plan: Sequence[PreviousShift] = (),
) -> ScheduleResult:
    """Build the blended model, solve it, decode the plan and audit it against every hard rule.

    Settings not given come from the site's [solver] table. A plan that fails its own audit is a bug and is
    reported as such in `message` (status stays what the solver said, so nothing is hidden).
    """
    settings = scenario.site.solver
    data = build_problem(scenario, requirements)
    if data.problems:
        return ScheduleResult(
            status=SolveStatus.INFEASIBLE,
            objective=None,
            best_bound=None,
            runtime_seconds=0.0,
            message="The rules cannot all hold, found before solving:\n" + "\n".join(f"- {p}" for p in data.problems),
        )
    ctx = build_model(data, previous_plan)
    limit = time_limit_seconds or settings.time_limit_seconds
    # Best-response passes beyond the first two while they still pay, within a tenth of the solve's time (in
    # --deterministic mode without reading the clock, so the hint is the same on any machine).
    impossible = warm_start(
        ctx, seed=settings.seed if seed is None else seed, extra_seconds=None if deterministic else 0.1 * limit
    )
    if impossible:  # some agent's own week cannot keep the rules: no plan exists, say whose and which rules
        conflicts = explain_infeasible_agents(data, impossible)
        return ScheduleResult(
            status=SolveStatus.INFEASIBLE,
            objective=None,
            best_bound=None,
            runtime_seconds=0.0,
            message="The hard rules cannot all hold together:\n" + "\n".join(f"- {c}" for c in conflicts),
        )
    with ThreadPoolExecutor(max_workers=1) as pool:
        # With live service valued, CP-SAT's bound cannot see the contacts a plan must lose: the capacity
        # relaxation and the Lagrangian bound (HiGHS and one-agent CP-SAT models, both release the GIL) run
        # alongside the search and may prove a higher bound.
        relaxation = pool.submit(proven_bounds, ctx, limit) if service_valued(data) else None
        outcome = solve(
            ctx,
            time_limit_seconds=limit,
            workers=workers or settings.workers,
            seed=settings.seed if seed is None else seed,
            relative_gap=settings.relative_gap,
            parameters=settings.parameters,
            deterministic=deterministic,
            progress=progress,
        )
        relaxed = relaxation.result() if relaxation is not None else {}
    relaxation_bound = max(relaxed.values(), default=None)
    if not outcome.status.has_plan:
        conflicts = explain_infeasible_agents(data) if outcome.status is SolveStatus.INFEASIBLE else []
        if conflicts:
            reason = "The hard rules cannot all hold together:\n" + "\n".join(f"- {c}" for c in conflicts)
        elif outcome.status is SolveStatus.INFEASIBLE:
            reason = (
                "The hard rules cannot all hold together, though every agent's week is possible alone. Run "
                "`wfm validate` and relax one of: contract hours, days off, rest, availability, fixed activities."
            )
        else:
            reason = "No plan was found within the time limit; raise --time-limit."
        return ScheduleResult(
            status=outcome.status,
            objective=None,
            best_bound=None,
            runtime_seconds=outcome.runtime_seconds,
            message=reason,
            model_stats=outcome.stats,
        )
    shifts, segments, overtime = decode(
        data, outcome.chosen, outcome.queue_blocks, seed=settings.seed if seed is None else seed
    )
    plan = ScheduleResult(
        status=outcome.status,
        objective=outcome.objective,
        best_bound=_best_bound(outcome.best_bound, relaxation_bound, outcome.objective),
        runtime_seconds=outcome.runtime_seconds,
        shifts=tuple(sorted(shifts, key=lambda s: (s.agent_id, s.start))),
        segments=tuple(segments),
        overtime_hours=overtime,
        model_stats={**outcome.stats, **{name: round(value) for name, value in relaxed.items()}},
    )
    violations = audit_plan(data, plan)
    if violations:
        lines = "\n".join(str(v) for v in violations[:20])
        return ScheduleResult(**{**plan.__dict__, "message": f"BUG: the plan breaks hard rules:\n{lines}"})
    return plan


def _best_bound(solver_bound: float | None, relaxation_bound: float | None, objective: float | None) -> float | None:
    """The higher of two proven bounds, never above the plan found (the LP's tolerances are about 1e-7)."""
    bounds = [b for b in (solver_bound, relaxation_bound) if b is not None]
    if not bounds:
        return None
    best = max(bounds)
    return min(best, objective) if objective is not None else best
