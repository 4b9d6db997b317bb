"""The model's context and its variables: `ModelContext`, the shift variables and coverage (which variables
count as staff on which queue and interval), and the one-agent models every per-agent check builds.

Staff counts are in hundredths of an agent (proficiency 0.65 counts 65) to keep every constraint integral.
"""

from __future__ import annotations

import time
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import partial
from typing import Any

from ortools.sat.python import cp_model

from wfm.interrupt import stoppable
from wfm.scheduling.problem import AgentData, ProblemData
from wfm.scheduling.rules import Rule

SCALE = 100  # staff in hundredths of an agent
SHORTFALL_TIER = 0.20  # first 20% of a requirement short costs the base weight, beyond that twice
CUSHION = 0.20  # staff up to 20 % above the requirement: worth weights.service_cushion_per_agent_hour
CONTACT_SCALE = 1000  # lost contacts in thousandths


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
    # The shift requirements' under and over terms (weight, people), also in `objective`: the column phase
    # minimises them first (wfm.scheduling.columns).
    shift_cover: list[tuple[float, cp_model.IntVar]] = field(default_factory=list)
    single_queue: dict[int, str] = field(default_factory=dict)  # agent index -> the one queue they work
    paid_terms: dict[tuple[int, int], list[tuple[int, cp_model.IntVar]]] = field(default_factory=dict)
    # How each auxiliary variable follows from the decisions (shifts, queue blocks), in creation order: lets the
    # warm start turn decisions into a complete solution without any search.
    derivations: list[Callable[[dict[int, int]], None]] = field(default_factory=list)
    # (agent index, option index) of each shift of a previous plan this plan starts from (--previous-plan).
    previous: frozenset[tuple[int, int]] = frozenset()
    # Agent index -> that agent's least overtime + undertime cost (the `hc_a` floor), for relaxation bounds.
    hours_floor: dict[int, int] = field(default_factory=dict)
    # Live queue -> its contacts not answered within target per interval (thousandths), where the service
    # tables are in the model (service valued, or `track_service`).
    lost: dict[str, list[cp_model.IntVar]] = field(default_factory=dict)
    # Deferred queue -> its late work over the horizon (the objective's lateness term).
    late_totals: dict[str, cp_model.IntVar] = field(default_factory=dict)
    # (agent index, block first interval) -> the queue a published (frozen) day works there, None for no queue:
    # the model and the warm start both keep it (`fix_blocks`).
    fixed_blocks: dict[tuple[int, int], str | None] = field(default_factory=dict)
    # What a rule plug-in computes once per model and another reads (wfm.scheduling.activity_rules).
    cache: dict[str, Any] = field(default_factory=dict)

    @staticmethod
    def evaluate(terms: list[tuple[int, cp_model.IntVar]], values: dict[int, int]) -> int:
        return sum(c * values.get(v.index, 0) for c, v in terms)


def proficiency_points(value: float) -> int:
    return max(1, round(value * SCALE))


def derive_weighted_sum(var: cp_model.IntVar, terms: list[tuple[int, cp_model.IntVar]], values: dict[int, int]) -> None:
    values[var.index] = ModelContext.evaluate(terms, values)


def add_shift_variables(ctx: ModelContext) -> None:
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
            ctx.paid_terms[a, w] = [term for d in days for term in paid_per_day.get(d, [])]
            ctx.paid[a, w] = sum(c * v for c, v in ctx.paid_terms[a, w])


