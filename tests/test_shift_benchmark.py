"""The independent evaluator of Curtois & Qu's shift scheduling benchmark (bench/shift_instances.py), on a
hand-made instance with exact expected values, and the bundled instances read as published (issue 21)."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "bench"))
from shift_instances import objective, read_instance, violations  # noqa: E402 - bench code, on purpose

TINY = """# two shift types, three people, one week
SECTION_HORIZON
7

SECTION_SHIFTS
E,480,
L,480,E

SECTION_STAFF
A,E=7|L=7,2880,960,3,2,2,1
B,E=7|L=0,2880,960,3,2,2,1
C,E=0|L=7,2880,960,3,2,2,1

SECTION_DAYS_OFF
A,3

SECTION_SHIFT_ON_REQUESTS
A,0,E,2
B,5,E,3

SECTION_SHIFT_OFF_REQUESTS
C,1,L,4

SECTION_COVER
0,E,1,100,1
1,E,1,100,1
1,L,1,100,1
2,L,2,100,1
"""


@pytest.fixture()
def tiny(tmp_path: Path):  # type: ignore[no-untyped-def]
    path = tmp_path / "Tiny.txt"
    path.write_text(TINY)
    return read_instance(path)


def test_the_evaluator_adds_requests_and_cover_exactly(tiny) -> None:  # type: ignore[no-untyped-def]
    roster = {
        "A": ["E", "E", "", "", "L", "L", ""],
        "B": ["", "E", "E", "E", "", "", ""],
        "C": ["", "L", "L", "", "", "", ""],
    }
    assert violations(tiny, roster) == []
    # A's request for E on day 0 is granted (0); B's for E on day 5 is not (3); C works L on day 1 against
    # their request (4). Cover: day 0 E has A (0); day 1 E has A and B, one over (1); day 1 L has C (0);
    # day 2 L has C only, one under (100); day 2 E (B) and days 4-5 L (A) have no cover line (0).
    assert objective(tiny, roster) == 3 + 4 + 1 + 100


def test_the_evaluator_names_every_hard_rule_broken(tiny) -> None:  # type: ignore[no-untyped-def]
    roster = {
        # A: works their day off (3), E after L (day 1 -> 2), 4 days in a row (max 3), two weekends? one.
        "A": ["L", "E", "E", "E", "", "", ""],
        # B: a single working day between days off (min 2 in a row), 480 minutes (min 960).
        "B": ["", "", "E", "", "", "", ""],
        # C: one day off between working days (min 2), then 4 in a row; 6 shifts are 2,880 minutes, the most
        # allowed; L after L is allowed; days 5 and 6 are one weekend, the most allowed.
        "C": ["L", "L", "", "L", "L", "L", "L"],
    }
    found = violations(tiny, roster)
    assert "A: works day 3, a day off" in found
    assert "A: E on day 1 follows L" in found
    assert "A: 4 days worked in a row from day 0" in found
    assert "B: only 1 days worked in a row from day 2" in found
    assert "B: 480 minutes, not in [960, 2880]" in found
    assert "C: only 1 days off in a row from day 2" in found
    assert "C: 4 days worked in a row from day 3" in found
    assert len(found) == 7


def test_runs_that_touch_the_ends_of_the_horizon_are_not_too_short(tiny) -> None:  # type: ignore[no-untyped-def]
    # B works only day 0 and day 6: each run of one day touches an end, the days off between are 5 in a row.
    roster = {"A": ["E", "E", "", "", "", "", ""], "B": ["E", "", "", "", "", "", "E"], "C": [""] * 7}
    assert [v for v in violations(tiny, roster) if "in a row" in v] == []


@pytest.mark.parametrize(
    ("number", "days", "shifts", "staff"),
    [(1, 14, 1, 8), (2, 14, 2, 14), (3, 14, 3, 20), (7, 28, 3, 20), (12, 28, 10, 60)],
)
def test_the_bundled_instances_read_as_published(number: int, days: int, shifts: int, staff: int) -> None:
    instance = read_instance(REPO / "data" / "shift_benchmark" / f"Instance{number}.txt")
    assert (instance.days, len(instance.shift_minutes), len(instance.employees)) == (days, shifts, staff)
    assert all(c.day < days and c.shift in instance.shift_minutes for c in instance.cover)


@pytest.mark.parametrize(("number", "optimum", "within"), [(1, 607, 0.0), (2, 828, 0.01), (3, 1001, 0.01)])
def test_wfm_plans_instances_1_to_3_to_their_published_optimum(number: int, optimum: int, within: float) -> None:
    # Through wfm's own loaders and scheduler (bench/shift_benchmark.py), scored by the independent evaluator,
    # which must agree with the model; 8 search workers on the 2-core machine (see docs/benchmarks.md).
    # Instance 1 is proven optimal in about a second. Instances 2 and 3 reach 828 and 1,001 in 15-60 s, not
    # every time within the 15 s a test can spend: here within 1 %. The limit is deterministic time (15 units,
    # about 15 s on a quiet 2-core machine), so a busy CI machine gets the same plan, only later: a 15 s wall-clock
    # limit under the test suite's load once gave 922 on instance 2 (828 and 830 on a quiet machine).
    from shift_benchmark import solve_instance

    row = solve_instance(number, time_limit=15, workers=8, deterministic=True)
    assert row["violations"] == []
    assert row["objective"] == row["model_objective"]
    assert optimum <= row["objective"] <= optimum * (1 + within)


@pytest.mark.parametrize(("number", "optimum"), [(1, 607), (2, 828)])
def test_the_roster_lp_bound_never_passes_the_optimum_and_its_first_plan_keeps_every_rule(
    number: int, optimum: int
) -> None:
    # The column-generation phase (wfm.scheduling.columns) runs on a wall-clock limit: a quarter of 12 s. Its
    # Lagrangian bound is a bound on this benchmark's objective (every cost is cover or an agent's own request),
    # so it can never pass the proven optimum; its first plan is a plan like any other (audited, evaluated).
    from shift_benchmark import solve_instance

    row = solve_instance(number, time_limit=12, workers=8)
    assert row["violations"] == [] and row["objective"] == row["model_objective"]
    assert isinstance(row["column_plan"], int) and row["column_plan"] >= optimum
    assert isinstance(row["roster_bound"], int) and 0 < row["roster_bound"] <= optimum


def test_the_model_only_run_builds_one_shift_decision_per_person_day_and_type_not_off() -> None:
    # Instance 1: 8 people, 14 days, one shift type, 8 days off in all: 8 x 14 - 8 = 104 shift decisions; no
    # queues, so no queue decisions. The benchmark's --model-only prints this without solving.
    from shift_benchmark import main, model_only

    size = model_only(1)
    assert (size["shift_variables"], size["queue_block_variables"]) == (104, 0)
    assert main(["1", "--model-only"]) == 0
