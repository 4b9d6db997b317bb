"""Preparing an interval history for forecasting: grid, calendar keys, public holidays and outlier days.

Every forecast method reads the same `PreparedHistory`, so "which days count" is decided once: a public
holiday or an outlier day (an outage, a one-off spike) is flagged here and each method decides
whether to skip it.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import holidays
import numpy as np
import pandas as pd

from wfm.domain import Site

HISTORY_COLUMNS = ("interval_start", "queue", "volume", "aht_seconds")

# A day whose (completeness-adjusted) total is above 1.8x or below 0.4x the median of the same weekday is not
# a normal day for that weekday: an outage, a system failure, a mass mailing. It must not shape next week.
OUTLIER_HIGH_RATIO = 1.8
OUTLIER_LOW_RATIO = 0.4
# The outlier median uses at least this many same-weekday days: a median of two or three days is pulled so far
# by one spike that the spike no longer looks like an outlier against it.
MIN_OUTLIER_REFERENCE_DAYS = 4


@dataclass(frozen=True)
class PreparedHistory:
    """The history strictly before `origin`, on the site's grid, with calendar keys and exclusion flags.

    rows: interval_start, queue, volume, aht_seconds, date (midnight), weekday (0 = Monday), slot (interval of
          the day), excluded (the row's day is a public holiday or an outlier day for its queue).
    days: queue, date, weekday, day_volume (observed total scaled up for missing intervals), holiday, outlier.
    """

    rows: pd.DataFrame
    days: pd.DataFrame
    origin: pd.Timestamp


def public_holidays(country: str | None, first: dt.date, last: dt.date) -> set[dt.date]:
    """Public holidays of `country` (ISO code, `holidays` package) between first and last, inclusive."""
    if country is None:
        return set()
    try:
        calendar = holidays.country_holidays(country, years=range(first.year, last.year + 1))
    except NotImplementedError as exc:
        raise ValueError(f"site country {country!r} is not known to the holidays package") from exc
    return {day for day in calendar if first <= day <= last}


def normalize_history(history: pd.DataFrame, site: Site) -> pd.DataFrame:
    """Check and type the history, keep the site's queues and known volumes, and put it on the site's grid.

    Rows off the grid (e.g. a 15-minute export for a 30-minute site) are summed into their grid interval, with
    the AHT volume-weighted; a grid interval is then "observed" if any of its rows was.
    """
    missing = [c for c in ("interval_start", "queue", "volume") if c not in history.columns]
    if missing:
        raise ValueError(f"history is missing column(s) {', '.join(missing)} (expected {', '.join(HISTORY_COLUMNS)})")
    starts = pd.to_datetime(history["interval_start"])
    if isinstance(starts.dtype, pd.DatetimeTZDtype):
        # The contract is naive site-local time; an aware column is converted rather than misread.
        starts = starts.dt.tz_convert(site.timezone).dt.tz_localize(None)
    frame = pd.DataFrame(
        {
            "interval_start": starts.astype("datetime64[ns]"),
            "queue": history["queue"].astype(str),
            "volume": pd.to_numeric(history["volume"], errors="coerce").astype(float),
            "aht_seconds": (
                pd.to_numeric(history["aht_seconds"], errors="coerce").astype(float)
                if "aht_seconds" in history.columns
                else np.nan
            ),
        }
    )
    queue_ids = [q.id for q in site.queues]
    frame = frame[frame["queue"].isin(queue_ids) & frame["volume"].notna()]
    grid = frame["interval_start"].dt.floor(f"{site.interval_minutes}min")
    if not (grid == frame["interval_start"]).all():
        frame = frame.assign(interval_start=grid, _work=frame["volume"] * frame["aht_seconds"])
        known = frame["aht_seconds"].notna()
        frame = frame.assign(_aht_volume=frame["volume"].where(known))
        summed = frame.groupby(["interval_start", "queue"], as_index=False)[["volume", "_work", "_aht_volume"]].sum(
            min_count=1
        )
        with np.errstate(divide="ignore", invalid="ignore"):
            summed["aht_seconds"] = summed["_work"] / summed["_aht_volume"]
        frame = summed[list(HISTORY_COLUMNS)]
    return frame.sort_values(["queue", "interval_start"], kind="stable").reset_index(drop=True)


def prepare_history(history: pd.DataFrame, site: Site, origin: dt.date) -> PreparedHistory:
    """The history before `origin` with holiday and outlier days flagged (see `PreparedHistory`)."""
    origin_ts = pd.Timestamp(origin)
    rows = normalize_history(history, site)
    rows = rows[rows["interval_start"] < origin_ts].copy()
    rows["date"] = rows["interval_start"].dt.normalize()
    rows["weekday"] = rows["interval_start"].dt.day_of_week
    rows["slot"] = (rows["interval_start"].dt.hour * 60 + rows["interval_start"].dt.minute) // site.interval_minutes

    days = rows.groupby(["queue", "date"], as_index=False).agg(
        weekday=("weekday", "first"), observed_volume=("volume", "sum"), observed_intervals=("volume", "size")
    )
    # A day with missing intervals is scaled up to a full day, so an incomplete export does not look like an
    # outage; the full day is the number of slots ever observed for that queue and weekday.
    slots = rows.groupby(["queue", "weekday"])["slot"].nunique().rename("slots")
    days = days.join(slots, on=["queue", "weekday"])
    days["day_volume"] = days["observed_volume"] * days["slots"] / days["observed_intervals"]

    if len(days):
        first, last = days["date"].min().date(), days["date"].max().date()
        holiday_dates = pd.to_datetime(sorted(public_holidays(site.country, first, last)))
    else:
        holiday_dates = pd.DatetimeIndex([])
    days["holiday"] = days["date"].isin(holiday_dates)

    # Reference level per queue and weekday: the median of its most recent non-holiday days.
    reference_days = max(site.forecast.weeks, MIN_OUTLIER_REFERENCE_DAYS)
    candidates = days[~days["holiday"]].sort_values("date", ascending=False, kind="stable")
    recent = candidates[candidates.groupby(["queue", "weekday"]).cumcount() < reference_days]
    median = recent.groupby(["queue", "weekday"])["day_volume"].median().rename("median_day_volume")
    days = days.join(median, on=["queue", "weekday"])
    ratio = days["day_volume"] / days["median_day_volume"]
    days["outlier"] = (
        ~days["holiday"]
        & (days["median_day_volume"] > 0)
        & ((ratio > OUTLIER_HIGH_RATIO) | (ratio < OUTLIER_LOW_RATIO))
    )
    days = days[["queue", "date", "weekday", "day_volume", "holiday", "outlier"]]

    excluded = days.set_index(["queue", "date"])["holiday"] | days.set_index(["queue", "date"])["outlier"]
    rows = rows.join(excluded.rename("excluded"), on=["queue", "date"])
    return PreparedHistory(rows=rows.reset_index(drop=True), days=days.reset_index(drop=True), origin=origin_ts)
