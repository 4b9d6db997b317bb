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
  (the 8 weeks before the same origin a year earlier), with the trend between the two taken out (the same weekly
  volume the forecast adds: a year-ago level below today's grew by more, relatively);
- **holidays**: as the interval forecast decides them (`holiday_factors`: as last time, else like the queue's
  other holidays, else closed); the season's weekly totals are taken with holidays replaced by a normal day, so a
  moving holiday (Easter) is counted once, on its own date.

A planner's business forecast (`volume_plan`: weekly volume per queue, read by `wfm.io.capacity_file`) replaces the
model's weekly total where given; the model's days and holidays still shape the week. Each day is spread over
intervals with the queue's mean intraday shape of that weekday over the last 8 weeks, and each interval's handle
time is the volume-weighted mean of that weekday and time of day over the last 8 weeks. docs/capacity.md has the
limits."""

from __future__ import annotations

import dataclasses
import datetime as dt
from dataclasses import dataclass, field

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
    history_end: dt.date | None = None  # the last day of history before the start
    weeks_past_history: int = 0  # whole weeks between the history's end and the start, bridged by the trend
    warnings: tuple[str, ...] = ()  # notes the planner must see when the plan is made (also in `notes`)

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
    history_end: dt.date | None = None
    weeks_past_history: int = 0
    warnings: tuple[str, ...] = field(default_factory=tuple)


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
    before `start`. Returns the forecast, the history's DayTable and its usable days (for the intraday shape).
    Raises ScenarioError when there is not one whole week of history before `start`."""
    everything = rows
    rows = rows[rows["interval_start"] < pd.Timestamp(start)]
    last_day = rows["interval_start"].max().normalize() if len(rows) else pd.Timestamp(start)
    # Weeks are counted back from the start, or, when the history stopped weeks earlier, from the same weekday
    # just after its last day (weeks stay calendar weeks like the plan's); the weeks between are bridged by the
    # trend. A last week with a few days missing (a closed Sunday) is filled like any missing day.
    whole_weeks_missing = max((pd.Timestamp(start) - last_day - pd.Timedelta(days=1)).days // 7, 0)
    origin = pd.Timestamp(start) - pd.Timedelta(days=7 * whole_weeks_missing)
    first_day = rows["interval_start"].min().normalize() if len(rows) else origin
    if (origin - first_day).days < 7:
        raise ScenarioError([_too_little_history(everything, start)])
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
            season = _season(clean[q], table, start, weeks, used * level, in_sample + gap_weeks)
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
    factor, decided = holiday_factors(table, site, dates)
    event = event_factors(site, events, dates)
    volume *= np.where(np.isnan(event), factor, event)
    notes.extend(_holiday_summary(site, dates, factor, decided, ~np.isnan(event)))
    short = sorted({m.trend_weeks for m in models if 0 < m.trend_weeks < TREND_WEEKS})
    if short:
        notes.append(f"trends measured over {short[0]} weeks count {short[0]}/{TREND_WEEKS} of their slope (over less "
                     "than a year, part of what looks like growth is the season)")  # fmt: skip
    if history_weeks < SEASON_MIN_WEEKS:
        notes.append(f"no yearly season: {history_weeks} weeks of history, {SEASON_MIN_WEEKS} needed (1 year + "
                     f"{LEVEL_WEEKS} weeks); seasonal peaks must come from volume_plan")  # fmt: skip
    warnings: list[str] = []
    if whole_weeks_missing:
        warnings.append(
            f"the history ends {last_day.date()}, {whole_weeks_missing} whole week(s) before the plan's start {start}: "
            f"the forecast extrapolates {whole_weeks_missing} weeks past the last history before its first week (the "
            f"level is the history's last {LEVEL_WEEKS} weeks, carried by the trend at most as far as the weeks it was "
            "measured on); give a recent history.csv for a plan that far ahead"
        )
        notes.insert(0, warnings[-1])
    forecast = DailyForecast(site, start, weeks, volume, tuple(models), tuple(notes), last_day.date(),
                             whole_weeks_missing, tuple(warnings))  # fmt: skip
    return forecast, table, usable


def _too_little_history(rows: pd.DataFrame, start: dt.date) -> Problem:
    """What the forecast needs when there is not one whole week of history before `start`."""
    need = (f"the long-range forecast needs at least 1 whole week (7 days) of history before the plan's start "
            f"{start} ({LEVEL_WEEKS} weeks for a weekday level and a trend, {SEASON_MIN_WEEKS} for a yearly "
            "season)")  # fmt: skip
    if not len(rows):
        return Problem("history.csv", None, None, None, f"{need}; it has no rows")
    first = rows["interval_start"].min().normalize().date()
    last = rows["interval_start"].max().normalize().date()
    if (last - first).days < 6:
        return Problem("history.csv", None, None, None, f"{need}; it covers only {first} to {last}")
    earliest = first + dt.timedelta(days=7)
    earliest += dt.timedelta(days=(start.weekday() - earliest.weekday()) % 7)
    return Problem("history.csv", None, None, None, f"{need}; it runs {first} to {last}: start on or after "
                   f"{earliest}, or add older history")  # fmt: skip


def _season(
    clean: np.ndarray, table: DayTable, start: dt.date, weeks: int, slope: float, level_to_start: float
) -> np.ndarray:
    """Per forecast week: the year-ago week's clean total over the year-ago level, the trend between them taken out
    (it is applied separately): `slope` (the growth used, in volume a week, as the forecast adds it) times the
    weeks from the year-ago level's middle to the middle of that week; beyond a year ahead the season repeats."""
    first = table.dates[0]
    year_ago_origin = (table.origin - pd.Timedelta(days=7 * SEASON_WEEKS) - first).days
    before = clean[year_ago_origin - 7 * LEVEL_WEEKS : year_ago_origin]
    level = before.sum() / LEVEL_WEEKS if year_ago_origin >= 7 * LEVEL_WEEKS else 0.0
    season = np.ones(weeks)
    if level <= 0:
        return season
    for h in range(weeks):
        offset = h % SEASON_WEEKS  # the forecast week's place in the year: the same for its year-ago week and trend
        day = (pd.Timestamp(start) + pd.Timedelta(days=7 * offset - 7 * SEASON_WEEKS) - first).days
        if day < 0 or day + 7 > table.days:
            continue
        detrended = max(level + slope * (level_to_start + offset + 0.5), 0.1 * level)
        season[h] = float(np.clip(clean[day : day + 7].sum() / detrended, *SEASON_RANGE))
    return season


# How `holiday_factors` decided a queue's holiday (the start of its note), in the planner's words.
HOLIDAY_CASES = (
    ("as last time", "as on this holiday in the history"),
    ("like its other holidays", "like the other holidays in the history"),
    ("as closed", "closed: no holiday in the history to go by; an events.csv line if it opens"),
)


def _holiday_summary(
    site: Site, dates: pd.DatetimeIndex, factor: np.ndarray, decided: list[str], event: np.ndarray
) -> list[str]:
    """One line per public holiday ahead: each queue's share of a normal day and how it was decided (`decided`:
    the notes of `holiday_factors`); queues with an events.csv line that day are left out (the event decides)."""
    names = holiday_names(site.country, dates[0].date(), dates[-1].date()) if len(dates) else {}
    lines = []
    for d in np.flatnonzero(((factor != 1.0) & ~event).any(axis=0)):
        day, name = dates[d].date(), names.get(dates[d].date(), "public holiday")
        groups: dict[str, list[tuple[str, float]]] = {}
        for q, queue in enumerate(site.queues):
            if event[q, d]:
                continue
            prefix = f"{day} {name}: queue {queue.id} forecast "
            how = next((n.removeprefix(prefix) for n in decided if n.startswith(prefix)), "")
            case = next((words for start, words in HOLIDAY_CASES if how.startswith(start)), "as decided")
            groups.setdefault(case, []).append((queue.id, float(factor[q, d])))
        shares = [share for group in groups.values() for _, share in group]
        if len(groups) == 1 and len(set(shares)) == 1 and len(shares) == len(site.queues):
            ((case, _),) = groups.items()
            lines.append(f"{day} {name}: every queue {shares[0]:.0%} of a normal day ({case})")
            continue
        parts = [", ".join(f"{q} {share:.0%}" for q, share in group) + f" ({case})" for case, group in groups.items()]
        lines.append(f"{day} {name}, share of a normal day: {'; '.join(parts)}")
    return lines


# ------------------------------------------------------------------------------------------------------------
# A planner's weekly volumes


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
    return dataclasses.replace(forecast, volume=volume)


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
    """The scenario's demand for `weeks` weeks from `start`: the model above, the plan's weeks in its place
    (`volume_plan`: week_start, queue, volume, as `wfm.io.capacity_file.read_volume_plan` reads it). Raises
    ScenarioError when there is not one whole week of history before `start`."""
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
        history_end=daily.history_end,
        weeks_past_history=daily.weeks_past_history,
        warnings=daily.warnings,
    )
