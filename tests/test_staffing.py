"""Staffing math: Erlang C, required agents, deferred-work deadlines and the earliest-deadline-first run."""

from __future__ import annotations

import datetime as dt
import math
import time
from fractions import Fraction

import numpy as np
import pandas as pd
import pytest

from wfm.domain import BacklogItem, Contract, Horizon, Queue, ShiftTemplate, Site
from wfm.staffing import (
    ASA_CAP_SECONDS,
    REQUIREMENT_COLUMNS,
    asa_seconds,
    build_requirements,
    deadline_index,
    deadline_index_of,
    erlang_c,
    occupancy,
    required_agents,
    service_level,
    simulate_deferred,
)


def reference_erlang_c(traffic: float, agents: int) -> float:
    """The textbook formula, exactly, in rational arithmetic with factorials (slow, small n only).

    C(A, N) = (A^N / N!) * N / (N - A)  /  (sum_{k<N} A^k / k!  +  (A^N / N!) * N / (N - A))
    """
    load = Fraction(traffic)
    if agents <= load:
        return 1.0
    top = load**agents / math.factorial(agents) * Fraction(agents) / (agents - load)
    below = sum(load**k / math.factorial(k) for k in range(agents))
    return float(top / (below + top))


def reference_erlang_b_full(traffic: float, agents: int) -> float:
    """Erlang B by its recursion from 0 servers, one step at a time (no shortcut start)."""
    blocking = 1.0
    for k in range(1, agents + 1):
        blocking = traffic * blocking / (k + traffic * blocking)
    return blocking


# --- Erlang C ---------------------------------------------------------------------------------------------


def test_erlang_c_matches_the_call_centre_helper_worked_example():
    # Call Centre Helper, "Erlang C Formula - Made Simple With an Easy Worked Example": 100 calls in 30 minutes
    # (1800 s) at an AHT of 180 s is 10 Erlangs; with 11 agents the probability of waiting is 68.21%.
    # The other values are the exact formula's (reference_erlang_c) to 4 decimals.
    traffic = 100 * 180 / 1800
    assert traffic == 10
    prob_wait = erlang_c(traffic, [11, 12, 13, 14, 15])
    assert prob_wait == pytest.approx([0.6821, 0.4494, 0.2853, 0.1741, 0.1020], abs=5e-5)
    # ...and the article's answer for an 80/20 target: 14 agents (39% with 11, 80% first reached at 14).
    levels = service_level(100, 180, 1800, [11, 13, 14], 20)
    assert levels == pytest.approx([0.3896, 0.7956, 0.8884], abs=5e-5)
    assert required_agents(100, 180, 1800, 0.8, 20) == 14


@pytest.mark.parametrize("traffic", [0.3, 1.0, 2.5, 7.25, 10.0, 23.9, 48.0])
def test_erlang_c_equals_the_exact_formula_to_1e_9(traffic):
    agents = np.arange(0, int(traffic) + 25)
    expected = [reference_erlang_c(traffic, int(n)) for n in agents]
    assert np.abs(erlang_c(traffic, agents) - expected).max() < 1e-9


def test_erlang_c_is_one_when_the_queue_cannot_keep_up():
    assert erlang_c(10.0, [0, 5, 10]).tolist() == [1.0, 1.0, 1.0]
    assert erlang_c(0.0, 0) == 1.0
    assert erlang_c(0.0, 3) == 0.0


def test_erlang_c_broadcasts_traffic_against_agents():
    traffic = np.array([[2.0], [10.0]])
    agents = np.array([3, 12, 15])
    result = erlang_c(traffic, agents)
    assert result.shape == (2, 3)
    for i, load in enumerate(traffic[:, 0]):
        for j, n in enumerate(agents):
            assert result[i, j] == pytest.approx(reference_erlang_c(load, int(n)), abs=1e-12)


def test_erlang_c_is_stable_at_3000_erlangs():
    agents = np.arange(3001, 3400)
    prob_wait = erlang_c(3000.0, agents)
    assert np.isfinite(prob_wait).all()
    assert ((prob_wait >= 0) & (prob_wait <= 1)).all()
    assert (np.diff(prob_wait) < 0).all()  # strictly better with every extra agent
    # The shortcut start of the recursion agrees with the full recursion from 0 servers.
    for n in (3001, 3050, 3150):
        blocking = reference_erlang_b_full(3000.0, n)
        exact = n * blocking / (n - 3000.0 * (1 - blocking))
        assert erlang_c(3000.0, n) == pytest.approx(exact, rel=1e-10)


