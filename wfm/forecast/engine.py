"""From history to a horizon's forecast: method choice by backtest, special days, AHT and quantiles.

`run_forecast` is the one entry point the CLI, the pipeline and the nightly job use:

1. the history is typed and summed onto the site's grid once (`normalize_history`);
2. every candidate method forecasts each of the last `folds` weeks from the history before that week (a
   rolling origin); its error per queue is WAPE = sum|F - A| / sum A over the observed intervals, and its
   bias = (sum F - sum A) / sum A;
3. per queue the method with the lowest WAPE is chosen (`method = "auto"`), or the named method is used.
   What that choice is worth is measured out of sample: `folds` more weeks are backtested before the scored
   ones, each scored week is forecast by the method chosen on the `folds` weeks before it, and that is the
   accuracy reported for method "auto" (choosing on the weeks one then scores flatters it by 1-2 points);
4. the chosen method forecasts the horizon; closed hours get 0, public holidays and events.csv days their
   factor, each interval an AHT from the same time of day in recent weeks;
5. P10/P50/P90 come from the out-of-sample backtest errors ("auto"), or the named method's: variance =
   F + (phi F)^2, Poisson noise plus the queue's measured overdispersion phi, so a queue we forecast badly gets
   honestly wide bands.

Times are wall-clock local time. A day when clocks go forward has 23 hours (92 quarter hours), one when they go
back has 25 (100): the repeated hour appears twice, the second time with `fold` = 1.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from statistics import NormalDist
from zoneinfo import ZoneInfo

import numpy as np
import pandas as pd

from wfm.domain import WEEKDAYS, Event, Queue, QueueKind, Site
from wfm.forecast.history import (
    DayTable,
    Outlier,
    build_day_table,
    event_factors,
    holiday_names,
    normalize_history,
)
from wfm.forecast.methods import METHODS, method_volumes

FORECAST_COLUMNS = ("interval_start", "queue", "volume", "aht_seconds")
QUANTILE_COLUMNS = ("volume_p10", "volume_p50", "volume_p90")
ACCURACY_COLUMNS = ("queue", "method", "folds", "wape", "bias", "p10_p90_coverage", "actual_volume", "chosen")
FOLD_COLUMNS = ("queue", "method", "fold_start", "wape", "bias", "actual_volume", "forecast_volume")
# The backtest's raw material: one row per method, fold and observed interval.
SCORED_COLUMNS = ("method", "fold_start", "interval_start", "queue", "fold", "volume", "forecast_volume")
FOLD_DAYS = 7
DEFAULT_AHT_SECONDS = 300.0
AUTO = "auto"
# The choice between methods prefers the simpler one unless the other is better by more than this share of
# WAPE: four weeks of backtest cannot tell 0.1 % apart, and simple methods fail in fewer surprising ways.
SELECTION_TOLERANCE = 0.01
# Without any backtest (too little history) the quantile bands assume this overdispersion.
DEFAULT_DISPERSION = 0.2


@dataclass(frozen=True)
class ForecastResult:
    """A horizon's forecast with the evidence behind it.

    forecast: interval_start, queue, volume (what staffing plans to: the mean, or the plan quantile),
        aht_seconds, volume_p10, volume_p50, volume_p90, fold (1 = second pass through a repeated hour).
    accuracy: one row per queue and method tried (FOLD-pooled WAPE and bias, P10-P90 coverage, chosen).
    folds: one row per queue, method and backtest fold.
    """

    forecast: pd.DataFrame
    accuracy: pd.DataFrame
    folds: pd.DataFrame
    chosen: dict[str, str]
    outliers: tuple[Outlier, ...]
    warnings: tuple[str, ...] = field(default=())
    plan_quantile: float | None = None

    def summary(self) -> str:
        """The per-queue accuracy table a planner reads after `wfm forecast --backtest`."""
        lines = [f"{'queue':<24} {'method':<16} {'WAPE':>7} {'bias':>7} {'P10-P90':>8}  chosen"]
        for row in self.accuracy.itertuples(index=False):
            wape = "n/a" if pd.isna(row.wape) else f"{row.wape:.1%}"
            bias = "n/a" if pd.isna(row.bias) else f"{row.bias:+.1%}"
            cover = "n/a" if pd.isna(row.p10_p90_coverage) else f"{row.p10_p90_coverage:.0%}"
            lines.append(
                f"{row.queue:<24} {row.method:<16} {wape:>7} {bias:>7} {cover:>8}  {'*' if row.chosen else ''}"
            )
        return "\n".join(lines)


# ------------------------------------------------------------------------------------------------------------
# The target grid


def horizon_intervals(site: Site, start: dt.date, days: int) -> pd.DataFrame:
    """Every interval of [start, start + days) in local wall-clock time, daylight-saving days included.

    Columns: interval_start (naive local), fold, day (0-based), slot (interval of the day by wall clock). A
    spring-forward day has 1 hour fewer (the skipped slots are absent), a fall-back day has the repeated hour's
    slots twice.
    """
    if days < 1:
        raise ValueError(f"the forecast needs at least one day, got days={days}")
    zone = ZoneInfo(site.timezone)
    first = pd.Timestamp(start).tz_localize(zone, nonexistent="shift_forward", ambiguous=False)
    last = (pd.Timestamp(start) + pd.Timedelta(days=days)).tz_localize(
        zone, nonexistent="shift_forward", ambiguous=False
    )
    moments = pd.date_range(first, last, freq=f"{site.interval_minutes}min", inclusive="left")
    wall = moments.tz_localize(None)
    # The second pass through a repeated hour has a smaller UTC offset than the first.
    offset = np.asarray(moments.map(lambda t: t.utcoffset().total_seconds()), dtype=float)
    previous_same = pd.Series(wall).duplicated(keep="first").to_numpy()
    fold = (previous_same & (offset < offset.max())).astype(np.int8)
    minutes = wall.hour * 60 + wall.minute
    return pd.DataFrame(
        {
            "interval_start": wall.astype("datetime64[ns]"),
            "fold": fold,
            "day": ((wall.normalize() - pd.Timestamp(start)) // pd.Timedelta(days=1)).to_numpy(),
            "slot": np.asarray(minutes // site.interval_minutes),
        }
    )


def _open_mask(site: Site, intervals: pd.DataFrame) -> np.ndarray:
    """[q, interval]: the queue's opening hours and weekdays (Queue.is_open), vectorised."""
    wall = pd.DatetimeIndex(intervals["interval_start"])
    minute = np.asarray(wall.hour * 60 + wall.minute)
    weekday = np.asarray(wall.day_of_week)
    mask = np.zeros((len(site.queues), len(intervals)), dtype=bool)
    for q, queue in enumerate(site.queues):
        for w in range(7):
            window = queue.window(w)
            if window is not None:
                mask[q] |= (weekday == w) & (minute >= window[0]) & (minute < window[1])
    return mask


