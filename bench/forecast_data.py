"""A second generated history, shaped unlike the bundled sample, to judge the forecast on.

The bundled sample (`wfm.demo`) is a front-office-heavy bank whose demand is a weekday profile: a double daily
peak, a weekly pattern, holidays. A forecast that only learns "an average Monday" does well on it. Real back- and
middle-office work is driven by the calendar as much as by the weekday, and a weekday profile cannot see that:

- `claims_intake` (back office, cases, deferred): month-end peaks, the last two business days of a month at 1.8x
  and the first at 1.4x, with a mild yearly season (busier in January, quieter in July); weekdays 08:00-18:00,
  arrivals front-loaded in the morning (the overnight post and portal submissions land at opening);
- `payments_exceptions` (middle office, cases, deferred): a billing-day spike, 1.6x on the 15th of the month or
  the next business day when the 15th is not one, on a weekly pattern peaking on Monday; weekdays 09:00-17:30;
- `retail_voice` (front office, voice, live): open every day 08:00-20:00, Saturday at 0.6x and Sunday at 0.4x of
  a weekday, a double intraday peak, public holidays at 10% of a normal day, and one outage afternoon (the
  phone platform down: 5% of the normal volume from 13:00 to closing) that must not shape later forecasts;
- `digital_chat` (front office, chat, live): a new queue, launched on a Wednesday, whose history covers only the
  last three calendar weeks (the first one partial), too short for a four-week backtest.

Europe/London time, GB public holidays (`holidays` package, the same calendar the forecast uses), 15-minute
intervals. Volumes are Poisson counts around the expected volume (itself wobbling by a few percent from day to
day); the AHT of an interval varies by time of day (+-15% around the queue's base) and is missing when nothing
arrived. About 0.5% of rows are dropped at random (missing intervals). Rows exist only inside opening hours, in
naive local wall-clock time; a local time that does not exist (the hour skipped when clocks go forward) is never
written, although all queues are closed then anyway.

Like `wfm.demo`, the output is a pure function of the arguments: each kind of random draw has its own seeded
stream (`numpy.random.default_rng([seed, stream])`), and files are written with explicit formatting, so the same
arguments give an identical frame and byte-identical files.

    .venv/bin/python bench/forecast_data.py      # writes bench/out/month_end/{site.toml,history.csv}
"""

from __future__ import annotations

import csv
import datetime as dt
import math
import sys
import tomllib
from collections.abc import Callable, Container
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from wfm.demo import FULL_BREAKS, DayProfile, bump, toml_table, toml_value
from wfm.domain import WEEKDAYS, Site, parse_clock
from wfm.forecast import public_holidays as holidays_between

SITE_NAME = "Harbourside Claims & Payments Centre"
TIMEZONE = "Europe/London"
COUNTRY = "GB"
INTERVAL_MINUTES = 15
SHRINKAGE = 0.10
HORIZON_DAYS = 7

# Calendar effects (multipliers of a normal day).
MONTH_END_FACTOR = 1.8  # claims_intake: each of the last two business days of a month
MONTH_START_FACTOR = 1.4  # claims_intake: the first business day of a month
MONTH_END_DAYS = 2
BILLING_DAY = 15
BILLING_FACTOR = 1.6  # payments_exceptions: the 15th, or the next business day
SEASON_AMPLITUDE = 0.08  # claims_intake: +-8% over the year
SEASON_PEAK_DAY = 20  # ... peaking on 20 January (day of year)
HOLIDAY_FACTOR = {"retail_voice": 0.10, "digital_chat": 0.30}  # open on public holidays at this share

DAY_NOISE_SIGMA = 0.04  # days differ by a few percent beyond Poisson (news, weather, mailings)
AHT_SWING = 0.15  # AHT ranges over +-15% of the queue's base through the day
AHT_NOISE_SIGMA = 0.04
MISSING_ROW_SHARE = 0.005
OUTAGE_QUEUE = "retail_voice"
OUTAGE_FROM = "13:00"  # until closing
OUTAGE_FACTOR = 0.05
NEW_QUEUE = "digital_chat"
NEW_QUEUE_WEEKS = 3  # calendar weeks of history, the first one from its Wednesday

