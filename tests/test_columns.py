"""The column-generation first plan for plans to shift requirements alone (wfm.scheduling.columns, issue 21):
it applies to shift-based demand only, its master LP prices whole rosters, and from a poor start it finds the
plan that covers every requirement."""

from __future__ import annotations

import datetime as dt
import random
import time

import pytest
from ortools.sat.python import cp_model
from scheduling_fixtures import START, site
from test_shift_demand import shift_scenario, shift_site

from wfm.domain import ShiftRequest
from wfm.scheduling import columns, schedule
from wfm.scheduling.decisions import derive_all, hint_cost
from wfm.scheduling.model import ModelContext, build_model
from wfm.scheduling.problem import build_problem
from wfm.scheduling.result import SolveStatus
from wfm.scheduling.solve_model import SolveOutcome, hint_outcome
from wfm.scheduling.warm_start import complete_hint, request_values

# Four days each needing two earlies (100 a person short, 1 a person over); three people, each at most three
# earlies over the horizon: nine shifts for eight places, so a plan covers every day exactly (cost 0).
NEEDS = [(d, "early", 2, 100, 1) for d in range(4)]


def _context() -> ModelContext:
    return build_model(
        build_problem(shift_scenario(shift_site(days=4, max_shifts_horizon={"early": 3}), 3, NEEDS), None)
    )


def _poor_start(ctx: ModelContext) -> dict[int, int]:
    """Everybody works the earlies of days 0-2: one person over on each of them (3) and day 3 empty (200)."""
    return {
        var.index: int(option.template_id == "early" and option.day <= 2)
        for (a, o), var in ctx.x.items()
        for option in [ctx.data.agents[a].options[o]]
    }


def test_it_applies_to_shift_requirements_alone() -> None:
    assert columns.applies(_context())
    with_queues = site(days=4)  # interval demand: voice and cases queues, no shift requirements
    assert not columns.applies(build_model(build_problem(shift_scenario(with_queues, 3, []), None)))


def test_from_a_plan_that_leaves_a_day_empty_it_finds_the_one_that_covers_every_day() -> None:
    ctx = _context()
    start = _poor_start(ctx)
    assert hint_cost(ctx, derive_all(ctx, start)) == pytest.approx(203)
    requested = [request_values(ctx.data, a) for a in range(len(ctx.data.agents))]
    decisions, report = columns.column_plan(ctx, start, requested, seconds=30, workers=1, seed=1)
    assert decisions is not None
    assert report.cost == pytest.approx(0)
    assert hint_cost(ctx, derive_all(ctx, decisions)) == pytest.approx(0)
    # The LP over whole rosters reaches the same 0: no roster prices out once every day is covered.
    assert report.lp_value == pytest.approx(0)
    assert report.stopped_by == "no roster prices out (the LP is optimal over all rosters)"
    per_day = [
        sum(decisions[var.index] for (a, o), var in ctx.x.items() if ctx.data.agents[a].options[o].day == day)
        for day in range(4)
    ]
    assert per_day == [2, 2, 2, 2]
    assert report.fixed + report.free == len(ctx.x)


def test_the_master_lp_prices_a_missing_person_at_the_under_weight() -> None:
    """With only the poor start's rosters, the LP cannot fill day 3: its dual price there is the 100 a person
    short costs, and days 0-2, where somebody is over, are priced at minus the over weight."""
    ctx = _context()
    pool = columns._Pool(ctx)
    start = _poor_start(ctx)
    for a, agent in enumerate(ctx.data.agents):
        pool.add(a, frozenset(o for o in range(len(agent.options)) if start[ctx.x[a, o].index]), 0.0)
    solved = pool.solve()
    assert solved is not None
    value, prices, _, mix = solved
    assert value == pytest.approx(203)
    assert list(prices) == pytest.approx([-1, -1, -1, 100])
    assert sorted(mix.values()) == pytest.approx([1, 1, 1])


