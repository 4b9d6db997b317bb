"""Capacity in full-time equivalents per week: what the forecast requires, what the staff and planned classes make
available, the gap, and the hiring classes that would close it.

Required: the staffing math's requirement per interval (`build_requirements`: Erlang C/A with occupancy caps and
chat concurrency for live queues; for deferred queues the flattest capacity that meets every deadline) summed into
agent-hours per queue and week. Unplanned absence (the site's `shrinkage`) is already in a live requirement; a
deferred queue's capacity is work at proficiency 1, so it is grossed up for the same absence here (people off sick
do not process cases either). Then planned time off the floor (`absence_shrinkage`: leave, training, meetings)
and the hours of a full-time equivalent turn agent-hours into FTE:

    FTE required = agent-hours / (1 - absence_shrinkage) / fte_hours_week

Available: each agent's contracted hours / fte_hours_week, by the agent's office, less expected attrition
(x (1 - attrition_per_month) ** (weeks elapsed x 12 / 52)), plus the planned classes (nothing in training, then
a linear ramp, then full, with attrition from their start).
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from wfm.domain import Office, QueueKind, Scenario, Site
from wfm.domain.capacity_plan import CapacityPlan, HiringClass

SITE = "site"  # the office column's name for all offices together
QUEUE_COLUMNS = ("week_start", "queue", "office", "volume", "aht_seconds", "required_agent_hours", "required_fte")
OFFICE_COLUMNS = (
    "week_start",
    "office",
    "required_fte",
    "available_fte",
    "planned_hires_fte",
    "suggested_hires_fte",
    "gap_fte",
    "staff_fte",
    "gap_with_suggestions_fte",
)
WEEKS_PER_MONTH = 52 / 12


def week_starts(start: dt.date, weeks: int) -> list[dt.date]:
    return [start + dt.timedelta(weeks=w) for w in range(weeks)]


def offices_of(scenario: Scenario) -> list[str]:
    """The offices with queues or people, in the usual order (front, middle, back)."""
    present = {q.office.value for q in scenario.site.queues} | {a.office.value for a in scenario.agents}
    return [o.value for o in Office if o.value in present]


# ------------------------------------------------------------------------------------------------------------
# Required


def weekly_required(
    requirements: pd.DataFrame, site: Site, start: dt.date, weeks: int, plan: CapacityPlan
) -> pd.DataFrame:
    """Per week and queue: volume, AHT (volume-weighted), required agent-hours and FTE (QUEUE_COLUMNS)."""
    frame = requirements.copy()
    moments = pd.to_datetime(frame["interval_start"])
    frame["week"] = (moments - pd.Timestamp(start)).dt.days // 7
    frame = frame[(frame["week"] >= 0) & (frame["week"] < weeks)]
    hours = site.interval_minutes / 60
    unplanned = {q.id: q.shrinkage if q.shrinkage is not None else site.shrinkage for q in site.queues}
    deferred = frame["kind"] == QueueKind.DEFERRED.value
    gross_up = 1.0 / (1.0 - frame["queue"].map(unplanned).astype(float))
    agents = np.where(deferred, frame["capacity_agents"] * gross_up, frame["required_agents"])
    frame = frame.assign(
        agent_hours=agents * hours,
        work=frame["volume"] * frame["aht_seconds"].fillna(0.0),
    )
    weekly = frame.groupby(["week", "queue"], as_index=False, sort=True)[["volume", "work", "agent_hours"]].sum()
    # Every queue in every week, in site order, even one with no demand at all.
    full = pd.MultiIndex.from_product([range(weeks), [q.id for q in site.queues]], names=["week", "queue"])
    weekly = weekly.set_index(["week", "queue"]).reindex(full, fill_value=0.0).reset_index()
    office = {q.id: q.office.value for q in site.queues}
    return pd.DataFrame(
        {
            "week_start": [start + dt.timedelta(weeks=int(w)) for w in weekly["week"]],
            "queue": weekly["queue"],
            "office": weekly["queue"].map(office),
            "volume": weekly["volume"],
            "aht_seconds": weekly["work"] / weekly["volume"].where(weekly["volume"] > 0),
            "required_agent_hours": weekly["agent_hours"],
            "required_fte": weekly["agent_hours"] / (1.0 - plan.absence_shrinkage) / plan.fte_hours_week,
        }
    )


# ------------------------------------------------------------------------------------------------------------
# Available


def attrition_factor(weeks_elapsed: float, attrition_per_month: float) -> float:
    """Expected share of people still here after `weeks_elapsed` weeks."""
    return float((1.0 - attrition_per_month) ** (max(weeks_elapsed, 0.0) / WEEKS_PER_MONTH))


def staff_fte(scenario: Scenario, fte_hours_week: float) -> dict[str, float]:
    """Today's FTE per office: each agent's contracted hours over the hours of a full-time equivalent."""
    contracts = scenario.site.contract_by_id
    fte: dict[str, float] = {}
    for agent in scenario.agents:
        contract = contracts.get(agent.contract)
        if contract is not None:
            fte[agent.office.value] = fte.get(agent.office.value, 0.0) + contract.contracted_hours_week / fte_hours_week
    return fte


def class_fte(hiring: HiringClass, week_start: dt.date, plan: CapacityPlan) -> float:
    """A class's FTE in the week from `week_start`: counted in whole weeks from its start (a class starting mid-week
    counts from the next week), productivity from its training and ramp, attrition from its start."""
    days = (week_start - hiring.start).days
    if days < 0:
        return 0.0
    weeks = days // 7
    per_person = plan.hours_of(hiring) / plan.fte_hours_week
    return hiring.people * per_person * hiring.productivity(weeks) * attrition_factor(weeks, plan.attrition_per_month)


# ------------------------------------------------------------------------------------------------------------
# Suggested classes


@dataclass(frozen=True)
class SuggestedClass:
    """A class the plan suggests for one office. `people` 0: no class helps (the shortfall ends before any class
    could be productive); the weeks in `too_late` need overtime or help from another office."""

    office: str
    start: dt.date  # training starts
    people: int
    training_weeks: int
    ramp_weeks: int
    short_from: dt.date  # the first week it answers
    full_from: dt.date  # the first week at full productivity
    largest_shortfall_fte: float  # the largest shortfall over its look-ahead, before it
    too_late: tuple[dt.date, dt.date] | None  # first and last week it is too late for

    def as_hiring(self) -> HiringClass:
        return HiringClass(office=self.office, start=self.start, people=max(self.people, 1),
                           training_weeks=self.training_weeks, ramp_weeks=self.ramp_weeks)  # fmt: skip

    def note(self, plan_start: dt.date) -> str:
        if self.too_late is None:
            return ""
        first, last = (1 + (d - plan_start).days // 7 for d in self.too_late)
        span = f"week {first}" if first == last else f"weeks {first}-{last}"
        return f"too late for {span} ({self.too_late[0]} to {self.too_late[1] + dt.timedelta(days=6)}): overtime or " \
               "cross-office help"  # fmt: skip


def suggest_classes(
    office: str, required: np.ndarray, available: np.ndarray, start: dt.date, plan: CapacityPlan
) -> tuple[list[SuggestedClass], np.ndarray]:
    """Walk the weeks; at the first week short by more than the tolerance, a class whose training starts
    training + ramp weeks earlier (in week 1 if that is before the plan), sized in whole people at fte_hours_week,
    attrition included, so that no week of the next `lookahead_weeks` from its first full week stays short by
    more than the tolerance; then walk on with it. Returns the classes and their FTE per week."""
    weeks = len(required)
    tolerance = plan.shortfall_tolerance_fte
    training, ramp = plan.suggested.training_weeks, plan.suggested.ramp_weeks
    lead = training + ramp
    suggested = np.zeros(weeks)
    classes: list[SuggestedClass] = []
    uncovered_until = 0  # weeks before this one are already known to be beyond any class's reach
    for week in range(weeks):
        if week < uncovered_until or required[week] - available[week] - suggested[week] <= tolerance:
            continue
        first = max(week - lead, 0)
        full = first + lead
        probe = HiringClass(office=office, start=start + dt.timedelta(weeks=first), people=1,
                            training_weeks=training, ramp_weeks=ramp)  # fmt: skip
        per_person = np.array([class_fte(probe, start + dt.timedelta(weeks=j), plan) for j in range(weeks)])
        short = required - available - suggested
        window = range(max(week, full), min(max(week, full) + plan.lookahead_weeks, weeks))
        if len(window):
            need = max((short[j] - tolerance) / per_person[j] for j in window)
            largest = float(max(short[j] for j in window))
        else:  # no class can be productive before the plan ends: size it on the week that is short
            need, largest = short[week] - tolerance, float(short[week])
        people = max(math.ceil(need - 1e-9), 0)
        suggested += people * per_person
        late = [j for j in range(week, min(full, weeks)) if required[j] - available[j] - suggested[j] > tolerance]
        classes.append(
            SuggestedClass(
                office=office,
                start=start + dt.timedelta(weeks=first),
                people=people,
                training_weeks=training,
                ramp_weeks=ramp,
                short_from=start + dt.timedelta(weeks=week),
                full_from=start + dt.timedelta(weeks=full),
                largest_shortfall_fte=max(largest, float(short[week])),
                too_late=(start + dt.timedelta(weeks=late[0]), start + dt.timedelta(weeks=late[-1])) if late else None,
            )
        )
        uncovered_until = max(full, week + 1)
    return classes, suggested


# ------------------------------------------------------------------------------------------------------------
# The whole plan


@dataclass(frozen=True)
class CapacityFigures:
    """One scenario's capacity plan: per office (and the site) and week, per queue and week, and the classes."""

    offices: pd.DataFrame  # OFFICE_COLUMNS, office "site" for the total
    queues: pd.DataFrame  # QUEUE_COLUMNS
    suggestions: tuple[SuggestedClass, ...]
    planned: tuple[HiringClass, ...]


