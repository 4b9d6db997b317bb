"""`wfm accuracy`: each site's published forecasts (kept by the nightly job in its store) against what happened,
per queue, day and week, written to <schedules>/<site>/accuracy/ (accuracy.xlsx, accuracy_daily.csv,
accuracy_weekly.csv) whole or not at all."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from wfm.batch.config import BatchConfig, SiteJob
from wfm.batch.store import HistoryStore, inspect_store
from wfm.forecast.accuracy_over_time import accuracy, forecast_vs_actual
from wfm.io import atomic_directory
from wfm.reports.accuracy_book import write_accuracy_workbook


class NoStore(Exception):
    """The site has no usable store yet (no night has run)."""


@dataclass
class SiteAccuracy:
    site: str
    daily: pd.DataFrame
    weekly: pd.DataFrame
    nights: int  # published forecasts kept
    folder: Path | None = None


def site_accuracy(config: BatchConfig, job: SiteJob, weeks: int) -> SiteAccuracy:
    path = config.store_of(job)
    state = inspect_store(path)
    if not state.exists or state.damage is not None or state.empty:
        why = state.damage or ("missing" if not state.exists else "empty")
        raise NoStore(f"{job.name}: no history store to read at {path} ({why}); run the nightly job first")
    with HistoryStore(path) as store:
        published = store.published_forecasts()
        history = store.history()
    joined = forecast_vs_actual(published, history)
    if not joined.empty:
        last = joined["interval_start"].max().normalize()
        first = last - pd.Timedelta(days=7 * weeks - 1)
        first -= pd.Timedelta(days=first.weekday())
        joined = joined[joined["interval_start"] >= first]
    return SiteAccuracy(job.name, accuracy(joined, "day"), accuracy(joined, "week"), published["night"].nunique())


def write_site_accuracy(config: BatchConfig, report: SiteAccuracy) -> Path:
    folder = config.batch.schedules / report.site / "accuracy"
    with atomic_directory(folder) as staging:
        for name, frame in (("accuracy_daily.csv", report.daily), ("accuracy_weekly.csv", report.weekly)):
            frame.to_csv(staging / name, index=False, float_format="%.4f")
        write_accuracy_workbook(staging / "accuracy.xlsx", site=report.site, weekly=report.weekly, daily=report.daily)
    report.folder = folder
    return folder