def test_erlang_c_rejects_fractional_or_negative_agents():
    with pytest.raises(ValueError, match="whole numbers"):
        erlang_c(5.0, 6.5)
    with pytest.raises(ValueError, match="whole numbers"):
        erlang_c(5.0, -1)
    with pytest.raises(ValueError, match="traffic_erlangs"):
        erlang_c(-1.0, 3)


# --- service level, ASA, occupancy ---------------------------------------------------------------------


def test_service_level_interpolates_fractional_staff_between_whole_agents():
    at_13, at_14 = service_level(100, 180, 1800, [13, 14], 20)
    assert service_level(100, 180, 1800, 13.5, 20) == pytest.approx((at_13 + at_14) / 2, abs=1e-12)
    assert service_level(100, 180, 1800, 13.25, 20) == pytest.approx(0.75 * at_13 + 0.25 * at_14, abs=1e-12)


def test_service_level_edge_cases():
    assert service_level(0, 180, 1800, 0, 20) == 1.0  # nobody called: nobody waited
    assert service_level(100, 180, 1800, 0, 20) == 0.0  # calls and nobody to answer them
    assert service_level(100, 180, 1800, 10, 20) == 0.0  # 10 agents for 10 Erlangs: the queue never clears
    # A silent interval may have no AHT at all.
    assert service_level(0, np.nan, 1800, 2, 20) == 1.0


def test_asa_and_occupancy():
    # ASA = C * AHT / (N - A): 0.682118 * 180 / 1 = 122.78 s with 11 agents for 10 Erlangs.
    asa = asa_seconds(100, 180, 1800, [11, 14])
    assert asa == pytest.approx([0.6821182 * 180, 0.1741319 * 180 / 4], rel=1e-6)
    # Unstable or unstaffed: the documented finite cap, not infinity.
    assert asa_seconds(100, 180, 1800, [0, 9, 10]).tolist() == [ASA_CAP_SECONDS] * 3
    assert asa_seconds(0, 180, 1800, 3) == 0.0
    assert occupancy(100, 180, 1800, [0, 5, 12.5, 20]).tolist() == [0.0, 1.0, 0.8, 0.5]


def test_chat_concurrency_counts_each_agent_as_that_many_servers():
    # Chat model: 3 conversations per agent = 3 servers at the same AHT; the traffic is unchanged.
    assert service_level(100, 180, 1800, 5, 20, concurrency=3) == pytest.approx(
        service_level(100, 180, 1800, 15, 20), abs=1e-15
    )
    assert occupancy(100, 180, 1800, 5, concurrency=3) == pytest.approx(10 / 15)
    # 14 servers meet 80/20 for 10 Erlangs, so 5 agents with 3 chats each (15 slots) are needed, not 4 (12).
    assert required_agents(100, 180, 1800, 0.8, 20, concurrency=3) == 5
    assert required_agents(100, 180, 1800, 0.8, 20, concurrency=2) == 7


# --- required agents -----------------------------------------------------------------------------------


def test_required_agents_small_80_20_cases():
    # 10..17 Erlangs at AHT 180 s in 30-minute intervals, 80% answered within 20 s.
    volume = np.arange(10, 18) * 10.0
    assert required_agents(volume, 180, 1800, 0.8, 20).tolist() == [14, 15, 16, 17, 18, 19, 20, 21]
    assert required_agents(0, 180, 1800, 0.8, 20) == 0
    # 0.5 Erlang: 1 agent answers 52.7% within 20 s, 2 agents 91.5%.
    assert required_agents(5, 180, 1800, 0.8, 20) == 2


def test_required_agents_is_the_smallest_count_meeting_the_target():
    rng = np.random.default_rng(7)
    volume = rng.uniform(1, 400, 500)
    aht = rng.uniform(60, 900, 500)
    target = rng.uniform(0.5, 0.95, 500)
    agents = required_agents(volume, aht, 900, target, 30)
    assert (service_level(volume, aht, 900, agents, 30) >= target).all()
    assert (service_level(volume, aht, 900, agents - 1, 30) < target).all()


