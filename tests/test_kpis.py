"""Coverage and KPIs of a finished schedule, on a plan small enough to check by hand.

Monday 2026-03-02, 30-minute intervals (index 16 = 08:00).
- `calls` (front, live, 80/20, open 08:00-12:00): 5 calls per interval at AHT 180 s = 0.5 Erlang, which needs
  2 agents (1 agent answers 52.7% within 20 s).
- `cases` (back, deferred, 2 h turnaround, open 08:00-18:00): 6 items arrive at 08:00, 10 work-minutes each,
  due 10:00 (the end of interval 19).
- Ann: calls at proficiency 1.0 and cases at 0.5. Bob: cases at 1.0.
  Ann works calls 08:00-10:00, lunches 10:00-10:30, works cases 10:30-11:30. Bob works cases 09:00-09:30.
"""

from __future__ import annotations

import datetime as dt
import json
import math

import numpy as np
import pandas as pd
import pytest

from wfm.domain import Agent, Contract, Horizon, Queue, Scenario, ShiftTemplate, Site, Skill
from wfm.scheduling.kpis import COVERAGE_COLUMNS, compute_coverage, compute_kpis, scheduled_agents_by_queue
from wfm.scheduling.result import ScheduleResult, Segment, ShiftAssignment, SolveStatus
from wfm.staffing import build_requirements

DAY = dt.date(2026, 3, 2)


