"""Forecasting: volume, AHT and quantiles per queue and interval, methods by name, chosen by backtest."""

from wfm.forecast.engine import (
    ACCURACY_COLUMNS,
    AUTO,
    FOLD_COLUMNS,
    FORECAST_COLUMNS,
    QUANTILE_COLUMNS,
    ForecastResult,
    backtest,
    forecast_demand,
    history_warnings,
    horizon_intervals,
    run_forecast,
)
from wfm.forecast.history import DayTable, Outlier, build_day_table, normalize_history, public_holidays
from wfm.forecast.methods import METHODS, VolumeMethod

__all__ = [
    "ACCURACY_COLUMNS",
    "AUTO",
    "FOLD_COLUMNS",
    "FORECAST_COLUMNS",
    "METHODS",
    "QUANTILE_COLUMNS",
    "DayTable",
    "ForecastResult",
    "Outlier",
    "VolumeMethod",
    "backtest",
    "build_day_table",
    "forecast_demand",
    "history_warnings",
    "horizon_intervals",
    "normalize_history",
    "public_holidays",
    "run_forecast",
]
