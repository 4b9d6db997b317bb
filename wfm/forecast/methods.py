"""Volume and AHT forecasts per queue and interval for a planning horizon.

A forecast method is one small function with one interface (`VolumeMethod`): it gets the prepared history
and the target grid (one row per interval and queue of the horizon) and returns the expected volume for every
target row. `forecast_demand` then applies what is common to all methods: closed intervals and public holidays
get volume 0, and every row gets an AHT. New methods go into `METHODS`; `Site.forecast.method` picks one.

Assumptions a planner should know:
- Public holidays of `site.country` in the horizon are forecast as closed (volume 0 on every queue); in the
  history they are skipped, so a bank holiday Monday never lowers next Monday.
- Missing history intervals are unknown, not zero: a profile averages only what was observed.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import numpy as np
import pandas as pd

from wfm.domain import WEEKDAYS, Site
from wfm.forecast.history import PreparedHistory, prepare_history, public_holidays

VolumeMethod = Callable[[PreparedHistory, pd.DataFrame, Site], pd.Series]

FORECAST_COLUMNS = ("interval_start", "queue", "volume", "aht_seconds")

DEFAULT_AHT_SECONDS = 300.0

# Damped trend: the ratio of the mean daily volume of the last 4 weeks to the 4 weeks before, clipped so that
# one odd month cannot swing the plan by more than 10 %.
TREND_BLOCK_DAYS = 28
TREND_RATIO_MIN = 0.9
TREND_RATIO_MAX = 1.1
# The ratio is a 4-week growth, so one week of growth is ratio ** (1/4). Horizon week k (1 = the first 7 days)
# gets sum_{j<k} TREND_DAMPING ** j weeks of growth: 1 week, then 1.8, 2.44, ... approaching 5 weeks, so a
# long horizon never extrapolates the trend without bound.
TREND_DAMPING = 0.8


def horizon_grid(site: Site, start: dt.date, days: int) -> pd.DataFrame:
    """One row per interval of each day in [start, start + days) and each queue, in time then queue order."""
    if days < 1:
        raise ValueError(f"the forecast needs at least one day, got days={days}")
    periods = days * site.intervals_per_day
    times = pd.date_range(pd.Timestamp(start), periods=periods, freq=f"{site.interval_minutes}min").astype(
        "datetime64[ns]"
    )
    queue_ids = [q.id for q in site.queues]
    grid = pd.DataFrame(
        {"interval_start": np.repeat(times.to_numpy(), len(queue_ids)), "queue": np.tile(queue_ids, periods)}
    )
    grid["date"] = grid["interval_start"].dt.normalize()
    grid["weekday"] = grid["interval_start"].dt.day_of_week
    grid["slot"] = (grid["interval_start"].dt.hour * 60 + grid["interval_start"].dt.minute) // site.interval_minutes
    grid["days_ahead"] = (grid["date"] - pd.Timestamp(start)).dt.days
    return grid


def open_mask(site: Site, grid: pd.DataFrame) -> np.ndarray:
    """Queue.is_open for every grid row, vectorised over intervals."""
    minute = (grid["interval_start"].dt.hour * 60 + grid["interval_start"].dt.minute).to_numpy()
    weekday = grid["weekday"].to_numpy()
    queue = grid["queue"].to_numpy()
    is_open = np.zeros(len(grid), dtype=bool)
    for q in site.queues:
        open_days = [WEEKDAYS.index(d) for d in q.days]
        is_open |= (queue == q.id) & np.isin(weekday, open_days) & (minute >= q.open_minute) & (minute < q.close_minute)
    return is_open


def _recent_mean(rows: pd.DataFrame, keys: list[str], observations: int) -> pd.Series:
    """Mean volume of the `observations` most recent rows of each key group (missing rows are not there)."""
    ordered = rows.sort_values("interval_start", ascending=False, kind="stable")
    recent = ordered[ordered.groupby(keys, sort=False).cumcount() < observations]
    return recent.groupby(keys)["volume"].mean()


def _lookup(grid: pd.DataFrame, table: pd.Series, keys: list[str]) -> pd.Series:
    """`table` (indexed by keys) read for each grid row; NaN where the table has no entry."""
    values = grid[keys].join(table.rename("_value"), on=keys)["_value"]
    return values.astype(float)


def _profile_with_fallback(rows: pd.DataFrame, grid: pd.DataFrame, observations: int) -> pd.Series:
    """Same queue, weekday and slot; else same queue and slot on any weekday (newly opened hours); else 0."""
    by_weekday = _lookup(
        grid, _recent_mean(rows, ["queue", "weekday", "slot"], observations), ["queue", "weekday", "slot"]
    )
    by_slot = _lookup(grid, _recent_mean(rows, ["queue", "slot"], observations), ["queue", "slot"])
    return by_weekday.fillna(by_slot).fillna(0.0)


def trend_ratio(prepared: PreparedHistory, site: Site) -> pd.Series:
    """Mean daily volume of the last 4 weeks over the 4 weeks before, per queue, clipped to [0.9, 1.1].

    Holiday and outlier days are left out, and the mean is taken per weekday first, so a left-out Monday does
    not shift the weekday mix. A queue without 8 weeks of history has no measurable trend (ratio 1).
    """
    queue_ids = [q.id for q in site.queues]
    days = prepared.days
    recent_from = prepared.origin - pd.Timedelta(days=TREND_BLOCK_DAYS)
    prior_from = prepared.origin - pd.Timedelta(days=2 * TREND_BLOCK_DAYS)
    long_enough = days.groupby("queue")["date"].min() <= prior_from
    usable = days[~days["holiday"] & ~days["outlier"]]
    recent = usable[usable["date"] >= recent_from].groupby(["queue", "weekday"])["day_volume"].mean()
    prior = usable[(usable["date"] >= prior_from) & (usable["date"] < recent_from)]
    prior_mean = prior.groupby(["queue", "weekday"])["day_volume"].mean()
    both = pd.concat({"recent": recent, "prior": prior_mean}, axis=1).dropna()
    sums = both.groupby(level="queue").sum()
    ratio = (sums["recent"] / sums["prior"]).where(sums["prior"] > 0)
    ratio = ratio.where(long_enough.reindex(ratio.index, fill_value=False))
    return ratio.clip(TREND_RATIO_MIN, TREND_RATIO_MAX).reindex(queue_ids).fillna(1.0)


def trend_weeks(days_ahead: np.ndarray) -> np.ndarray:
    """Weeks of growth applied to a day `days_ahead` of the forecast origin (see TREND_DAMPING)."""
    horizon_week = days_ahead // 7 + 1
    return (1.0 - TREND_DAMPING**horizon_week) / (1.0 - TREND_DAMPING)


def weekly_profile(prepared: PreparedHistory, grid: pd.DataFrame, site: Site) -> pd.Series:
    """Mean of the last `site.forecast.weeks` observed volumes of the same queue, weekday and slot, x trend.

    Holiday and outlier days are skipped, so the next older week takes their place; a missing interval is
    skipped the same way. The damped trend is `trend_ratio ** (trend_weeks / 4)`.
    """
    usable = prepared.rows[~prepared.rows["excluded"]]
    level = _profile_with_fallback(usable, grid, site.forecast.weeks)
    ratio = grid["queue"].map(trend_ratio(prepared, site)).to_numpy()
    growth = ratio ** (trend_weeks(grid["days_ahead"].to_numpy()) / 4.0)
    return level * growth


def seasonal_naive(prepared: PreparedHistory, grid: pd.DataFrame, site: Site) -> pd.Series:
    """The same interval in the last observed week: the baseline a real method has to beat. No exclusions."""
    return _profile_with_fallback(prepared.rows, grid, 1)


METHODS: dict[str, VolumeMethod] = {"weekly_profile": weekly_profile, "seasonal_naive": seasonal_naive}


def aht_profile(prepared: PreparedHistory, grid: pd.DataFrame, site: Site, is_open: np.ndarray) -> np.ndarray:
    """AHT per queue and time-of-day slot (any weekday): volume-weighted over the last `weeks` weeks.

    Fallbacks: the queue's overall volume-weighted AHT over the whole history (plain mean if it only has zero
    volumes), then DEFAULT_AHT_SECONDS. Closed intervals get the queue's overall AHT so downstream math stays
    finite.
    """
    rows = prepared.rows
    known = rows[rows["aht_seconds"].notna() & (rows["aht_seconds"] > 0)]
    known = known.assign(work_seconds=known["volume"] * known["aht_seconds"])
    window_from = prepared.origin - pd.Timedelta(weeks=site.forecast.weeks)
    window = known[(known["date"] >= window_from) & ~known["excluded"] & (known["volume"] > 0)]
    slot_sums = window.groupby(["queue", "slot"])[["work_seconds", "volume"]].sum()
    by_slot = slot_sums["work_seconds"] / slot_sums["volume"]

    queue_sums = known.groupby("queue")[["work_seconds", "volume"]].sum()
    weighted = (queue_sums["work_seconds"] / queue_sums["volume"]).where(queue_sums["volume"] > 0)
    typical = weighted.fillna(known.groupby("queue")["aht_seconds"].mean())
    typical = typical.reindex([q.id for q in site.queues]).fillna(DEFAULT_AHT_SECONDS)

    queue_typical = grid["queue"].map(typical).to_numpy(dtype=float)
    slot_aht = _lookup(grid, by_slot, ["queue", "slot"]).to_numpy()
    return np.where(is_open & ~np.isnan(slot_aht), slot_aht, queue_typical)


def forecast_demand(
    history: pd.DataFrame,
    site: Site,
    *,
    start: dt.date | None = None,
    days: int | None = None,
    method: str | None = None,
) -> pd.DataFrame:
    """Volume and AHT for each interval of [start, start + days) and each queue (default: site horizon).

    Only history before `start` is used. `method` defaults to `site.forecast.method`. Columns: interval_start,
    queue, volume (0.0 where the queue is closed or on a public holiday), aht_seconds (always positive).
    """
    start = site.horizon.start if start is None else start
    days = site.horizon.days if days is None else days
    name = site.forecast.method if method is None else method
    if name not in METHODS:
        raise ValueError(f"unknown forecast method {name!r}; known: {', '.join(sorted(METHODS))}")

    prepared = prepare_history(history, site, start)
    observed_queues = set(prepared.rows["queue"].unique())
    without_history = [q.id for q in site.queues if q.id not in observed_queues]
    if without_history:
        raise ValueError(
            f"no history before {start} for queue(s) {', '.join(without_history)}: "
            "the forecast needs at least one observed interval per queue"
        )

    grid = horizon_grid(site, start, days)
    is_open = open_mask(site, grid)
    last_day = start + dt.timedelta(days=days - 1)
    closed_days = pd.to_datetime(sorted(public_holidays(site.country, start, last_day)))
    works = is_open & ~grid["date"].isin(closed_days).to_numpy()

    volume = METHODS[name](prepared, grid, site).to_numpy(dtype=float)
    return pd.DataFrame(
        {
            "interval_start": grid["interval_start"],
            "queue": grid["queue"],
            "volume": np.where(works, np.nan_to_num(volume, nan=0.0), 0.0),
            "aht_seconds": aht_profile(prepared, grid, site, is_open),
        }
    )
