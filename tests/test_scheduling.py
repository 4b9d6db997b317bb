"""Specifications of the blended CP-SAT scheduler on small hand-made operations."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict

import pandas as pd
import pytest
from scheduling_fixtures import CASES, START, VOICE, requirements, scenario, site

from wfm.domain import Availability, FixedActivity, TimeOff
from wfm.scheduling import ScheduleResult, ShiftAssignment, SolveStatus, audit_plan, schedule
from wfm.scheduling.problem import build_problem
from wfm.scheduling.rules import MinRest


def _at(day: int, clock: str) -> dt.datetime:
    hours, minutes = map(int, clock.split(":"))
    return dt.datetime.combine(START + dt.timedelta(days=day), dt.time(hours, minutes))


def test_a_plan_keeps_every_hard_rule_and_reports_its_gap() -> None:
    the_site = site()
    scen = scenario(the_site, {"a1": {"voice": 1.0}, "a2": {"voice": 1.0, "cases": 0.5}, "a3": {"cases": 1.0}})
    reqs = requirements(the_site, live_required={"voice": 1})
    plan = schedule(scen, reqs)
    assert plan.status.has_plan, plan.message
    assert plan.message == ""
    assert audit_plan(build_problem(scen, reqs), plan) == []
    # 3 agents x 5 days (2 days off a week, 40 contracted hours = 5 shifts of 8 paid hours)
    assert len(plan.shifts) == 15
    assert all(s.paid_minutes == 480 for s in plan.shifts)
    assert plan.gap is not None and plan.gap <= 0.05


def test_a_multi_skilled_agent_counts_on_one_queue_at_a_time() -> None:
    both = (VOICE, VOICE.model_copy(update={"id": "sales"}))
    the_site = site(days=1, queues=both)
    scen = scenario(the_site, {"a1": {"voice": 1.0, "sales": 1.0}})
    plan = schedule(scen, requirements(the_site, live_required={"voice": 1, "sales": 1}))
    assert plan.status.has_plan
    busy: dict[dt.datetime, int] = defaultdict(int)
    for segment in plan.segments:
        if segment.activity == "work":
            t = segment.start
            while t < segment.end:
                busy[t] += 1
                t += dt.timedelta(minutes=30)
    assert busy and max(busy.values()) == 1


def test_breaks_are_taken_inside_their_windows_and_nobody_works_through_them() -> None:
    the_site = site(days=1, queues=(VOICE,))
    scen = scenario(the_site, {"a1": {"voice": 1.0}, "a2": {"voice": 1.0}})
    plan = schedule(scen, requirements(the_site, live_required={"voice": 1}))
    for shift in plan.shifts:
        breaks = [s for s in plan.segments if s.agent_id == shift.agent_id and s.activity in ("break", "lunch")]
        template = the_site.template_by_id[shift.template_id]
        assert len(breaks) == len(template.breaks)
        for rule in template.breaks:
            (taken,) = [b for b in breaks if b.activity == rule.kind]
            offset = (taken.start - shift.start).total_seconds() / 60
            assert rule.earliest_after_minutes <= offset <= rule.latest_after_minutes
            assert (taken.end - taken.start).total_seconds() / 60 == rule.minutes


def test_two_people_on_the_same_shift_do_not_take_their_break_at_the_same_time() -> None:
    the_site = site(days=1, queues=(VOICE,))
    # a 08:30 training forces both onto the early shift (08:00-16:30), whose paid break window is 09:30-11:00
    fixed = tuple(
        FixedActivity(agent_id=a, start=_at(0, "08:30"), end=_at(0, "09:30"), activity="training") for a in ("a1", "a2")
    )
    scen = scenario(the_site, {"a1": {"voice": 1.0}, "a2": {"voice": 1.0}}, fixed=fixed)
    plan = schedule(scen, requirements(the_site, live_required={"voice": 1}))
    starts = sorted(s.start for s in plan.segments if s.activity == "break")
    assert len(starts) == 2 and starts[0] != starts[1]


def test_rest_rule_allows_late_after_late_but_not_early_after_late() -> None:
    # 8.5 h shifts: late 13:00-21:30, early 08:00-16:30. Late then early leaves 10.5 h < 11 h.
    the_site = site(days=2, queues=(VOICE,))

    def forced(day0: str, day1: str) -> ScheduleResult:
        fixed = (
            FixedActivity(agent_id="a1", start=_at(0, day0), end=_at(0, _plus_hour(day0)), activity="training"),
            FixedActivity(agent_id="a1", start=_at(1, day1), end=_at(1, _plus_hour(day1)), activity="training"),
        )
        return schedule(scenario(the_site, {"a1": {"voice": 1.0}}, fixed=fixed), requirements(the_site))

    assert forced("20:00", "20:00").status.has_plan  # late, late: 15.5 h rest
    assert forced("08:00", "20:00").status.has_plan  # early, late
    assert forced("20:00", "08:30").status is SolveStatus.INFEASIBLE  # late, early: 10.5 h
    assert forced("20:00", "08:30").message


def _plus_hour(clock: str) -> str:
    hours, minutes = map(int, clock.split(":"))
    return f"{hours + 1:02d}:{minutes:02d}"


def test_min_rest_audit_names_the_agent_day_and_the_rest_actually_left() -> None:
    the_site = site(days=2, queues=(VOICE,))
    scen = scenario(the_site, {"a1": {"voice": 1.0}})
    reqs = requirements(the_site)
    plan = ScheduleResult(
        status=SolveStatus.FEASIBLE,
        objective=0,
        best_bound=0,
        runtime_seconds=0,
        shifts=(
            ShiftAssignment("a1", START, "late", _at(0, "13:00"), _at(0, "21:30"), 480),
            ShiftAssignment("a1", START + dt.timedelta(days=1), "early", _at(1, "08:00"), _at(1, "16:30"), 480),
        ),
    )
    violations = MinRest().audit(build_problem(scen, reqs), plan)
    assert [str(v) for v in violations] == ["[min_rest] agent a1 on Tue 03 Mar: only 10.5 h rest before this shift"]


def test_deferred_work_fills_the_live_queue_trough() -> None:
    # One blended agent on the early shift (08:00-16:30). Voice needs one agent 08:00-12:00 and nobody after;
    # 240 minutes of cases arrive at 08:00, due by 17:30. The plan answers voice through the morning peak and
    # works the cases in the afternoon trough: 12:00-16:30 less a 30-minute lunch is exactly 240 minutes.
    the_site = site(days=1, queues=(VOICE, CASES))
    fixed = (FixedActivity(agent_id="a1", start=_at(0, "08:00"), end=_at(0, "08:30"), activity="huddle"),)
    scen = scenario(the_site, {"a1": {"voice": 1.0, "cases": 1.0}}, fixed=fixed)
    reqs = requirements(
        the_site,
        live_required={"voice": 1},
        deferred_work={"cases": (240.0, _at(0, "08:00"), _at(0, "17:30"))},
    )
    reqs.loc[pd.to_datetime(reqs["interval_start"]).dt.hour >= 12, "required_agents"] = 0.0
    plan = schedule(scen, reqs)
    assert plan.status.has_plan

    def minutes_on(queue: str, before: dt.datetime | None = None) -> float:
        return sum(
            (min(s.end, before or s.end) - s.start).total_seconds() / 60
            for s in plan.segments
            if s.activity == "work" and s.queue == queue and (before is None or s.start < before)
        )

    assert minutes_on("cases") == 240.0
    assert minutes_on("cases", before=_at(0, "12:00")) == 0.0
    # 08:30-12:00 on voice less the 30-minute paid break
    assert minutes_on("voice", before=_at(0, "12:00")) == 180.0


def test_an_agent_who_cannot_reach_contract_hours_is_named_before_solving() -> None:
    # Available Monday and Tuesday only: at most 2 x 8 = 16 paid hours against a 32-hour minimum.
    the_site = site(days=7, queues=(VOICE,))
    windows = tuple(Availability(agent_id="a1", weekday=day, start_minute=7 * 60, end_minute=22 * 60) for day in (0, 1))
    scen = scenario(the_site, {"a1": {"voice": 1.0}}).model_copy(update={"availability": windows})
    plan = schedule(scen, requirements(the_site))
    assert plan.status is SolveStatus.INFEASIBLE
    assert "agent a1 (ft): at most 16.0 paid hours are reachable in the week from Mon 02 Mar" in plan.message


def test_approved_leave_counts_towards_contract_hours() -> None:
    # Off sick Tuesday to Saturday: 5 leave days credit 5 x 8 h, so no shift is needed to meet the contract.
    the_site = site(days=7, queues=(VOICE,))
    absent = TimeOff(agent_id="a1", start=_at(1, "00:00"), end=_at(6, "00:00"), reason="sick")
    scen = scenario(the_site, {"a1": {"voice": 1.0}}).model_copy(update={"time_off": (absent,)})
    plan = schedule(scen, requirements(the_site))
    assert plan.status is SolveStatus.OPTIMAL
    assert plan.shifts == ()
    assert plan.overtime_hours == {}


def test_kpis_of_a_blended_plan_count_every_case_done_on_time() -> None:
    # The trough test's plan, judged by the KPI module: all 48 cases (240 min at 300 s) are done by 17:30.
    from wfm.scheduling.kpis import compute_coverage

    the_site = site(days=1, queues=(VOICE, CASES))
    fixed = (FixedActivity(agent_id="a1", start=_at(0, "08:00"), end=_at(0, "08:30"), activity="huddle"),)
    scen = scenario(the_site, {"a1": {"voice": 1.0, "cases": 1.0}}, fixed=fixed)
    reqs = requirements(the_site, deferred_work={"cases": (240.0, _at(0, "08:00"), _at(0, "17:30"))})
    reqs.loc[reqs["queue"] == "cases", "volume"] = reqs["arrival_work_minutes"] / 5
    plan = schedule(scen, reqs)
    coverage = compute_coverage(scen, reqs, plan)
    cases = coverage[coverage["queue"] == "cases"]
    assert cases["items_past_sla"].sum() == 0.0
    assert cases["completed"].sum() == pytest.approx(48.0)
