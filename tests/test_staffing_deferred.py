"""Deferred work: the flattest capacity that meets every deadline, and what the requirements table and the
per-queue summary say about it and about Erlang A queues."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.optimize import linprog
from test_staffing import flat_forecast, small_site

from wfm.staffing import build_requirements, minimal_capacity, requirements_summary, simulate_deferred

# --- minimal_capacity ---------------------------------------------------------------------------------------


def test_two_batches_are_each_spread_evenly_up_to_their_deadline() -> None:
    # 10 work-minutes arrive in interval 0, due by the end of 3; 20 arrive in 4, due by the end of 5.
    arrival = np.array([10, 0, 0, 0, 20, 0, 0, 0.0])
    due = np.array([0, 0, 0, 10, 0, 20, 0, 0.0])
    assert minimal_capacity(arrival, due, np.ones(8, bool)).tolist() == [2.5, 2.5, 2.5, 2.5, 10, 10, 0, 0]


def test_closed_intervals_get_no_capacity_and_the_rest_is_spread_over_open_time() -> None:
    arrival = np.array([10, 0, 0, 0, 20, 0, 0, 0.0])
    due = np.array([0, 0, 0, 10, 0, 20, 0, 0.0])
    is_open = np.array([1, 0, 0, 1, 1, 1, 1, 1], bool)
    assert minimal_capacity(arrival, due, is_open).tolist() == [5, 0, 0, 5, 10, 10, 0, 0]


def test_work_due_after_the_horizon_is_left_for_later() -> None:
    # 20 minutes arrive, only the first interval's 5 are due inside the grid (by the end of interval 1).
    assert minimal_capacity(np.array([5, 5, 5, 5.0]), np.array([0, 5, 0, 0.0]), np.ones(4, bool)).tolist() == [
        2.5,
        2.5,
        0,
        0,
    ]


def test_capacity_cannot_run_ahead_of_arrivals() -> None:
    # 12 minutes arrive in interval 2, due by the end of 3: nothing can be done before it arrives.
    result = minimal_capacity(np.array([0, 0, 12, 0.0]), np.array([0, 0, 0, 12.0]), np.ones(4, bool))
    assert result.tolist() == [0, 0, 6, 6]


def test_bad_profiles_are_refused() -> None:
    with pytest.raises(ValueError, match="same length"):
        minimal_capacity([1.0, 2.0], [1.0], [True, True])
    with pytest.raises(ValueError, match=">= 0"):
        minimal_capacity([-1.0], [0.0], [True])


@settings(max_examples=60, deadline=None, database=None, derandomize=True)  # the same cases every run
@given(
    st.lists(st.tuples(st.floats(0, 50), st.integers(0, 6), st.booleans()), min_size=2, max_size=24),
)
def test_the_profile_meets_every_deadline_with_the_lowest_possible_peak(cells: list[tuple[float, int, bool]]) -> None:
    # Random arrivals, each due 0..6 intervals later (moved to the next open interval); compare the peak with
    # the linear programme "minimise the peak capacity subject to every deadline and every arrival".
    size = len(cells)
    is_open = np.array([c[2] for c in cells])
    is_open[-1] = True
    arrival = np.array([c[0] for c in cells])
    due = np.zeros(size)
    for t, (work, lag, _) in enumerate(cells):
        deadline = min(t + lag, size - 1)
        while not is_open[deadline] and deadline < size - 1:
            deadline += 1
        due[deadline] += work
    capacity = minimal_capacity(arrival, due, is_open)
    assert (capacity >= -1e-9).all() and (capacity[~is_open] == 0).all()
    # Every deadline met, nothing worked before it arrived (cumulatively), only the due work done.
    done = np.cumsum(capacity)
    first_open = int(np.argmax(is_open))
    owed = np.cumsum(due)
    assert (done[first_open:] >= owed[first_open:] - 1e-6).all()
    assert (done <= np.cumsum(arrival) + 1e-6).all()
    assert done[-1] == pytest.approx(owed[-1], abs=1e-6)
    if owed[first_open:].max() > owed[first_open]:  # work due before the first open interval is late anyway
        return
    # LP: variables c_0..c_{n-1}, z; minimise z with c_t <= z, sum_{s<=t} c_s >= owed_t, <= arrived_t.
    lower_rows = -np.tril(np.ones((size, size)))
    a_ub = np.vstack(
        [
            np.hstack([np.eye(size), -np.ones((size, 1))]),
            np.hstack([lower_rows, np.zeros((size, 1))]),
            np.hstack([-lower_rows, np.zeros((size, 1))]),
        ]
    )
    b_ub = np.concatenate([np.zeros(size), -owed, np.cumsum(arrival)])
    bounds = [(0, None if o else 0) for o in is_open] + [(0, None)]
    lp = linprog(np.r_[np.zeros(size), 1.0], A_ub=a_ub, b_ub=b_ub, bounds=bounds, method="highs")
    assert lp.status == 0
    assert capacity.max() == pytest.approx(lp.fun, rel=1e-6, abs=1e-6)


def test_the_earliest_deadline_first_run_with_that_capacity_has_nothing_late() -> None:
    site = small_site()
    requirements = build_requirements(flat_forecast(site, volume=100.0, aht_seconds=180.0), site)
    cases = requirements[requirements["queue"] == "cases"].reset_index(drop=True)
    run = simulate_deferred(
        cases["volume"].to_numpy(),
        np.full(len(cases), 180.0),
        cases["capacity_agents"].to_numpy() * site.interval_minutes * (1 + 1e-9),
        cases["deadline_index"].to_numpy(),
    )
    assert run["items_past_sla"].sum() == pytest.approx(0.0, abs=1e-6)


# --- requirements and their summary -------------------------------------------------------------------------


def test_requirements_carry_the_cumulative_due_work_and_the_flattest_capacity() -> None:
    site = small_site()
    requirements = build_requirements(flat_forecast(site, volume=100.0, aht_seconds=180.0), site)
    cases = requirements[requirements["queue"] == "cases"].reset_index(drop=True)
    assert cases["due_work_cumulative_minutes"].tolist() == np.cumsum(cases["due_work_minutes"]).tolist()
    # 2,100 items x 3 minutes are due Friday 08:00-18:00, the first 2 intervals' arrivals (600 work-minutes)
    # at the end of the first open interval: the flattest plan does those 600 minutes by 08:30 (20 agents),
    # then 100 items x 3 min every half hour (10 agents) until 18:00.
    capacity = cases["capacity_agents"].to_numpy()
    assert capacity[16] == pytest.approx(20.0)
    assert capacity[17:36] == pytest.approx(np.full(19, 10.0))
    assert capacity[:16].sum() == 0 and capacity[36:].sum() == pytest.approx(0.0)
    calls = requirements[requirements["queue"] == "calls"]
    assert (calls["capacity_agents"] == 0).all()


def test_a_queue_with_patience_is_staffed_by_erlang_a_and_an_asa_target_can_bind() -> None:
    site = small_site()
    calls = site.queues[0]
    forecast = flat_forecast(site, volume=100.0, aht_seconds=180.0)
    patient = site.model_copy(update={"queues": (calls.model_copy(update={"patience_seconds": 300.0}), site.queues[1])})
    hasty = site.model_copy(update={"queues": (calls.model_copy(update={"max_asa_seconds": 5.0}), site.queues[1])})

    def open_requirement(of: object) -> set[int]:
        frame = build_requirements(forecast, of, [])  # type: ignore[arg-type]
        rows = frame[(frame["queue"] == "calls") & frame["interval_start"].dt.hour.between(8, 19)]
        return set(rows["required_agents"])

    # 10 Erlangs at 80/20: Erlang C 14 agents, Erlang A with 5-minute patience 13 (pyworkforce's guide too);
    # 30 % shrinkage -> 20 and 19. An ASA of at most 5 s needs 15 (ASA 7.8 s at 14, 3.0 s at 15) -> 22.
    assert open_requirement(site) == {20}
    assert open_requirement(patient) == {19}
    assert open_requirement(hasty) == {22}


def test_the_summary_states_what_each_queue_needs_and_what_the_requirement_buys() -> None:
    site = small_site()
    requirements = build_requirements(flat_forecast(site, volume=100.0, aht_seconds=180.0), site)
    summary = requirements_summary(requirements, site).set_index("queue")
    calls, cases = summary.loc["calls"], summary.loc["cases"]
    assert calls["model"] == "Erlang C" and cases["model"] == "deadlines"
    assert calls["peak_agents"] == 20
    assert calls["agent_hours"] == 20 * 48 * 0.5  # open 08:00-20:00: 24 half hours a day, two days
    # 20 scheduled x (1 - 0.3) = 14 attending: the 88.8 % of the worked example in every open interval.
    assert calls["service_level"] == pytest.approx(0.8883500, abs=1e-7)
    assert calls["abandon_rate"] == 0
    assert cases["items_due"] == 2100 and cases["peak_capacity_agents"] == pytest.approx(20.0)
    assert cases["work_hours"] == pytest.approx(96 * 100 * 3 / 60)
    assert pd.isna(cases["service_level"])
