"""requests.csv: agents' shift requests load into `Scenario.requests`; each mistake names file, row and column.

The scenarios are the shipped sample (horizon 2026-03-02 .. 2026-03-08) plus a requests.csv. In it A0003 and
A0004 are on contract ft40 (early, day, late) and A0001 and A0042 on pt20 (pt_morning, pt_evening).
"""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
from test_io_loader import only_problem, problems_of

from wfm.domain.models import ShiftRequest
from wfm.io import load_scenario

SAMPLE = Path(__file__).resolve().parent.parent / "data" / "sample"
HEADER = "agent_id,date,shift_template,on,weight\n"
WEIGHT_SCALE = (
    "A weight is what leaving the request ungranted costs, in the points of [weights] in site.toml (an hour of "
    "overtime costs overtime_per_hour = 30); a blank weight means 1."
)


def scenario(tmp_path: Path, requests: str | None) -> Path:
    """The sample copied to tmp_path, with `requests` as its requests.csv (None: no such file)."""
    folder = tmp_path / "scenario"
    shutil.copytree(SAMPLE, folder)
    assert not (folder / "requests.csv").exists()
    if requests is not None:
        (folder / "requests.csv").write_text(requests, encoding="utf-8")
    return folder


# ----------------------------------------------------------------------------------------------------------------
# Valid files


def test_requests_load_with_their_types(tmp_path: Path) -> None:
    requests = HEADER + (
        "A0003,2026-03-02,early,on,5\n"  # wants the early shift on Monday
        "A0003,2026-03-06,off,on,3\n"  # wants Friday off
        "A0004,2026-03-05,late,off,2\n"  # would rather not work late on Thursday
        "A0004,2026-03-02,day,TRUE,\n"  # blank weight means 1
        "A0004,2026-03-03,day,No,0.5\n"
        "A0001,2026-03-04,pt_evening,yes,1\n"
        "A0001,2026-03-05,pt_morning,0,7.25\n"
        "A0042,2026-03-07,OFF,1,1\n"  # the day-off word in any case
        "A0042,2026-03-08,pt_morning,false,1\n"
    )
    loaded = load_scenario(scenario(tmp_path, requests))

    assert loaded.requests == (
        ShiftRequest(agent_id="A0003", date=dt.date(2026, 3, 2), shift_template="early", wanted=True, weight=5),
        ShiftRequest(agent_id="A0003", date=dt.date(2026, 3, 6), shift_template="off", wanted=True, weight=3),
        ShiftRequest(agent_id="A0004", date=dt.date(2026, 3, 5), shift_template="late", wanted=False, weight=2),
        ShiftRequest(agent_id="A0004", date=dt.date(2026, 3, 2), shift_template="day", wanted=True, weight=1),
        ShiftRequest(agent_id="A0004", date=dt.date(2026, 3, 3), shift_template="day", wanted=False, weight=0.5),
        ShiftRequest(agent_id="A0001", date=dt.date(2026, 3, 4), shift_template="pt_evening", wanted=True, weight=1),
        ShiftRequest(
            agent_id="A0001", date=dt.date(2026, 3, 5), shift_template="pt_morning", wanted=False, weight=7.25
        ),
        ShiftRequest(agent_id="A0042", date=dt.date(2026, 3, 7), shift_template="off", wanted=True, weight=1),
        ShiftRequest(agent_id="A0042", date=dt.date(2026, 3, 8), shift_template="pt_morning", wanted=False, weight=1),
    )
    first = loaded.requests[0]
    assert isinstance(first.date, dt.date) and not isinstance(first.date, dt.datetime)
    assert isinstance(first.weight, float) and first.wanted is True
    assert [r.day_off for r in loaded.requests[:2]] == [False, True]
    assert loaded.warnings == ()


def test_the_weight_column_may_be_left_out(tmp_path: Path) -> None:
    requests = "agent_id,date,shift_template,on\nA0003,2026-03-02,early,on\nA0003,2026-03-04,off,off\n"
    loaded = load_scenario(scenario(tmp_path, requests))

    assert [(r.shift_template, r.wanted, r.weight) for r in loaded.requests] == [
        ("early", True, 1.0),
        ("off", False, 1.0),
    ]


def test_without_requests_csv_there_are_no_requests(tmp_path: Path) -> None:
    loaded = load_scenario(scenario(tmp_path, None))
    assert loaded.requests == ()
    assert loaded.warnings == ()


