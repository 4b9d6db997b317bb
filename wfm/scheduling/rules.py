"""Scheduling rules as plug-ins: each has an id, adds itself to the CP-SAT model and re-checks a finished plan.

The audit never looks at solver variables: it reads the plan (shifts and segments) and the scenario, so it is an
independent verifier of what the model promised. Hard rules report violations; a hard violation is a bug.
Soft terms (coverage shortfall, the cost of overtime and undertime, requests, fairness) live in `objective.py`;
rules enforced by which shift options exist at all (availability, time off, templates, skills) are audited here
too.
"""

from __future__ import annotations

import datetime as dt
import itertools
from collections import defaultdict
from functools import partial
from typing import TYPE_CHECKING, Any

from ortools.sat.python.cp_model import IntVar

from wfm.domain import WEEKDAYS
from wfm.scheduling.pattern_rules import PATTERN_RULES
from wfm.scheduling.problem import (
    AgentData,
    ProblemData,
    horizon_leave_credit_minutes,
    leave_credit_minutes,
    week_limits,
)
from wfm.scheduling.result import ScheduleResult
from wfm.scheduling.rule_base import Rule, Violation, cap_template_shifts, shifts_by_agent

if TYPE_CHECKING:
    from wfm.scheduling.context import ModelContext


class OneShiftPerDay(Rule):
    id = "one_shift_per_day"
    description = "At most one shift starts on each day, and shifts never overlap."

    def add_to_model(self, ctx: ModelContext) -> None:
        for expr in ctx.works.values():
            ctx.model.add(expr <= 1)

    def audit(self, data: ProblemData, plan: ScheduleResult) -> list[Violation]:
        out = []
        for agent_id, shifts in shifts_by_agent(plan).items():
            for before, after in itertools.pairwise(shifts):
                if before.date == after.date or after.start < before.end:
                    out.append(Violation(self.id, agent_id, after.date, "two shifts on one day or overlapping"))
        return out


class WeeklyHours(Rule):
    id = "weekly_hours"
    description = "Paid hours per week (approved leave counted at the contract's daily rate) within min and max."

    def limits(self, data: ProblemData, agent: AgentData) -> str:
        c = agent.contract
        return f"{c.min_hours_week:g}-{c.max_hours_week:g} paid hours a week (contract {c.id})"

    def add_to_model(self, ctx: ModelContext) -> None:
        for a, agent in enumerate(ctx.data.agents):
            for w, days in enumerate(ctx.data.weeks()):
                limits = week_limits(agent.contract, len(days))
                contracted = limits.contracted_minutes
                credit = round(leave_credit_minutes(agent.contract, days, agent.leave_days))
                paid = ctx.paid[a, w]
                ctx.model.add(paid + credit >= round(limits.min_minutes))
                ctx.model.add(paid + credit <= round(limits.max_minutes))
                overtime = ctx.model.new_int_var(0, round(limits.max_overtime_minutes), f"ot_{a}_{w}")
                undertime = ctx.model.new_int_var(0, round(contracted), f"ut_{a}_{w}")
                ctx.model.add(overtime >= paid + credit - round(contracted))
                ctx.model.add(undertime >= round(contracted) - paid - credit)
                ctx.overtime[a, w] = overtime
                ctx.undertime[a, w] = undertime
                ctx.derivations.append(
                    partial(_derive_hours, overtime, undertime, ctx.paid_terms[a, w], credit, round(contracted))
                )

    def audit(self, data: ProblemData, plan: ScheduleResult) -> list[Violation]:
        by_agent = shifts_by_agent(plan)
        out = []
        for agent in data.agents:
            shifts = by_agent.get(agent.agent.agent_id, [])
            for days in data.weeks():
                first, last = data.grid.date_of(days[0]), days[-1]
                paid = sum(s.paid_minutes for s in shifts if 0 <= (s.date - first).days < len(days))
                credit = leave_credit_minutes(agent.contract, days, agent.leave_days)
                limits = week_limits(agent.contract, len(days))
                min_minutes, max_minutes = limits.min_minutes, limits.max_minutes
                total = paid + credit
                if total < min_minutes - 1 or total > max_minutes + 1:
                    out.append(
                        Violation(
                            self.id,
                            agent.agent.agent_id,
                            first,
                            f"{total / 60:.2f} paid hours in the week (allowed {min_minutes / 60:.2f}-"
                            f"{max_minutes / 60:.2f}, day {last})",
                        )
                    )
                overtime = max(0.0, total - limits.contracted_minutes)
                if overtime > limits.max_overtime_minutes + 1:
                    out.append(Violation(self.id, agent.agent.agent_id, first, f"{overtime / 60:.2f} h overtime"))
        return out