# Volume outside the declared hours below this share is noise (a call logged a minute after closing), not news.
OUT_OF_HOURS_WARN_SHARE = 0.001


def out_of_hours_warnings(rows: pd.DataFrame, site: Site) -> list[str]:
    """Per live queue, the share of its history's volume that arrived while site.toml has it closed, and when
    most of it came: the forecast gives those hours 0, and the backtest scores that volume against 0."""
    if rows.empty:
        return []
    warnings = []
    for q, queue in enumerate(site.queues):
        if queue.kind is QueueKind.DEFERRED:
            continue  # items arriving while it is closed wait for its opening: forecast and planned, not lost
        mine = rows[rows["queue"] == queue.id]
        total = float(mine["volume"].sum())
        if total <= 0:
            continue
        is_open = _open_mask(site, mine[["interval_start"]])[q]
        outside_rows = mine[~is_open]
        outside = float(outside_rows["volume"].sum())
        if outside <= OUT_OF_HOURS_WARN_SHARE * total:
            continue
        starts = outside_rows["interval_start"]
        by_hour = outside_rows.groupby([starts.dt.day_of_week, starts.dt.hour])["volume"].sum()
        weekday, hour = by_hour.idxmax()
        warnings.append(
            f"queue {queue.id}: {outside / total:.1%} of its history's volume ({outside:,.0f}) arrived outside its "
            f"opening hours in site.toml, most on {WEEKDAYS[int(weekday)]} {int(hour):02d}:00-{int(hour) + 1:02d}:00; "
            "the forecast gives those hours 0 and the backtest counts that volume as error. If the queue takes work "
            "then, widen its hours (open/close, days, or hours per weekday)."
        )
    return warnings