def at(hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime(2026, 3, 2, hour, minute)


def scenario() -> Scenario:
    calls = Queue(
        id="calls",
        office="front",
        channel="voice",
        kind="live",
        service_level=0.8,
        answer_seconds=20,
        open="08:00",
        close="12:00",
    )
    cases = Queue(id="cases", office="back", channel="case", kind="deferred", sla_hours=2, open="08:00", close="18:00")
    site = Site(
        name="Tiny",
        interval_minutes=30,
        horizon=Horizon(start=DAY, days=1),
        queues=(calls, cases),
        shift_templates=(ShiftTemplate(id="half", start_times=("08:00",), length_minutes=240),),
        contracts=(Contract(id="ft", contracted_hours_week=35, max_hours_week=40, shift_templates=("half",)),),
    )
    return Scenario(
        site=site,
        agents=(
            Agent(agent_id="ann", name="Ann", office="front", contract="ft", hourly_cost=20.0),
            Agent(agent_id="bob", name="Bob", office="back", contract="ft"),
        ),
        skills=(
            Skill(agent_id="ann", queue="calls", proficiency=1.0),
            Skill(agent_id="ann", queue="cases", proficiency=0.5, priority=2),
            Skill(agent_id="bob", queue="cases", proficiency=1.0),
        ),
        history=pd.DataFrame(columns=["interval_start", "queue", "volume", "aht_seconds"]),
    )


def forecast() -> pd.DataFrame:
    starts = pd.date_range("2026-03-02", periods=48, freq="30min")
    hours = starts.hour
    calls = pd.DataFrame(
        {"interval_start": starts, "queue": "calls", "volume": np.where((hours >= 8) & (hours < 12), 5.0, 0.0)}
    ).assign(aht_seconds=180.0)
    cases = pd.DataFrame({"interval_start": starts, "queue": "cases", "volume": 0.0, "aht_seconds": 600.0})
    cases.loc[16, "volume"] = 6.0
    return pd.concat([calls, cases], ignore_index=True)


def plan() -> ScheduleResult:
    return ScheduleResult(
        status=SolveStatus.FEASIBLE,
        objective=120.0,
        best_bound=100.0,
        runtime_seconds=1.234,
        shifts=(
            ShiftAssignment("ann", DAY, "half", at(8), at(12), paid_minutes=240),
            ShiftAssignment("bob", DAY, "half", at(8), at(12), paid_minutes=240),
        ),
        segments=(
            Segment("ann", at(8), at(10), "work", "calls"),
            Segment("ann", at(10), at(10, 30), "lunch"),
            Segment("ann", at(10, 30), at(11, 30), "work", "cases"),
            Segment("ann", at(11, 30), at(12), "available"),
            Segment("bob", at(8), at(9), "training"),
            Segment("bob", at(9), at(9, 30), "work", "cases"),
            Segment("bob", at(9, 30), at(12), "available"),
        ),
        overtime_hours={("ann", DAY): 0.5},
    )


@pytest.fixture(scope="module")
def outcome():
    tiny = scenario()
    requirements = build_requirements(forecast(), tiny.site)
    result = plan()
    coverage = compute_coverage(tiny, requirements, result)
    kpis = compute_kpis(tiny, requirements, result, coverage)
    return tiny, requirements, coverage, kpis


def rows_of(coverage: pd.DataFrame, queue: str) -> pd.DataFrame:
    return coverage[coverage["queue"] == queue].reset_index(drop=True)


def test_coverage_has_one_row_per_interval_and_queue(outcome):
    _, _, coverage, _ = outcome
    assert list(coverage.columns) == list(COVERAGE_COLUMNS)
    assert len(coverage) == 2 * 48
    assert rows_of(coverage, "calls")["office"].eq("front").all()
    assert rows_of(coverage, "cases")["kind"].eq("deferred").all()


def test_scheduled_agents_are_proficiency_weighted(outcome):
    _, _, coverage, _ = outcome
    calls = rows_of(coverage, "calls")["scheduled_agents"]
    cases = rows_of(coverage, "cases")["scheduled_agents"]
    assert calls[16:20].tolist() == [1.0] * 4  # Ann 08:00-10:00
    assert calls.drop(index=range(16, 20)).eq(0.0).all()
    assert cases[18] == 1.0  # Bob 09:00-09:30 at proficiency 1
    assert cases[21:23].tolist() == [0.5, 0.5]  # Ann 10:30-11:30 at proficiency 0.5
    assert cases.drop(index=[18, 21, 22]).eq(0.0).all()


def test_live_metrics_are_recomputed_on_the_scheduled_staff(outcome):
    _, _, coverage, _ = outcome
    calls = rows_of(coverage, "calls")
    assert calls.loc[16:23, "required_agents"].tolist() == [2] * 8
    # One agent for 0.5 Erlang: P(wait) = 0.5, SL = 1 - 0.5 * exp(-(1 - 0.5) * 20 / 180), ASA = 0.5*180/0.5.
    one_agent_level = 1 - 0.5 * math.exp(-0.5 * 20 / 180)
    assert calls.loc[16:19, "service_level"].to_numpy() == pytest.approx([one_agent_level] * 4, abs=1e-12)
    assert calls.loc[16:19, "asa_seconds"].to_numpy() == pytest.approx([180.0] * 4, abs=1e-9)
    assert calls.loc[16:19, "occupancy"].tolist() == [0.5] * 4
    # Open but unstaffed: nobody answers; closed: not measured.
    assert calls.loc[20:23, "service_level"].tolist() == [0.0] * 4
    assert calls.loc[:15, "service_level"].isna().all() and calls.loc[24:, "service_level"].isna().all()
    assert calls[["arrivals", "completed", "backlog", "items_past_sla"]].isna().all().all()


def test_deferred_work_is_replayed_earliest_deadline_first(outcome):
    _, _, coverage, _ = outcome
    cases = rows_of(coverage, "cases")
    assert cases["arrivals"].sum() == 6.0 and cases.loc[16, "arrivals"] == 6.0
    # Bob's 30 minutes finish 3 items at 09:00; 3 are still open at the 10:00 deadline (end of interval 19);
    # Ann at half speed turns 30 minutes into 15 work-minutes = 1.5 items in each of 10:30 and 11:00.
    completed = cases["completed"]
    assert completed[18] == 3.0
    assert completed[21:23].tolist() == [1.5, 1.5]
    assert completed.sum() == 6.0
    assert cases.loc[16:22, "backlog"].tolist() == [6.0, 6.0, 3.0, 3.0, 3.0, 1.5, 0.0]
    assert cases["items_past_sla"].tolist() == [3.0 if i == 19 else 0.0 for i in range(48)]
    assert cases[["service_level", "asa_seconds", "occupancy"]].isna().all().all()


def test_kpis(outcome):
    _, _, _, kpis = outcome
    json.dumps(kpis)  # JSON-serialisable as is
    assert kpis["site"] == "Tiny"
    assert kpis["horizon"] == {"start": "2026-03-02", "days": 1}
    assert kpis["solver"] == {
        "status": "FEASIBLE",
        "objective": 120.0,
        "best_bound": 100.0,
        "gap": round(20 / 120, 6),
        "seconds": 1.23,
    }

    calls = kpis["queues"]["calls"]
    one_agent_level = 1 - 0.5 * math.exp(-0.5 * 20 / 180)
    # Volume-weighted over the 8 open intervals: 4 at one agent, 4 unstaffed (0%).
    assert calls["service_level"] == round(one_agent_level / 2, 4)
    assert calls["service_level_target"] == 0.8
    assert calls["asa_seconds"] == round((4 * 180 + 4 * 3600) / 8, 1)
    assert calls["items_arrived"] == 40.0
    # Required 2 in 8 intervals, staffed 1 in 4 of them: (4 x 1 + 4 x 2) x 0.5 h = 6 agent-hours short.
    assert calls["understaffed_agent_hours"] == 6.0
    assert calls["overstaffed_agent_hours"] == 0.0
    assert calls["scheduled_agent_hours"] == 2.0

    cases = kpis["queues"]["cases"]
    assert cases["items_arrived"] == 6.0
    assert cases["items_past_sla"] == 3.0
    assert cases["backlog_end"] == 0.0
    assert cases["service_level"] == 0.5  # 3 of the 6 items due were finished in time
    assert cases["scheduled_agent_hours"] == 1.0  # 0.5 h at 1.0 + 1 h at 0.5
    assert cases["understaffed_agent_hours"] is None

    overall = kpis["overall"]
    assert overall["scheduled_paid_hours"] == 8.0
    assert overall["contracted_hours"] == round(2 * 35 / 7, 2)
    assert overall["overtime_hours"] == 0.5
    assert overall["labour_cost"] == 80.0  # Ann's 4 paid hours at 20; Bob has no rate
    assert overall["agents_without_hourly_cost"] == 1
    assert overall["service_level"] == calls["service_level"]  # the only live queue
    assert overall["items_past_sla"] == 3.0

    assert kpis["offices"]["front"]["scheduled_paid_hours"] == 4.0
    assert kpis["offices"]["front"]["labour_cost"] == 80.0
    assert kpis["offices"]["back"]["labour_cost"] is None
    assert kpis["offices"]["back"]["items_past_sla"] == 3.0
    assert kpis["offices"]["back"]["service_level"] is None  # no live queue in the back office


def test_partial_interval_segments_count_their_covered_share():
    tiny = scenario()
    starts = pd.date_range("2026-03-02", periods=48, freq="30min")
    result = ScheduleResult(
        status=SolveStatus.FEASIBLE,
        objective=0.0,
        best_bound=0.0,
        runtime_seconds=0.0,
        segments=(Segment("ann", at(8, 15), at(9), "work", "cases"),),
    )
    staffed = scheduled_agents_by_queue(tiny, starts, result)
    assert staffed["cases"][16:18].tolist() == [0.25, 0.5]  # half of 08:00 and all of 08:30, at 0.5


def test_work_on_a_queue_without_the_skill_is_an_error():
    tiny = scenario()
    starts = pd.date_range("2026-03-02", periods=48, freq="30min")
    result = ScheduleResult(
        status=SolveStatus.FEASIBLE,
        objective=0.0,
        best_bound=0.0,
        runtime_seconds=0.0,
        segments=(Segment("bob", at(8), at(9), "work", "calls"),),
    )
    with pytest.raises(ValueError, match="without that skill"):
        scheduled_agents_by_queue(tiny, starts, result)