def test_an_empty_or_header_only_requests_csv_means_no_requests(tmp_path: Path) -> None:
    assert load_scenario(scenario(tmp_path / "a", "")).requests == ()
    assert load_scenario(scenario(tmp_path / "b", HEADER)).requests == ()


def test_the_workbook_form_reads_a_requests_sheet_with_typed_cells(tmp_path: Path) -> None:
    folder = scenario(tmp_path, None)
    book = openpyxl.Workbook()
    site = book.active
    assert site is not None
    site.title = "site"
    site["A1"] = (folder / "site.toml").read_text()
    for csv in sorted(folder.glob("*.csv")):
        frame = pd.read_csv(csv, dtype=str, keep_default_na=False)
        if csv.stem == "history":
            frame = frame.tail(2_000)  # a short history only warns; the full one makes a slow workbook
        sheet = book.create_sheet(csv.stem)
        sheet.append(list(frame.columns))
        for record in frame.itertuples(index=False):
            sheet.append([value or None for value in record])
    sheet = book.create_sheet("requests")
    sheet.append(["agent_id", "date", "shift_template", "on", "weight"])
    sheet.append(["A0003", dt.datetime(2026, 3, 2), "early", True, 5.0])  # Excel: a date cell, a checkbox
    sheet.append(["A0004", dt.datetime(2026, 3, 5), "late", False, None])
    sheet.append(["A0004", dt.datetime(2026, 3, 6), "lat", 1, 2])
    book.save(tmp_path / "plan.xlsx")

    problem = only_problem(tmp_path / "plan.xlsx")
    assert (problem.file, problem.row, problem.column, problem.value) == (
        "plan.xlsx, sheet 'requests'",
        4,
        "shift_template",
        "lat",
    )

    sheet.delete_rows(4)
    book.save(tmp_path / "plan.xlsx")
    assert load_scenario(tmp_path / "plan.xlsx").requests == (
        ShiftRequest(agent_id="A0003", date=dt.date(2026, 3, 2), shift_template="early", wanted=True, weight=5),
        ShiftRequest(agent_id="A0004", date=dt.date(2026, 3, 5), shift_template="late", wanted=False, weight=1),
    )


# ----------------------------------------------------------------------------------------------------------------
# One mistake each: file, row (the header is row 1), column, value and the full message