def history_warnings(history: pd.DataFrame, site: Site) -> list[str]:
    """What `wfm validate` can tell about a history before any forecast (the lines the forecast warns with)."""
    return _row_warnings(normalize_history(history, site), site)


def _row_warnings(rows: pd.DataFrame, site: Site) -> list[str]:
    """Normalized history rows' warnings: volume outside the hours, queues without any handle time."""
    with_aht = set(rows.loc[rows["aht_volume"] > 0, "queue"])
    missing = [_missing_aht(queue) for queue in site.queues if queue.id not in with_aht]
    return out_of_hours_warnings(rows, site) + [line for line in missing if line]


def holiday_factors(table: DayTable, site: Site, target: pd.DatetimeIndex) -> tuple[np.ndarray, list[str]]:
    """[q, t] factor for public holidays in the target (1 elsewhere) and notes on how each was decided.

    A holiday's factor is its ratio to a normal same weekday the last time that holiday (by name) was in the
    history: 0 when the queue had no data that day although it normally opens. A holiday not in the history
    gets the queue's median over the holidays it has seen, or 0 (closed) if it has seen none.
    """
    factors = np.ones((len(site.queues), len(target)))
    notes: list[str] = []
    if not len(target):
        return factors, notes
    upcoming = holiday_names(site.country, target[0].date(), target[-1].date())
    if not upcoming:
        return factors, notes
    past = holiday_names(site.country, table.dates[0].date(), table.dates[-1].date()) if table.days else {}
    observed = ~np.isnan(table.volume).all(axis=2)
    weekday = table.weekday
    for q, queue in enumerate(site.queues):
        by_name: dict[str, float] = {}
        for day, name in sorted(past.items()):
            d = (pd.Timestamp(day) - table.dates[0]).days
            if WEEKDAYS[weekday[d]] not in queue.open_days:
                continue
            same = np.flatnonzero(table.normal[q] & (weekday == weekday[d]))
            near = same[np.argsort(np.abs(same - d))[:4]]
            if not len(near):
                continue
            reference = float(np.mean(table.day_total[q, near]))
            if reference <= 0:
                continue
            by_name[name] = float(table.day_total[q, d]) / reference if observed[q, d] else 0.0
        for t, moment in enumerate(target):
            upcoming_name = upcoming.get(moment.date())
            if upcoming_name is None:
                continue
            if upcoming_name in by_name:
                factors[q, t] = by_name[upcoming_name]
                how = f"as last time ({by_name[upcoming_name]:.0%} of a normal day)"
            elif by_name:
                factors[q, t] = float(np.median(list(by_name.values())))
                how = f"like its other holidays ({factors[q, t]:.0%} of a normal day)"
            else:
                factors[q, t] = 0.0
                how = "as closed (no holiday in its history; add an events.csv line if it opens)"
            notes.append(f"{moment.date()} {upcoming_name}: queue {queue.id} forecast {how}")
    return factors, notes


