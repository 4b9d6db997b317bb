"""Deciding time-off requests and shift swaps against a published plan (`wfm requests`).

Requests are decided one at a time in the order given, each against the plan as the ones approved before it left
it. A request is approved when

1. every hard rule still holds for the people it touches, checked by the same independent audit every plan passes
   (`audit_plan`: hours, rest, days in a row, days off, templates, availability, skills, stints...), and
2. the service it costs stays within `[requests]` allowances: no live queue's service level falls by more than
   `service_level_drop` in any interval where it ends below the queue's target, and no more than `items_late`
   extra back-office items finish past their SLA over the horizon.

Otherwise it is declined, with the first reason in a planner's words. Service is judged as the plan's coverage is
(Erlang C / A on the staff the plan puts on each queue, less shrinkage; deferred work run earliest deadline first).

Time off takes the person's shifts on those days out of the plan (paid leave counts towards the week's hours, as
in time_off.csv). A swap gives each person the other's shift that day (or day off) with its activities; work on a
queue the taker is not skilled for goes to a queue they are skilled for and that is open then (the most proficient
first), else the time is `available`, and the service check sees what that costs.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from wfm.domain import ChangeRequest, QueueKind, Scenario, TimeOff
from wfm.scheduling.decode import _overtime as decode_overtime
from wfm.scheduling.kpis import compute_coverage
from wfm.scheduling.problem import ProblemData, build_problem
from wfm.scheduling.result import ScheduleResult, Segment
from wfm.scheduling.rules import HARD_RULES, audit_plan
from wfm.staffing import grid_open_mask


@dataclass(frozen=True)
class Decision:
    request: ChangeRequest
    approved: bool
    reason: str  # why, in a planner's words
    service_effect: str  # the largest service change it makes (or would have made)


def decide_requests(
    scenario: Scenario, requirements: pd.DataFrame, plan: ScheduleResult, requests: Sequence[ChangeRequest]
) -> tuple[list[Decision], Scenario, ScheduleResult]:
    """Each request decided in order; returns the decisions, the scenario with approved time off added and the
    plan with every approved request in it."""
    decisions = []
    plan = plan_of_known_agents(scenario, plan)
    # Every request is judged against the published plan's service, not the last one's: requests approved one
    # after the other never take a queue further below it than the allowance (five days off that each cost four
    # points do not add up to twenty).
    published = compute_coverage(scenario, requirements, plan)
    names = {a.agent_id: a.name or a.agent_id for a in scenario.agents}
    for request in requests:
        note = ""
        if request.kind == "time_off":
            changed_scenario, changed_plan, note = _time_off(scenario, plan, request)
        else:
            changed_scenario = scenario
            changed_plan, refusal, note = _swap(scenario, plan, request, names)
            if refusal:
                decisions.append(Decision(request, False, refusal, "-"))
                continue
        touched = {request.agent_id} | ({request.with_agent} if request.with_agent else set())
        data = build_problem(changed_scenario, requirements)
        broken = _broken_rules(data, changed_plan, touched, names)
        if broken:
            decisions.append(Decision(request, False, broken, "-"))
            continue
        changed_coverage = compute_coverage(changed_scenario, requirements, changed_plan)
        loss, effect = _service_loss(changed_scenario, published, changed_coverage)
        if loss:
            decisions.append(Decision(request, False, loss, effect))
            continue
        reason = note or "every rule holds and service stays within the allowance"
        decisions.append(Decision(request, True, reason, effect))
        # The week's overtime as the changed plan has it (a swapped or dropped shift changes it).
        overtime = decode_overtime(data, list(changed_plan.shifts))
        scenario, plan = changed_scenario, dataclasses.replace(changed_plan, overtime_hours=overtime)
    return decisions, scenario, plan


def _day_bounds(day: dt.date) -> tuple[dt.datetime, dt.datetime]:
    start = dt.datetime.combine(day, dt.time())
    return start, start + dt.timedelta(days=1)


def _time_off(scenario: Scenario, plan: ScheduleResult, request: ChangeRequest) -> tuple[Scenario, ScheduleResult, str]:
    days = request.days
    first, _ = _day_bounds(days[0])
    _, last = _day_bounds(days[-1])
    absence = TimeOff(agent_id=request.agent_id, start=first, end=last, reason=request.reason or "time off",
                      paid=request.paid)  # fmt: skip
    covered = any(t.agent_id == request.agent_id and t.start <= first and last <= t.end for t in scenario.time_off)
    dropped = [s for s in plan.shifts if s.agent_id == request.agent_id and s.date in days]
    if not dropped:
        # Nobody to replace, and no leave taken: recorded unpaid (paid leave on a day off would add hours).
        absence = absence.model_copy(update={"paid": False})
    changed = scenario if covered else scenario.model_copy(update={"time_off": (*scenario.time_off, absence)})
    if not dropped:
        return changed, plan, "not working on those days in the plan: nothing to cover (recorded, no leave taken)"
    spans = [(s.start, s.end) for s in dropped]
    segments = [
        s for s in plan.segments
        if not (s.agent_id == request.agent_id and any(a <= s.start < b for a, b in spans))
    ]  # fmt: skip
    segments.append(Segment(request.agent_id, first, last, "time_off", reason=absence.reason))
    shifts = tuple(s for s in plan.shifts if s not in dropped)
    return changed, dataclasses.replace(plan, shifts=shifts, segments=tuple(sorted(segments, key=_order))), ""


def _order(segment: Segment) -> tuple[str, dt.datetime]:
    return segment.agent_id, segment.start


def _swap(
    scenario: Scenario, plan: ScheduleResult, request: ChangeRequest, names: dict[str, str]
) -> tuple[ScheduleResult, str, str]:
    """The plan with the two people's shifts that day exchanged, a reason to refuse ("" if none) and a note."""
    a, b = request.agent_id, request.with_agent
    assert b is not None
    day = request.date
    shift_a = next((s for s in plan.shifts if s.agent_id == a and s.date == day), None)
    shift_b = next((s for s in plan.shifts if s.agent_id == b and s.date == day), None)
    if shift_a is None and shift_b is None:
        return plan, f"neither {names.get(a, a)} nor {names.get(b, b)} works on {day:%a %d %b}: nothing to swap", ""
    if (
        shift_a is not None and shift_b is not None
        and (shift_a.start, shift_a.end, shift_a.template_id) == (shift_b.start, shift_b.end, shift_b.template_id)
    ):  # fmt: skip
        # The same shift: each keeps their own, with their own queues and breaks; nothing changes.
        return plan, "", "both work the same shift that day: the plan does not change"
    moved: list[Segment] = []
    keep = []
    spans = {x.agent_id: (x.start, x.end) for x in (shift_a, shift_b) if x is not None}
    for segment in plan.segments:
        span = spans.get(segment.agent_id)
        if span is not None and span[0] <= segment.start < span[1] and segment.activity != "time_off":
            moved.append(segment)
        else:
            keep.append(segment)
    other = {a: b, b: a}
    for segment in moved:
        taker = other[segment.agent_id]
        keep.extend(_for_taker(scenario, dataclasses.replace(segment, agent_id=taker)))
    shifts = [s for s in plan.shifts if s not in (shift_a, shift_b)]
    shifts += [dataclasses.replace(s, agent_id=other[s.agent_id]) for s in (shift_a, shift_b) if s is not None]
    return dataclasses.replace(
        plan, shifts=tuple(sorted(shifts, key=lambda s: (s.agent_id, s.start))),
        segments=tuple(sorted(keep, key=_order)),
    ), "", ""  # fmt: skip


