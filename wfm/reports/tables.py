"""The plan as the contract tables: one row per shift (shifts.csv) and one per activity segment (assignments.csv).

Pure functions over a `ScheduleResult`; formatting (ISO timestamps, rounding) happens when the files are written.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Sequence

import pandas as pd

from wfm.domain.models import Agent, Office, Scenario
from wfm.scheduling.result import ScheduleResult, ShiftAssignment

SHIFT_COLUMNS = ["agent_id", "date", "template", "shift_start", "shift_end", "paid_hours", "overtime_hours"]
ASSIGNMENT_COLUMNS = ["agent_id", "start", "end", "activity", "queue", "reason"]
OFF = "OFF"  # a day without a shift or leave, on the Roster and a person's Week sheet
TIME_OFF = "time_off"  # the activity of approved leave in assignments.csv


def week_start(day: dt.date, first_day: dt.date) -> dt.date:
    """The first day of the 7-day planning week `day` falls in, weeks counted from the horizon's `first_day`: the
    key of `ScheduleResult.overtime_hours` (a Monday only when the horizon starts on one)."""
    return first_day + dt.timedelta(days=7 * ((day - first_day).days // 7))


def overtime_per_shift(result: ScheduleResult) -> dict[ShiftAssignment, float]:
    """Spread each agent's weekly overtime over that week's shifts, latest shift first.

    Overtime is earned once the week's contracted hours are used up, so it belongs to the end of the week: the last
    shift takes up to its own paid hours, any rest goes to the shift before it, and so on. Whatever is left after
    the first shift (overtime larger than the week's paid hours, which a consistent plan never has) stays on the
    last shift, so the shifts' overtime always adds up to the week's overtime.
    """
    shifts_by_agent: dict[str, list[ShiftAssignment]] = defaultdict(list)
    for shift in result.shifts:
        shifts_by_agent[shift.agent_id].append(shift)

    overtime: dict[ShiftAssignment, float] = {}
    # Overtime is keyed by the first day of each 7-day planning week, which is the horizon's start weekday, not
    # necessarily a Monday: a week holds the shifts starting in [first day, first day + 7).
    for (agent_id, monday), hours in sorted(result.overtime_hours.items()):
        if hours <= 0:
            continue
        week_shifts = sorted(
            (s for s in shifts_by_agent.get(agent_id, []) if 0 <= (s.date - monday).days < 7),
            key=lambda s: (s.start, s.end),
        )
        if not week_shifts:
            raise ValueError(
                f"the plan gives agent {agent_id!r} {hours:g} overtime hours in the week of {monday}, "
                "but no shift in that week"
            )
        remaining = hours
        for shift in reversed(week_shifts):
            share = min(remaining, shift.paid_minutes / 60)
            overtime[shift] = share
            remaining -= share
            if remaining <= 0:
                break
        if remaining > 0:
            overtime[week_shifts[-1]] += remaining
    return overtime


def shifts_table(scenario: Scenario, result: ScheduleResult) -> pd.DataFrame:
    """shifts.csv: `agent_id, date, template, shift_start, shift_end, paid_hours, overtime_hours`.

    Sorted by agent and start. The plan is checked against the scenario: a shift of an unknown agent or template
    means the plan and the scenario do not belong together, and a report built from them would mislead.
    """
    agents = scenario.agent_by_id
    templates = scenario.site.template_by_id
    for shift in result.shifts:
        if shift.agent_id not in agents:
            raise ValueError(f"the plan has a shift for agent {shift.agent_id!r}, who is not in the scenario")
        if shift.template_id not in templates:
            raise ValueError(f"the plan uses shift template {shift.template_id!r}, which is not in the scenario")

    overtime = overtime_per_shift(result)
    rows = [
        (
            shift.agent_id,
            shift.date,
            shift.template_id,
            shift.start,
            shift.end,
            shift.paid_minutes / 60,
            overtime.get(shift, 0.0),
        )
        for shift in sorted(result.shifts, key=lambda s: (s.agent_id, s.start, s.end))
    ]
    table = pd.DataFrame(rows, columns=SHIFT_COLUMNS)
    table["shift_start"] = pd.to_datetime(table["shift_start"])
    table["shift_end"] = pd.to_datetime(table["shift_end"])
    table["paid_hours"] = table["paid_hours"].astype(float)
    table["overtime_hours"] = table["overtime_hours"].astype(float)
    return table


def assignments_table(result: ScheduleResult) -> pd.DataFrame:
    """assignments.csv: `agent_id, start, end, activity, queue, reason`, one row per contiguous segment.

    `queue` is filled only for `work`, `reason` (time_off.csv's) only for `time_off` (None otherwise, an empty
    field in the CSV). Sorted by agent and start.
    """
    rows = [
        (
            seg.agent_id,
            seg.start,
            seg.end,
            seg.activity,
            seg.queue if seg.activity == "work" else None,
            seg.reason if seg.activity == TIME_OFF else None,
        )
        for seg in sorted(result.segments, key=lambda s: (s.agent_id, s.start, s.end))
    ]
    table = pd.DataFrame(rows, columns=ASSIGNMENT_COLUMNS)
    table["start"] = pd.to_datetime(table["start"])
    table["end"] = pd.to_datetime(table["end"])
    table["queue"] = table["queue"].astype(object)
    return table


def agent_week_table(shifts: pd.DataFrame, activities: pd.DataFrame, days: Sequence[dt.date]) -> pd.DataFrame:
    """One person's plan, a row per day, as they would read it: `Day, Shift, Paid hours, Overtime hours,
    Activities` (e.g. "08:00–10:00 retail_voice · 10:00–10:15 break · ..."), OFF on days without a shift.

    Takes shifts.csv and assignments.csv rows (one agent's); a shift's activities are those inside it, so a
    night shift's hours after midnight stay on the day it starts. Leave (the `time_off` activities) shows as the
    Roster sheet shows it: on a day without a shift its reason (the activities' `reason`, several joined by
    ", ") or "time off" instead of OFF, next to a shift in brackets; and among the day's activities ("time off
    all day").
    """
    reasons = leave_reasons(activities)
    starts = pd.to_datetime(shifts["shift_start"]) if len(shifts) else pd.Series(dtype="datetime64[ns]")
    ends = pd.to_datetime(shifts["shift_end"]) if len(shifts) else pd.Series(dtype="datetime64[ns]")
    seg_start = pd.to_datetime(activities["start"]) if len(activities) else pd.Series(dtype="datetime64[ns]")
    seg_end = pd.to_datetime(activities["end"]) if len(activities) else pd.Series(dtype="datetime64[ns]")
    texts_by_day = _shift_texts_by_day(shifts)
    leave = [j for j in range(len(activities)) if activities["activity"].iloc[j] == TIME_OFF]
    rows = []
    for day in days:
        day_start = pd.Timestamp(day)
        day_end = day_start + pd.Timedelta(days=1)
        away: list[tuple[pd.Timestamp, str]] = []  # the day's leave, clipped to the day, as activity parts
        for j in leave:
            begin, finish = max(seg_start.iloc[j], day_start), min(seg_end.iloc[j], day_end)
            if begin < finish:
                whole = begin == day_start and finish == day_end
                span = "all day" if whole else f"{begin:%H:%M}–{_clock_text(finish.to_pydatetime(), day)}"
                away.append((begin, f"time off {span}" if whole else f"{span} time off"))
        absent = ((reasons or {}).get(day) or "time off") if away else ""
        on_day = [i for i in range(len(shifts)) if pd.Timestamp(shifts["date"].iloc[i]).date() == day]
        if not on_day:
            rows.append((f"{day:%a %d %b}", absent or OFF, 0.0, 0.0, " · ".join(part for _, part in away)))
            continue
        paid, overtime, parts = 0.0, 0.0, list(away)
        for i in on_day:
            begin, finish = starts.iloc[i], ends.iloc[i]
            paid += float(shifts["paid_hours"].iloc[i])
            overtime += float(shifts["overtime_hours"].iloc[i])
            inside = [j for j in range(len(activities)) if begin <= seg_start.iloc[j] < finish and j not in leave]
            for j in inside:
                queue = activities["queue"].iloc[j]
                what = (
                    str(queue)
                    if queue is not None and not pd.isna(queue) and queue != ""
                    else str(activities["activity"].iloc[j])
                )
                parts.append((seg_start.iloc[j], f"{seg_start.iloc[j]:%H:%M}–{seg_end.iloc[j]:%H:%M} {what}"))
        shift = ", ".join(texts_by_day[day]) + (f" ({absent})" if absent else "")
        activities_text = " · ".join(part for _, part in sorted(parts, key=lambda p: p[0]))
        rows.append((f"{day:%a %d %b}", shift, round(paid, 2), round(overtime, 2), activities_text))
    return pd.DataFrame(rows, columns=["Day", "Shift", "Paid hours", "Overtime hours", "Activities"])


def _shift_texts_by_day(shifts: pd.DataFrame) -> dict[dt.date, list[str]]:
    """One agent's shifts.csv rows as the Roster writes them, per day: ["07:30–16:00", ...] in start order."""
    texts: dict[dt.date, list[str]] = defaultdict(list)
    order = sorted(range(len(shifts)), key=lambda i: str(shifts["shift_start"].iloc[i]))
    for i in order:
        day = pd.Timestamp(shifts["date"].iloc[i]).date()
        begin, finish = pd.Timestamp(shifts["shift_start"].iloc[i]), pd.Timestamp(shifts["shift_end"].iloc[i])
        texts[day].append(f"{begin:%H:%M}–{_clock_text(finish.to_pydatetime(), day)}")
    return texts


def leave_reasons(activities: pd.DataFrame) -> dict[dt.date, str]:
    """One agent's leave reason per day from their `time_off` activities' `reason` (each once, in time order,
    joined by ", " as the Roster joins them); days without a reason are left out."""
    if "reason" not in activities.columns:  # a run written before assignments.csv had reasons
        return {}
    found: dict[dt.date, list[str]] = defaultdict(list)
    leave = activities[activities["activity"] == TIME_OFF].sort_values("start")
    for start, end, reason in zip(leave["start"], leave["end"], leave["reason"], strict=True):
        if reason is None or pd.isna(reason) or not str(reason):
            continue
        for day in _days_touched(start, end):
            if str(reason) not in found[day]:
                found[day].append(str(reason))
    return {day: ", ".join(names) for day, names in found.items()}


def _days_touched(start: str | pd.Timestamp, end: str | pd.Timestamp) -> list[dt.date]:
    """The days a [start, end) stretch has time on."""
    begin, finish = pd.Timestamp(start), pd.Timestamp(end)
    days, day = [], begin.date()
    while pd.Timestamp(day) < finish:
        days.append(day)
        day += dt.timedelta(days=1)
    return days


def _clock_text(moment: dt.datetime, shift_date: dt.date) -> str:
    # A shift ending at midnight reads "24:00", not "00:00", so it cannot be mistaken for a start.
    if moment.date() > shift_date and moment.hour == 0 and moment.minute == 0:
        return "24:00"
    return f"{moment:%H:%M}"


def shift_text(shift: ShiftAssignment) -> str:
    """`07:30–16:00`: the shift's start and end clock times, as the planner writes them."""
    return f"{shift.start:%H:%M}–{_clock_text(shift.end, shift.date)}"


def roster_order(scenario: Scenario) -> list[Agent]:
    """Agents as the roster lists them: by home office (front, middle, back), team, name, id."""
    office_order = {office: i for i, office in enumerate(Office)}
    return sorted(
        scenario.agents, key=lambda a: (office_order[a.office], a.team.casefold(), a.name.casefold(), a.agent_id)
    )


def paid_hours_by_week(result: ScheduleResult, first_day: dt.date) -> dict[tuple[str, dt.date], float]:
    """(agent id, week start) -> paid hours of the agent's shifts starting in that planning week."""
    paid: dict[tuple[str, dt.date], float] = defaultdict(float)
    for shift in result.shifts:
        paid[shift.agent_id, week_start(shift.date, first_day)] += shift.paid_minutes / 60
    return paid
