"""The history as every forecast method sees it: a queue x day x interval-of-day array with day flags.

The raw export is a long table (interval_start, queue, volume, aht_seconds). Methods work on days and
times of day, so it is pivoted once into `DayTable`, and "which days are normal" is decided here, once, for
all methods:

- a public holiday, a day named in events.csv, a daylight-saving changeover day (23 or 25 hours) and a day
  the queue is not scheduled to open are not normal: they never shape an ordinary Monday;
- an interval far above what its day and time of day predict (a spike) is damped to that prediction, one far
  below it (a partial outage) becomes unknown; both are reported;
- a day whose total is far from its neighbouring same weekdays (an outage, a mass mailing) is an outlier day:
  reported and left out.

Missing intervals are unknown (NaN), never zero: a day with a missing hour gets its total scaled up by the
share of the day that hour normally carries.
"""

from __future__ import annotations

import datetime as dt
import warnings
from dataclasses import dataclass
from zoneinfo import ZoneInfo

import holidays
import numpy as np
import pandas as pd

from wfm.domain import WEEKDAYS, Event, Site

HISTORY_COLUMNS = ("interval_start", "queue", "volume", "aht_seconds")

# A day whose total is above 1.8x or below 0.4x the median of its neighbouring same weekdays is not a normal
# day for that weekday: an outage, a system failure, a mass mailing. It must not shape next week.
OUTLIER_HIGH_RATIO = 1.8
OUTLIER_LOW_RATIO = 0.4
# The reference is the median of up to 8 same weekdays around the day (4 before, 4 after): centred, so a
# year of growth does not make old days look like outliers, and wide enough that one spike cannot move it.
OUTLIER_REFERENCE_WEEKS = 4
# An interval is a spike or a hole when it is more than 4 standard deviations from its day's level x the
# usual share of that time of day. The deviation is Poisson noise plus 15 % (how much the intraday shape
# itself wanders on real call-centre data), so busy intervals are judged on shape, quiet ones on counts.
INTERVAL_OUTLIER_SIGMAS = 4.0
INTRADAY_DISPERSION = 0.15
# A hole is only called below this many expected contacts; under it, a zero is ordinary Poisson luck.
MIN_EXPECTED_FOR_HOLE = 20.0
# Month position: the first 3 and last 2 business days of a month get their own factors in top_down.
MONTH_START_DAYS = 3
MONTH_END_DAYS = 2
# A day missing more than half of its usual volume-carrying intervals has no trustworthy total.
MIN_DAY_COMPLETENESS = 0.5


@dataclass(frozen=True)
class Outlier:
    """One reported outlier: a whole day (`interval_start` None) or one interval, with what was expected."""

    queue: str
    date: dt.date
    interval_start: pd.Timestamp | None
    kind: str  # "day high", "day low", "spike" (damped to expected) or "hole" (treated as unknown)
    actual: float
    expected: float


@dataclass(frozen=True)
class DayTable:
    """History strictly before `origin` as arrays over (queue, day, slot); see the module docstring.

    volume[q, d, s]: contacts in interval-of-day s (wall clock) of day d, NaN = unknown; spikes damped.
    day_total[q, d]: the day's total scaled up for unknown intervals; NaN if less than half the day is known.
    normal[q, d]: the day may shape the forecast of an ordinary day (observed, open, no holiday, no event,
    no daylight-saving change, not an outlier day).
    """

    queues: tuple[str, ...]
    dates: pd.DatetimeIndex
    slots_per_day: int
    volume: np.ndarray
    work_seconds: np.ndarray  # volume x AHT where the AHT is known
    aht_volume: np.ndarray  # the volume those AHTs belong to
    day_total: np.ndarray
    normal: np.ndarray
    origin: pd.Timestamp
    outliers: tuple[Outlier, ...]

    @property
    def weekday(self) -> np.ndarray:
        return np.asarray(self.dates.day_of_week)

    @property
    def days(self) -> int:
        return len(self.dates)


