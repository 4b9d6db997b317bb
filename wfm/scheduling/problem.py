"""Compile a scenario and its requirements into the immutable data the CP-SAT model reads.

Times become integer interval indexes on one grid that starts at the horizon's first midnight, so an overnight
shift simply runs into the next day's intervals (it belongs to them, not to the day it started on).
"""

from __future__ import annotations

import datetime as dt
import math
from collections import defaultdict
from collections.abc import Collection, Sequence
from dataclasses import dataclass, field
from typing import NamedTuple

import numpy as np
import pandas as pd

from wfm.domain import (
    Agent,
    BreakRule,
    Contract,
    Queue,
    QueueKind,
    Scenario,
    ShiftRequirement,
    ShiftTemplate,
    Site,
    parse_clock,
)
from wfm.staffing import grid_open_mask, service_table


@dataclass(frozen=True)
class TimeGrid:
    """The horizon's intervals: index t covers [origin + t*interval, origin + (t+1)*interval)."""

    origin: dt.datetime
    interval_minutes: int
    days: int

    @property
    def per_day(self) -> int:
        return 24 * 60 // self.interval_minutes

    @property
    def size(self) -> int:
        return self.days * self.per_day

    def start_of(self, index: int) -> dt.datetime:
        return self.origin + dt.timedelta(minutes=index * self.interval_minutes)

    def date_of(self, day: int) -> dt.date:
        """The date of horizon day `day` (0 = the first)."""
        return self.origin.date() + dt.timedelta(days=day)

    def index_of(self, moment: dt.datetime) -> int:
        """Index of the interval containing `moment` (may be negative or >= size: outside the horizon)."""
        minutes = (moment - self.origin).total_seconds() / 60
        return math.floor(minutes / self.interval_minutes)

    def index_ceil(self, moment: dt.datetime) -> int:
        minutes = (moment - self.origin).total_seconds() / 60
        return math.ceil(minutes / self.interval_minutes)

    def starts(self) -> pd.DatetimeIndex:
        return pd.date_range(self.origin, periods=self.size, freq=f"{self.interval_minutes}min")


@dataclass(frozen=True)
class ShiftOption:
    """One way an agent can work one day: a template started at one time. [start, end) in grid indexes."""

    day: int
    template_id: str
    start: int
    end: int
    paid_minutes: int

    def covers(self, first: int, last_exclusive: int) -> bool:
        return self.start <= first and last_exclusive <= self.end


@dataclass(frozen=True)
class AgentData:
    agent: Agent
    contract: Contract
    # queue id -> proficiency, only queues the agent is skilled for and the site knows
    proficiency: dict[str, float]
    options: tuple[ShiftOption, ...]
    # Day indexes an approved absence takes out whole; they count towards contracted hours (paid leave).
    leave_days: frozenset[int]
    # Fixed activities as grid ranges [start, end) with their names; a chosen shift must contain each.
    activities: tuple[tuple[int, int, str], ...]
    # Days worked just before the horizon (negative day indexes) and the last previous shift's end index.
    previous_work_days: frozenset[int]
    previous_end: int | None
    # Days whose one remaining option is a published shift that must be worked (wfm.scheduling.freeze).
    published_days: frozenset[int] = frozenset()
    # Breaks already taken in an intraday re-plan: (day, break rule index in the template, offset in the shift)
    # of each, kept where it was (wfm.scheduling.freeze, `FrozenDays.until`).
    taken_breaks: tuple[tuple[int, int, int], ...] = ()
    # ... and of each published break not taken yet: the break model would rather leave it there.
    published_breaks: tuple[tuple[int, int, int], ...] = ()


@dataclass(frozen=True)
class QueueDemand:
    queue: Queue
    # Live: required agents per interval (Erlang C, shrinkage included).
    required_agents: np.ndarray
    # Deferred: cumulative work-minutes (at proficiency 1) arrived by the end of each interval, and due by it.
    cumulative_arrival_minutes: np.ndarray
    cumulative_due_minutes: np.ndarray
    # Interval indexes in which the queue is open (can be worked or takes calls).
    open_mask: np.ndarray
    # Live: contacts forecast per interval, and per open interval with volume the concave table of contacts
    # answered within target for 0, 1, ..., N attending agents (wfm.staffing.service_table; None elsewhere).
    volume: np.ndarray = field(default_factory=lambda: np.zeros(0))
    service: tuple[np.ndarray | None, ...] = ()
    # Share of scheduled staff expected to turn up (1 - unplanned shrinkage): the tables are in attending agents.
    attendance: float = 1.0
    # Deferred: the flattest staffing (agents at proficiency 1) that meets every deadline (requirements.csv
    # capacity_agents); the warm start aims at it. Empty when the requirements do not carry it.
    capacity_agents: np.ndarray = field(default_factory=lambda: np.zeros(0))


