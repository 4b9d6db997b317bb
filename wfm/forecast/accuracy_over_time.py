"""Forecast accuracy over time: each night's published forecast against what then happened.

Per interval, the forecast judged is the latest one published before the interval's day (the one the plan for that
day was made from; a forecast published on the day itself is not counted, it had seen part of it). On a day a queue
has actuals for, an interval without a row had no contacts (0). Scores per
queue and day, and per queue and week (Monday first):

- WAPE: sum |actual - forecast| / sum actual, over the intervals;
- bias: sum (forecast - actual) / sum actual (above 0: the forecast ran high);
- P10-P90 coverage: the share of intervals whose actual lies within the forecast's P10-P90 band (80 % expected).
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd

ACCURACY_COLUMNS = ["queue", "period", "intervals", "actual", "forecast", "wape", "bias", "p10_p90_coverage"]


def forecast_vs_actual(published: pd.DataFrame, history: pd.DataFrame) -> pd.DataFrame:
    """One row per queue and interval with an actual and a forecast published before its day: interval_start,
    queue, night, actual, forecast, volume_p10, volume_p90."""
    if published.empty or history.empty:
        return pd.DataFrame(columns=["interval_start", "queue", "night", "actual", "forecast", "volume_p10",
                                     "volume_p90"])  # fmt: skip
    frame = published.copy()
    for column in ("volume", "volume_p10", "volume_p90"):
        frame[column] = pd.to_numeric(frame[column], errors="coerce").astype(float)
    frame["day"] = frame["interval_start"].dt.date
    frame = frame[frame["night"] < frame["day"]]
    # The latest night before the day, per interval.
    frame = frame.sort_values("night").drop_duplicates(["queue", "interval_start", "fold"], keep="last")
    actual = history.rename(columns={"volume": "actual"})[["queue", "interval_start", "fold", "actual"]]
    # An interval of a day the queue has actuals for but no row had no contacts (exports list the intervals
    # with contacts): it counts as 0, or a forecast of calls that never came would go unscored.
    seen = actual.assign(day=actual["interval_start"].dt.date)[["queue", "day"]].drop_duplicates()
    frame = frame.merge(seen, on=["queue", "day"], how="inner")
    joined = frame.merge(actual, on=["queue", "interval_start", "fold"], how="left")
    joined["actual"] = joined["actual"].fillna(0.0)
    return (
        joined.rename(columns={"volume": "forecast"})[
            ["interval_start", "queue", "night", "actual", "forecast", "volume_p10", "volume_p90"]
        ]
        .sort_values(["queue", "interval_start"])
        .reset_index(drop=True)
    )


def accuracy(joined: pd.DataFrame, by: str) -> pd.DataFrame:
    """WAPE, bias and P10-P90 coverage per queue and `by` ("day" or "week": the period's first day)."""
    if joined.empty:
        return pd.DataFrame(columns=ACCURACY_COLUMNS)
    frame = joined.copy()
    day = frame["interval_start"].dt.normalize()
    frame["period"] = (day - pd.to_timedelta(day.dt.day_of_week, unit="D") if by == "week" else day).dt.date
    frame["error"] = (frame["forecast"] - frame["actual"]).abs()
    frame["signed"] = frame["forecast"] - frame["actual"]
    band = frame["volume_p10"].notna() & frame["volume_p90"].notna()
    frame["inside"] = np.where(
        band, (frame["actual"] >= frame["volume_p10"]) & (frame["actual"] <= frame["volume_p90"]), np.nan
    )
    grouped = frame.groupby(["queue", "period"], sort=True)
    table = grouped.agg(
        intervals=("actual", "size"), actual=("actual", "sum"), forecast=("forecast", "sum"),
        error=("error", "sum"), signed=("signed", "sum"), p10_p90_coverage=("inside", "mean"),
    ).reset_index()  # fmt: skip
    positive = table["actual"] > 0
    table["wape"] = np.where(positive, table["error"] / table["actual"].where(positive), np.nan)
    table["bias"] = np.where(positive, table["signed"] / table["actual"].where(positive), np.nan)
    return table[ACCURACY_COLUMNS]


def bias_drift(joined: pd.DataFrame, until: dt.date, days: int, threshold: float) -> list[str]:
    """A warning per queue whose bias over the `days` days before `until` is beyond +-threshold."""
    if joined.empty:
        return []
    first = pd.Timestamp(until - dt.timedelta(days=days))
    recent = joined[(joined["interval_start"] >= first) & (joined["interval_start"] < pd.Timestamp(until))]
    out = []
    for queue, rows in recent.groupby("queue", sort=True):
        actual = float(rows["actual"].sum())
        if actual <= 0:
            continue
        bias = float((rows["forecast"] - rows["actual"]).sum()) / actual
        if abs(bias) > threshold:
            direction = "above" if bias > 0 else "below"
            out.append(
                f"forecast bias on {queue}: the published forecasts ran {abs(bias):.0%} {direction} the actual "
                f"volume over the last {days} days (threshold {threshold:.0%}); check for a change the history "
                "does not show yet (a campaign, a new product) and add it to events.csv"
            )
    return out