def holiday_names(country: str | None, first: dt.date, last: dt.date) -> dict[dt.date, str]:
    """Public holidays of `country` (ISO code, `holidays` package) between first and last, with their names."""
    if country is None or last < first:
        return {}
    try:
        calendar = holidays.country_holidays(country, years=range(first.year, last.year + 1))
    except NotImplementedError as exc:
        raise ValueError(f"site country {country!r} is not known to the holidays package") from exc
    return {day: str(name) for day, name in calendar.items() if first <= day <= last}


def public_holidays(country: str | None, first: dt.date, last: dt.date) -> set[dt.date]:
    """Public holidays of `country` between first and last, inclusive."""
    return set(holiday_names(country, first, last))


def holiday_mask(country: str | None, dates: pd.DatetimeIndex) -> np.ndarray:
    """[d]: the date is a public holiday of `country`."""
    if not len(dates):
        return np.zeros(0, dtype=bool)
    days = public_holidays(country, dates[0].date(), dates[-1].date())
    return np.asarray(dates.isin(pd.to_datetime(sorted(days))), dtype=bool)


def day_length_hours(timezone: str, dates: pd.DatetimeIndex) -> np.ndarray:
    """Hours from local midnight to the next local midnight: 23 or 25 on daylight-saving changeover days."""
    zone = ZoneInfo(timezone)
    starts = dates.tz_localize(zone, ambiguous=False, nonexistent="shift_forward")
    ends = (dates + pd.Timedelta(days=1)).tz_localize(zone, ambiguous=False, nonexistent="shift_forward")
    return np.asarray((ends - starts).total_seconds() / 3600.0)


def normalize_history(history: pd.DataFrame, site: Site) -> pd.DataFrame:
    """Type the history, keep the site's queues and known volumes, and sum finer rows onto the site's grid.

    A 5-minute export for a 30-minute site is summed into each half hour, the AHT volume-weighted. The `fold`
    column (PEP 495: 1 marks the second pass through a repeated hour when clocks go back) is kept if present.
    """
    missing = [c for c in ("interval_start", "queue", "volume") if c not in history.columns]
    if missing:
        raise ValueError(f"history is missing column(s) {', '.join(missing)} (expected {', '.join(HISTORY_COLUMNS)})")
    starts = pd.to_datetime(history["interval_start"])
    if isinstance(starts.dtype, pd.DatetimeTZDtype):
        # The contract is naive site-local time; an aware column is converted rather than misread.
        starts = starts.dt.tz_convert(site.timezone).dt.tz_localize(None)
    frame = pd.DataFrame(
        {
            "interval_start": starts.astype("datetime64[ns]").dt.floor(f"{site.interval_minutes}min"),
            "queue": history["queue"].astype(str),
            "volume": pd.to_numeric(history["volume"], errors="coerce").astype(float),
            "aht_seconds": (
                pd.to_numeric(history["aht_seconds"], errors="coerce").astype(float)
                if "aht_seconds" in history.columns
                else np.nan
            ),
            "fold": history["fold"].to_numpy(dtype=np.int8) if "fold" in history.columns else np.int8(0),
        }
    )
    frame = frame[frame["queue"].isin([q.id for q in site.queues]) & frame["volume"].notna()]
    known = frame["aht_seconds"].notna() & (frame["aht_seconds"] > 0)
    frame = frame.assign(
        work_seconds=(frame["volume"] * frame["aht_seconds"]).where(known, 0.0),
        aht_volume=frame["volume"].where(known, 0.0),
    )
    keys = ["queue", "interval_start", "fold"]
    summed = frame.groupby(keys, as_index=False, sort=True)[["volume", "work_seconds", "aht_volume"]].sum()
    with np.errstate(divide="ignore", invalid="ignore"):
        summed["aht_seconds"] = np.where(
            summed["aht_volume"] > 0, summed["work_seconds"] / summed["aht_volume"], np.nan
        )
    return summed[["interval_start", "queue", "volume", "aht_seconds", "fold", "work_seconds", "aht_volume"]]


