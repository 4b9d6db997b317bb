"""The staffing math held to published values, each with its source, to at least 4 significant figures.

Erlang C: the Call Centre Helper worked example (100 calls in 30 minutes, AHT 180 s, 80 % in 20 s) as
printed by the CRAN package `ErlangC` 0.1.0 README (stat.ethz.ch/CRAN/web/packages/ErlangC/readme/
README.html), and the pyworkforce test suite (github.com/rodrigo-arenas/pyworkforce,
pyworkforce/queuing/tests/test_erlang.py), and the Octave `queueing` package's qsmmm tests
(github.com/mmarzolla/queueing, inst/qsmmm.m). Erlang A: pyworkforce's abandonment tests
(pyworkforce/queuing/tests/test_abandonment.py) and its Erlang A guide
(pyworkforce.rodrigo-arenas.com/stable/guide/erlanga), which use the same definitions as wfm: service level
= answered within target over all offered calls (a caller who hangs up never counts), ASA = mean wait of all
callers including those who hang up.
"""

from __future__ import annotations

import pytest

from wfm.staffing import erlang_c
from wfm.staffing.erlang import abandon_rate, asa_seconds, occupancy, required_agents, service_level

SIG4 = 5e-5  # relative tolerance: agreement to 4 significant figures
# Values printed to 7 decimals are compared to half a unit of their last digit (abs=5e-8).

# 100 calls in a 30-minute interval with a 180 s AHT: 10 Erlangs.
CALLS, AHT, INTERVAL = 100, 180, 1800


def test_erlang_c_call_centre_helper_example_at_14_agents_as_printed_by_the_erlangc_r_package() -> None:
    # ErlangC README: wait_probability 0.1741319, service_level 0.88835, ASA 7.83593701177724 s, occupancy 0.7142857.
    assert erlang_c(10, 14) == pytest.approx(0.1741319, abs=5e-8)
    assert service_level(CALLS, AHT, INTERVAL, 14, 20) == pytest.approx(0.88835, rel=SIG4)
    assert asa_seconds(CALLS, AHT, INTERVAL, 14) == pytest.approx(7.83593701177724, rel=1e-9)
    assert occupancy(CALLS, AHT, INTERVAL, 14) == pytest.approx(0.7142857, abs=5e-8)


def test_erlang_c_call_centre_helper_example_at_11_agents_as_printed_by_the_erlangc_r_package() -> None:
    # The README's staffing table row for 11 agents: wait_probability 0.6821182, service_level 0.3896138.
    assert erlang_c(10, 11) == pytest.approx(0.6821182, abs=5e-8)
    assert service_level(CALLS, AHT, INTERVAL, 11, 20) == pytest.approx(0.3896138, abs=5e-8)


def test_pyworkforce_erlang_c_staffing_with_shrinkage_and_an_occupancy_cap() -> None:
    # pyworkforce test_erlang.py: asa target 0.33 min (19.8 s), 80 % SL, shrinkage 0.3.
    # max_occupancy 0.85 -> raw 14, positions 20, SL 0.888; max_occupancy 0.7 -> raw 15, positions 22, SL 0.941.
    assert required_agents(CALLS, AHT, INTERVAL, 0.8, 19.8, max_occupancy=0.85) == 14
    assert required_agents(CALLS, AHT, INTERVAL, 0.8, 19.8, max_occupancy=0.85, shrinkage=0.3) == 20
    assert required_agents(CALLS, AHT, INTERVAL, 0.8, 19.8, max_occupancy=0.7) == 15
    assert required_agents(CALLS, AHT, INTERVAL, 0.8, 19.8, max_occupancy=0.7, shrinkage=0.3) == 22
    assert round(float(service_level(CALLS, AHT, INTERVAL, 14, 19.8)), 3) == 0.888
    assert round(float(service_level(CALLS, AHT, INTERVAL, 15, 19.8)), 3) == 0.941
    assert round(float(erlang_c(10, 15)), 3) == 0.102


def test_octave_queueing_qsmmm_mean_queue_length_and_response_time() -> None:
    # qsmmm(lambda=9, mu=5, m=2): mean number waiting 7.674, mean response time 1.053 (and 0.105 / 0.212 at m=4).
    # In wfm's units: volume 9 per 1 s interval, AHT 0.2 s; Lq = lambda * ASA, response = ASA + AHT.
    for servers, queue_length, response in ((2, 7.674, 1.053), (4, 0.105, 0.212)):
        asa = float(asa_seconds(9, 0.2, 1, servers))
        assert 9 * asa == pytest.approx(queue_length, abs=5e-4)
        assert asa + 0.2 == pytest.approx(response, abs=5e-4)
    assert erlang_c(1.8, 2) == pytest.approx(81 / 95, rel=1e-12)  # exact: C(1.8, 2) = 81/95


def test_erlang_a_pyworkforce_abandonment_example_at_14_agents() -> None:
    # test_abandonment.py: 100 calls / 30 min, AHT 3 min, patience 5 min, 20 s target, 14 agents:
    # waiting_probability 0.14526, abandonment_probability 0.013984, ASA 0.069919 min, service_level 0.916792.
    assert service_level(CALLS, AHT, INTERVAL, 14, 20, patience_seconds=300) == pytest.approx(0.916792, rel=SIG4)
    assert abandon_rate(CALLS, AHT, INTERVAL, 14, 300) == pytest.approx(0.013984, rel=SIG4)
    assert asa_seconds(CALLS, AHT, INTERVAL, 14, patience_seconds=300) / 60 == pytest.approx(0.069919, rel=SIG4)


def test_erlang_a_pyworkforce_guide_needs_13_agents_for_80_percent_where_erlang_c_needs_14() -> None:
    # Erlang A guide: raw_positions 13, positions 19 (shrinkage 0.3), service_level 0.858..., abandonment 0.025...,
    # ASA 0.125... min. Abandonment shortens the queue, so one agent fewer than Erlang C's 14 meets 80/20.
    assert required_agents(CALLS, AHT, INTERVAL, 0.8, 20, max_occupancy=0.85, patience_seconds=300) == 13
    assert required_agents(CALLS, AHT, INTERVAL, 0.8, 20, max_occupancy=0.85, shrinkage=0.3, patience_seconds=300) == 19
    assert str(float(service_level(CALLS, AHT, INTERVAL, 13, 20, patience_seconds=300))).startswith("0.858")
    assert round(float(abandon_rate(CALLS, AHT, INTERVAL, 13, 300)), 3) == 0.025
    # occupancy on the carried (not abandoned) load: 0.750...
    assert str(float(occupancy(CALLS, AHT, INTERVAL, 13, patience_seconds=300))).startswith("0.750")
    assert round(float(asa_seconds(CALLS, AHT, INTERVAL, 13, patience_seconds=300)) / 60, 3) == 0.125
