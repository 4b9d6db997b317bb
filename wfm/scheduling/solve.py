"""One call from scenario + requirements to a checked plan."""

from __future__ import annotations

import datetime as dt
import math
import threading
import time
from collections.abc import Callable, Sequence
from concurrent.futures import Future
from dataclasses import replace
from functools import partial
from typing import Any, TypeVar

import pandas as pd

from wfm.domain import Scenario
from wfm.scheduling import columns, neighbourhoods, roster_cuts
from wfm.scheduling.context import ModelContext
from wfm.scheduling.decisions import (
    BREAK_SIDES,
    broken_constraints,
    derive_all,
    fix_blocks,
    hint_cost,
    plan_decisions,
)
from wfm.scheduling.decode import decode
from wfm.scheduling.explain import explain_infeasible_agents
from wfm.scheduling.freeze import FrozenDays, published_activities, published_blocks, restrict_to_published
from wfm.scheduling.model import PreviousShift, build_model
from wfm.scheduling.objective import held_service, keep_published_queues, keep_service, most_request_credit
from wfm.scheduling.problem import build_problem
from wfm.scheduling.relaxation import proven_bounds, service_valued
from wfm.scheduling.result import ScheduleResult, SolveStatus
from wfm.scheduling.rules import audit_plan
from wfm.scheduling.solve_model import SolveOutcome, hint_outcome, model_size, solve
from wfm.scheduling.warm_start import complete_hint, request_values, warm_start

_T = TypeVar("_T")

