"""The long-range forecast behind `wfm capacity`: daily volume per queue for months ahead, spread over intervals.

The interval forecast (`run_forecast`) learns the next week from the last few; months ahead it would stay flat
while the business grows or shrinks. Here each queue's day is

    weekday level  x  damped trend  x  yearly season  x  holiday or events.csv factor

- **weekday level**: the mean daily total of that weekday over the last 8 weeks of history, normal days only
  (public holidays, events.csv days, outlier days and daylight-saving days left out, as `build_day_table`
  decides for every forecast);
- **trend**: the Theil-Sen slope of the weekly totals over up to the last 52 weeks (robust: one odd week cannot
  tilt it), as a growth rate per week relative to the level; damped by 0.98 per week ahead, capped at 1 % a
  week, and never carried further than the weeks it was measured on (13 weeks of history can at most move the
  level by 13 weeks' growth), so a short history cannot extrapolate wildly;
- **yearly season**: with at least 1 year + 8 weeks of history, the year-ago week's total over the year-ago level
  (the 8 weeks before the same origin a year earlier), with the trend between the two taken out;
- **holidays**: as the interval forecast decides them (`holiday_factors`: as last time, else like the queue's
  other holidays, else closed); the season's weekly totals are taken with holidays replaced by a normal day, so a
  moving holiday (Easter) is counted once, on its own date.

A planner's business forecast (`volume_plan`: weekly volume per queue) replaces the model's weekly total where
given; the model's days and holidays still shape the week. Each day is spread over intervals with the queue's
mean intraday shape of that weekday over the last 8 weeks, and each interval's handle time is the
volume-weighted mean of that weekday and time of day over the last 8 weeks. docs/capacity.md has the limits.
"""

from __future__ import annotations

import csv
import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
from scipy.stats import theilslopes

from wfm.domain import WEEKDAYS, Event, QueueKind, Scenario, Site
from wfm.forecast.engine import aht_profile, holiday_factors, horizon_intervals
from wfm.forecast.history import (
    DayTable,
    build_day_table,
    event_factors,
    holiday_mask,
    holiday_names,
    normalize_history,
)
from wfm.io.errors import Problem, ScenarioError

LEVEL_WEEKS = 8  # the level, the intraday shape and the handle times: the last 8 weeks
TREND_WEEKS = 52  # the trend: weekly totals over up to the last year (a whole year: the season cancels out)
MIN_TREND_WEEKS = 8  # fewer whole weeks of history: no trend (a slope through 5 points is mostly noise)
DAMPING = 0.98  # each week ahead carries 98 % of the previous week's growth
MAX_GROWTH_PER_WEEK = 0.01  # +-1 % a week (about +-68 % a year undamped): beyond that, ask the business
SEASON_WEEKS = 52
SEASON_MIN_WEEKS = SEASON_WEEKS + LEVEL_WEEKS  # a year-ago week and the 8 weeks before it
SEASON_RANGE = (0.5, 2.0)  # a year-ago week at a tenth of its level is a data gap, not a season
NEAREST_SAME_WEEKDAYS = 4  # a holiday or missing day counts as the mean of the 4 nearest normal same weekdays
PLAN_COLUMNS = ("week_start", "queue", "volume")


@dataclass(frozen=True)
class QueueModel:
    """What the model learned for one queue, for the planner to check (summary.json, docs)."""

    queue: str
    history_weeks: int  # whole weeks of history before the origin
    weekday_level: tuple[float, ...]  # Monday .. Sunday: mean daily total over the last 8 weeks
    weekly_level: float
    growth_measured: float  # Theil-Sen slope / level, per week (0 without a trend)
    growth_used: float  # after the cap
    trend_weeks: int  # weekly totals the slope was measured on (0: no trend)
    seasonal: bool


@dataclass(frozen=True)
class DailyForecast:
    """Volume per queue and day from `start` for `weeks` weeks (`volume[q, d]`), and how it was made."""

    site: Site
    start: dt.date
    weeks: int
    volume: np.ndarray
    models: tuple[QueueModel, ...]
    notes: tuple[str, ...]

    @property
    def dates(self) -> pd.DatetimeIndex:
        return pd.date_range(pd.Timestamp(self.start), periods=7 * self.weeks, freq="D")

    def weekly(self) -> np.ndarray:
        """[q, week] totals."""
        return self.volume.reshape(len(self.site.queues), self.weeks, 7).sum(axis=2)