@dataclass(frozen=True)
class AgentConflict:
    """One agent's own rules that cannot all hold, found before solving (the night settles these for the one
    agent instead of stopping the plan for everybody: `wfm.scheduling.conflicts`)."""

    agent_id: str
    text: str
    # a fixed activity (grid range and name) that no shift the agent may work can hold
    activity: tuple[int, int, str] | None = None
    # a week (index from the horizon start) whose minimum paid hours cannot be reached, and the most that can
    week: int | None = None
    reachable_minutes: float | None = None


@dataclass(frozen=True)
class ProblemData:
    scenario: Scenario
    grid: TimeGrid
    agents: tuple[AgentData, ...]
    demand: dict[str, QueueDemand]
    block_intervals: int
    problems: tuple[str, ...] = field(default_factory=tuple)  # explanations of obvious infeasibility
    conflicts: tuple[AgentConflict, ...] = ()  # those of `problems` that concern one agent alone
    # Intraday re-plan: the interval from which a shift under way may change; its breaks not yet taken go at or
    # after it (wfm.scheduling.freeze). None: a plan made ahead.
    replan_from: int | None = None
    replan_until: int | None = None  # ... and the interval where the re-planned day ends (midnight)

    def weeks(self) -> list[list[int]]:
        """Day indexes grouped into 7-day weeks from the horizon start (the last one may be partial)."""
        days = list(range(self.grid.days))
        return [days[i : i + 7] for i in range(0, len(days), 7)]

    def shift_requirements(self) -> list[tuple[int, ShiftRequirement]]:
        """Each shift_requirements.csv line inside the horizon, with its day index."""
        origin = self.grid.origin.date()
        lines = [((r.date - origin).days, r) for r in self.scenario.shift_requirements]
        return [(day, r) for day, r in lines if 0 <= day < self.grid.days]


def _absolute_windows(scenario: Scenario, agent_id: str, grid: TimeGrid) -> list[tuple[int, int]] | None:
    """Availability as merged absolute minute ranges over the horizon (+1 day for overnight shifts).

    None means no availability rows: always available.
    """
    rows = [w for w in scenario.availability if w.agent_id == agent_id]
    if not rows:
        return None
    ranges: list[tuple[int, int]] = []
    for day in range(-1, grid.days + 1):
        date = grid.date_of(day)
        dated = [w for w in rows if w.date == date]
        todays = dated or [w for w in rows if w.date is None and w.weekday == date.weekday()]
        ranges.extend((day * 1440 + w.start_minute, day * 1440 + w.end_minute) for w in todays)
    ranges.sort()
    merged: list[tuple[int, int]] = []
    for start, end in ranges:
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        else:
            merged.append((start, end))
    return merged


def _template_options(template: ShiftTemplate, day: int, grid: TimeGrid, max_paid_minutes: float) -> list[ShiftOption]:
    if template.paid_minutes > max_paid_minutes:
        return []
    out = []
    for start_minute in template.start_minutes:
        if start_minute % grid.interval_minutes or template.length_minutes % grid.interval_minutes:
            continue  # off the grid: reported by the pre-check, never silently rounded
        start = day * grid.per_day + start_minute // grid.interval_minutes
        out.append(
            ShiftOption(
                day=day,
                template_id=template.id,
                start=start,
                end=start + template.length_minutes // grid.interval_minutes,
                paid_minutes=template.paid_minutes,
            )
        )
    return out


# The service tables reach this far beyond the staff the requirement buys (attending agents): past it, another
# agent adds almost nothing, and the tables stay small. Never more than SERVICE_MAX_AGENTS rows.
SERVICE_HEADROOM = 1.5
SERVICE_MAX_AGENTS = 500