# A plan to shift requirements alone: the share of the search's time CP-SAT's own search takes before the
# neighbourhood search. CP-SAT's portfolio improves the column phase's plan fastest at first and proves the
# bound; after that it stalls where the neighbourhoods still gain (docs/benchmarks.md).
NEIGHBOURHOOD_SEARCH_SHARE = 0.1
# A turn of CP-SAT over the plans cheaper than the one in hand (roster_cuts) gets twice that: its search starts with
# no plan (the one in hand is above its cap). Measured on Curtois & Qu instance 6 at 1,951, searching at most 1,950
# with 808 of 1,404 decisions fixed: 1,950 found in 30 s, 56 s and not in 54 s in three runs.
CHEAPER_SEARCH_SHARE = 0.2


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
    start_from: ScheduleResult | None = None,
    same_service: bool = False,
    same_turnaround: bool = False,
    frozen: FrozenDays | None = None,
    stage: Callable[[str], None] | None = None,
) -> ScheduleResult:
    """Build the blended model, solve it, decode the plan and audit it against every hard rule.

    `stage` is told, in a planner's words, when a step after the search starts (breaks, the audit): those take
    seconds to tens of seconds, and a terminal silent after the search's last line reads as a hang.

    Settings not given come from the site's [solver] table. A plan that fails its own audit is a bug and is
    reported as such in `message` (status stays what the solver said, so nothing is hidden).

    `start_from`: a plan of the same scenario under other settings (e.g. cross-training off) the solve starts
    from when it costs less than the warm start's own; a plan that does not fit this model is ignored (with a
    note). `same_service`: each queue keeps `start_from`'s service and buys no more of it (`keep_service`): a live
    queue loses no more contacts to its answer-time target (by the model's service tables), a deferred queue
    leaves no more work late, and lateness below that earns nothing; e.g. what cross-training saves at equal
    service. The objective then counts each queue's lateness at that cap. `same_turnaround`: the deferred queues
    only; live queues answer to their requirement alone, so cover above it may go to deferred work.
    `frozen`: published days kept exactly as published (`wfm.scheduling.freeze`); repairs are noted in `message`.
    """
    if (same_service or same_turnaround) and start_from is None:
        raise ValueError("same_service and same_turnaround need start_from: the plan whose service to keep")
    settings = scenario.site.solver
    seed = settings.seed if seed is None else seed
    started = time.monotonic()
    data = build_problem(scenario, requirements)
    kept: set[tuple[str, dt.date]] = set()
    repairs: list[str] = []
    if frozen is not None:
        data, kept, repairs = restrict_to_published(data, frozen)
    if data.problems:
        return ScheduleResult(
            status=SolveStatus.INFEASIBLE,
            objective=None,
            best_bound=None,
            runtime_seconds=0.0,
            message="The rules cannot all hold, found before solving:\n" + "\n".join(f"- {p}" for p in data.problems),
        )
    ctx = build_model(data, previous_plan, track_service=same_service)
    if frozen is not None:
        fix_blocks(ctx, published_blocks(ctx, frozen, kept))
        if frozen.until is not None:
            published = published_blocks(ctx, frozen, kept, free=True)
            keep_published_queues(ctx, {key: q for key, q in published.items() if q is not None})
    limit = time_limit_seconds or settings.time_limit_seconds
    # Best-response passes beyond the first two while they still pay, within a tenth of the solve's time (in
    # --deterministic mode without reading the clock, so the hint is the same on any machine).
    given = plan_decisions(ctx, start_from.shifts, start_from.segments) if start_from else None
    notes: list[str] = [f"REPAIRED: {line}" for line in repairs]
    accept = None
    if start_from is not None and given is None:
        notes.append("The plan to start from does not fit this scenario's shift options and queues; not used.")
    elif start_from is not None and given is not None:
        # A plan of another model (e.g. cross-training off) may break a rule of this one: then it is neither the
        # hint nor the source of service caps (which it might put out of reach). Its breaks between two queues
        # are read each way first: the segments do not say which stint the model put a break in.
        values, broken = {}, []
        for side in BREAK_SIDES:
            reading = plan_decisions(ctx, start_from.shifts, start_from.segments, side)
            if reading is None:
                continue
            given, values = reading, derive_all(ctx, reading)
            broken = broken_constraints(ctx, values)
            if not broken:
                break
        if broken:
            notes.append(_refusal_note(ctx, broken, same_service or same_turnaround))
            given = None
        elif same_service or same_turnaround:
            caps = keep_service(ctx, values, live=same_service)
            accept = partial(_within_caps, ctx, caps)
    impossible = warm_start(
        ctx,
        seed=seed,
        extra_seconds=None if deterministic else 0.1 * limit,
        first_pass_seconds=None if deterministic else 0.25 * limit,
        candidates=[given] if given else [],
        accept=accept,
    )
    if impossible:  # some agent's own week cannot keep the rules: no plan exists, say whose and which rules
        conflicts = explain_infeasible_agents(data, impossible)
        ids = [data.agents[a].agent.agent_id for a in impossible]
        return ScheduleResult(
            status=SolveStatus.INFEASIBLE,
            objective=None,
            best_bound=None,
            runtime_seconds=0.0,
            message="The hard rules cannot all hold together:\n" + "\n".join(f"- {c}" for c in conflicts),
            impossible_agents={
                agent_id: next((c for c in conflicts if c.startswith(f"agent {agent_id} (")), "") for agent_id in ids
            },
        )
    if not deterministic:
        # The limit is the whole planning's: on a long horizon the warm start takes minutes (Curtois & Qu instance
        # 20, half a year: about 3 of 10), which the search must not add on top. A second is left to the search,
        # which then returns the warm start's plan if nothing better.
        limit = max(1.0, limit - (time.monotonic() - started))
    limit, column_stats, duals, roster_bound = _column_phase(
        ctx, limit, workers or settings.workers, seed, deterministic, stage
    )
    stop = threading.Event()
    # With live service valued, CP-SAT's bound cannot see the contacts a plan must lose: the capacity
    # relaxation and the Lagrangian bound (HiGHS and one-agent CP-SAT models, both release the GIL) run
    # alongside the search and may prove a higher bound.
    relaxation = _in_background(proven_bounds, ctx, limit, stop) if service_valued(data) else None
    # A plan to shift requirements alone: CP-SAT's search gets a share of the time, the neighbourhood search
    # over whole people and days (wfm.scheduling.neighbourhoods) the rest, from CP-SAT's plan.
    neighbourhood = columns.applies(ctx) and not deterministic
    deadline = time.monotonic() + limit
    hinted = ctx.model.proto.solution_hint
    start_cost = hint_cost(ctx, dict(zip(hinted.vars, hinted.values, strict=True))) if neighbourhood else -math.inf
    try:
        with _Heartbeat(progress) as beat:
            outcome = _hint_at_roster_bound(ctx, roster_bound)
            if outcome is None:
                first = solve(
                    ctx,
                    time_limit_seconds=NEIGHBOURHOOD_SEARCH_SHARE * limit if neighbourhood else limit,
                    workers=workers or settings.workers,
                    seed=seed,
                    relative_gap=settings.relative_gap,
                    parameters=settings.parameters,
                    deterministic=deterministic,
                    progress=beat.report if progress else None,
                )
                outcome = _raised(first, roster_bound)
            # Then in turn until the deadline: the neighbourhoods until they stall, CP-SAT from their plan for
            # another share, the neighbourhoods again. Each finds moves the other cannot: a step proves moves
            # of a few people or days that CP-SAT's search misses; CP-SAT's moves span more (Curtois & Qu 6).
            # Which search CP-SAT's next turn runs: over the whole model, or over the plans cheaper than the one
            # in hand that the roster LP allows (roster_cuts: far fewer, and a proof there is final). Each runs
            # its turns until one finds nothing cheaper; then the other.
            over_cheaper = outcome.objective is not None and outcome.objective >= start_cost - 1e-9
            grid = roster_cuts.objective_grid(ctx.model) if duals is not None else None
            while neighbourhood and outcome.status is SolveStatus.FEASIBLE:
                outcome, stalled = _neighbourhood_phase(
                    ctx,
                    outcome,
                    deadline,
                    workers or settings.workers,
                    seed,
                    settings.relative_gap,
                    beat.report if progress else None,
                )
                left = deadline - time.monotonic()
                if not stalled or left < 1.0 or outcome.objective is None:
                    break
                complete_hint(ctx, _plan_values(ctx, outcome))
                run = partial(
                    _turn,
                    workers=workers or settings.workers,
                    seed=seed + 1 + outcome.stats.get("search_turns", 0) + outcome.stats.get("cheaper_searches", 0),
                    relative_gap=settings.relative_gap,
                    parameters=settings.parameters,
                    progress=beat.report if progress else None,
                )
                seconds = min(left, NEIGHBOURHOOD_SEARCH_SHARE * limit)
                ran = False
                if over_cheaper and duals is not None and grid is not None:
                    until = time.monotonic() + min(left, CHEAPER_SEARCH_SHARE * limit)
                    outcome, found, ran = _cheaper_turn(ctx, outcome, duals, grid, until, run)
                    fruitless = not found
                if not ran:
                    again = run(ctx, seconds)
                    current = outcome.objective
                    fruitless = again.objective is None or current is None or again.objective >= current - 1e-9
                    outcome = _better_of(outcome, again)
                over_cheaper = (not ran) == fruitless
    finally:
        # The search is over (or was interrupted): the Lagrangian's remaining agents would only add time.
        stop.set()
    relaxed, relaxation_notes = _relaxation_result(relaxation)
    notes += relaxation_notes
    if outcome.status is SolveStatus.UNKNOWN:
        # The time limit ended before CP-SAT got past presolve to its first plan. The warm start's plan keeps
        # every hard rule by construction (each agent's week is solved under all of them, and the audit below
        # re-checks): publish it rather than nothing.
        fallback = hint_outcome(ctx, outcome)
        if fallback is not None:
            outcome = fallback
            notes.append(
                "The time limit ended before the solver returned a plan: this is the warm start's plan "
                "(every hard rule kept, not optimised); raise the time limit for a better one."
            )
            hinted = ctx.model.proto.solution_hint
            if accept is not None and not accept(dict(zip(hinted.vars, hinted.values, strict=True))):
                # (same_service: no warm-start pass kept the service of the plan it started from)
                notes.append(
                    "It does not keep the service of the plan it started from (same_service / same_turnaround)."
                )
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
    if stage is not None:
        stage(f"placing breaks and lunches for {len(outcome.chosen):,} shifts")
    shifts, segments, overtime = decode(data, outcome.chosen, outcome.queue_blocks, seed=seed)
    if frozen is not None:
        segments = published_activities(segments, frozen, kept)
    plan = ScheduleResult(
        status=outcome.status,
        objective=outcome.objective,
        best_bound=_best_bound(outcome.best_bound, relaxed, outcome.objective, notes, roster_bound),
        runtime_seconds=outcome.runtime_seconds,
        shifts=tuple(sorted(shifts, key=lambda s: (s.agent_id, s.start))),
        segments=tuple(segments),
        overtime_hours=overtime,
        model_stats={**outcome.stats, **column_stats, **{name: round(value) for name, value in relaxed.items()}},
        message="\n".join(notes),
    )
    if stage is not None:
        stage("checking the plan against every rule")
    violations = audit_plan(data, plan)
    if violations:
        lines = "\n".join(str(v) for v in violations[:20])
        message = "\n".join([*notes, f"BUG: the plan breaks hard rules:\n{lines}"])
        return ScheduleResult(**{**plan.__dict__, "message": message})
    return plan