@dataclass(frozen=True)
class LongRangeForecast:
    """The capacity plan's demand: `intervals` (interval_start, queue, volume, aht_seconds, fold) for the staffing
    math, `weekly` (week_start, queue, volume, aht_seconds, source) for the planner."""

    start: dt.date
    weeks: int
    intervals: pd.DataFrame
    weekly: pd.DataFrame
    models: tuple[QueueModel, ...]
    notes: tuple[str, ...] = field(default_factory=tuple)


# ------------------------------------------------------------------------------------------------------------
# Days


def usable_days(table: DayTable, site: Site) -> np.ndarray:
    """[q, d]: the day's total may stand for its weekday: a normal day (see `build_day_table`), or a day the queue
    is closed by its hours on which items still arrived (post and forms over the weekend), not a holiday."""
    observed = ~np.isnan(table.volume).all(axis=2) & ~np.isnan(table.day_total)
    holiday = holiday_mask(site.country, table.dates)
    weekday = table.weekday
    closed = np.array([[WEEKDAYS[w] not in queue.open_days for w in weekday] for queue in site.queues])
    closed = closed.reshape(len(site.queues), table.days)
    return table.normal | (closed & observed & ~holiday[None, :])


def clean_day_totals(table: DayTable, usable: np.ndarray) -> np.ndarray:
    """[q, d] daily totals with every unusable day (holiday, outlier, missing) replaced by the mean of the nearest
    normal same weekdays: the weeks a trend and a season are measured on, without one-off days. A weekday never
    usable (the queue is shut) is 0."""
    clean = np.where(usable, table.day_total, np.nan)
    weekday = table.weekday
    for q in range(clean.shape[0]):
        for w in range(7):
            days = np.flatnonzero(weekday == w)
            good = days[usable[q, days]]
            for d in days[~usable[q, days]]:
                if not len(good):
                    clean[q, d] = 0.0
                    continue
                near = good[np.argsort(np.abs(good - d), kind="stable")[:NEAREST_SAME_WEEKDAYS]]
                clean[q, d] = float(np.mean(table.day_total[q, near]))
    return clean


def weekday_levels(table: DayTable, usable: np.ndarray) -> np.ndarray:
    """[q, weekday]: mean usable daily total over the last 8 weeks; a weekday with none there takes its 4 most
    recent usable days from earlier; never usable: 0."""
    recent = np.arange(table.days) >= table.days - 7 * LEVEL_WEEKS
    levels = np.zeros((usable.shape[0], 7))
    weekday = table.weekday
    for q in range(usable.shape[0]):
        for w in range(7):
            days = np.flatnonzero((weekday == w) & usable[q])
            inside = days[recent[days]]
            chosen = inside if len(inside) else days[-NEAREST_SAME_WEEKDAYS:]
            if len(chosen):
                levels[q, w] = float(np.mean(table.day_total[q, chosen]))
    return levels


def damped_steps(weeks: np.ndarray | float) -> np.ndarray:
    """sum of DAMPING**k for k = 1..weeks (weeks may be fractional): how many weeks of growth `weeks` ahead adds."""
    return np.asarray(DAMPING * (1 - np.power(DAMPING, weeks)) / (1 - DAMPING), dtype=float)


