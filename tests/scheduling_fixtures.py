"""Small hand-made scenarios for scheduling specifications (no files, no forecast: requirements by hand)."""

from __future__ import annotations

import datetime as dt

import pandas as pd

from wfm.domain import (
    Agent,
    BreakRule,
    Contract,
    FixedActivity,
    Horizon,
    Queue,
    Rules,
    Scenario,
    ShiftTemplate,
    Site,
    Skill,
    SolverSettings,
)

START = dt.date(2026, 3, 2)  # a Monday

VOICE = Queue(
    id="voice",
    office="front",
    channel="voice",
    kind="live",
    service_level=0.8,
    answer_seconds=20,
    open="08:00",
    close="22:00",
)
CASES = Queue(id="cases", office="back", channel="case", kind="deferred", sla_hours=8, open="08:00", close="22:00")

EARLY = ShiftTemplate(
    id="early",
    start_times=("08:00",),
    length_minutes=510,
    breaks=(
        BreakRule(kind="break", minutes=30, paid=True, earliest_after_minutes=90, latest_after_minutes=180),
        BreakRule(kind="lunch", minutes=30, paid=False, earliest_after_minutes=210, latest_after_minutes=300),
    ),
)
LATE = ShiftTemplate(
    id="late",
    start_times=("13:00",),
    length_minutes=510,
    breaks=(BreakRule(kind="lunch", minutes=30, paid=False, earliest_after_minutes=210, latest_after_minutes=300),),
)
FULL_TIME = Contract(
    id="ft",
    contracted_hours_week=40,
    min_hours_week=32,
    max_hours_week=44,
    max_overtime_hours_week=4,
    max_hours_day=9,
    days_off_per_week=2,
    shift_templates=("early", "late"),
)


def site(days: int = 7, queues: tuple[Queue, ...] = (VOICE, CASES), min_rest_hours: float = 11) -> Site:
    return Site(
        name="Test centre",
        timezone="Europe/London",
        interval_minutes=30,
        horizon=Horizon(start=START, days=days),
        queues=queues,
        shift_templates=(EARLY, LATE),
        contracts=(FULL_TIME,),
        rules=Rules(min_rest_hours=min_rest_hours, block_minutes=30),
        solver=SolverSettings(time_limit_seconds=20, workers=2, seed=1, relative_gap=0.0),
    )


def agent(agent_id: str, office: str = "front") -> Agent:
    return Agent(agent_id=agent_id, name=f"Agent {agent_id}", office=office, team="T1", contract="ft")


def scenario(
    the_site: Site,
    skills: dict[str, dict[str, float]],
    fixed: tuple[FixedActivity, ...] = (),
) -> Scenario:
    return Scenario(
        site=the_site,
        agents=tuple(agent(a) for a in skills),
        skills=tuple(Skill(agent_id=a, queue=q, proficiency=p) for a, qs in skills.items() for q, p in qs.items()),
        fixed_activities=fixed,
        history=pd.DataFrame(columns=["interval_start", "queue", "volume", "aht_seconds"]),
    )


def requirements(
    the_site: Site,
    live_required: dict[str, float] | None = None,
    deferred_work: dict[str, tuple[float, dt.datetime, dt.datetime]] | None = None,
) -> pd.DataFrame:
    """Requirements by hand.

    live_required: queue -> agents required in every open interval.
    deferred_work: queue -> (work minutes, arrival interval start, due interval start).
    """
    starts = pd.date_range(
        dt.datetime.combine(the_site.horizon.start, dt.time()),
        periods=the_site.horizon.days * the_site.intervals_per_day,
        freq=f"{the_site.interval_minutes}min",
    )
    rows = []
    for queue in the_site.queues:
        # Same convention as wfm.staffing: -1 for live queues; deferred rows name their due interval (never
        # before their own), or len(starts) when nothing is due inside the horizon.
        deadline = -1
        if queue.kind.value == "deferred":
            deadline = len(starts)
            if deferred_work and queue.id in deferred_work:
                deadline = int(starts.get_loc(pd.Timestamp(deferred_work[queue.id][2])))
        for index, ts in enumerate(starts):
            is_open = queue.is_open(ts.to_pydatetime())
            required = (live_required or {}).get(queue.id, 0.0) if is_open else 0.0
            arrival = due = 0.0
            if deferred_work and queue.id in deferred_work:
                work, arrives, due_at = deferred_work[queue.id]
                arrival = work if ts == pd.Timestamp(arrives) else 0.0
                due = work if ts == pd.Timestamp(due_at) else 0.0
            rows.append(
                {
                    "interval_start": ts,
                    "queue": queue.id,
                    "kind": queue.kind.value,
                    "volume": 0.0,
                    "aht_seconds": 300.0,
                    "required_agents": required,
                    "arrival_work_minutes": arrival,
                    "due_items": due / 5,
                    "due_work_minutes": due,
                    "deadline_index": deadline if deadline < 0 else max(deadline, index),
                }
            )
    return pd.DataFrame(rows)
