"""Rolling-origin backtest: how well would a method have forecast the weeks we already know?"""

from __future__ import annotations

import pandas as pd

from wfm.domain import Site
from wfm.forecast.history import normalize_history
from wfm.forecast.methods import forecast_demand

BACKTEST_COLUMNS = ("queue", "fold_start", "wape", "bias", "method", "actual_volume", "forecast_volume")
FOLD_DAYS = 7


def backtest(history: pd.DataFrame, site: Site, *, folds: int = 4, method: str | None = None) -> pd.DataFrame:
    """Forecast each of the last `folds` weeks of the history from the history before it, per queue.

    The last fold ends on the last day of the history. Errors are measured on observed intervals only (a
    missing interval has no actual): wape = sum|F - A| / sum A, bias = (sum F - sum A) / sum A; both NaN if
    sum A is 0.
    `method` defaults to `site.forecast.method`.
    """
    if folds < 1:
        raise ValueError(f"folds must be at least 1, got {folds}")
    actuals = normalize_history(history, site)
    if actuals.empty:
        raise ValueError("the backtest needs history for at least one of the site's queues")
    first_day = actuals["interval_start"].min().normalize()
    last_day = actuals["interval_start"].max().normalize()
    fold_starts = [last_day - pd.Timedelta(days=FOLD_DAYS * i + FOLD_DAYS - 1) for i in reversed(range(folds))]
    if fold_starts[0] <= first_day:
        weeks = (last_day - first_day).days // FOLD_DAYS
        raise ValueError(
            f"{folds} backtest folds need more than {folds} weeks of history; it spans about {weeks} week(s)"
        )

    results = []
    for fold_start in fold_starts:
        forecast = forecast_demand(actuals, site, start=fold_start.date(), days=FOLD_DAYS, method=method).rename(
            columns={"volume": "forecast_volume"}
        )
        fold_end = fold_start + pd.Timedelta(days=FOLD_DAYS)
        fold = actuals[(actuals["interval_start"] >= fold_start) & (actuals["interval_start"] < fold_end)]
        # Inner join: only observed intervals are scored. The forecast grid covers the whole day, so an actual
        # outside the configured opening hours still counts (against a forecast of 0).
        scored = fold.merge(forecast, on=["interval_start", "queue"], how="inner")
        scored["abs_error"] = (scored["forecast_volume"] - scored["volume"]).abs()
        sums = scored.groupby("queue")[["volume", "forecast_volume", "abs_error"]].sum()
        sums = sums.reindex([q.id for q in site.queues]).dropna()
        actual = sums["volume"].where(sums["volume"] > 0)
        results.append(
            pd.DataFrame(
                {
                    "queue": sums.index,
                    "fold_start": fold_start,
                    "wape": (sums["abs_error"] / actual).to_numpy(),
                    "bias": ((sums["forecast_volume"] - sums["volume"]) / actual).to_numpy(),
                    "method": site.forecast.method if method is None else method,
                    "actual_volume": sums["volume"].to_numpy(),
                    "forecast_volume": sums["forecast_volume"].to_numpy(),
                }
            )
        )
    table = pd.concat(results, ignore_index=True)
    table["wape"] = table["wape"].astype(float)
    table["bias"] = table["bias"].astype(float)
    return table[list(BACKTEST_COLUMNS)]