_STREAMS = {"volume": 1, "aht": 2, "missing": 3, "outage": 4}


def _front_loaded(hours: np.ndarray) -> np.ndarray:
    # The overnight post and portal submissions land at opening, then a tail through the day.
    return 0.12 + np.exp(-(hours - 8.0) / 2.2)


def _billing_shape(hours: np.ndarray) -> np.ndarray:
    # The morning payment run's rejects arrive late morning, the afternoon run's around 14:30.
    return 0.35 + bump(hours, 10.5, 1.0) + 0.5 * bump(hours, 14.5, 1.2)


def _double_peak(hours: np.ndarray) -> np.ndarray:
    return 0.2 + bump(hours, 10.5, 1.2) + 0.8 * bump(hours, 14.25, 1.3)


def _chat_shape(hours: np.ndarray) -> np.ndarray:
    # Chat follows people's free time: lunchtime and the evening.
    return 0.3 + 0.8 * bump(hours, 12.5, 1.5) + bump(hours, 19.5, 1.4)


@dataclass(frozen=True)
class QueueSpec:
    """One queue: its site.toml entry and how its demand behaves."""

    id: str
    name: str
    office: str
    channel: str
    kind: str
    open: str
    close: str
    week: dict[str, float]  # weekday factors; a day missing here is closed
    level: float  # contacts (items) on a normal weekday, factor 1.0, before the season
    aht_seconds: float
    shape: Callable[[np.ndarray], np.ndarray]
    targets: dict[str, float | int]

    @property
    def days(self) -> tuple[str, ...]:
        return tuple(d for d in WEEKDAYS if d in self.week)


WEEKDAYS_FLAT = {"mon": 1.0, "tue": 1.0, "wed": 1.0, "thu": 1.0, "fri": 1.0}

QUEUE_SPECS: tuple[QueueSpec, ...] = (
    QueueSpec(
        id="claims_intake",
        name="Claims intake",
        office="back",
        channel="case",
        kind="deferred",
        open="08:00",
        close="18:00",
        week=WEEKDAYS_FLAT,  # no weekly pattern: the month, not the weekday, drives it
        level=900.0,
        aht_seconds=540.0,
        shape=_front_loaded,
        targets={"sla_hours": 48},
    ),
    QueueSpec(
        id="payments_exceptions",
        name="Payments exceptions",
        office="middle",
        channel="case",
        kind="deferred",
        open="09:00",
        close="17:30",
        week={"mon": 1.3, "tue": 1.05, "wed": 1.0, "thu": 0.95, "fri": 0.9},
        level=420.0,
        aht_seconds=420.0,
        shape=_billing_shape,
        targets={"sla_hours": 8},
    ),
    QueueSpec(
        id="retail_voice",
        name="Retail voice",
        office="front",
        channel="voice",
        kind="live",
        open="08:00",
        close="20:00",
        week={"mon": 1.15, "tue": 1.0, "wed": 0.97, "thu": 0.97, "fri": 1.0, "sat": 0.6, "sun": 0.4},
        level=3000.0,
        aht_seconds=310.0,
        shape=_double_peak,
        targets={"service_level": 0.8, "answer_seconds": 20, "max_occupancy": 0.88, "patience_seconds": 180},
    ),
    QueueSpec(
        id="digital_chat",
        name="Digital chat",
        office="front",
        channel="chat",
        kind="live",
        open="08:00",
        close="22:00",
        week={"mon": 1.1, "tue": 1.0, "wed": 1.0, "thu": 1.0, "fri": 0.95, "sat": 0.8, "sun": 0.7},
        level=700.0,
        aht_seconds=450.0,
        shape=_chat_shape,
        targets={
            "service_level": 0.8,
            "answer_seconds": 60,
            "max_occupancy": 0.85,
            "patience_seconds": 300,
            "concurrency": 2,
        },
    ),
)
SPEC_BY_ID = {spec.id: spec for spec in QUEUE_SPECS}


# ---------------------------------------------------------------------------------------------- calendar


def is_business_day(day: dt.date, public_holidays: Container[dt.date]) -> bool:
    return day.weekday() < 5 and day not in public_holidays