def aht_profile(table: DayTable, site: Site) -> np.ndarray:
    """[q, slot] AHT: volume-weighted over the last `weeks` weeks' normal days at that time of day.

    Fallbacks: the queue's volume-weighted AHT over the whole history, then its `default_aht_seconds`, then
    DEFAULT_AHT_SECONDS (a warning says when that placeholder is used).
    """
    recent = (table.dates >= table.origin - pd.Timedelta(weeks=site.forecast.weeks))[None, :] & table.normal
    work = np.where(recent[:, :, None], table.work_seconds, 0.0).sum(axis=1)
    volume = np.where(recent[:, :, None], table.aht_volume, 0.0).sum(axis=1)
    all_work, all_volume = table.work_seconds.sum(axis=(1, 2)), table.aht_volume.sum(axis=(1, 2))
    default = np.array([_default_aht(queue) for queue in site.queues])
    typical = np.where(all_volume > 0, all_work / np.where(all_volume > 0, all_volume, 1), default)
    return np.where(volume > 0, work / np.where(volume > 0, volume, 1), typical[:, None])


def _default_aht(queue: Queue) -> float:
    return queue.default_aht_seconds if queue.default_aht_seconds is not None else DEFAULT_AHT_SECONDS


def _missing_aht(queue: Queue) -> str:
    if queue.default_aht_seconds is not None:
        return ""
    return (
        f"queue {queue.id}: the history has no handle times (aht_seconds); planned with {DEFAULT_AHT_SECONDS:g} s, "
        "a placeholder: set default_aht_seconds under the queue in site.toml, or add aht_seconds to history.csv"
    )


@dataclass(frozen=True)
class _Layout:
    """What every method's forecast of one horizon shares: its real intervals, day factors and opening hours."""

    intervals: pd.DataFrame  # interval_start, fold, day, slot (see horizon_intervals)
    factor: np.ndarray  # [q, t]: holiday or events.csv factor, 1 on ordinary days
    is_open: np.ndarray  # [q, interval]
    notes: list[str]  # how each holiday was decided


def _layout(site: Site, table: DayTable, start: dt.date, days: int, events: tuple[Event, ...] | list[Event]) -> _Layout:
    intervals = horizon_intervals(site, start, days)
    target = pd.date_range(pd.Timestamp(start), periods=days, freq="D")
    factor, notes = holiday_factors(table, site, target)
    event = event_factors(site, events, target)
    arrivals = _arrival_mask(site, table, intervals)
    return _Layout(intervals, np.where(np.isnan(event), factor, event), arrivals, notes)


def _arrival_mask(site: Site, table: DayTable, intervals: pd.DataFrame) -> np.ndarray:
    """[q, interval]: when each queue's work can arrive. Calls and chats only while the queue is open; items of a
    deferred queue also outside its hours (post, portal forms, emails overnight), on the weekdays its history
    has items: they are worked from its next opening with the deadline moved there (staffing), so they are
    forecast where the history has them, not dropped. (A weekday with no items in the history gets none.)"""
    mask = _open_mask(site, intervals)
    weekday = np.asarray(pd.DatetimeIndex(intervals["interval_start"]).day_of_week)
    for q, queue in enumerate(site.queues):
        if queue.kind is not QueueKind.DEFERRED or not table.days:
            continue
        has_items = np.nansum(table.volume[q], axis=1) > 0  # per history day
        seen = np.unique(table.weekday[has_items])
        mask[q] |= np.isin(weekday, seen)
    return mask


def _interval_volume(layout: _Layout, method_volume: np.ndarray) -> np.ndarray:
    """Daily-slot volumes [q, t, slot] onto the real intervals [q, interval], with day factors and hours."""
    day, slot = layout.intervals["day"].to_numpy(), layout.intervals["slot"].to_numpy()
    volume = np.nan_to_num(method_volume[:, day, slot], nan=0.0) * layout.factor[:, day]
    return np.where(layout.is_open, np.maximum(volume, 0.0), 0.0)


def _long_frame(site: Site, layout: _Layout, columns: dict[str, np.ndarray]) -> pd.DataFrame:
    """[q, interval] arrays as one row per interval and queue, in time order."""
    queues = [q.id for q in site.queues]
    count = len(layout.intervals)
    frame = pd.DataFrame(
        {
            "interval_start": np.tile(layout.intervals["interval_start"].to_numpy(), len(queues)),
            "queue": np.repeat(queues, count),
            **{name: values.reshape(-1) for name, values in columns.items()},
            "fold": np.tile(layout.intervals["fold"].to_numpy(), len(queues)),
        }
    )
    return frame.sort_values(["interval_start", "fold", "queue"], kind="stable").reset_index(drop=True)