def _column_phase(
    ctx: ModelContext,
    limit: float,
    workers: int,
    seed: int,
    deterministic: bool,
    stage: Callable[[str], None] | None,
) -> tuple[float, dict[str, int], roster_cuts.RosterDuals | None, float | None]:
    """A plan to shift requirements alone gets a first plan from column generation (`columns`) when it costs
    less than the warm start's; it takes a quarter of the time limit from the search. Returns the search's time
    limit, what the phase did (for the plan's model_stats), the roster LP's duals and the bound it proves on
    every plan (`_roster_bound`). Not in --deterministic mode: its share of the time is read off the clock."""
    if deterministic or not columns.applies(ctx):
        return limit, {}, None, None
    if stage is not None:
        stage("a first plan from whole rosters (column generation)")
    hinted = ctx.model.proto.solution_hint
    start = dict(zip(hinted.vars, hinted.values, strict=True))
    requested = [request_values(ctx.data, a) for a in range(len(ctx.data.agents))]
    decisions, report = columns.column_plan(ctx, start, requested, seconds=0.25 * limit, workers=workers, seed=seed)
    stats = {
        "column_rounds": report.rounds,
        "columns": report.columns,
        "column_fixed_decisions": report.fixed,
        "column_seconds": round(report.seconds),
    }
    if report.cover_cost is not None:  # the least cover cost the cover-first step found (a plan has it)
        stats["column_cover_cost"] = round(report.cover_cost)
    roster_bound = _roster_bound(ctx, report)
    if roster_bound is not None:
        stats["column_lagrangian_bound"] = math.floor(roster_bound + 1e-9)
    if decisions is not None:
        values = derive_all(ctx, decisions)
        cost = hint_cost(ctx, values)
        stats["column_plan_cost"] = round(cost)
        if cost < hint_cost(ctx, start) and not broken_constraints(ctx, values, most=1):
            complete_hint(ctx, values)
    return max(1.0, limit - report.seconds), stats, report.duals, roster_bound