def _business_days_of_month(day: dt.date, public_holidays: Container[dt.date]) -> list[dt.date]:
    first = day.replace(day=1)
    following = (first + dt.timedelta(days=32)).replace(day=1)
    days = (first + dt.timedelta(days=i) for i in range((following - first).days))
    return [d for d in days if is_business_day(d, public_holidays)]


def billing_day(year: int, month: int, public_holidays: Container[dt.date]) -> dt.date:
    """The 15th of the month, or the next business day when the 15th is not one."""
    day = dt.date(year, month, BILLING_DAY)
    while not is_business_day(day, public_holidays):
        day += dt.timedelta(days=1)
    return day


def month_factor(queue: str, day: dt.date, public_holidays: Container[dt.date]) -> float:
    """The day-of-month effect of `queue` on `day`: month-end and month-start for claims, billing day for payments."""
    if queue == "claims_intake" and is_business_day(day, public_holidays):
        business = _business_days_of_month(day, public_holidays)
        if day in business[-MONTH_END_DAYS:]:
            return MONTH_END_FACTOR
        if day == business[0]:
            return MONTH_START_FACTOR
    if queue == "payments_exceptions" and day == billing_day(day.year, day.month, public_holidays):
        return BILLING_FACTOR
    return 1.0


def season_factor(queue: str, day: dt.date) -> float:
    """The mild yearly season of claims_intake (1.0 for the other queues)."""
    if queue != "claims_intake":
        return 1.0
    angle = 2 * math.pi * (day.timetuple().tm_yday - SEASON_PEAK_DAY) / 365.25
    return 1 + SEASON_AMPLITUDE * math.cos(angle)


def expected_daily_volume(queue: str, day: dt.date, public_holidays: Container[dt.date]) -> float:
    """Expected volume of `queue` on `day` before noise and the outage; 0.0 when the queue is closed that day.

    level x weekday x day of month x season, x the holiday share on public holidays (closed without one).
    Whether a new queue existed yet is not considered here (see `new_queue_start`).
    """
    spec = SPEC_BY_ID[queue]
    weekday = WEEKDAYS[day.weekday()]
    if weekday not in spec.week:
        return 0.0
    factor = spec.week[weekday] * month_factor(queue, day, public_holidays) * season_factor(queue, day)
    if day in public_holidays:
        factor *= HOLIDAY_FACTOR.get(queue, 0.0)
    return spec.level * factor


def new_queue_start(end: dt.date) -> dt.date:
    """First day of digital_chat's history: the Wednesday of the week NEW_QUEUE_WEEKS - 1 weeks before end's week."""
    monday = end - dt.timedelta(days=end.weekday())
    return monday - dt.timedelta(weeks=NEW_QUEUE_WEEKS - 1) + dt.timedelta(days=2)


def history_dates(weeks: int, end: dt.date) -> list[dt.date]:
    """The `weeks` x 7 days of history, ending with `end` (inclusive)."""
    first = end - dt.timedelta(days=7 * weeks - 1)
    return [first + dt.timedelta(days=i) for i in range(7 * weeks)]


def outage_date(seed: int = 11, weeks: int = 52, end: dt.date = dt.date(2026, 3, 1)) -> dt.date:
    """The weekday (not a holiday) whose afternoon retail_voice lost to an outage."""
    dates = history_dates(weeks, end)
    public_holidays = holidays_between(COUNTRY, dates[0], dates[-1])
    # Not in the last two weeks, so a backtest still has a clean recent week to compare with.
    candidates = [d for d in dates[:-14] if is_business_day(d, public_holidays)] or dates
    rng = np.random.default_rng([seed, _STREAMS["outage"]])
    return candidates[int(rng.integers(len(candidates)))]


# ---------------------------------------------------------------------------------------------- intraday


def day_profile(queue: str) -> DayProfile:
    spec = SPEC_BY_ID[queue]
    minutes = np.arange(parse_clock(spec.open), parse_clock(spec.close), INTERVAL_MINUTES)
    hours = (minutes + INTERVAL_MINUTES / 2) / 60
    weight = spec.shape(hours)
    # Longer calls mid-afternoon (complex queries, newer staff on the late shift), shortest at opening.
    swing = bump(hours, 15.0, 3.0)
    swing = (swing - swing.min()) / (swing.max() - swing.min())
    return DayProfile(minutes, weight / weight.sum(), 1 + AHT_SWING * (2 * swing - 1))


