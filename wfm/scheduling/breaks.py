"""Breaks and lunches staggered by an exact CP-SAT model, one day at a time, after the shifts are chosen.

Why a second model rather than break variables in the main one: a break's place matters only to the few
intervals it touches, while the main model's size grows with every agent x shift option x break position.
WFM suites do the same (break and lunch optimisation runs on the chosen shifts). Placing them together rather
than one after the other means the model sees that two people on the same shift should not leave the phones in
the same quarter hour, and that a break during deferred work or before the queues open costs nothing.

Per day: b[shift, break, position] picks one position per break inside its window (`break_candidates`);
breaks of one shift never overlap. For every live queue and interval a break touches, the staff left is
S0 - (proficiency-weighted people on break); its shortfall against the Erlang requirement costs in two tiers
as in the main model (SHORTFALL_TIER) and a third, dearer one beyond half the requirement (so breaks spread on a
queue that is short already), and a small cushion term (up to CUSHION above the requirement) spreads
breaks over intervals that are all covered. Taking someone off deferred work costs a little; off time with no
open queue earns. The greedy placement is the hint, so the result is never worse than the greedy.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Sequence

import numpy as np
from ortools.sat.python import cp_model

from wfm.domain import BreakRule, QueueKind
from wfm.interrupt import stoppable
from wfm.scheduling.context import CUSHION, SCALE, SHORTFALL_TIER
from wfm.scheduling.problem import AgentData, ProblemData, ShiftOption, break_window

# Costs per hundredth of an agent for one interval (relative: only their ratios matter).
SHORT_COST, SHORT_BEYOND_COST, CUSHION_COST = 100, 200, 5
# Beyond half the requirement short, a unit costs double again: when a queue is understaffed already, the tiers
# above are linear there and three people on one queue could take their break in the same half hour (found by a
# new user's trial: chat left with nobody at 09:30). Convex, so breaks spread over the window instead.
DEEP_SHORTFALL_SHARE, SHORT_DEEP_COST = 0.5, 400
DEFERRED_COST = 20  # deferred work waits a few minutes, but a late item costs more than a spare agent on the phones
NO_QUEUE_REWARD = 10_000  # on shift with no open queue to work: the best moment for a break
# An intraday re-plan: a break left where the published plan had it (people were told), worth two intervals of one
# agent's cushion; a break moves only where that buys cover.
KEEP_PUBLISHED_REWARD = 1_000
# CP-SAT deterministic time per day: the same plan on any machine. 0.3 rather than 1.0: on the sample's week the
# planned service levels moved by at most 0.15 points either way, and each planned day took 1.5 s less.
DETERMINISTIC_SECONDS_PER_DAY = 0.3

Shape = tuple[AgentData, ShiftOption, list[str | None], list[str]]  # agent, shift, queue and activity per interval


def break_candidates(
    data: ProblemData, agent: AgentData, option: ShiftOption, activity: Sequence[str]
) -> list[tuple[int, list[int]]]:
    """Per break rule of the shift's template: its width in intervals and the first intervals (offsets in the
    shift) where it fits inside its window on work time (not over training or other fixed activities)."""
    template = data.scenario.site.template_by_id[option.template_id]
    return [rule_candidates(data, agent, option, r, rule, activity) for r, rule in enumerate(template.breaks)]


def rule_candidates(
    data: ProblemData, agent: AgentData, option: ShiftOption, index: int, rule: BreakRule, activity: Sequence[str]
) -> tuple[int, list[int]]:
    """One break rule's width in intervals and where it fits (see `break_candidates`). In an intraday re-plan
    (`data.replan_from`), a break already taken stays where it was and one not yet taken of a shift under way
    starts at the re-plan's time or later."""
    width, first, latest = break_window(rule, data.grid.interval_minutes)
    for day, taken_index, offset in agent.taken_breaks:
        if day == option.day and taken_index == index:
            return width, [offset]
    cut, day_end = data.replan_from, data.replan_until
    last = min(latest, option.end - option.start - width)
    if cut is not None and option.start < cut < option.end:
        first = max(first, cut - option.start)
    if day_end is not None and cut is not None and option.start < day_end < option.end and option.start < day_end:
        last = min(last, day_end - option.start - width)  # the re-planned day ends at midnight
    return width, [p for p in range(first, last + 1) if all(activity[i] == "work" for i in range(p, p + width))]


