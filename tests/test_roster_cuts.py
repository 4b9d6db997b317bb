"""What the roster LP proves about every plan cheaper than the one in hand (wfm.scheduling.roster_cuts, issue 21):
the Lagrangian bound, the reduced-cost fixings and the next cost searched with exact numbers; on Curtois & Qu
instance 1 (optimum 607) a model of the plans at most 607 that holds the optimum, one of those at most 606 that
holds none, and turns over cheaper plans that end at 607 proved."""

from __future__ import annotations

import math
import sys
import tempfile
import time
from dataclasses import replace
from functools import partial
from pathlib import Path

import pytest
from ortools.sat.python import cp_model

from wfm.io import load_scenario
from wfm.scheduling import columns, roster_cuts
from wfm.scheduling.decisions import derive_all, hint_cost
from wfm.scheduling.model import build_model
from wfm.scheduling.objective import most_request_credit
from wfm.scheduling.problem import build_problem
from wfm.scheduling.result import SolveStatus
from wfm.scheduling.roster_cuts import SCALE, AgentDuals, ObjectiveGrid, RosterDuals
from wfm.scheduling.solve import _best_bound, _cheaper_turn, _hint_at_roster_bound, _raised, _roster_bound, _turn
from wfm.scheduling.solve_model import SolveOutcome
from wfm.scheduling.warm_start import complete_hint, request_values, warm_start

REPO = Path(__file__).resolve().parents[1]


def _duals() -> RosterDuals:
    """LP 10. Agent 0: convexity dual 2, least (hours - gains) 1.5, so its reduced cost is at least -0.5; working
    option 0 is its best (forced off, 4.0: reduced cost 2.0), option 1 not (forced on, 2.2: 0.2), option 2 not
    computed. Agent 1: least 0 at convexity 0; option 0 cannot be worked at all. No days: no rounding slack."""
    return RosterDuals(
        lp_value=10.0,
        agents=(
            AgentDuals(
                gains=(0, 0, 0),
                convexity=2.0,
                least=round(1.5 * SCALE),
                forced=((1, 4.0 * SCALE), (0, 2.2 * SCALE), None),
            ),
            AgentDuals(gains=(0,), convexity=0.0, least=0, forced=((0, math.inf),)),
        ),
        days=0,
    )


def test_the_lagrangian_bound_is_the_lp_plus_each_agents_least_reduced_cost() -> None:
    assert _duals().bound == pytest.approx(9.5)


def test_a_decision_is_fixed_when_its_other_value_forces_the_bound_above_the_cost_sought() -> None:
    # Below 11: agent 0 off option 0 bounds plans at 9.5 + 0.5 + 2.0 = 12.0, so option 0 is worked; working option
    # 1 bounds them at 10.2, allowed; agent 1 cannot work option 0 at all.
    assert _duals().fixings(below=11.0) == {(0, 0): 1, (1, 0): 0}
    # Below 12 exactly, 12.0 is allowed: only the impossible one is fixed.
    assert _duals().fixings(below=12.0) == {(1, 0): 0}
    # Below 10.1 the 10.2 is out too.
    assert _duals().fixings(below=10.1) == {(0, 0): 1, (0, 1): 0, (1, 0): 0}


