"""The blended CP-SAT model's entry point: `build_model`, and the names other modules use, re-exported.

The model is split by concern (like PyJobShop's):
- `context.py`: `ModelContext`, the shift variables and coverage (which variables count as staff where);
- `objective.py`: every soft term and how each auxiliary variable follows from the decisions;
- `solve_model.py`: the CP-SAT solve and its outcome;
- `warm_start.py`: the complete first plan hinted to the solver;
- `decisions.py`: a given plan's decisions, published blocks kept, derived values and their cost;
- `explain.py`: the smallest set of conflicting rules of each agent whose week is impossible.

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
from collections.abc import Sequence

from ortools.sat.python import cp_model

from wfm.scheduling.activity_rules import ACTIVITY_RULES
from wfm.scheduling.context import (
    CONTACT_SCALE,
    CUSHION,
    SCALE,
    SHORTFALL_TIER,
    ModelContext,
    add_coverage,
    add_shift_variables,
)
from wfm.scheduling.decisions import derive_all, fix_blocks, plan_decisions
from wfm.scheduling.explain import explain_infeasible_agents
from wfm.scheduling.objective import (
    add_objective,
    deferred_profile,
    keep_service,
    lost_contacts,
    most_request_credit,
    workable,
)
from wfm.scheduling.problem import ProblemData
from wfm.scheduling.rules import HARD_RULES
from wfm.scheduling.solve_model import SolveOutcome, hint_outcome, solve
from wfm.scheduling.warm_start import warm_start

__all__ = [
    "CONTACT_SCALE",
    "CUSHION",
    "HARD_RULES",
    "SCALE",
    "SHORTFALL_TIER",
    "ModelContext",
    "PreviousShift",
    "SolveOutcome",
    "build_model",
    "deferred_profile",
    "derive_all",
    "explain_infeasible_agents",
    "fix_blocks",
    "hint_outcome",
    "keep_service",
    "lost_contacts",
    "most_request_credit",
    "plan_decisions",
    "solve",
    "warm_start",
    "workable",
]


PreviousShift = tuple[str, dt.date, str, dt.datetime]  # agent_id, date, template, start of a previous plan's shift


def build_model(
    data: ProblemData, previous_plan: Sequence[PreviousShift] = (), *, track_service: bool = False
) -> ModelContext:
    """The plan's CP-SAT model. `track_service` puts the service tables in (`ctx.lost`) even when no weight
    values them, so a constraint can hold service (`keep_service`)."""
    ctx = ModelContext(data=data, model=cp_model.CpModel(), previous=_previous_options(data, previous_plan))
    add_shift_variables(ctx)
    for rule in HARD_RULES:
        rule.add_to_model(ctx)
    add_coverage(ctx)
    for rule in ACTIVITY_RULES:  # they read the queue choices, which coverage makes
        rule.add_to_model(ctx)
    add_objective(ctx, track_service)
    return ctx


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
