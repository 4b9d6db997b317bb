"""Forecast stage: weekly_profile, seasonal_naive, AHT profile and the rolling-origin backtest.

The site is tiny so every expected number can be worked out by hand: 30-minute intervals, queue `calls` open
09:00-11:00 every day (4 intervals), queue `cases` open 09:00-10:00 Monday to Friday (2 intervals).
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable

import numpy as np
import pandas as pd
import pytest

from wfm.domain import Site
from wfm.forecast import METHODS, backtest, forecast_demand

MONDAY = dt.date(2026, 3, 2)
Volume = Callable[[str, dt.datetime], float | None]


def make_site(
    *, start: dt.date = MONDAY, days: int = 7, weeks: int = 6, country: str | None = None, interval: int = 30
) -> Site:
    return Site.model_validate(
        {
            "name": "tiny",
            "country": country,
            "interval_minutes": interval,
            "horizon": {"start": start, "days": days},
            "queues": [
                {
                    "id": "calls",
                    "office": "front",
                    "channel": "voice",
                    "kind": "live",
                    "service_level": 0.8,
                    "answer_seconds": 20,
                    "open": "09:00",
                    "close": "11:00",
                },
                {
                    "id": "cases",
                    "office": "back",
                    "channel": "case",
                    "kind": "deferred",
                    "sla_hours": 24,
                    "open": "09:00",
                    "close": "10:00",
                    "days": ["mon", "tue", "wed", "thu", "fri"],
                },
            ],
            "shift_templates": [{"id": "day", "start_times": ["09:00"], "length_minutes": 480}],
            "contracts": [
                {
                    "id": "full",
                    "contracted_hours_week": 37.5,
                    "max_hours_week": 40,
                    "shift_templates": ["day"],
                }
            ],
            "forecast": {"method": "weekly_profile", "weeks": weeks},
        }
    )


def constant(value: float) -> Volume:
    return lambda queue, moment: value


def make_history(
    site: Site,
    first_day: dt.date,
    days: int,
    volume: Volume,
    aht_seconds: Callable[[str, dt.datetime], float] = lambda queue, moment: 200.0,
) -> pd.DataFrame:
    """Rows for each open interval of `days` days from `first_day`; `volume` returns None for a missing row."""
    rows = []
    for day in range(days):
        midnight = dt.datetime.combine(first_day + dt.timedelta(days=day), dt.time())
        for slot in range(site.intervals_per_day):
            moment = midnight + dt.timedelta(minutes=slot * site.interval_minutes)
            for queue in site.queues:
                value = volume(queue.id, moment)
                if queue.is_open(moment) and value is not None:
                    rows.append((moment, queue.id, float(value), aht_seconds(queue.id, moment)))
    frame = pd.DataFrame(rows, columns=["interval_start", "queue", "volume", "aht_seconds"])
    frame["interval_start"] = frame["interval_start"].astype("datetime64[ns]")
    return frame


def value_at(forecast: pd.DataFrame, queue: str, moment: str, column: str = "volume") -> float:
    row = forecast[(forecast["queue"] == queue) & (forecast["interval_start"] == pd.Timestamp(moment))]
    assert len(row) == 1
    return float(row[column].iloc[0])


def pattern(queue: str, moment: dt.datetime) -> float:
    """A different volume for every queue, weekday and time of day: 10 + weekday + half-hours since 09:00."""
    base = 10.0 if queue == "calls" else 5.0
    return base + moment.weekday() + (moment.hour * 60 + moment.minute - 9 * 60) / 30


# --- weekly_profile -----------------------------------------------------------------------------------------


def test_three_identical_weeks_are_forecast_exactly() -> None:
    site = make_site()
    history = make_history(site, MONDAY - dt.timedelta(weeks=3), 21, pattern)
    forecast = forecast_demand(history, site)
    expected = make_history(site, MONDAY, 7, pattern)
    scored = expected.merge(forecast, on=["interval_start", "queue"], suffixes=("_expected", ""))
    assert len(scored) == len(expected) == 7 * 4 + 5 * 2
    assert np.array_equal(scored["volume"].to_numpy(), scored["volume_expected"].to_numpy())
    # Monday 09:00 calls = 10 + 0 + 0; Wednesday 10:30 calls = 10 + 2 + 3; Friday 09:30 cases = 5 + 4 + 1.
    assert value_at(forecast, "calls", "2026-03-02 09:00") == 10.0
    assert value_at(forecast, "calls", "2026-03-04 10:30") == 15.0
    assert value_at(forecast, "cases", "2026-03-06 09:30") == 10.0


def test_output_has_one_row_per_interval_and_queue_and_no_missing_values() -> None:
    site = make_site(days=9)
    forecast = forecast_demand(make_history(site, MONDAY - dt.timedelta(weeks=2), 14, constant(10)), site)
    assert list(forecast.columns) == [
        "interval_start",
        "queue",
        "volume",
        "aht_seconds",
        "volume_p10",
        "volume_p50",
        "volume_p90",
        "fold",
    ]
    assert len(forecast) == 9 * 48 * 2
    assert not forecast.isna().any().any()
    assert (forecast["aht_seconds"] > 0).all()
    assert forecast["interval_start"].min() == pd.Timestamp("2026-03-02 00:00")
    assert forecast["interval_start"].max() == pd.Timestamp("2026-03-10 23:30")
    assert set(forecast["queue"]) == {"calls", "cases"}


def test_closed_intervals_get_zero_volume_and_the_queue_typical_aht() -> None:
    site = make_site()
    forecast = forecast_demand(make_history(site, MONDAY - dt.timedelta(weeks=2), 14, constant(10)), site)
    calls = forecast[forecast["queue"] == "calls"]
    cases = forecast[forecast["queue"] == "cases"]
    # calls: 4 open intervals a day, 7 days; cases: 2 a day, Monday to Friday.
    assert (calls["volume"] > 0).sum() == 28 and calls["volume"].sum() == 280.0
    assert (cases["volume"] > 0).sum() == 10 and cases["volume"].sum() == 100.0
    assert value_at(forecast, "calls", "2026-03-02 08:30") == 0.0
    assert value_at(forecast, "calls", "2026-03-02 11:00") == 0.0
    assert value_at(forecast, "cases", "2026-03-07 09:00") == 0.0  # Saturday
    assert value_at(forecast, "cases", "2026-03-07 09:00", "aht_seconds") == 200.0


def test_a_missing_interval_is_unknown_not_zero() -> None:
    site = make_site()

    def volume(queue: str, moment: dt.datetime) -> float | None:
        if queue == "calls" and moment.weekday() == 0 and moment.hour == 9 and moment.minute == 0:
            # Monday 09:00 over the three weeks: 10, 20, then missing from the export.
            return {0: 10.0, 1: 20.0, 2: None}[(moment.date() - dt.date(2026, 2, 9)).days // 7]
        return 10.0

    forecast = forecast_demand(make_history(site, dt.date(2026, 2, 9), 21, volume), site)
    assert value_at(forecast, "calls", "2026-03-02 09:00") == 15.0  # (10 + 20) / 2, not (10 + 20 + 0) / 3


def test_only_the_last_weeks_observations_are_averaged() -> None:
    site = make_site(weeks=2)
    # Weekly volumes 10, 11, 12, 13 per interval: the last two weeks average 12.5.
    history = make_history(
        site, dt.date(2026, 2, 2), 28, lambda q, m: 10.0 + (m.date() - dt.date(2026, 2, 2)).days // 7
    )
    forecast = forecast_demand(history, site)
    assert value_at(forecast, "calls", "2026-03-02 09:00") == 12.5


def test_a_public_holiday_in_the_history_is_skipped() -> None:
    # Good Friday 2026-04-03 is a UK bank holiday; volume that day was 7 instead of 10 (not low enough to be
    # an outlier, so only the holiday rule can keep it out).
    start = dt.date(2026, 4, 13)
    site = make_site(start=start, country="GB")
    history = make_history(
        site, dt.date(2026, 3, 23), 21, lambda q, m: 7.0 if m.date() == dt.date(2026, 4, 3) else 10.0
    )
    forecast = forecast_demand(history, site)
    assert value_at(forecast, "calls", "2026-04-17 09:00") == 10.0  # not (10 + 10 + 7) / 3 = 9
    assert value_at(forecast, "cases", "2026-04-17 09:00") == 10.0


def test_a_public_holiday_in_the_horizon_is_closed_for_every_queue() -> None:
    site = make_site(start=dt.date(2026, 3, 30), country="GB")
    forecast = forecast_demand(make_history(site, dt.date(2026, 3, 9), 21, constant(10)), site)
    good_friday = forecast[forecast["interval_start"].dt.normalize() == pd.Timestamp("2026-04-03")]
    assert len(good_friday) == 48 * 2 and good_friday["volume"].sum() == 0.0
    assert (good_friday["aht_seconds"] == 200.0).all()
    assert value_at(forecast, "calls", "2026-04-02 09:00") == 10.0
    assert value_at(forecast, "calls", "2026-04-04 09:00") == 10.0


def test_an_outage_day_does_not_inflate_next_week() -> None:
    site = make_site()
    spike_day = dt.date(2026, 2, 17)  # a Tuesday: 5x the normal volume after a system outage
    history = make_history(site, dt.date(2026, 2, 9), 21, lambda q, m: 50.0 if m.date() == spike_day else 10.0)
    forecast = forecast_demand(history, site)
    assert value_at(forecast, "calls", "2026-03-03 09:00") == 10.0  # not (10 + 50 + 10) / 3
    assert value_at(forecast, "cases", "2026-03-03 09:30") == 10.0


def test_a_dead_day_is_an_outlier_too() -> None:
    site = make_site()
    dead_day = dt.date(2026, 2, 25)  # a Wednesday with almost nothing coming in (0.1x)
    history = make_history(site, dt.date(2026, 2, 9), 21, lambda q, m: 1.0 if m.date() == dead_day else 10.0)
    forecast = forecast_demand(history, site)
    assert value_at(forecast, "calls", "2026-03-04 09:00") == 10.0


def weekly_step(before: float, after: float) -> Volume:
    """8 weeks from 2026-01-05: `before` per interval for 4 weeks, then `after` for the last 4."""
    return lambda q, m: before if m.date() < dt.date(2026, 2, 2) else after


def test_growth_is_clipped_to_ten_percent_and_damped_by_distance() -> None:
    site = make_site(days=14, weeks=2)
    forecast = forecast_demand(make_history(site, dt.date(2026, 1, 5), 56, weekly_step(10, 12)), site)
    # Ratio 12 / 10 = 1.2 is clipped to 1.1. First horizon week: one week of 4-week growth, 1.1 ** (1 / 4);
    # second week: 1 + 0.8 weeks, 1.1 ** (1.8 / 4).
    assert value_at(forecast, "calls", "2026-03-02 09:00") == pytest.approx(12 * 1.1**0.25, rel=1e-12)
    assert value_at(forecast, "calls", "2026-03-09 09:00") == pytest.approx(12 * 1.1**0.45, rel=1e-12)


def test_decline_is_clipped_to_ten_percent() -> None:
    site = make_site(weeks=2)
    forecast = forecast_demand(make_history(site, dt.date(2026, 1, 5), 56, weekly_step(12, 10)), site)
    # Ratio 10 / 12 = 0.83 is clipped to 0.9.
    assert value_at(forecast, "calls", "2026-03-02 09:00") == pytest.approx(10 * 0.9**0.25, rel=1e-12)


def test_a_moderate_trend_is_applied_unclipped() -> None:
    site = make_site(weeks=2)
    forecast = forecast_demand(make_history(site, dt.date(2026, 1, 5), 56, weekly_step(10, 10.5)), site)
    assert value_at(forecast, "calls", "2026-03-02 09:00") == pytest.approx(10.5 * 1.05**0.25, rel=1e-12)


def test_no_trend_without_eight_weeks_of_history() -> None:
    site = make_site(weeks=2)
    history = make_history(site, dt.date(2026, 1, 12), 49, weekly_step(10, 20))
    assert value_at(forecast_demand(history, site), "calls", "2026-03-02 09:00") == 20.0


def test_a_queue_without_history_is_an_error_naming_it() -> None:
    site = make_site()
    history = make_history(site, dt.date(2026, 2, 16), 14, constant(10))
    with pytest.raises(ValueError, match="cases"):
        forecast_demand(history[history["queue"] == "calls"], site)


def test_history_after_the_forecast_start_is_not_used() -> None:
    site = make_site()
    history = make_history(site, dt.date(2026, 2, 16), 21, lambda q, m: 10.0 if m.date() < MONDAY else 99.0)
    assert value_at(forecast_demand(history, site), "calls", "2026-03-02 09:00") == 10.0


def test_an_unknown_method_is_an_error_listing_the_known_ones() -> None:
    site = make_site()
    history = make_history(site, dt.date(2026, 2, 16), 14, constant(10))
    with pytest.raises(ValueError, match="seasonal_naive"):
        forecast_demand(history, site, method="holt_winters")


def test_a_finer_history_is_summed_onto_the_site_grid() -> None:
    fine = make_site(interval=15)
    site = make_site()
    history = make_history(fine, dt.date(2026, 2, 16), 14, constant(4), lambda q, m: 100.0 if m.minute % 30 else 200.0)
    forecast = forecast_demand(history, site)
    assert value_at(forecast, "calls", "2026-03-02 09:00") == 8.0
    assert value_at(forecast, "calls", "2026-03-02 09:00", "aht_seconds") == 150.0


# --- AHT ----------------------------------------------------------------------------------------------------


def test_aht_is_volume_weighted_per_time_of_day_across_weekdays() -> None:
    site = make_site(weeks=1)

    def volume(queue: str, moment: dt.datetime) -> float:
        return 30.0 if moment.weekday() == 0 else 10.0

    def aht(queue: str, moment: dt.datetime) -> float:
        return 200.0 if moment.weekday() == 0 else 100.0

    forecast = forecast_demand(make_history(site, dt.date(2026, 2, 23), 7, volume, aht), site)
    # One week, calls 09:00: Monday 30 contacts at 200 s, six other days 10 at 100 s -> (6000 + 6000) / 90.
    expected = 12000 / 90
    assert value_at(forecast, "calls", "2026-03-02 09:00", "aht_seconds") == pytest.approx(expected)
    assert value_at(forecast, "calls", "2026-03-05 10:30", "aht_seconds") == pytest.approx(expected)
    # cases, Monday to Friday: (30 * 200 + 4 * 10 * 100) / 70.
    assert value_at(forecast, "cases", "2026-03-03 09:00", "aht_seconds") == pytest.approx(10000 / 70)


def test_aht_falls_back_to_300_seconds_for_a_queue_without_any() -> None:
    site = make_site()
    history = make_history(site, dt.date(2026, 2, 16), 14, constant(10))
    history.loc[history["queue"] == "cases", "aht_seconds"] = np.nan
    forecast = forecast_demand(history, site)
    assert (forecast.loc[forecast["queue"] == "cases", "aht_seconds"] == 300.0).all()
    assert (forecast.loc[forecast["queue"] == "calls", "aht_seconds"] == 200.0).all()


# --- seasonal_naive and the registry ------------------------------------------------------------------------


def test_seasonal_naive_repeats_the_last_observed_week() -> None:
    site = make_site(days=14)
    history = make_history(
        site, dt.date(2026, 2, 16), 14, lambda q, m: 10.0 if m.date() < dt.date(2026, 2, 23) else 12.0
    )
    history = history[history["interval_start"] != pd.Timestamp("2026-02-24 09:00")]
    forecast = forecast_demand(history, site, method="seasonal_naive")
    assert value_at(forecast, "calls", "2026-03-02 09:00") == 12.0
    assert value_at(forecast, "calls", "2026-03-09 09:30") == 12.0  # second horizon week: still last week
    assert value_at(forecast, "calls", "2026-03-03 09:00") == 10.0  # missing last week: the week before


def test_methods_are_registered_by_name() -> None:
    assert {"weekly_profile", "seasonal_naive"} <= set(METHODS)


# --- backtest -----------------------------------------------------------------------------------------------


@pytest.mark.parametrize("method", ["weekly_profile", "seasonal_naive"])
def test_backtest_is_exact_on_a_periodic_series(method: str) -> None:
    site = make_site()
    history = make_history(site, dt.date(2026, 1, 5), 56, pattern)
    table = backtest(history, site, folds=4, method=method)
    assert list(table.columns[:5]) == ["queue", "method", "fold_start", "wape", "bias"]
    assert len(table) == 4 * 2
    assert sorted(set(table["fold_start"])) == [pd.Timestamp(f"2026-02-{d:02d}") for d in (2, 9, 16, 23)]
    assert (table["wape"] == 0.0).all() and (table["bias"] == 0.0).all()


def test_backtest_scores_each_week_from_the_history_before_it() -> None:
    site = make_site()
    # Weeks of 10, 10, then 12 per interval: the last fold forecasts 10 against 12.
    history = make_history(
        site, dt.date(2026, 2, 9), 21, lambda q, m: 12.0 if m.date() >= dt.date(2026, 2, 23) else 10.0
    )
    table = backtest(history, site, folds=2).set_index(["queue", "fold_start"])
    first, last = pd.Timestamp("2026-02-16"), pd.Timestamp("2026-02-23")
    assert table.loc[("calls", first), "wape"] == 0.0
    assert table.loc[("calls", last), "wape"] == pytest.approx(2 / 12)
    assert table.loc[("calls", last), "bias"] == pytest.approx(-2 / 12)
    assert table.loc[("cases", last), "actual_volume"] == 5 * 2 * 12.0
    assert table.loc[("cases", last), "forecast_volume"] == 5 * 2 * 10.0


def test_backtest_needs_history_before_its_first_fold() -> None:
    site = make_site()
    with pytest.raises(ValueError, match="folds"):
        backtest(make_history(site, dt.date(2026, 2, 16), 14, constant(10)), site, folds=2)


# --- performance --------------------------------------------------------------------------------------------


def test_eight_queues_thirteen_weeks_of_quarter_hours_forecast_in_under_two_seconds() -> None:
    queues = [
        {
            "id": f"queue_{i}",
            "office": "front",
            "channel": "voice",
            "kind": "live",
            "service_level": 0.8,
            "answer_seconds": 20,
            "open": "07:00",
            "close": "21:00",
        }
        for i in range(8)
    ]
    site = make_site(interval=15, days=14, country="GB").model_copy(
        update={"queues": tuple(make_site().queues[0].model_copy(update=q) for q in queues)}
    )
    times = pd.date_range("2025-12-01", "2026-03-01 23:45", freq="15min")
    times = times[(times.hour >= 7) & (times.hour < 21)]
    rng = np.random.default_rng(7)
    history = pd.DataFrame(
        {"interval_start": np.tile(times, 8), "queue": np.repeat([q["id"] for q in queues], len(times))}
    )
    history["volume"] = rng.poisson(20, len(history)).astype(float)
    history["aht_seconds"] = rng.normal(300, 30, len(history))
    assert len(history) > 40_000
    began = time.process_time()
    forecast = forecast_demand(history, site)
    assert time.process_time() - began < 2.0
    assert len(forecast) == 14 * 96 * 8 and not forecast.isna().any().any()
