"""The freeze window: published days are kept exactly, and only a shift that became impossible is re-planned."""

from __future__ import annotations

import datetime as dt

from scheduling_fixtures import START, requirements, scenario, site

from wfm.domain import TimeOff
from wfm.scheduling import schedule
from wfm.scheduling.freeze import FrozenDays

SKILLS = {"A1": {"voice": 1.0, "cases": 0.8}, "A2": {"voice": 1.0}, "A3": {"cases": 1.0}, "A4": {"voice": 0.7}}


def plan_and_freeze(days: int = 3):  # type: ignore[no-untyped-def]
    the_site = site(days=days)
    table = requirements(
        the_site, {"voice": 2.0}, {"cases": (900.0, dt.datetime(2026, 3, 2, 8), dt.datetime(2026, 3, 3, 12))}
    )
    published = schedule(scenario(the_site, SKILLS), table, deterministic=True)
    assert published.status.has_plan
    frozen = FrozenDays(
        days=(START, START + dt.timedelta(days=1)),
        shifts=published.shifts,
        segments=published.segments,
        agents=tuple(SKILLS),
    )
    return the_site, table, published, frozen


def on_days(plan, days):  # type: ignore[no-untyped-def]
    shifts = sorted((s.agent_id, s.date, s.template_id, s.start, s.end) for s in plan.shifts if s.date in days)
    segments = sorted(
        (s.agent_id, s.start, s.end, s.activity, s.queue)
        for s in plan.segments
        if s.start.date() in days and s.activity != "time_off"
    )
    return shifts, segments


def test_frozen_days_come_back_exactly_as_published_even_when_other_weights_pull_elsewhere() -> None:
    the_site, table, published, frozen = plan_and_freeze()
    # Make the same people far more wanted on cases: without the freeze the plan's first days would change.
    busier = table.copy()
    busier.loc[busier["queue"] == "cases", "arrival_work_minutes"] *= 3
    busier.loc[busier["queue"] == "cases", "due_work_minutes"] *= 3
    replanned = schedule(scenario(the_site, SKILLS), busier, deterministic=True, frozen=frozen)
    assert replanned.status.has_plan, replanned.message
    assert on_days(replanned, frozen.days) == on_days(published, frozen.days)
    assert "REPAIRED" not in replanned.message


def test_a_published_shift_made_impossible_by_new_time_off_is_repaired_and_reported() -> None:
    the_site, table, published, frozen = plan_and_freeze()
    monday_shift = next(s for s in published.shifts if s.date == START)
    monday = dt.datetime.combine(START, dt.time())
    # a whole day off (it counts towards contract hours, so the week stays possible)
    sick = TimeOff(agent_id=monday_shift.agent_id, start=monday, end=monday + dt.timedelta(days=1), reason="sick")
    ill = scenario(the_site, SKILLS).model_copy(update={"time_off": (sick,)})
    replanned = schedule(ill, table, deterministic=True, frozen=frozen)
    assert replanned.status.has_plan, replanned.message
    repaired = [line for line in replanned.message.splitlines() if line.startswith("REPAIRED: ")]
    assert len(repaired) == 1 and f"agent {monday_shift.agent_id}" in repaired[0]
    assert "Mon 02 Mar" in repaired[0]
    # Everyone else's frozen days are untouched; the sick agent no longer works that shift.
    others = [a for a in SKILLS if a != monday_shift.agent_id]

    def without_sick(plan):  # type: ignore[no-untyped-def]
        shifts, segments = on_days(plan, frozen.days)
        return [s for s in shifts if s[0] in others], [s for s in segments if s[0] in others]

    assert without_sick(replanned) == without_sick(published)
    assert not any(s.agent_id == monday_shift.agent_id and s.start == monday_shift.start for s in replanned.shifts)
