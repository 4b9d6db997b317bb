"""Capacity in full-time equivalents per week: what the forecast requires, what the staff and planned classes make
available, the gap, and the hiring classes that would close it.

Required: the staffing math's requirement per interval (`build_requirements`: Erlang C/A with occupancy caps and
chat concurrency for live queues; for deferred queues the flattest capacity that meets every deadline) summed into
agent-hours per queue and week. Unplanned absence (the site's `shrinkage`) is already in a live requirement; a
deferred queue's capacity is work at proficiency 1, so it is grossed up for the same absence here (people off sick
do not process cases either). Those are hours on a queue; a paid hour also holds paid breaks, so the hours are
grossed up by the office's on-floor share of paid time (`on_floor_shares`: per contract, the mean over its shift
templates of (paid minutes - paid break minutes) / paid minutes; per office, weighted by its people's contracted
hours). Then planned time off the floor (`absence_shrinkage`: leave, training, meetings) and the hours of a
full-time equivalent turn them into paid FTE, the unit of available:

    FTE required = agent-hours / (1 - absence_shrinkage) / on-floor share / fte_hours_week

Available: each agent's contracted (paid) hours / fte_hours_week, by the agent's office, less expected attrition
(x (1 - attrition_per_month) ** (weeks since the staff snapshot x 12 / 52): the snapshot is the scenario's horizon
start, so a plan starting months later starts with fewer people), plus the planned classes (nothing in training,
then a linear ramp, then full, with attrition from their start). New hires are taken to have their office's
on-floor share, so a class adds paid FTE like the staff.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from wfm.domain import Contract, Office, QueueKind, Scenario, ShiftTemplate, Site
from wfm.domain.capacity_plan import CapacityPlan, HiringClass
from wfm.forecast.long_range import LongRangeForecast
from wfm.io.variations import Case

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
# Paid breaks: the share of paid time on the floor


def template_on_floor_share(template: ShiftTemplate) -> float | None:
    """(paid minutes - paid break minutes) / paid minutes of one shift (unpaid breaks are not paid time); None for
    a shift with no paid time."""
    paid = template.paid_minutes
    if paid <= 0:
        return None
    return max(paid - sum(b.minutes for b in template.breaks if b.paid), 0) / paid


def contract_on_floor_share(contract: Contract, site: Site) -> float:
    """The mean over the contract's shift templates of their on-floor share (1 when none has paid time)."""
    templates = site.template_by_id
    shares = [template_on_floor_share(templates[t]) for t in contract.shift_templates if t in templates]
    known = [s for s in shares if s is not None]
    return float(np.mean(known)) if known else 1.0


def on_floor_shares(scenario: Scenario) -> dict[str, float]:
    """Per office (`offices_of`): the share of a paid hour its people spend off breaks, the mean of their contracts'
    weighted by contracted hours. An office without people takes the site's (1 without anyone); its new hires are
    taken to have its share."""
    contracts = scenario.site.contract_by_id
    hours: dict[str, float] = {}
    floor: dict[str, float] = {}
    for agent in scenario.agents:
        contract = contracts.get(agent.contract)
        if contract is None:
            continue
        office = agent.office.value
        hours[office] = hours.get(office, 0.0) + contract.contracted_hours_week
        floor[office] = floor.get(office, 0.0) + contract.contracted_hours_week * contract_on_floor_share(
            contract, scenario.site
        )
    total = sum(hours.values())
    site_share = sum(floor.values()) / total if total > 0 else 1.0
    return {o: floor[o] / hours[o] if hours.get(o, 0.0) > 0 else site_share for o in offices_of(scenario)}


# ------------------------------------------------------------------------------------------------------------
# Required


def weekly_required(
    requirements: pd.DataFrame,
    site: Site,
    start: dt.date,
    weeks: int,
    plan: CapacityPlan,
    on_floor: Mapping[str, float],
) -> pd.DataFrame:
    """Per week and queue: volume, AHT (volume-weighted), required agent-hours (on the queue) and paid FTE
    (QUEUE_COLUMNS): agent-hours / (1 - absence_shrinkage) / the office's on-floor share / fte_hours_week."""
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
    share = weekly["queue"].map(office).map(lambda o: on_floor.get(o, 1.0)).astype(float)
    return pd.DataFrame(
        {
            "week_start": [start + dt.timedelta(weeks=int(w)) for w in weekly["week"]],
            "queue": weekly["queue"],
            "office": weekly["queue"].map(office),
            "volume": weekly["volume"],
            "aht_seconds": weekly["work"] / weekly["volume"].where(weekly["volume"] > 0),
            "required_agent_hours": weekly["agent_hours"],
            "required_fte": weekly["agent_hours"] / (1.0 - plan.absence_shrinkage) / share / plan.fte_hours_week,
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
    on_floor_share: Mapping[str, float] = field(default_factory=dict)  # per office: see on_floor_shares


def staff_weeks_elapsed(scenario: Scenario, start: dt.date) -> float:
    """Weeks from the staff snapshot (staff.csv is the staff on the scenario's horizon start) to `start`; 0 when
    the plan starts before it."""
    return max((start - scenario.site.horizon.start).days / 7, 0.0)


def capacity_figures(
    requirements: pd.DataFrame, scenario: Scenario, plan: CapacityPlan, start: dt.date, weeks: int
) -> CapacityFigures:
    """Required against available per office and week, the gap, and the suggested classes."""
    site = scenario.site
    on_floor = on_floor_shares(scenario)
    queues = weekly_required(requirements, site, start, weeks, plan, on_floor)
    mondays = week_starts(start, weeks)
    staff = staff_fte(scenario, plan.fte_hours_week)
    elapsed = staff_weeks_elapsed(scenario, start)
    survival = np.array([attrition_factor(elapsed + w, plan.attrition_per_month) for w in range(weeks)])
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
        on_floor_share=on_floor,
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


# ------------------------------------------------------------------------------------------------------------
# What a run of `wfm capacity` gives the reports (wfm.pipeline_capacity fills them, wfm.reports reads them)


@dataclass(frozen=True)
class CapacityResult:
    """One scenario's capacity plan, as a task returns it."""

    name: str
    label: str
    values: tuple[tuple[str, Any], ...]
    figures: CapacityFigures
    plan: CapacityPlan
    seconds: float


@dataclass(frozen=True)
class ScenarioFailure:
    """A scenario that could not be computed, and what went wrong in one line."""

    name: str
    error: str


@dataclass
class CapacityOutcome:
    site: str
    start: dt.date
    weeks: int
    plan: CapacityPlan
    forecast: LongRangeForecast
    cases: list[Case]
    results: list[CapacityResult]
    failures: list[ScenarioFailure]
    seconds: float
    where: str
    notes: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)  # notes the command prints (also in `notes`)
    on_floor_share: dict[str, float] = field(default_factory=dict)  # per office (on_floor_shares)
    folder: Path | None = None

    @property
    def base(self) -> CapacityResult | None:
        """The first scenario (each setting's first value), when it ran."""
        return next((r for r in self.results if r.name == "S1"), None)
