"""An independent validator of finished plans: every hard rule re-derived from the validated inputs.

The scheduler's own audit (`wfm.scheduling.rules`) reads the model's compiled `ProblemData` (grid indexes, shift
options, leave days), so a mistake in compiling the inputs would fool the model and its audit alike. This module
reads only what a planner reads: the `Scenario` (from `wfm.io.load_scenario`) and the plan's output tables
(`shifts.csv`: agent_id, date, template, shift_start, shift_end, paid_hours, overtime_hours; `assignments.csv`:
agent_id, start, end, activity, queue), as written by `wfm run` or built from a `ScheduleResult`. Nothing from
`wfm.scheduling` is used except the result dataclasses, to turn a `ScheduleResult` into those two tables.

Where the scheduler's semantics are not obvious from the docs, the documented behaviour is followed and the
choice is noted at the check (`# Semantics:`). Every violation names the agent, the day and the rule:

    A0042 Tue 2026-03-03: shift 06:00-14:30 starts outside availability 08:00-17:00 [availability]
"""

from __future__ import annotations

import datetime as dt
import itertools
import math
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from wfm.domain import WEEKDAYS, BreakRule, Contract, Queue, Scenario, ShiftTemplate
from wfm.scheduling.result import ScheduleResult

# Rule ids and what each checks (the last word of every violation's text).
RULES: dict[str, str] = {
    "unknown_agent": "every shift and segment belongs to an agent of the scenario",
    "shift_template": (
        "a template of the agent's contract, started at one of its start times, lasting its length; the date "
        "column is the start's date inside the horizon; paid_hours is the template's paid time"
    ),
    "one_shift_per_day": "at most one shift starts on each date, and shifts never overlap",
    "availability": "each shift lies inside one availability window (date rows replace that weekday's rows)",
    "time_off": "no shift or activity overlaps approved time off; time_off segments show exactly the time off",
    "fixed_activity": "each fixed activity lies inside a worked shift and is shown as that activity, off the queues",
    "weekly_hours": "paid hours per planning week (whole days of leave at the contract's daily rate) in min..max",
    "overtime": "overtime per week at most max_overtime_hours_week; overtime_hours agrees with it",
    "max_hours_day": "a shift pays at most max_hours_day",
    "days_off": "each week leaves the contract's days off (pro rata for a part week)",
    "consecutive_days": "at most max_consecutive_days working days in a row, counting previous_shifts",
    "min_rest": "at least rules.min_rest_hours between one shift's end and the next one's start",
    "segment_cover": "every minute of a shift is in exactly one segment; nothing but time_off outside shifts",
    "skill": "work only on queues the agent is skilled for",
    "queue_closed": "work only while the queue is open",
    "available": "`available` only when none of the agent's queues is open",
    "breaks": "each shift's breaks and lunches as its template's break rules say, inside their windows",
    "queue_block": "a queue changes to another only on a rules.block_minutes boundary (the minimum stint)",
    "fixed_days_off": "no shift starts on one of the contract's fixed_days_off weekdays",
    "max_weekends": "at most max_weekends weekends (a Saturday or a Sunday worked) in the horizon",
    "min_days_off": "a stretch of days off between two worked days lasts at least min_consecutive_days_off",
    "template_cap": "at most max_shifts_per_week[template] shifts of a template in a planning week, and at most "
    "max_shifts_horizon[template] over the horizon",
    "succession": "no shift of a template the day after a shift whose template names it in not_followed_by",
    "min_work_days": "a stretch of worked days between two days off lasts at least min_consecutive_days",
    "horizon_hours": "paid hours over the horizon (whole leave days at the daily rate) within the horizon limits",
    "min_stint": "each stint on a queue spans at least min_stint_minutes (the queue's own, else [rules]'s) unless a "
    "fixed activity ends it",
    "queue_changes": "a shift changes queue at most max_queue_changes_per_shift times (the contract's, else [rules]')",
}
_WEEKDAY_NAMES = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")

# Activities every agent may have inside a shift; any other name must be one of the agent's fixed activities.
_SHIFT_ACTIVITIES = ("work", "break", "lunch", "available")
_TOLERANCE_MINUTES = 1.0  # the model rounds paid and leave minutes to whole minutes


@dataclass(frozen=True, order=True)
class Violation:
    agent_id: str
    day: dt.date | None
    rule: str
    message: str

    def __str__(self) -> str:
        day = f" {self.day:%a %Y-%m-%d}" if self.day is not None else ""
        return f"{self.agent_id}{day}: {self.message} [{self.rule}]"


@dataclass(frozen=True)
class Shift:
    agent_id: str
    date: dt.date
    template: str
    start: dt.datetime
    end: dt.datetime
    paid_hours: float | None = None
    overtime_hours: float | None = None

    @property
    def label(self) -> str:
        return f"shift {_span(self.start, self.end)}"


@dataclass(frozen=True)
class Segment:
    agent_id: str
    start: dt.datetime
    end: dt.datetime
    activity: str
    queue: str | None = None

    @property
    def label(self) -> str:
        what = f"work on {self.queue}" if self.activity == "work" else self.activity
        return f"{what} {_span(self.start, self.end)}"


# ---------------------------------------------------------------------------------------------------------------
# Reading plans


