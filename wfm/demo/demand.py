"""The sample operation's demand: daily levels sized from head count, the history an ACD would export,
the outage day and the carried-in backlog."""

from __future__ import annotations

import csv
import datetime as dt
import tomllib
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import holidays
import numpy as np

from wfm.demo.catalogue import (
    CONTRACTED_HOURS,
    COUNTRY,
    INTERVAL_MINUTES,
    MISSING_ROW_SHARE,
    OFFICE_SHARES,
    REQUIRED_SHARE,
    SHRINKAGE,
    TREND_PER_WEEK,
    QueueSpec,
    _Agent,
    _rng,
    _stamp,
    bump,
)
from wfm.domain.models import WEEKDAYS, format_clock, parse_clock
from wfm.staffing.erlang import required_agents


@dataclass(frozen=True)
class DayProfile:
    """One queue's day on the interval grid: interval starts (minutes), volume share, AHT factor."""

    minutes: np.ndarray
    share: np.ndarray
    aht_factor: np.ndarray


def _day_profile(spec: QueueSpec) -> DayProfile:
    minutes = np.arange(parse_clock(spec.open), parse_clock(spec.close), INTERVAL_MINUTES)
    hours = (minutes + INTERVAL_MINUTES / 2) / 60
    trickle = spec.shape(hours)
    batch_total = sum(share for _, share in spec.batches)
    share = trickle / trickle.sum() * (1 - batch_total)
    for clock, batch_share in spec.batches:
        share[np.searchsorted(minutes, parse_clock(clock))] += batch_share
    aht_factor = 1 + spec.aht_midday_lift * bump(hours, 13.0, 2.5) - spec.aht_midday_lift * 0.3
    return DayProfile(minutes, share, aht_factor)


def _daily_levels(staff: Sequence[_Agent], specs: Sequence[QueueSpec]) -> dict[str, float]:
    """Volume of an average (factor 1.0) day per queue in the horizon week, sized from head count.

    Each office's estimated requirement is REQUIRED_SHARE of its agents' contracted hours, split over its
    queues by their `share`. Live queues need more agent-hours than their workload (queueing, occupancy cap,
    shrinkage), and relatively more when small, so their level is found by a few fixed-point steps.
    """
    contracted = dict.fromkeys(OFFICE_SHARES, 0.0)
    for agent in staff:
        contracted[agent.office] += CONTRACTED_HOURS[agent.contract]
    levels: dict[str, float] = {}
    for office in OFFICE_SHARES:
        office_specs = [s for s in specs if s.office == office]
        total_share = sum(s.share for s in office_specs)
        for spec in office_specs:
            target_hours = REQUIRED_SHARE * contracted[office] * spec.share / total_share
            profile = _day_profile(spec)
            concurrency = float(spec.targets.get("concurrency", 1))
            hours_per_unit_day = float((profile.share * profile.aht_factor).sum()) * spec.aht_seconds / 3600
            level = target_hours / (sum(spec.week.values()) * hours_per_unit_day / concurrency)
            if spec.kind == "live":
                for _ in range(5):
                    level *= target_hours / _live_required_hours(spec, profile, level)
            levels[spec.id] = level
    return levels


def _live_required_hours(spec: QueueSpec, profile: DayProfile, level: float) -> float:
    """Agent-hours a live queue needs over a reference week at daily `level` (before rounding to shifts)."""
    # Every interval of the week in one vectorised Erlang call (one call per interval took 5 s for 1,000 agents).
    factors = np.array(list(spec.week.values()))
    volume = (level * factors[:, None] * np.asarray(profile.share)[None, :]).ravel()
    aht = np.tile(spec.aht_seconds * np.asarray(profile.aht_factor), len(factors))
    agents = int(np.sum(_live_agents_each(spec.targets, volume, aht)))
    return agents * INTERVAL_MINUTES / 60 / (1 - SHRINKAGE)


