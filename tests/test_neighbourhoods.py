"""The large-neighbourhood search over whole people and runs of days (wfm.scheduling.neighbourhoods, issue 21):
from a poor plan it finds the optimum, every plan it returns keeps every rule, and it leaves the model as it
found it."""

from __future__ import annotations

import time
from dataclasses import replace

import pytest
from test_columns import NEEDS, _context, _poor_start
from test_shift_demand import shift_scenario, shift_site

from wfm.domain import Scenario
from wfm.scheduling import neighbourhoods, schedule
from wfm.scheduling.decisions import broken_constraints, derive_all, hint_cost
from wfm.scheduling.result import SolveStatus
from wfm.scheduling.solve import _better_of, _neighbourhood_phase
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
    improved, stalled = _neighbourhood_phase(ctx, outcome, time.monotonic() + 30, 2, 1, 0.0, None)
    assert not stalled
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
    assert _neighbourhood_phase(ctx, outcome, time.monotonic() + 30, 2, 1, 0.01, None) == (outcome, False)


def test_a_search_asked_to_stop_when_stalled_stops_after_stall_steps_steps_that_find_nothing_cheaper(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """From the optimum (0), with neighbourhoods of one of the three people or one of the four days at first
    (each grows by one after a step it proves), no step can find a cheaper plan, nor, in two steps, free every
    decision to prove it: after STALL_STEPS (here 2) steps the search stops, stalled, with the plan it was
    given, long before its 30 s."""
    monkeypatch.setattr(neighbourhoods, "STALL_STEPS", 2)
    monkeypatch.setattr(neighbourhoods, "FIRST_PEOPLE", 1)
    monkeypatch.setattr(neighbourhoods, "FIRST_DAYS", 1)
    ctx = _context()
    optimum = neighbourhoods.improve(
        ctx, derive_all(ctx, _poor_start(ctx)), until=time.monotonic() + 30, workers=2, seed=1
    )[1]
    assert hint_cost(ctx, optimum) == pytest.approx(0)
    began = time.monotonic()
    cost, values, report = neighbourhoods.improve(
        ctx, optimum, until=began + 30, workers=1, seed=1, stop_when_stalled=True
    )
    assert report.stalled and report.steps == 2 and report.improvements == 0
    assert cost == pytest.approx(0) and values == optimum
    assert time.monotonic() - began < 10
    assert not neighbourhoods.improve(ctx, optimum, until=time.monotonic() + 5, workers=1, seed=1)[2].stalled


def test_a_later_cp_sat_turn_adds_its_plan_if_cheaper_its_bound_if_higher_and_its_time() -> None:
    first = SolveOutcome(SolveStatus.FEASIBLE, 10.0, 5.0, 30.0, [(0, 1)], {}, {"neighbourhood_steps": 7})
    with_zero_bound = _better_of(replace(first, best_bound=0.0), replace(first, best_bound=-3.0))
    assert with_zero_bound.best_bound == 0.0  # a bound of 0 is a bound
    cheaper = SolveOutcome(SolveStatus.FEASIBLE, 9.0, 7.0, 20.0, [(0, 2)], {}, {})
    merged = _better_of(first, cheaper)
    assert (merged.status, merged.objective, merged.best_bound, merged.runtime_seconds) == (
        SolveStatus.FEASIBLE,
        9.0,
        7.0,
        50.0,
    )
    assert merged.chosen == [(0, 2)]
    assert merged.stats == {"neighbourhood_steps": 7, "search_turns": 1}
    dearer = SolveOutcome(SolveStatus.FEASIBLE, 12.0, 4.0, 20.0, [(0, 3)], {}, {})
    kept = _better_of(merged, dearer)
    assert (kept.objective, kept.best_bound, kept.chosen) == (9.0, 7.0, [(0, 2)])
    assert kept.stats["search_turns"] == 2
    proved = _better_of(kept, SolveOutcome(SolveStatus.OPTIMAL, 9.0, 9.0, 1.0, [(0, 4)], {}, {}))
    assert (proved.status, proved.objective, proved.best_bound, proved.chosen) == (
        SolveStatus.OPTIMAL,
        9.0,
        9.0,
        [(0, 2)],
    )
    nothing = _better_of(kept, SolveOutcome(SolveStatus.UNKNOWN, None, None, 3.0, [], {}, {}))
    assert (nothing.objective, nothing.best_bound, nothing.runtime_seconds) == (9.0, 7.0, 73.0)


def test_deterministic_runs_and_plans_cp_sat_proves_skip_it() -> None:
    scenario = shift_scenario(shift_site(days=4, max_shifts_horizon={"early": 3}), 3, NEEDS)
    for deterministic in (False, True):
        result = schedule(scenario, None, time_limit_seconds=8, deterministic=deterministic)
        assert result.objective == pytest.approx(0)
        assert "neighbourhood_steps" not in result.model_stats


def _stalling_after_two_steps(monkeypatch: pytest.MonkeyPatch) -> Scenario:
    """Neighbourhoods of one person or day at first that stall after 2 steps, and the scenario to plan."""
    monkeypatch.setattr(neighbourhoods, "STALL_STEPS", 2)
    monkeypatch.setattr(neighbourhoods, "FIRST_PEOPLE", 1)
    monkeypatch.setattr(neighbourhoods, "FIRST_DAYS", 1)
    return shift_scenario(shift_site(days=4, max_shifts_horizon={"early": 3}), 3, NEEDS)


def test_when_the_neighbourhoods_stall_cp_sat_takes_the_plan_back_and_they_go_on_in_turn_until_the_limit(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """CP-SAT's turns are made to end unproved (bound -1,000), and the neighbourhoods (one person or day at
    first) stall after 2 steps: the search then alternates, a CP-SAT turn after each stall, until less than two
    steps' time of the 6 s limit is left, and publishes the optimum (0) with every turn counted."""
    import wfm.scheduling.solve as solving

    real = solving.solve
    turns: list[float] = []

    def unproved(ctx: object, **kwargs: object) -> SolveOutcome:
        outcome = real(ctx, **kwargs)  # type: ignore[arg-type]
        turns.append(time.monotonic())
        return replace(outcome, status=SolveStatus.FEASIBLE, best_bound=-1000.0)

    monkeypatch.setattr(solving, "solve", unproved)
    # No turns over the cheaper plans (roster_cuts): at the roster LP's bound of 0 they would prove the plan
    # optimal (the test below).
    monkeypatch.setattr(solving.roster_cuts, "objective_grid", lambda model: None)
    scenario = _stalling_after_two_steps(monkeypatch)
    began = time.monotonic()
    result = schedule(scenario, None, time_limit_seconds=6)
    assert result.status is SolveStatus.FEASIBLE and result.objective == pytest.approx(0)
    assert len(turns) >= 2 and result.model_stats["search_turns"] == len(turns) - 1
    assert result.model_stats["neighbourhood_steps"] >= 2 * len(turns) - 2
    assert time.monotonic() - began < 15


def test_a_plan_at_the_roster_lps_bound_is_proved_optimal_at_the_first_stall(monkeypatch: pytest.MonkeyPatch) -> None:
    """The same, with the roster LP's duals: CP-SAT's first turn is made to end unproved at the optimum (0), the
    neighbourhoods stall, and the next turn, over the plans cheaper than 0, finds no cost between the roster LP's
    bound (0) and the plan: OPTIMAL, with no search needed and no further turn. (The column phase's plan and the
    first turn's are at that bound already, which proves them optimal before the neighbourhoods, as the test
    below does: that is switched off here, so the turns' own proof is the one tested.)"""
    import wfm.scheduling.solve as solving

    real = solving.solve

    def unproved(ctx: object, **kwargs: object) -> SolveOutcome:
        return replace(real(ctx, **kwargs), status=SolveStatus.FEASIBLE, best_bound=-1000.0)  # type: ignore[arg-type]

    monkeypatch.setattr(solving, "solve", unproved)
    monkeypatch.setattr(solving, "_hint_at_roster_bound", lambda ctx, bound: None)
    monkeypatch.setattr(solving, "_raised", lambda outcome, bound: outcome)
    scenario = _stalling_after_two_steps(monkeypatch)
    began = time.monotonic()
    result = schedule(scenario, None, time_limit_seconds=20)
    assert (result.status, result.objective, result.best_bound) == (SolveStatus.OPTIMAL, 0.0, 0.0)
    assert "search_turns" not in result.model_stats and "cheaper_searches" not in result.model_stats
    assert result.model_stats["neighbourhood_steps"] >= 2  # the neighbourhoods ran and stalled first
    assert time.monotonic() - began < 15


def test_a_column_phase_plan_at_the_roster_lps_bound_is_proved_optimal_before_any_search(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The same scenario as it comes: the column phase's plan costs 0, the roster LP's bound (0), so the plan is
    OPTIMAL with no CP-SAT turn and no neighbourhood step."""
    import wfm.scheduling.solve as solving

    turns: list[object] = []
    real = solving.solve

    def counted(ctx: object, **kwargs: object) -> SolveOutcome:
        turns.append(ctx)
        return real(ctx, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(solving, "solve", counted)
    result = schedule(_stalling_after_two_steps(monkeypatch), None, time_limit_seconds=20)
    assert (result.status, result.objective, result.best_bound) == (SolveStatus.OPTIMAL, 0.0, 0.0)
    assert turns == [] and "neighbourhood_steps" not in result.model_stats
    assert result.model_stats["column_lagrangian_bound"] == 0 and result.model_stats["shift_variables"] > 0