def _roster_bound(ctx: ModelContext, report: columns.ColumnReport) -> float | None:
    """The least a plan can cost by the roster LP (its Lagrangian bound, and the converged one of its duals when
    computed), raised to the next cost a plan can have; None if the LP proved nothing.

    A bound on the whole objective: the LP prices the cover and each agent's own hours and requests, and every
    other term (fairness, idle time) is never negative (objective.py), so leaving it out only lowers the LP. On
    Curtois & Qu instance 8 it is 1,293 where CP-SAT's own bound reached 1,254."""
    bounds = [report.lagrangian_bound + most_request_credit(ctx.data)]
    bounds += [report.duals.bound] if report.duals is not None else []
    lowest = max(bounds)
    if not math.isfinite(lowest):
        return None
    grid = roster_cuts.objective_grid(ctx.model)
    # Less the LP solver's tolerance first: an LP of exactly 4,631 read as 4,631.00001 must not prove 4,632.
    return lowest if grid is None else grid.cost(grid.at_least(lowest - 1e-6 * max(1.0, abs(lowest))))


def _bound_of(outcome: SolveOutcome) -> float:
    """The outcome's proven bound; minus infinity when it has none."""
    return -math.inf if outcome.best_bound is None else outcome.best_bound


def _raised(outcome: SolveOutcome, roster_bound: float | None) -> SolveOutcome:
    """The outcome with the roster LP's bound where it is above CP-SAT's, OPTIMAL where it reaches the plan (so the
    searches after stop as soon as the plan is within the relative gap of it). A bound above the plan is a bug,
    left to `_best_bound` to report."""
    if roster_bound is None or outcome.objective is None or outcome.status is not SolveStatus.FEASIBLE:
        return outcome
    tolerance = 1e-6 * max(1.0, abs(outcome.objective))
    if roster_bound > outcome.objective + tolerance or _bound_of(outcome) >= roster_bound:
        return outcome
    proved = roster_bound >= outcome.objective - tolerance
    return replace(outcome, best_bound=roster_bound, status=SolveStatus.OPTIMAL if proved else outcome.status)