def business_days(site: Site, dates: pd.DatetimeIndex, holiday: np.ndarray) -> np.ndarray:
    """[queue, day]: the queue is scheduled to open that day (one of its weekdays and not a public holiday)."""
    weekday = np.asarray(dates.day_of_week)
    out = np.zeros((len(site.queues), len(dates)), dtype=bool)
    for q, queue in enumerate(site.queues):
        out[q] = np.isin(weekday, [WEEKDAYS.index(d) for d in queue.open_days]) & ~holiday
    return out


def month_position(business: np.ndarray, dates: pd.DatetimeIndex) -> tuple[np.ndarray, np.ndarray]:
    """[q, d] business days before this one in its month, and after it: 0 = first / last business day."""
    month = np.asarray(dates.year * 12 + dates.month)
    from_start = np.zeros(business.shape, dtype=int)
    from_end = np.zeros(business.shape, dtype=int)
    for q in range(business.shape[0]):
        frame = pd.DataFrame({"month": month, "business": business[q]})
        from_start[q] = frame.groupby("month")["business"].cumsum().to_numpy() - business[q]
        from_end[q] = frame[::-1].groupby("month")["business"].cumsum().to_numpy()[::-1] - business[q]
    return from_start, from_end


def event_factors(site: Site, events: tuple[Event, ...] | list[Event], dates: pd.DatetimeIndex) -> np.ndarray:
    """[q, d] multiplier from events.csv (NaN where no event): closed = 0; a queue's own line beats '*'."""
    out = np.full((len(site.queues), len(dates)), np.nan)
    index = {q.id: i for i, q in enumerate(site.queues)}
    position = {moment.date(): d for d, moment in enumerate(dates)}
    for event in sorted(events, key=lambda e: e.queue != "*"):  # '*' first, so a queue's own line wins
        d = position.get(event.date)
        if d is None:
            continue
        value = 0.0 if event.closed else float(event.multiplier or 0.0)
        if event.queue == "*":
            out[:, d] = value
        elif event.queue in index:
            out[index[event.queue], d] = value
    return out


def _shifted(values: np.ndarray, k: int) -> np.ndarray:
    """values moved k places along the last axis (positive = later), padded with NaN."""
    out = np.full(values.shape, np.nan)
    if k > 0:
        out[..., k:] = values[..., :-k]
    elif k < 0:
        out[..., :k] = values[..., -k:]
    else:
        out[...] = values
    return out


def _nanmean(values: np.ndarray, axis: int) -> np.ndarray:
    """Mean over `axis` ignoring NaN; NaN where nothing is known (without numpy's empty-slice warning)."""
    known = ~np.isnan(values)
    count = known.sum(axis=axis)
    total = np.where(known, values, 0.0).sum(axis=axis)
    return np.where(count > 0, total / np.maximum(count, 1), np.nan)


def _same_weekday_reference(day_total: np.ndarray, candidate: np.ndarray, weekday: np.ndarray) -> np.ndarray:
    """Median total of the up-to-8 surrounding same weekdays (the day itself excluded), per queue and day."""
    reference = np.full(day_total.shape, np.nan)
    for w in range(7):
        idx = np.flatnonzero(weekday == w)
        if not len(idx):
            continue
        values = np.where(candidate[:, idx], day_total[:, idx], np.nan)
        reach = range(-OUTLIER_REFERENCE_WEEKS, OUTLIER_REFERENCE_WEEKS + 1)
        neighbours = np.stack([_shifted(values, k) for k in reach if k])
        enough = (~np.isnan(neighbours)).sum(axis=0) >= 2
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)  # all-NaN windows: handled by `enough`
            median = np.nanmedian(neighbours, axis=0)
        reference[:, idx] = np.where(enough, median, np.nan)
    return reference


def _usual_shares(
    volume: np.ndarray, day_total: np.ndarray, use: np.ndarray, weekday: np.ndarray, robust: bool = False
) -> np.ndarray:
    """[queue, weekday, slot]: the mean (or, `robust`, median) share of the day each interval carries."""
    queues, _, slots = volume.shape
    shares = np.full((queues, 7, slots), np.nan)
    with np.errstate(divide="ignore", invalid="ignore"):
        day_share = volume / day_total[:, :, None]
    for w in range(7):
        days = weekday == w
        picked = np.where((use & days[None, :])[:, :, None], day_share, np.nan)
        if robust:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", RuntimeWarning)  # an interval never seen stays NaN
                shares[:, w, :] = np.nanmedian(picked, axis=1)
        else:
            shares[:, w, :] = _nanmean(picked, axis=1)
    return shares