def test_the_next_cost_searched_is_midway_between_bound_and_plan_on_the_objectives_grid() -> None:
    whole = ObjectiveGrid(offset=157.0, multiplier=1, terms=())
    assert whole.midway(1954.08, 1958.0) == 1956.0  # 1,955 to 1,957 can still be
    assert whole.midway(1949.0, 1951.0) == 1949.0  # 1,949 or 1,950: the lower first
    assert whole.midway(1949.5, 1951.0) == 1950.0
    assert whole.midway(1950.0, 1950.0) is None  # nothing cheaper can be: the plan in hand is optimal
    # Hundredths above an offset of a third: the grid is 1/3 + k/100.
    hundredths = ObjectiveGrid(offset=1 / 3, multiplier=100, terms=())
    assert hundredths.midway(10.0, 10.5) == pytest.approx(1 / 3 + (967 + 1016) // 2 / 100)
    assert hundredths.at_most(10.0) == 966 and hundredths.at_least(10.0) == 967


@pytest.fixture(scope="module")
def instance_1():  # type: ignore[no-untyped-def]
    """Instance 1 (8 people, 14 days; optimum 607) through wfm's loaders, after the column phase."""
    sys.path.insert(0, str(REPO / "bench"))
    import shift_benchmark

    folder = Path(tempfile.mkdtemp())
    shift_benchmark.write_scenario(
        shift_benchmark.read_instance(shift_benchmark.INSTANCES / "Instance1.txt"), folder, 60, 2, None
    )
    ctx = build_model(build_problem(load_scenario(folder), None))
    warm_start(ctx, seed=1)
    hinted = ctx.model.proto.solution_hint
    start = dict(zip(hinted.vars, hinted.values, strict=True))
    requested = [request_values(ctx.data, a) for a in range(len(ctx.data.agents))]
    decisions, report = columns.column_plan(ctx, start, requested, seconds=40, workers=2, seed=1)
    assert report.duals is not None and decisions is not None
    return ctx, report.duals, decisions


def _search(model: cp_model.CpModel) -> tuple[int, float]:
    solver = cp_model.CpSolver()
    solver.parameters.num_workers = 2
    solver.parameters.max_time_in_seconds = 60
    code = solver.solve(model)
    return code, solver.objective_value


def test_on_instance_1_the_plans_at_most_607_hold_the_optimum_and_those_at_most_606_none(
    instance_1, monkeypatch: pytest.MonkeyPatch
) -> None:  # type: ignore[no-untyped-def]
    ctx, duals, _ = instance_1
    # The roster LP over all rosters is 558 here (column generation ends with none pricing out), well below 607.
    assert 557.99 <= duals.bound <= 558
    monkeypatch.setattr(roster_cuts, "LEAST_FIXED_SHARE", 0.0)
    grid = roster_cuts.objective_grid(ctx.model)
    assert grid is not None and grid.multiplier == 1
    cheaper = roster_cuts.cheaper_model(ctx, duals, grid, 607.0)
    assert cheaper is not None and cheaper[1] > 0
    assert _search(cheaper[0]) == (cp_model.OPTIMAL, 607.0)
    none = roster_cuts.cheaper_model(ctx, duals, grid, 606.0)
    assert none is not None and none[1] >= cheaper[1]  # a lower cost sought fixes at least as much
    assert _search(none[0])[0] == cp_model.INFEASIBLE


def test_on_instance_1_turns_over_cheaper_plans_end_at_the_optimum_proved(
    instance_1, monkeypatch: pytest.MonkeyPatch
) -> None:  # type: ignore[no-untyped-def]
    """From the column phase's plan, each search over the plans at most midway between bound and plan either
    finds one (the new plan in hand) or proves none (the new bound), until nothing lies between: 607, OPTIMAL."""
    ctx, duals, decisions = instance_1
    monkeypatch.setattr(roster_cuts, "LEAST_FIXED_SHARE", 0.0)
    grid = roster_cuts.objective_grid(ctx.model)
    assert grid is not None
    chosen = [key for key, var in ctx.x.items() if decisions[var.index]]
    values = derive_all(ctx, decisions)
    start = SolveOutcome(SolveStatus.FEASIBLE, hint_cost(ctx, values), None, 0.0, chosen, {}, {})
    assert start.objective is not None and start.objective >= 607
    run = partial(_turn, workers=2, seed=1, relative_gap=0.0, parameters=None, progress=None)
    outcome, found, ran = _cheaper_turn(ctx, start, duals, grid, time.monotonic() + 120, run)
    assert ran and found == (start.objective > 607)
    assert (outcome.status, outcome.objective, outcome.best_bound) == (SolveStatus.OPTIMAL, 607.0, 607.0)
    assert outcome.stats["cheaper_searches"] >= 1


def test_too_few_decisions_fixed_leave_the_turn_to_the_whole_model(instance_1, monkeypatch: pytest.MonkeyPatch) -> None:  # type: ignore[no-untyped-def]
    ctx, duals, _ = instance_1
    monkeypatch.setattr(roster_cuts, "LEAST_FIXED_SHARE", 1.0)
    grid = roster_cuts.objective_grid(ctx.model)
    assert grid is not None and roster_cuts.cheaper_model(ctx, duals, grid, 607.0) is None


def _outcome(objective: float, bound: float | None) -> SolveOutcome:
    return SolveOutcome(SolveStatus.FEASIBLE, objective, bound, 0.0, [], {}, {})


def test_the_roster_lps_bound_raises_cp_sats_and_proves_a_plan_it_reaches() -> None:
    plan = _outcome(10.0, 7.0)
    assert _raised(plan, 9.2) == replace(plan, best_bound=9.2)
    assert _raised(plan, 10.0) == replace(plan, best_bound=10.0, status=SolveStatus.OPTIMAL)
    assert _raised(plan, 6.0) == plan  # CP-SAT's is higher
    assert _raised(plan, None) == plan
    assert _raised(_outcome(10.0, 0.0), -5.0) == _outcome(10.0, 0.0)
    assert _raised(_outcome(10.0, None), -5.0) == _outcome(10.0, -5.0)
    # Above the plan it is a bug in the LP: not used, and reported as one in the plan's notes.
    assert _raised(plan, 10.5) == plan
    notes: list[str] = []
    assert _best_bound(7.0, {}, 10.0, notes, 10.5) == 7.0
    assert len(notes) == 1 and notes[0].startswith("BUG: a relaxation bound (10.500)")
    assert _best_bound(7.0, {}, 10.0, notes, 9.2) == 9.2


def test_on_instance_1_the_roster_lps_bound_is_raised_to_the_next_whole_cost(instance_1) -> None:  # type: ignore[no-untyped-def]
    """Every plan of instance 1 costs a whole number, so an LP bound of 557.3 proves 558."""
    ctx, duals, _ = instance_1
    credit = most_request_credit(ctx.data)  # the request terms' constant, which the LP's own value leaves out
    assert _roster_bound(ctx, columns.ColumnReport(lagrangian_bound=557.3 - credit)) == 558.0
    assert _roster_bound(ctx, columns.ColumnReport(lagrangian_bound=500.0 - credit, duals=duals)) == 558.0
    # (an LP of exactly 558 read a little above it by HiGHS still proves 558, not 559)
    assert _roster_bound(ctx, columns.ColumnReport(lagrangian_bound=558.0001 - credit)) == 558.0
    assert _roster_bound(ctx, columns.ColumnReport()) is None  # the LP proved nothing


def test_a_hinted_plan_at_the_roster_lps_bound_is_proved_optimal_with_no_search(instance_1) -> None:  # type: ignore[no-untyped-def]
    ctx, _, decisions = instance_1
    hinted = replace(ctx, model=ctx.model.clone())  # the fixture's model keeps its own hint
    values = derive_all(hinted, decisions)
    complete_hint(hinted, values)
    cost = hint_cost(hinted, values)
    proved = _hint_at_roster_bound(hinted, cost)
    assert proved is not None
    assert (proved.status, proved.objective, proved.best_bound) == (SolveStatus.OPTIMAL, cost, cost)
    assert sorted(proved.chosen) == sorted(key for key, var in ctx.x.items() if decisions[var.index])
    assert proved.stats["shift_variables"] == len(ctx.x)
    assert _hint_at_roster_bound(hinted, cost - 1) is None  # a bound below the plan proves nothing
    assert _hint_at_roster_bound(hinted, None) is None