def test_a_plan_to_shift_requirements_says_what_the_column_phase_did_and_deterministic_runs_skip_it() -> None:
    scenario = shift_scenario(shift_site(days=4, max_shifts_horizon={"early": 3}), 3, NEEDS)
    result = schedule(scenario, None, time_limit_seconds=8)
    assert result.objective == pytest.approx(0)
    assert result.model_stats["column_rounds"] >= 1 and result.model_stats["column_plan_cost"] == 0
    assert "column_rounds" not in schedule(scenario, None, time_limit_seconds=8, deterministic=True).model_stats


def test_the_cover_first_step_finds_the_least_cover_then_the_cheapest_plan_with_that_cover() -> None:
    """All three people ask for day 3 off (60 each): covering day 3 costs two requests (120), one person short
    there costs 100 + 60 and nobody there 200. The cover-first step finds the least cover cost (0), and the
    cheapest plan at that cover is the optimum, 120."""
    scenario = shift_scenario(shift_site(days=4, max_shifts_horizon={"early": 3}), 3, NEEDS)
    off = tuple(
        ShiftRequest(agent_id=f"a{i}", date=START + dt.timedelta(days=3), shift_template="off", wanted=True, weight=60)
        for i in range(3)
    )
    ctx = build_model(build_problem(scenario.model_copy(update={"requests": off}), None))
    requested = [request_values(ctx.data, a) for a in range(len(ctx.data.agents))]
    decisions, report = columns.column_plan(ctx, _poor_start(ctx), requested, seconds=30, workers=1, seed=1)
    assert decisions is not None
    assert report.cover_cost == pytest.approx(0)
    assert report.cover_plan_cost == pytest.approx(120)
    assert report.cost == pytest.approx(120)
    assert hint_cost(ctx, derive_all(ctx, decisions)) == pytest.approx(120)


def test_a_warm_start_that_breaks_a_rule_is_never_published_as_the_plan() -> None:
    """When the search returns nothing in time, the warm start's plan stands in only if it keeps every rule:
    everybody on every shift of every day breaks the three-early limit, so there is no stand-in; the poor start
    keeps every rule and stands in at its cost."""
    ctx = _context()
    outcome = SolveOutcome(SolveStatus.UNKNOWN, None, None, 1.0, [], {}, {})
    complete_hint(ctx, derive_all(ctx, {var.index: 1 for var in ctx.x.values()}))
    assert hint_outcome(ctx, outcome) is None
    complete_hint(ctx, derive_all(ctx, _poor_start(ctx)))
    stand_in = hint_outcome(ctx, outcome)
    assert stand_in is not None and stand_in.objective == pytest.approx(203)


def test_a_search_given_a_plan_in_hand_stops_once_its_bound_shows_it_cannot_beat_it() -> None:
    """A cover of 300 random 4-sets by 120 weighted elements, at least 60 of them: the LP bound (161) shows at
    once that no plan costs under 50, so a search that must beat a plan in hand at 50 stops at once, where it
    would otherwise search its whole limit; one that must beat 10^6 searches as usual."""
    rng = random.Random(3)
    model = cp_model.CpModel()
    chosen = [model.new_bool_var(f"x{i}") for i in range(120)]
    for _ in range(300):
        model.add_bool_or(rng.sample(chosen, 4))
    model.add(sum(chosen) >= 60)
    model.minimize(sum(rng.randint(1, 9) * var for var in chosen))
    began = time.monotonic()
    solver, found = columns._search(model, began + 30, workers=2, seed=1, beat=50.0)
    # (a first-solution worker can get a plan in before the bound stops the search: under the test suite's load
    # it once did; that plan cannot beat 50 either)
    assert solver.best_objective_bound >= 50 and (not found or solver.objective_value >= 161)
    assert time.monotonic() - began < 5
    solver, found = columns._search(model, time.monotonic() + 1, workers=2, seed=1, beat=1e6)
    assert found and solver.objective_value >= 161
