"""The bundled sample's plan against the independent validator (tests/plan_validator.py), and one mutation per rule.

The plan is made once per module (8 s solver limit). Each mutation test breaks one thing in a copy of that plan
(or, where the rule is about an input the plan cannot change, such as last week's shifts, in a copy of the
inputs) and asserts that the validator reports exactly the expected rule(s), naming the agent, on top of whatever
it reported for the unchanged plan. Candidates are picked from the plan by what the mutation needs (an agent the
validator had nothing against, a day off, a second skill ...), since a time-limited solve may vary between runs.
"""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from plan_validator import (
    RULES,
    Violation,
    _fits,
    plan_tables,
    read_run_folder,
    validate_plan,
    validate_result,
    validate_run_folder,
)
from pydantic import BaseModel

from wfm.domain import WEEKDAYS, Availability, BreakRule, FixedActivity, PreviousShift, Scenario
from wfm.io import load_scenario
from wfm.pipeline import RunOptions, plan
from wfm.reports.files import csv_text
from wfm.reports.tables import assignments_table, shifts_table
from wfm.scheduling.result import ScheduleResult

SAMPLE = Path(__file__).resolve().parents[1] / "data" / "sample"


@dataclass(frozen=True)
class Sample:
    scenario: Scenario
    result: ScheduleResult
    shifts: pd.DataFrame
    assignments: pd.DataFrame
    baseline: tuple[Violation, ...]

    def blemished(self, agent_id: str, day: dt.date | None = None) -> bool:
        """Whether the unchanged plan already has a violation for the agent (on that day)."""
        return any(v.agent_id == agent_id and (day is None or v.day in (day, None)) for v in self.baseline)


@pytest.fixture(scope="module")
def sample() -> Sample:
    scenario = load_scenario(SAMPLE)
    outcome = plan(scenario, RunOptions(seed=7, time_limit_seconds=8))
    assert outcome.result.status.has_plan, outcome.result.message
    shifts, assignments = plan_tables(outcome.result)
    baseline = tuple(validate_plan(scenario, shifts, assignments))
    return Sample(scenario, outcome.result, shifts, assignments, baseline)