def _hint_at_roster_bound(ctx: ModelContext, roster_bound: float | None) -> SolveOutcome | None:
    """The hinted plan (the column phase's, when cheaper than the warm start's), proved optimal, when it reaches
    the roster LP's bound; else None. Why: CP-SAT's first turn would spend its share of the time to return the
    same plan (Curtois & Qu instances 10 and 11 at 600 s: proved optimal at 115 s and 147 s, 45 s of which that
    turn's)."""
    if roster_bound is None:
        return None
    hinted = hint_outcome(ctx, SolveOutcome(SolveStatus.UNKNOWN, None, None, 0.0, [], {}, model_size(ctx)))
    if hinted is None:
        return None
    raised = _raised(hinted, roster_bound)
    return raised if raised.status is SolveStatus.OPTIMAL else None


def _neighbourhood_phase(
    ctx: ModelContext,
    outcome: SolveOutcome,
    until: float,
    workers: int,
    seed: int,
    relative_gap: float,
    progress: Callable[[float, float, float], None] | None,
) -> tuple[SolveOutcome, bool]:
    """The plan improved by the neighbourhood search until `until`, until it is within `relative_gap` of the
    bound (as CP-SAT's own search stops) or until the search stalls; its steps added to the outcome's stats.
    And whether it stalled (the caller then hands the plan back to CP-SAT)."""
    bound = _bound_of(outcome)

    def close_enough(cost: float) -> bool:
        return cost - bound <= relative_gap * max(1.0, abs(cost))

    if outcome.objective is None or close_enough(outcome.objective):
        return outcome, False
    began = time.monotonic()

    def better(cost: float) -> None:
        if progress is not None:
            progress(outcome.runtime_seconds + time.monotonic() - began, cost, bound)

    cost, values, report = neighbourhoods.improve(
        ctx,
        _plan_values(ctx, outcome),
        until=until,
        workers=workers,
        seed=seed + outcome.stats.get("neighbourhood_steps", 0),
        progress=better,
        enough=close_enough,
        stop_when_stalled=True,
    )
    stats = {
        **outcome.stats,
        "neighbourhood_steps": outcome.stats.get("neighbourhood_steps", 0) + report.steps,
        "neighbourhood_start_cost": outcome.stats.get("neighbourhood_start_cost", round(report.start_cost or 0)),
        "neighbourhood_seconds": outcome.stats.get("neighbourhood_seconds", 0) + round(report.seconds),
    }
    if cost < outcome.objective - 1e-9:
        outcome = replace(outcome, objective=cost, chosen=[key for key, var in ctx.x.items() if values[var.index]])
    if report.proved_optimal:  # a step freed every decision and proved its plan optimal
        outcome = replace(outcome, status=SolveStatus.OPTIMAL, best_bound=outcome.objective)
    return replace(outcome, runtime_seconds=outcome.runtime_seconds + report.seconds, stats=stats), report.stalled