def _recurs(volume: np.ndarray, day_total: np.ndarray, usual: np.ndarray) -> np.ndarray:
    """[queue, day, slot]: the interval's excess over its usual share of the day also showed (at least half of
    it) in the same or an adjacent interval on the same weekday a week before or after.

    A burst that comes back every week is a pattern, even when it moves through the year (a centre that reopens
    on Saturday at sunset): it is learned, not damped as a spike. A spike is a one-off."""
    with np.errstate(divide="ignore", invalid="ignore"):
        excess = np.nan_to_num(volume / day_total[:, :, None]) - usual
    # The history's days are consecutive: the same weekday a week before is 7 days earlier in the array.
    days = volume.shape[1]
    index = np.arange(days)
    seen = np.zeros(volume.shape, dtype=bool)
    for step in (-7, 7):
        other = index + step
        valid = (other >= 0) & (other < days)
        theirs = np.full_like(excess, -np.inf)
        theirs[:, valid, :] = excess[:, other[valid], :]
        # the same interval, or one either side (not wrapping round from the day's last interval to its first)
        padded = np.pad(theirs, ((0, 0), (0, 0), (1, 1)), constant_values=-np.inf)
        nearby = np.maximum(theirs, np.maximum(padded[:, :, :-2], padded[:, :, 2:]))
        seen |= (excess > 0) & (nearby >= 0.5 * excess)
    return seen


def _day_totals(volume: np.ndarray, shares: np.ndarray, weekday: np.ndarray) -> np.ndarray:
    """Observed sum / share of the day observed; NaN where less than half the usual day is known."""
    usual = np.nan_to_num(shares[:, weekday, :], nan=0.0)  # [q, d, s]
    known = ~np.isnan(volume)
    usual_sum = usual.sum(axis=2)
    completeness = np.where(usual_sum > 0, (usual * known).sum(axis=2) / np.where(usual_sum > 0, usual_sum, 1), 0.0)
    observed = np.nansum(volume, axis=2)
    any_known = known.any(axis=2)
    total = np.where(completeness >= MIN_DAY_COMPLETENESS, observed / np.maximum(completeness, 1e-9), np.nan)
    # A day with nothing usual to compare against (a new queue's first weeks) keeps its plain sum.
    return np.where(any_known & (usual_sum == 0), observed, np.where(any_known, total, np.nan))