def _for_taker(scenario: Scenario, segment: Segment) -> list[Segment]:
    """A swapped work segment as its new person can work it: their queue if skilled for it, else per interval
    a queue they are skilled for and that is open (the most proficient first), else `available`."""
    if segment.activity != "work" or segment.queue is None:
        return [segment]
    skills = sorted(((s.proficiency, s.queue) for s in scenario.skills if s.agent_id == segment.agent_id), reverse=True)
    if any(q == segment.queue for _, q in skills):
        return [segment]
    site = scenario.site
    step = dt.timedelta(minutes=site.interval_minutes)
    starts = pd.DatetimeIndex(pd.date_range(segment.start, segment.end - step, freq=step))
    queues = site.queue_by_id
    choice: list[str | None] = [None] * len(starts)
    for _, queue_id in skills:
        if queue_id not in queues:
            continue
        is_open = grid_open_mask(starts, queues[queue_id], site.interval_minutes)
        choice = [c if c is not None else (queue_id if o else None) for c, o in zip(choice, is_open, strict=True)]
    out: list[Segment] = []
    for start, chosen in zip(starts, choice, strict=True):
        moment = start.to_pydatetime()
        activity = "work" if chosen is not None else "available"
        if out and out[-1].end == moment and (out[-1].activity, out[-1].queue) == (activity, chosen):
            out[-1] = dataclasses.replace(out[-1], end=moment + step)
        else:
            out.append(Segment(segment.agent_id, moment, moment + step, activity, chosen))
    return out