@pytest.fixture(scope="module")
def run_folder(sample: Sample, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """shifts.csv and assignments.csv exactly as `wfm run` writes them (same tables, same CSV formatting)."""
    folder = tmp_path_factory.mktemp("run")
    shifts = shifts_table(sample.scenario, sample.result)
    assignments = assignments_table(sample.result)
    (folder / "shifts.csv").write_text(csv_text(shifts, contract_columns=[], sort_by=["agent_id", "shift_start"]))
    (folder / "assignments.csv").write_text(csv_text(assignments, contract_columns=[], sort_by=["agent_id", "start"]))
    return folder


# ---------------------------------------------------------------------------------------------------------------
# Helpers


def assert_reports(
    sample: Sample,
    rules: set[str],
    agent_id: str,
    *,
    shifts: pd.DataFrame | None = None,
    assignments: pd.DataFrame | None = None,
    scenario: Scenario | None = None,
) -> list[Violation]:
    """The mutated plan's new violations are exactly `rules`, all for `agent_id`, each naming the agent."""
    assert rules <= set(RULES)
    found = validate_plan(
        scenario or sample.scenario,
        sample.shifts if shifts is None else shifts,
        sample.assignments if assignments is None else assignments,
    )
    before = set(sample.baseline)
    new = [v for v in found if v not in before]
    listing = "\n".join(str(v) for v in new) or "(nothing)"
    assert {(v.rule, v.agent_id) for v in new} == {(rule, agent_id) for rule in rules}, listing
    assert all(str(v).startswith(f"{agent_id} ") and str(v).endswith(f"[{v.rule}]") for v in new), listing
    return new


def without_stint_rules(sample: Sample) -> Scenario:
    """The sample with no minimum stint and no limit on queue changes: for the rules about queue blocks alone."""
    site = sample.scenario.site
    rules = replace(site.rules, min_stint_minutes=0, max_queue_changes_per_shift=None)
    return sample.scenario.model_copy(update={"site": replace(site, rules=rules)})


def replace(model: BaseModel, **changes: Any) -> Any:
    """A validated copy of a frozen model with some fields changed (cached properties recomputed)."""
    data = {name: getattr(model, name) for name in type(model).model_fields}
    data.update(changes)
    return type(model).model_validate(data)


def day_of(value: Any) -> dt.date:
    return pd.Timestamp(value).date()


def shift_rows(sample: Sample) -> Iterator[tuple[int, pd.Series]]:
    yield from sample.shifts.sort_values(["agent_id", "shift_start"]).iterrows()


def segments_in(assignments: pd.DataFrame, agent_id: str, start: Any, end: Any) -> pd.Series:
    return (assignments["agent_id"] == agent_id) & (assignments["start"] >= start) & (assignments["end"] <= end)


def has_inputs(sample: Sample, agent_id: str, day: dt.date) -> bool:
    """Whether availability, time off or a fixed activity could constrain the agent's day."""
    s = sample.scenario
    return (
        any(a.agent_id == agent_id for a in s.availability)
        or any(t.agent_id == agent_id and t.start.date() <= day <= t.end.date() for t in s.time_off)
        or any(f.agent_id == agent_id and f.start.date() == day for f in s.fixed_activities)
    )


def move(sample: Sample, index: int, delta: dt.timedelta, *, keep: bool = False) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Move one shift and all its segments by `delta` (or, with keep=True, add the moved copy)."""
    shifts, assignments = sample.shifts.copy(), sample.assignments.copy()
    row = shifts.loc[index]
    inside = segments_in(assignments, row["agent_id"], row["shift_start"], row["shift_end"])
    moved_shift = row.copy()
    moved_shift["shift_start"] += delta
    moved_shift["shift_end"] += delta
    moved_shift["date"] = day_of(moved_shift["shift_start"])
    moved_segments = assignments[inside].copy()
    moved_segments["start"] += delta
    moved_segments["end"] += delta
    if keep:
        shifts = pd.concat([shifts, moved_shift.to_frame().T], ignore_index=True)
        assignments = pd.concat([assignments, moved_segments], ignore_index=True)
    else:
        shifts.loc[index] = moved_shift
        assignments = pd.concat([assignments[~inside], moved_segments], ignore_index=True)
    return shifts, assignments


def queues_open_on(sample: Sample, segments: pd.DataFrame, day: dt.date) -> bool:
    """Whether every work segment, moved to `day` at the same clock times, still finds its queue open."""
    queues = sample.scenario.site.queue_by_id
    for segment in segments.itertuples():
        if segment.activity == "available":
            return False
        if segment.activity != "work":
            continue
        queue = queues[segment.queue]
        if WEEKDAYS[day.weekday()] not in queue.days:
            return False
    return True


def open_throughout(sample: Sample, queue_id: str, start: Any, end: Any) -> bool:
    queue = sample.scenario.site.queue_by_id[queue_id]
    moments = pd.date_range(start, end, freq="15min", inclusive="left")
    return all(queue.is_open(m.to_pydatetime()) for m in moments)


def week_paid_hours(sample: Sample, agent_id: str) -> float:
    """Paid hours plus whole days of leave at the contract's daily rate (the sample's horizon is one week)."""
    contract = sample.scenario.site.contract_by_id[sample.scenario.agent_by_id[agent_id].contract]
    leave_days = sum(
        1
        for day in sample.scenario.site.horizon.dates
        for t in sample.scenario.time_off
        if t.agent_id == agent_id and t.start <= dt.datetime.combine(day, dt.time()) and t.end.date() > day
    )
    paid = sample.shifts.loc[sample.shifts["agent_id"] == agent_id, "paid_hours"].sum()
    return float(paid) + leave_days * contract.contracted_hours_week / (7 - contract.days_off_per_week)


def first(candidates: Iterator[Any], what: str) -> Any:
    found = next(candidates, None)
    if found is None:
        pytest.fail(f"the sample plan offers no candidate for this mutation: {what}")
    return found


def contract_of(sample: Sample, agent_id: str) -> Any:
    return sample.scenario.site.contract_by_id[sample.scenario.agent_by_id[agent_id].contract]


def with_contract(sample: Sample, agent_id: str, **changes: Any) -> Scenario:
    """The scenario with the agent alone moved to a copy of their contract with `changes`."""
    contract = contract_of(sample, agent_id)
    own = replace(contract, id=f"{contract.id}_{agent_id}", **changes)
    site = replace(sample.scenario.site, contracts=(*sample.scenario.site.contracts, own))
    agents = tuple(replace(a, contract=own.id) if a.agent_id == agent_id else a for a in sample.scenario.agents)
    return replace(sample.scenario, site=site, agents=agents)


# ---------------------------------------------------------------------------------------------------------------
# The plan itself


def test_the_sample_plan_keeps_every_hard_rule(sample: Sample) -> None:
    rules = sorted({v.rule for v in sample.baseline})
    shown = "\n".join(str(v) for v in sample.baseline[:40])
    assert not sample.baseline, (
        f"the scheduler's plan of data/sample has {len(sample.baseline)} hard-rule violation(s) (rules: "
        f"{', '.join(rules)}); this is a bug in wfm, not in the validator:\n{shown}"
    )


def test_the_run_folder_and_the_result_give_the_same_verdict(sample: Sample, run_folder: Path) -> None:
    from_folder = validate_run_folder(run_folder, sample.scenario)
    assert [str(v) for v in from_folder] == [str(v) for v in validate_result(sample.scenario, sample.result)]
    shifts, _ = read_run_folder(run_folder)
    assert len(shifts) == len(sample.result.shifts) > 500
    assert "overtime_hours" in shifts.columns


def test_a_queue_switch_on_a_block_boundary_is_allowed(sample: Sample) -> None:
    block = sample.scenario.site.rules.block_minutes
    origin = pd.Timestamp(sample.scenario.site.horizon.start)

    def candidates() -> Iterator[tuple[int, str, pd.Timestamp]]:
        skills = {(s.agent_id, s.queue) for s in sample.scenario.skills}
        for index, seg in sample.assignments.iterrows():
            if seg["activity"] != "work" or sample.blemished(seg["agent_id"], day_of(seg["start"])):
                continue
            cut = seg["start"] + pd.Timedelta(minutes=block)
            if (cut - origin) % pd.Timedelta(minutes=block) or cut >= seg["end"]:
                continue
            for agent_id, queue in sorted(skills):
                if (
                    agent_id == seg["agent_id"]
                    and queue != seg["queue"]
                    and open_throughout(sample, queue, cut, seg["end"])
                ):
                    yield index, queue, cut

    index, queue, cut = first(candidates(), "a work segment of 2+ blocks of a multi-skilled agent")
    assignments = sample.assignments.copy()
    tail = assignments.loc[index].copy()
    assignments.loc[index, "end"] = cut
    tail["start"], tail["queue"] = cut, queue
    assignments = pd.concat([assignments, tail.to_frame().T], ignore_index=True)
    loose = without_stint_rules(sample)
    assert set(validate_plan(loose, sample.shifts, assignments)) == set(validate_plan(loose, sample.shifts,
                                                                                    sample.assignments))  # fmt: skip


# ---------------------------------------------------------------------------------------------------------------
# 1. Shift shapes


def test_a_template_the_contract_does_not_allow(sample: Sample) -> None:
    _, row = first(
        ((i, r) for i, r in shift_rows(sample) if not sample.blemished(r["agent_id"])),
        "a shift of an agent with no violation",
    )
    agent_id = row["agent_id"]
    allowed = tuple(t for t in contract_of(sample, agent_id).shift_templates if t != row["template"])
    new = assert_reports(
        sample, {"shift_template"}, agent_id, scenario=with_contract(sample, agent_id, shift_templates=allowed)
    )
    assert all(f"uses template {row['template']}, which contract" in str(v) for v in new)


def test_a_start_time_the_template_does_not_have(sample: Sample) -> None:
    templates = sample.scenario.site.template_by_id

    def candidates() -> Iterator[tuple[int, str, str]]:
        for index, row in shift_rows(sample):
            if sample.blemished(row["agent_id"]):
                continue
            own = templates[row["template"]]
            start = row["shift_start"].strftime("%H:%M")
            for other_id in contract_of(sample, row["agent_id"]).shift_templates:
                other = templates[other_id]
                same_shape = other.length_minutes == own.length_minutes and other.breaks == own.breaks
                if other_id != own.id and same_shape and start not in other.start_times:
                    yield index, row["agent_id"], other_id

    index, agent_id, other = first(candidates(), "a shift whose template has a same-shaped sibling")
    shifts = sample.shifts.copy()
    shifts.loc[index, "template"] = other
    (violation,) = assert_reports(sample, {"shift_template"}, agent_id, shifts=shifts)
    assert f"not a start time of template {other}" in str(violation)


def test_two_shifts_on_one_day(sample: Sample) -> None:
    def candidates() -> Iterator[tuple[int, str]]:
        for index, row in shift_rows(sample):
            agent_id = row["agent_id"]
            contract = contract_of(sample, agent_id)
            room = min(contract.max_hours_week, contract.contracted_hours_week + contract.max_overtime_hours_week)
            if not sample.blemished(agent_id) and week_paid_hours(sample, agent_id) + row["paid_hours"] <= room:
                yield index, agent_id

    index, agent_id = first(candidates(), "a shift of an agent with a shift's worth of hours to spare")
    shifts = pd.concat([sample.shifts, sample.shifts.loc[[index]]], ignore_index=True)
    (violation,) = assert_reports(sample, {"one_shift_per_day"}, agent_id, shifts=shifts)
    assert "2 shifts start on one day" in str(violation)


def test_a_shift_paying_more_than_a_day_allows(sample: Sample) -> None:
    _, row = first(
        ((i, r) for i, r in shift_rows(sample) if not sample.blemished(r["agent_id"])), "an agent with no violation"
    )
    agent_id = row["agent_id"]
    scenario = with_contract(sample, agent_id, max_hours_day=float(row["paid_hours"]) - 0.5)
    new = assert_reports(sample, {"max_hours_day"}, agent_id, scenario=scenario)
    assert any(day_of(row["shift_start"]) == v.day for v in new)


# ---------------------------------------------------------------------------------------------------------------
# 2. Availability, time off, fixed activities


def test_a_shift_moved_an_hour_earlier_outside_availability(sample: Sample) -> None:
    """The agent may work only the plan's hours that day; the shift moves to the template's start an hour earlier."""
    hour = pd.Timedelta(hours=1)
    rest = pd.Timedelta(hours=sample.scenario.site.rules.min_rest_hours)
    templates = sample.scenario.site.template_by_id

    def candidates() -> Iterator[tuple[int, pd.Series]]:
        for index, row in shift_rows(sample):
            agent_id, day = row["agent_id"], day_of(row["shift_start"])
            earlier = (row["shift_start"] - hour).strftime("%H:%M")
            if sample.blemished(agent_id) or has_inputs(sample, agent_id, day):
                continue
            if earlier not in templates[row["template"]].start_times:
                continue
            inside = sample.assignments[segments_in(sample.assignments, agent_id, row["shift_start"], row["shift_end"])]
            if (inside["activity"] == "available").any():
                continue
            work = inside[inside["activity"] == "work"]
            if not all(open_throughout(sample, w.queue, w.start - hour, w.end - hour) for w in work.itertuples()):
                continue  # e.g. an 08:30 early shift moved to 07:30, before the queues open
            ends_before = sample.shifts.loc[
                (sample.shifts["agent_id"] == agent_id) & (sample.shifts["shift_end"] <= row["shift_start"]),
                "shift_end",
            ]
            if ends_before.empty or ends_before.max() + rest <= row["shift_start"] - hour:
                yield index, row

    index, row = first(candidates(), "a shift whose template starts an hour earlier too")
    agent_id, day = row["agent_id"], day_of(row["shift_start"])
    start, end = row["shift_start"], row["shift_end"]
    windows = [Availability(agent_id=agent_id, weekday=w, start_minute=0, end_minute=1440) for w in range(7)]
    windows.append(
        Availability(
            agent_id=agent_id,
            date=day,
            start_minute=start.hour * 60 + start.minute,
            end_minute=(end - pd.Timestamp(day)) // pd.Timedelta(minutes=1),
        )
    )
    scenario = replace(sample.scenario, availability=(*sample.scenario.availability, *windows))
    assert validate_plan(scenario, sample.shifts, sample.assignments) == list(sample.baseline)
    shifts, assignments = move(sample, index, -hour)
    (violation,) = assert_reports(
        sample, {"availability"}, agent_id, shifts=shifts, assignments=assignments, scenario=scenario
    )
    moved = f"{(start - hour):%H:%M}-{(end - hour):%H:%M}"
    assert str(violation) == (
        f"{agent_id} {day:%a %Y-%m-%d}: shift {moved} starts outside availability "
        f"{start:%H:%M}-{end:%H:%M} [availability]"
    )


def test_a_shift_moved_onto_a_day_of_leave(sample: Sample) -> None:
    def candidates() -> Iterator[tuple[int, str, dt.date]]:
        for absence in sample.scenario.time_off:
            agent_id = absence.agent_id
            if sample.blemished(agent_id) or any(a.agent_id == agent_id for a in sample.scenario.availability):
                continue
            leave = absence.start.date()
            if absence.start.time() != dt.time() or absence.end - absence.start < dt.timedelta(days=1):
                continue
            for index, row in shift_rows(sample):
                day = day_of(row["shift_start"])
                if row["agent_id"] != agent_id or any(
                    f.agent_id == agent_id and f.start.date() in (day, leave) for f in sample.scenario.fixed_activities
                ):
                    continue
                inside = segments_in(sample.assignments, agent_id, row["shift_start"], row["shift_end"])
                if queues_open_on(sample, sample.assignments[inside], leave):
                    yield index, agent_id, leave

    index, agent_id, leave = first(candidates(), "an agent on a whole day of leave with a movable shift")
    delta = pd.Timestamp(leave) - pd.Timestamp(day_of(sample.shifts.loc[index, "shift_start"]))
    shifts, assignments = move(sample, index, delta)
    new = assert_reports(sample, {"time_off"}, agent_id, shifts=shifts, assignments=assignments)
    assert any(str(v).startswith(f"{agent_id} {leave:%a %Y-%m-%d}: shift ") and "overlaps" in str(v) for v in new)


def test_time_off_missing_from_the_assignments(sample: Sample) -> None:
    time_off = sample.assignments[sample.assignments["activity"] == "time_off"]
    index = first((i for i, r in time_off.iterrows() if not sample.blemished(r["agent_id"])), "time off shown")
    agent_id = sample.assignments.loc[index, "agent_id"]
    (violation,) = assert_reports(sample, {"time_off"}, agent_id, assignments=sample.assignments.drop(index))
    assert "is not shown" in str(violation)


def test_work_during_a_fixed_activity(sample: Sample) -> None:
    names = {f.activity for f in sample.scenario.fixed_activities}
    block = pd.Timedelta(minutes=sample.scenario.site.rules.block_minutes)
    origin = pd.Timestamp(sample.scenario.site.horizon.start)
    skills = sorted((s.agent_id, s.queue) for s in sample.scenario.skills)

    def candidates() -> Iterator[tuple[int, str]]:
        for index, seg in sample.assignments.iterrows():
            if seg["activity"] not in names or sample.blemished(seg["agent_id"], day_of(seg["start"])):
                continue
            if (seg["start"] - origin) % block or (seg["end"] - origin) % block:
                continue
            for agent_id, queue in skills:
                if agent_id == seg["agent_id"] and open_throughout(sample, queue, seg["start"], seg["end"]):
                    yield index, queue

    index, queue = first(candidates(), "a fixed activity on block boundaries while a skilled queue is open")
    agent_id = sample.assignments.loc[index, "agent_id"]
    assignments = sample.assignments.copy()
    assignments.loc[index, ["activity", "queue"]] = ["work", queue]
    new = assert_reports(sample, {"fixed_activity"}, agent_id, assignments=assignments)
    assert any(f"work on {queue}" in str(v) and " during " in str(v) for v in new)


def test_a_fixed_activity_on_a_day_off(sample: Sample) -> None:
    def candidates() -> Iterator[tuple[str, dt.date]]:
        for agent in sample.scenario.agents:
            if sample.blemished(agent.agent_id) or any(
                f.agent_id == agent.agent_id for f in sample.scenario.fixed_activities
            ):
                continue
            worked = {day_of(s) for s in sample.shifts.loc[sample.shifts["agent_id"] == agent.agent_id, "shift_start"]}
            for day in sample.scenario.site.horizon.dates:
                if day not in worked and not has_inputs(sample, agent.agent_id, day):
                    yield agent.agent_id, day

    agent_id, day = first(candidates(), "an agent with a day off")
    meeting = FixedActivity(
        agent_id=agent_id,
        start=dt.datetime.combine(day, dt.time(10)),
        end=dt.datetime.combine(day, dt.time(11)),
        activity="meeting",
    )
    scenario = replace(sample.scenario, fixed_activities=(*sample.scenario.fixed_activities, meeting))
    (violation,) = assert_reports(sample, {"fixed_activity"}, agent_id, scenario=scenario)
    assert str(violation) == f"{agent_id} {day:%a %Y-%m-%d}: meeting 10:00-11:00 is not inside a shift [fixed_activity]"


# ---------------------------------------------------------------------------------------------------------------
# 3. Hours, days off, consecutive days, rest


def test_a_week_below_the_contract_minimum(sample: Sample) -> None:
    def candidates() -> Iterator[tuple[int, str]]:
        for index, row in shift_rows(sample):
            agent_id = row["agent_id"]
            if sample.blemished(agent_id) or has_inputs(sample, agent_id, day_of(row["shift_start"])):
                continue
            if week_paid_hours(sample, agent_id) - row["paid_hours"] < contract_of(sample, agent_id).min_hours_week:
                yield index, agent_id

    index, agent_id = first(candidates(), "a shift without which the week falls below the minimum")
    row = sample.shifts.loc[index]
    inside = segments_in(sample.assignments, agent_id, row["shift_start"], row["shift_end"])
    new = assert_reports(
        sample, {"weekly_hours"}, agent_id, shifts=sample.shifts.drop(index), assignments=sample.assignments[~inside]
    )
    assert "below contract" in str(new[0])


def _copy_to_free_day(sample: Sample, want: Callable[[str, float], bool]) -> Iterator[tuple[int, str, dt.date]]:
    """A shift of an agent `want`s (agent, hours after the copy), and a day off it can be copied to unchanged."""
    dates = sample.scenario.site.horizon.dates
    for index, row in shift_rows(sample):
        agent_id = row["agent_id"]
        if sample.blemished(agent_id) or any(a.agent_id == agent_id for a in sample.scenario.availability):
            continue
        if not want(agent_id, week_paid_hours(sample, agent_id) + row["paid_hours"]):
            continue
        source = day_of(row["shift_start"])
        if has_inputs(sample, agent_id, source):
            continue
        worked = {day_of(s) for s in sample.shifts.loc[sample.shifts["agent_id"] == agent_id, "shift_start"]}
        inside = sample.assignments[segments_in(sample.assignments, agent_id, row["shift_start"], row["shift_end"])]
        for day in dates:
            if day not in worked and not has_inputs(sample, agent_id, day) and queues_open_on(sample, inside, day):
                yield index, agent_id, day


def test_a_week_above_the_contract_maximum(sample: Sample) -> None:
    def above(agent_id: str, hours: float) -> bool:
        worked = (sample.shifts["agent_id"] == agent_id).sum()
        contract = contract_of(sample, agent_id)
        return worked < 7 - contract.days_off_per_week and hours > contract.max_hours_week

    index, agent_id, day = first(_copy_to_free_day(sample, above), "an agent with a spare day and few hours to spare")
    delta = pd.Timestamp(day) - pd.Timestamp(day_of(sample.shifts.loc[index, "shift_start"]))
    shifts, assignments = move(sample, index, delta, keep=True)
    contract = contract_of(sample, agent_id)
    overtime = (
        week_paid_hours(sample, agent_id) + sample.shifts.loc[index, "paid_hours"] - contract.contracted_hours_week
    )
    # In the sample max_hours_week - contracted_hours_week == max_overtime_hours_week, so both limits break.
    expected = {"weekly_hours"} | ({"overtime"} if overtime > contract.max_overtime_hours_week else set())
    new = assert_reports(sample, expected, agent_id, shifts=shifts, assignments=assignments)
    assert any("above contract" in str(v) for v in new)


def test_too_few_days_off(sample: Sample) -> None:
    def full_week_with_room(agent_id: str, hours: float) -> bool:
        worked = (sample.shifts["agent_id"] == agent_id).sum()
        contract = contract_of(sample, agent_id)
        room = min(contract.max_hours_week, contract.contracted_hours_week + contract.max_overtime_hours_week)
        return worked == 7 - contract.days_off_per_week and hours <= room

    index, agent_id, day = first(_copy_to_free_day(sample, full_week_with_room), "a full week with hours to spare")
    delta = pd.Timestamp(day) - pd.Timestamp(day_of(sample.shifts.loc[index, "shift_start"]))
    shifts, assignments = move(sample, index, delta, keep=True)
    (violation,) = assert_reports(sample, {"days_off"}, agent_id, shifts=shifts, assignments=assignments)
    assert "works 6 days" in str(violation)


def test_overtime_hours_that_disagree_with_the_week(sample: Sample, run_folder: Path) -> None:
    shifts, assignments = read_run_folder(run_folder)
    index = first((i for i, r in shifts.iterrows() if not sample.blemished(r["agent_id"])), "a shift")
    agent_id = shifts.loc[index, "agent_id"]
    shifts.loc[index, "overtime_hours"] = float(shifts.loc[index, "overtime_hours"]) + 2
    (violation,) = assert_reports(sample, {"overtime"}, agent_id, shifts=shifts, assignments=assignments)
    assert "overtime_hours add up to" in str(violation)


def _monday_runs(sample: Sample) -> Iterator[tuple[str, int, pd.Timestamp]]:
    """Agents working from the horizon's first day: (agent, days in a row from it, that first shift's start)."""
    start = sample.scenario.site.horizon.start
    for agent in sample.scenario.agents:
        agent_id = agent.agent_id
        mine = sample.shifts[sample.shifts["agent_id"] == agent_id].sort_values("shift_start")
        days = {day_of(s) for s in mine["shift_start"]}
        if (
            start not in days
            or sample.blemished(agent_id)
            or any(p.agent_id == agent_id for p in sample.scenario.previous_shifts)
        ):
            continue
        run = 0
        while start + dt.timedelta(days=run) in days:
            run += 1
        yield agent_id, run, mine["shift_start"].iloc[0]


def test_too_many_days_in_a_row_counting_last_week(sample: Sample) -> None:
    agent_id, run, _ = first(_monday_runs(sample), "an agent working the horizon's first day")
    limit = contract_of(sample, agent_id).max_consecutive_days
    start = sample.scenario.site.horizon.start
    before = [
        PreviousShift(
            agent_id=agent_id,
            start=dt.datetime.combine(start - dt.timedelta(days=d), dt.time(8)),
            end=dt.datetime.combine(start - dt.timedelta(days=d), dt.time(16)),
        )
        for d in range(1, limit - run + 2)
    ]
    scenario = replace(sample.scenario, previous_shifts=(*sample.scenario.previous_shifts, *before))
    (violation,) = assert_reports(sample, {"consecutive_days"}, agent_id, scenario=scenario)
    assert f"day {limit + 1} in a row" in str(violation)


def test_too_little_rest_after_last_weeks_shift(sample: Sample) -> None:
    monday = pd.Timestamp(sample.scenario.site.horizon.start)
    rest = pd.Timedelta(hours=sample.scenario.site.rules.min_rest_hours)
    agent_id, _, first_start = first(
        (
            (a, r, s)
            for a, r, s in _monday_runs(sample)
            if r < contract_of(sample, a).max_consecutive_days and s < monday - pd.Timedelta(hours=1) + rest
        ),
        "an agent starting early on the horizon's first day",
    )
    # Sunday 14:00-23:00, the last shift of the week before the horizon.
    end = monday.to_pydatetime() - dt.timedelta(hours=1)
    last_week = PreviousShift(agent_id=agent_id, start=end - dt.timedelta(hours=9), end=end)
    scenario = replace(sample.scenario, previous_shifts=(*sample.scenario.previous_shifts, last_week))
    (violation,) = assert_reports(sample, {"min_rest"}, agent_id, scenario=scenario)
    gap = (first_start - pd.Timestamp(end)) / pd.Timedelta(hours=1)
    assert f"starts {gap:.2f} h after the previous shift ending Sun 01 Mar 23:00" in str(violation)


# ---------------------------------------------------------------------------------------------------------------
# 4. Segments


def _work_segments(sample: Sample) -> Iterator[tuple[int, pd.Series]]:
    for index, seg in sample.assignments.iterrows():
        if seg["activity"] == "work" and not sample.blemished(seg["agent_id"], day_of(seg["start"])):
            yield index, seg


def test_work_on_a_queue_the_agent_lacks(sample: Sample) -> None:
    skills = {(s.agent_id, s.queue) for s in sample.scenario.skills}
    queues = [q.id for q in sample.scenario.site.queues]

    def candidates() -> Iterator[tuple[int, str]]:
        for index, seg in _work_segments(sample):
            for queue in queues:
                if (seg["agent_id"], queue) not in skills and open_throughout(sample, queue, seg["start"], seg["end"]):
                    yield index, queue

    index, queue = first(candidates(), "a work segment")
    agent_id = sample.assignments.loc[index, "agent_id"]
    assignments = sample.assignments.copy()
    assignments.loc[index, "queue"] = queue
    (violation,) = assert_reports(sample, {"skill"}, agent_id, assignments=assignments)
    assert f"work on {queue}" in str(violation) and "not a queue the agent is skilled for" in str(violation)


def test_work_while_the_queue_is_closed(sample: Sample) -> None:
    skills = sorted((s.agent_id, s.queue) for s in sample.scenario.skills)

    def candidates() -> Iterator[tuple[int, str]]:
        for index, seg in _work_segments(sample):
            for agent_id, queue in skills:
                if agent_id == seg["agent_id"] and not open_throughout(sample, queue, seg["start"], seg["end"]):
                    yield index, queue

    index, queue = first(candidates(), "a work segment while another skill's queue is closed")
    agent_id = sample.assignments.loc[index, "agent_id"]
    assignments = sample.assignments.copy()
    assignments.loc[index, "queue"] = queue
    (violation,) = assert_reports(sample, {"queue_closed"}, agent_id, assignments=assignments)
    assert f"while {queue} is closed" in str(violation)


def test_available_while_a_queue_is_open(sample: Sample) -> None:
    # (a minimum stint or longer: shorter, `available` is allowed where a stint would be too short)
    long_enough = ((i, s) for i, s in _work_segments(sample) if s["end"] - s["start"] >= pd.Timedelta(minutes=90))
    index, seg = first(long_enough, "a work segment of 90 minutes or more")
    assignments = sample.assignments.copy()
    assignments.loc[index, ["activity", "queue"]] = ["available", None]
    (violation,) = assert_reports(sample, {"available"}, seg["agent_id"], assignments=assignments)
    assert seg["queue"] in str(violation)


def test_a_gap_in_the_shift(sample: Sample) -> None:
    index, seg = first(_work_segments(sample), "a work segment")
    (violation,) = assert_reports(
        sample, {"segment_cover"}, seg["agent_id"], assignments=sample.assignments.drop(index)
    )
    assert f"{seg['start']:%H:%M}-{seg['end']:%H:%M} has no segment" in str(violation)


def test_work_outside_every_shift(sample: Sample) -> None:
    skills = sorted((s.agent_id, s.queue) for s in sample.scenario.skills)

    def candidates() -> Iterator[tuple[str, str, pd.Timestamp]]:
        for agent_id, queue in skills:
            if sample.blemished(agent_id):
                continue
            worked = {day_of(s) for s in sample.shifts.loc[sample.shifts["agent_id"] == agent_id, "shift_start"]}
            for day in sample.scenario.site.horizon.dates:
                at = pd.Timestamp(day) + pd.Timedelta(hours=12)
                free = day not in worked and not has_inputs(sample, agent_id, day)
                if free and open_throughout(sample, queue, at, at + pd.Timedelta(hours=1)):
                    yield agent_id, queue, at

    agent_id, queue, at = first(candidates(), "a day off while a skilled queue is open")
    extra = pd.DataFrame(
        [[agent_id, at, at + pd.Timedelta(hours=1), "work", queue]], columns=sample.assignments.columns
    )
    assignments = pd.concat([sample.assignments, extra], ignore_index=True)
    (violation,) = assert_reports(sample, {"segment_cover"}, agent_id, assignments=assignments)
    assert "is outside every shift" in str(violation)


def _neighbours(assignments: pd.DataFrame, index: int) -> tuple[pd.Series | None, pd.Series | None]:
    seg = assignments.loc[index]
    mine = assignments[assignments["agent_id"] == seg["agent_id"]]
    before = mine[mine["end"] == seg["start"]]
    after = mine[mine["start"] == seg["end"]]
    return (before.iloc[0] if len(before) else None), (after.iloc[0] if len(after) else None)


def test_a_missing_break(sample: Sample) -> None:
    def candidates() -> Iterator[tuple[int, str]]:
        for index, seg in sample.assignments.iterrows():
            if seg["activity"] != "break" or sample.blemished(seg["agent_id"], day_of(seg["start"])):
                continue
            before, after = _neighbours(sample.assignments, index)
            if before is None or before["activity"] != "work":
                continue
            if not open_throughout(sample, before["queue"], seg["start"], seg["end"]):
                continue
            if after is None or after["activity"] != "work" or after["queue"] == before["queue"]:
                yield index, before["queue"]

    index, queue = first(candidates(), "a break after work, not between two queues")
    agent_id = sample.assignments.loc[index, "agent_id"]
    assignments = sample.assignments.copy()
    assignments.loc[index, ["activity", "queue"]] = ["work", queue]
    (violation,) = assert_reports(sample, {"breaks"}, agent_id, assignments=assignments)
    assert "-min break starting" in str(violation)


def test_a_lunch_cut_short(sample: Sample) -> None:
    def candidates() -> Iterator[tuple[int, int]]:
        for index, seg in sample.assignments.iterrows():
            if seg["activity"] != "lunch" or sample.blemished(seg["agent_id"], day_of(seg["start"])):
                continue
            _, after = _neighbours(sample.assignments, index)
            if after is None or after["activity"] != "work" or seg["end"] - seg["start"] <= pd.Timedelta(15, "min"):
                continue
            if open_throughout(sample, after["queue"], seg["end"] - pd.Timedelta(15, "min"), after["end"]):
                yield index, after.name

    index, after = first(candidates(), "a lunch followed by work")
    agent_id = sample.assignments.loc[index, "agent_id"]
    assignments = sample.assignments.copy()
    cut = assignments.loc[index, "end"] - pd.Timedelta(minutes=15)
    assignments.loc[index, "end"] = cut
    assignments.loc[after, "start"] = cut
    new = assert_reports(sample, {"breaks"}, agent_id, assignments=assignments)
    assert any("lunch" in str(v) for v in new)


def test_a_queue_switch_inside_a_block(sample: Sample) -> None:
    block = pd.Timedelta(minutes=sample.scenario.site.rules.block_minutes)
    origin = pd.Timestamp(sample.scenario.site.horizon.start)
    skills = sorted((s.agent_id, s.queue) for s in sample.scenario.skills)

    def candidates() -> Iterator[tuple[int, str, pd.Timestamp]]:
        for index, seg in _work_segments(sample):
            cut = seg["start"] + pd.Timedelta(minutes=15)
            if (cut - origin) % block == pd.Timedelta(0) or cut >= seg["end"]:
                continue
            for agent_id, queue in skills:
                if (
                    agent_id == seg["agent_id"]
                    and queue != seg["queue"]
                    and open_throughout(sample, queue, cut, seg["end"])
                ):
                    yield index, queue, cut

    index, queue, cut = first(candidates(), "a multi-skilled agent's work segment")
    agent_id, old = sample.assignments.loc[index, ["agent_id", "queue"]]
    assignments = sample.assignments.copy()
    tail = assignments.loc[index].copy()
    assignments.loc[index, "end"] = cut
    tail["start"], tail["queue"] = cut, queue
    assignments = pd.concat([assignments, tail.to_frame().T], ignore_index=True)
    loose = without_stint_rules(sample)  # (short `available` time is then wrong too: compare with the same rules)
    before = set(validate_plan(loose, sample.shifts, sample.assignments))
    new = [v for v in validate_plan(loose, sample.shifts, assignments) if v not in before]
    assert [(v.rule, v.agent_id) for v in new] == [("queue_block", agent_id)], new
    assert f"switches from {old} to {queue} at {cut:%H:%M}" in str(new[0])


def _stint_candidates(sample: Sample, minutes: int) -> Iterator[tuple[int, pd.Series, str]]:
    """Work segments of a multi-skilled agent at least `minutes` long, with another skill open throughout, in
    shifts with no queue change yet."""
    skills = sorted((s.agent_id, s.queue) for s in sample.scenario.skills)
    work = sample.assignments[sample.assignments["activity"] == "work"]
    block = pd.Timedelta(minutes=sample.scenario.site.rules.block_minutes)
    origin = pd.Timestamp(sample.scenario.site.horizon.start)
    for index, seg in _work_segments(sample):
        if seg["end"] - seg["start"] < pd.Timedelta(minutes=minutes) or (seg["start"] - origin) % block:
            continue
        same_day = work[(work["agent_id"] == seg["agent_id"]) & (work["start"].dt.date == day_of(seg["start"]))]
        if same_day["queue"].nunique() > 1:
            continue
        for agent_id, queue in skills:
            if (
                agent_id == seg["agent_id"]
                and queue != seg["queue"]
                and open_throughout(sample, queue, seg["start"], seg["end"])
            ):
                yield index, seg, queue
                break


def split(assignments: pd.DataFrame, index: int, pieces: list[tuple[pd.Timestamp, pd.Timestamp, str]]) -> pd.DataFrame:
    rows = []
    for start, end, queue in pieces:
        row = assignments.loc[index].copy()
        row["start"], row["end"], row["queue"] = start, end, queue
        rows.append(row.to_frame().T)
    return pd.concat([assignments.drop(index), *rows], ignore_index=True)


def test_a_stint_under_the_minimum(sample: Sample) -> None:
    index, seg, other = first(_stint_candidates(sample, 150), "a 150-minute work segment of a cross-trained agent")
    half_hour = pd.Timedelta(minutes=30)
    middle = seg["start"] + 2 * half_hour  # 60 minutes on, 30 on the other queue, the rest back
    assignments = split(sample.assignments, index, [(seg["start"], middle, seg["queue"]),
                                                    (middle, middle + half_hour, other),
                                                    (middle + half_hour, seg["end"], seg["queue"])])  # fmt: skip
    (violation,) = assert_reports(sample, {"min_stint"}, seg["agent_id"], assignments=assignments)
    assert f"{other} {middle:%H:%M}-{middle + half_hour:%H:%M}: a stint of 30 minutes, at least 60" in str(violation)


def test_more_queue_changes_than_a_shift_allows(sample: Sample) -> None:
    # A cross-trained agent's day on one queue, moved to another skill every other hour of the shift's first six
    # (each piece an hour of the clock from the shift's start, so every stint still spans an hour or more).
    skills: dict[str, list[str]] = {}
    for skill in sample.scenario.skills:
        skills.setdefault(skill.agent_id, []).append(skill.queue)

    def candidates() -> Iterator[tuple[pd.Series, str]]:
        for _, shift in shift_rows(sample):
            agent_id = shift["agent_id"]
            if sample.blemished(agent_id, day_of(shift["shift_start"])) or shift["shift_start"].minute:
                continue
            inside = segments_in(sample.assignments, agent_id, shift["shift_start"], shift["shift_end"])
            work = sample.assignments.loc[inside & (sample.assignments["activity"] == "work")]
            if work["queue"].nunique() != 1 or shift["shift_end"] - shift["shift_start"] < pd.Timedelta(hours=8):
                continue
            for other in skills.get(agent_id, []):
                if other != work["queue"].iloc[0] and open_throughout(
                    sample, other, shift["shift_start"], shift["shift_end"]
                ):
                    yield shift, other
                    break

    shift, other = first(candidates(), "an 8-hour shift on one queue of an agent with a skill open all along")
    agent_id, start = shift["agent_id"], shift["shift_start"]
    assignments = sample.assignments.copy()
    inside = segments_in(assignments, agent_id, start, shift["shift_end"]) & (assignments["activity"] == "work")
    pieces = []
    for index in assignments.index[inside]:
        seg = assignments.loc[index]
        cuts = [seg["start"]]
        hour = start + pd.Timedelta(hours=1)
        while hour < seg["end"]:
            if hour > seg["start"]:
                cuts.append(hour)
            hour += pd.Timedelta(hours=1)
        cuts.append(seg["end"])
        for begin, end in itertools.pairwise(cuts):
            hour_index = (begin - start) // pd.Timedelta(hours=1)
            queue = other if hour_index % 2 and hour_index < 6 else seg["queue"]  # 6 changes, then the rest
            row = seg.copy()
            row["start"], row["end"], row["queue"] = begin, end, queue
            pieces.append(row.to_frame().T)
    hopping = pd.concat([assignments[~inside], *pieces], ignore_index=True)
    (violation,) = assert_reports(sample, {"queue_changes"}, agent_id, assignments=hopping)
    assert "6 queue changes" in str(violation) and "at most 3" in str(violation)


def test_back_to_back_breaks_of_one_kind_may_show_as_one_segment() -> None:
    rules = [
        BreakRule(kind="break", minutes=15, earliest_after_minutes=90, latest_after_minutes=150),
        BreakRule(kind="break", minutes=15, earliest_after_minutes=100, latest_after_minutes=160),
        BreakRule(kind="lunch", minutes=30, earliest_after_minutes=200, latest_after_minutes=260),
    ]
    lunch = (240.0, 270.0, "lunch")
    assert _fits([(120.0, 150.0, "break"), lunch], rules, 15)  # both breaks in one piece
    assert _fits([(90.0, 105.0, "break"), (150.0, 165.0, "break"), lunch], rules, 15)
    assert not _fits([(120.0, 135.0, "break"), lunch], rules, 15)  # one break missing
    assert not _fits([(80.0, 110.0, "break"), lunch], rules, 15)  # first starts before its window
    assert not _fits([(120.0, 150.0, "break"), (240.0, 255.0, "lunch")], rules, 15)  # lunch too short


def test_the_contract_pattern_rules_are_rederived_from_the_inputs() -> None:
    # A hand-made plan on a contract with every pattern rule: worked Mon, Wed (one day off, min 2), Sat and Sun
    # (Sunday a fixed day off; one weekend allowed, this is one weekend), and two late shifts (max 1 a week).
    from scheduling_fixtures import FULL_TIME, scenario, site

    strict = FULL_TIME.model_copy(
        update={
            "fixed_days_off": ("sun",),
            "max_weekends": 0,
            "min_consecutive_days_off": 2,
            "max_shifts_per_week": {"late": 1},
            "min_consecutive_days": 2,
            "max_hours_horizon": 24,
        }
    )
    the_site = site().model_copy(update={"contracts": (strict,)})
    the_scenario = scenario(the_site, {"a1": {"voice": 1.0}})
    rows = []
    for day, template in ((0, "late"), (2, "late"), (5, "early"), (6, "early")):
        date = the_site.horizon.start + dt.timedelta(days=day)
        start = dt.datetime.combine(date, dt.time(13 if template == "late" else 8))
        rows.append(
            {
                "agent_id": "a1",
                "date": date.isoformat(),
                "template": template,
                "shift_start": start.isoformat(),
                "shift_end": (start + dt.timedelta(minutes=510)).isoformat(),
                "paid_hours": 8.0,
                "overtime_hours": 0.0,
            }
        )
    found = {
        v.rule
        for v in validate_plan(
            the_scenario, pd.DataFrame(rows), pd.DataFrame(columns=["agent_id", "start", "end", "activity", "queue"])
        )
    }
    # Also: Wednesday is a lone worked day between days off, and 32 paid hours exceed the horizon's 24.
    assert {"fixed_days_off", "max_weekends", "min_days_off", "template_cap", "min_work_days", "horizon_hours"} <= found
