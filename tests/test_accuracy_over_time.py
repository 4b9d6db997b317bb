"""Forecast accuracy over time (issue 22): the forecast judged is the latest published before the interval's day;
WAPE, bias and P10-P90 coverage with exact numbers; the night's bias warning; `wfm accuracy` without a store. (A
night keeping its forecast and `wfm accuracy` scoring it are in test_batch_requests.py, on the same nights.)"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pandas as pd
import pytest
from batch_fixtures import tiny_site
from typer.testing import CliRunner

from wfm.cli import app
from wfm.forecast.accuracy_over_time import accuracy, bias_drift, forecast_vs_actual

MAR3 = dt.datetime(2026, 3, 3, 9, 0)
NEXT = MAR3 + dt.timedelta(minutes=30)


def published(*rows: tuple[str, dt.datetime, float, float | None, float | None]) -> pd.DataFrame:
    """(night, interval_start, volume, p10, p90) of queue voice."""
    return pd.DataFrame(
        [(dt.date.fromisoformat(n), "voice", t, 0, v, lo, hi, 300.0) for n, t, v, lo, hi in rows],
        columns=["night", "queue", "interval_start", "fold", "volume", "volume_p10", "volume_p90", "aht_seconds"],
    )


def history(*rows: tuple[dt.datetime, float]) -> pd.DataFrame:
    return pd.DataFrame([(t, "voice", v, 300.0, 0) for t, v in rows],
                        columns=["interval_start", "queue", "volume", "aht_seconds", "fold"])  # fmt: skip


def test_each_interval_is_judged_against_the_last_forecast_published_before_its_day() -> None:
    forecasts = published(
        ("2026-03-01", MAR3, 80, None, None),
        ("2026-03-02", MAR3, 110, 90, 120),  # the one the day was planned from
        ("2026-03-03", MAR3, 101, 95, 105),  # published on the day itself: it had seen part of it
    )
    joined = forecast_vs_actual(forecasts, history((MAR3, 100)))
    assert joined[["night", "actual", "forecast"]].values.tolist() == [[dt.date(2026, 3, 2), 100, 110]]


def test_wape_bias_and_coverage_per_day_and_week() -> None:
    forecasts = published(("2026-03-02", MAR3, 110, 90, 120), ("2026-03-02", NEXT, 40, 45, 60))
    joined = forecast_vs_actual(forecasts, history((MAR3, 100), (NEXT, 50)))
    for by, period in (("day", dt.date(2026, 3, 3)), ("week", dt.date(2026, 3, 2))):
        [row] = accuracy(joined, by).to_dict("records")
        # |110 - 100| + |40 - 50| = 20 of 150; +10 - 10 = 0; 100 inside [90, 120], 50 inside [45, 60].
        assert (row["period"], row["intervals"], row["actual"], row["forecast"]) == (period, 2, 150, 150)
        assert row["wape"] == pytest.approx(20 / 150)
        assert row["bias"] == pytest.approx(0.0)
        assert row["p10_p90_coverage"] == pytest.approx(1.0)


def test_an_interval_without_a_row_on_a_day_with_actuals_had_no_contacts() -> None:
    # Exports list the intervals with contacts: 09:30 forecast 20 calls and none came, scored as 0 against 20.
    forecasts = published(("2026-03-02", MAR3, 100, None, None), ("2026-03-02", NEXT, 20, None, None))
    joined = forecast_vs_actual(forecasts, history((MAR3, 100)))
    assert joined[["actual", "forecast"]].values.tolist() == [[100, 100], [0, 20]]
    [row] = accuracy(joined, "day").to_dict("records")
    assert (row["wape"], row["bias"]) == pytest.approx((0.2, 0.2))
    # A day with no actual at all for the queue (the export has not come yet) is not scored.
    assert forecast_vs_actual(forecasts, history((MAR3 + dt.timedelta(days=1), 5))).empty


def test_a_queue_whose_forecasts_ran_high_for_a_week_is_a_warning() -> None:
    days = [dt.datetime(2026, 3, 2, 9) + dt.timedelta(days=d) for d in range(7)]
    forecasts = published(*(("2026-03-01", t, 120, None, None) for t in days))
    joined = forecast_vs_actual(forecasts, history(*((t, 100) for t in days)))
    [warning] = bias_drift(joined, dt.date(2026, 3, 9), days=7, threshold=0.10)
    assert warning.startswith("forecast bias on voice: the published forecasts ran 20% above the actual volume")
    assert bias_drift(joined, dt.date(2026, 3, 9), days=7, threshold=0.25) == []


runner = CliRunner()


def test_wfm_accuracy_for_a_site_without_a_store_says_so(tmp_path: Path) -> None:
    root = tiny_site(tmp_path, horizon_days=2, settings="")
    result = runner.invoke(app, ["accuracy", "--config", str(root / "batch.toml")])
    assert result.exit_code == 2
    assert "no history store to read" in " ".join(result.output.split())
    unknown = runner.invoke(app, ["accuracy", "--config", str(root / "batch.toml"), "--site", "elsewhere"])
    assert unknown.exit_code == 2 and "no site 'elsewhere'" in unknown.output