# ---------------------------------------------------------------------------------------------- history


def _rng(seed: int, stream: str) -> np.random.Generator:
    return np.random.default_rng([seed, _STREAMS[stream]])


def generate_history(seed: int = 11, weeks: int = 52, end: dt.date = dt.date(2026, 3, 1)) -> pd.DataFrame:
    """The interval history (interval_start naive local, queue, volume, aht_seconds), sorted by time and queue."""
    if weeks < NEW_QUEUE_WEEKS:
        raise ValueError(f"weeks must be at least {NEW_QUEUE_WEEKS}")
    dates = history_dates(weeks, end)
    public_holidays = holidays_between(COUNTRY, dates[0], dates[-1])
    chat_start = new_queue_start(end)
    outage = outage_date(seed, weeks, end)
    volume_rng, aht_rng = _rng(seed, "volume"), _rng(seed, "aht")
    starts: list[np.ndarray] = []
    orders: list[np.ndarray] = []
    volumes: list[np.ndarray] = []
    ahts: list[np.ndarray] = []
    for order, spec in enumerate(QUEUE_SPECS):
        profile = day_profile(spec.id)
        for day in dates:
            if spec.id == NEW_QUEUE and day < chat_start:
                continue
            expected = expected_daily_volume(spec.id, day, public_holidays)
            if expected <= 0:
                continue
            mean = expected * float(volume_rng.lognormal(0.0, DAY_NOISE_SIGMA)) * profile.share
            if spec.id == OUTAGE_QUEUE and day == outage:
                mean = np.where(profile.minutes >= parse_clock(OUTAGE_FROM), mean * OUTAGE_FACTOR, mean)
            volume = volume_rng.poisson(mean).astype(float)
            aht = spec.aht_seconds * profile.aht_factor * aht_rng.lognormal(0.0, AHT_NOISE_SIGMA, len(volume))
            starts.append(np.datetime64(day, "m") + profile.minutes.astype("timedelta64[m]"))
            orders.append(np.full(len(volume), order))
            volumes.append(volume)
            ahts.append(np.where(volume > 0, np.round(aht, 1), np.nan))
    start = np.concatenate(starts).astype("datetime64[ns]")
    order = np.concatenate(orders)
    sort = np.lexsort((order, start))
    frame = pd.DataFrame(
        {
            "interval_start": start[sort],
            "queue": np.array([s.id for s in QUEUE_SPECS], dtype=object)[order[sort]],
            "volume": np.concatenate(volumes)[sort],
            "aht_seconds": np.concatenate(ahts)[sort],
        }
    )
    frame["queue"] = frame["queue"].astype(str)
    # Wall-clock times that do not exist locally (clocks going forward) are never written.
    local = pd.DatetimeIndex(frame["interval_start"]).tz_localize(TIMEZONE, nonexistent="NaT", ambiguous=False)
    keep = np.asarray(local.notna()) & (_rng(seed, "missing").random(len(frame)) >= MISSING_ROW_SHARE)
    return frame[keep].reset_index(drop=True)


# ---------------------------------------------------------------------------------------------- site


SHIFT_TEMPLATES: list[dict[str, object]] = [
    {"id": "early", "name": "Early", "start_times": ["08:00", "08:30", "09:00"], "length_minutes": 510},
    {"id": "late", "name": "Late", "start_times": ["11:30", "12:00", "12:30", "13:00", "13:30"], "length_minutes": 510},
]
CONTRACT: dict[str, object] = {
    "id": "ft40",
    "name": "Full time 40h",
    "contracted_hours_week": 40,
    "min_hours_week": 36,
    "max_hours_week": 44,
    "max_overtime_hours_week": 4,
    "max_hours_day": 9,
    "days_off_per_week": 2,
    "max_consecutive_days": 6,
    "shift_templates": ["early", "late"],
}