def plan_tables(result: ScheduleResult) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The shifts and assignments tables of a `ScheduleResult`, in the columns `wfm run` writes.

    `overtime_hours` is left out: the result keeps overtime per week, and spreading it over shifts is a report's
    choice. The run folder's shifts.csv has it, and then it is checked too.
    """
    shifts = pd.DataFrame(
        [
            (s.agent_id, s.date, s.template_id, s.start, s.end, s.paid_minutes / 60)
            for s in sorted(result.shifts, key=lambda s: (s.agent_id, s.start))
        ],
        columns=["agent_id", "date", "template", "shift_start", "shift_end", "paid_hours"],
    )
    assignments = pd.DataFrame(
        [
            (s.agent_id, s.start, s.end, s.activity, s.queue)
            for s in sorted(result.segments, key=lambda s: (s.agent_id, s.start))
        ],
        columns=["agent_id", "start", "end", "activity", "queue"],
    )
    return shifts, assignments


def read_run_folder(folder: Path) -> tuple[pd.DataFrame, pd.DataFrame]:
    """shifts.csv and assignments.csv of a run folder, ids and names kept as text (an empty queue is None)."""
    text = {"agent_id": str, "template": str, "activity": str, "queue": str, "date": str}
    shifts = pd.read_csv(folder / "shifts.csv", dtype=text, keep_default_na=False)
    assignments = pd.read_csv(folder / "assignments.csv", dtype=text, keep_default_na=False)
    return shifts, assignments


def _moment(value: object) -> dt.datetime:
    return pd.Timestamp(value).to_pydatetime()


def _day(value: object) -> dt.date:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    return pd.Timestamp(value).date()


def _text(value: object) -> str | None:
    if value is None or (isinstance(value, float) and math.isnan(value)) or value is pd.NA:
        return None
    text = str(value).strip()
    return text or None


def _number(value: object) -> float | None:
    if value is None or value == "" or value is pd.NA:
        return None
    number = float(value)  # type: ignore[arg-type]
    return None if math.isnan(number) else number


def _shifts(frame: pd.DataFrame) -> list[Shift]:
    missing = {"agent_id", "date", "template", "shift_start", "shift_end"} - set(frame.columns)
    if missing:
        raise ValueError(f"shifts table lacks column(s) {', '.join(sorted(missing))}")
    out = []
    for row in frame.to_dict("records"):
        out.append(
            Shift(
                agent_id=str(row["agent_id"]),
                date=_day(row["date"]),
                template=str(row["template"]),
                start=_moment(row["shift_start"]),
                end=_moment(row["shift_end"]),
                paid_hours=_number(row.get("paid_hours")),
                overtime_hours=_number(row.get("overtime_hours")),
            )
        )
    return out


def _segments(frame: pd.DataFrame) -> list[Segment]:
    missing = {"agent_id", "start", "end", "activity"} - set(frame.columns)
    if missing:
        raise ValueError(f"assignments table lacks column(s) {', '.join(sorted(missing))}")
    return [
        Segment(
            agent_id=str(row["agent_id"]),
            start=_moment(row["start"]),
            end=_moment(row["end"]),
            activity=str(row["activity"]),
            queue=_text(row.get("queue")),
        )
        for row in frame.to_dict("records")
    ]


# ---------------------------------------------------------------------------------------------------------------
# Entry points


def validate_plan(scenario: Scenario, shifts: pd.DataFrame, assignments: pd.DataFrame) -> list[Violation]:
    """Every hard-rule violation of the plan (the two output tables) against the scenario; [] if none."""
    return _Check(scenario, _shifts(shifts), _segments(assignments)).run()


def validate_result(scenario: Scenario, result: ScheduleResult) -> list[Violation]:
    return validate_plan(scenario, *plan_tables(result))


def validate_run_folder(folder: Path, scenario: Scenario) -> list[Violation]:
    """Check a run folder's shifts.csv and assignments.csv (e.g. `schedules/2026-03-02`)."""
    return validate_plan(scenario, *read_run_folder(folder))


# ---------------------------------------------------------------------------------------------------------------
# Time helpers


def _clock(moment: dt.datetime, base: dt.date | None = None) -> str:
    if base is not None and moment.date() != base:
        if moment.time() == dt.time() and moment.date() == base + dt.timedelta(days=1):
            return "24:00"
        return f"{moment:%a %H:%M}"
    return f"{moment:%H:%M}"


def _span(start: dt.datetime, end: dt.datetime) -> str:
    return f"{_clock(start)}-{_clock(end, start.date())}"


def _midnight(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time())


def _merge(spans: Iterable[tuple[dt.datetime, dt.datetime]]) -> list[tuple[dt.datetime, dt.datetime]]:
    """Union of [start, end) spans; touching spans join (a window to 24:00 and one from 00:00 are one)."""
    merged: list[tuple[dt.datetime, dt.datetime]] = []
    for start, end in sorted(spans):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        else:
            merged.append((start, end))
    return merged


def _inside(spans: Sequence[tuple[dt.datetime, dt.datetime]], start: dt.datetime, end: dt.datetime) -> bool:
    return any(s <= start and end <= e for s, e in spans)


def _overlapping(
    spans: Sequence[tuple[dt.datetime, dt.datetime]], start: dt.datetime, end: dt.datetime
) -> list[tuple[dt.datetime, dt.datetime]]:
    return [(s, e) for s, e in spans if s < end and start < e]


def _open_minutes(spans: Sequence[tuple[dt.datetime, dt.datetime]], start: dt.datetime, end: dt.datetime) -> float:
    return sum(_minutes(min(e, end) - max(s, start)) for s, e in _overlapping(spans, start, end))


def _minutes(delta: dt.timedelta) -> float:
    return delta.total_seconds() / 60


def _offset(moment: dt.datetime) -> int:
    return moment.hour * 60 + moment.minute


# ---------------------------------------------------------------------------------------------------------------
# Inputs re-derived


def _queue_open_spans(queue: Queue, first: dt.date, last: dt.date) -> list[tuple[dt.datetime, dt.datetime]]:
    """When `queue` takes work between the dates (inclusive): its open..close on each of its weekdays."""
    spans = []
    day = first - dt.timedelta(days=1)
    while day <= last:
        if WEEKDAYS[day.weekday()] in queue.days:
            spans.append(
                (
                    _midnight(day) + dt.timedelta(minutes=queue.open_minute),
                    _midnight(day) + dt.timedelta(minutes=queue.close_minute),
                )
            )
        day += dt.timedelta(days=1)
    return _merge(spans)


def _break_width(rule: BreakRule, interval_minutes: int) -> int:
    # Semantics: breaks are placed on the interval grid, so a break lasts its minutes rounded up to whole
    # intervals (decode.py: ceil(minutes / interval)); with the sample's 15-minute breaks that is exactly `minutes`.
    return math.ceil(rule.minutes / interval_minutes) * interval_minutes


def _unpaid_minutes(template: ShiftTemplate) -> int:
    return sum(rule.minutes for rule in template.breaks if not rule.paid)


@dataclass(frozen=True)
class _WeekLimits:
    min_minutes: float
    contracted_minutes: float
    max_minutes: float
    max_overtime_minutes: float
    max_days: int