def plan_of_known_agents(scenario: Scenario, plan: ScheduleResult) -> ScheduleResult:
    """The plan without the shifts and activities of people no longer in the scenario (a leaver), and with work
    on a queue someone is no longer skilled for shown as `available`: a published plan judged by today's
    scenario (coverage counts only skilled work)."""
    known = {a.agent_id for a in scenario.agents}
    skills = {(s.agent_id, s.queue) for s in scenario.skills}
    segments = []
    for segment in plan.segments:
        if segment.agent_id not in known:
            continue
        if segment.activity == "work" and segment.queue is not None and (segment.agent_id, segment.queue) not in skills:
            segment = dataclasses.replace(segment, activity="available", queue=None)
        segments.append(segment)
    shifts = tuple(s for s in plan.shifts if s.agent_id in known)
    if len(shifts) == len(plan.shifts) and segments == list(plan.segments):
        return plan
    return dataclasses.replace(plan, shifts=shifts, segments=tuple(segments))


def _broken_rules(data: ProblemData, plan: ScheduleResult, touched: set[str], names: dict[str, str]) -> str:
    """The first hard rule the plan breaks for the people touched, in words; "" when none."""
    rules = {rule.id: rule for rule in HARD_RULES}
    agents = {agent.agent.agent_id: agent for agent in data.agents}
    for violation in audit_plan(data, plan):
        if violation.agent_id not in touched:
            continue
        who = names.get(violation.agent_id, violation.agent_id)
        when = f" on {violation.date:%a %d %b}" if violation.date else ""
        rule = rules.get(violation.rule_id)
        agent = agents.get(violation.agent_id)
        limits = f" (the rule: {rule.limits(data, agent)})" if rule is not None and agent is not None else ""
        return f"{who}{when}: {violation.message}{limits}"
    return ""


def _service_loss(scenario: Scenario, before: pd.DataFrame, after: pd.DataFrame) -> tuple[str, str]:
    """("", effect) when the change keeps within the allowances, else (why not, effect). `effect` names the
    largest service change in words."""
    allowance = scenario.site.requests
    names = {q.id: q.name or q.id for q in scenario.site.queues}
    worst: tuple[float, str] | None = None
    for queue in scenario.site.queues:
        b = before[before["queue"] == queue.id].reset_index(drop=True)
        a = after[after["queue"] == queue.id].reset_index(drop=True)
        if queue.kind is QueueKind.LIVE:
            drop = (b["service_level"] - a["service_level"]).to_numpy(dtype=float)
            target = queue.service_level or 0.0
            judged = np.where(np.isnan(drop) | (a["service_level"].to_numpy(dtype=float) >= target), -np.inf, drop)
            if np.isfinite(judged).any():
                i = int(np.argmax(judged))
                moment = pd.Timestamp(b.at[i, "interval_start"])
                text = (f"{names[queue.id]} at {moment:%a %H:%M} would "
                        f"{'fall' if judged[i] > 0 else 'go'} from {b.at[i, 'service_level']:.0%} to "
                        f"{a.at[i, 'service_level']:.0%}")  # fmt: skip
                if judged[i] > allowance.service_level_drop + 1e-9:
                    return (f"{text}, below its {target:.0%} target by more than the {allowance.service_level_drop:.0%}"
                            " allowed"), text  # fmt: skip
                if worst is None or judged[i] > worst[0]:
                    worst = (float(judged[i]), text)
        else:
            extra = float(a["items_past_sla"].sum() - b["items_past_sla"].sum())
            if extra > allowance.items_late + 1e-6:
                text = f"{names[queue.id]}: {extra:.0f} more items past their SLA"
                return f"{text} (allowed {allowance.items_late:g})", text
    return "", worst[1] if worst is not None else "no live queue falls below its target"
