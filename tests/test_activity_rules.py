"""Floor-ready activity rules (wfm.scheduling.activity_rules): minimum stint, most queue changes a shift, the
queue-change cost and the home-office preference; each rule's audit with exact expected violations, the warm
start's stint planner with exact choices, and the model keeping them on a plan built to tempt it."""

from __future__ import annotations

import datetime as dt

from plan_validator import validate_result
from scheduling_fixtures import CASES, START, VOICE, requirements, scenario, site

from wfm.domain import Queue
from wfm.scheduling import schedule
from wfm.scheduling.activity_rules import (
    MaxQueueChanges,
    MinStint,
    plan_stints,
    queue_change_counts,
    shift_stints,
)
from wfm.scheduling.problem import build_problem
from wfm.scheduling.result import ScheduleResult, Segment, ShiftAssignment, SolveStatus

DAY = START


def at(hour: float) -> dt.datetime:
    return dt.datetime.combine(DAY, dt.time()) + dt.timedelta(hours=hour)


SHIFT = ShiftAssignment("A1", DAY, "early", at(8), at(16.5), 480)


def work(start: float, end: float, queue: str) -> Segment:
    return Segment("A1", at(start), at(end), "work", queue)


def other(start: float, end: float, activity: str) -> Segment:
    return Segment("A1", at(start), at(end), activity)


def plan(*segments: Segment) -> ScheduleResult:
    return ScheduleResult(SolveStatus.FEASIBLE, 0.0, 0.0, 0.0, shifts=(SHIFT,), segments=segments)


SKILLS = {"A1": {"voice": 1.0, "cases": 1.0}, "A2": {"voice": 1.0, "cases": 1.0}}


def data():  # type: ignore[no-untyped-def]
    the_site = site(days=1)
    return build_problem(scenario(the_site, SKILLS), requirements(the_site, {"voice": 1.0}))


# --- stints of a plan -------------------------------------------------------------------------------------------


def test_a_break_between_two_stints_on_one_queue_is_no_change_and_breaks_at_a_change_count_for_both_sides() -> None:
    segments = [
        work(8, 9.5, "voice"), other(9.5, 9.75, "break"), work(9.75, 11, "voice"),  # one stint
        other(11, 11.5, "lunch"), work(11.5, 12, "cases"),  # the lunch counts for both stints: cases 11:00-12:00
        work(12, 16.5, "voice"),
    ]  # fmt: skip
    stints = shift_stints(SHIFT, segments)
    assert [(s.queue, s.span_start.hour, s.minutes) for s in stints] == [
        ("voice", 8, 210.0), ("cases", 11, 30.0 + 30.0), ("voice", 12, 270.0)
    ]  # fmt: skip
    assert MinStint().audit(data(), plan(*segments)) == []
    assert queue_change_counts([SHIFT], segments) == {
        "shifts": 1, "queue_changes_mean": 2.0, "queue_changes_max": 2, "stints": 3, "stints_under_60_min": 0
    }  # fmt: skip


def test_a_stint_under_the_minimum_is_a_violation_unless_a_fixed_activity_ends_it() -> None:
    short = [work(8, 12, "voice"), work(12, 12.5, "cases"), work(12.5, 16.5, "voice")]
    (violation,) = MinStint().audit(data(), plan(*short))
    assert violation.message == "cases 12:00-12:30 lasts 30 minutes (at least 60)"
    before_training = [work(8, 12, "voice"), work(12, 12.5, "cases"), other(12.5, 13.5, "training"),
                       work(13.5, 16.5, "voice")]  # fmt: skip
    assert MinStint().audit(data(), plan(*before_training)) == []


def test_a_break_right_before_the_first_stint_or_after_the_last_counts_in_it() -> None:
    # after a training 08:00-10:00 the first stint is voice 10:00-11:00, its first 15 minutes a break
    segments = [other(8, 10, "training"), other(10, 10.25, "break"), work(10.25, 11, "voice"),
                work(11, 16, "cases"), other(16, 16.25, "break"), work(16.25, 16.5, "cases")]  # fmt: skip
    assert [(s.queue, s.minutes) for s in shift_stints(SHIFT, segments)] == [("voice", 60.0), ("cases", 330.0)]
    assert MinStint().audit(data(), plan(*segments)) == []


def test_one_skill_leaves_nothing_to_change_so_its_stints_have_no_minimum() -> None:
    the_site = site(days=1)
    single = build_problem(scenario(the_site, {"A1": {"voice": 1.0}}), requirements(the_site, {"voice": 1.0}))
    assert MinStint().audit(single, plan(work(8, 8.5, "voice"), other(8.5, 16.5, "training"))) == []


def test_a_queue_may_set_its_own_minimum_stint() -> None:
    short = [work(8, 12, "voice"), work(12, 12.5, "cases"), work(12.5, 16.5, "voice")]
    the_site = site(days=1, queues=(VOICE, CASES.model_copy(update={"min_stint_minutes": 30})))
    loose = build_problem(scenario(the_site, SKILLS), requirements(the_site, {"voice": 1.0}))
    assert MinStint().audit(loose, plan(*short)) == []