BAD_CASES = {
    "unknown agent": (
        "A9999,2026-03-02,early,on,5",
        "agent_id",
        "A9999",
        "requests.csv, row 3, column 'agent_id': 'A9999' is not an agent_id in staff.csv (expected one of: A0001, "
        "A0002, A0003, A0004, A0005, A0006, A0007, A0008, A0009, A0010, A0011, A0012, … (150 in all)). "
        "Fix the value or add the agent to staff.csv.",
    ),
    "agent id in the wrong case": (
        "a0003,2026-03-02,early,on,5",
        "agent_id",
        "a0003",
        "requests.csv, row 3, column 'agent_id': 'a0003' is not an agent_id in staff.csv (expected one of: A0001, "
        "A0002, A0003, A0004, A0005, A0006, A0007, A0008, A0009, A0010, A0011, A0012, … (150 in all)). "
        "Did you mean 'A0003' (ids are case-sensitive)? Fix the value or add the agent to staff.csv.",
    ),
    "unknown template": (
        "A0003,2026-03-02,lat,on,5",
        "shift_template",
        "lat",
        "requests.csv, row 3, column 'shift_template': 'lat' is not a shift template in site.toml or 'off' for a "
        "day off (expected one of: day, early, late, off, pt_day, pt_evening, pt_morning, short). "
        "Did you mean 'late'? Fix the value or add the template.",
    ),
    "blank template": (
        "A0003,2026-03-02,,on,5",
        "shift_template",
        "",
        "requests.csv, row 3, column 'shift_template': blank, expected a shift template in site.toml or 'off' for "
        "a day off (expected one of: day, early, late, off, pt_day, pt_evening, pt_morning, short). "
        "Fix the value or add the template.",
    ),
    "bad on": (
        "A0003,2026-03-02,early,maybe,5",
        "on",
        "maybe",
        "requests.csv, row 3, column 'on': 'maybe' is not on or off (on: the agent asks for it; off: they would "
        "rather not have it). true/false, yes/no and 1/0 work too.",
    ),
    "blank on": (
        "A0003,2026-03-02,early,,5",
        "on",
        "",
        "requests.csv, row 3, column 'on': blank, expected on or off (on: the agent asks for it; off: they would "
        "rather not have it). true/false, yes/no and 1/0 work too.",
    ),
    "weight zero": (
        "A0003,2026-03-02,early,on,0",
        "weight",
        "0",
        "requests.csv, row 3, column 'weight': '0' is not a weight, a number > 0. To withdraw a request, delete "
        f"its row. {WEIGHT_SCALE}",
    ),
    "weight negative": (
        "A0003,2026-03-02,early,on,-2",
        "weight",
        "-2",
        "requests.csv, row 3, column 'weight': '-2' is not a weight, a number > 0. For a shift the agent would "
        f"rather not have, write off in 'on'. {WEIGHT_SCALE}",
    ),
    "weight not a number": (
        "A0003,2026-03-02,early,on,lots",
        "weight",
        "lots",
        f"requests.csv, row 3, column 'weight': 'lots' is not a weight, a number > 0. {WEIGHT_SCALE}",
    ),
    "weight with a decimal comma": (
        'A0003,2026-03-02,early,on,"2,5"',
        "weight",
        "2,5",
        "requests.csv, row 3, column 'weight': '2,5' is not a weight, a number > 0. It has a decimal comma: write "
        '12.5, or set decimal_separator = "," under [input] in site.toml to read decimal commas (a '
        f"semicolon-separated file is read that way already). {WEIGHT_SCALE}",
    ),
    "weight infinite": (
        "A0003,2026-03-02,early,on,inf",
        "weight",
        "inf",
        f"requests.csv, row 3, column 'weight': 'inf' is not a weight, a number > 0. {WEIGHT_SCALE}",
    ),
    "date day first": (
        "A0003,02/03/2026,early,on,5",
        "date",
        "02/03/2026",
        "requests.csv, row 3, column 'date': '02/03/2026' is not a date written year first, like 2026-03-02, as "
        "site.toml expects. This row is written day or month first (DD/MM/YYYY or MM/DD/YYYY: no value shows "
        'which). Set date_format = "DD/MM/YYYY" or date_format = "MM/DD/YYYY" under [input] in site.toml, or write '
        "the dates year first (2026-03-02T08:15).",
    ),
    "date that does not exist": (
        "A0003,2026-02-30,early,on,5",
        "date",
        "2026-02-30",
        "requests.csv, row 3, column 'date': '2026-02-30' is not a date like 2026-03-02 (YYYY-MM-DD); that date "
        "does not exist.",
    ),
    "duplicate row": (
        "A0004,2026-03-03,day,on,9",
        "shift_template",
        "day",
        "requests.csv, row 3, column 'shift_template': 'day' is not a new request for agent 'A0004' on 2026-03-03 "
        "(row 2 already asks for it). Keep one row per request; to make it count more, raise its weight.",
    ),
    "template the contract does not allow": (
        "A0042,2026-03-02,early,on,5",
        "shift_template",
        "early",
        "requests.csv, row 3, column 'shift_template': 'early' is not a shift template the contract of agent "
        "'A0042' allows (contract 'pt20' in site.toml allows: pt_evening, pt_morning; or 'off' for a day off). "
        "A request for it could never be granted; fix the template, or the agent's contract in staff.csv or "
        "site.toml.",
    ),
    "the same request both wanted and not": (
        "A0004,2026-03-03,day,off,1",
        "on",
        "off",
        "requests.csv, row 3, column 'on': 'off' is not consistent with row 2, where agent 'A0004' asks for 'day' "
        "on 2026-03-03. Keep the row that is right and delete the other.",
    ),
}


@pytest.mark.parametrize("line, column, value, message", BAD_CASES.values(), ids=list(BAD_CASES))
def test_a_bad_row_is_reported_with_file_row_and_column(
    tmp_path: Path, line: str, column: str, value: str, message: str
) -> None:
    requests = HEADER + "A0004,2026-03-03,day,on,2\n" + line + "\n"  # row 2 is valid, row 3 the bad one
    problem = only_problem(scenario(tmp_path, requests))

    assert (problem.file, problem.row, problem.column, problem.value) == ("requests.csv", 3, column, value)
    assert str(problem) == message


def test_a_duplicate_of_a_rather_not_row_says_so(tmp_path: Path) -> None:
    requests = HEADER + "A0004,2026-03-05,late,off,2\nA0004,2026-03-05,late,no,3\n"
    problem = only_problem(scenario(tmp_path, requests))

    assert (problem.row, problem.column) == (3, "shift_template")
    assert problem.expected == (
        "a new request for agent 'A0004' on 2026-03-05 (row 2 already says they would rather not have it)"
    )


