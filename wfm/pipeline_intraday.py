"""`wfm intraday`: re-plan the rest of today from what has happened so far.

1. Re-forecast: today's actuals so far against the forecast, per queue (`wfm.forecast.intraday`).
2. Requirements for the re-forecast, by the same staffing math as the plan.
3. Re-plan: every shift keeps its times, every other day and everything before now stays as published; from now
   to the end of the day queue assignments and breaks not yet taken may change, under every floor-ready rule
   (`FrozenDays.until`).
4. What changed per person, the coverage and service before and after, and the overtime and VTO worth offering
   (`wfm.scheduling.intraday`).

The published plan's folder is not changed: the re-plan goes to `<run>/intraday/<date>T<HHMM>/`, written whole
or not at all.
"""

from __future__ import annotations

import datetime as dt
import time
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from wfm.domain import Scenario
from wfm.forecast.intraday import QueueReforecast, reforecast_day
from wfm.io import ScenarioError, atomic_directory
from wfm.io.errors import Problem
from wfm.io.exports import read_history_export
from wfm.pipeline import requirements_for
from wfm.reports.files import DamagedRun, read_complete_run, read_roster_agents, week_start
from wfm.reports.intraday_book import write_intraday_files
from wfm.scheduling import ScheduleResult, schedule
from wfm.scheduling.freeze import FrozenDays
from wfm.scheduling.intraday import Change, Offer, changes, offers
from wfm.scheduling.kpis import compute_coverage

ALL_OR_NOTHING = "Fix them in the file and run again: today's actuals are used whole or not at all."


class IntradayError(Exception):
    """What stops a re-plan that the planner can fix: a damaged run folder, a day outside the plan."""


class NoReplan(IntradayError):
    """The re-plan found no plan (the rules cannot hold with the published shifts)."""


@dataclass
class IntradayOutcome:
    day: dt.date
    at: dt.datetime
    reforecast: list[QueueReforecast]
    forecast: pd.DataFrame  # the day's, re-forecast
    requirements: pd.DataFrame
    published: ScheduleResult
    replanned: ScheduleResult
    coverage_published: pd.DataFrame  # the published plan on the re-forecast, the rest of the day
    coverage_replanned: pd.DataFrame
    coverage_day: pd.DataFrame  # the re-plan's whole day (the morning as it happened), for the day sheet
    changes: list[Change]
    offers: list[Offer]
    seconds: float
    folder: Path | None = None


def read_actuals(path: Path, scenario_path: Path, scenario: Scenario, at: dt.datetime) -> pd.DataFrame:
    """Today's actuals in the history format, checked as history.csv is; every row must be of `at`'s day and
    start before `at` (an interval not yet over is not an actual). Raises ScenarioError."""
    site_toml = scenario_path if scenario_path.is_file() else scenario_path / "site.toml"
    frame = read_history_export(path, site_toml, scenario.site, all_or_nothing=ALL_OR_NOTHING)
    starts = pd.to_datetime(frame["interval_start"])
    day = pd.Timestamp(at.date())
    outside = frame[(starts < day) | (starts >= pd.Timestamp(at))]
    if len(outside):
        first = outside.iloc[0]
        raise ScenarioError(
            [
                Problem(
                    path.name,
                    None,
                    "interval_start",
                    None,
                    f"{len(outside)} row(s) are not before {at:%H:%M} on {at:%Y-%m-%d} (the first: "
                    f"{pd.Timestamp(first['interval_start']):%Y-%m-%d %H:%M}, {first['queue']}): the re-plan uses "
                    "what has happened today so far; give a later --at or leave those rows out",
                )
            ]
        )
    return frame