def _service_tables(
    queue: Queue, volume: np.ndarray, aht: np.ndarray, required: np.ndarray, attendance: float, grid: TimeGrid
) -> tuple[np.ndarray | None, ...]:
    """Per interval, contacts answered within target for 0..N attending agents (None: nothing to answer)."""
    busy = np.flatnonzero(volume > 0)
    if queue.kind is not QueueKind.LIVE or not busy.size:
        return (None,) * grid.size
    assert queue.answer_seconds is not None
    top = min(SERVICE_MAX_AGENTS, math.ceil(SERVICE_HEADROOM * float(required.max()) * attendance) + 5)
    table = service_table(
        volume[busy],
        np.where(aht[busy] > 0, aht[busy], 1.0),
        grid.interval_minutes * 60,
        queue.answer_seconds,
        top,
        concurrency=queue.concurrency,
        patience_seconds=np.inf if queue.patience_seconds is None else queue.patience_seconds,
    )
    rows: list[np.ndarray | None] = [None] * grid.size
    for row, t in enumerate(busy):
        rows[t] = table.answered[row]
    return tuple(rows)


def _requirements_arrays(
    requirements: pd.DataFrame | None, queue: Queue, grid: TimeGrid
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """required agents, cumulative arrival and due work-minutes, volume, AHT and the deferred capacity profile
    (capacity_agents, zeros when absent) per interval of the grid."""
    if requirements is None:  # checking rules only (wfm validate): no demand yet
        return (np.zeros(grid.size),) * 6
    rows = requirements[requirements["queue"] == queue.id]
    index = (
        (
            (pd.to_datetime(rows["interval_start"]) - pd.Timestamp(grid.origin))
            / pd.Timedelta(minutes=grid.interval_minutes)
        )
        .astype(int)
        .to_numpy()
    )
    keep = (index >= 0) & (index < grid.size)
    required = np.zeros(grid.size)
    arrival = np.zeros(grid.size)
    due = np.zeros(grid.size)
    volume = np.zeros(grid.size)
    aht = np.zeros(grid.size)
    required[index[keep]] = rows["required_agents"].to_numpy(dtype=float)[keep]
    volume[index[keep]] = np.nan_to_num(rows["volume"].to_numpy(dtype=float)[keep])
    aht[index[keep]] = np.nan_to_num(rows["aht_seconds"].to_numpy(dtype=float)[keep])
    capacity = np.zeros(grid.size)
    if queue.kind is QueueKind.DEFERRED:
        arrival[index[keep]] = rows["arrival_work_minutes"].to_numpy(dtype=float)[keep]
        due[index[keep]] = rows["due_work_minutes"].to_numpy(dtype=float)[keep]
        if "capacity_agents" in rows.columns:
            capacity[index[keep]] = np.nan_to_num(rows["capacity_agents"].to_numpy(dtype=float)[keep])
    return required, np.cumsum(arrival), np.cumsum(due), volume, aht, capacity


def is_late_shift(site: Site, date: dt.date, end: dt.datetime) -> bool:
    """A shift starting on `date` is late when it ends after rules.late_shift_after on that day, or past midnight
    (fairness in the model and in the KPIs)."""
    minutes = (end - dt.datetime.combine(date, dt.time())).total_seconds() / 60
    return minutes > parse_clock(site.rules.late_shift_after)


def build_problem(scenario: Scenario, requirements: pd.DataFrame | None) -> ProblemData:
    site = scenario.site
    grid = horizon_grid(site)
    problems: list[str] = []

    for template in site.shift_templates:
        off_grid = [s for s in template.start_times if parse_clock(s) % site.interval_minutes]
        if off_grid or template.length_minutes % site.interval_minutes:
            problems.append(
                f"shift template {template.id!r}: start times {off_grid or template.start_times} and length "
                f"{template.length_minutes} min must fall on the {site.interval_minutes}-minute interval grid"
            )

    starts = grid.starts()
    demand: dict[str, QueueDemand] = {}
    for queue in site.queues:
        required, cumulative_arrival, cumulative_due, volume, aht, capacity = _requirements_arrays(
            requirements, queue, grid
        )
        open_mask = grid_open_mask(starts, queue, grid.interval_minutes)
        volume = np.where(open_mask, volume, 0.0)  # nobody may answer a closed queue: no service to buy there
        attendance = 1.0 - (queue.shrinkage if queue.shrinkage is not None else site.shrinkage)
        demand[queue.id] = QueueDemand(
            queue,
            required,
            cumulative_arrival,
            cumulative_due,
            open_mask,
            volume=volume,
            service=_service_tables(queue, volume, aht, required, attendance, grid),
            attendance=attendance,
            capacity_agents=capacity,
        )

    agents = [agent_data(scenario, agent, grid) for agent in scenario.agents]
    conflicts = [conflict for agent in agents for conflict in check_agent(agent, grid)]
    problems += [c.text for c in conflicts]
    block = site.rules.block_minutes // site.interval_minutes
    return ProblemData(scenario, grid, tuple(agents), demand, block, tuple(problems), tuple(conflicts))


def horizon_grid(site: Site) -> TimeGrid:
    return TimeGrid(
        origin=dt.datetime.combine(site.horizon.start, dt.time()),
        interval_minutes=site.interval_minutes,
        days=site.horizon.days,
    )


def agent_contract(site: Site, agent: Agent) -> Contract:
    """The agent's contract, with their own lower weekly minimum if they have one (`Agent.min_hours_week`)."""
    contract = site.contract_by_id[agent.contract]
    if agent.min_hours_week is not None and agent.min_hours_week < contract.min_hours_week:
        return contract.model_copy(update={"min_hours_week": agent.min_hours_week})
    return contract


def agent_data(scenario: Scenario, agent: Agent, grid: TimeGrid) -> AgentData:
    """One agent's shift options (contract templates within availability, time off, rest after the previous
    shifts, fixed activities) and the rest of what the model needs about them."""
    site = scenario.site
    contract = agent_contract(site, agent)
    proficiency = {
        s.queue: s.proficiency for s in scenario.skills_by_agent.get(agent.agent_id, ()) if s.queue in site.queue_by_id
    }
    windows = _absolute_windows(scenario, agent.agent_id, grid)
    absences = [
        (grid.index_of(t.start), grid.index_ceil(t.end), t.paid)
        for t in scenario.time_off
        if t.agent_id == agent.agent_id
    ]
    activities = tuple(
        (grid.index_of(f.start), grid.index_ceil(f.end), f.activity)
        for f in scenario.fixed_activities
        if f.agent_id == agent.agent_id and grid.index_ceil(f.end) > 0 and grid.index_of(f.start) < grid.size
    )
    previous = [p for p in scenario.previous_shifts if p.agent_id == agent.agent_id]
    previous_end = max((grid.index_ceil(p.end) for p in previous), default=None)
    previous_days = frozenset((p.start.date() - site.horizon.start).days for p in previous)
    rest = int(site.rules.min_rest_hours * 60 // grid.interval_minutes)

    options: list[ShiftOption] = []
    leave_days: set[int] = set()
    for day in range(grid.days):
        day_start, day_end = day * grid.per_day, (day + 1) * grid.per_day
        whole = [paid for start, end, paid in absences if start <= day_start and end >= day_end]
        if whole:
            if any(whole):  # paid leave counts towards the hours; an unpaid day off does not
                leave_days.add(day)
            continue
        for template_id in contract.shift_templates:
            template = site.template_by_id[template_id]
            for option in _template_options(template, day, grid, contract.max_hours_day * 60):
                if any(option.start < end and start < option.end for start, end, _ in absences):
                    continue
                if windows is not None and not _inside(option, windows, grid):
                    continue
                if previous_end is not None and option.start < previous_end + rest:
                    continue
                # A fixed activity must lie wholly inside the shift or wholly outside it.
                if any(
                    option.start < end and start < option.end and not option.covers(start, end)
                    for start, end, _ in activities
                ):
                    continue
                if not _breaks_fit(option, template, activities, grid):
                    continue
                options.append(option)
    return AgentData(
        agent=agent,
        contract=contract,
        proficiency=proficiency,
        options=tuple(options),
        leave_days=frozenset(leave_days),
        activities=activities,
        previous_work_days=previous_days,
        previous_end=previous_end,
    )


def check_agent(agent: AgentData, grid: TimeGrid) -> list[AgentConflict]:
    """What makes this agent's week impossible whatever the others do, found from their options alone."""
    conflicts = []
    agent_id = agent.agent.agent_id
    for start, end, name in agent.activities:
        if not any(o.covers(start, end) for o in agent.options):
            text = (
                f"agent {agent_id}: {name} {grid.start_of(start):%a %d %b %H:%M}-{grid.start_of(end):%H:%M} "
                "lies outside every shift this agent may work (contract templates, availability, time off)"
            )
            conflicts.append(AgentConflict(agent_id, text, activity=(start, end, name)))
    _check_hours(agent.agent, agent.contract, agent.options, agent.leave_days, grid, conflicts)
    return conflicts


def break_window(rule: BreakRule, interval_minutes: int) -> tuple[int, int, int]:
    """A break's width in intervals and the first and last interval (offsets from shift start) it may begin at."""
    return (
        math.ceil(rule.minutes / interval_minutes),
        math.ceil(rule.earliest_after_minutes / interval_minutes),
        rule.latest_after_minutes // interval_minutes,
    )


def _breaks_fit(
    option: ShiftOption, template: ShiftTemplate, activities: tuple[tuple[int, int, str], ...], grid: TimeGrid
) -> bool:
    """Every break of the shift still has a slot in its window once fixed activities are in place."""
    busy = {t for start, end, _ in activities for t in range(max(start, option.start), min(end, option.end))}
    if not busy:
        return True
    for rule in template.breaks:
        width, earliest, latest = break_window(rule, grid.interval_minutes)
        first, last = option.start + earliest, option.start + latest
        slot = next((p for p in range(first, last + 1) if not busy & set(range(p, p + width))), None)
        if slot is None:
            return False
        busy |= set(range(slot, slot + width))
    return True


def _inside(option: ShiftOption, windows: list[tuple[int, int]], grid: TimeGrid) -> bool:
    start = option.start * grid.interval_minutes
    end = option.end * grid.interval_minutes
    return any(w_start <= start and end <= w_end for w_start, w_end in windows)


def daily_leave_minutes(contract: Contract) -> float:
    """Paid minutes a day of approved leave counts towards the week (contracted hours over working days)."""
    working_days = max(1, 7 - contract.days_off_per_week)
    return contract.contracted_hours_week * 60 / working_days


def leave_credit_minutes(contract: Contract, days: Sequence[int], leave_days: Collection[int]) -> float:
    """Paid minutes the whole days of leave among `days` (one planning week) count towards that week.

    Each leave day counts the contract's daily rate, for at most the week's working days: a week of leave
    (Monday to Sunday, or Monday to Saturday) is the contracted week, not seven working days, so a person on
    holiday never pushes the week past the contract's maximum.
    """
    leave = sum(1 for d in days if d in leave_days)
    return daily_leave_minutes(contract) * min(leave, week_limits(contract, len(days)).max_days)


def horizon_leave_credit_minutes(
    contract: Contract, weeks: Sequence[Sequence[int]], leave_days: Collection[int]
) -> float:
    """The leave credit over the whole horizon: each week's, capped as `leave_credit_minutes` caps it."""
    return sum(leave_credit_minutes(contract, days, leave_days) for days in weeks)


class WeekLimits(NamedTuple):
    """Paid-minute limits of one planning week and the days that may be worked in it."""

    min_minutes: float
    contracted_minutes: float
    max_minutes: float
    max_overtime_minutes: float
    max_days: int


def week_limits(contract: Contract, days_in_week: int) -> WeekLimits:
    """Limits for a week of `days_in_week` horizon days.

    A part week (a horizon shorter than 7 days, or its tail) scales the contract by the share of the week's
    working days it holds, not by calendar days: a one-day plan for a 5-day, 40-hour contract is one 8-hour day.
    """
    working_days = max(1, 7 - contract.days_off_per_week)
    max_days = min(days_in_week, working_days)
    share = min(1.0, days_in_week / working_days)
    return WeekLimits(
        min_minutes=contract.min_hours_week * 60 * share,
        contracted_minutes=contract.contracted_hours_week * 60 * share,
        max_minutes=contract.max_hours_week * 60 * share,
        max_overtime_minutes=contract.max_overtime_hours_week * 60 * share,
        max_days=max_days,
    )


def _check_hours(
    agent: Agent,
    contract: Contract,
    options: Sequence[ShiftOption],
    leave_days: Collection[int],
    grid: TimeGrid,
    conflicts: list[AgentConflict],
) -> None:
    """Catch the obvious case before solving: an agent who cannot reach the contract's minimum hours."""
    best_by_day: dict[int, int] = defaultdict(int)
    for option in options:
        best_by_day[option.day] = max(best_by_day[option.day], option.paid_minutes)
    for week_start in range(0, grid.days, 7):
        days = range(week_start, min(week_start + 7, grid.days))
        limits = week_limits(contract, len(days))
        min_minutes, max_days = limits.min_minutes, limits.max_days
        credit = leave_credit_minutes(contract, days, leave_days)
        reachable = sorted((best_by_day[d] for d in days), reverse=True)[:max_days]
        if sum(reachable) + credit < min_minutes - 1e-6:
            text = (
                f"agent {agent.agent_id} ({contract.id}): at most {(sum(reachable) + credit) / 60:.1f} paid hours "
                f"are reachable in the week from {grid.start_of(week_start * grid.per_day):%a %d %b} but the "
                f"contract needs {min_minutes / 60:.1f} (check availability, time off and shift templates)"
            )
            conflicts.append(
                AgentConflict(agent.agent_id, text, week=week_start // 7, reachable_minutes=sum(reachable) + credit)
            )