def site_toml(end: dt.date = dt.date(2026, 3, 1)) -> str:
    """The site.toml text: the four queues, one shift pair and contract, a 7-day horizon from the day after `end`."""
    horizon_start = end + dt.timedelta(days=1)
    lines = [
        f"# {SITE_NAME}: generated by bench/forecast_data.py (synthetic, fictional data).",
        "# Month-end and billing-day peaks, a 7-day front office with an outage and a new chat queue.",
        f"name = {toml_value(SITE_NAME)}",
        f"timezone = {toml_value(TIMEZONE)}",
        f"country = {toml_value(COUNTRY)}",
        f"interval_minutes = {INTERVAL_MINUTES}",
        f"shrinkage = {SHRINKAGE!r}",
        "",
        "[horizon]",
        f"start = {horizon_start.isoformat()}",
        f"days = {HORIZON_DAYS}",
    ]
    for spec in QUEUE_SPECS:
        entry: dict[str, object] = {
            "id": spec.id,
            "name": spec.name,
            "office": spec.office,
            "channel": spec.channel,
            "kind": spec.kind,
            **spec.targets,
            "open": spec.open,
            "close": spec.close,
            "days": list(spec.days),
        }
        lines += ["", *toml_table("[[queues]]", entry)]
    for template in SHIFT_TEMPLATES:
        lines += ["", *toml_table("[[shift_templates]]", template)]
        for rule in FULL_BREAKS:
            lines += toml_table("[[shift_templates.breaks]]", rule)
    lines += ["", *toml_table("[[contracts]]", CONTRACT)]
    lines += ["", *toml_table("[forecast]", {"method": "auto", "folds": 4})]
    return "\n".join(lines) + "\n"


def month_end_operation(
    seed: int = 11, weeks: int = 52, end: dt.date = dt.date(2026, 3, 1)
) -> tuple[Site, pd.DataFrame]:
    """The site and its history: `weeks` x 7 days ending with `end` (inclusive); the horizon starts the day after.

    The default end, Sunday 1 March 2026, puts the horizon on Monday 2 March 2026, the sample's horizon week.
    """
    site = Site.model_validate(tomllib.loads(site_toml(end)))
    return site, generate_history(seed, weeks, end)


def write_history_csv(path: Path, history: pd.DataFrame) -> None:
    """history.csv with explicit formatting (ISO local times, whole counts, AHT to 0.1 s, empty when unknown)."""
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(["interval_start", "queue", "volume", "aht_seconds"])
        stamps = history["interval_start"].dt.strftime("%Y-%m-%dT%H:%M:%S")
        for stamp, queue, volume, aht in zip(
            stamps, history["queue"], history["volume"], history["aht_seconds"], strict=True
        ):
            writer.writerow([stamp, queue, f"{volume:.0f}", "" if math.isnan(aht) else f"{aht:.1f}"])


def write_operation(
    folder: Path, seed: int = 11, weeks: int = 52, end: dt.date = dt.date(2026, 3, 1)
) -> tuple[Site, pd.DataFrame]:
    """Write folder/site.toml and folder/history.csv (byte-identical for the same arguments)."""
    site, history = month_end_operation(seed, weeks, end)
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "site.toml").write_text(site_toml(end), encoding="utf-8")
    write_history_csv(folder / "history.csv", history)
    return site, history


def main(argv: list[str] | None = None) -> int:
    import argparse

    parser = argparse.ArgumentParser(description="Write the month-end operation's site.toml and history.csv.")
    parser.add_argument("--seed", type=int, default=11)
    parser.add_argument("--weeks", type=int, default=52, help="weeks of history")
    parser.add_argument("--end", type=dt.date.fromisoformat, default=dt.date(2026, 3, 1), help="last history day")
    parser.add_argument("--out", type=Path, default=Path(__file__).resolve().parent / "out" / "month_end")
    args = parser.parse_args(argv)
    _, history = write_operation(args.out, args.seed, args.weeks, args.end)
    counts = history.groupby("queue", sort=False)["volume"].agg(["size", "sum"])
    print(f"wrote {args.out}: {len(history):,} rows; outage {outage_date(args.seed, args.weeks, args.end)}")
    for queue, row in counts.iterrows():
        print(f"  {queue:<20} {int(row['size']):>7,} rows {int(row['sum']):>10,} contacts")
    return 0


if __name__ == "__main__":
    sys.exit(main())