def test_more_queue_changes_than_allowed_is_a_violation_naming_the_path() -> None:
    hopping = [work(8, 9, "voice"), work(9, 10, "cases"), work(10, 11, "voice"), work(11, 12, "cases"),
               work(12, 16.5, "voice")]  # fmt: skip
    (violation,) = MaxQueueChanges().audit(data(), plan(*hopping))
    assert violation.message == "4 queue changes (voice > cases > voice > cases > voice)"
    assert MaxQueueChanges().audit(data(), plan(*hopping[1:])) == []  # 3 changes: the default limit


# --- the warm start's stint planner ---------------------------------------------------------------------------


def test_the_stint_planner_keeps_the_minimum_and_pays_for_each_change() -> None:
    # four 30-minute blocks; voice pays in blocks 0 and 2, cases in 1 and 3: alternating would gain 40
    gains = [{"voice": 10.0, "cases": 0.0}, {"voice": 0.0, "cases": 10.0}] * 2
    free = plan_stints([0, 2, 4, 6], gains, block=2, busy=set(), min_blocks={}, max_changes=None, change_cost=0.0)
    assert free == ["voice", "cases", "voice", "cases"]
    # 60-minute stints: every plan gains 20, less 1 per change, so one queue all along
    floor = plan_stints([0, 2, 4, 6], gains, block=2, busy=set(), min_blocks={"voice": 2, "cases": 2},
                        max_changes=3, change_cost=1.0)  # fmt: skip
    assert floor == ["voice"] * 4
    # a change that pays for itself: voice needed in the first hour, cases in the second (40 - 1)
    halves = [{"voice": 10.0, "cases": 0.0}] * 2 + [{"voice": 0.0, "cases": 10.0}] * 2
    assert plan_stints([0, 2, 4, 6], halves, block=2, busy=set(), min_blocks={"voice": 2, "cases": 2},
                       max_changes=3, change_cost=1.0) == ["voice", "voice", "cases", "cases"]  # fmt: skip
    # ... unless no change is allowed
    assert plan_stints([0, 2, 4, 6], halves, block=2, busy=set(), min_blocks={}, max_changes=0,
                       change_cost=0.0) == ["voice"] * 4  # fmt: skip


def test_the_stint_planner_lets_a_fixed_activity_end_a_stint_early() -> None:
    # blocks 0, 4 and 6 with a training in block 2: a one-block stint before the training is allowed, not at the
    # shift's end
    gains = [{"voice": 0.0, "cases": 10.0}, {"voice": 10.0, "cases": 0.0}, {"voice": 10.0, "cases": 0.0}]
    choices = plan_stints([0, 4, 6], gains, block=2, busy={4 - 2, 4 - 1}, min_blocks={"voice": 2, "cases": 2},
                          max_changes=3, change_cost=1.0)  # fmt: skip
    assert choices == ["cases", "voice", "voice"]
    # the same day ending after block 4: voice there would be a 30-minute stint at the shift's end
    assert plan_stints([0, 4], gains[:2], block=2, busy={2, 3}, min_blocks={"voice": 2, "cases": 2},
                       max_changes=3, change_cost=1.0) == ["voice", "voice"]  # fmt: skip


# --- the model ------------------------------------------------------------------------------------------------


def test_the_model_keeps_stints_and_changes_when_demand_alternates_every_half_hour() -> None:
    # voice needs 1.5 agents in the first half of every hour, 0.5 in the second; cases has work all day. Without
    # the rules the two cross-trained agents would swap queues every 30 minutes.
    one_day = site(days=1)
    rules = one_day.rules.model_copy(update={"min_stint_minutes": 60, "max_queue_changes_per_shift": 2})
    the_site = one_day.model_copy(update={"rules": rules})
    table = requirements(the_site, {"voice": 1.0}, {"cases": (600.0, at(8), at(22))})
    half_hourly = [1.5 if (t // 1) % 2 == 0 else 0.5 for t in range(len(table))]
    live = table["queue"] == "voice"
    table.loc[live, "required_agents"] = [half_hourly[i] for i in range(int(live.sum()))]
    the_scenario = scenario(the_site, SKILLS)
    result = schedule(the_scenario, table, deterministic=True, time_limit_seconds=10)
    assert result.status.has_plan, result.message
    assert validate_result(the_scenario, result) == []
    counts = queue_change_counts(result.shifts, result.segments)
    assert counts["queue_changes_max"] <= 2 and counts["stints_under_60_min"] == 0


def test_off_home_hours_keep_people_on_their_own_office_queues_when_nobody_else_needs_them() -> None:
    front_only = Queue(id="front_cases", office="front", channel="case", kind="deferred", sla_hours=8, open="08:00",
                       close="22:00")  # fmt: skip
    the_site = site(days=1, queues=(front_only, CASES))
    weights = the_site.weights.model_copy(update={"off_home_hour": 1.0})
    the_site = the_site.model_copy(update={"weights": weights})
    skills = {"A1": {"front_cases": 1.0, "cases": 1.0}}
    table = requirements(the_site, None, {"front_cases": (120.0, at(8), at(22))})  # cases has no work at all
    result = schedule(scenario(the_site, skills), table, deterministic=True, time_limit_seconds=10)
    worked = {s.queue for s in result.segments if s.activity == "work"}
    assert worked == {"front_cases"}  # agent A1 is front office (the fixtures' default)
