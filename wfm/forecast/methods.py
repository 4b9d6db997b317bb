"""Forecast methods: each a small named function with one interface (`VolumeMethod`).

A method gets the history as a `DayTable` (only days before the forecast origin), the target dates and the
site, and returns the expected volume per queue, target day and interval of the day (wall clock):
an array of shape (queues, target days, slots per day). What is common to every method (opening hours,
holidays, events, daylight-saving days, AHT, quantiles) is applied afterwards in `wfm.forecast.engine`.

The methods, from the baseline up:
- seasonal_naive: the same interval on the last observed same weekday. The bar every method must beat.
- weekly_profile: mean of the last `weeks` normal same weekdays, times a damped, clipped trend.
- top_down: a daily total (recent level x weekday, month-position and after-holiday factors) spread over the
  day by that weekday's usual intraday shares.
- exp_smoothing: multiplicative exponential smoothing with a weekly and an intraday season, its smoothing
  constant chosen per queue by one-day-ahead error.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pandas as pd

from wfm.domain import WEEKDAYS, Site
from wfm.forecast.history import (
    MONTH_END_DAYS,
    MONTH_START_DAYS,
    DayTable,
    _nanmean,
    business_days,
    holiday_mask,
    month_position,
)

VolumeMethod = Callable[[DayTable, pd.DatetimeIndex, Site], np.ndarray]

# Damped trend (weekly_profile): mean daily volume of the last 4 weeks over the 4 weeks before, clipped so one
# odd month cannot swing the plan by more than 10 %. Horizon week k gets sum_{j<k} 0.8**j weeks of growth.
TREND_BLOCK_DAYS = 28
TREND_RATIO_MIN = 0.9
TREND_RATIO_MAX = 1.1
TREND_DAMPING = 0.8

# weekday_mean averages this many same weekdays: on low volumes more weeks average away more noise.
MEAN_WEEKS = 8

# Intraday shares average many weeks: the shape of a day is stable, and more weeks average away the noise.
SHARE_WEEKS = 16
# ... and each weekday's shape is shrunk towards the shape of all days by this many pseudo-days (see
# intraday_shares). Measured on the benches: lower WAPE on every sample queue and 29 % on the new chat queue,
# against 32 % with weekday shapes alone; the bank data's 4.5 % becomes 4.6 %.
SHARE_POOL_DAYS = 4.0
# The daily factors of top_down and gbm are ratios of a day's total to the mean day of a 4-week window
# ending a week before it, the same distance a one-week-ahead forecast looks back.
RATIO_WINDOW_DAYS = 28
RATIO_LAG_DAYS = 7
# The level at the origin is the mean factor-adjusted total of the last two weeks' normal days.
LEVEL_DAYS = 14
# A factor estimated from few days is pulled towards 1 as if this many days had shown no effect.
FACTOR_SHRINKAGE_DAYS = 2.0
# Work held back by a public holiday (customers could not reach the branches, post was not delivered) comes
# in over the next few business days, not only the first: on the bank data the Tuesday to Friday after Labor
# Day ran +35 %, +20 %, +10 %, +3 % over the usual weekday. Each of the first 3 business days after a holiday
# gets its own factor; backtest WAPE on the bank data: 5.3 % with only the first day, 4.5 % with three.
AFTER_HOLIDAY_DAYS = 3

ES_ALPHAS = (0.05, 0.1, 0.2, 0.35)  # level smoothing candidates, chosen per queue
ES_SEASON_GAMMA = 0.1  # weekday factors
ES_SHARE_DELTA = 0.1  # intraday shares
ES_BURN_IN_DAYS = 28


def _last_days(mask: np.ndarray, count: int) -> np.ndarray:
    """Boolean mask keeping, per row (queue), only the last `count` True entries of `mask` [q, d]."""
    from_end = np.cumsum(mask[:, ::-1], axis=1)[:, ::-1]
    return mask & (from_end <= count)


def _mean_over(days: np.ndarray, values: np.ndarray) -> np.ndarray:
    """[q, slot]: mean of `values` [q, d, slot] over the `days` [q, d] chosen per queue (NaN where none)."""
    result: np.ndarray = _nanmean(np.where(days[:, :, None], values, np.nan), axis=1)
    return result


def _weekday_days(table: DayTable, use: np.ndarray, count: int) -> list[np.ndarray]:
    """Per weekday (Monday first), the [q, d] mask of its last `count` `use` days."""
    return [_last_days(use & (table.weekday == w)[None, :], count) for w in range(7)]


def _profile(table: DayTable, use: np.ndarray, count: int, values: np.ndarray | None = None) -> np.ndarray:
    """[q, weekday, slot]: mean of `values` (default volume) over each weekday's last `count` `use` days.

    A weekday without such days (a new queue that started mid-week) falls back to the last `count` days of
    any weekday, slot by slot.
    """
    values = table.volume if values is None else values
    out = np.stack([_mean_over(picked, values) for picked in _weekday_days(table, use, count)], axis=1)
    any_day = _mean_over(_last_days(use, count), values)
    return np.where(np.isnan(out), any_day[:, None, :], out)


def _at(profile: np.ndarray, target: pd.DatetimeIndex) -> np.ndarray:
    """[q, weekday, slot] profile read for each target day -> [q, t, slot], unknown = 0."""
    return np.nan_to_num(profile[:, np.asarray(target.day_of_week), :], nan=0.0)


def seasonal_naive(table: DayTable, target: pd.DatetimeIndex, site: Site) -> np.ndarray:
    """The same interval on the last observed same weekday; no day is skipped. The baseline."""
    out = np.full((len(table.queues), 7, table.slots_per_day), np.nan)
    for w in range(7):
        days = np.flatnonzero(table.weekday == w)
        if not len(days):
            continue
        values = table.volume[:, days, :]
        # Per interval the newest known value: a missing interval last week falls back to the week before.
        newest = np.where(~np.isnan(values), np.arange(len(days))[None, :, None], -1).max(axis=1)
        picked = np.take_along_axis(values, np.maximum(newest, 0)[:, None, :], axis=1)[:, 0, :]
        out[:, w, :] = np.where(newest >= 0, picked, np.nan)
    return _at(out, target)


def weekday_mean(table: DayTable, target: pd.DatetimeIndex, site: Site) -> np.ndarray:
    """Mean of the last MEAN_WEEKS (8) normal same weekdays, slot by slot, no trend: the plain average a
    planner would compute in a spreadsheet, and on real series often hard to beat."""
    return _at(_profile(table, table.normal, MEAN_WEEKS), target)


def trend_ratio(table: DayTable) -> np.ndarray:
    """Per queue: mean day of the last 4 weeks over the 4 weeks before, weekday by weekday, clipped to ±10 %.

    Only normal days count, weekday means first so a skipped Monday does not shift the mix. A queue without
    8 weeks of history has no measurable trend (ratio 1).
    """
    offset = (table.dates - table.origin).days.to_numpy()
    recent = (offset >= -TREND_BLOCK_DAYS)[None, :] & table.normal
    prior = ((offset >= -2 * TREND_BLOCK_DAYS) & (offset < -TREND_BLOCK_DAYS))[None, :] & table.normal
    ratio = np.ones(len(table.queues))
    for q in range(len(table.queues)):
        first_known = np.flatnonzero(~np.isnan(table.day_total[q]))
        if not len(first_known) or offset[first_known[0]] > -2 * TREND_BLOCK_DAYS:
            continue
        recent_sum = prior_sum = 0.0
        for w in range(7):
            days = table.weekday == w
            a, b = table.day_total[q, recent[q] & days], table.day_total[q, prior[q] & days]
            if len(a) and len(b):
                recent_sum, prior_sum = recent_sum + a.mean(), prior_sum + b.mean()
        if prior_sum > 0:
            ratio[q] = float(np.clip(recent_sum / prior_sum, TREND_RATIO_MIN, TREND_RATIO_MAX))
    return ratio


def trend_weeks(days_ahead: np.ndarray) -> np.ndarray:
    """Weeks of growth applied to a day `days_ahead` of the forecast origin: 1, 1.8, 2.44, ... towards 5."""
    horizon_week = days_ahead // 7 + 1
    return (1.0 - TREND_DAMPING**horizon_week) / (1.0 - TREND_DAMPING)


def weekly_profile(table: DayTable, target: pd.DatetimeIndex, site: Site) -> np.ndarray:
    """Mean of the last `site.forecast.weeks` normal same weekdays, slot by slot, x trend ** (weeks / 4)."""
    level = _at(_profile(table, table.normal, site.forecast.weeks), target)
    days_ahead = (target - table.origin).days.to_numpy()
    growth = trend_ratio(table)[:, None] ** (trend_weeks(days_ahead)[None, :] / 4.0)
    return level * growth[:, :, None]


def intraday_shares(table: DayTable, target: pd.DatetimeIndex) -> np.ndarray:
    """[q, t, slot]: the usual share of the day in each interval.

    The mean share over the last 16 normal same weekdays, pulled towards the mean share of all recent normal
    days as if SHARE_POOL_DAYS days of that pooled shape had been seen: a new queue with two Mondays borrows
    the shape of its other days, a queue with 16 Mondays keeps its own.
    """
    with np.errstate(divide="ignore", invalid="ignore"):
        share = table.volume / table.day_total[:, :, None]
    weekdays = _weekday_days(table, table.normal, SHARE_WEEKS)
    seen = np.stack([picked.sum(axis=1) for picked in weekdays], axis=1)[:, :, None].astype(float)
    own = np.nan_to_num(np.stack([_mean_over(picked, share) for picked in weekdays], axis=1))
    pooled = np.nan_to_num(_mean_over(_last_days(table.normal, 7 * SHARE_WEEKS), share))[:, None, :]
    # Not pooled where the weekday has had nothing at all though the pooled shape says it would have had many
    # (at least 5 expected: a Poisson zero is then under 1 % likely): a short Friday or a Saturday that opens at
    # sunset must not borrow the other days' mid-day, which would fall in its closed hours. A quiet queue whose
    # zeros are chance keeps the pooled shape.
    volume_seen = np.stack([np.nansum(np.where(p[:, :, None], table.volume, 0.0), axis=1) for p in weekdays], axis=1)
    totals_seen = np.stack([np.nansum(np.where(p, table.day_total, 0.0), axis=1) for p in weekdays], axis=1)
    expected = pooled * totals_seen[:, :, None]
    empty = (volume_seen <= 0) & (expected >= 5.0)
    pooled = np.where(empty, 0.0, np.broadcast_to(pooled, own.shape))
    pooled_total = pooled.sum(axis=2, keepdims=True)
    pooled = np.divide(pooled, pooled_total, out=np.zeros_like(pooled), where=pooled_total > 0)
    shares = _at((seen * own + SHARE_POOL_DAYS * pooled) / (seen + SHARE_POOL_DAYS), target)
    total = shares.sum(axis=2, keepdims=True)
    return np.divide(shares, total, out=np.zeros_like(shares), where=total > 0)


# ------------------------------------------------------------------------------------------------------------
# Daily factors shared by top_down and gbm


def calendar_features(site: Site, dates: pd.DatetimeIndex) -> dict[str, np.ndarray]:
    """[q, d] calendar keys: weekday, business day of the month from its start and from its end, and the
    business day after a public holiday (1, 2, ... AFTER_HOLIDAY_DAYS; 0 otherwise).

    A business day is one of the queue's opening weekdays that is not a public holiday. `dates` should run to
    the end of the last month needed so "days to month end" is known.
    """
    holiday = holiday_mask(site.country, dates)
    weekday = np.asarray(dates.day_of_week)
    queues = len(site.queues)
    business = business_days(site, dates, holiday)
    from_start, from_end = month_position(business, dates)
    after_holiday = np.zeros((queues, len(dates)), dtype=int)
    for q, queue in enumerate(site.queues):
        scheduled = np.isin(weekday, [WEEKDAYS.index(d) for d in queue.open_days])
        since = AFTER_HOLIDAY_DAYS + 1  # business days since the queue's last holiday on a scheduled day
        for d in range(len(dates)):
            if scheduled[d] and holiday[d]:
                since = 0
            elif business[q, d]:
                since += 1
                after_holiday[q, d] = since if since <= AFTER_HOLIDAY_DAYS else 0
    return {
        "weekday": np.broadcast_to(weekday, (queues, len(dates))),
        "month_start": from_start,
        "month_end": from_end,
        "after_holiday": after_holiday,
    }


def _extended_calendar(table: DayTable, target: pd.DatetimeIndex) -> pd.DatetimeIndex:
    """History days, then through the end of the month of the last target day."""
    last = (target[-1] + pd.offsets.MonthEnd(0)).normalize()
    first = table.dates[0] if len(table.dates) else target[0]
    return pd.date_range(first, last, freq="D")


def _first_normal(normal: np.ndarray) -> np.ndarray:
    """[q]: index of each queue's first normal day (0 for a queue without one)."""
    return np.argmax(normal, axis=1)


