"""A plan's decisions in the model: the shift and queue-block values of a given plan, blocks kept as
published, every auxiliary variable derived from decisions, and the model's objective at such values.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from typing import Any

from wfm.scheduling.activity_rules import min_stint_minutes
from wfm.scheduling.context import ModelContext

BREAK_SIDES = ("shorter", "before", "after")


def plan_decisions(
    ctx: ModelContext, shifts: Sequence[Any], segments: Sequence[Any], break_side: str = "shorter"
) -> dict[int, int] | None:
    """Proto index -> value of every shift and queue-block decision of a given plan (ShiftAssignment and Segment
    rows), or None when the plan does not fit this model: a shift that is not one of the agent's options here, or
    work on a queue block the model has no variable for.

    A block the plan worked on two queues (not one of ours: decode keeps one queue a block) gets both, and then
    the solver rejects the hint; nothing is wrong, only slower. Breaks: see below; `break_side` says which
    stint a break between two queues belongs to (the shorter, the one before, the one after): the model put it
    in one of them, which the segments no longer show, so a caller whose first reading breaks a stint rule
    tries the others (BREAK_SIDES).
    """
    data, grid = ctx.data, ctx.data.grid
    index_of = {agent.agent.agent_id: a for a, agent in enumerate(data.agents)}
    option_of = {
        (a, option.template_id, grid.start_of(option.start)): o
        for a, agent in enumerate(data.agents)
        for o, option in enumerate(agent.options)
    }
    decisions = {var.index: 0 for var in ctx.x.values()} | {var.index: 0 for var in ctx.y.values()}
    for shift in shifts:
        key = (index_of.get(shift.agent_id, -1), shift.template_id, shift.start)
        if key not in option_of:
            return None
        decisions[ctx.x[key[0], option_of[key]].index] = 1
    worked: dict[int, dict[int, str]] = defaultdict(dict)  # agent index -> interval -> queue
    on_break: dict[int, dict[int, str]] = defaultdict(dict)  # ... the same for intervals of breaks
    for segment in segments:
        if segment.activity == "work" and segment.queue is not None and segment.agent_id in index_of:
            for t in range(grid.index_of(segment.start), grid.index_ceil(segment.end)):
                worked[index_of[segment.agent_id]][t] = segment.queue
    # The model does not see breaks (they are placed after the solve, over the queue blocks it chose): a break
    # counts as the queue worked just before it, or just after it when it opens the shift's work.
    for segment in segments:
        if segment.activity not in ("break", "lunch") or segment.agent_id not in index_of:
            continue
        queues = worked[index_of[segment.agent_id]]
        first, last = grid.index_of(segment.start), grid.index_ceil(segment.end)
        before, after = queues.get(first - 1), queues.get(last)
        queue_id = before or after
        if before and after and before != after:
            # Between two queues the break may belong to either stint (the audit counts it in both); the model
            # put it in one: by default the one that needs it to reach its minimum stint, else the shorter.
            run_before, run_after = _run(queues, first - 1, -1), _run(queues, last, 1)
            minutes = grid.interval_minutes
            site = data.scenario.site
            need_before = run_before * minutes < min_stint_minutes(site, before)
            need_after = run_after * minutes < min_stint_minutes(site, after)
            to_after = need_after if need_before != need_after else run_after < run_before
            if break_side == "after" or (break_side == "shorter" and to_after):
                queue_id = after
        if queue_id is not None:
            on_break[index_of[segment.agent_id]].update({t: queue_id for t in range(first, last)})
    for a in worked.keys() - ctx.single_queue.keys():  # a single-skilled agent's queue follows from the shift
        # A break may open a block, so the work in it can start mid-block: every interval names its block.
        blocks = set()
        for t, queue_id in worked[a].items():
            variable = ctx.y.get((a, queue_id, t - t % data.block_intervals))
            if variable is None:
                return None
            decisions[variable.index] = 1
            blocks.add(t - t % data.block_intervals)
        for t, queue_id in on_break[a].items():  # only blocks no work names, and only where the queue is open
            block = t - t % data.block_intervals
            if block not in blocks and (a, queue_id, block) in ctx.y:
                decisions[ctx.y[a, queue_id, block].index] = 1
                blocks.add(block)
    return decisions


def fix_blocks(ctx: ModelContext, blocks: dict[tuple[int, int], str | None]) -> None:
    """Keep these queue blocks as given (a published day's work): the block's variable for that queue is 1 and
    the others 0 (all 0 for None), in the model and in the warm start."""
    ctx.fixed_blocks.update(blocks)
    for (a, queue_id, first), var in ctx.y.items():
        if (a, first) in blocks:
            ctx.model.add(var == int(queue_id == blocks[a, first]))


def derive_all(ctx: ModelContext, decisions: dict[int, int]) -> dict[int, int]:
    """Every auxiliary variable derived from the decisions (exact, milliseconds)."""
    values = dict(decisions)
    for derive in ctx.derivations:
        derive(values)
    return values


def hint_cost(ctx: ModelContext, values: dict[int, int]) -> float:
    """The model's objective at these values (variables no derivation sets count at their domain's low end)."""
    proto = ctx.model.proto

    def weighted(variables: Any, coefficients: Any) -> float:
        return sum(
            c * values.get(i, int(proto.variables[i].domain[0])) for i, c in zip(variables, coefficients, strict=True)
        )

    if proto.has_floating_point_objective():
        floating = proto.floating_point_objective
        return float(floating.offset) + weighted(floating.vars, floating.coeffs)
    integral = proto.objective  # value = scaling_factor x (sum + offset), scaling 0 meaning 1
    return (float(integral.offset) + weighted(integral.vars, integral.coeffs)) * (integral.scaling_factor or 1.0)


def broken_constraints(ctx: ModelContext, values: dict[int, int], *, most: int = 5) -> list[int]:
    """Indexes of the model's linear constraints (up to `most`) that `values` break, enforcement literals
    respected; other constraint kinds are not checked. A plan read from elsewhere (`plan_decisions` of another
    scenario's plan) may break a rule this model has and that one did not: then it must not be the hint."""
    broken = []
    for index, constraint in enumerate(ctx.model.proto.constraints):
        if not _is_linear(constraint):
            continue
        if any(
            (values.get(literal, 0) if literal >= 0 else 1 - values.get(-literal - 1, 0)) == 0
            for literal in constraint.enforcement_literal
        ):
            continue
        linear = constraint.linear
        total = sum(
            coefficient * (values.get(var, 0) if var >= 0 else -values.get(-var - 1, 0))
            for var, coefficient in zip(linear.vars, linear.coeffs, strict=True)
        )
        bounds = list(linear.domain)
        if not any(low <= total <= high for low, high in zip(bounds[::2], bounds[1::2], strict=True)):
            broken.append(index)
            if len(broken) >= most:
                break
    return broken


def _is_linear(constraint: Any) -> bool:
    # OR-Tools 9.12+ hands out its own proto wrapper (has_linear); older ones a protobuf message (WhichOneof)
    has_linear = getattr(constraint, "has_linear", None)
    return bool(has_linear()) if has_linear is not None else constraint.WhichOneof("constraint") == "linear"


def _run(queues: dict[int, str], t: int, step: int) -> int:
    """How many intervals in a row from `t` (towards `step`) name the queue `t` names."""
    queue_id, length = queues[t], 0
    while queues.get(t) == queue_id:
        length, t = length + 1, t + step
    return length