def _derive_hours(
    overtime: IntVar,
    undertime: IntVar,
    paid_terms: list[tuple[int, IntVar]],
    credit: int,
    contracted: int,
    values: dict[int, int],
) -> None:
    total = sum(c * values.get(v.index, 0) for c, v in paid_terms) + credit
    values[overtime.index] = max(0, total - contracted)
    values[undertime.index] = max(0, contracted - total)


class DaysOff(Rule):
    id = "days_off"
    description = "Each week leaves the contract's days off (pro rata for a part week)."

    def limits(self, data: ProblemData, agent: AgentData) -> str:
        return f"{agent.contract.days_off_per_week} days off a week"

    def add_to_model(self, ctx: ModelContext) -> None:
        for a, agent in enumerate(ctx.data.agents):
            for days in ctx.data.weeks():
                max_days = week_limits(agent.contract, len(days)).max_days
                ctx.model.add(sum(ctx.works[a, d] for d in days) <= max_days)

    def audit(self, data: ProblemData, plan: ScheduleResult) -> list[Violation]:
        by_agent = shifts_by_agent(plan)
        out = []
        for agent in data.agents:
            worked = {(s.date - data.grid.origin.date()).days for s in by_agent.get(agent.agent.agent_id, [])}
            for days in data.weeks():
                max_days = week_limits(agent.contract, len(days)).max_days
                if len(worked & set(days)) > max_days:
                    out.append(
                        Violation(self.id, agent.agent.agent_id, None, f"works more than {max_days} days in a week")
                    )
        return out


class MinRest(Rule):
    id = "min_rest"
    description = "At least rules.min_rest_hours between the end of one shift and the start of the next."

    def limits(self, data: ProblemData, agent: AgentData) -> str:
        return f"{data.scenario.site.rules.min_rest_hours:g} h rest between shifts"

    def add_to_model(self, ctx: ModelContext) -> None:
        rest = round(ctx.data.scenario.site.rules.min_rest_hours * 60 / ctx.data.grid.interval_minutes)
        for a, agent in enumerate(ctx.data.agents):
            by_day: dict[int, list[int]] = defaultdict(list)
            for o, option in enumerate(agent.options):
                by_day[option.day].append(o)
            for day, today in by_day.items():
                tomorrow = by_day.get(day + 1, [])
                # One row per distinct end time e: any shift today ending at or after e excludes any shift
                # tomorrow starting before e + rest. At most one shift a day, so the row is a valid clique; it
                # bans only the successors that really are too early (not every successor).
                for end in sorted({agent.options[o].end for o in today}):
                    late_today = [ctx.x[a, o] for o in today if agent.options[o].end >= end]
                    early_tomorrow = [ctx.x[a, o] for o in tomorrow if agent.options[o].start < end + rest]
                    if early_tomorrow:
                        ctx.model.add(sum(late_today) + sum(early_tomorrow) <= 1)

    def audit(self, data: ProblemData, plan: ScheduleResult) -> list[Violation]:
        rest = dt.timedelta(hours=data.scenario.site.rules.min_rest_hours)
        previous = defaultdict(list)
        for p in data.scenario.previous_shifts:
            previous[p.agent_id].append(p.end)
        out = []
        for agent_id, shifts in shifts_by_agent(plan).items():
            ends = sorted(previous.get(agent_id, []))
            last_end = ends[-1] if ends else None
            for shift in shifts:
                if last_end is not None and shift.start - last_end < rest:
                    gap = (shift.start - last_end).total_seconds() / 3600
                    out.append(Violation(self.id, agent_id, shift.date, f"only {gap:.1f} h rest before this shift"))
                last_end = shift.end
        return out