def build_day_table(
    rows: pd.DataFrame, site: Site, origin: dt.date | pd.Timestamp, events: tuple[Event, ...] | list[Event] = ()
) -> DayTable:
    """Pivot normalized history rows (see `normalize_history`) before `origin` into a `DayTable`."""
    origin_ts = pd.Timestamp(origin).normalize()
    rows = rows[rows["interval_start"] < origin_ts]
    queue_ids = tuple(q.id for q in site.queues)
    slots = site.intervals_per_day
    first = rows["interval_start"].min().normalize() if len(rows) else origin_ts
    dates = pd.date_range(first, origin_ts - pd.Timedelta(days=1), freq="D")
    shape = (len(queue_ids), len(dates), slots)
    volume = np.full(shape, np.nan)
    work = np.zeros(shape)
    aht_volume = np.zeros(shape)
    if len(rows):
        q_index = pd.Categorical(rows["queue"], categories=list(queue_ids)).codes
        day = ((rows["interval_start"].dt.normalize() - first) // pd.Timedelta(days=1)).to_numpy()
        minute = (rows["interval_start"].dt.hour * 60 + rows["interval_start"].dt.minute).to_numpy()
        slot = minute // site.interval_minutes
        flat = np.ravel_multi_index((q_index, day, slot), shape)
        # Both passes through a repeated hour land on one wall-clock slot; that day is flagged below anyway.
        sums = np.bincount(flat, weights=rows["volume"].to_numpy(), minlength=volume.size)
        seen = np.bincount(flat, minlength=volume.size) > 0
        volume.reshape(-1)[seen] = sums[seen]
        work.reshape(-1)[:] = np.bincount(flat, weights=rows["work_seconds"].to_numpy(), minlength=volume.size)
        aht_volume.reshape(-1)[:] = np.bincount(flat, weights=rows["aht_volume"].to_numpy(), minlength=volume.size)

    weekday = np.asarray(dates.day_of_week)
    business = business_days(site, dates, holiday_mask(site.country, dates))
    event = ~np.isnan(event_factors(site, events, dates))
    dst_change = day_length_hours(site.timezone, dates) != 24.0 if len(dates) else np.zeros(0, dtype=bool)
    observed = ~np.isnan(volume).all(axis=2)
    candidate = observed & business & ~event & ~dst_change[None, :]

    # Pass 1: usual shares (medians, so the spike being judged does not set its own bar) from every candidate
    # day; flag intervals that do not fit their day.
    shares = _usual_shares(volume, np.nansum(volume, axis=2), candidate, weekday, robust=True)
    usual = np.nan_to_num(shares[:, weekday, :], nan=0.0)
    # The day's level from the median interval, not the sum: a two-hour spike must not raise its own bar.
    with np.errstate(divide="ignore", invalid="ignore"):
        implied = np.where(usual >= 0.5 / slots, volume / usual, np.nan)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # days with nothing known: NaN, not judged
        level = np.nanmedian(implied, axis=2)
    expected = level[:, :, None] * usual
    sigma = np.sqrt(expected + (INTRADAY_DISPERSION * expected) ** 2)
    judged = candidate[:, :, None] & ~np.isnan(volume) & (expected > 0)
    spike = judged & (volume > expected + INTERVAL_OUTLIER_SIGMAS * sigma + 3.0)
    spike &= ~_recurs(volume, np.nansum(volume, axis=2), usual)
    hole = judged & (expected >= MIN_EXPECTED_FOR_HOLE) & (volume < expected - INTERVAL_OUTLIER_SIGMAS * sigma)
    outliers: list[Outlier] = []
    for kind, mask in (("spike", spike), ("hole", hole)):
        for q, d, s in zip(*np.nonzero(mask), strict=True):
            moment = dates[d] + pd.Timedelta(minutes=int(s) * site.interval_minutes)
            outliers.append(
                Outlier(queue_ids[q], dates[d].date(), moment, kind, float(volume[q, d, s]), float(expected[q, d, s]))
            )
    volume = np.where(spike, expected, np.where(hole, np.nan, volume))

    # Pass 2: totals without the damped intervals, then whole days that do not fit their weekday.
    shares = _usual_shares(volume, np.nansum(volume, axis=2), candidate, weekday)
    totals = _day_totals(volume, shares, weekday)
    reference = _same_weekday_reference(totals, candidate, weekday)
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = totals / reference
    # The first and last business days of a month recur every month (statements, billing, payroll): a peak
    # there is the signal top_down learns, not an outlier.
    from_start, from_end = month_position(business, dates)
    recurring = (from_start < MONTH_START_DAYS) | (from_end < MONTH_END_DAYS)
    high = candidate & ~recurring & (reference > 0) & (ratio > OUTLIER_HIGH_RATIO)
    low = candidate & (reference > 0) & (ratio < OUTLIER_LOW_RATIO)
    for kind, mask in (("day high", high), ("day low", low)):
        for q, d in zip(*np.nonzero(mask), strict=True):
            outliers.append(
                Outlier(queue_ids[q], dates[d].date(), None, kind, float(totals[q, d]), float(reference[q, d]))
            )
    normal = candidate & ~high & ~low & ~np.isnan(totals)
    outliers.sort(key=lambda o: (o.queue, o.date, o.interval_start or pd.Timestamp(o.date)))
    return DayTable(
        queues=queue_ids,
        dates=dates,
        slots_per_day=slots,
        volume=volume,
        work_seconds=work,
        aht_volume=aht_volume,
        day_total=totals,
        normal=normal,
        origin=origin_ts,
        outliers=tuple(outliers),
    )
