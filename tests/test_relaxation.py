"""The capacity relaxation: a proven lower bound on the plan's cost (wfm.scheduling.relaxation)."""

from __future__ import annotations

import datetime as dt

import pytest
from scheduling_fixtures import START, VOICE, requirements, scenario, site

from wfm.scheduling import schedule
from wfm.scheduling.model import build_model
from wfm.scheduling.problem import build_problem
from wfm.scheduling.relaxation import capacity_bound, lagrangian_bound


def test_one_agent_short_of_a_live_queue_the_bound_is_the_shortfall_left_at_the_most_paid_hours() -> None:
    # Voice needs 3 agents in each of its 28 open half-hours (08:00-22:00); A1 is the only agent, on a one-day
    # horizon of a 40-hour, 5-day contract: paid 6.4-8.8 h that day, 8 h contracted, at most 0.8 h overtime.
    # Short per interval: the first 20 % (60 hundredths) at 0.5 a hundredth, the rest (240) at 1.0: 270; 28 x 270
    # = 7,560. Each half-hour A1 covers takes 100 hundredths off the dearer tier: -100. A shift spans 510 minutes
    # for 480 paid (30-minute unpaid lunch), so the relaxation lets A1 cover 528 x 510 / 480 = 561 minutes (18.7
    # intervals) by paying 48 minutes of overtime at 30 an hour (24): 7,560 - 1,870 + 24 = 5,714. A real plan
    # covers one 510-minute shift: 7,560 - 1,700 = 5,860, which the solver proves optimal.
    the_site = site(days=1, queues=(VOICE,))
    table = requirements(the_site, {"voice": 3.0})
    the_scenario = scenario(the_site, {"A1": {"voice": 1.0}})
    ctx = build_model(build_problem(the_scenario, table))
    bound = capacity_bound(ctx)
    assert bound is not None and bound.value == pytest.approx(5714.0, abs=1e-3)
    # 28 x 270 - 1,870 short, 48 minutes of overtime at 0.5 a minute
    assert bound.breakdown == pytest.approx({"understaffing": 5690.0, "hours": 24.0}, abs=1e-3)
    result = schedule(the_scenario, table)
    assert result.objective == pytest.approx(5860.0)


def test_with_service_valued_the_reported_bound_takes_the_relaxation_and_never_passes_the_optimum() -> None:
    # A blended day: voice with 12 contacts per half-hour valued per contact, cases work due by 20:00, one
    # flexible and two single-skilled agents. The solver proves the optimum (relative gap 0); the relaxation is
    # a valid bound below it, and the result reports the better of the two bounds.
    the_site = site(days=1)
    weights = the_site.weights.model_copy(update={"unanswered_contact": 2.0, "contact_below_target": 2.0})
    the_site = the_site.model_copy(update={"weights": weights})
    arrives, due = dt.datetime.combine(START, dt.time(8)), dt.datetime.combine(START, dt.time(20))
    table = requirements(the_site, {"voice": 2.0}, {"cases": (900.0, arrives, due)})
    table.loc[table["queue"] == "voice", "volume"] = 12.0
    the_scenario = scenario(the_site, {"F1": {"voice": 1.0, "cases": 0.8}, "V1": {"voice": 1.0}, "C1": {"cases": 1.0}})
    ctx = build_model(build_problem(the_scenario, table))
    relaxed = capacity_bound(ctx)
    assert relaxed is not None
    bound = relaxed.value
    # Priced with the LP's duals, the Lagrangian bound is at least the LP's (every real week is a point of the
    # LP's agent polytope) and still below the optimum.
    lagrangian = lagrangian_bound(ctx, relaxed.prices)
    assert lagrangian is not None and lagrangian >= bound - 1e-3
    result = schedule(the_scenario, table, deterministic=True)
    assert result.status.value == "OPTIMAL"
    assert result.objective is not None and lagrangian <= result.objective + 1e-3
    assert result.model_stats["relaxation_bound"] == round(bound)
    assert result.model_stats["lagrangian_bound"] == round(lagrangian)
    assert result.best_bound is not None and result.best_bound >= lagrangian - 1e-3