def test_required_agents_respects_the_occupancy_cap():
    # 14 agents would meet 80/20 for 10 Erlangs, but at most 70% occupancy needs 10 / 0.7 = 14.3 -> 15.
    assert required_agents(100, 180, 1800, 0.8, 20, max_occupancy=0.7) == 15
    # A cap that divides exactly must not round up through floating-point noise: 9 / 0.9 = 10 agents.
    assert required_agents(90, 180, 1800, 0.01, 0, max_occupancy=0.9) == 10


def test_shrinkage_grosses_up_and_rounds_up_once():
    assert required_agents(100, 180, 1800, 0.8, 20, shrinkage=0.3) == 20  # 14 / 0.7 = 20 exactly
    assert required_agents(100, 180, 1800, 0.8, 20, shrinkage=0.2) == 18  # 14 / 0.8 = 17.5
    # 21 / (1 - 0.3) is 30.000000000000004 in floating point; the answer is 30 agents, not 31.
    assert required_agents(170, 180, 1800, 0.8, 20) == 21
    assert required_agents(170, 180, 1800, 0.8, 20, shrinkage=0.3) == 30


def test_required_agents_at_thousands_of_erlangs_is_finite_and_monotone():
    traffic = np.linspace(2000, 3000, 41)
    agents = required_agents(traffic * 1800 / 180, 180, 1800, 0.8, 20)
    assert (agents > traffic).all()
    assert (np.diff(agents) > 0).all()
    assert agents[-1] == 3012  # 3,000 Erlangs: 12 agents above the load meet 80/20


def test_required_agents_for_two_weeks_of_twelve_queues_is_fast():
    rng = np.random.default_rng(1)
    size = 12 * 14 * 96
    volume = rng.uniform(0, 250, size)
    aht = rng.uniform(120, 600, size)
    started = time.process_time()
    agents = required_agents(volume, aht, 900, 0.8, 20, max_occupancy=0.9, shrinkage=0.3)
    assert time.process_time() - started < 0.5
    assert agents.shape == (size,)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"aht_seconds": 0}, "aht_seconds"),
        ({"aht_seconds": -5}, "aht_seconds"),
        ({"service_level_target": 1.0}, "service_level_target"),
        ({"service_level_target": 0.0}, "service_level_target"),
        ({"volume": -1}, "volume"),
        ({"interval_seconds": 0}, "interval_seconds"),
        ({"answer_seconds": -1}, "answer_seconds"),
        ({"max_occupancy": 1.2}, "max_occupancy"),
        ({"concurrency": 0}, "concurrency"),
        ({"shrinkage": 1.0}, "shrinkage"),
    ],
)
def test_required_agents_rejects_bad_inputs(kwargs, message):
    arguments = {
        "volume": 100,
        "aht_seconds": 180,
        "interval_seconds": 1800,
        "service_level_target": 0.8,
        "answer_seconds": 20,
    }
    arguments.update(kwargs)
    with pytest.raises(ValueError, match=message):
        required_agents(**arguments)


# --- deferred work -------------------------------------------------------------------------------------


def back_office_queue(**overrides) -> Queue:
    fields = {
        "id": "cases",
        "office": "back",
        "channel": "case",
        "kind": "deferred",
        "sla_hours": 8,
        "open": "08:00",
        "close": "18:00",
        "days": ("mon", "tue", "wed", "thu", "fri"),
    }
    fields.update(overrides)
    return Queue(**fields)


def test_deadline_index_moves_past_closed_hours_to_the_next_open_interval():
    # Four days of 30-minute intervals from Friday 2026-03-06 00:00; the queue works Mon-Fri 08:00-18:00.
    starts = pd.date_range("2026-03-06", periods=4 * 48, freq="30min")
    deadlines = deadline_index(starts, back_office_queue(), 30)
    friday = {"09:00": 18, "10:00": 20, "10:30": 21, "20:00": 40}
    # Fri 09:00 + 8 h = 17:00: due by the end of the 16:30 interval (index 33).
    assert deadlines[friday["09:00"]] == 33
    # Fri 10:00 + 8 h = 18:00, the end of the last open interval 17:30.
    assert deadlines[friday["10:00"]] == 35
    # Fri 10:30 + 8 h = 18:30, closed: moved to Monday 08:00, due by the end of the 08:00 interval.
    monday_0800 = 3 * 48 + 16
    assert deadlines[friday["10:30"]] == monday_0800
    assert deadlines[friday["20:00"]] == monday_0800  # Saturday 04:00 -> Monday 08:00
    assert deadlines[3 * 48 - 1] == monday_0800  # Sunday 23:30 + 8 h = Monday 07:30, still closed
    assert deadlines[3 * 48 + 18] == 3 * 48 + 33  # Monday 09:00 -> Monday 17:00
    # Monday 10:30 -> 18:30, moved to Tuesday 08:00, which is beyond the grid: not due within the horizon.
    assert deadlines[3 * 48 + 21] == len(starts)
    assert (deadlines >= np.arange(len(starts))).all()