def _plan_values(ctx: ModelContext, outcome: SolveOutcome) -> dict[int, int]:
    """Every variable's value in the outcome's plan (derived from its shifts, exact in milliseconds)."""
    chosen = set(outcome.chosen)
    return derive_all(ctx, {var.index: int(key in chosen) for key, var in ctx.x.items()})


def _turn(ctx: ModelContext, seconds: float, **settings: Any) -> SolveOutcome:
    """One turn of CP-SAT's search on `ctx`'s model for `seconds`."""
    return solve(ctx, time_limit_seconds=seconds, **settings)


def _better_of(outcome: SolveOutcome, again: SolveOutcome) -> SolveOutcome:
    """The plan so far and a later CP-SAT turn's, as one outcome: the cheaper plan, the higher bound (each turn's
    bound holds for the whole model), OPTIMAL if the turn proved it, both turns' time."""
    turns = {**outcome.stats, "search_turns": outcome.stats.get("search_turns", 0) + 1}
    merged = replace(outcome, runtime_seconds=outcome.runtime_seconds + again.runtime_seconds, stats=turns)
    if again.objective is None or outcome.objective is None:
        return merged
    if again.objective < outcome.objective - 1e-9:
        merged = replace(merged, objective=again.objective, chosen=again.chosen, queue_blocks=again.queue_blocks)
    if again.best_bound is not None:
        before = _bound_of(outcome)
        merged = replace(merged, best_bound=max(again.best_bound, before))
    if again.status is SolveStatus.OPTIMAL:
        merged = replace(merged, status=SolveStatus.OPTIMAL)
    return merged


def _cheaper_turn(
    ctx: ModelContext,
    outcome: SolveOutcome,
    duals: roster_cuts.RosterDuals,
    grid: roster_cuts.ObjectiveGrid,
    until: float,
    run: Callable[[ModelContext, float], SolveOutcome],
) -> tuple[SolveOutcome, bool, bool]:
    """A turn of CP-SAT (`run(ctx, seconds)`) over the plans costing at most a cost midway between the bound and
    the plan in hand (`roster_cuts.cheaper_model`), again until `until`: a proof that none is that cheap raises the
    bound past it; a plan found is the plan in hand, and proved optimal there it is the model's optimum (every plan
    that cheap was in the search). No cost left between bound and plan proves the plan optimal. Returns the
    outcome, whether a cheaper plan was found and whether any search ran (not when the LP fixes too few
    decisions)."""
    found = ran = False
    while outcome.status is SolveStatus.FEASIBLE and outcome.objective is not None:
        lowest = max(duals.bound, _bound_of(outcome))
        at_most = grid.midway(lowest, outcome.objective)
        if at_most is None:
            return replace(outcome, status=SolveStatus.OPTIMAL, best_bound=outcome.objective), found, True
        left = until - time.monotonic()
        cheaper = roster_cuts.cheaper_model(ctx, duals, grid, at_most) if left >= 1.0 else None
        if cheaper is None:
            break
        ran = True
        again = run(replace(ctx, model=cheaper[0]), left)
        stats = {
            **outcome.stats,
            "cheaper_searches": outcome.stats.get("cheaper_searches", 0) + 1,
            "roster_fixed_decisions": cheaper[1],
        }
        outcome = replace(outcome, runtime_seconds=outcome.runtime_seconds + again.runtime_seconds, stats=stats)
        if again.status is SolveStatus.INFEASIBLE:
            outcome = replace(outcome, best_bound=grid.cost(grid.at_most(at_most) + 1))
            continue
        if again.objective is None:  # nothing found in time, nothing proved
            break
        found = True
        bound = max(lowest, _bound_of(again))
        outcome = replace(
            outcome,
            objective=again.objective,
            chosen=again.chosen,
            queue_blocks=again.queue_blocks,
            best_bound=again.objective if again.status is SolveStatus.OPTIMAL else bound,
            status=again.status,
        )
    return outcome, found, ran