class MaxConsecutiveDays(Rule):
    id = "max_consecutive_days"
    description = "No more than the contract's max_consecutive_days in a row, counting days worked before."

    def limits(self, data: ProblemData, agent: AgentData) -> str:
        return f"at most {agent.contract.max_consecutive_days} working day(s) in a row, counting last week's"

    def add_to_model(self, ctx: ModelContext) -> None:
        for a, agent in enumerate(ctx.data.agents):
            limit = agent.contract.max_consecutive_days
            for first in range(-limit, ctx.data.grid.days - limit):
                window = range(first, first + limit + 1)
                before = sum(1 for d in window if d < 0 and d in agent.previous_work_days)
                inside = [ctx.works[a, d] for d in window if d >= 0]
                if inside and before + len(inside) > limit:
                    ctx.model.add(sum(inside) <= limit - before)

    def audit(self, data: ProblemData, plan: ScheduleResult) -> list[Violation]:
        by_agent = shifts_by_agent(plan)
        out = []
        for agent in data.agents:
            days = {(s.date - data.grid.origin.date()).days for s in by_agent.get(agent.agent.agent_id, [])}
            days |= set(agent.previous_work_days)
            run = 0
            for day in range(min(days, default=0), data.grid.days):
                run = run + 1 if day in days else 0
                if run > agent.contract.max_consecutive_days:
                    out.append(Violation(self.id, agent.agent.agent_id, None, f"{run} consecutive working days"))
                    break
        return out


def _weekday_name(data: ProblemData, day: int) -> str:
    return WEEKDAYS[data.grid.date_of(day).weekday()]


def _days_worked(data: ProblemData, plan: ScheduleResult) -> dict[str, set[int]]:
    """Day indexes each agent starts a shift on."""
    out: dict[str, set[int]] = defaultdict(set)
    for shift in plan.shifts:
        out[shift.agent_id].add((shift.date - data.grid.origin.date()).days)
    return out


class FixedDaysOff(Rule):
    id = "fixed_days_off"
    description = "Never work on the contract's fixed_days_off weekdays."

    def limits(self, data: ProblemData, agent: AgentData) -> str:
        return f"always off on {', '.join(agent.contract.fixed_days_off)}"

    def add_to_model(self, ctx: ModelContext) -> None:
        for a, agent in enumerate(ctx.data.agents):
            for day in range(ctx.data.grid.days):
                if _weekday_name(ctx.data, day) in agent.contract.fixed_days_off:
                    ctx.model.add(ctx.works[a, day] == 0)

    def audit(self, data: ProblemData, plan: ScheduleResult) -> list[Violation]:
        contracts = {agent.agent.agent_id: agent.contract for agent in data.agents}
        return [
            Violation(self.id, s.agent_id, s.date, f"works on a fixed day off ({_weekday_name(data, day)})")
            for s in plan.shifts
            if (day := (s.date - data.grid.origin.date()).days) >= 0
            and _weekday_name(data, day) in contracts[s.agent_id].fixed_days_off
        ]


