"""The large-neighbourhood search over whole people and runs of days (wfm.scheduling.neighbourhoods, issue 21):
from a poor plan it finds the optimum, every plan it returns keeps every rule, and it leaves the model as it
found it."""

from __future__ import annotations

import time

import pytest
from test_columns import NEEDS, _context, _poor_start
from test_shift_demand import shift_scenario, shift_site

from wfm.scheduling import neighbourhoods, schedule
from wfm.scheduling.decisions import broken_constraints, derive_all, hint_cost
from wfm.scheduling.result import SolveStatus
from wfm.scheduling.solve import _neighbourhood_phase
from wfm.scheduling.solve_model import SolveOutcome


def test_from_a_plan_that_leaves_a_day_empty_it_finds_the_plan_that_covers_every_day_and_stops() -> None:
    """Three people, four days of two earlies (100 a person short, 1 over), at most three earlies each: the poor
    start costs 203 (day 3 empty, one person over on days 0-2); the optimum covers every day exactly (0). The
    people neighbourhood grows to all three people, whose step proves that optimum, and the search stops there
    rather than run out its 30 s."""
    ctx = _context()
    improved = []
    began = time.monotonic()
    cost, values, report = neighbourhoods.improve(
        ctx, derive_all(ctx, _poor_start(ctx)), until=began + 30, workers=2, seed=1, progress=improved.append
    )
    assert report.start_cost == pytest.approx(203)
    assert cost == pytest.approx(0) and report.cost == pytest.approx(0)
    assert improved[-1] == pytest.approx(0) and report.improvements == len(improved)
    assert time.monotonic() - began < 10
    assert hint_cost(ctx, values) == pytest.approx(0)
    assert not broken_constraints(ctx, values, most=1)
    per_day = [
        sum(values[var.index] for (a, o), var in ctx.x.items() if ctx.data.agents[a].options[o].day == day)
        for day in range(4)
    ]
    assert per_day == [2, 2, 2, 2]


def test_it_leaves_the_model_as_it_found_it() -> None:
    """Each step fixes the decisions outside its neighbourhood on a copy of the model: the model itself keeps
    every shift decision free and its hint."""
    ctx = _context()
    before = [list(v.domain) for v in ctx.model.proto.variables]
    hint = list(ctx.model.proto.solution_hint.values)
    neighbourhoods.improve(ctx, derive_all(ctx, _poor_start(ctx)), until=time.monotonic() + 2, workers=1, seed=3)
    assert [list(v.domain) for v in ctx.model.proto.variables] == before
    assert list(ctx.model.proto.solution_hint.values) == hint


def test_with_less_than_two_steps_time_it_returns_the_plan_it_was_given() -> None:
    ctx = _context()
    start = derive_all(ctx, _poor_start(ctx))
    until = time.monotonic() + 2 * neighbourhoods.STEP_SECONDS - 0.5
    cost, values, report = neighbourhoods.improve(ctx, start, until=until, workers=2, seed=1)
    assert cost == pytest.approx(203) and values == start
    assert report.steps == 0 and report.improvements == 0


def test_after_cp_sat_the_phase_publishes_the_better_plan_and_says_what_it_did() -> None:
    """CP-SAT's search stopped at the poor start (203, not proved): the phase hands on the neighbourhoods' plan
    (0), proved optimal by the step that freed all three people, with the phase's figures in the stats."""
    ctx = _context()
    start = _poor_start(ctx)
    chosen = [key for key, var in ctx.x.items() if start[var.index]]
    outcome = SolveOutcome(SolveStatus.FEASIBLE, 203.0, 0.0, 1.0, chosen, {}, {"shift_variables": len(ctx.x)})
    improved = _neighbourhood_phase(ctx, outcome, time.monotonic() + 30, 2, 1, 0.0, None)
    assert improved.status is SolveStatus.OPTIMAL
    assert improved.objective == pytest.approx(0) and improved.best_bound == pytest.approx(0)
    assert len(improved.chosen) == 8
    assert improved.stats["neighbourhood_start_cost"] == 203 and improved.stats["neighbourhood_steps"] >= 1
    assert improved.stats["shift_variables"] == len(ctx.x)


def test_a_plan_cp_sat_left_within_the_relative_gap_is_handed_on_as_it_is() -> None:
    """CP-SAT stops within `[solver] relative_gap` of its bound; so does this phase: 203 against a bound of 202
    is within 1 %, so nothing runs and the outcome is unchanged."""
    ctx = _context()
    start = _poor_start(ctx)
    chosen = [key for key, var in ctx.x.items() if start[var.index]]
    outcome = SolveOutcome(SolveStatus.FEASIBLE, 203.0, 202.0, 1.0, chosen, {}, {})
    assert _neighbourhood_phase(ctx, outcome, time.monotonic() + 30, 2, 1, 0.01, None) is outcome


def test_deterministic_runs_and_plans_cp_sat_proves_skip_it() -> None:
    scenario = shift_scenario(shift_site(days=4, max_shifts_horizon={"early": 3}), 3, NEEDS)
    for deterministic in (False, True):
        result = schedule(scenario, None, time_limit_seconds=8, deterministic=deterministic)
        assert result.objective == pytest.approx(0)
        assert "neighbourhood_steps" not in result.model_stats