# ------------------------------------------------------------------------------------------------------------
# Backtest and selection


def fold_starts(rows: pd.DataFrame, folds: int) -> list[pd.Timestamp]:
    """Starts of the last `folds` whole weeks of the history, oldest first; the last ends on its last day."""
    last_day = rows["interval_start"].max().normalize()
    return [last_day - pd.Timedelta(days=FOLD_DAYS * i + FOLD_DAYS - 1) for i in reversed(range(folds))]


def backtest_methods(
    rows: pd.DataFrame,
    site: Site,
    methods: list[str],
    folds: int,
    events: tuple[Event, ...] | list[Event] = (),
) -> pd.DataFrame:
    """Rolling-origin backtest of `methods` on normalized rows, one row per method and observed interval.

    Columns: method, fold_start, interval_start, queue, fold, volume (actual), forecast_volume. Each fold week
    is forecast from the history before it; a queue is scored in a fold only if it has at least a week of
    history before that fold (a new queue joins the later folds).
    """
    if folds < 1:
        raise ValueError(f"folds must be at least 1, got {folds}")
    first_seen = rows.groupby("queue")["interval_start"].min().dt.normalize()
    parts: list[pd.DataFrame] = []
    for fold_start in fold_starts(rows, folds):
        table = build_day_table(rows, site, fold_start, events)
        fold_end = fold_start + pd.Timedelta(days=FOLD_DAYS)
        eligible = first_seen[first_seen <= fold_start - pd.Timedelta(days=FOLD_DAYS)].index
        actual = rows[
            (rows["interval_start"] >= fold_start) & (rows["interval_start"] < fold_end) & rows["queue"].isin(eligible)
        ][["interval_start", "queue", "fold", "volume"]]
        if actual.empty:
            continue
        target = pd.date_range(fold_start, periods=FOLD_DAYS, freq="D")
        layout = _layout(site, table, fold_start.date(), FOLD_DAYS, events)
        for name, by_method in method_volumes(methods, table, target, site).items():
            volume = _interval_volume(layout, by_method)
            forecast = _long_frame(site, layout, {"forecast_volume": volume})
            # Inner join: only observed intervals are scored; an actual outside opening hours still counts
            # (against a forecast of 0), because the forecast covers the whole day.
            scored = actual.merge(forecast, on=["interval_start", "queue", "fold"], how="inner")
            parts.append(scored.assign(method=name, fold_start=fold_start))
    if not parts:
        return pd.DataFrame(columns=list(SCORED_COLUMNS))
    return pd.concat(parts, ignore_index=True)[list(SCORED_COLUMNS)]


def _errors(scored: pd.DataFrame, keys: list[str]) -> pd.DataFrame:
    """Per `keys`: actual and forecast volume, WAPE and bias (NaN where the actual volume is 0)."""
    scored = scored.assign(abs_error=(scored["forecast_volume"] - scored["volume"]).abs())
    table = scored.groupby(keys, sort=False)[["volume", "forecast_volume", "abs_error"]].sum().reset_index()
    actual = table["volume"].where(table["volume"] > 0)
    table["wape"] = (table["abs_error"] / actual).astype(float)
    table["bias"] = ((table["forecast_volume"] - table["volume"]) / actual).astype(float)
    return table.rename(columns={"volume": "actual_volume"})


def fold_table(scored: pd.DataFrame) -> pd.DataFrame:
    """Per queue, method and fold: WAPE and bias."""
    return _errors(scored, ["queue", "method", "fold_start"])[list(FOLD_COLUMNS)]


def pooled_errors(scored: pd.DataFrame) -> pd.DataFrame:
    """Per queue and method: WAPE and bias pooled over all its folds, and how many folds that is."""
    table = _errors(scored, ["queue", "method"])
    folds = scored.groupby(["queue", "method"], sort=False)["fold_start"].nunique()
    return table.join(folds.rename("folds"), on=["queue", "method"])