class _Heartbeat:
    """Progress lines at least every `every` seconds of the search: when no better plan came in that time, the
    best one's objective and bound again, with the time. A search can go minutes without a better plan (a
    --deterministic one above all), and silence then reads as a hang."""

    def __init__(self, progress: Callable[[float, float, float], None] | None, every: float = 10.0) -> None:
        self._progress = progress
        self._every = every
        self._lock = threading.Lock()
        self._started = time.monotonic()
        self._last_line = self._started
        self._best: tuple[float, float] | None = None
        self._done = threading.Event()
        self._thread: threading.Thread | None = None

    def report(self, elapsed: float, objective: float, bound: float) -> None:
        with self._lock:
            self._best, self._last_line = (objective, bound), time.monotonic()
            if self._progress is not None:
                self._progress(elapsed, objective, bound)

    def _beat(self) -> None:
        while not self._done.wait(min(1.0, self._every / 2)):
            with self._lock:
                now = time.monotonic()
                if self._best is None or self._progress is None or now - self._last_line < self._every:
                    continue
                self._last_line = now
                self._progress(now - self._started, *self._best)

    def __enter__(self) -> _Heartbeat:
        self._started = self._last_line = time.monotonic()
        if self._progress is not None:
            self._thread = threading.Thread(target=self._beat, name="wfm-progress", daemon=True)
            self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._done.set()
        if self._thread is not None:  # no line after the search's end
            self._thread.join(timeout=2.0)


def _in_background(function: Callable[..., _T], *args: Any) -> Future[_T]:
    """`function(*args)` in a daemon thread: an interrupted run (wfm.interrupt) exits without waiting for it
    (an executor's thread would be joined at exit, and an LP inside HiGHS cannot be stopped)."""
    future: Future[_T] = Future()

    def work() -> None:
        if not future.set_running_or_notify_cancel():
            return
        try:
            future.set_result(function(*args))
        except BaseException as error:  # handed to whoever reads the result
            future.set_exception(error)

    threading.Thread(target=work, name="wfm-relaxation", daemon=True).start()
    return future


def _within_caps(ctx: ModelContext, caps: dict[str, int], values: dict[int, int]) -> bool:
    held = held_service(ctx, values)
    return all(held[q] <= cap for q, cap in caps.items())


def _relaxation_result(relaxation: Future[dict[str, float]] | None) -> tuple[dict[str, float], list[str]]:
    """The relaxation bounds, or none and a note saying why: a failing bound never costs the plan."""
    if relaxation is None:
        return {}, []
    try:
        return relaxation.result(), []
    except Exception as error:  # reported in the result's message, not raised: the plan is still good
        return {}, [f"The relaxation bound failed ({type(error).__name__}: {error}); the bound is CP-SAT's."]


def _best_bound(
    solver_bound: float | None,
    relaxed: dict[str, float],
    objective: float | None,
    notes: list[str],
    roster_bound: float | None = None,
) -> float | None:
    """The highest proven bound. A relaxation bound (or the roster LP's) above the plan found is a bug in it:
    then it is reported in `notes` and CP-SAT's bound stands."""
    relaxation_bound = max([*relaxed.values(), *([] if roster_bound is None else [roster_bound])], default=None)
    tolerance = 0.0 if objective is None else 1e-6 * max(1.0, abs(objective))
    if relaxation_bound is not None and objective is not None and relaxation_bound > objective + tolerance:
        notes.append(
            f"BUG: a relaxation bound ({relaxation_bound:,.3f}) is above the plan's objective "
            f"({objective:,.3f}); the bound reported is CP-SAT's."
        )
        relaxation_bound = None
    bounds = [b for b in (solver_bound, relaxation_bound) if b is not None]
    return max(bounds) if bounds else None


def _refusal_note(ctx: ModelContext, broken: list[int], held: bool) -> str:
    """Why the plan to start from was not used: the variables of the first constraints of this model it breaks."""
    proto = ctx.model.proto
    names = sorted(
        {proto.variables[v if v >= 0 else -v - 1].name for i in broken[:3] for v in proto.constraints[i].linear.vars}
    )
    held_note = " Its service is not held either: this plan is not at equal service." if held else ""
    return (
        f"The plan to start from breaks {len(broken)} or more of this model's constraints (on "
        f"{', '.join(names[:9])}); the solve starts from the warm start's plan instead.{held_note}"
    )
