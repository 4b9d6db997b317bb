"""After an intraday re-plan: what changed for each person, in the order a team lead reads it out, and the
overtime and voluntary time off (VTO) worth offering for the rest of the day, each with its effect on service.

Overtime extends a shift's end, in blocks (`[rules] block_minutes`), by no more than the contract leaves room for
(the day's and the week's most paid hours, the week's most overtime, rest before the next shift). VTO lets
someone leave early where every live interval they would leave keeps its service target without them. Both are
chosen greedily, one offer at a time, by contacts answered within target gained (overtime, per hour) or hours
saved (VTO), and judged with the same Erlang C / A and shrinkage as the plan's own coverage. Deferred (back
office) work is left out of both: its effect is on items late days later, not on the rest of today's service.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd

from wfm.domain import Queue, QueueKind, Scenario
from wfm.scheduling.problem import WeekLimits, week_limits
from wfm.scheduling.result import ScheduleResult, Segment, ShiftAssignment
from wfm.staffing import service_level

# Overtime is offered only where it buys at least this many more contacts answered within target per hour.
MIN_CONTACTS_PER_OVERTIME_HOUR = 2.0
MOST_OFFERS = 10  # of each kind: a team lead makes a handful of calls, not fifty


@dataclass(frozen=True)
class Change:
    agent_id: str
    name: str
    start: dt.datetime
    end: dt.datetime
    was: str  # what the published plan had them do then, in words ("chat", "break", "available")
    now: str

    def text(self) -> str:
        return f"{self.name}: {self.start:%H:%M}-{self.end:%H:%M} {self.now} instead of {self.was}"


@dataclass(frozen=True)
class Offer:
    kind: str  # "overtime" or "vto"
    agent_id: str
    name: str
    start: dt.datetime
    end: dt.datetime
    queue: str | None  # overtime: the queue worked; VTO: None
    service_before: float  # the lowest live service level over [start, end) on the queues affected, in [0, 1]
    service_after: float
    contacts_in_target: float  # more (overtime) or fewer (VTO) contacts answered within target

    @property
    def hours(self) -> float:
        return (self.end - self.start).total_seconds() / 3600

    def text(self) -> str:
        when = f"{self.start:%H:%M}-{self.end:%H:%M}"
        if self.kind == "overtime":
            return (
                f"Offer {self.name} overtime {when} on {self.queue}: lowest service there "
                f"{self.service_before:.0%} -> {self.service_after:.0%} (+{self.contacts_in_target:.1f} contacts "
                "answered within target)"
            )
        return (
            f"Offer {self.name} to leave at {self.start:%H:%M} (VTO, {self.hours:g} h): no live queue falls below "
            f"its target (lowest service then {self.service_after:.0%})"
        )


def _label(segment: Segment | None) -> str:
    if segment is None:
        return "off"
    if segment.activity == "work" and segment.queue is not None:
        return segment.queue
    return segment.activity


def changes(
    scenario: Scenario, published: ScheduleResult, replanned: ScheduleResult, start: dt.datetime, end: dt.datetime
) -> list[Change]:
    """Each stretch of [start, end) where a person's activity differs between the two plans, in time order
    (then by name), on the interval grid."""
    step = dt.timedelta(minutes=scenario.site.interval_minutes)
    moments = []
    moment = start
    while moment < end:
        moments.append(moment)
        moment += step
    names = {a.agent_id: a.name or a.agent_id for a in scenario.agents}

    def timeline(plan: ScheduleResult) -> dict[str, list[str]]:
        out: dict[str, list[str]] = {}
        for segment in plan.segments:
            if segment.end <= start or segment.start >= end:
                continue
            line = out.setdefault(segment.agent_id, ["off"] * len(moments))
            for i, t in enumerate(moments):
                if segment.start <= t < segment.end:
                    line[i] = _label(segment)
        return out

    before, after = timeline(published), timeline(replanned)
    found: list[Change] = []
    for agent_id in sorted(set(before) | set(after)):
        was = before.get(agent_id, ["off"] * len(moments))
        now = after.get(agent_id, ["off"] * len(moments))
        i = 0
        while i < len(moments):
            if was[i] == now[i]:
                i += 1
                continue
            j = i
            while j < len(moments) and (was[j], now[j]) == (was[i], now[i]):
                j += 1
            found.append(
                Change(agent_id, names.get(agent_id, agent_id), moments[i], moments[i] + step * (j - i), was[i], now[i])
            )
            i = j
    # Per person, their changes in time order; people in the order of their first change (what a team lead
    # reads out to each in turn).
    first: dict[str, dt.datetime] = {}
    for change in found:
        first[change.agent_id] = min(first.get(change.agent_id, change.start), change.start)
    return sorted(found, key=lambda c: (first[c.agent_id], c.name, c.agent_id, c.start))


@dataclass
class _LiveQueue:
    """One live queue's rest of day on the coverage grid, and its service level for any staffing."""

    queue: Queue
    volume: np.ndarray
    aht: np.ndarray
    staff: np.ndarray  # proficiency-weighted scheduled agents (before shrinkage), changed as offers are taken
    open: np.ndarray
    shrinkage: float
    interval_seconds: float

    @property
    def target(self) -> float:
        return self.queue.service_level or 0.0

    def service(self, staff: np.ndarray, index: np.ndarray) -> np.ndarray:
        """Erlang C / A service level in the intervals `index` with `staff` scheduled, as compute_coverage
        judges a plan (staff less shrinkage)."""
        q = self.queue
        assert q.answer_seconds is not None
        level = service_level(
            self.volume[index],
            np.where(np.isnan(self.aht[index]), 1.0, self.aht[index]),
            self.interval_seconds,
            np.maximum(staff, 0.0) * (1 - self.shrinkage),
            q.answer_seconds,
            q.concurrency,
            patience_seconds=np.inf if q.patience_seconds is None else q.patience_seconds,
        )
        return np.asarray(level, dtype=float)


