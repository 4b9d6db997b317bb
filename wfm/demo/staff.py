"""The sample operation's people: staff and teams, skills, availability, time off and training."""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Sequence

import numpy as np

from wfm.demo.catalogue import (
    AVAILABILITY_SHARE,
    CONTRACT_SHARES,
    CROSS_TRAINED_SHARE,
    FULL_TIME,
    HOURLY_COST,
    MAX_TEAM_SIZE,
    MON_FRI,
    MON_SAT,
    OFFICE_PREMIUM,
    OFFICE_SHARES,
    TIME_OFF_SHARE,
    QueueSpec,
    _Agent,
    _rng,
    _stamp,
)
from wfm.demo.names import FIRST_NAMES, LAST_NAMES
from wfm.domain.models import WEEKDAYS


def _quotas(total: int, shares: Sequence[float]) -> list[int]:
    """Split `total` into integer counts proportional to `shares` (largest remainder, ties to the first)."""
    weight = sum(shares)
    exact = [total * s / weight for s in shares]
    counts = [math.floor(x) for x in exact]
    order = sorted(range(len(shares)), key=lambda i: (-(exact[i] - counts[i]), i))
    for i in order[: total - sum(counts)]:
        counts[i] += 1
    return counts


def _letters(index: int) -> str:
    """0 -> A, 25 -> Z, 26 -> AA: team suffixes that never run out."""
    text = ""
    index += 1
    while index:
        index, rem = divmod(index - 1, 26)
        text = chr(ord("A") + rem) + text
    return text


def _staff(count: int, specs: Sequence[QueueSpec], seed: int) -> list[_Agent]:
    rng = _rng(seed, "staff")
    name_codes = rng.choice(len(FIRST_NAMES) * len(LAST_NAMES), size=count, replace=False)
    names = [f"{FIRST_NAMES[c // len(LAST_NAMES)]} {LAST_NAMES[c % len(LAST_NAMES)]}" for c in name_codes]
    offices = list(OFFICE_SHARES)
    contracts = list(CONTRACT_SHARES)
    people: list[tuple[str, str, str, str]] = []  # office, team, contract, home queue
    for office, office_count in zip(offices, _quotas(count, list(OFFICE_SHARES.values())), strict=True):
        office_specs = [s for s in specs if s.office == office]
        contract_list = [
            c
            for c, n in zip(contracts, _quotas(office_count, list(CONTRACT_SHARES.values())), strict=True)
            for _ in range(n)
        ]
        rng.shuffle(contract_list)
        family_counts = _quotas(office_count, [s.share for s in office_specs])
        position = 0
        for spec, family_count in zip(office_specs, family_counts, strict=True):
            teams = max(1, math.ceil(family_count / MAX_TEAM_SIZE))
            for team_index, team_count in enumerate(_quotas(family_count, [1.0] * teams)):
                team = f"{spec.team_family} {_letters(team_index)}"
                for _ in range(team_count):
                    people.append((office, team, contract_list[position], spec.id))
                    position += 1
    order = rng.permutation(count)  # ids are handed out in hiring order, not team by team
    staff: list[_Agent] = []
    for number, index in enumerate(order, start=1):
        office, team, contract, home = people[index]
        low, high = HOURLY_COST[contract]
        cost = round(float(rng.uniform(low, high)) + OFFICE_PREMIUM[office], 2)
        staff.append(_Agent(f"A{number:04d}", names[number - 1], office, team, contract, cost, home))
    return staff


def _skills(staff: Sequence[_Agent], specs: Sequence[QueueSpec], seed: int) -> list[tuple[str, str, str, int]]:
    rng = _rng(seed, "skills")
    cross_count = math.ceil(CROSS_TRAINED_SHARE * len(staff))
    cross_trained = set(rng.choice(len(staff), size=cross_count, replace=False).tolist())
    rows: list[tuple[str, str, str, int]] = []
    for index, agent in enumerate(staff):
        own = [(agent.home_queue, float(rng.uniform(0.85, 1.0)))]
        others_home = [s for s in specs if s.office == agent.office and s.id != agent.home_queue]
        if others_home and rng.random() < 0.55:
            pick = others_home[int(rng.integers(len(others_home)))]
            own.append((pick.id, float(rng.uniform(0.80, 0.95))))
        if index in cross_trained:
            # Cross-training follows the work: a queue of another office, more likely the bigger ones.
            foreign = [s for s in specs if s.office != agent.office]
            weights = np.array([s.share * OFFICE_SHARES[s.office] for s in foreign])
            extra = 2 if rng.random() < 0.12 and len(foreign) > 1 else 1
            picks = rng.choice(len(foreign), size=extra, replace=False, p=weights / weights.sum())
            own.extend((foreign[int(i)].id, float(rng.uniform(0.5, 0.9))) for i in sorted(picks.tolist()))
        for priority, (queue, proficiency) in enumerate(own, start=1):
            rows.append((agent.agent_id, queue, f"{proficiency:.2f}", priority))
    return rows


