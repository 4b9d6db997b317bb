"""Re-forecasting the rest of today from what has happened so far (the intraday re-plan's first step).

Per queue, the ratio of actual to forecast volume so far says how far today runs from the forecast; how much of it
to believe grows with how much of the day has passed, measured as the share of the day's forecast volume that
falls before now (a quiet early morning says little, a morning that held half the day's calls says a lot):

    factor = 1 + elapsed_share * (actual_so_far / forecast_so_far - 1)

and every interval from now to the end of the day is the forecast times that factor. Handle time the same way,
with the contact-weighted mean AHT so far against the forecast's. The intervals already past take the actuals.
Early in the day the factor stays near 1, so a noisy first hour does not swing the plan; by the afternoon it is
nearly the plain ratio. `bench/intraday_bench.py` backtests the rule on history against the unchanged forecast
and the plain ratio (docs/benchmarks.md, "Intraday").
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np
import pandas as pd


@dataclass(frozen=True)
class QueueReforecast:
    queue: str
    forecast_so_far: float  # contacts or items forecast before now
    actual_so_far: float
    elapsed_share: float  # share of the day's forecast volume before now, in [0, 1]
    volume_factor: float  # applied to the rest of the day
    aht_factor: float

    @property
    def ratio(self) -> float | None:
        return None if self.forecast_so_far <= 0 else self.actual_so_far / self.forecast_so_far


def blend_factor(actual_so_far: float, forecast_so_far: float, elapsed_share: float) -> float:
    """1 + elapsed_share * (actual / forecast - 1); 1 when nothing was forecast so far (no evidence)."""
    if forecast_so_far <= 0:
        return 1.0
    return 1.0 + elapsed_share * (actual_so_far / forecast_so_far - 1.0)


def reforecast_day(
    forecast: pd.DataFrame, actuals: pd.DataFrame, day: dt.date, now: dt.datetime
) -> tuple[pd.DataFrame, list[QueueReforecast]]:
    """`forecast` with `day`'s intervals before `now` replaced by `actuals` and those from `now` to the end of the
    day scaled by each queue's factors. Other days are returned as they were.

    `forecast`: interval_start, queue, volume, aht_seconds (and any other columns, kept; the P10-P90 band is
    scaled with the volume). `actuals`: interval_start, queue, volume[, aht_seconds] of `day` before `now`; an
    interval before `now` with no actual row counts as no contacts (the phone system exports every interval it
    had calls in), a queue with no row at all keeps its forecast.
    """
    frame = forecast.copy()
    starts = pd.to_datetime(frame["interval_start"])
    day_start = pd.Timestamp(dt.datetime.combine(day, dt.time()))
    day_end = day_start + pd.Timedelta(days=1)
    cut = pd.Timestamp(now)
    today = (starts >= day_start) & (starts < day_end)
    past = today & (starts < cut)
    rest = today & (starts >= cut)
    actual = actuals.copy()
    actual["interval_start"] = pd.to_datetime(actual["interval_start"])
    if "aht_seconds" not in actual.columns:
        actual["aht_seconds"] = np.nan
    reports: list[QueueReforecast] = []
    band = [c for c in ("volume_p10", "volume_p50", "volume_p90") if c in frame.columns]
    for queue, rows in actual.groupby("queue", sort=True):
        mine = frame["queue"] == queue
        day_volume = float(frame.loc[mine & today, "volume"].sum())
        so_far = float(frame.loc[mine & past, "volume"].sum())
        actual_volume = float(rows["volume"].sum())
        elapsed = 0.0 if day_volume <= 0 else min(1.0, so_far / day_volume)
        volume_factor = blend_factor(actual_volume, so_far, elapsed)
        forecast_aht = _mean_aht(frame.loc[mine & past, "volume"], frame.loc[mine & past, "aht_seconds"])
        actual_aht = _mean_aht(rows["volume"], rows["aht_seconds"])
        aht_factor = 1.0
        if forecast_aht is not None and actual_aht is not None:
            aht_factor = blend_factor(actual_aht, forecast_aht, elapsed)
        reports.append(QueueReforecast(str(queue), so_far, actual_volume, elapsed, volume_factor, aht_factor))
        later = mine & rest
        frame.loc[later, "volume"] = frame.loc[later, "volume"] * volume_factor
        for column in band:
            frame.loc[later, column] = frame.loc[later, column] * volume_factor
        frame.loc[later, "aht_seconds"] = frame.loc[later, "aht_seconds"] * aht_factor
        # The intervals already past: what happened (no row: no contacts; no AHT: the forecast's). Two rows of
        # one interval (a repeated hour when clocks go back) are added up.
        earlier = mine & past
        volume = rows.groupby("interval_start")["volume"].sum()
        work = (rows["volume"] * rows["aht_seconds"]).groupby(rows["interval_start"]).sum(min_count=1)
        aht = (work / volume.where(volume > 0)).dropna()
        frame.loc[earlier, "volume"] = starts[earlier].map(volume).fillna(0.0).to_numpy(dtype=float)
        for column in band:
            frame.loc[earlier, column] = frame.loc[earlier, "volume"]
        handled = starts[earlier].map(aht)
        frame.loc[earlier, "aht_seconds"] = handled.where(handled.notna(), frame.loc[earlier, "aht_seconds"])
    return frame, reports


def _mean_aht(volume: pd.Series, aht: pd.Series) -> float | None:
    """Contact-weighted mean handle time; None without contacts or handle times."""
    weights = volume.to_numpy(dtype=float)
    values = aht.to_numpy(dtype=float)
    known = ~np.isnan(values) & (weights > 0)
    if not known.any():
        return None
    return float(np.average(values[known], weights=weights[known]))