def dispersion(scored: pd.DataFrame) -> pd.Series:
    """Per queue: phi >= 0 with E[(A - F)^2] = F + (phi F)^2, by the method of moments over the backtest."""
    error = scored["forecast_volume"] - scored["volume"]
    parts = pd.DataFrame(
        {
            "queue": scored["queue"],
            "excess": error**2 - scored["forecast_volume"],
            "square": scored["forecast_volume"] ** 2,
        }
    )
    sums = parts.groupby("queue")[["excess", "square"]].sum()
    phi2 = (sums["excess"] / sums["square"].where(sums["square"] > 0)).clip(lower=0.0)
    return np.sqrt(phi2).fillna(DEFAULT_DISPERSION)


def quantile_volume(mean: np.ndarray, phi: np.ndarray, quantile: float) -> np.ndarray:
    """The `quantile` of a volume with mean F and variance F + (phi F)^2 (normal approximation, >= 0)."""
    z = NormalDist().inv_cdf(quantile)
    return np.maximum(0.0, mean + z * np.sqrt(mean + (phi * mean) ** 2))


def choose(pooled: pd.DataFrame, order: list[str]) -> dict[str, str]:
    """Per queue, the method with the lowest pooled WAPE; a simpler method (earlier in `order`) within
    SELECTION_TOLERANCE of the best is preferred."""
    chosen: dict[str, str] = {}
    for queue, group in pooled.dropna(subset=["wape"]).groupby("queue", sort=False):
        best = group["wape"].min()
        ranked = group.assign(rank=group["method"].map(order.index)).sort_values("rank")
        chosen[str(queue)] = str(ranked[ranked["wape"] <= best * (1 + SELECTION_TOLERANCE)]["method"].iloc[0])
    return chosen


def nested_choice(
    every: pd.DataFrame, scored_starts: list[pd.Timestamp], methods: list[str], window: int, fallback: str
) -> pd.DataFrame:
    """The backtest rows "auto" would have produced: each scored week forecast, per queue, by the method
    `choose` picks from the `window` backtest weeks before it (`fallback` when none was backtested), as
    method "auto". Its error is out of sample: no week is scored by a choice made on that week."""
    starts = sorted(every["fold_start"].unique()) if len(every) else []
    parts: list[pd.DataFrame] = []
    for start in scored_starts:
        before = [s for s in starts if s < start][-window:]
        picked = choose(pooled_errors(every[every["fold_start"].isin(before)]), methods) if before else {}
        week = every[every["fold_start"] == start]
        method_of = week["queue"].map(lambda q, picked=picked: picked.get(q, fallback))
        parts.append(week[week["method"] == method_of].assign(method=AUTO))
    if not parts:
        return pd.DataFrame(columns=list(SCORED_COLUMNS))
    return pd.concat(parts, ignore_index=True)[list(SCORED_COLUMNS)]


def accuracy_table(scored: pd.DataFrame, pooled: pd.DataFrame, chosen: dict[str, str], phi: pd.Series) -> pd.DataFrame:
    """`pooled` errors with each method's P10-P90 coverage (with the queue's phi) and the choice."""
    if scored.empty:
        return pd.DataFrame(columns=list(ACCURACY_COLUMNS))
    phi_rows = scored["queue"].map(phi).fillna(DEFAULT_DISPERSION).to_numpy()
    low = quantile_volume(scored["forecast_volume"].to_numpy(), phi_rows, 0.1)
    high = quantile_volume(scored["forecast_volume"].to_numpy(), phi_rows, 0.9)
    inside = (scored["volume"] >= low) & (scored["volume"] <= high)
    judged = ((scored["forecast_volume"] > 0) | (scored["volume"] > 0)).to_numpy()
    coverage = inside[judged].groupby([scored["queue"][judged], scored["method"][judged]], sort=False).mean()
    out = pooled.join(coverage.astype(float).rename("p10_p90_coverage"), on=["queue", "method"])
    out["chosen"] = [chosen.get(q) == m for q, m in zip(out["queue"], out["method"], strict=True)]
    return out[list(ACCURACY_COLUMNS)].reset_index(drop=True)