class PublishedDays(Rule):
    id = "published_days"
    description = "A published day in the freeze window is worked exactly as published (its one shift option)."

    def limits(self, data: ProblemData, agent: AgentData) -> str:
        days = ", ".join(f"{data.grid.date_of(d):%a %d}" for d in sorted(agent.published_days))
        return f"published shifts kept on {days or 'no day'}"

    def add_to_model(self, ctx: ModelContext) -> None:
        for a, agent in enumerate(ctx.data.agents):
            for day in agent.published_days:
                ctx.model.add(ctx.works[a, day] == 1)

    def audit(self, data: ProblemData, plan: ScheduleResult) -> list[Violation]:
        worked = {(s.agent_id, s.date) for s in plan.shifts}
        return [
            Violation(self.id, agent.agent.agent_id, day_date, "does not work the published shift of this day")
            for agent in data.agents
            for day in agent.published_days
            if (agent.agent.agent_id, day_date := data.grid.date_of(day)) not in worked
        ]


def _weekends(data: ProblemData) -> list[list[int]]:
    """Day indexes of each weekend (its Saturday and Sunday) that falls in the horizon, even in part."""
    out: dict[int, list[int]] = defaultdict(list)
    for day in range(data.grid.days):
        date = data.grid.date_of(day)
        if date.weekday() >= 5:
            out[(date - dt.timedelta(days=date.weekday() - 5)).toordinal()].append(day)
    return list(out.values())


class MaxWeekends(Rule):
    id = "max_weekends"
    description = "No more weekends worked (a Saturday or a Sunday) over the horizon than the contract's max_weekends."

    def limits(self, data: ProblemData, agent: AgentData) -> str:
        return f"at most {agent.contract.max_weekends} weekend(s) worked in the horizon"

    def add_to_model(self, ctx: ModelContext) -> None:
        weekends = _weekends(ctx.data)
        for a, agent in enumerate(ctx.data.agents):
            limit = agent.contract.max_weekends
            if limit is None or limit >= len(weekends):
                continue
            worked = []
            for k, days in enumerate(weekends):
                flag = ctx.model.new_bool_var(f"we_{a}_{k}")
                for day in days:
                    ctx.model.add(flag >= ctx.works[a, day])
                shifts = [ctx.x[a, o] for o, option in enumerate(agent.options) if option.day in days]
                ctx.derivations.append(partial(_derive_any, flag, shifts))
                worked.append(flag)
            ctx.model.add(sum(worked) <= limit)

    def audit(self, data: ProblemData, plan: ScheduleResult) -> list[Violation]:
        worked = _days_worked(data, plan)
        out = []
        for agent in data.agents:
            limit = agent.contract.max_weekends
            days = worked.get(agent.agent.agent_id, set())
            count = sum(1 for weekend in _weekends(data) if days & set(weekend))
            if limit is not None and count > limit:
                out.append(Violation(self.id, agent.agent.agent_id, None, f"works {count} weekends (max {limit})"))
        return out


def _forbid_short_stretches(ctx: ModelContext, a: int, shortest: int, worked: bool) -> None:
    """No stretch of 1..shortest-1 days that are `worked` (or off) between two days of the other kind.

    Each pattern [other, kind x L, other] is one clause: the sum of its literals (works, or 1 - works for a day
    off) stays below its length. A stretch touching the horizon's edges is not judged: the days beyond are not
    planned here.
    """
    days = ctx.data.grid.days
    for length in range(1, shortest):
        for first in range(0, days - length - 1):
            pattern = [not worked] + [worked] * length + [not worked]
            literals: Any = sum(
                ctx.works[a, first + i] if on else 1 - ctx.works[a, first + i] for i, on in enumerate(pattern)
            )
            ctx.model.add(literals <= len(pattern) - 1)


def _short_stretches(worked: set[int], days: int, of_work: bool, shortest: int) -> list[tuple[int, int]]:
    """(first day, length) of each maximal stretch of worked days (or days off) shorter than `shortest` that has a
    day of the other kind inside the horizon on both sides."""
    out = []
    day = 0
    while day < days:
        if (day in worked) != of_work:
            day += 1
            continue
        first = day
        while day < days and (day in worked) == of_work:
            day += 1
        if first > 0 and day < days and day - first < shortest:
            out.append((first, day - first))
    return out