def _week_limits(contract: Contract, days_in_week: int) -> _WeekLimits:
    # Semantics (docs "[[contracts]]", rules.py DaysOff "pro rata for a part week"): a week shorter than 7 days
    # scales the contract by the share of its working days (7 - days_off_per_week) that the part week holds.
    working_days = max(1, 7 - contract.days_off_per_week)
    share = min(1.0, days_in_week / working_days)
    return _WeekLimits(
        min_minutes=contract.min_hours_week * 60 * share,
        contracted_minutes=contract.contracted_hours_week * 60 * share,
        max_minutes=contract.max_hours_week * 60 * share,
        max_overtime_minutes=contract.max_overtime_hours_week * 60 * share,
        max_days=min(days_in_week, working_days),
    )


def _leave_credit_minutes(contract: Contract, leave_days: int, days_in_week: int) -> float:
    # Semantics (docs time_off.csv "whole days count towards contract hours"): a whole day of approved time off
    # counts as the contract's average working day, contracted hours / (7 - days off), for at most as many days as
    # the week has working days: a whole week of leave is the contracted week, never more.
    working_days = max(1, 7 - contract.days_off_per_week)
    return contract.contracted_hours_week * 60 / working_days * min(leave_days, days_in_week, working_days)


# ---------------------------------------------------------------------------------------------------------------
# The checks