def _live_agents_each(targets: dict[str, float | int], volume: np.ndarray, aht_seconds: np.ndarray) -> np.ndarray:
    """`live_agents` for many intervals at once (0 where there is no work)."""
    busy = volume * aht_seconds > 0
    agents = np.zeros(len(volume), dtype=np.int64)
    if busy.any():
        agents[busy] = required_agents(
            volume[busy],
            aht_seconds[busy],
            INTERVAL_MINUTES * 60,
            float(targets["service_level"]),
            float(targets["answer_seconds"]),
            max_occupancy=float(targets.get("max_occupancy", 0.9)),
            concurrency=int(targets.get("concurrency", 1)),
        )
    return agents


def live_agents(targets: dict[str, float | int], volume: float, aht_seconds: float) -> int:
    """Agents a live queue needs in one interval before shrinkage: the staffing stage's Erlang C, so the
    generator sizes demand with the same ruler the plan is judged by."""
    return int(_live_agents_each(targets, np.array([float(volume)]), np.array([float(aht_seconds)]))[0])


def estimate_weekly_hours(scenario_dir: Path) -> dict[str, float]:
    """Contracted, workload and estimated required agent-hours of the last 7 days of a scenario's history.

    Workload is volume * AHT (chats divided by concurrency); required adds Erlang C queueing and shrinkage on
    live queues. Used to check and document that a generated operation is plausibly staffable.
    """
    with (scenario_dir / "site.toml").open("rb") as handle:
        site = tomllib.load(handle)
    contract_hours = {c["id"]: float(c["contracted_hours_week"]) for c in site["contracts"]}
    with (scenario_dir / "staff.csv").open(encoding="utf-8", newline="") as handle:
        contracted = sum(contract_hours[row["contract"]] for row in csv.DictReader(handle))
    with (scenario_dir / "history.csv").open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    last_day = max(dt.date.fromisoformat(row["interval_start"][:10]) for row in rows)
    first_day = (last_day - dt.timedelta(days=6)).isoformat()
    queues = {q["id"]: q for q in site["queues"]}
    shrinkage = float(site.get("shrinkage", 0.0))
    workload = required = 0.0
    for row in rows:
        if row["interval_start"][:10] < first_day or not row["aht_seconds"]:
            continue
        queue = queues[row["queue"]]
        volume, aht = float(row["volume"]), float(row["aht_seconds"])
        hours = volume * aht / 3600 / int(queue.get("concurrency", 1))
        workload += hours
        if queue["kind"] == "live":
            minutes = int(site["interval_minutes"])
            required += live_agents(queue, volume, aht) * minutes / 60 / (1 - shrinkage)
        else:
            required += hours
    return {"contracted_hours": contracted, "workload_hours": workload, "required_hours": required}


def _calendar_factor(day: dt.date, public_holidays: holidays.HolidayBase) -> float | None:
    """Volume multiplier for a date around the holidays; None when the centre is closed (public holiday)."""
    if day in public_holidays:
        return None
    if (day.month, day.day) in ((12, 24), (12, 31)):
        return 0.6
    if day.month == 12 and 27 <= day.day <= 30:
        return 0.8
    if day.month == 1 and day.day <= 9:
        return 1.12  # the post-holiday catch-up: statements, card renewals, January money worries
    return 1.0