def test_every_problem_in_the_file_is_reported_at_once(tmp_path: Path) -> None:
    requests = HEADER + "A9999,2026-13-01,lat,maybe,0\nA0003,2026-03-02,early,on,1\nA0003,2026-03-02,early,on,1\n"
    problems = problems_of(scenario(tmp_path, requests))

    assert [(p.file, p.row, p.column) for p in problems] == [
        ("requests.csv", 2, "agent_id"),
        ("requests.csv", 2, "date"),
        ("requests.csv", 2, "shift_template"),
        ("requests.csv", 2, "on"),
        ("requests.csv", 2, "weight"),
        ("requests.csv", 4, "shift_template"),
    ]


def test_missing_required_column(tmp_path: Path) -> None:
    requests = "agent_id,date,template,on,weight\nA0003,2026-03-02,early,on,5\n"
    problem = only_problem(scenario(tmp_path, requests))

    assert str(problem) == (
        "requests.csv, column 'shift_template': this required column is missing (the header row has: agent_id, "
        "date, template, on, weight). Is 'template' meant to be 'shift_template'? "
        "The header row should be: agent_id,date,shift_template,on,weight"
    )


def test_a_template_named_off_is_ambiguous(tmp_path: Path) -> None:
    folder = scenario(tmp_path, HEADER + "A0003,2026-03-06,off,on,3\n")
    site = folder / "site.toml"
    site.write_text(
        site.read_text() + '\n[[shift_templates]]\nid = "off"\nstart_times = ["09:00"]\nlength_minutes = 60\n'
    )
    problem = only_problem(folder)

    assert (problem.file, problem.row, problem.column) == ("requests.csv", None, "shift_template")
    assert str(problem) == (
        "requests.csv, column 'shift_template': site.toml defines a shift template 'off', so 'off' here could mean "
        "that shift or a day off. Rename the template in site.toml (and in its contracts)."
    )


# ----------------------------------------------------------------------------------------------------------------
# Warnings: the row is dropped, the scenario still loads


def test_a_date_outside_the_horizon_is_dropped_with_a_warning(tmp_path: Path) -> None:
    requests = HEADER + (
        "A0003,2026-03-01,early,on,5\n"  # the Sunday before
        "A0003,2026-03-02,early,on,5\n"
        "A0003,2026-03-09,early,on,5\n"  # the first day after
        "A0042,2026-03-20,early,on,5\n"  # outside the horizon: not checked against the contract, only dropped
    )
    loaded = load_scenario(scenario(tmp_path, requests))

    assert [(r.agent_id, r.date) for r in loaded.requests] == [("A0003", dt.date(2026, 3, 2))]
    assert loaded.warnings == tuple(
        f"requests.csv, row {row}, column 'date': '{date}' is not a date in the planning horizon (2026-03-02 to "
        "2026-03-08, [horizon] in site.toml). Row dropped."
        for row, date in ((2, "2026-03-01"), (4, "2026-03-09"), (5, "2026-03-20"))
    )


def test_rows_outside_the_horizon_are_not_duplicates(tmp_path: Path) -> None:
    requests = HEADER + "A0003,2026-04-01,early,on,5\nA0003,2026-04-01,early,on,5\n"
    loaded = load_scenario(scenario(tmp_path, requests))

    assert loaded.requests == ()
    assert [w.split(",")[1] for w in loaded.warnings] == [" row 2", " row 3"]


def test_rather_not_for_a_template_outside_the_contract_is_dropped_with_a_warning(tmp_path: Path) -> None:
    requests = HEADER + "A0042,2026-03-05,late,off,2\nA0042,2026-03-05,pt_evening,off,2\n"
    loaded = load_scenario(scenario(tmp_path, requests))

    assert [r.shift_template for r in loaded.requests] == ["pt_evening"]
    assert loaded.warnings == (
        "requests.csv, row 2, column 'shift_template': 'late' is not a shift template the contract of agent "
        "'A0042' allows (contract 'pt20' in site.toml allows: pt_evening, pt_morning; or 'off' for a day off). "
        "The agent never works it anyway, so the request has no effect. Row dropped.",
    )


def test_warnings_are_not_shown_when_the_load_fails(tmp_path: Path) -> None:
    requests = HEADER + "A0003,2026-04-01,early,on,5\nA0003,2026-03-02,early,on,-1\n"
    problems = problems_of(scenario(tmp_path, requests))

    assert [(p.row, p.column) for p in problems] == [(3, "weight")]