def add_coverage(ctx: ModelContext) -> None:
    data = ctx.data
    grid = data.grid
    staffed: dict[str, dict[int, list[tuple[int, cp_model.IntVar]]]] = {q: defaultdict(list) for q in data.demand}
    groups: dict[tuple[str, int], list[int]] = defaultdict(list)
    for a, agent in enumerate(data.agents):
        skills = list(agent.proficiency)
        if len(skills) == 1 and not agent.activities:
            groups[skills[0], proficiency_points(agent.proficiency[skills[0]])].append(a)
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
            ctx.derivations.append(partial(derive_weighted_sum, count, [(1, v) for v in variables]))
            for t in range(start, min(end, grid.size)):
                if open_mask[t]:
                    staffed[queue_id][t].append((points, count))
    # The blend: multi-skilled agents choose one queue per block.
    block = data.block_intervals
    for a, agent in enumerate(data.agents):
        if a in ctx.single_queue or not agent.proficiency:  # no queues (shift_requirements.csv only): no blocks
            continue
        busy = {t for start, end, _ in agent.activities for t in range(start, end)}
        # The options covering each whole block, indexed once (scanning every option for every block is
        # quadratic in the horizon: minutes on a half year).
        covering_block: dict[int, list[cp_model.IntVar]] = defaultdict(list)
        for o, opt in enumerate(agent.options):
            for first in range(-(-opt.start // block) * block, min(opt.end, grid.size), block):
                if opt.covers(first, min(first + block, grid.size)):
                    covering_block[first].append(ctx.x[a, o])
        for first in sorted(covering_block):
            last = min(first + block, grid.size)
            covering = covering_block[first]
            if any(t in busy for t in range(first, last)):
                continue
            choices = []
            for queue_id, proficiency in agent.proficiency.items():
                if not data.demand[queue_id].open_mask[first:last].all():
                    continue
                var = ctx.model.new_bool_var(f"y_{a}_{queue_id}_{first}")
                ctx.y[a, queue_id, first] = var
                choices.append(var)
                for t in range(first, last):
                    staffed[queue_id][t].append((proficiency_points(proficiency), var))
            if choices:
                ctx.model.add(sum(choices) <= sum(covering))
    ctx.staffed = staffed


def agent_solver(*, seed: int = 0) -> cp_model.CpSolver:
    """A solver for one agent's model (`agent_model`): one worker, with the LP's cuts at every node.

    CP-SAT's default single-worker search branches shifts off first and sees only at depth that the horizon's
    least hours can no longer be met between the consecutive-day limits: on a half year (Curtois & Qu instance 20:
    182 days, 5 days on at most, 2 off at least, 916-936 hours) it found no week at all in 5 s. With the full
    linearization the LP carries those sums and the same week is found and proved optimal in 0.1 s."""
    solver = cp_model.CpSolver()
    solver.parameters.num_workers = 1
    solver.parameters.random_seed = seed
    solver.parameters.linearization_level = 2
    return solver


def hint_every_variable(model: cp_model.CpModel, value_of: Callable[[int], int]) -> None:
    """Hint a whole solution (in place of any hint before): `value_of(index)` for every variable of `model`.
    Written to the proto's fields in one go: the neighbourhood search hints the whole model at every step."""
    model.clear_hints()
    count = len(model.proto.variables)
    model.proto.solution_hint.vars.extend(range(count))
    model.proto.solution_hint.values.extend(value_of(index) for index in range(count))


def solve_agent(
    model: cp_model.CpModel,
    solver: cp_model.CpSolver,
    callback: cp_model.CpSolverSolutionCallback | None = None,
    *,
    settle: bool = False,
) -> Any:
    """`solver.solve(model, callback)` for a one-agent model with an objective; when that finds no week in its
    limit (not proved impossible), any week is found first and the same solve runs again from it.

    The finder is CP-SAT's portfolio interleaved on one thread (deterministic, as the limit is): its
    feasibility-jump and LNS workers find a week where the single search does not. On Curtois & Qu instance 20
    (half a year) 14 of the warm start's 100 week searches found nothing in their limit, and none with this
    fallback; the portfolio found a week for each of three agents tried in 2.8-3.1 s (with a solve beside it).

    A limit in seconds (`max_time_in_seconds`) holds for all of it: the pricing must end by its phase's deadline.

    `settle`: when even the search from the found week finds nothing in its limit, `solver` answers with the found
    week itself (FEASIBLE). On a year of 32 templates (Curtois & Qu instance 24, 10,653 variables) presolve and the
    LP use up the single search's deterministic second before it reaches the hint; without this every agent was
    left without a week. The solver's bound is then that week's cost, not a bound: only for a caller that reads
    the week alone (the warm start), never the pricing."""
    started = time.monotonic()
    seconds = solver.parameters.max_time_in_seconds
    code = solver.solve(model, callback)
    if code != cp_model.UNKNOWN or not model.has_objective() or time.monotonic() - started >= seconds:
        return code
    feasible = model.clone()
    feasible.clear_objective()
    feasible.clear_hints()
    finder = cp_model.CpSolver()
    finder.parameters.copy_from(solver.parameters)
    finder.parameters.num_workers = 4
    finder.parameters.interleave_search = True
    # Interleaved, the four workers share the limit: each gets the time the single search had.
    finder.parameters.max_deterministic_time = 4 * solver.parameters.max_deterministic_time
    finder.parameters.max_time_in_seconds = seconds - (time.monotonic() - started)
    with stoppable(finder):
        found = finder.solve(feasible)
    if found == cp_model.INFEASIBLE:
        return found
    if found not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return code
    left = seconds - (time.monotonic() - started)
    if left <= 0:
        return code
    solver.parameters.max_time_in_seconds = left
    hinted = model.clone()
    hint_every_variable(hinted, lambda index: finder.value(hinted.get_int_var_from_proto_index(index)))
    # Same variable indexes: the caller reads the answer with its own model's variables.
    code = solver.solve(hinted, callback)
    if code != cp_model.UNKNOWN or not settle:
        return code
    solver.parameters.fix_variables_to_their_hinted_value = True
    try:
        fixed = solver.solve(hinted, callback)
    finally:
        solver.parameters.fix_variables_to_their_hinted_value = False
    return cp_model.FEASIBLE if fixed == cp_model.OPTIMAL else code


def agent_model(data: ProblemData, agent: AgentData, rules: Sequence[Rule]) -> ModelContext:
    """A model of one agent's week under `rules` (every hard rule is per agent, so this is exact for them)."""
    sub = ModelContext(
        data=ProblemData(data.scenario, data.grid, (agent,), data.demand, data.block_intervals),
        model=cp_model.CpModel(),
    )
    add_shift_variables(sub)
    for rule in rules:
        rule.add_to_model(sub)
    return sub