def stagger_breaks(
    data: ProblemData,
    shapes: Sequence[Shape],
    staffed: dict[str, np.ndarray],
    hint: Sequence[Sequence[int | None]],
    *,
    seed: int = 0,
) -> list[list[int | None]]:
    """Each shift's break positions (offset in the shift per break rule, None where the window is blocked).

    `staffed`: proficiency-weighted staff per queue and interval with nobody on a break; `hint`: a valid
    placement (the greedy's), kept for any day the model cannot improve in its time.
    """
    placed = [list(positions) for positions in hint]
    by_day: dict[int, list[int]] = defaultdict(list)
    for index, (_, option, _, _) in enumerate(shapes):
        by_day[option.day].append(index)
    for day in sorted(by_day):
        _stagger_day(data, shapes, staffed, placed, by_day[day], seed)
    return placed


def _stagger_day(
    data: ProblemData,
    shapes: Sequence[Shape],
    staffed: dict[str, np.ndarray],
    placed: list[list[int | None]],
    indexes: list[int],
    seed: int,
) -> None:
    grid = data.grid
    model = cp_model.CpModel()
    choice: dict[tuple[int, int, int], cp_model.IntVar] = {}
    off: dict[tuple[str, int], list[tuple[int, cp_model.IntVar]]] = defaultdict(list)
    objective: list[cp_model.LinearExprT] = []
    widths: dict[tuple[int, int], int] = {}
    for index in indexes:
        agent, option, queue, activity = shapes[index]
        covering: dict[int, list[cp_model.IntVar]] = defaultdict(list)
        for r, (width, fits) in enumerate(break_candidates(data, agent, option, activity)):
            if not fits:
                continue
            widths[index, r] = width
            for p in fits:
                var = model.new_bool_var(f"b_{index}_{r}_{p}")
                choice[index, r, p] = var
                if (option.day, r, p) in agent.published_breaks:
                    objective.append(-KEEP_PUBLISHED_REWARD * var)
                for i in range(p, p + width):
                    covering[i].append(var)
                    t = option.start + i
                    q = queue[i]
                    if q is None or t >= grid.size:
                        objective.append(-NO_QUEUE_REWARD * var)
                    elif data.demand[q].queue.kind is QueueKind.DEFERRED:
                        objective.append(DEFERRED_COST * round(agent.proficiency[q] * SCALE) * var)
                    else:
                        off[q, t].append((round(agent.proficiency[q] * SCALE), var))
            model.add_exactly_one(choice[index, r, p] for p in fits)
        for variables in covering.values():
            if len(variables) > 1:
                model.add_at_most_one(variables)  # one shift's breaks never overlap
    if not choice:
        return
    for (q, t), terms in off.items():
        required = round(float(data.demand[q].required_agents[t]) * SCALE)
        staff = round(float(staffed[q][t]) * SCALE)
        taken = sum(c * v for c, v in terms)
        most = sum(c for c, _ in terms)
        if required <= 0:
            continue
        # Staff left below the cushion target costs CUSHION_COST down to the requirement, then SHORT_COST for
        # the first tier of it and SHORT_BEYOND_COST beyond: convex, so one covering constraint with capped
        # cheap parts prices it exactly (the cheapest part fills first).
        target = math.ceil(required * (1 + CUSHION))
        tier = math.ceil(required * SHORTFALL_TIER)
        half = max(tier, math.ceil(required * DEEP_SHORTFALL_SHARE))
        cushion = model.new_int_var(0, target - required, f"c_{q}_{t}")
        short = model.new_int_var(0, tier, f"s_{q}_{t}")
        beyond = model.new_int_var(0, half - tier, f"sb_{q}_{t}")
        deep = model.new_int_var(0, max(0, target - staff + most), f"sd_{q}_{t}")
        model.add(cushion + short + beyond + deep >= target - staff + taken)
        objective.extend(
            [CUSHION_COST * cushion, SHORT_COST * short, SHORT_BEYOND_COST * beyond, SHORT_DEEP_COST * deep]
        )
    model.minimize(sum(objective))
    for (index, r, p), var in choice.items():
        model.add_hint(var, int(placed[index][r] == p))
    solver = cp_model.CpSolver()
    solver.parameters.num_workers = 1  # with a deterministic limit: the same breaks on every machine
    solver.parameters.random_seed = seed
    solver.parameters.max_deterministic_time = DETERMINISTIC_SECONDS_PER_DAY
    with stoppable(solver):
        code = solver.solve(model)
    if code not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return  # keep the hint
    for (index, r, p), var in choice.items():
        if solver.boolean_value(var):
            placed[index][r] = p