def daily_forecast(
    rows: pd.DataFrame, site: Site, start: dt.date, weeks: int, events: tuple[Event, ...] | list[Event] = ()
) -> tuple[DailyForecast, DayTable, np.ndarray]:
    """Daily volume per queue for `weeks` weeks from `start`, from normalized history rows (`normalize_history`)
    before `start`. Returns the forecast, the history's DayTable and its usable days (for the intraday shape)."""
    rows = rows[rows["interval_start"] < pd.Timestamp(start)]
    last_day = rows["interval_start"].max().normalize() if len(rows) else pd.Timestamp(start)
    # Weeks are counted back from the start, or, when the history stopped weeks earlier, from the same weekday
    # just after its last day (weeks stay calendar weeks like the plan's); the weeks between are bridged by the
    # trend. A last week with a few days missing (a closed Sunday) is filled like any missing day.
    whole_weeks_missing = max((pd.Timestamp(start) - last_day - pd.Timedelta(days=1)).days // 7, 0)
    origin = pd.Timestamp(start) - pd.Timedelta(days=7 * whole_weeks_missing)
    table = build_day_table(rows, site, origin, events)
    usable = usable_days(table, site)
    clean = clean_day_totals(table, usable)
    levels = weekday_levels(table, usable)
    history_weeks = table.days // 7
    weekly = clean[:, table.days - 7 * history_weeks :].reshape(len(site.queues), history_weeks, 7).sum(axis=2)
    gap_weeks = (pd.Timestamp(start) - origin).days / 7
    # Distance from the level (the middle of its 8 weeks) to the middle of each forecast week.
    level_weeks = min(LEVEL_WEEKS, history_weeks)
    ahead = gap_weeks + np.arange(weeks) + 0.5
    in_sample = level_weeks / 2  # the level's middle to the origin: growth already seen, not damped

    dates = pd.date_range(pd.Timestamp(start), periods=7 * weeks, freq="D")
    volume = np.zeros((len(site.queues), len(dates)))
    models: list[QueueModel] = []
    notes: list[str] = []
    for q, queue in enumerate(site.queues):
        level = float(levels[q].sum())
        trend_weeks = min(history_weeks, TREND_WEEKS)
        measured = used = 0.0
        if trend_weeks >= MIN_TREND_WEEKS and level > 0:
            slope = float(theilslopes(weekly[q, history_weeks - trend_weeks :], np.arange(trend_weeks)).slope)
            measured = slope / level
            # Over part of a year a slope measures the season as much as growth (a spring peak fading looks like
            # decline): it counts in proportion to the year it covers, a quarter for 13 weeks.
            credibility = min(1.0, trend_weeks / TREND_WEEKS)
            used = float(np.clip(measured, -MAX_GROWTH_PER_WEEK, MAX_GROWTH_PER_WEEK)) * credibility
        else:
            trend_weeks = 0
        steps = np.minimum(in_sample + damped_steps(ahead), trend_weeks)
        trend = np.maximum(1.0 + used * steps, 0.0)
        seasonal = history_weeks >= SEASON_MIN_WEEKS and level > 0
        season = np.ones(weeks)
        if seasonal:
            season = _season(clean[q], table, start, weeks, used, in_sample + gap_weeks)
        weekday = np.asarray(dates.day_of_week)
        volume[q] = levels[q, weekday] * np.repeat(trend * season, 7)
        models.append(
            QueueModel(queue.id, history_weeks, tuple(float(v) for v in levels[q]), level, measured, used,
                       trend_weeks, seasonal)
        )  # fmt: skip
        if level <= 0:
            notes.append(f"queue {queue.id}: no volume in its history; give its weekly volume in volume_plan")
        elif history_weeks < LEVEL_WEEKS:
            notes.append(f"queue {queue.id}: {history_weeks} whole week(s) of history; its level is their mean and it "
                         f"has no trend ({MIN_TREND_WEEKS} weeks needed)")  # fmt: skip
        if abs(measured) > MAX_GROWTH_PER_WEEK:
            notes.append(f"queue {queue.id}: its history grows {measured:+.2%} a week; capped at "
                         f"{MAX_GROWTH_PER_WEEK:.0%}")  # fmt: skip
    factor, _ = holiday_factors(table, site, dates)
    event = event_factors(site, events, dates)
    volume *= np.where(np.isnan(event), factor, event)
    notes.extend(_holiday_summary(site, dates, factor))
    short = sorted({m.trend_weeks for m in models if 0 < m.trend_weeks < TREND_WEEKS})
    if short:
        notes.append(f"trends measured over {short[0]} weeks count {short[0]}/{TREND_WEEKS} of their slope (over less "
                     "than a year, part of what looks like growth is the season)")  # fmt: skip
    if history_weeks < SEASON_MIN_WEEKS:
        notes.append(f"no yearly season: {history_weeks} weeks of history, {SEASON_MIN_WEEKS} needed (1 year + "
                     f"{LEVEL_WEEKS} weeks); seasonal peaks must come from volume_plan")  # fmt: skip
    forecast = DailyForecast(site, start, weeks, volume, tuple(models), tuple(notes))
    return forecast, table, usable


def _season(
    clean: np.ndarray, table: DayTable, start: dt.date, weeks: int, growth: float, level_to_start: float
) -> np.ndarray:
    """Per forecast week: the year-ago week's clean total over the year-ago level, the trend between them taken out
    (it is applied separately); beyond a year ahead the season repeats."""
    first = table.dates[0]
    year_ago_origin = (table.origin - pd.Timedelta(days=7 * SEASON_WEEKS) - first).days
    before = clean[year_ago_origin - 7 * LEVEL_WEEKS : year_ago_origin]
    level = before.sum() / LEVEL_WEEKS if year_ago_origin >= 7 * LEVEL_WEEKS else 0.0
    season = np.ones(weeks)
    if level <= 0:
        return season
    for h in range(weeks):
        day = (pd.Timestamp(start) + pd.Timedelta(days=7 * (h % SEASON_WEEKS) - 7 * SEASON_WEEKS) - first).days
        if day < 0 or day + 7 > table.days:
            continue
        detrended = level * max(1.0 + growth * (level_to_start + h + 0.5), 0.1)
        season[h] = float(np.clip(clean[day : day + 7].sum() / detrended, *SEASON_RANGE))
    return season


def _holiday_summary(site: Site, dates: pd.DatetimeIndex, factor: np.ndarray) -> list[str]:
    """One line per public holiday ahead: each queue's share of a normal day."""
    names = holiday_names(site.country, dates[0].date(), dates[-1].date()) if len(dates) else {}
    lines = []
    for d in np.flatnonzero((factor != 1.0).any(axis=0)):
        name = names.get(dates[d].date(), "public holiday")
        if np.all(factor[:, d] == factor[0, d]):
            shares = f"every queue {factor[0, d]:.0%}"
        else:
            shares = ", ".join(f"{queue.id} {factor[q, d]:.0%}" for q, queue in enumerate(site.queues))
        lines.append(f"{dates[d].date()} {name}: {shares} of a normal day (as on its holidays in the history)")
    return lines


# ------------------------------------------------------------------------------------------------------------
# A planner's weekly volumes


def read_volume_plan(path: Path, site: Site, start: dt.date, weeks: int) -> tuple[pd.DataFrame, list[str]]:
    """volume_plan CSV (week_start, queue, volume): the business's weekly volume per queue. Every problem with its
    row and column as a ScenarioError; rows for weeks outside the plan are left out with a note."""
    label = path.name
    try:
        with path.open(encoding="utf-8-sig", newline="") as handle:
            reader = csv.DictReader(handle)
            header = [h.strip() for h in reader.fieldnames or []]
            records = [{(k or "").strip(): (v or "").strip() for k, v in row.items()} for row in reader]
    except (OSError, UnicodeDecodeError, csv.Error) as exc:
        raise ScenarioError([Problem(label, None, None, None, f"the file could not be read ({exc})")]) from None
    missing = [c for c in PLAN_COLUMNS if c not in header]
    if missing:
        raise ScenarioError([Problem(label, 1, None, None, f"the header needs the columns {', '.join(PLAN_COLUMNS)}; "
                                     f"missing: {', '.join(missing)}")])  # fmt: skip
    queues = [q.id for q in site.queues]
    problems: list[Problem] = []
    kept: list[tuple[dt.date, str, float]] = []
    seen: dict[tuple[dt.date, str], int] = {}
    outside = 0
    for number, record in enumerate(records, start=2):
        try:
            week = dt.date.fromisoformat(record["week_start"])
        except ValueError:
            problems.append(Problem(label, number, "week_start", record["week_start"], "a date (YYYY-MM-DD)"))
            continue
        if week.weekday() != start.weekday():
            problems.append(Problem(label, number, "week_start", record["week_start"],
                                    f"a {start:%A} (the plan's weeks start on {start:%A}s, e.g. {start})"))  # fmt: skip
            continue
        if record["queue"] not in queues:
            problems.append(Problem(label, number, "queue", record["queue"], f"a queue of {site.name}: "
                                    f"{', '.join(queues)}"))  # fmt: skip
            continue
        try:
            volume = float(record["volume"])
        except ValueError:
            volume = float("nan")
        if not np.isfinite(volume) or volume < 0:
            problems.append(Problem(label, number, "volume", record["volume"], "a volume of 0 or more"))
            continue
        key = (week, record["queue"])
        if key in seen:
            problems.append(Problem(label, number, "week_start", record["week_start"],
                                    f"another week for {record['queue']} (row {seen[key]} has it)"))  # fmt: skip
            continue
        seen[key] = number
        if not 0 <= (week - start).days < 7 * weeks:
            outside += 1
            continue
        kept.append((week, record["queue"], volume))
    if problems:
        raise ScenarioError(problems)
    notes = [f"{label}: {outside} row(s) for weeks outside the plan left out"] if outside else []
    return pd.DataFrame(kept, columns=list(PLAN_COLUMNS)), notes


def apply_volume_plan(forecast: DailyForecast, plan: pd.DataFrame) -> DailyForecast:
    """The plan's weekly volumes in place of the model's, keeping the model's shape of the week (weekdays and
    holidays); a week the model has empty is spread evenly over the queue's open days."""
    volume = forecast.volume.copy()
    index = {q.id: i for i, q in enumerate(forecast.site.queues)}
    for row in plan.itertuples(index=False):
        q, h = index[str(row.queue)], (row.week_start - forecast.start).days // 7
        week = volume[q, 7 * h : 7 * h + 7]
        if week.sum() > 0:
            week *= float(row.volume) / week.sum()
        else:
            queue = forecast.site.queues[q]
            days = forecast.dates[7 * h : 7 * h + 7]
            open_days = np.array([WEEKDAYS[d.day_of_week] in queue.open_days for d in days], dtype=float)
            week[:] = float(row.volume) * open_days / max(open_days.sum(), 1.0)
    return DailyForecast(forecast.site, forecast.start, forecast.weeks, volume, forecast.models, forecast.notes)


# ------------------------------------------------------------------------------------------------------------
# Intervals


def intraday_shapes(table: DayTable, usable: np.ndarray, site: Site) -> np.ndarray:
    """[q, weekday, slot] share of the day's volume per interval: the last 8 weeks' usable days of that weekday,
    else all of the history's, else all weekdays' of the last 8 weeks, else even over the opening hours. Live
    queues' shares are kept to their opening hours (nobody answers a closed queue)."""
    slots = site.intervals_per_day
    recent = np.arange(table.days) >= table.days - 7 * LEVEL_WEEKS
    volume = np.nan_to_num(table.volume)
    shapes = np.zeros((len(site.queues), 7, slots))
    slot_minute = np.arange(slots) * site.interval_minutes
    for q, queue in enumerate(site.queues):
        pooled = volume[q, usable[q] & recent].sum(axis=0)
        for w in range(7):
            window = queue.window(w)
            opening = (slot_minute >= window[0]) & (slot_minute < window[1]) if window else np.zeros(slots, dtype=bool)
            keep = opening if queue.kind is QueueKind.LIVE else np.ones(slots, dtype=bool)
            candidates = (
                volume[q, usable[q] & recent & (table.weekday == w)].sum(axis=0),
                volume[q, usable[q] & (table.weekday == w)].sum(axis=0),
                pooled,
                opening.astype(float) if opening.any() else np.ones(slots),
            )
            for shape in candidates:
                shape = np.where(keep, shape, 0.0) if keep.any() else shape
                if shape.sum() > 0:
                    shapes[q, w] = shape / shape.sum()
                    break
    return shapes


def handle_times(table: DayTable, usable: np.ndarray, site: Site) -> np.ndarray:
    """[q, weekday, slot] AHT: volume-weighted over the last 8 weeks' usable days of that weekday and time of day;
    where none is known, the interval forecast's AHT of that time of day (and its fallbacks)."""
    recent = (np.arange(table.days) >= table.days - 7 * LEVEL_WEEKS)[None, :] & usable
    fallback = aht_profile(table, site)  # [q, slot]
    out = np.repeat(fallback[:, None, :], 7, axis=1)
    for w in range(7):
        days = recent & (table.weekday == w)[None, :]
        work = np.where(days[:, :, None], table.work_seconds, 0.0).sum(axis=1)
        counted = np.where(days[:, :, None], table.aht_volume, 0.0).sum(axis=1)
        out[:, w, :] = np.where(counted > 0, work / np.where(counted > 0, counted, 1.0), fallback)
    return out


def to_intervals(forecast: DailyForecast, shapes: np.ndarray, aht: np.ndarray) -> pd.DataFrame:
    """The daily volumes spread over the real intervals (daylight-saving days included), with their AHT."""
    site = forecast.site
    grid = horizon_intervals(site, forecast.start, 7 * forecast.weeks)
    day, slot = grid["day"].to_numpy(), grid["slot"].to_numpy()
    weekday = np.asarray(forecast.dates.day_of_week)[day]
    volume = forecast.volume[:, day] * shapes[:, weekday, slot]
    handle = aht[:, weekday, slot]
    count = len(grid)
    frame = pd.DataFrame(
        {
            "interval_start": np.tile(grid["interval_start"].to_numpy(), len(site.queues)),
            "queue": np.repeat([q.id for q in site.queues], count),
            "volume": volume.reshape(-1),
            "aht_seconds": handle.reshape(-1),
            "fold": np.tile(grid["fold"].to_numpy(), len(site.queues)),
        }
    )
    return frame.sort_values(["interval_start", "fold", "queue"], kind="stable").reset_index(drop=True)


def weekly_table(intervals: pd.DataFrame, start: dt.date, planned: set[tuple[dt.date, str]]) -> pd.DataFrame:
    """week_start, queue, volume, aht_seconds (volume-weighted), source ("history" or "volume plan")."""
    frame = intervals.assign(
        week_start=(pd.Timestamp(start) + pd.to_timedelta(
            (intervals["interval_start"] - pd.Timestamp(start)).dt.days // 7 * 7, unit="D")).dt.date,
        work=intervals["volume"] * intervals["aht_seconds"],
    )  # fmt: skip
    weekly = frame.groupby(["week_start", "queue"], as_index=False, sort=True)[["volume", "work"]].sum()
    weekly["aht_seconds"] = np.where(weekly["volume"] > 0, weekly["work"] / weekly["volume"].where(
        weekly["volume"] > 0, 1.0), np.nan)  # fmt: skip
    weekly["source"] = [
        "volume plan" if (w, q) in planned else "history" for w, q in zip(weekly["week_start"], weekly["queue"],
                                                                         strict=True)
    ]  # fmt: skip
    return weekly.drop(columns="work")


def long_range_forecast(
    scenario: Scenario, start: dt.date, weeks: int, volume_plan: pd.DataFrame | None = None
) -> LongRangeForecast:
    """The scenario's demand for `weeks` weeks from `start`: the model above, the plan's weeks in its place."""
    site = scenario.site
    rows = normalize_history(scenario.history, site)
    daily, table, usable = daily_forecast(rows, site, start, weeks, scenario.events)
    planned: set[tuple[dt.date, str]] = set()
    if volume_plan is not None and len(volume_plan):
        daily = apply_volume_plan(daily, volume_plan)
        planned = {(w, str(q)) for w, q in zip(volume_plan["week_start"], volume_plan["queue"], strict=True)}
    intervals = to_intervals(daily, intraday_shapes(table, usable, site), handle_times(table, usable, site))
    return LongRangeForecast(
        start=start,
        weeks=weeks,
        intervals=intervals,
        weekly=weekly_table(intervals, start, planned),
        models=daily.models,
        notes=daily.notes,
    )