class MinConsecutiveDaysOff(Rule):
    id = "min_consecutive_days_off"
    description = "A stretch of days off between two working days lasts at least min_consecutive_days_off days."

    def limits(self, data: ProblemData, agent: AgentData) -> str:
        return f"days off come at least {agent.contract.min_consecutive_days_off} in a row"

    def add_to_model(self, ctx: ModelContext) -> None:
        for a, agent in enumerate(ctx.data.agents):
            _forbid_short_stretches(ctx, a, agent.contract.min_consecutive_days_off, worked=False)

    def audit(self, data: ProblemData, plan: ScheduleResult) -> list[Violation]:
        worked = _days_worked(data, plan)
        out = []
        for agent in data.agents:
            shortest = agent.contract.min_consecutive_days_off
            days = worked.get(agent.agent.agent_id, set())
            for first, length in _short_stretches(days, data.grid.days, of_work=False, shortest=shortest):
                date = data.grid.date_of(first)
                message = f"only {length} day(s) off in a row (min {shortest})"
                out.append(Violation(self.id, agent.agent.agent_id, date, message))
        return out


class MinConsecutiveDays(Rule):
    id = "min_consecutive_days"
    description = "A stretch of working days between two days off lasts at least min_consecutive_days days."

    def limits(self, data: ProblemData, agent: AgentData) -> str:
        return f"working days come at least {agent.contract.min_consecutive_days} in a row"

    def add_to_model(self, ctx: ModelContext) -> None:
        for a, agent in enumerate(ctx.data.agents):
            _forbid_short_stretches(ctx, a, agent.contract.min_consecutive_days, worked=True)

    def audit(self, data: ProblemData, plan: ScheduleResult) -> list[Violation]:
        worked = _days_worked(data, plan)
        out = []
        for agent in data.agents:
            shortest = agent.contract.min_consecutive_days
            days = worked.get(agent.agent.agent_id, set())
            for first, length in _short_stretches(days, data.grid.days, of_work=True, shortest=shortest):
                date = data.grid.date_of(first)
                message = f"only {length} working day(s) in a row (min {shortest})"
                out.append(Violation(self.id, agent.agent.agent_id, date, message))
        return out


class HorizonHours(Rule):
    id = "horizon_hours"
    description = "Paid hours over the whole horizon (leave counted as in weekly_hours) within the contract's limits."

    def limits(self, data: ProblemData, agent: AgentData) -> str:
        c = agent.contract
        low = "0" if c.min_hours_horizon is None else f"{c.min_hours_horizon:g}"
        high = "any" if c.max_hours_horizon is None else f"{c.max_hours_horizon:g}"
        return f"{low}-{high} paid hours over the horizon"

    def add_to_model(self, ctx: ModelContext) -> None:
        for a, agent in enumerate(ctx.data.agents):
            c = agent.contract
            if c.min_hours_horizon is None and c.max_hours_horizon is None:
                continue
            credit = round(horizon_leave_credit_minutes(c, ctx.data.weeks(), agent.leave_days))
            paid: Any = sum(ctx.paid[a, w] for w in range(len(ctx.data.weeks())))
            if c.min_hours_horizon is not None:
                ctx.model.add(paid + credit >= round(c.min_hours_horizon * 60))
            if c.max_hours_horizon is not None:
                ctx.model.add(paid + credit <= round(c.max_hours_horizon * 60))

    def audit(self, data: ProblemData, plan: ScheduleResult) -> list[Violation]:
        paid: dict[str, int] = defaultdict(int)
        for shift in plan.shifts:
            paid[shift.agent_id] += shift.paid_minutes
        out = []
        for agent in data.agents:
            c = agent.contract
            total = (paid[agent.agent.agent_id] + horizon_leave_credit_minutes(c, data.weeks(), agent.leave_days)) / 60
            low = c.min_hours_horizon if c.min_hours_horizon is not None else 0.0
            high = c.max_hours_horizon if c.max_hours_horizon is not None else float("inf")
            if total < low - 0.02 or total > high + 0.02:
                out.append(Violation(self.id, agent.agent.agent_id, None, f"{total:.2f} paid hours over the horizon"))
        return out