def intraday_replan(
    folder: Path,
    scenario: Scenario,
    actuals: pd.DataFrame,
    at: dt.datetime,
    *,
    time_limit_seconds: float,
    seed: int | None = None,
    workers: int | None = None,
) -> IntradayOutcome:
    """Re-plan the rest of `at`'s day of the plan in run `folder` (see the module's docstring). Raises what
    IntradayError for a damaged run folder or a day outside the plan, NoReplan when no plan is found."""
    started = time.monotonic()
    try:
        run = read_complete_run(folder, "re-planned")
    except DamagedRun as exc:
        raise IntradayError(str(exc)) from None
    day = at.date()
    if day not in scenario.site.horizon.dates:
        first, last = scenario.site.horizon.dates[0], scenario.site.horizon.dates[-1]
        raise IntradayError(f"{day} is not a day of the plan in {folder} ({first} to {last}); give --date")
    forecast, factors = reforecast_day(run.forecast, actuals, day, at)
    requirements, _ = requirements_for(forecast, scenario)
    frozen = FrozenDays(
        days=tuple(scenario.site.horizon.dates),
        shifts=run.result.shifts,
        segments=run.result.segments,
        agents=tuple(sorted(read_roster_agents(folder) | {s.agent_id for s in run.result.shifts})),
        until=at,
    )
    # The published plan is the search's start: every rule holds in it, and nothing changes unless it pays.
    replanned = schedule(
        scenario, requirements, time_limit_seconds=time_limit_seconds, seed=seed, workers=workers, frozen=frozen,
        start_from=run.result,
    )  # fmt: skip
    if not replanned.status.has_plan:
        raise NoReplan(f"no re-plan was found: {replanned.message}")
    day_end = dt.datetime.combine(day + dt.timedelta(days=1), dt.time())
    rest = _rest_of_day(at, day_end)
    coverage_before = compute_coverage(scenario, requirements, run.result)
    coverage_after = compute_coverage(scenario, requirements, replanned)
    first_day = scenario.site.horizon.start
    week_of = {d: week_start(d, first_day) for d in scenario.site.horizon.dates}
    paid: dict[tuple[str, dt.date], int] = {}
    for shift in replanned.shifts:
        key = (shift.agent_id, week_of.get(shift.date, shift.date))
        paid[key] = paid.get(key, 0) + shift.paid_minutes
    found = offers(scenario, coverage_after, replanned, at, week_paid_minutes=paid, week_of=week_of)
    return IntradayOutcome(
        day=day,
        at=at,
        reforecast=factors,
        forecast=forecast[pd.to_datetime(forecast["interval_start"]).dt.date == day].reset_index(drop=True),
        requirements=requirements,
        published=run.result,
        replanned=replanned,
        coverage_published=rest(coverage_before),
        coverage_replanned=rest(coverage_after),
        coverage_day=coverage_after[pd.to_datetime(coverage_after["interval_start"]).dt.date == day],
        changes=changes(scenario, run.result, replanned, at, day_end),
        offers=found,
        seconds=time.monotonic() - started,
    )


def _rest_of_day(at: dt.datetime, day_end: dt.datetime):  # type: ignore[no-untyped-def]
    def keep(frame: pd.DataFrame) -> pd.DataFrame:
        starts = pd.to_datetime(frame["interval_start"])
        return frame[(starts >= pd.Timestamp(at)) & (starts < pd.Timestamp(day_end))].reset_index(drop=True)

    return keep


def write_intraday(folder: Path, scenario: Scenario, outcome: IntradayOutcome) -> Path:
    """The re-plan into `<folder>/intraday/<date>T<HHMM>/`, whole or not at all (an earlier re-plan for the same
    moment is replaced)."""
    target = folder / "intraday" / f"{outcome.at:%Y-%m-%dT%H%M}"
    with atomic_directory(target) as staging:
        write_intraday_files(
            staging, scenario=scenario, at=outcome.at, seconds=outcome.seconds, factors=outcome.reforecast,
            forecast=outcome.forecast, replanned=outcome.replanned, coverage_published=outcome.coverage_published,
            coverage_replanned=outcome.coverage_replanned, coverage_day=outcome.coverage_day, changes=outcome.changes,
            offers=outcome.offers,
        )  # fmt: skip
    outcome.folder = target
    return target
