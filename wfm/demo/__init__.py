"""A deterministic, realistic sample operation: a retail bank's blended front/middle/back-office centre.

`generate_operation` writes a complete scenario folder (see the input contract in the design notes) that
exercises every stage: a history with the realities a forecaster meets in a real ACD / case-system export
(intraday double peaks, a weekly pattern, a slow trend, public holidays, an outage spike, missing intervals,
time-of-day AHT), a staff list with contracts, teams and cross-training, and the planner's constraints for the
horizon (availability windows, approved time off, training sessions, carried-in backlog).

Demand is sized from head count, so the operation stays staffable at any size from 50 to several thousand
agents: the horizon week's estimated requirement (Erlang C on live queues, workload on deferred ones) is a
fixed share (88%) of each office's contracted hours.
The output is a pure function of the arguments: every random draw comes from its own seeded stream and every
file is written with explicit formatting, so the same arguments give byte-identical files.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from wfm.demo.catalogue import FULL_BREAKS, MAX_AGENTS, MAX_QUEUES, MIN_AGENTS, OFFICE_SHARES, QUEUE_SPECS, bump
from wfm.demo.demand import (
    DayProfile,
    _backlog,
    _daily_levels,
    _history,
    estimate_weekly_hours,
    live_agents,
    outage_of,
)
from wfm.demo.staff import _availability, _fixed_activities, _skills, _staff, _time_off
from wfm.demo.writing import _site_toml, _write_csv, toml_table, toml_value


def generate_operation(
    out_dir: Path,
    *,
    agents: int = 150,
    weeks_history: int = 13,
    seed: int = 7,
    horizon_start: dt.date = dt.date(2026, 3, 2),
    horizon_days: int = 7,
    queues: int = 8,
) -> None:
    """Write a complete scenario folder for a bank operations centre of `agents` agents and `queues` queues.

    History covers the `weeks_history` weeks before `horizon_start`; volumes are sized so the horizon week's
    estimated requirement is ~88% of contracted hours. The same arguments always give byte-identical files.
    """
    if not MIN_AGENTS <= agents <= MAX_AGENTS:
        raise ValueError(f"agents must be between {MIN_AGENTS} and {MAX_AGENTS}, got {agents}")
    if not 3 <= queues <= MAX_QUEUES:
        raise ValueError(f"queues must be between 3 and {MAX_QUEUES}, got {queues}")
    if not 1 <= weeks_history <= 104:
        raise ValueError(f"weeks_history must be between 1 and 104, got {weeks_history}")
    if not 1 <= horizon_days <= 42:
        raise ValueError(f"horizon_days must be between 1 and 42, got {horizon_days}")

    # Any prefix of QUEUE_SPECS covers all offices; files list the queues office by office, front first.
    offices = list(OFFICE_SHARES)
    specs = sorted(QUEUE_SPECS[:queues], key=lambda spec: offices.index(spec.office))
    horizon = [horizon_start + dt.timedelta(days=i) for i in range(horizon_days)]
    staff = _staff(agents, specs, seed)
    skills = _skills(staff, specs, seed)
    availability = _availability(staff, horizon, seed)
    restricted = {row[0] for row in availability}
    time_off = _time_off(staff, horizon, restricted, seed)
    training = _fixed_activities(staff, horizon, restricted, time_off, seed)
    levels = _daily_levels(staff, specs)
    history = _history(specs, levels, horizon_start, weeks_history, seed)
    backlog = _backlog(specs, levels, horizon_start, seed)

    out_dir.mkdir(parents=True, exist_ok=True)
    (out_dir / "site.toml").write_text(_site_toml(specs, horizon_start, horizon_days, seed), encoding="utf-8")
    _write_csv(
        out_dir / "staff.csv",
        ("agent_id", "name", "office", "team", "contract", "hourly_cost"),
        ((a.agent_id, a.name, a.office, a.team, a.contract, f"{a.hourly_cost:.2f}") for a in staff),
    )
    _write_csv(out_dir / "skills.csv", ("agent_id", "queue", "proficiency", "priority"), skills)
    _write_csv(out_dir / "history.csv", ("interval_start", "queue", "volume", "aht_seconds"), history)
    _write_csv(out_dir / "availability.csv", ("agent_id", "day", "start", "end"), availability)
    _write_csv(out_dir / "time_off.csv", ("agent_id", "start", "end", "reason"), time_off)
    _write_csv(out_dir / "fixed_activities.csv", ("agent_id", "start", "end", "activity"), training)
    _write_csv(out_dir / "backlog.csv", ("queue", "items", "oldest_arrival"), backlog)


__all__ = [
    "FULL_BREAKS",
    "MAX_AGENTS",
    "MAX_QUEUES",
    "MIN_AGENTS",
    "DayProfile",
    "bump",
    "estimate_weekly_hours",
    "generate_operation",
    "live_agents",
    "outage_of",
    "toml_table",
    "toml_value",
]
