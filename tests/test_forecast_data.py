"""The month-end generator (bench/forecast_data.py): reproducible, shaped as documented, inside opening hours."""

from __future__ import annotations

import datetime as dt
import importlib.util
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from wfm.domain import WEEKDAYS, parse_clock
from wfm.forecast import public_holidays
from wfm.io import load_site

_PATH = Path(__file__).resolve().parents[1] / "bench" / "forecast_data.py"
_SPEC = importlib.util.spec_from_file_location("forecast_data", _PATH)
assert _SPEC is not None and _SPEC.loader is not None
fd = importlib.util.module_from_spec(_SPEC)
sys.modules["forecast_data"] = fd  # dataclasses resolve their module by name
_SPEC.loader.exec_module(fd)

END = dt.date(2026, 3, 1)


@pytest.fixture(scope="module")
def operation():
    return fd.month_end_operation()


@pytest.fixture(scope="module")
def calendar():
    dates = fd.history_dates(52, END)
    return dates, public_holidays(fd.COUNTRY, dates[0], dates[-1])


def test_same_seed_gives_the_same_frame_and_files(tmp_path: Path) -> None:
    first = fd.generate_history(seed=3, weeks=8)
    pd.testing.assert_frame_equal(first, fd.generate_history(seed=3, weeks=8))
    assert not first["volume"].equals(fd.generate_history(seed=4, weeks=8)["volume"])
    site, _ = fd.write_operation(tmp_path / "a", seed=3, weeks=8)
    fd.write_operation(tmp_path / "b", seed=3, weeks=8)
    for name in ("site.toml", "history.csv"):
        assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes()
    assert load_site(tmp_path / "a" / "site.toml") == site


def test_frame_has_the_history_contract(operation) -> None:
    site, history = operation
    assert list(history.columns) == ["interval_start", "queue", "volume", "aht_seconds"]
    assert history["interval_start"].dtype == np.dtype("datetime64[ns]")
    assert history["volume"].dtype == float and history["aht_seconds"].dtype == float
    assert set(history["queue"]) == {q.id for q in site.queues}
    assert (history["volume"] == history["volume"].round()).all()  # counts
    assert history["aht_seconds"].isna().equals(history["volume"] == 0)  # no AHT when nothing arrived
    assert not history.duplicated(["interval_start", "queue"]).any()
    assert site.horizon.start == END + dt.timedelta(days=1) and site.horizon.start.weekday() == 0
    assert history["interval_start"].max().date() == END


def test_month_end_is_1_8x_mid_month_for_claims(operation, calendar) -> None:
    dates, holidays = calendar
    business = [d for d in dates if fd.is_business_day(d, holidays)]
    factor = {d: fd.month_factor("claims_intake", d, holidays) for d in business}
    month_end = [d for d in business if factor[d] == fd.MONTH_END_FACTOR]
    mid_month = [d for d in business if 8 <= d.day <= 22]
    assert len(month_end) == 2 * 12  # the last two business days of each of 12 months
    assert {factor[d] for d in mid_month} == {1.0}
    # Exact, from the parameters: expected volume over the (non-random) season.

    def deseasoned(days: list[dt.date]) -> float:
        return float(
            np.mean(
                [
                    fd.expected_daily_volume("claims_intake", d, holidays) / fd.season_factor("claims_intake", d)
                    for d in days
                ]
            )
        )

    ratio = deseasoned(month_end) / deseasoned(mid_month)
    assert ratio == pytest.approx(1.8, rel=1e-12)
    # First business days: 1.4x, e.g. Friday 2 January 2026 after New Year's Day.
    assert fd.month_factor("claims_intake", dt.date(2026, 1, 2), holidays) == fd.MONTH_START_FACTOR
    # Christmas week: the last business days of December 2025 are Tuesday 30 and Wednesday 31.
    assert fd.month_factor("claims_intake", dt.date(2025, 12, 30), holidays) == fd.MONTH_END_FACTOR
    # The generated (noisy) totals show it too.
    _, history = operation
    claims = history[history["queue"] == "claims_intake"]
    totals = claims.groupby(claims["interval_start"].dt.date)["volume"].sum()
    observed = totals.reindex(month_end).mean() / totals.reindex(mid_month).mean()
    assert observed == pytest.approx(1.8, rel=0.1)


def test_billing_day_and_holidays(calendar) -> None:
    _, holidays = calendar
    assert fd.billing_day(2025, 3, holidays) == dt.date(2025, 3, 17)  # the 15th was a Saturday
    assert fd.month_factor("payments_exceptions", dt.date(2025, 3, 17), holidays) == fd.BILLING_FACTOR
    assert fd.month_factor("payments_exceptions", dt.date(2025, 4, 15), holidays) == fd.BILLING_FACTOR
    christmas, thursday = dt.date(2025, 12, 25), dt.date(2025, 12, 18)
    assert fd.expected_daily_volume("retail_voice", christmas, holidays) == pytest.approx(
        0.1 * fd.expected_daily_volume("retail_voice", thursday, holidays)
    )
    assert fd.expected_daily_volume("claims_intake", christmas, holidays) == 0.0


def test_digital_chat_starts_on_a_wednesday_three_weeks_before_the_end(operation) -> None:
    _, history = operation
    first = history.loc[history["queue"] == "digital_chat", "interval_start"].min().date()
    assert first == fd.new_queue_start(END) == dt.date(2026, 2, 11)
    assert first.weekday() == 2
    # Three calendar weeks of history: the week of the first day is two weeks before the end's week.
    assert (END - dt.timedelta(days=END.weekday())) - (first - dt.timedelta(days=first.weekday())) == dt.timedelta(
        weeks=2
    )


def test_rows_only_inside_opening_hours(operation, calendar) -> None:
    site, history = operation
    _, holidays = calendar
    starts = history["interval_start"]
    minute = (starts.dt.hour * 60 + starts.dt.minute).to_numpy()
    weekday = starts.dt.day_of_week.to_numpy()
    assert (minute % site.interval_minutes == 0).all()
    for queue in site.queues:
        rows = (history["queue"] == queue.id).to_numpy()
        days = [WEEKDAYS.index(d) for d in queue.days]
        assert np.isin(weekday[rows], days).all(), queue.id
        assert (minute[rows] >= parse_clock(queue.open)).all() and (minute[rows] < parse_clock(queue.close)).all()
    closed_on_holidays = history["queue"].isin(["claims_intake", "payments_exceptions"])
    assert not starts[closed_on_holidays].dt.date.isin(holidays).any()
    # Every wall-clock time exists in Europe/London (the history spans the March 2025 spring-forward).
    pd.DatetimeIndex(starts).tz_localize(site.timezone, nonexistent="raise", ambiguous=False)


def test_retail_voice_outage_afternoon(operation) -> None:
    _, history = operation
    day = fd.outage_date()
    voice = history[history["queue"] == "retail_voice"]
    afternoon = voice[voice["interval_start"].dt.hour >= 13]
    totals = afternoon.groupby(afternoon["interval_start"].dt.date)["volume"].sum()
    same_weekday = [day + dt.timedelta(weeks=k) for k in (-2, -1, 1, 2)]
    assert totals[day] < 0.1 * totals.reindex(same_weekday).mean()
