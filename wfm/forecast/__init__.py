"""Forecasting: volume and AHT per queue and interval, methods by name, and a rolling-origin backtest."""

from wfm.forecast.backtest import BACKTEST_COLUMNS, backtest
from wfm.forecast.history import PreparedHistory, prepare_history, public_holidays
from wfm.forecast.methods import (
    FORECAST_COLUMNS,
    METHODS,
    VolumeMethod,
    forecast_demand,
    seasonal_naive,
    weekly_profile,
)

__all__ = [
    "BACKTEST_COLUMNS",
    "FORECAST_COLUMNS",
    "METHODS",
    "PreparedHistory",
    "VolumeMethod",
    "backtest",
    "forecast_demand",
    "prepare_history",
    "public_holidays",
    "seasonal_naive",
    "weekly_profile",
]