def capacity_figures(
    requirements: pd.DataFrame, scenario: Scenario, plan: CapacityPlan, start: dt.date, weeks: int
) -> CapacityFigures:
    """Required against available per office and week, the gap, and the suggested classes."""
    site = scenario.site
    queues = weekly_required(requirements, site, start, weeks, plan)
    mondays = week_starts(start, weeks)
    staff = staff_fte(scenario, plan.fte_hours_week)
    survival = np.array([attrition_factor(w, plan.attrition_per_month) for w in range(weeks)])
    rows: list[pd.DataFrame] = []
    suggestions: list[SuggestedClass] = []
    for office in offices_of(scenario):
        required = queues[queues["office"] == office].groupby("week_start")["required_fte"].sum()
        required_fte = required.reindex(mondays, fill_value=0.0).to_numpy(dtype=float)
        planned = np.array([sum(class_fte(h, m, plan) for h in plan.hiring if h.office == office) for m in mondays])
        available = staff.get(office, 0.0) * survival + planned
        classes, suggested = suggest_classes(office, required_fte, available, start, plan)
        suggestions += classes
        rows.append(_office_rows(office, mondays, required_fte, available, planned, suggested, staff, survival))
    offices = pd.concat(rows, ignore_index=True)
    total = offices.groupby("week_start", as_index=False, sort=True)[list(OFFICE_COLUMNS[2:])].sum()
    total.insert(1, "office", SITE)
    return CapacityFigures(
        offices=pd.concat([offices, total[list(OFFICE_COLUMNS)]], ignore_index=True),
        queues=queues,
        suggestions=tuple(suggestions),
        planned=plan.hiring,
    )