def daily_ratios(table: DayTable) -> tuple[np.ndarray, np.ndarray]:
    """(ratio, reference) per [q, d]: a normal day's total over the mean normal day of [d-35, d-7), or, before
    that window holds 5 normal days, over the mean normal day of the queue's first 28 days."""
    totals = np.where(table.normal, np.nan_to_num(table.day_total), 0.0)
    counts = table.normal.astype(float)
    pad = RATIO_WINDOW_DAYS + RATIO_LAG_DAYS
    cum_total = np.concatenate([np.zeros((totals.shape[0], pad + 1)), np.cumsum(totals, axis=1)], axis=1)
    cum_count = np.concatenate([np.zeros((totals.shape[0], pad + 1)), np.cumsum(counts, axis=1)], axis=1)
    d = np.arange(table.days) + pad + 1
    hi, lo = d - RATIO_LAG_DAYS, d - RATIO_LAG_DAYS - RATIO_WINDOW_DAYS
    window_total = cum_total[:, hi - 1] - cum_total[:, lo - 1]
    window_count = cum_count[:, hi - 1] - cum_count[:, lo - 1]
    # A day too early for its window (the first five weeks, or a new queue) is compared with the mean of the
    # queue's first four weeks instead, so a queue with three weeks of history still learns its weekdays.
    first = table.normal & (np.arange(table.days)[None, :] < _first_normal(table.normal)[:, None] + RATIO_WINDOW_DAYS)
    start = np.where(first, np.nan_to_num(table.day_total), 0.0).sum(axis=1) / np.maximum(first.sum(axis=1), 1)
    reference = np.where(window_count >= 5, window_total / np.maximum(window_count, 1), start[:, None])
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = np.where(table.normal & (reference > 0), table.day_total / reference, np.nan)
    return ratio, reference