def offers(
    scenario: Scenario,
    coverage: pd.DataFrame,
    plan: ScheduleResult,
    start: dt.datetime,
    *,
    week_paid_minutes: dict[tuple[str, dt.date], int],
    week_of: dict[dt.date, dt.date],
) -> list[Offer]:
    """Overtime and VTO worth offering from `start` to the end of its day (see the module's docstring).

    `coverage`: compute_coverage of `plan` (the re-plan) on the re-forecast requirements. `week_paid_minutes`:
    paid minutes per (agent, week start) in the plan; `week_of`: each date's week start."""
    site = scenario.site
    step = dt.timedelta(minutes=site.interval_minutes)
    block = max(1, site.rules.block_minutes // site.interval_minutes)
    day_end = dt.datetime.combine(start.date() + dt.timedelta(days=1), dt.time())
    frame = coverage.copy()
    frame["interval_start"] = pd.to_datetime(frame["interval_start"])
    starts = pd.DatetimeIndex(sorted(frame["interval_start"].unique()))
    position = {t.to_pydatetime(): i for i, t in enumerate(starts)}
    live: dict[str, _LiveQueue] = {}
    for queue in site.queues:
        if queue.kind is not QueueKind.LIVE:
            continue
        rows = frame[frame["queue"] == queue.id].set_index("interval_start").reindex(starts)
        live[queue.id] = _LiveQueue(
            queue=queue,
            volume=rows["forecast_volume"].fillna(0.0).to_numpy(dtype=float),
            aht=rows["aht_seconds"].to_numpy(dtype=float),
            staff=rows["scheduled_agents"].fillna(0.0).to_numpy(dtype=float).copy(),
            open=rows["service_level"].notna().to_numpy(),
            shrinkage=queue.shrinkage if queue.shrinkage is not None else site.shrinkage,
            interval_seconds=site.interval_minutes * 60,
        )
    if not live:
        return []
    proficiency = {(s.agent_id, s.queue): s.proficiency for s in scenario.skills}
    contracts = site.contract_by_id
    agents = scenario.agent_by_id
    names = {a.agent_id: a.name or a.agent_id for a in scenario.agents}
    todays = [s for s in plan.shifts if s.start < day_end and s.end > start and s.date == start.date()]
    next_start: dict[str, dt.datetime] = {}
    for shift in plan.shifts:
        if shift.start >= day_end - dt.timedelta(hours=24) and shift.date > start.date():
            current = next_start.get(shift.agent_id)
            next_start[shift.agent_id] = shift.start if current is None else min(current, shift.start)
    paid = dict(week_paid_minutes)
    days_in_week: dict[dt.date, int] = {}
    for day in week_of.values():
        days_in_week[day] = days_in_week.get(day, 0) + 1
    absent = [(t.agent_id, t.start, t.end) for t in scenario.time_off]

    def indexes(first: dt.datetime, last: dt.datetime) -> np.ndarray:
        out = []
        t = first
        while t < last:
            if t in position:
                out.append(position[t])
            t += step
        return np.asarray(out, dtype=int)

    # VTO is judged on the staffing without any overtime offered (an offer may be declined).
    without_overtime = {queue_id: q.staff.copy() for queue_id, q in live.items()}
    found: list[Offer] = []
    # Overtime: the best extension per hour first, until none pays.
    for _ in range(MOST_OFFERS):
        best: tuple[float, Offer, str, np.ndarray, float] | None = None
        for shift in todays:
            contract = contracts[agents[shift.agent_id].contract]
            week = week_of.get(shift.date, shift.date)
            room = _overtime_room(
                shift,
                week_limits(contract, days_in_week.get(week, 7)),
                contract.max_hours_day,
                paid.get((shift.agent_id, week), 0),
                next_start.get(shift.agent_id),
                site.rules.min_rest_hours,
            )
            # Not into time off that starts after the shift (an appointment, a half day).
            for agent_id, off_start, _ in absent:
                if agent_id == shift.agent_id and off_start >= shift.end:
                    room = min(room, (off_start - shift.end).total_seconds() / 60)
            blocks = int(room // (block * site.interval_minutes))
            for queue_id, q in live.items():
                weight = proficiency.get((shift.agent_id, queue_id))
                if weight is None:
                    continue
                for count in range(1, blocks + 1):
                    first, last = shift.end, shift.end + step * block * count
                    if last > day_end:
                        break
                    index = indexes(first, last)
                    if len(index) < block * count or not q.open[index].all():
                        break
                    before = q.service(q.staff[index], index)
                    after = q.service(q.staff[index] + weight, index)
                    gained = float(np.sum(q.volume[index] * (after - before)))
                    hours = (last - first).total_seconds() / 3600
                    if gained / hours < MIN_CONTACTS_PER_OVERTIME_HOUR or before.min() >= q.target:
                        continue
                    offer = Offer("overtime", shift.agent_id, names[shift.agent_id], first, last, queue_id,
                                  float(before.min()), float(after.min()), gained)  # fmt: skip
                    score = gained / hours
                    if best is None or score > best[0]:
                        best = (score, offer, queue_id, index, weight)
        if best is None:
            break
        _, offer, queue_id, index, weight = best
        previous = found[-1] if found else None
        if previous is not None and (previous.agent_id, previous.queue, previous.end) == (
            offer.agent_id, offer.queue, offer.start
        ):  # fmt: skip
            # The same person's extension made longer: one offer from their shift's end.
            found[-1] = dataclasses.replace(
                previous, end=offer.end, service_before=min(previous.service_before, offer.service_before),
                service_after=min(previous.service_after, offer.service_after),
                contacts_in_target=previous.contacts_in_target + offer.contacts_in_target,
            )  # fmt: skip
        else:
            found.append(offer)
        live[queue_id].staff[index] += weight
        week = week_of.get(offer.start.date(), offer.start.date())
        minutes = round(offer.hours * 60)
        paid[offer.agent_id, week] = paid.get((offer.agent_id, week), 0) + minutes
        todays = [
            dataclasses.replace(s, end=offer.end, paid_minutes=s.paid_minutes + minutes)
            if s.agent_id == offer.agent_id and s.end == offer.start else s
            for s in todays
        ]  # fmt: skip

    # VTO: leave early where every live interval they would leave keeps its target without them.
    offered = {o.agent_id for o in found}
    vto: list[Offer] = []
    for shift in sorted(todays, key=lambda s: (-s.end.timestamp(), s.agent_id)):
        if len(vto) >= MOST_OFFERS or shift.agent_id in offered:
            continue
        work = [
            s for s in plan.segments
            if s.agent_id == shift.agent_id and shift.start <= s.start < shift.end and s.end > start
        ]  # fmt: skip
        # The longest tail of the shift (whole blocks, after `start`) whose work is on live queues only.
        leave = shift.end
        while leave - step * block >= max(start, shift.start + step * block):
            candidate = leave - step * block
            inside = [s for s in work if s.end > candidate and s.start < leave]
            if any(s.activity == "work" and (s.queue not in live) for s in inside):
                break
            removed = _intervals_by_queue(inside, live, candidate, leave, indexes)
            ok = all(
                live[queue_id].service(without_overtime[queue_id][index] - proficiency[(shift.agent_id, queue_id)],
                                       index).min() >= live[queue_id].target
                for queue_id, index in removed.items() if len(index)
            )  # fmt: skip
            if not ok:
                break
            leave = candidate
        if leave >= shift.end:
            continue
        lowest_before, lowest_after, lost = 1.0, 1.0, 0.0
        for queue_id, index in _intervals_by_queue(work, live, leave, shift.end, indexes).items():
            if not len(index):
                continue
            q, staff = live[queue_id], without_overtime[queue_id]
            before = q.service(staff[index], index)
            staff[index] -= proficiency[(shift.agent_id, queue_id)]
            after = q.service(staff[index], index)
            lowest_before, lowest_after = min(lowest_before, float(before.min())), min(lowest_after, float(after.min()))
            lost += float(np.sum(q.volume[index] * (before - after)))
        vto.append(Offer("vto", shift.agent_id, names[shift.agent_id], leave, shift.end, None, lowest_before,
                         lowest_after, -lost))  # fmt: skip
    return found + vto


def _intervals_by_queue(
    segments: list[Segment],
    live: dict[str, _LiveQueue],
    first: dt.datetime,
    last: dt.datetime,
    indexes: Callable[[dt.datetime, dt.datetime], np.ndarray],
) -> dict[str, np.ndarray]:
    """Per live queue, the coverage indexes of every work segment's part inside [first, last) (a person may work a
    queue in several stretches around a break)."""
    parts: dict[str, list[np.ndarray]] = {}
    for s in segments:
        if s.activity == "work" and s.queue in live and s.end > first and s.start < last:
            parts.setdefault(s.queue, []).append(indexes(max(s.start, first), min(s.end, last)))
    return {queue_id: np.concatenate(found) for queue_id, found in parts.items()}


def _overtime_room(
    shift: ShiftAssignment,
    limits: WeekLimits,
    max_hours_day: float,
    week_paid_minutes: int,
    next_start: dt.datetime | None,
    min_rest_hours: float,
) -> float:
    """Minutes the shift may be extended at its end: the least of the day's room (max_hours_day), the week's
    (max_hours_week, and contracted hours plus the most overtime, both pro rata in a part week as the plan's
    own rules) and the rest before the next shift."""
    day = max_hours_day * 60 - shift.paid_minutes
    week = limits.max_minutes - week_paid_minutes
    overtime = limits.contracted_minutes + limits.max_overtime_minutes - week_paid_minutes
    rest = np.inf
    if next_start is not None:
        rest = (next_start - shift.end).total_seconds() / 60 - min_rest_hours * 60
    return float(max(0.0, min(day, week, overtime, rest)))