def _office_rows(
    office: str,
    mondays: Sequence[dt.date],
    required: np.ndarray,
    available: np.ndarray,
    planned: np.ndarray,
    suggested: np.ndarray,
    staff: dict[str, float],
    survival: np.ndarray,
) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "week_start": list(mondays),
            "office": office,
            "required_fte": required,
            "available_fte": available,
            "planned_hires_fte": planned,
            "suggested_hires_fte": suggested,
            "gap_fte": available - required,
            "staff_fte": staff.get(office, 0.0) * survival,
            "gap_with_suggestions_fte": available + suggested - required,
        }
    )


@dataclass(frozen=True)
class OfficeSummary:
    """One office (or the site) over the plan: its worst week, the weeks short, the people the plan suggests."""

    office: str
    worst_week: dt.date
    worst_gap_fte: float
    weeks_short: int  # short by more than the tolerance, before suggested classes
    weeks_short_with_suggestions: int
    people_to_hire: int
    first_class_starts: dt.date | None
    required_fte_first_week: float
    available_fte_first_week: float
    required_fte_last_week: float
    available_fte_last_week: float


def office_summary(figures: CapacityFigures, tolerance: float) -> list[OfficeSummary]:
    """Per office and the site (its classes: every office's)."""
    out = []
    for office, part in figures.offices.groupby("office", sort=False):
        worst = part.loc[part["gap_fte"].idxmin()]
        classes = [c for c in figures.suggestions if office in (c.office, SITE)]
        out.append(
            OfficeSummary(
                office=str(office),
                worst_week=worst["week_start"],
                worst_gap_fte=float(worst["gap_fte"]),
                weeks_short=int((part["gap_fte"] < -tolerance).sum()),
                weeks_short_with_suggestions=int((part["gap_with_suggestions_fte"] < -tolerance).sum()),
                people_to_hire=sum(c.people for c in classes),
                first_class_starts=min((c.start for c in classes if c.people > 0), default=None),
                required_fte_first_week=float(part["required_fte"].iloc[0]),
                available_fte_first_week=float(part["available_fte"].iloc[0]),
                required_fte_last_week=float(part["required_fte"].iloc[-1]),
                available_fte_last_week=float(part["available_fte"].iloc[-1]),
            )
        )
    return out