FactorModel = Callable[[dict[str, np.ndarray], np.ndarray, np.ndarray], np.ndarray]


def _factor_keys(features: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    return {
        "weekday": features["weekday"],
        "month_start": np.minimum(features["month_start"], MONTH_START_DAYS),
        "month_end": np.minimum(features["month_end"], MONTH_END_DAYS),
        "after_holiday": features["after_holiday"],
    }


def proportional_factors(features: dict[str, np.ndarray], ratio: np.ndarray, train: np.ndarray) -> np.ndarray:
    """Multiplicative factors per queue and key value, fitted by iterative proportional fitting.

    Returns the product of the factors for every [q, d] of `features`. Each factor is the mean of the ratio
    over the days with that key value, divided by the other factors; the rare keys are shrunk towards 1 by
    FACTOR_SHRINKAGE_DAYS so a month position seen on 2 days cannot swing a forecast far.
    """
    keys = _factor_keys(features)
    names = list(keys)
    factors = {name: np.ones(keys[name].shape) for name in names}
    for _ in range(12):
        for name in names:
            others = np.ones(ratio.shape)
            for other in names:
                if other != name:
                    others = others * factors[other][:, : ratio.shape[1]]
            key = keys[name]
            for q in range(ratio.shape[0]):
                rows = train[q]
                values = key[q, : ratio.shape[1]][rows]
                adjusted = ratio[q, rows] / others[q, rows]
                new = np.ones(key.shape[1])
                # Weekdays are seen every week; only the rare keys (month position, after a holiday) are shrunk.
                shrink = 0.0 if name == "weekday" else FACTOR_SHRINKAGE_DAYS
                for value in np.unique(values):
                    sample = adjusted[values == value]
                    new[key[q] == value] = (sample.sum() + shrink) / (len(sample) + shrink)
                factors[name][q] = new
    product = np.ones(keys[names[0]].shape)
    for name in names:
        product = product * factors[name]
    return product


def _ratio_forecast(table: DayTable, target: pd.DatetimeIndex, site: Site, model: FactorModel) -> np.ndarray:
    """Daily totals = level at the origin x model's daily factor, spread by the usual intraday shares."""
    calendar = _extended_calendar(table, target)
    features = calendar_features(site, calendar)
    ratio, _ = daily_ratios(table)
    train = ~np.isnan(ratio)
    factor = model(features, ratio, train)  # [q, calendar days]
    history_factor = factor[:, : table.days]
    recent = (table.dates >= table.origin - pd.Timedelta(days=LEVEL_DAYS))[None, :] & table.normal
    level = np.full(len(table.queues), np.nan)
    for q in range(len(table.queues)):
        days = recent[q] if recent[q].any() else _last_days(table.normal, LEVEL_DAYS)[q]
        if days.any():
            level[q] = np.mean(table.day_total[q, days] / history_factor[q, days])
    target_index = ((target - calendar[0]).days).to_numpy()
    totals = np.nan_to_num(level)[:, None] * factor[:, target_index]
    return totals[:, :, None] * intraday_shares(table, target)


def top_down(table: DayTable, target: pd.DatetimeIndex, site: Site) -> np.ndarray:
    """Daily total x intraday shares; the daily factors by iterative proportional fitting (see module doc)."""
    return _ratio_forecast(table, target, site, proportional_factors)


def exp_smoothing(table: DayTable, target: pd.DatetimeIndex, site: Site) -> np.ndarray:
    """Multiplicative exponential smoothing of the daily total with weekday factors, times smoothed shares.

    Day by day over the normal days: level <- a * total / weekday_factor + (1 - a) * level; the weekday
    factor and the intraday shares are smoothed the same way (0.1). The level's constant a is chosen per queue
    from ES_ALPHAS by the absolute error of its one-day-ahead totals after a 4-week burn-in.
    """
    queues = len(table.queues)
    alphas = np.asarray(ES_ALPHAS)[:, None]  # [a, 1] against [q]
    totals = table.day_total
    weekday = table.weekday
    first_days = _last_days(table.normal[:, ::-1], 14)[:, ::-1]  # the first 14 normal days per queue
    start_level = np.array([totals[q, first_days[q]].mean() if first_days[q].any() else np.nan for q in range(queues)])
    level = np.broadcast_to(start_level, (len(ES_ALPHAS), queues)).copy()
    season = np.ones((len(ES_ALPHAS), queues, 7))
    for q in range(queues):
        for w in range(7):
            days = first_days[q] & (weekday == w)
            if days.any() and start_level[q] > 0:
                season[:, q, w] = totals[q, days].mean() / start_level[q]
    error = np.zeros((len(ES_ALPHAS), queues))
    for d in range(table.days):
        known = table.normal[:, d] & (level > 0).all(axis=0)
        if not known.any():
            if np.isnan(level).any():
                level = np.where(np.isnan(level) & table.normal[:, d], totals[:, d], level)
            continue
        w = weekday[d]
        y = np.where(known, totals[:, d], np.nan)
        predicted = level * season[:, :, w]
        if d >= ES_BURN_IN_DAYS:
            error += np.where(known, np.abs(predicted - y), 0.0)
        new_level = alphas * y / season[:, :, w] + (1 - alphas) * level
        level = np.where(known, new_level, level)
        new_season = ES_SEASON_GAMMA * y / level + (1 - ES_SEASON_GAMMA) * season[:, :, w]
        season[:, :, w] = np.where(known, new_season, season[:, :, w])
    best = np.argmin(np.where(np.isfinite(error), error, np.inf), axis=0)
    pick = np.arange(queues)
    target_weekday = np.asarray(target.day_of_week)
    daily = level[best, pick][:, None] * season[best, pick][:, target_weekday]

    with np.errstate(divide="ignore", invalid="ignore"):
        share = table.volume / totals[:, :, None]
    smoothed = np.full((queues, 7, table.slots_per_day), np.nan)
    for day in np.flatnonzero(table.normal.any(axis=0)):
        day_weekday = int(weekday[day])
        rows = table.normal[:, day][:, None] & ~np.isnan(share[:, day, :])
        previous = smoothed[:, day_weekday, :]
        updated = np.where(
            np.isnan(previous), share[:, day, :], ES_SHARE_DELTA * share[:, day, :] + (1 - ES_SHARE_DELTA) * previous
        )
        smoothed[:, day_weekday, :] = np.where(rows, updated, previous)
    fallback = intraday_shares(table, target)
    shares = np.nan_to_num(smoothed[:, target_weekday, :], nan=0.0)
    total = shares.sum(axis=2, keepdims=True)
    shares = np.where(total > 0, shares / np.where(total > 0, total, 1.0), fallback)
    return np.nan_to_num(daily)[:, :, None] * shares


def combined(table: DayTable, target: pd.DatetimeIndex, site: Site) -> np.ndarray:
    """The mean of weekday_mean, weekly_profile, top_down and exp_smoothing: their errors differ in kind (noise
    of a few weeks, a level that lags, factors fitted on few days), so the average is rarely far from the best
    of them and often better than each; forecast combination is the robust choice on series never seen."""
    parts = [METHODS[name](table, target, site) for name in COMBINED_PARTS]
    result: np.ndarray = np.mean(parts, axis=0)
    return result


COMBINED_PARTS = ("weekday_mean", "weekly_profile", "top_down", "exp_smoothing")


def method_volumes(names: list[str], table: DayTable, target: pd.DatetimeIndex, site: Site) -> dict[str, np.ndarray]:
    """Each named method's forecast; `combined` from the parts already computed (a backtest runs them all)."""
    out: dict[str, np.ndarray] = {}
    for name in sorted(names, key=lambda n: n == "combined"):
        if name == "combined" and all(part in out for part in COMBINED_PARTS):
            out[name] = np.mean([out[part] for part in COMBINED_PARTS], axis=0)
        else:
            out[name] = METHODS[name](table, target, site)
    return out


METHODS: dict[str, VolumeMethod] = {
    "seasonal_naive": seasonal_naive,
    "weekday_mean": weekday_mean,
    "weekly_profile": weekly_profile,
    "top_down": top_down,
    "exp_smoothing": exp_smoothing,
    "combined": combined,
}