class MaxShiftsPerWeek(Rule):
    id = "max_shifts_per_week"
    description = "No more shifts of a template in a week than the contract's max_shifts_per_week allows."

    def limits(self, data: ProblemData, agent: AgentData) -> str:
        caps = ", ".join(f"{t} at most {n}" for t, n in agent.contract.max_shifts_per_week.items())
        return f"shifts a week: {caps}"

    def add_to_model(self, ctx: ModelContext) -> None:
        cap_template_shifts(ctx, lambda contract: contract.max_shifts_per_week, ctx.data.weeks())

    def audit(self, data: ProblemData, plan: ScheduleResult) -> list[Violation]:
        contracts = {agent.agent.agent_id: agent.contract for agent in data.agents}
        counts: dict[tuple[str, str, int], int] = defaultdict(int)
        for shift in plan.shifts:
            counts[shift.agent_id, shift.template_id, (shift.date - data.grid.origin.date()).days // 7] += 1
        return [
            Violation(self.id, agent_id, None, f"{count} {template_id} shifts in week {week + 1} (max {cap})")
            for (agent_id, template_id, week), count in sorted(counts.items())
            if (cap := contracts[agent_id].max_shifts_per_week.get(template_id)) is not None and count > cap
        ]


def _derive_any(flag: IntVar, shifts: list[IntVar], values: dict[int, int]) -> None:
    values[flag.index] = int(any(values.get(x.index, 0) for x in shifts))


class FixedActivities(Rule):
    id = "fixed_activities"
    description = "Training and meetings happen inside a worked shift, off the queues."

    def add_to_model(self, ctx: ModelContext) -> None:
        for a, agent in enumerate(ctx.data.agents):
            for start, end, _ in agent.activities:
                covering = [ctx.x[a, o] for o, opt in enumerate(agent.options) if opt.covers(start, end)]
                ctx.model.add(sum(covering) == 1)

    def audit(self, data: ProblemData, plan: ScheduleResult) -> list[Violation]:
        by_agent = shifts_by_agent(plan)
        out = []
        for activity in data.scenario.fixed_activities:
            if activity.end <= data.grid.origin or activity.start >= data.grid.start_of(data.grid.size):
                continue
            shifts = by_agent.get(activity.agent_id, [])
            if not any(s.start <= activity.start and activity.end <= s.end for s in shifts):
                out.append(
                    Violation(
                        self.id,
                        activity.agent_id,
                        activity.start.date(),
                        f"{activity.activity} not in a shift",
                    )
                )
        return out


class ShiftShapes(Rule):
    id = "shift_shapes"
    description = "Every shift is one of the contract's templates at an allowed start, within max hours a day."

    def audit(self, data: ProblemData, plan: ScheduleResult) -> list[Violation]:
        site = data.scenario.site
        out = []
        for shift in plan.shifts:
            agent = data.scenario.agent_by_id[shift.agent_id]
            contract = site.contract_by_id[agent.contract]
            template = site.template_by_id.get(shift.template_id)
            minute = shift.start.hour * 60 + shift.start.minute
            ok = (
                template is not None
                and shift.template_id in contract.shift_templates
                and minute in template.start_minutes
                and shift.end - shift.start == dt.timedelta(minutes=template.length_minutes)
                and template.paid_minutes <= contract.max_hours_day * 60
            )
            if not ok:
                out.append(Violation(self.id, shift.agent_id, shift.date, f"shift {shift.template_id} not allowed"))
        return out


class AvailabilityAndLeave(Rule):
    id = "availability"
    description = "Shifts lie inside availability windows and never overlap approved time off."

    def audit(self, data: ProblemData, plan: ScheduleResult) -> list[Violation]:
        options = {
            (agent.agent.agent_id, data.grid.start_of(o.start), data.grid.start_of(o.end))
            for agent in data.agents
            for o in agent.options
        }
        out = []
        time_off = defaultdict(list)
        for t in data.scenario.time_off:
            time_off[t.agent_id].append(t)
        for shift in plan.shifts:
            for absence in time_off.get(shift.agent_id, []):
                if shift.start < absence.end and absence.start < shift.end:
                    out.append(Violation(self.id, shift.agent_id, shift.date, f"shift overlaps {absence.reason}"))
            if (shift.agent_id, shift.start, shift.end) not in options:
                out.append(Violation(self.id, shift.agent_id, shift.date, "shift outside availability"))
        return out


class WorkInsideShifts(Rule):
    id = "work_inside_shifts"
    description = (
        "Queue work only on skilled queues, only while the queue is open, only inside a shift, "
        "and each shift's breaks taken inside their windows."
    )

    def audit(self, data: ProblemData, plan: ScheduleResult) -> list[Violation]:
        site = data.scenario.site
        skills = {(s.agent_id, s.queue) for s in data.scenario.skills}
        by_agent = shifts_by_agent(plan)
        out = []
        for segment in plan.segments:
            if segment.activity == "time_off":
                continue
            shifts = by_agent.get(segment.agent_id, [])
            shift = next((s for s in shifts if s.start <= segment.start and segment.end <= s.end), None)
            if shift is None:
                out.append(Violation(self.id, segment.agent_id, segment.start.date(), "activity outside a shift"))
                continue
            if segment.activity == "work":
                queue = site.queue_by_id.get(segment.queue or "")
                if (segment.agent_id, segment.queue) not in skills or queue is None:
                    out.append(Violation(self.id, segment.agent_id, shift.date, f"not skilled for {segment.queue}"))
                elif not queue.is_open(segment.start):
                    out.append(Violation(self.id, segment.agent_id, shift.date, f"{queue.id} closed"))
        for agent_id, shifts in by_agent.items():
            breaks = [s for s in plan.segments if s.agent_id == agent_id and s.activity in ("break", "lunch")]
            for shift in shifts:
                template = site.template_by_id[shift.template_id]
                inside = [b for b in breaks if shift.start <= b.start < shift.end]
                taken = sum((b.end - b.start).total_seconds() / 60 for b in inside)
                needed = sum(r.minutes for r in template.breaks)
                if taken + 1e-6 < needed:
                    out.append(Violation(self.id, agent_id, shift.date, f"{taken:.0f} of {needed} break minutes"))
        return out


HARD_RULES: tuple[Rule, ...] = (
    OneShiftPerDay(),
    WeeklyHours(),
    DaysOff(),
    MinRest(),
    MaxConsecutiveDays(),
    FixedDaysOff(),
    PublishedDays(),
    MaxWeekends(),
    MinConsecutiveDaysOff(),
    MinConsecutiveDays(),
    MaxShiftsPerWeek(),
    HorizonHours(),
    FixedActivities(),
    ShiftShapes(),
    AvailabilityAndLeave(),
    WorkInsideShifts(),
    *PATTERN_RULES,
)


def audit_plan(data: ProblemData, plan: ScheduleResult) -> list[Violation]:
    """Re-check every hard rule on a finished plan, the activity rules (stints, queue changes) included. An
    empty list means the plan keeps all of them."""
    # imported here: the activity rules build on this module's Rule
    from wfm.scheduling.activity_rules import ACTIVITY_RULES

    return [v for rule in (*HARD_RULES, *ACTIVITY_RULES) for v in rule.audit(data, plan)]


__all__ = ["HARD_RULES", "Rule", "Violation", "audit_plan"]