def _method_names(site: Site, method: str | None) -> tuple[str, list[str]]:
    name = site.forecast.method if method is None else method
    candidates = list(site.forecast.candidates) or list(METHODS)
    for candidate in [name, *candidates]:
        if candidate != AUTO and candidate not in METHODS:
            raise ValueError(f"unknown forecast method {candidate!r}; known: {AUTO}, {', '.join(METHODS)}")
    ordered = [m for m in METHODS if m in candidates]
    return name, ordered if name == AUTO else [name]


def run_forecast(
    history: pd.DataFrame,
    site: Site,
    *,
    start: dt.date | None = None,
    days: int | None = None,
    events: tuple[Event, ...] | list[Event] = (),
    method: str | None = None,
    folds: int | None = None,
    plan_quantile: float | None = None,
) -> ForecastResult:
    """Forecast [start, start + days) (default: the site's horizon) from the history before `start`.

    `method` (default `site.forecast.method`) is "auto" or a method name; `folds` (default
    `site.forecast.folds`) weekly backtest folds choose the method and measure the error bands; 0 skips the
    backtest. `plan_quantile` (default `site.forecast.plan_quantile`) makes `volume` that quantile.
    """
    start = site.horizon.start if start is None else start
    days = site.horizon.days if days is None else days
    folds = site.forecast.folds if folds is None else folds
    plan_quantile = site.forecast.plan_quantile if plan_quantile is None else plan_quantile
    if plan_quantile is not None and not 0 < plan_quantile < 1:
        raise ValueError(f"the plan quantile must be between 0 and 1 (e.g. 0.8), got {plan_quantile}")
    name, methods = _method_names(site, method)
    warnings: list[str] = []
    if not site.queues:  # a site planned to shift_requirements.csv alone: nothing to forecast
        return ForecastResult(
            forecast=pd.DataFrame(columns=[*FORECAST_COLUMNS, *QUANTILE_COLUMNS, "fold"]),
            accuracy=pd.DataFrame(columns=list(ACCURACY_COLUMNS)),
            folds=pd.DataFrame(columns=list(FOLD_COLUMNS)),
            chosen={},
            outliers=(),
            plan_quantile=plan_quantile,
        )

    rows = normalize_history(history, site)
    rows = rows[rows["interval_start"] < pd.Timestamp(start)]
    warnings.extend(_row_warnings(rows, site))
    without = [q.id for q in site.queues if q.id not in set(rows["queue"])]
    if without:
        raise ValueError(
            f"no history before {start} for queue(s) {', '.join(without)}: "
            "the forecast needs at least one observed interval per queue"
        )
    span_weeks = (rows["interval_start"].max().normalize() - rows["interval_start"].min().normalize()).days // 7
    usable_folds = min(folds, max(0, span_weeks - 1))
    if usable_folds < folds:
        warnings.append(
            f"the history spans {span_weeks} week(s): {usable_folds} backtest fold(s) instead of {folds} "
            "(each fold needs a week of history before it)"
        )
    # With "auto", the weeks before the scored ones are backtested too: each scored week is then forecast by the
    # method chosen on the `folds` weeks before it, which is what the choice is worth on weeks it has not seen.
    selection_folds = min(folds, max(0, span_weeks - 1 - usable_folds)) if name == AUTO and len(methods) > 1 else 0
    if usable_folds:
        every = backtest_methods(rows, site, methods, usable_folds + selection_folds, events)
    else:
        every = pd.DataFrame(columns=list(SCORED_COLUMNS))
    scored_starts = fold_starts(rows, usable_folds) if usable_folds else []
    scored = every[every["fold_start"].isin(scored_starts)]
    pooled = pooled_errors(scored)
    chosen = choose(pooled, methods)
    fallback = "weekly_profile" if name == AUTO else name
    for queue in site.queues:
        if queue.id not in chosen:
            chosen[queue.id] = fallback
            if usable_folds:
                warnings.append(f"queue {queue.id}: too little history to backtest; forecast with {fallback}")
    if name == AUTO and len(methods) > 1:
        out_of_sample = nested_choice(every, scored_starts, methods, folds, fallback)
        banded = out_of_sample
    else:
        out_of_sample = pd.DataFrame(columns=list(SCORED_COLUMNS))
        banded = scored[[chosen.get(q) == m for q, m in zip(scored["queue"], scored["method"], strict=True)]]
    # The bands' spread comes from errors the forecast made on weeks its method was not chosen on, when known.
    phi = dispersion(banded) if len(banded) else pd.Series(dtype=float)
    reported = pd.concat([scored, out_of_sample], ignore_index=True) if len(out_of_sample) else scored
    accuracy = accuracy_table(reported, pooled_errors(reported), chosen, phi)

    table = build_day_table(rows, site, start, events)
    target = pd.date_range(pd.Timestamp(start), periods=days, freq="D")
    volume = np.zeros((len(site.queues), days, site.intervals_per_day))
    for method_name, by_method in method_volumes(list(dict.fromkeys(chosen.values())), table, target, site).items():
        picked = np.array([chosen[q.id] == method_name for q in site.queues])
        volume[picked] = by_method[picked]
    layout = _layout(site, table, start, days, events)
    warnings.extend(layout.notes)
    aht = aht_profile(table, site)[:, layout.intervals["slot"].to_numpy()]
    frame = _long_frame(site, layout, {"volume": _interval_volume(layout, volume), "aht_seconds": aht})

    mean = frame["volume"].to_numpy()
    queue_phi = frame["queue"].map(phi).fillna(DEFAULT_DISPERSION).to_numpy()
    frame["volume_p10"] = quantile_volume(mean, queue_phi, 0.1)
    frame["volume_p50"] = mean
    frame["volume_p90"] = quantile_volume(mean, queue_phi, 0.9)
    if plan_quantile is not None:
        frame["volume"] = quantile_volume(mean, queue_phi, plan_quantile)
    frame = frame[[*FORECAST_COLUMNS, *QUANTILE_COLUMNS, "fold"]]
    return ForecastResult(
        forecast=frame,
        accuracy=accuracy,
        folds=fold_table(reported) if len(reported) else pd.DataFrame(columns=list(FOLD_COLUMNS)),
        chosen=chosen,
        outliers=table.outliers,
        warnings=tuple(warnings),
        plan_quantile=plan_quantile,
    )