def test_deadline_of_a_single_moment():
    starts = pd.date_range("2026-03-06", periods=4 * 48, freq="30min")
    queue = back_office_queue()
    assert deadline_index_of(dt.datetime(2026, 3, 5, 12, 0), starts, queue, 30) == 0  # already overdue
    assert deadline_index_of(dt.datetime(2026, 3, 6, 9, 10), starts, queue, 30) == 18  # mid-interval
    assert deadline_index_of(dt.datetime(2026, 3, 6, 22, 0), starts, queue, 30) == 3 * 48 + 16


def test_deadline_index_requires_a_contiguous_grid():
    starts = pd.DatetimeIndex(["2026-03-06 08:00", "2026-03-06 08:30", "2026-03-06 09:30"])
    with pytest.raises(ValueError, match="contiguous"):
        deadline_index(starts, back_office_queue(), 30)


def test_simulate_deferred_works_earliest_deadline_first():
    # Items take 10 work-minutes each (AHT 600 s).
    # t0: 4 arrive (due end of t1); 20 minutes of capacity finish 2.
    # t1: 2 more arrive (due end of t2); 10 minutes finish 1 of the older ones; 1 is late at the end of t1.
    # t2: the late item goes first (earliest deadline); the 2 newer items are late at the end of t2.
    # t3: 1 of those is finished; it is not counted late again.
    run = simulate_deferred(
        arrivals=[4, 2, 0, 0],
        aht_seconds=600,
        capacity_work_minutes=[20, 10, 10, 10],
        deadline_idx=[1, 2, 3, 3],
    )
    assert list(run.columns) == ["completed", "backlog", "items_past_sla"]
    assert run["completed"].tolist() == [2, 1, 1, 1]
    assert run["backlog"].tolist() == [2, 3, 2, 1]
    assert run["items_past_sla"].tolist() == [0, 1, 2, 0]


def test_simulate_deferred_fractional_items_and_backlog():
    # A carried-in backlog of 3 items at 5 minutes each, overdue already (due at the end of interval 0),
    # is worked before the new arrivals. 15 minutes in t0: all 3 backlog items. 15 minutes in t1: 1.5 items.
    run = simulate_deferred(
        arrivals=[2, 0, 0],
        aht_seconds=600,
        capacity_work_minutes=[15, 15, 0],
        deadline_idx=[3, 3, 3],
        backlog_items=3,
        backlog_aht_seconds=300,
        backlog_deadline_idx=0,
    )
    assert run["completed"].tolist() == [3, 1.5, 0]
    assert run["backlog"].tolist() == [2, 0.5, 0.5]
    assert run["items_past_sla"].tolist() == [0, 0, 0]  # deadline 3 lies beyond the grid: never counted

    late = simulate_deferred([0, 0], 600, [5, 0], [0, 1], backlog_items=3, backlog_aht_seconds=300)
    assert late["items_past_sla"].tolist() == [2, 0]


def test_simulate_deferred_rejects_deadlines_before_arrival():
    with pytest.raises(ValueError, match="deadline_idx"):
        simulate_deferred([1, 1], 600, [0, 0], [1, 0])


# --- requirements --------------------------------------------------------------------------------------