def _history(
    specs: Sequence[QueueSpec], levels: dict[str, float], horizon_start: dt.date, weeks: int, seed: int
) -> list[tuple[str, str, int, str]]:
    rng = _rng(seed, "history")
    aht_rng = _rng(seed, "aht")
    missing_rng = _rng(seed, "missing")
    first = horizon_start - dt.timedelta(weeks=weeks)
    days = [first + dt.timedelta(days=i) for i in range(7 * weeks)]
    public_holidays = holidays.country_holidays(COUNTRY, years=sorted({d.year for d in days}))
    outage_day, outage_minute = _outage(days, public_holidays, seed)
    profiles = {s.id: _day_profile(s) for s in specs}
    rows: list[tuple[dt.datetime, int, str, int, str]] = []
    for day in days:
        calendar = _calendar_factor(day, public_holidays)
        weekday = WEEKDAYS[day.weekday()]
        if calendar is None:
            continue
        trend = (1 + TREND_PER_WEEK) ** ((day - horizon_start).days / 7)
        for order, spec in enumerate(specs):
            if weekday not in spec.week:
                continue
            profile = profiles[spec.id]
            day_noise = float(rng.lognormal(0.0, 0.05))  # weather, news, mailings: days differ beyond Poisson
            mean = levels[spec.id] * spec.week[weekday] * calendar * trend * day_noise * profile.share
            if day == outage_day and spec.id == "voice_service":
                hit = (profile.minutes >= outage_minute) & (profile.minutes < outage_minute + 120)
                mean = np.where(hit, mean * 2.5, mean)
            volume = rng.poisson(mean)
            # An interval's average handle time wobbles more when few contacts are averaged.
            spread = 0.05 + 0.35 / np.sqrt(np.maximum(volume, 1))
            aht = spec.aht_seconds * profile.aht_factor * aht_rng.lognormal(0.0, spread)
            keep = missing_rng.random(len(volume)) >= MISSING_ROW_SHARE
            for minute, count, seconds, kept in zip(profile.minutes, volume, aht, keep, strict=True):
                if not kept:
                    continue
                start = dt.datetime.combine(day, dt.time()) + dt.timedelta(minutes=int(minute))
                rows.append((start, order, spec.id, int(count), str(round(float(seconds))) if count else ""))
    return [(_stamp(start), queue, count, aht) for start, _, queue, count, aht in sorted(rows)]


def _outage(days: Sequence[dt.date], public_holidays: holidays.HolidayBase, seed: int) -> tuple[dt.date, int]:
    """The day and minute a two-hour outage (say, the mobile app down) pushed voice_service volume to 2.5x."""
    rng = _rng(seed, "outage")
    candidates = [d for d in days if d.weekday() < 5 and d not in public_holidays]
    day = candidates[int(rng.integers(len(candidates)))]
    minute = parse_clock(str(rng.choice(["09:30", "10:00", "13:00", "14:30"])))
    return day, minute


def outage_of(*, weeks_history: int = 13, seed: int = 7, horizon_start: dt.date = dt.date(2026, 3, 2)) -> str:
    """When the generated history's voice outage happened, e.g. '2026-01-14 10:00-12:00' (for documentation)."""
    first = horizon_start - dt.timedelta(weeks=weeks_history)
    days = [first + dt.timedelta(days=i) for i in range(7 * weeks_history)]
    public_holidays = holidays.country_holidays(COUNTRY, years=sorted({d.year for d in days}))
    day, minute = _outage(days, public_holidays, seed)
    return f"{day.isoformat()} {format_clock(minute)}-{format_clock(minute + 120)}"


def _backlog(
    specs: Sequence[QueueSpec], levels: dict[str, float], horizon_start: dt.date, seed: int
) -> list[tuple[str, str, str]]:
    """Deferred work that arrived over the weekend / overnight and waits for the first morning of the horizon."""
    rng = _rng(seed, "backlog")
    preferred = {"correspondence": 0.5, "claims_processing": 0.35, "fraud_review": 0.15}
    deferred = [s for s in specs if s.kind == "deferred"]
    chosen = [s for s in deferred if s.id in preferred] or deferred[:2]
    if len(chosen) < 2:
        chosen += [s for s in deferred if s not in chosen][: 2 - len(chosen)]
    rows: list[tuple[str, str, str]] = []
    for spec in chosen[:3]:
        items = max(1, round(levels[spec.id] * preferred.get(spec.id, 0.3) * float(rng.uniform(0.8, 1.2))))
        hours_before = int(rng.integers(4 * 12, 24 * 12 + 1)) * 5  # 4 to 24 hours, on 5-minute steps
        oldest = dt.datetime.combine(horizon_start, dt.time()) - dt.timedelta(minutes=hours_before)
        rows.append((spec.id, str(items), _stamp(oldest)))
    return rows