def forecast_demand(
    history: pd.DataFrame,
    site: Site,
    *,
    start: dt.date | None = None,
    days: int | None = None,
    method: str | None = None,
    events: tuple[Event, ...] | list[Event] = (),
) -> pd.DataFrame:
    """The forecast frame alone (see `run_forecast`); with a named method no backtest is run."""
    folds = 0 if (method or site.forecast.method) != AUTO else None
    return run_forecast(history, site, start=start, days=days, method=method, events=events, folds=folds).forecast


def backtest(
    history: pd.DataFrame,
    site: Site,
    *,
    folds: int = 4,
    method: str | None = None,
    events: tuple[Event, ...] | list[Event] = (),
) -> pd.DataFrame:
    """Per queue, method and fold: how well each method would have forecast the last `folds` weeks."""
    _, methods = _method_names(site, method)
    rows = normalize_history(history, site)
    if rows.empty:
        raise ValueError("the backtest needs history for at least one of the site's queues")
    first_day = rows["interval_start"].min().normalize()
    if fold_starts(rows, folds)[0] - pd.Timedelta(days=FOLD_DAYS) < first_day:
        weeks = (rows["interval_start"].max().normalize() - first_day).days // FOLD_DAYS
        raise ValueError(
            f"{folds} backtest folds need more than {folds} weeks of history; it spans about {weeks} week(s)"
        )
    return fold_table(backtest_methods(rows, site, methods, folds, events))