def _availability(staff: Sequence[_Agent], horizon: Sequence[dt.date], seed: int) -> list[tuple[str, str, str, str]]:
    """Windows for ~15% of agents: part-timers on mornings or evenings only, full-timers off Saturdays or with
    one date-specific late start / early finish (date rows replace that weekday's row)."""
    rng = _rng(seed, "availability")
    count = max(1, round(AVAILABILITY_SHARE * len(staff)))
    chosen = sorted(rng.choice(len(staff), size=count, replace=False).tolist())
    weekdays_in_horizon = [d for d in horizon if d.weekday() < 5] or list(horizon)
    rows: list[tuple[str, str, str, str]] = []
    for index in chosen:
        agent = staff[index]
        if agent.contract in FULL_TIME:
            if rng.random() < 0.6:
                rows.extend((agent.agent_id, day, "07:00", "21:00") for day in MON_FRI)  # no Saturdays
            else:
                rows.extend((agent.agent_id, day, "07:00", "21:00") for day in MON_SAT)
                date = weekdays_in_horizon[int(rng.integers(len(weekdays_in_horizon)))]
                window = ("12:00", "21:00") if rng.random() < 0.5 else ("07:00", "16:30")
                rows.append((agent.agent_id, date.isoformat(), *window))
        elif rng.random() < 0.6:
            rows.extend((agent.agent_id, day, "08:00", "14:00") for day in MON_FRI)  # school hours
        else:
            rows.extend((agent.agent_id, day, "14:30", "21:00") for day in MON_SAT)  # evenings only
    return rows


def _time_off(
    staff: Sequence[_Agent], horizon: Sequence[dt.date], restricted: set[str], seed: int
) -> list[tuple[str, str, str, str]]:
    """Approved whole-day absences for ~8% of agents; about a quarter of them span several days."""
    rng = _rng(seed, "time_off")
    count = max(1, round(TIME_OFF_SHARE * len(staff)))
    candidates = [i for i, a in enumerate(staff) if a.agent_id not in restricted]
    chosen = sorted(rng.choice(candidates, size=min(count, len(candidates)), replace=False).tolist())
    working_days = [d for d in horizon if WEEKDAYS[d.weekday()] in MON_SAT] or list(horizon)
    reasons = ("annual leave", "medical appointment", "compassionate leave", "jury service", "study leave")
    rows: list[tuple[str, str, str, str]] = []
    for index in chosen:
        length = int(rng.integers(2, 6)) if rng.random() < 0.25 else 1
        first = working_days[int(rng.integers(len(working_days)))]
        last = min(first + dt.timedelta(days=length), horizon[-1] + dt.timedelta(days=1))
        reason = "annual leave" if length > 1 else str(rng.choice(reasons, p=[0.7, 0.12, 0.06, 0.06, 0.06]))
        start = dt.datetime.combine(first, dt.time())
        end = dt.datetime.combine(last, dt.time())
        rows.append((staff[index].agent_id, _stamp(start), _stamp(end), reason))
    return rows


def _fixed_activities(
    staff: Sequence[_Agent],
    horizon: Sequence[dt.date],
    restricted: set[str],
    time_off: Sequence[tuple[str, str, str, str]],
    seed: int,
) -> list[tuple[str, str, str, str]]:
    """3-6 sessions (training, a team meeting, coaching) for a few full-time agents who are in that day."""
    rng = _rng(seed, "training")
    sessions = 3 + min(3, len(staff) // 100)
    dates = [d for d in horizon if d.weekday() in (1, 2, 3)] or [d for d in horizon if d.weekday() < 5]
    dates = dates or list(horizon)
    slots = (
        ("10:00", "12:00", "training"),
        ("14:00", "16:00", "training"),
        ("10:30", "11:30", "meeting"),
        ("15:00", "16:00", "coaching"),
    )
    away: dict[dt.date, set[str]] = {}
    for agent_id, start, end, _ in time_off:
        day = dt.date.fromisoformat(start[:10])
        while day < dt.date.fromisoformat(end[:10]):
            away.setdefault(day, set()).add(agent_id)
            day += dt.timedelta(days=1)
    eligible = [a for a in staff if a.contract in FULL_TIME and a.agent_id not in restricted]
    booked: set[tuple[dt.date, str]] = set()
    rows: list[tuple[str, str, str, str]] = []
    for number in range(sessions):
        day = dates[number % len(dates)]
        start, end, activity = slots[number % len(slots)]
        pool = [a for a in eligible if a.agent_id not in away.get(day, set()) and (day, a.agent_id) not in booked]
        if activity == "meeting" and pool:
            # A team meeting: the members of one team.
            team = pool[int(rng.integers(len(pool)))].team
            pool = [a for a in pool if a.team == team]
        size = min(len(pool), int(rng.integers(3, 6)) if activity != "coaching" else int(rng.integers(2, 4)))
        picks = sorted(rng.choice(len(pool), size=size, replace=False).tolist()) if size else []
        for i in picks:
            agent = pool[i]
            booked.add((day, agent.agent_id))
            rows.append((agent.agent_id, f"{day.isoformat()}T{start}:00", f"{day.isoformat()}T{end}:00", activity))
    return sorted(rows, key=lambda r: (r[1], r[0]))
