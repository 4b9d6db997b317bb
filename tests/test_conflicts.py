"""Settling one agent's impossible week for an unattended night (wfm.scheduling.conflicts), with exact numbers.

The fixtures' contract: 32-44 paid hours a week, 5 days; both templates pay 8 h (early 08:00-16:30, late
13:00-21:30, 30 min unpaid lunch). An absence 12:00-14:00 overlaps both, so it takes the whole day out.
"""

from __future__ import annotations

import datetime as dt

from plan_validator import validate_result
from scheduling_fixtures import START, requirements, scenario, site

from wfm.domain import FixedActivity, TimeOff
from wfm.scheduling import schedule
from wfm.scheduling.conflicts import agent_conflicts, leave_out_agents, settle_agent_conflicts

SKILLS = {"A1": {"voice": 1.0}, "A2": {"voice": 1.0, "cases": 1.0}}


def at(day: int, hour: int) -> dt.datetime:
    return dt.datetime.combine(START + dt.timedelta(days=day), dt.time(hour))


def midday_absences(days: range) -> tuple[TimeOff, ...]:
    return tuple(TimeOff(agent_id="A1", start=at(d, 12), end=at(d, 14), reason="doctor") for d in days)


def test_a_week_without_conflicts_is_returned_unchanged() -> None:
    the_scenario = scenario(site(), SKILLS)
    assert settle_agent_conflicts(the_scenario) == (the_scenario, [])


def test_a_training_no_shift_can_hold_is_left_out_with_a_warning_naming_it() -> None:
    night_training = FixedActivity(agent_id="A1", start=at(1, 3), end=at(1, 4), activity="training")
    the_scenario = scenario(site(), SKILLS, fixed=(night_training,))
    assert [c.activity for c in agent_conflicts(the_scenario)] == [
        (54, 56, "training")
    ]  # Tue 03:00 on a 30-minute grid
    settled, warnings = settle_agent_conflicts(the_scenario)
    assert settled.fixed_activities == ()
    assert warnings == [
        "A1 (Agent A1): training Tue 03 Mar 03:00-04:00 is left out of the plan: no shift they may work holds it any "
        "more (time off, availability, contract, or the day's published shift). Rebook it"
    ]


def test_a_week_the_contract_minimum_is_out_of_reach_gets_the_most_the_agent_can_work_as_minimum() -> None:
    the_site = site()
    the_scenario = scenario(the_site, SKILLS).model_copy(update={"time_off": midday_absences(range(4))})
    (conflict,) = agent_conflicts(the_scenario)
    assert (conflict.agent_id, conflict.week, conflict.reachable_minutes) == ("A1", 0, 3 * 480)
    settled, warnings = settle_agent_conflicts(the_scenario)
    assert settled.agent_by_id["A1"].min_hours_week == 24.0
    assert settled.agent_by_id["A2"].min_hours_week is None
    assert warnings == [
        "A1 (Agent A1): the contract's minimum (32 h a week, contract ft) cannot be reached in the week from Mon 02 "
        "Mar: at most 24.0 h (time off, availability); planned to the most they can work"
    ]
    result = schedule(settled, requirements(the_site, {"voice": 1.0}), deterministic=True, time_limit_seconds=10)
    assert result.status.has_plan
    assert sum(s.paid_minutes for s in result.shifts if s.agent_id == "A1") == 24 * 60
    assert validate_result(settled, result) == []


def test_a_part_week_scales_the_reachable_hours_back_to_a_weekly_minimum() -> None:
    # 3 days: the contract asks 32 h x 3/5 = 19.2 h; one day taken out leaves 16 h = 26.67 h a week x 3/5.
    the_site = site(days=3)
    the_scenario = scenario(the_site, SKILLS).model_copy(update={"time_off": midday_absences(range(1))})
    settled, warnings = settle_agent_conflicts(the_scenario)
    assert settled.agent_by_id["A1"].min_hours_week == 26.66  # rounded down: 26.66 x 3/5 = 15.996 h <= 16 h
    assert "at most 16.0 h" in warnings[0]


def test_leaving_an_agent_out_removes_every_row_about_them() -> None:
    training = FixedActivity(agent_id="A1", start=at(1, 9), end=at(1, 10), activity="training")
    the_scenario = scenario(site(), SKILLS, fixed=(training,)).model_copy(
        update={"time_off": midday_absences(range(1))}
    )
    why = "agent A1 (ft): these rules cannot all hold for this agent: rest (11 h). The agent can only start shifts"
    settled, warnings = leave_out_agents(the_scenario, ["A1"], {"A1": why})
    assert [a.agent_id for a in settled.agents] == ["A2"] and list(settled.agent_by_id) == ["A2"]
    assert {s.agent_id for s in settled.skills} == {"A2"}
    assert settled.time_off == () and settled.fixed_activities == ()
    assert warnings == [
        "A1 (Agent A1) is left out of tonight's plan: rest (11 h). Fix their rows and run the night again"
    ]


def test_a_copy_with_other_agents_does_not_keep_the_old_lookups() -> None:
    the_scenario = scenario(site(), SKILLS)
    assert set(the_scenario.agent_by_id) == {"A1", "A2"}  # cached now
    assert set(the_scenario.skills_by_agent) == {"A1", "A2"}
    fewer = the_scenario.model_copy(update={"agents": the_scenario.agents[1:], "skills": the_scenario.skills[1:]})
    assert set(fewer.agent_by_id) == {"A2"} and set(fewer.skills_by_agent) == {"A2"}
    assert set(the_scenario.agent_by_id) == {"A1", "A2"}