def small_site() -> Site:
    template = ShiftTemplate(id="day", start_times=("08:00",), length_minutes=480)
    contract = Contract(id="full", contracted_hours_week=40, max_hours_week=48, shift_templates=("day",))
    calls = Queue(
        id="calls",
        office="front",
        channel="voice",
        kind="live",
        service_level=0.8,
        answer_seconds=20,
        max_occupancy=0.9,
        open="08:00",
        close="20:00",
    )
    return Site(
        name="Test site",
        interval_minutes=30,
        shrinkage=0.3,
        horizon=Horizon(start=dt.date(2026, 3, 6), days=2),
        queues=(calls, back_office_queue()),
        shift_templates=(template,),
        contracts=(contract,),
    )


def flat_forecast(site: Site, volume: float, aht_seconds: float) -> pd.DataFrame:
    starts = pd.date_range("2026-03-06", periods=2 * 48, freq="30min")
    return pd.concat(
        [
            pd.DataFrame({"interval_start": starts, "queue": q.id, "volume": volume, "aht_seconds": aht_seconds})
            for q in site.queues
        ],
        ignore_index=True,
    )


def test_build_requirements_shape_and_values():
    site = small_site()
    forecast = flat_forecast(site, volume=100.0, aht_seconds=180.0)
    backlog = [BacklogItem(queue="cases", items=12, oldest_arrival=dt.datetime(2026, 3, 5, 14, 0))]
    requirements = build_requirements(forecast, site, backlog)

    assert list(requirements.columns) == list(REQUIREMENT_COLUMNS)
    assert len(requirements) == 2 * 2 * 48
    calls = requirements[requirements["queue"] == "calls"].reset_index(drop=True)
    cases = requirements[requirements["queue"] == "cases"].reset_index(drop=True)
    assert set(calls["kind"]) == {"live"} and set(cases["kind"]) == {"deferred"}

    # Live: 10 Erlangs -> 14 agents for 80/20, grossed up for the site's 30% shrinkage -> 20; 0 while closed.
    open_hours = calls["interval_start"].dt.hour.between(8, 19)
    assert set(calls.loc[open_hours, "required_agents"]) == {20}
    assert set(calls.loc[~open_hours, "required_agents"]) == {0}
    assert (calls["deadline_index"] == -1).all() and (calls["due_items"] == 0).all()

    # Deferred: no head count; work arrives every interval (100 items x 3 minutes = 300 work-minutes) and
    # falls due at deadlines.
    assert (cases["required_agents"] == 0).all()
    assert cases.loc[1:, "arrival_work_minutes"].eq(300.0).all()
    # The backlog (12 items at the queue's mean AHT of 180 s = 36 work-minutes) arrives in interval 0 and is
    # due at Thursday 14:00 + 8 h = Thursday 22:00: already overdue, so at the end of interval 0.
    assert cases.loc[0, "arrival_work_minutes"] == 300.0 + 36.0
    assert cases.loc[0, "due_items"] == 12.0
    assert cases.loc[0, "due_work_minutes"] == 36.0
    # Friday arrivals from 00:00 to 10:00 (21 intervals) are due by 18:00 at the latest; every later one
    # would be due on Monday, beyond this two-day horizon.
    assert cases["due_items"].sum() == 12 + 21 * 100
    # 00:00 + 8 h = 08:00 is the end of the closed 07:30 interval, so it moves to the 08:00 interval (16), as
    # does 00:30 + 8 h; from 01:00 on each interval's arrivals are due 8 h later (i + 15), the last at 18:00.
    assert cases["deadline_index"].tolist()[:4] == [16, 16, 17, 18]
    assert cases.loc[18, "deadline_index"] == 33  # Friday 09:00 -> 17:00, the end of the 16:30 interval
    assert cases.loc[16, "due_items"] == 200.0
    assert cases.loc[17:35, "due_items"].eq(100.0).all()
    assert cases.loc[36:, "due_items"].eq(0.0).all() and cases.loc[1:15, "due_items"].eq(0.0).all()
    assert (cases.loc[21:, "deadline_index"] == 2 * 48).all()  # due Monday, beyond the horizon


def test_build_requirements_rejects_an_incomplete_forecast():
    site = small_site()
    forecast = flat_forecast(site, 10.0, 180.0)
    with pytest.raises(ValueError, match="no volume for queue 'cases'"):
        build_requirements(forecast.drop(index=forecast.index[-1]), site)
    with pytest.raises(ValueError, match="does not define"):
        build_requirements(pd.concat([forecast, forecast.head(1).assign(queue="x")]), site)