class _Check:
    def __init__(self, scenario: Scenario, shifts: list[Shift], segments: list[Segment]) -> None:
        self.scenario = scenario
        self.site = scenario.site
        self.out: list[Violation] = []
        self.horizon = self.site.horizon
        self.origin = _midnight(self.horizon.start)
        self.horizon_end = _midnight(self.horizon.end)
        self.agents = {a.agent_id: a for a in scenario.agents}
        self.templates = {t.id: t for t in self.site.shift_templates}
        self.contracts = {c.id: c for c in self.site.contracts}
        self.queues = {q.id: q for q in self.site.queues}
        self.skills: dict[str, set[str]] = defaultdict(set)
        for skill in scenario.skills:
            if skill.queue in self.queues:
                self.skills[skill.agent_id].add(skill.queue)

        self.shifts: dict[str, list[Shift]] = defaultdict(list)
        for shift in shifts:
            if shift.agent_id not in self.agents:
                self.add(shift.agent_id, shift.date, "unknown_agent", f"{shift.label}: no such agent in staff")
                continue
            self.shifts[shift.agent_id].append(shift)
        for agent_shifts in self.shifts.values():
            agent_shifts.sort(key=lambda s: (s.start, s.end))
        self.segments: dict[str, list[Segment]] = defaultdict(list)
        for segment in segments:
            if segment.agent_id not in self.agents:
                self.add(segment.agent_id, segment.start.date(), "unknown_agent", f"{segment.label}: no such agent")
                continue
            self.segments[segment.agent_id].append(segment)
        for agent_segments in self.segments.values():
            agent_segments.sort(key=lambda s: (s.start, s.end))

        self.time_off: dict[str, list[tuple[dt.datetime, dt.datetime, str]]] = defaultdict(list)
        # Semantics (docs time_off.csv `paid`): only paid leave earns hours; an unpaid day off only blocks work.
        self.paid_leave: dict[str, list[tuple[dt.datetime, dt.datetime, str]]] = defaultdict(list)
        for absence in scenario.time_off:
            self.time_off[absence.agent_id].append((absence.start, absence.end, absence.reason))
            if absence.paid:
                self.paid_leave[absence.agent_id].append((absence.start, absence.end, absence.reason))
        self.activities: dict[str, list[tuple[dt.datetime, dt.datetime, str]]] = defaultdict(list)
        for activity in scenario.fixed_activities:
            self.activities[activity.agent_id].append((activity.start, activity.end, activity.activity))
        self.previous: dict[str, list[tuple[dt.datetime, dt.datetime]]] = defaultdict(list)
        for previous in scenario.previous_shifts:
            self.previous[previous.agent_id].append((previous.start, previous.end))

    def add(self, agent_id: str, day: dt.date | None, rule: str, message: str) -> None:
        self.out.append(Violation(agent_id, day, rule, message))

    def run(self) -> list[Violation]:
        for agent in self.scenario.agents:
            agent_id = agent.agent_id
            contract = self.contracts[agent.contract]
            shifts = self.shifts.get(agent_id, [])
            self.check_shift_shapes(agent_id, contract, shifts)
            self.check_one_shift_per_day(agent_id, shifts)
            self.check_availability(agent_id, shifts)
            # Semantics (Agent.min_hours_week): a person's own weekly minimum, where lower, replaces the contract's.
            own_minimum = agent.min_hours_week
            week_contract = (
                contract.model_copy(update={"min_hours_week": own_minimum})
                if own_minimum is not None and own_minimum < contract.min_hours_week
                else contract
            )
            self.check_weeks(agent_id, week_contract, shifts)
            self.check_consecutive_days(agent_id, contract, shifts)
            self.check_contract_patterns(agent_id, contract, shifts)
            self.check_min_rest(agent_id, shifts)
            owner = self.check_segment_cover(agent_id, shifts)
            self.check_time_off(agent_id, shifts)
            self.check_fixed_activities(agent_id, shifts)
            self.check_work(agent_id)
            self.check_breaks(agent_id, owner)
            self.check_queue_blocks(agent_id)
            self.check_stints(agent_id, contract, owner)
        return sorted(set(self.out), key=lambda v: (v.agent_id, v.day or dt.date.min, v.rule, v.message))

    # 1. shapes -------------------------------------------------------------------------------------------------

    def paid_minutes(self, shift: Shift) -> float:
        """Paid time re-derived: the shift's length less its template's unpaid breaks."""
        template = self.templates.get(shift.template)
        unpaid = _unpaid_minutes(template) if template is not None else 0
        return _minutes(shift.end - shift.start) - unpaid

    def check_shift_shapes(self, agent_id: str, contract: Contract, shifts: list[Shift]) -> None:
        for shift in shifts:
            day = shift.start.date()
            problems = []
            if shift.end <= shift.start:
                problems.append("ends before it starts")
            if shift.date != day:
                problems.append(f"is listed on {shift.date} but starts on {day}")
            if not self.horizon.start <= day < self.horizon.end:
                problems.append(f"starts outside the horizon {self.horizon.start}..{self.horizon.end}")
            template = self.templates.get(shift.template)
            if template is None:
                problems.append(f"uses unknown template {shift.template!r}")
            else:
                if shift.template not in contract.shift_templates:
                    problems.append(
                        f"uses template {template.id}, which contract {contract.id} does not allow "
                        f"(allowed: {', '.join(contract.shift_templates)})"
                    )
                start = _offset(shift.start)
                if shift.start.second or start not in template.start_minutes:
                    problems.append(
                        f"starts at {shift.start:%H:%M}, not a start time of template {template.id} "
                        f"({', '.join(template.start_times)})"
                    )
                length = _minutes(shift.end - shift.start)
                if length != template.length_minutes:
                    problems.append(f"lasts {length:g} min, template {template.id} lasts {template.length_minutes}")
                if shift.paid_hours is not None and abs(shift.paid_hours - template.paid_minutes / 60) > 0.006:
                    problems.append(
                        f"paid_hours says {shift.paid_hours:g}, template {template.id} pays "
                        f"{template.paid_minutes / 60:.2f} h"
                    )
            for problem in problems:
                self.add(agent_id, shift.date, "shift_template", f"{shift.label} {problem}")
            # Semantics: max_hours_day limits a shift's paid time (rules.py ShiftShapes: the template's paid
            # minutes); a second shift on a day is the one_shift_per_day violation, not counted here again.
            paid = self.paid_minutes(shift)
            if paid > contract.max_hours_day * 60 + _TOLERANCE_MINUTES:
                self.add(
                    agent_id,
                    shift.date,
                    "max_hours_day",
                    f"{shift.label} pays {paid / 60:.2f} h, contract {contract.id} allows {contract.max_hours_day:g} h "
                    "a day",
                )

    def check_one_shift_per_day(self, agent_id: str, shifts: list[Shift]) -> None:
        by_date: dict[dt.date, list[Shift]] = defaultdict(list)
        for shift in shifts:
            by_date[shift.start.date()].append(shift)
        for day, same_day in sorted(by_date.items()):
            if len(same_day) > 1:
                labels = ", ".join(s.label for s in same_day)
                self.add(agent_id, day, "one_shift_per_day", f"{len(same_day)} shifts start on one day: {labels}")
        for i, shift in enumerate(shifts):
            for later in shifts[i + 1 :]:
                if later.start >= shift.end:
                    break
                if later.start.date() != shift.start.date():  # same day is reported above
                    self.add(
                        agent_id, later.date, "one_shift_per_day", f"{later.label} overlaps {shift.label} before it"
                    )

    # 2. availability, time off, fixed activities ---------------------------------------------------------------

    def availability_windows(self, agent_id: str) -> list[tuple[dt.datetime, dt.datetime]] | None:
        """Absolute windows from the day before the horizon to the day after; None = no rows = always available.

        Semantics (docs availability.csv): a date's rows replace that weekday's rows; windows of consecutive
        days that touch (e.g. 18:00-24:00 and 00:00-06:00) join, so an overnight shift may span them.
        """
        rows = [w for w in self.scenario.availability if w.agent_id == agent_id]
        if not rows:
            return None
        spans = []
        day = self.horizon.start - dt.timedelta(days=1)
        while day <= self.horizon.end:
            dated = [w for w in rows if w.date == day]
            todays = dated or [w for w in rows if w.date is None and w.weekday == day.weekday()]
            for window in todays:
                spans.append(
                    (
                        _midnight(day) + dt.timedelta(minutes=window.start_minute),
                        _midnight(day) + dt.timedelta(minutes=window.end_minute),
                    )
                )
            day += dt.timedelta(days=1)
        return _merge(spans)

    def check_availability(self, agent_id: str, shifts: list[Shift]) -> None:
        windows = self.availability_windows(agent_id)
        if windows is None:
            return
        for shift in shifts:
            if _inside(windows, shift.start, shift.end):
                continue
            touching = _overlapping(windows, shift.start, shift.end)
            if not touching:
                self.add(agent_id, shift.date, "availability", f"{shift.label} on a day with no availability")
                continue
            start, end = touching[0]
            where = "starts" if shift.start < start else "ends"
            self.add(
                agent_id, shift.date, "availability", f"{shift.label} {where} outside availability {_span(start, end)}"
            )

    def check_time_off(self, agent_id: str, shifts: list[Shift]) -> None:
        absences = self.time_off.get(agent_id, [])
        for start, end, reason in absences:
            clashing = [s for s in shifts if s.start < end and start < s.end]
            for shift in clashing:
                self.add(agent_id, shift.date, "time_off", f"{shift.label} overlaps {reason} {_span(start, end)}")
            for segment in self.segments.get(agent_id, []):
                if segment.activity == "time_off" or not (segment.start < end and start < segment.end):
                    continue
                # A segment of a shift already reported is not reported again.
                if not any(s.start <= segment.start and segment.end <= s.end for s in clashing):
                    self.add(
                        agent_id,
                        segment.start.date(),
                        "time_off",
                        f"{segment.label} during {reason} {_span(start, end)}",
                    )
        # Semantics (docs assignments.csv, decode.py): time_off segments show each approved absence clipped to
        # the horizon, and nothing else.
        approved = _merge(
            (max(start, self.origin), min(end, self.horizon_end))
            for start, end, _ in absences
            if start < self.horizon_end and self.origin < end
        )
        shown = _merge((s.start, s.end) for s in self.segments.get(agent_id, []) if s.activity == "time_off")
        for start, end in shown:
            if not _inside(approved, start, end):
                self.add(agent_id, start.date(), "time_off", f"time_off {_span(start, end)} is not approved time off")
        for start, end in approved:
            if not _inside(shown, start, end):
                self.add(agent_id, start.date(), "time_off", f"approved time off {_span(start, end)} is not shown")

    def check_fixed_activities(self, agent_id: str, shifts: list[Shift]) -> None:
        interval = dt.timedelta(minutes=self.site.interval_minutes)
        activities = [
            (max(start, self.origin), min(end, self.horizon_end), name)
            for start, end, name in self.activities.get(agent_id, [])
            if start < self.horizon_end and self.origin < end  # Semantics: only the part inside the horizon
        ]
        segments = [s for s in self.segments.get(agent_id, []) if s.activity != "time_off"]
        for start, end, name in activities:
            if not any(s.start <= start and end <= s.end for s in shifts):
                self.add(agent_id, start.date(), "fixed_activity", f"{name} {_span(start, end)} is not inside a shift")
                continue
            for segment in segments:
                if segment.start < end and start < segment.end and segment.activity != name:
                    self.add(
                        agent_id,
                        segment.start.date(),
                        "fixed_activity",
                        f"{segment.label} during {name} {_span(start, end)}",
                    )
        # A segment named after a fixed activity must be one. Semantics: an activity off the interval grid is
        # shown over the whole intervals it touches (decode.py), so the check allows that rounding.
        names = {name for _, _, name in self.activities.get(agent_id, [])}
        for segment in segments:
            if segment.activity in _SHIFT_ACTIVITIES:
                continue
            widened = [
                (
                    self.origin + interval * math.floor((start - self.origin) / interval),
                    self.origin + interval * math.ceil((end - self.origin) / interval),
                )
                for start, end, name in activities
                if name == segment.activity
            ]
            if not _inside(_merge(widened), segment.start, segment.end):
                known = "" if segment.activity in names else f" (not an activity of this agent: {sorted(names)})"
                self.add(
                    agent_id,
                    segment.start.date(),
                    "fixed_activity",
                    f"{segment.label} is not a planned fixed activity{known}",
                )

    # 3. hours, days, rest --------------------------------------------------------------------------------------

    def weeks(self) -> list[tuple[dt.date, int]]:
        # Semantics (rules.py, problem.py weeks()): planning weeks are 7-day blocks from the horizon start, the
        # last one possibly shorter; a shift belongs to the week of its start date.
        out = []
        for offset in range(0, self.horizon.days, 7):
            out.append((self.horizon.start + dt.timedelta(days=offset), min(7, self.horizon.days - offset)))
        return out

    def leave_days(self, agent_id: str) -> set[dt.date]:
        # Semantics: a day is a leave day when approved time off covers it from 00:00 to 24:00. Absences are
        # merged first (two back-to-back rows covering a day make a whole day), following the docs's "whole days
        # count towards contract hours"; the model (problem.py) looks for one row covering the day.
        merged = _merge((start, end) for start, end, _ in self.paid_leave.get(agent_id, []))
        return {
            day for day in self.horizon.dates if _inside(merged, _midnight(day), _midnight(day) + dt.timedelta(days=1))
        }

    def check_weeks(self, agent_id: str, contract: Contract, shifts: list[Shift]) -> None:
        leave = self.leave_days(agent_id)
        for first, length in self.weeks():
            last = first + dt.timedelta(days=length - 1)
            in_week = [s for s in shifts if first <= s.start.date() <= last]
            limits = _week_limits(contract, length)
            paid = sum(self.paid_minutes(s) for s in in_week)
            credit = _leave_credit_minutes(contract, sum(1 for d in leave if first <= d <= last), length)
            total = paid + credit
            week = f"week {first:%a %d %b}-{last:%a %d %b}"
            leave_text = f" (incl. {credit / 60:.2f} h leave)" if credit else ""
            if total < limits.min_minutes - _TOLERANCE_MINUTES:
                self.add(
                    agent_id,
                    first,
                    "weekly_hours",
                    f"{week}: {total / 60:.2f} paid hours{leave_text}, below contract {contract.id}'s minimum "
                    f"{limits.min_minutes / 60:.2f}",
                )
            if total > limits.max_minutes + _TOLERANCE_MINUTES:
                self.add(
                    agent_id,
                    first,
                    "weekly_hours",
                    f"{week}: {total / 60:.2f} paid hours{leave_text}, above contract {contract.id}'s maximum "
                    f"{limits.max_minutes / 60:.2f}",
                )
            overtime = max(0.0, total - limits.contracted_minutes)
            if overtime > limits.max_overtime_minutes + _TOLERANCE_MINUTES:
                self.add(
                    agent_id,
                    first,
                    "overtime",
                    f"{week}: {overtime / 60:.2f} h overtime, contract {contract.id} allows "
                    f"{limits.max_overtime_minutes / 60:.2f}",
                )
            reported = [s.overtime_hours for s in in_week if s.overtime_hours is not None]
            if reported and abs(sum(reported) - overtime / 60) > 0.01 * len(reported) + _TOLERANCE_MINUTES / 60:
                self.add(
                    agent_id,
                    first,
                    "overtime",
                    f"{week}: overtime_hours add up to {sum(reported):.2f}, the week's overtime is "
                    f"{overtime / 60:.2f} h",
                )
            worked = sorted({s.start.date() for s in in_week})
            if len(worked) > limits.max_days:
                self.add(
                    agent_id,
                    first,
                    "days_off",
                    f"{week}: works {len(worked)} days, contract {contract.id} allows {limits.max_days} "
                    f"({contract.days_off_per_week} days off a week)",
                )

    def check_consecutive_days(self, agent_id: str, contract: Contract, shifts: list[Shift]) -> None:
        # Semantics (rules.py MaxConsecutiveDays): a day is worked when a shift starts on it; previous_shifts count
        # by their start date. Only runs reaching into the horizon are the plan's doing.
        days = {s.start.date() for s in shifts} | {start.date() for start, _ in self.previous.get(agent_id, [])}
        limit = contract.max_consecutive_days
        run: list[dt.date] = []
        reported = False
        for day in sorted(days):
            if run and day - run[-1] == dt.timedelta(days=1):
                run.append(day)
            else:
                run, reported = [day], False
            if len(run) > limit and day >= self.horizon.start and not reported:
                reported = True  # once per run, on its first day over the limit inside the horizon
                self.add(
                    agent_id,
                    day,
                    "consecutive_days",
                    f"day {len(run)} in a row since {run[0]:%a %d %b} (contract {contract.id} allows {limit})",
                )

    def check_contract_patterns(self, agent_id: str, contract: Contract, shifts: list[Shift]) -> None:
        # Semantics (site.toml [[contracts]]): a day is worked when a shift starts on it; a weekend is the
        # Saturday and Sunday of one calendar week; stretches of days off touching the horizon's edges are not
        # judged (the days beyond are not planned here); planning weeks count from the horizon's first day.
        days = sorted({s.start.date() for s in shifts})
        for day in days:
            if _WEEKDAY_NAMES[day.weekday()] in contract.fixed_days_off:
                self.add(agent_id, day, "fixed_days_off", f"works on {day:%A}, a fixed day off of {contract.id}")
        weekends = {day - dt.timedelta(days=day.weekday() - 5) for day in days if day.weekday() >= 5}
        if contract.max_weekends is not None and len(weekends) > contract.max_weekends:
            self.add(agent_id, None, "max_weekends", f"{len(weekends)} weekends worked (max {contract.max_weekends})")
        for before, after in itertools.pairwise(days):
            off = (after - before).days - 1
            if 0 < off < contract.min_consecutive_days_off:
                self.add(
                    agent_id, before + dt.timedelta(days=1), "min_days_off",
                    f"{off} day(s) off in a row (min {contract.min_consecutive_days_off})",
                )  # fmt: skip
        worked = set(days)
        horizon_days = [self.horizon.start + dt.timedelta(days=d) for d in range(self.horizon.days)]
        for index, day in enumerate(horizon_days[1:-1], start=1):
            # A stretch that starts right after a day off inside the horizon and ends before one is judged.
            if day in worked and horizon_days[index - 1] not in worked:
                length = 0
                while index + length < len(horizon_days) and horizon_days[index + length] in worked:
                    length += 1
                ends_inside = index + length < len(horizon_days)
                if ends_inside and length < contract.min_consecutive_days:
                    self.add(
                        agent_id, day, "min_work_days",
                        f"{length} worked day(s) in a row (min {contract.min_consecutive_days})",
                    )  # fmt: skip
        if contract.min_hours_horizon is not None or contract.max_hours_horizon is not None:
            whole_days = {
                day for day in horizon_days if any(s <= _midnight(day) and _midnight(day) + dt.timedelta(days=1) <= e
                                                   for s, e, _ in self.paid_leave.get(agent_id, []))
            }  # fmt: skip
            leave = sum(
                _leave_credit_minutes(
                    contract, sum(1 for d in whole_days if first <= d < first + dt.timedelta(days=length)), length
                )
                for first, length in self.weeks()
            )
            total = (sum(self.paid_minutes(s) for s in shifts) + leave) / 60
            low = contract.min_hours_horizon or 0.0
            high = contract.max_hours_horizon if contract.max_hours_horizon is not None else float("inf")
            if total < low - 0.02 or total > high + 0.02:
                self.add(agent_id, None, "horizon_hours", f"{total:.2f} paid hours over the horizon ({low:g}-{high:g})")
        counts: dict[tuple[str, int], int] = defaultdict(int)
        for shift in shifts:
            counts[shift.template, (shift.start.date() - self.horizon.start).days // 7] += 1
        for (template, week), count in sorted(counts.items()):
            cap = contract.max_shifts_per_week.get(template)
            if cap is not None and count > cap:
                self.add(agent_id, None, "template_cap", f"{count} {template} shifts in week {week + 1} (max {cap})")
        for template, cap in contract.max_shifts_horizon.items():
            count = sum(1 for s in shifts if s.template == template)
            if count > cap:
                self.add(agent_id, None, "template_cap", f"{count} {template} shifts over the horizon (max {cap})")
        # Semantics (docs: not_followed_by): consecutive dates, the date a shift starts on; the day before the
        # horizon is not judged (previous shifts carry no template).
        template_on = {s.start.date(): s.template for s in shifts}
        forbidden = {t.id: set(t.not_followed_by) for t in self.site.shift_templates}
        for day, template in sorted(template_on.items()):
            before = template_on.get(day - dt.timedelta(days=1))
            if before is not None and template in forbidden.get(before, set()):
                self.add(agent_id, day, "succession", f"{template} the day after {before}")

    def check_min_rest(self, agent_id: str, shifts: list[Shift]) -> None:
        rest = dt.timedelta(hours=self.site.rules.min_rest_hours)
        before = [(start, end, "previous shift") for start, end in self.previous.get(agent_id, [])]
        timeline = sorted([*before, *((s.start, s.end, s) for s in shifts)], key=lambda item: item[0])
        latest: tuple[dt.datetime, str] | None = None
        for start, end, what in timeline:
            if isinstance(what, Shift) and latest is not None:
                gap = start - latest[0]
                # Overlapping shifts are one_shift_per_day's to report; rest is measured between shifts that
                # do not overlap, from the latest end before this start (the previous week's last shift too).
                if dt.timedelta(0) <= gap < rest:
                    self.add(
                        agent_id,
                        what.date,
                        "min_rest",
                        f"{what.label} starts {_minutes(gap) / 60:.2f} h after the {latest[1]} ending "
                        f"{latest[0]:%a %d %b %H:%M} (at least {self.site.rules.min_rest_hours:g} h)",
                    )
            if latest is None or end > latest[0]:
                latest = (end, what.label if isinstance(what, Shift) else what)

    # 4. segments -----------------------------------------------------------------------------------------------

    def check_segment_cover(self, agent_id: str, shifts: list[Shift]) -> dict[Shift, list[Segment]]:
        """Shifts tiled by their segments; returns each shift's segments (for the break check)."""
        owner: dict[Shift, list[Segment]] = {s: [] for s in shifts}
        for segment in self.segments.get(agent_id, []):
            if segment.end <= segment.start:
                self.add(agent_id, segment.start.date(), "segment_cover", f"{segment.label} is empty or reversed")
                continue
            if segment.activity == "time_off":
                continue
            if segment.activity == "work" and segment.queue is None:
                self.add(agent_id, segment.start.date(), "segment_cover", f"{segment.label}: work without a queue")
            if segment.activity != "work" and segment.queue is not None:
                self.add(
                    agent_id, segment.start.date(), "segment_cover", f"{segment.label} names queue {segment.queue}"
                )
            home = next((s for s in shifts if s.start <= segment.start and segment.end <= s.end), None)
            if home is None:
                crossing = next((s for s in shifts if s.start < segment.end and segment.start < s.end), None)
                where = f"crosses the edge of {crossing.label}" if crossing else "is outside every shift"
                self.add(agent_id, segment.start.date(), "segment_cover", f"{segment.label} {where}")
                continue
            owner[home].append(segment)
        for shift, inside in owner.items():
            cursor = shift.start
            for segment in inside:  # sorted by start
                if segment.start > cursor:
                    self.add(
                        agent_id,
                        shift.date,
                        "segment_cover",
                        f"{shift.label}: {_span(cursor, segment.start)} has no segment",
                    )
                elif segment.start < cursor:
                    self.add(
                        agent_id,
                        shift.date,
                        "segment_cover",
                        f"{shift.label}: {segment.label} overlaps another segment until {cursor:%H:%M}",
                    )
                cursor = max(cursor, segment.end)
            if cursor < shift.end:
                self.add(
                    agent_id, shift.date, "segment_cover", f"{shift.label}: {_span(cursor, shift.end)} has no segment"
                )
        return owner

    def check_work(self, agent_id: str) -> None:
        skills = self.skills.get(agent_id, set())
        cache: dict[str, list[tuple[dt.datetime, dt.datetime]]] = {}

        def open_spans(queue: Queue) -> list[tuple[dt.datetime, dt.datetime]]:
            if queue.id not in cache:
                cache[queue.id] = _queue_open_spans(
                    queue, self.horizon.start - dt.timedelta(days=1), self.horizon.end + dt.timedelta(days=1)
                )
            return cache[queue.id]

        for segment in self.segments.get(agent_id, []):
            day = segment.start.date()
            if segment.activity == "work" and segment.queue is not None:
                queue = self.queues.get(segment.queue)
                if queue is None or segment.queue not in skills:
                    self.add(
                        agent_id,
                        day,
                        "skill",
                        f"{segment.label}: not a queue the agent is skilled for ({', '.join(sorted(skills))})",
                    )
                if queue is not None and not _inside(open_spans(queue), segment.start, segment.end):
                    hours = f"open {queue.open}-{queue.close} {','.join(queue.days)}"
                    self.add(agent_id, day, "queue_closed", f"{segment.label} while {queue.id} is closed ({hours})")
            elif segment.activity == "available":
                # Semantics (docs assignments.csv, "Floor-ready stints"): `available` is shift time with no open
                # queue to work, or where a queue is open for less than a minimum stint (Rules.min_stint_minutes,
                # the queue's own), or in a shift that has made all the queue changes it may.
                if self._at_most_changes(agent_id, segment):
                    continue
                open_now = sorted(
                    q
                    for q in skills
                    if (minutes := _open_minutes(open_spans(self.queues[q]), segment.start, segment.end)) > 0
                    and minutes + _TOLERANCE_MINUTES > self._least_stint(q)
                )
                if open_now:
                    self.add(
                        agent_id,
                        day,
                        "available",
                        f"{segment.label} while the agent's queue(s) {', '.join(open_now)} are open",
                    )

    def _at_most_changes(self, agent_id: str, segment: Segment) -> bool:
        """Whether the shift holding `segment` already changes queue as often as its contract allows."""
        contract = self.contracts[self.agents[agent_id].contract]
        most = contract.max_queue_changes_per_shift
        most = self.site.rules.max_queue_changes_per_shift if most is None else most
        shift = next((s for s in self.shifts.get(agent_id, []) if s.start <= segment.start < s.end), None)
        if most is None or shift is None:
            return False
        queues = [
            s.queue
            for s in self.segments.get(agent_id, [])
            if s.activity == "work" and shift.start <= s.start < shift.end
        ]
        stints = sum(1 for i, q in enumerate(queues) if i == 0 or queues[i - 1] != q)
        return stints - 1 >= most

    def _least_stint(self, queue_id: str) -> int:
        queue = self.queues.get(queue_id)
        own = queue.min_stint_minutes if queue is not None else None
        return self.site.rules.min_stint_minutes if own is None else own

    def check_breaks(self, agent_id: str, owner: dict[Shift, list[Segment]]) -> None:
        interval = self.site.interval_minutes
        for shift, inside in owner.items():
            template = self.templates.get(shift.template)
            if template is None:
                continue
            taken = _merge_kinds([(s.start, s.end, s.activity) for s in inside if s.activity in ("break", "lunch")])
            pieces = [(_minutes(start - shift.start), _minutes(end - shift.start), kind) for start, end, kind in taken]
            rules = list(template.breaks)
            if _fits(pieces, rules, interval):
                continue
            for message in _explain_breaks(shift, template, pieces, rules, interval):
                self.add(agent_id, shift.date, "breaks", f"{shift.label} ({template.id}): {message}")

    def check_queue_blocks(self, agent_id: str) -> None:
        # Semantics (domain Rules.block_minutes "nobody switches queue more often than this (the minimum block)",
        # docs "cross-trained agents choose one queue per block (block_minutes, the minimum stint)"; model.py
        # y[a, q, b] with blocks counted from the horizon's first midnight): work may pass straight from one queue
        # to another only on a block boundary. A stint between two such switches is then whole blocks long, so
        # at least block_minutes; a break, a fixed activity, `available` or the shift's edge may cut it shorter.
        block = dt.timedelta(minutes=self.site.rules.block_minutes)
        segments = [s for s in self.segments.get(agent_id, []) if s.activity != "time_off"]
        for before, after in itertools.pairwise(segments):
            if not (before.activity == after.activity == "work" and before.end == after.start):
                continue
            if before.queue == after.queue:
                continue
            into = (after.start - self.origin) % block
            if into:
                block_start = after.start - into
                self.add(
                    agent_id,
                    after.start.date(),
                    "queue_block",
                    f"switches from {before.queue} to {after.queue} at {after.start:%H:%M}, inside the queue block "
                    f"{_span(block_start, block_start + block)} (block_minutes {self.site.rules.block_minutes})",
                )

    def check_stints(self, agent_id: str, contract: Contract, owner: dict[Shift, list[Segment]]) -> None:
        # Semantics (domain Rules.min_stint_minutes / max_queue_changes_per_shift, docs "Floor-ready stints"):
        # a shift's work segments in time order, neighbours on the same queue joined whatever lies between them
        # (a break, a fixed activity, `available`), are its stints; each move to the next stint is a queue
        # change. A stint spans from the previous stint's last work (for the first: its own first work, or the
        # breaks right before it) to the next stint's first work (for the last: its own last work, or the breaks
        # right after it): breaks at a change count for both sides. The minimum binds agents with two or more
        # skills.
        # A fixed activity starting after the stint's last work and before the next stint (or the shift's end)
        # ends it early, and then it may be shorter.
        rules = self.site.rules
        most = contract.max_queue_changes_per_shift
        most = rules.max_queue_changes_per_shift if most is None else most
        for shift, inside in owner.items():
            stints: list[list[Segment]] = []
            for segment in inside:
                if segment.activity != "work":
                    continue
                if stints and stints[-1][0].queue == segment.queue:
                    stints[-1].append(segment)
                else:
                    stints.append([segment])
            if most is not None and len(stints) - 1 > most:
                path = ", ".join(str(s[0].queue) for s in stints)
                self.add(agent_id, shift.date, "queue_changes",
                         f"{shift.label}: {len(stints) - 1} queue changes ({path}), at most {most}")  # fmt: skip
            if len(self.skills.get(agent_id, ())) < 2:
                continue  # one queue: nothing to change, and its stints are its shifts' open hours
            pauses = [(s.start, s.end) for s in inside if s.activity in ("break", "lunch")]
            for i, stint in enumerate(stints):
                least = self._least_stint(str(stint[0].queue))
                begin = stints[i - 1][-1].end if i else _through_pauses(stint[0].start, pauses, backwards=True)
                finish = stints[i + 1][0].start if i + 1 < len(stints) else _through_pauses(stint[-1].end, pauses)
                if _minutes(finish - begin) + _TOLERANCE_MINUTES > least:
                    continue
                limit = stints[i + 1][0].start if i + 1 < len(stints) else shift.end
                if any(s.activity not in _SHIFT_ACTIVITIES and stint[-1].end <= s.start <= limit for s in inside):
                    continue
                self.add(agent_id, shift.date, "min_stint",
                         f"{stint[0].queue} {_span(begin, finish)}: a stint of {_minutes(finish - begin):.0f} "
                         f"minutes, at least {least}")  # fmt: skip


def _through_pauses(
    moment: dt.datetime, pauses: list[tuple[dt.datetime, dt.datetime]], *, backwards: bool = False
) -> dt.datetime:
    """`moment` moved over the breaks that touch it (backwards: the ones ending at it)."""
    moved = True
    while moved:
        moved = False
        for start, end in pauses:
            if (end if backwards else start) == moment:
                moment, moved = (start if backwards else end), True
    return moment


def _merge_kinds(spans: list[tuple[dt.datetime, dt.datetime, str]]) -> list[tuple[dt.datetime, dt.datetime, str]]:
    """Adjacent segments of the same kind as one (a table may split a break the decoder would show whole)."""
    out: list[tuple[dt.datetime, dt.datetime, str]] = []
    for start, end, kind in sorted(spans):
        if out and out[-1][2] == kind and out[-1][1] == start:
            out[-1] = (out[-1][0], end, kind)
        else:
            out.append((start, end, kind))
    return out


def _fits(pieces: list[tuple[float, float, str]], rules: list[BreakRule], interval: int) -> bool:
    """Whether the shift's break pieces (minutes after shift start) are exactly its rules' breaks.

    Each rule is one break of its kind lasting its (grid-rounded) minutes and starting between
    earliest_after_minutes and latest_after_minutes after the shift's start. Two breaks of one kind placed
    back to back show as one segment, so a piece may hold several rules in a row.
    """
    if not pieces:
        return not rules
    (start, end, kind), rest = pieces[0], pieces[1:]
    tried: set[tuple[int, int, int]] = set()
    for i, rule in enumerate(rules):
        key = (rule.minutes, rule.earliest_after_minutes, rule.latest_after_minutes)
        if rule.kind != kind or key in tried:
            continue
        tried.add(key)
        width = _break_width(rule, interval)
        if rule.earliest_after_minutes <= start <= rule.latest_after_minutes and start + width <= end:
            remaining = rules[:i] + rules[i + 1 :]
            following = rest if start + width == end else [(start + width, end, kind), *rest]
            if _fits(following, remaining, interval):
                return True
    return False


def _explain_breaks(
    shift: Shift, template: ShiftTemplate, pieces: list[tuple[float, float, str]], rules: list[BreakRule], interval: int
) -> list[str]:
    """Readable reasons the breaks do not fit: rules with no matching break, breaks matching no rule."""
    unmatched = list(pieces)
    missing = []
    for rule in sorted(rules, key=lambda r: r.earliest_after_minutes):
        width = _break_width(rule, interval)
        match = next(
            (
                p
                for p in unmatched
                if p[2] == rule.kind
                and p[1] - p[0] == width
                and rule.earliest_after_minutes <= p[0] <= rule.latest_after_minutes
            ),
            None,
        )
        if match is None:
            missing.append(rule)
        else:
            unmatched.remove(match)
    messages = []
    for rule in missing:
        earliest = shift.start + dt.timedelta(minutes=rule.earliest_after_minutes)
        latest = shift.start + dt.timedelta(minutes=rule.latest_after_minutes)
        messages.append(
            f"no {rule.minutes}-min {rule.kind} starting {earliest:%H:%M}-{latest:%H:%M} "
            f"({rule.earliest_after_minutes}-{rule.latest_after_minutes} min after the start)"
        )
    for start, end, kind in unmatched:
        moment = shift.start + dt.timedelta(minutes=start)
        messages.append(
            f"{kind} {_span(moment, shift.start + dt.timedelta(minutes=end))} ({end - start:g} min, {start:g} min "
            "after the start) matches no break rule"
        )
    return messages or [f"breaks {pieces} do not match the template's rules"]


__all__ = [
    "RULES",
    "Segment",
    "Shift",
    "Violation",
    "plan_tables",
    "read_run_folder",
    "validate_plan",
    "validate_result",
    "validate_run_folder",
]
