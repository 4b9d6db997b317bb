"""Specifications of the break model: breaks are staggered together, by CP-SAT, after the shifts are chosen."""

from __future__ import annotations

import numpy as np
from scheduling_fixtures import VOICE, requirements, scenario, site

from wfm.scheduling.breaks import break_candidates, stagger_breaks
from wfm.scheduling.problem import ProblemData, build_problem


def _early_shapes(data: ProblemData, queue_id: str | None) -> list:
    """Every agent on their early shift of day 0, working `queue_id` the whole shift (None: no open queue)."""
    shapes = []
    for agent in data.agents:
        (option,) = [o for o in agent.options if o.day == 0 and o.template_id == "early"]
        length = option.end - option.start
        shapes.append((agent, option, [queue_id] * length, ["work"] * length))
    return shapes


def test_candidates_are_the_window_on_the_interval_grid() -> None:
    the_site = site(days=1, queues=(VOICE,))
    data = build_problem(scenario(the_site, {"a1": {"voice": 1.0}}), requirements(the_site))
    (shape,) = _early_shapes(data, "voice")
    # 30-minute intervals; the break: 30 minutes, 90-180 minutes after the start; lunch: 210-300 minutes
    assert break_candidates(data, shape[0], shape[1], shape[3]) == [(1, [3, 4, 5, 6]), (1, [7, 8, 9, 10])]
    # a fixed activity over 90-150 minutes leaves the break two places
    assert break_candidates(data, shape[0], shape[1], ["work"] * 3 + ["training"] * 2 + ["work"] * 12)[0] == (1, [5, 6])


def test_two_people_covering_a_one_person_queue_are_moved_apart_even_from_a_clashing_hint() -> None:
    the_site = site(days=1, queues=(VOICE,))
    data = build_problem(scenario(the_site, {"a1": {"voice": 1.0}, "a2": {"voice": 1.0}}), requirements(the_site))
    data.demand["voice"].required_agents[:] = 1.0
    shapes = _early_shapes(data, "voice")
    staffed = {"voice": np.full(data.grid.size, 2.0)}
    clashing = [[3, 7], [3, 7]]  # both on break at 09:30 and at lunch at 11:30: nobody on the phones
    placed = stagger_breaks(data, shapes, staffed, clashing)
    assert placed[0][0] != placed[1][0] and placed[0][1] != placed[1][1]
    assert all(3 <= p[0] <= 6 and 7 <= p[1] <= 10 for p in placed)


def test_three_people_on_a_queue_short_already_do_not_take_their_break_together() -> None:
    # The trial's case: a queue needing 4 has 3 on it all morning; their windows (09:30-11:00) allow one break
    # each at 09:30, 10:00, 10:30 or 11:00. Stacked, the queue has nobody for half an hour; spread, it keeps 2.
    the_site = site(days=1, queues=(VOICE,))
    agents = {f"a{n}": {"voice": 1.0} for n in range(1, 4)}
    data = build_problem(scenario(the_site, agents), requirements(the_site))
    data.demand["voice"].required_agents[:] = 4.0
    shapes = _early_shapes(data, "voice")
    staffed = {"voice": np.full(data.grid.size, 3.0)}
    stacked = [[3, 7], [3, 8], [3, 9]]  # the breaks together at 09:30, lunches apart
    placed = stagger_breaks(data, shapes, staffed, stacked)
    assert len({p[0] for p in placed}) == 3


def test_a_break_goes_where_the_agent_has_no_open_queue_to_work() -> None:
    the_site = site(days=1, queues=(VOICE,))
    data = build_problem(scenario(the_site, {"a1": {"voice": 1.0}}), requirements(the_site))
    data.demand["voice"].required_agents[:] = 1.0
    ((agent, option, queue, activity),) = _early_shapes(data, "voice")
    queue[5] = None  # 10:30-11:00: nothing open for this agent
    placed = stagger_breaks(data, [(agent, option, queue, activity)], {"voice": np.full(data.grid.size, 1.0)}, [[3, 7]])
    assert placed[0][0] == 5


def test_the_greedy_fallback_never_stacks_a_second_break_on_the_first() -> None:
    # Found in review: with overlapping windows, the greedy drew the lunch onto the break it had just placed
    # (a slot already on break looks like the best moment). Both fit in 90-240 minutes; 10:30 has no queue.
    from scheduling_fixtures import EARLY, LATE

    from wfm.domain import BreakRule
    from wfm.scheduling import decode

    rules = tuple(
        BreakRule(kind=kind, minutes=30, paid=kind == "break", earliest_after_minutes=90, latest_after_minutes=240)
        for kind in ("break", "lunch")
    )
    the_site = site(days=1, queues=(VOICE,)).model_copy(
        update={"shift_templates": (EARLY.model_copy(update={"breaks": rules}), LATE)}
    )
    data = build_problem(scenario(the_site, {"a1": {"voice": 1.0}}), requirements(the_site, {"voice": 1.0}))
    ((agent, option, queue, activity),) = _early_shapes(data, "voice")
    queue[5] = None
    positions = decode._place_breaks(data, decode._Board(data), agent, option, queue, activity, 0)
    assert positions[0] == 5 and positions[1] is not None and positions[1] != 5
    assert activity.count("break") == 1 and activity.count("lunch") == 1
