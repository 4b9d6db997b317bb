"""Run outputs: the contract CSVs, kpis.json and the planner's roster.xlsx, read back as a user would."""

from __future__ import annotations

import csv
import datetime as dt
import json
import math
import time
from itertools import takewhile
from pathlib import Path

import numpy as np
import openpyxl
import pandas as pd
import pytest

from wfm.domain.models import (
    Agent,
    BreakRule,
    Contract,
    Horizon,
    Office,
    Queue,
    QueueKind,
    Scenario,
    ShiftTemplate,
    Site,
    Skill,
    TimeOff,
)
from wfm.reports import (
    assignments_table,
    csv_text,
    json_safe,
    overtime_per_shift,
    queue_rating,
    shifts_table,
    write_roster,
    write_run_files,
)
from wfm.reports.pdf import INSTALL_HINT, pdf_pages, soffice, to_pdf
from wfm.scheduling.result import ScheduleResult, Segment, ShiftAssignment, SolveStatus

MONDAY = dt.date(2026, 3, 2)
TUESDAY = dt.date(2026, 3, 3)
EVIL_NAME = '=HYPERLINK("http://example.invalid","click")'


def at(day: dt.date, clock: str) -> dt.datetime:
    hours, minutes = map(int, clock.split(":"))
    return dt.datetime.combine(day, dt.time()) + dt.timedelta(hours=hours, minutes=minutes)


def make_site(days: int = 2, queues: tuple[Queue, ...] | None = None) -> Site:
    return Site(
        name="Harbour & Co",
        timezone="Europe/London",
        interval_minutes=30,
        horizon=Horizon(start=MONDAY, days=days),
        queues=queues
        or (
            Queue(id="retail_voice", office=Office.FRONT, channel="voice", kind=QueueKind.LIVE,
                  service_level=0.8, answer_seconds=20),
            Queue(id="claims", office=Office.BACK, channel="case", kind=QueueKind.DEFERRED, sla_hours=24),
        ),
        shift_templates=(
            ShiftTemplate(id="day", start_times=("08:00",), length_minutes=510,
                          breaks=(BreakRule(kind="lunch", minutes=30, paid=False,
                                            earliest_after_minutes=180, latest_after_minutes=300),)),
            ShiftTemplate(id="late", start_times=("12:00",), length_minutes=510,
                          breaks=(BreakRule(kind="lunch", minutes=30, paid=False,
                                            earliest_after_minutes=180, latest_after_minutes=300),)),
        ),
        contracts=(
            Contract(id="ft", contracted_hours_week=37.5, max_hours_week=48, max_overtime_hours_week=10,
                     shift_templates=("day", "late")),
        ),
    )  # fmt: skip


def make_scenario() -> Scenario:
    agents = (
        Agent(agent_id="A1", name="Alice Smith", office=Office.FRONT, team="Blue", contract="ft"),
        Agent(agent_id="A2", name=EVIL_NAME, office=Office.FRONT, team="+Red", contract="ft"),
        Agent(agent_id="A3", name="Carol Jones", office=Office.BACK, team="Claims", contract="ft"),
    )
    return Scenario(
        site=make_site(),
        agents=agents,
        skills=(
            Skill(agent_id="A1", queue="retail_voice"),
            Skill(agent_id="A2", queue="retail_voice"),
            Skill(agent_id="A3", queue="claims", proficiency=0.8),
        ),
        time_off=(TimeOff(agent_id="A2", start=at(TUESDAY, "00:00"), end=at(TUESDAY, "23:59"), reason="Annual leave"),),
        history=pd.DataFrame(columns=["interval_start", "queue", "volume", "aht_seconds"]),
    )


def shift(agent_id: str, day: dt.date, template: str, start: str) -> ShiftAssignment:
    begin = at(day, start)
    return ShiftAssignment(agent_id, day, template, begin, begin + dt.timedelta(minutes=510), paid_minutes=480)


def make_result() -> ScheduleResult:
    shifts = (
        shift("A3", TUESDAY, "day", "08:00"),
        shift("A1", MONDAY, "day", "08:00"),
        shift("A2", MONDAY, "late", "12:00"),
        shift("A3", MONDAY, "day", "08:00"),
    )
    segments = (
        Segment("A1", at(MONDAY, "12:30"), at(MONDAY, "16:30"), "work", "retail_voice"),
        Segment("A1", at(MONDAY, "08:00"), at(MONDAY, "12:00"), "work", "retail_voice"),
        Segment("A1", at(MONDAY, "12:00"), at(MONDAY, "12:30"), "lunch"),
        Segment("A2", at(MONDAY, "12:00"), at(MONDAY, "16:00"), "work", "retail_voice"),
        Segment("A2", at(MONDAY, "16:00"), at(MONDAY, "16:30"), "lunch"),
        Segment("A2", at(MONDAY, "16:30"), at(MONDAY, "20:30"), "work", "retail_voice"),
        Segment("A3", at(MONDAY, "08:00"), at(MONDAY, "12:00"), "work", "claims"),
        Segment("A3", at(MONDAY, "12:00"), at(MONDAY, "12:30"), "lunch"),
        Segment("A3", at(MONDAY, "12:30"), at(MONDAY, "13:30"), "training"),
        Segment("A3", at(MONDAY, "13:30"), at(MONDAY, "16:30"), "work", "claims"),
        Segment("A3", at(TUESDAY, "08:00"), at(TUESDAY, "16:30"), "work", "claims"),
    )
    return ScheduleResult(
        status=SolveStatus.FEASIBLE,
        objective=1250.0,
        best_bound=1200.0,
        runtime_seconds=3.21,
        shifts=shifts,
        segments=segments,
        # A3's 9 hours spill over two shifts: 8 on Tuesday (all of it), the remaining 1 on Monday.
        overtime_hours={("A1", MONDAY): 0.5, ("A3", MONDAY): 9.0},
    )


def interval_starts(days: int = 2) -> pd.DatetimeIndex:
    return pd.date_range(pd.Timestamp(MONDAY), periods=48 * days, freq="30min")


def make_forecast() -> pd.DataFrame:
    starts = interval_starts()
    frame = pd.DataFrame(
        {
            "interval_start": list(starts) * 2,
            "queue": ["retail_voice"] * len(starts) + ["claims"] * len(starts),
            "volume": [12.345678] * len(starts) + [3.0] * len(starts),
            "aht_seconds": [300.04] * len(starts) + [900.0] * len(starts),
        }
    )
    return frame.iloc[::-1].reset_index(drop=True)  # writers must sort, not trust the input order


def make_requirements() -> pd.DataFrame:
    forecast = make_forecast()
    live = forecast["queue"] == "retail_voice"
    return forecast.assign(
        kind=np.where(live, "live", "deferred"),
        required_agents=np.where(live, 2.456, np.nan),
        arrival_work_minutes=np.where(live, np.nan, 45.0),
        due_items=np.where(live, np.nan, 3.0),
        due_work_minutes=np.where(live, np.nan, 45.0),
        deadline_index=np.where(live, -1, 48),
    )[
        ["interval_start", "queue", "kind", "volume", "aht_seconds", "required_agents",
         "arrival_work_minutes", "due_items", "due_work_minutes", "deadline_index"]
    ]  # fmt: skip


def make_coverage() -> pd.DataFrame:
    forecast = make_forecast().sort_values(["interval_start", "queue"]).reset_index(drop=True)
    live = (forecast["queue"] == "retail_voice").to_numpy()
    nan = np.nan
    coverage = pd.DataFrame(
        {
            "interval_start": forecast["interval_start"],
            "queue": forecast["queue"],
            "office": np.where(live, "front", "back"),
            "kind": np.where(live, "live", "deferred"),
            "forecast_volume": forecast["volume"],
            "aht_seconds": forecast["aht_seconds"],
            "required_agents": np.where(live, 2.456, nan),
            "scheduled_agents": np.where(live, 2.0, 1.0),
            "service_level": np.where(live, 0.812345, nan),
            "asa_seconds": np.where(live, 14.26, nan),
            "occupancy": np.where(live, 0.7777, nan),
            "arrivals": np.where(live, nan, 3.0),
            "completed": np.where(live, nan, 2.5),
            "backlog": np.where(live, nan, 0.5),
            "items_past_sla": np.where(live, nan, 0.0),
        }
    )
    # One interval where the floor is fully staffed, so only the others show the shortfall fill.
    full = (coverage["interval_start"] == at(MONDAY, "09:00")) & (coverage["queue"] == "retail_voice")
    coverage.loc[full, "scheduled_agents"] = 3.0
    return coverage


def make_kpis() -> dict[str, object]:
    return {
        "site": "Harbour & Co",
        "horizon": {"start": MONDAY, "days": 2},
        "solver": {"status": "FEASIBLE", "objective": 1250.0, "best_bound": 1200.0, "gap": 0.04, "seconds": 3.21},
        "overall": {
            "scheduled_paid_hours": np.float64(32.0),
            "contracted_hours": 22.5,
            "overtime_hours": 9.5,
            "labour_cost": 640.123456,
            "service_level": 0.812345,
            "items_past_sla": 0,
        },
        "queues": {
            "retail_voice": {"service_level": 0.78, "service_level_target": 0.8, "asa_seconds": 14.26,
                             "items_past_sla": None, "understaffed_agent_hours": 11.0,
                             "overstaffed_agent_hours": 0.5, "scheduled_agent_hours": 16.0},
            "claims": {"service_level": None, "items_past_sla": 0.0, "items_arrived": 288.0,
                       "backlog_end": float("nan"), "understaffed_agent_hours": 0.0,
                       "overstaffed_agent_hours": 0.0, "scheduled_agent_hours": 15.0},
        },
        "offices": {"front": {"service_level": 0.78, "scheduled_agent_hours": 16.0},
                    "back": {"items_past_sla": 0.0, "scheduled_agent_hours": 15.0}},
    }  # fmt: skip


@pytest.fixture
def run_folder(tmp_path: Path) -> Path:
    write_run_files(
        tmp_path,
        scenario=make_scenario(),
        forecast=make_forecast(),
        requirements=make_requirements(),
        coverage=make_coverage(),
        kpis=make_kpis(),
        result=make_result(),
    )
    return tmp_path


def read_csv(path: Path) -> tuple[list[str], list[dict[str, str]]]:
    with path.open(newline="", encoding="utf-8") as handle:
        reader = csv.DictReader(handle)
        return list(reader.fieldnames or []), list(reader)


# --- files ------------------------------------------------------------------------------------------------------


def test_write_run_files_writes_the_contract_files_and_nothing_else(tmp_path: Path) -> None:
    written = write_run_files(
        tmp_path,
        scenario=make_scenario(),
        forecast=make_forecast(),
        requirements=make_requirements(),
        coverage=make_coverage(),
        kpis=make_kpis(),
        result=make_result(),
    )
    names = ["forecast.csv", "requirements.csv", "shifts.csv", "assignments.csv", "coverage.csv", "kpis.json",
             "roster.xlsx"]  # fmt: skip
    assert [p.name for p in written] == names
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(names)  # no temporary files left behind


def test_write_run_files_needs_an_existing_folder(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError):
        write_run_files(
            tmp_path / "missing",
            scenario=make_scenario(),
            forecast=make_forecast(),
            requirements=make_requirements(),
            coverage=make_coverage(),
            kpis=make_kpis(),
            result=make_result(),
        )


def test_shifts_csv_has_every_shift_with_exact_times_paid_and_overtime_hours(run_folder: Path) -> None:
    columns, rows = read_csv(run_folder / "shifts.csv")
    assert columns == ["agent_id", "date", "template", "shift_start", "shift_end", "paid_hours", "overtime_hours"]
    assert [(r["agent_id"], r["date"], r["template"], r["shift_start"], r["shift_end"]) for r in rows] == [
        ("A1", "2026-03-02", "day", "2026-03-02T08:00:00", "2026-03-02T16:30:00"),
        ("A2", "2026-03-02", "late", "2026-03-02T12:00:00", "2026-03-02T20:30:00"),
        ("A3", "2026-03-02", "day", "2026-03-02T08:00:00", "2026-03-02T16:30:00"),
        ("A3", "2026-03-03", "day", "2026-03-03T08:00:00", "2026-03-03T16:30:00"),
    ]
    assert [float(r["paid_hours"]) for r in rows] == [8.0, 8.0, 8.0, 8.0]
    # Weekly overtime sits on the last shift(s) of the week: A3's 9 h fill Tuesday (8 h) and spill 1 h to Monday.
    assert [float(r["overtime_hours"]) for r in rows] == [0.5, 0.0, 1.0, 8.0]
    assert sum(float(r["overtime_hours"]) for r in rows) == pytest.approx(9.5)


def test_assignments_csv_lists_segments_in_order_with_queue_only_for_work(run_folder: Path) -> None:
    columns, rows = read_csv(run_folder / "assignments.csv")
    assert columns == ["agent_id", "start", "end", "activity", "queue", "reason"]
    assert len(rows) == 11
    assert rows[:3] == [
        {"agent_id": "A1", "start": "2026-03-02T08:00:00", "end": "2026-03-02T12:00:00", "activity": "work",
         "queue": "retail_voice", "reason": ""},
        {"agent_id": "A1", "start": "2026-03-02T12:00:00", "end": "2026-03-02T12:30:00", "activity": "lunch",
         "queue": "", "reason": ""},
        {"agent_id": "A1", "start": "2026-03-02T12:30:00", "end": "2026-03-02T16:30:00", "activity": "work",
         "queue": "retail_voice", "reason": ""},
    ]  # fmt: skip
    assert {r["activity"]: r["queue"] for r in rows if r["agent_id"] == "A3"}["training"] == ""
    # time_off.csv's reason goes with the leave, so a person's own export shows it as the Roster does
    leave = Segment("A2", dt.datetime(2026, 3, 3), dt.datetime(2026, 3, 4), "time_off", None, "Annual leave")
    with_leave = ScheduleResult(
        status=SolveStatus.FEASIBLE, objective=0.0, best_bound=0.0, runtime_seconds=0.0, segments=(leave,)
    )
    assert assignments_table(with_leave)["reason"].tolist() == ["Annual leave"]


def test_forecast_and_requirements_csv_are_sorted_iso_and_rounded(run_folder: Path) -> None:
    columns, rows = read_csv(run_folder / "forecast.csv")
    assert columns == ["interval_start", "queue", "volume", "aht_seconds"]
    assert len(rows) == 2 * 96
    assert rows[0] == {"interval_start": "2026-03-02T00:00:00", "queue": "claims", "volume": "3.0",
                       "aht_seconds": "900.0"}  # fmt: skip
    assert rows[1] == {"interval_start": "2026-03-02T00:00:00", "queue": "retail_voice", "volume": "12.35",
                       "aht_seconds": "300.0"}  # fmt: skip
    assert rows[-1]["interval_start"] == "2026-03-03T23:30:00"

    columns, rows = read_csv(run_folder / "requirements.csv")
    assert columns[:4] == ["interval_start", "queue", "required_agents", "due_items"]
    assert set(columns) == set(make_requirements().columns)
    live = rows[1]
    assert (live["queue"], live["required_agents"], live["due_items"]) == ("retail_voice", "2.46", "")
    deferred = rows[0]
    assert (deferred["queue"], deferred["required_agents"], deferred["due_items"]) == ("claims", "", "3.0")


def test_coverage_csv_leads_with_contract_columns_and_leaves_the_other_kind_blank(run_folder: Path) -> None:
    columns, rows = read_csv(run_folder / "coverage.csv")
    assert columns == [
        "interval_start", "queue", "forecast_volume", "aht_seconds", "required_agents", "scheduled_agents",
        "service_level", "asa_seconds", "occupancy", "arrivals", "completed", "backlog", "items_past_sla",
        "office", "kind",
    ]  # fmt: skip
    claims, voice = rows[0], rows[1]
    assert voice["queue"] == "retail_voice"
    assert (voice["service_level"], voice["asa_seconds"], voice["occupancy"]) == ("0.8123", "14.3", "0.7777")
    assert voice["backlog"] == "" and voice["items_past_sla"] == ""
    assert (claims["arrivals"], claims["completed"], claims["backlog"]) == ("3.0", "2.5", "0.5")
    assert claims["service_level"] == ""


def test_a_missing_contract_column_is_an_error_not_a_thinner_file() -> None:
    with pytest.raises(ValueError, match=r"forecast\.csv: missing contract column\(s\) aht_seconds"):
        csv_text(
            make_forecast().drop(columns="aht_seconds"),
            contract_columns=["interval_start", "queue", "volume", "aht_seconds"],
            sort_by=["interval_start", "queue"],
            name="forecast.csv",
        )


def test_kpis_json_is_plain_json_with_nulls_for_missing_values(run_folder: Path) -> None:
    kpis = json.loads((run_folder / "kpis.json").read_text(encoding="utf-8"))
    assert kpis["horizon"] == {"start": "2026-03-02", "days": 2}
    assert kpis["overall"]["scheduled_paid_hours"] == 32.0
    assert kpis["overall"]["labour_cost"] == 640.1235
    assert kpis["queues"]["claims"]["service_level"] is None
    assert kpis["queues"]["claims"]["backlog_end"] is None  # NaN is not JSON
    assert json_safe({"status": SolveStatus.OPTIMAL, ("A1", MONDAY): np.int64(3), 7: [np.float32(0.5)]}) == {
        "status": "OPTIMAL",
        "A1,2026-03-02": 3,
        "7": [0.5],
    }


def test_files_are_byte_identical_for_the_same_plan(tmp_path: Path, run_folder: Path) -> None:
    again = tmp_path / "again"
    again.mkdir()
    write_run_files(
        again,
        scenario=make_scenario(),
        forecast=make_forecast(),
        requirements=make_requirements(),
        coverage=make_coverage(),
        kpis=make_kpis(),
        result=make_result(),
    )
    for name in ("forecast.csv", "requirements.csv", "shifts.csv", "assignments.csv", "coverage.csv", "kpis.json"):
        assert (again / name).read_bytes() == (run_folder / name).read_bytes(), name


# --- tables -----------------------------------------------------------------------------------------------------


def test_overtime_beyond_the_weeks_paid_hours_stays_on_the_last_shift() -> None:
    result = ScheduleResult(
        status=SolveStatus.FEASIBLE, objective=0.0, best_bound=0.0, runtime_seconds=0.0,
        shifts=(shift("A1", MONDAY, "day", "08:00"),), overtime_hours={("A1", MONDAY): 10.0},
    )  # fmt: skip
    assert list(overtime_per_shift(result).values()) == [10.0]
    assert shifts_table(make_scenario(), result)["overtime_hours"].sum() == 10.0


def test_overtime_of_a_week_starting_on_a_wednesday_goes_to_that_weeks_shifts() -> None:
    # Found by the independent validator's author: planning weeks start on the horizon's first day, so a
    # Wednesday horizon keys overtime by Wednesday; grouping shifts by ISO Monday lost them ("no shift in that
    # week") and `wfm run` failed. The week from Wednesday holds the following Tuesday's shift too.
    wednesday = MONDAY + dt.timedelta(days=2)
    tuesday = MONDAY + dt.timedelta(days=8)
    result = ScheduleResult(
        status=SolveStatus.FEASIBLE, objective=0.0, best_bound=0.0, runtime_seconds=0.0,
        shifts=(shift("A1", wednesday, "day", "08:00"), shift("A1", tuesday, "day", "08:00")),
        overtime_hours={("A1", wednesday): 2.0},
    )  # fmt: skip
    by_shift = {s.date: hours for s, hours in overtime_per_shift(result).items()}
    assert by_shift == {tuesday: 2.0}  # the latest shift of the week takes the overtime


def test_overtime_in_a_week_without_shifts_is_an_inconsistent_plan() -> None:
    result = ScheduleResult(
        status=SolveStatus.FEASIBLE, objective=0.0, best_bound=0.0, runtime_seconds=0.0,
        shifts=(shift("A1", MONDAY, "day", "08:00"),), overtime_hours={("A1", MONDAY + dt.timedelta(days=7)): 1.0},
    )  # fmt: skip
    with pytest.raises(ValueError, match="no shift in that week"):
        shifts_table(make_scenario(), result)


def test_a_shift_of_an_unknown_agent_is_rejected() -> None:
    result = ScheduleResult(
        status=SolveStatus.FEASIBLE, objective=0.0, best_bound=0.0, runtime_seconds=0.0,
        shifts=(shift("ZZ", MONDAY, "day", "08:00"),),
    )  # fmt: skip
    with pytest.raises(ValueError, match="agent 'ZZ'"):
        shifts_table(make_scenario(), result)


def test_a_plan_without_shifts_gives_empty_tables_with_the_contract_columns() -> None:
    empty = ScheduleResult(status=SolveStatus.INFEASIBLE, objective=None, best_bound=None, runtime_seconds=1.0)
    assert list(shifts_table(make_scenario(), empty).columns) == [
        "agent_id", "date", "template", "shift_start", "shift_end", "paid_hours", "overtime_hours",
    ]  # fmt: skip
    assert list(assignments_table(empty).columns) == ["agent_id", "start", "end", "activity", "queue", "reason"]
    assert len(assignments_table(empty)) == 0


# --- roster.xlsx ------------------------------------------------------------------------------------------------


def roster_rows(path: Path) -> tuple[list[str], dict[str, list[openpyxl.cell.cell.Cell]]]:
    sheet = openpyxl.load_workbook(path)["Roster"]
    rows = list(sheet.iter_rows())
    headers = [c.value for c in rows[0]]
    agents = takewhile(lambda row: row[0].value is not None, rows[1:])  # then the head counts and legend
    return headers, {row[0].value: list(row) for row in agents}


def test_roster_sheet_shows_shifts_off_days_and_time_off(run_folder: Path) -> None:
    headers, by_agent = roster_rows(run_folder / "roster.xlsx")
    assert headers == ["Agent ID", "Name", "Team", "Office", "Contract", "Mon 02 Mar", "Tue 03 Mar",
                       "Contract h", "Leave h", "Paid h", "Overtime h"]  # fmt: skip
    monday, tuesday = headers.index("Mon 02 Mar"), headers.index("Tue 03 Mar")
    assert by_agent["A1"][monday].value == "08:00–16:30"
    assert by_agent["A1"][tuesday].value == "OFF"
    assert by_agent["A2"][monday].value == "12:00–20:30"
    assert by_agent["A2"][tuesday].value == "Annual leave"
    assert by_agent["A3"][tuesday].value == "08:00–16:30"
    # Contracted (2 of the 5 working days of 37.5 h: 15), leave, paid and overtime hours of the week.
    assert [by_agent["A3"][i].value for i in (-4, -3, -2, -1)] == [15, 0, 16, 9]
    assert [by_agent["A1"][i].value for i in (-4, -3, -2, -1)] == [15, 0, 8, 0.5]
    assert by_agent["A2"][-3].value == 0  # Tuesday's leave ends 23:59: not a whole day, so no hours credited
    assert by_agent["A1"][-2].number_format == "General"  # 8 prints as 8, not 8.00
    # Shift cells carry the home office's colour: front and back differ.
    front = by_agent["A1"][monday].fill.fgColor.rgb
    back = by_agent["A3"][monday].fill.fgColor.rgb
    assert front.endswith("DDEBF7") and back.endswith("FCE4D6")


def test_roster_rows_are_grouped_by_office_then_team_then_name(run_folder: Path) -> None:
    sheet = openpyxl.load_workbook(run_folder / "roster.xlsx")["Roster"]
    rows = takewhile(lambda r: r[0] is not None, sheet.iter_rows(min_row=2, values_only=True))
    order = [(r[0], r[3], r[2]) for r in rows]
    assert order == [("A2", "front", "+Red"), ("A1", "front", "Blue"), ("A3", "back", "Claims")]


def test_input_text_that_looks_like_a_formula_is_stored_as_text(run_folder: Path) -> None:
    _, by_agent = roster_rows(run_folder / "roster.xlsx")
    name = by_agent["A2"][1]
    assert name.value == EVIL_NAME
    assert name.data_type == "s"
    assert name.quotePrefix
    team = by_agent["A2"][2]
    assert (team.value, team.data_type) == ("+Red", "s")


def test_roster_workbook_is_print_ready_with_frozen_header(run_folder: Path) -> None:
    workbook = openpyxl.load_workbook(run_folder / "roster.xlsx")
    assert workbook.sheetnames == [
        "Summary", "Roster", "Mon 02 Mar", "Tue 03 Mar", "Coverage", "Forecast", "Overtime", "Inputs"
    ]  # fmt: skip
    roster = workbook["Roster"]
    assert roster.freeze_panes == "C2"
    assert roster["A1"].font.bold
    assert roster.page_setup.orientation == "landscape"
    assert roster.page_setup.fitToWidth == 1
    assert roster.sheet_properties.pageSetUpPr.fitToPage
    assert roster.print_title_rows == "$1:$1"
    assert roster.print_title_cols == "$A:$B"
    assert roster.oddHeader.left.text == "Harbour && Co"  # a literal "&" is doubled in header codes
    assert roster.oddHeader.right.text == "2026-03-02 – 2026-03-03"
    for name in workbook.sheetnames:  # every sheet prints landscape, one page wide, with site and dates on top
        sheet = workbook[name]
        assert sheet.page_setup.orientation == "landscape" and sheet.page_setup.fitToWidth == 1, name
        assert sheet.oddHeader.right.text == "2026-03-02 – 2026-03-03", name
        assert sheet.oddFooter.right.text == "Page &P of &N", name


def test_summary_rates_each_queue_green_amber_or_red(run_folder: Path) -> None:
    sheet = openpyxl.load_workbook(run_folder / "roster.xlsx")["Summary"]
    values = {row[0].value: row for row in sheet.iter_rows() if row and row[0].value}
    assert sheet["A1"].value == "Plan summary \u2013 Harbour & Co"
    assert values["Overtime hours"][1].value == 9.5
    assert values["Overtime hours"][1].number_format == "#,##0.0"  # hours, to one decimal
    voice, claims = values["retail_voice"], values["claims"]
    # 78 % against an 80 % target is within 5 points: amber. No claims item past SLA: green.
    assert (voice[4].value, voice[5].value, voice[6].value) == ("80% in 20 s", 0.78, "close")
    assert voice[6].fill.fgColor.rgb.endswith("FFEB9C")
    assert (claims[4].value, claims[5].value, claims[6].value) == ("within 24 h", "0 late", "on target")
    assert claims[6].fill.fgColor.rgb.endswith("C6EFCE")
    assert voice[3].value == pytest.approx(96 * 12.345678)  # forecast volume over the horizon
    assert voice[3].number_format == "#,##0"  # a count: whole numbers
    offices = [c.value for c in values["Office"] if c.value]
    assert offices == ["Office", "Service level", "On queues (agent-h)", "Items past SLA"]
    assert [values[o][1].value for o in ("front", "back")] == [0.78, None]
    # The solver's figures come last, in a planner's words.
    labels = [row[0].value for row in sheet.iter_rows() if row and row[0].value]
    assert labels.index("How good the plan is") > labels.index("Offices")
    # objective 1,250 against a bound of 1,200: at most 50 more, 4.2 % of the best plan's cost
    assert values["Plan quality"][1].value == "costs at most 4.2% more than the best possible plan (proven)"
    assert values["Solver status"][1].value == "FEASIBLE"


def test_coverage_sheet_marks_intervals_scheduled_below_required(run_folder: Path) -> None:
    sheet = openpyxl.load_workbook(run_folder / "roster.xlsx")["Coverage"]
    rows = list(sheet.iter_rows(min_row=2))
    assert len(rows) == 2 * 96
    assert sheet.freeze_panes == "C2"
    by_key = {(r[0].value, r[1].value): r for r in rows}
    short = by_key[(at(MONDAY, "08:00"), "retail_voice")]
    full = by_key[(at(MONDAY, "09:00"), "retail_voice")]
    assert (short[6].value, short[7].value) == (2.456, 2.0)
    assert full[7].value == 3.0
    # Shortfalls turn red by a conditional format on the Scheduled column (H) against Required (G), so the mark
    # follows the figures when a planner edits them.
    (rule_range,) = [str(r.sqref) for r in sheet.conditional_formatting]
    assert rule_range == "H2:H193"
    (rule,) = sheet.conditional_formatting[rule_range]
    assert rule.formula == ["AND(ISNUMBER($G2),ISNUMBER($H2),$H2<$G2-0.000001)"]
    assert rule.dxf.fill.fgColor.rgb.endswith("FFC7CE")
    # Queue after queue, each queue's intervals in time order (site order: retail_voice, then claims).
    assert [r[1].value for r in rows[:96]] == ["retail_voice"] * 96
    assert [r[0].value for r in rows[:3]] == [at(MONDAY, "00:00"), at(MONDAY, "00:30"), at(MONDAY, "01:00")]
    claims = by_key[(at(MONDAY, "08:00"), "claims")]
    assert (claims[8].value, claims[13].value) == (None, 0.5)  # deferred: no service level, a backlog


def day_sheet(path: Path, title: str) -> tuple[list[object], dict[str, list[object]], dict[str, list[list[object]]]]:
    """The intraday sheet's interval headers, each agent's row, and the staffing rows per queue label."""
    rows = list(openpyxl.load_workbook(path)[title].iter_rows(values_only=True))
    header_at = next(i for i, r in enumerate(rows) if r[0] == "Agent ID")
    staffing_at = next(i for i, r in enumerate(rows) if r[0] == "Staffing")
    agents = {r[0]: list(r) for r in rows[header_at + 1 : staffing_at] if r[0]}
    staffing: dict[str, list[list[object]]] = {}
    label = ""
    for r in rows[staffing_at + 1 :]:
        label = r[0] or label
        staffing.setdefault(label, []).append(list(r))
    header = list(rows[header_at])
    while header and header[-1] is None:  # the legend row may reach further right than the time columns
        header.pop()
    return header, agents, staffing


def test_day_sheets_show_every_stint_and_activity_as_one_block_with_its_code(run_folder: Path) -> None:
    # Every segment of every Monday shift reads as one block: its code in its first interval, blank after it
    # (the colour continues: next test).
    header, agents, _ = day_sheet(run_folder / "roster.xlsx", "Mon 02 Mar")
    assert header[:5] == ["Agent ID", "Name", "Team", "Office", "Shift"]
    assert header[5] == "08:00" and header[-1] == "20:00"  # first start to last end (A2's 12:00-20:30)
    assert list(agents) == ["A2", "A1", "A3"]  # office, team, name order as on the Roster
    code = {"retail_voice": "RETA", "claims": "CLAI", "lunch": "LUN", "training": "TRA"}
    checked = 0
    for segment in make_result().segments:
        if segment.start.date() != MONDAY:
            continue
        moment = segment.start
        while moment < segment.end:
            column = header.index(f"{moment:%H:%M}")
            expected = code[segment.queue or segment.activity] if moment == segment.start else None
            assert agents[segment.agent_id][column] in (expected, "" if expected is None else expected), (
                segment,
                moment,
            )
            checked += 1
            moment += dt.timedelta(minutes=30)
    assert checked == 3 * 17  # three 8.5-hour shifts of 30-minute intervals
    assert agents["A1"][4] == "08:00–16:30"
    assert agents["A1"][header.index("17:00")] is None  # after A1's shift
    assert agents["A2"][1] == EVIL_NAME  # text from the inputs stays text here too


def test_day_sheet_colours_come_from_its_legend(run_folder: Path) -> None:
    sheet = openpyxl.load_workbook(run_folder / "roster.xlsx")["Mon 02 Mar"]
    # Legend rows: from row 2 to the blank row above the header; a coloured code, then its meaning.
    header_row = next(r[0].row for r in sheet.iter_rows() if r[0].value == "Agent ID")
    legend_cells = [row[i : i + 2] for row in sheet.iter_rows(min_row=2, max_row=header_row - 2)
                    for i in range(5, len(row) - 1, 5) if row[i].value]  # fmt: skip
    assert header_row - 3 == 2  # 6 entries, 4 a row over the 25 half-hours from 08:00 to 20:30
    legend = {code.value: code.fill.fgColor.rgb for code, _ in legend_cells}
    meaning = {code.value: text.value for code, text in legend_cells}
    assert meaning == {"RETA": "retail_voice", "CLAI": "claims", "BRK": "break", "LUN": "lunch",
                       "TRA": "training", "·": "on shift, no queue open"}  # fmt: skip
    grid = [c for row in sheet.iter_rows(min_row=header_row + 1) for c in row[5:] if isinstance(c.value, str)]
    assert grid and all(c.fill.fgColor.rgb == legend[c.value] for c in grid if c.value in legend and c.value != "·")
    # a block's blank cells carry its colour: A1's retail_voice 12:30-16:30 after its code at 12:30
    a1 = next(row for row in sheet.iter_rows(min_row=header_row + 1) if row[0].value == "A1")
    hours = [c.value for c in next(sheet.iter_rows(min_row=header_row, max_row=header_row))]
    block = a1[hours.index("12:30") : hours.index("16:30")]
    assert block[0].value == "RETA" and all(c.value in (None, "") for c in block[1:])
    assert {c.fill.fgColor.rgb for c in block} == {legend["RETA"]}


def test_day_sheet_staffing_rows_match_the_coverage_with_shortfalls_in_red(run_folder: Path) -> None:
    header, _, staffing = day_sheet(run_folder / "roster.xlsx", "Mon 02 Mar")
    voice = staffing["retail_voice (front)"]
    assert [r[4] for r in voice] == ["Required", "Scheduled", "Service level"]
    nine, eight = header.index("09:00"), header.index("08:00")
    assert (voice[0][eight], voice[1][eight], voice[2][eight]) == (2.456, 2.0, 0.812345)
    assert voice[1][nine] == 3.0
    claims = staffing["claims (back)"]
    # Deferred work has no per-interval requirement: what arrived, who works it, what waits (whole items).
    assert [r[4] for r in claims] == ["Items arrived", "Scheduled", "Items waiting"]
    assert (claims[1][eight], claims[2][eight]) == (1.0, 0.5)
    sheet = openpyxl.load_workbook(run_folder / "roster.xlsx")["Mon 02 Mar"]
    scheduled_row = next(r for r in sheet.iter_rows() if r[4].value == "Scheduled")
    assert scheduled_row[eight].fill.fgColor.rgb.endswith("FFC7CE")  # 2.0 against 2.456
    assert scheduled_row[nine].fill.fill_type is None  # 3.0: covered


def test_day_sheet_marks_a_segment_that_starts_mid_interval_and_a_shift_ending_at_midnight(tmp_path: Path) -> None:
    # A break 10:00-10:15 then work from 10:15 on a 30-minute grid: the work is not lost for starting off the
    # grid (the 10:00 interval, holding the break and the work's start, shows the work that goes on, and every
    # later interval too). A shift to midnight reads 24:00, as on the Roster.
    shifts = (
        ShiftAssignment("A1", MONDAY, "day", at(MONDAY, "08:00"), at(MONDAY, "16:30"), 480),
        ShiftAssignment("A2", MONDAY, "late", at(MONDAY, "15:30"), at(TUESDAY, "00:00"), 480),
    )
    segments = (
        Segment("A1", at(MONDAY, "08:00"), at(MONDAY, "10:00"), "work", "retail_voice"),
        Segment("A1", at(MONDAY, "10:00"), at(MONDAY, "10:15"), "break"),
        Segment("A1", at(MONDAY, "10:15"), at(MONDAY, "16:30"), "work", "claims"),
    )
    result = ScheduleResult(status=SolveStatus.OPTIMAL, objective=0.0, best_bound=0.0, runtime_seconds=0.1,
                            shifts=shifts, segments=segments)  # fmt: skip
    path = tmp_path / "roster.xlsx"
    write_roster(path, scenario=make_scenario(), result=result, coverage=make_coverage(), kpis={},
                 forecast=make_forecast())  # fmt: skip
    header, agents, _ = day_sheet(path, "Mon 02 Mar")
    a1 = agents["A1"]
    assert a1[header.index("08:00")] == "RETA" and a1[header.index("09:30")] in (None, "")  # one block
    assert a1[header.index("10:00")] == "CLAI"
    assert all(a1[header.index(f"{h:02d}:{m:02d}")] in (None, "") for h in range(11, 16) for m in (0, 30))
    assert agents["A2"][4] == "15:30–24:00"


def test_a_day_without_shifts_still_has_its_sheet(tmp_path: Path) -> None:
    result = ScheduleResult(status=SolveStatus.OPTIMAL, objective=0.0, best_bound=0.0, runtime_seconds=0.1)
    path = tmp_path / "roster.xlsx"
    write_roster(path, scenario=make_scenario(), result=result, coverage=make_coverage(), kpis={},
                 forecast=make_forecast())  # fmt: skip
    header, agents, _ = day_sheet(path, "Tue 03 Mar")
    assert agents == {} and header[5] == "08:00"


def test_forecast_sheet_has_volume_and_aht_per_queue_and_interval(run_folder: Path) -> None:
    rows = list(openpyxl.load_workbook(run_folder / "roster.xlsx")["Forecast"].iter_rows(values_only=True))
    assert rows[0] == ("Interval start", "retail_voice volume", "retail_voice AHT (s)", "claims volume",
                       "claims AHT (s)")  # fmt: skip
    assert len(rows) == 1 + 96
    assert rows[1] == (at(MONDAY, "00:00"), 12.345678, 300.04, 3.0, 900.0)


def test_overtime_sheet_lists_each_agent_week_with_overtime_largest_first_and_a_total(run_folder: Path) -> None:
    rows = list(openpyxl.load_workbook(run_folder / "roster.xlsx")["Overtime"].iter_rows(values_only=True))
    assert rows[0][:9] == ("Agent ID", "Name", "Team", "Office", "Contract", "Week starting", "Contracted hours",
                           "Paid hours", "Overtime hours")  # fmt: skip
    assert [(r[0], r[8]) for r in rows[1:3]] == [("A3", 9.0), ("A1", 0.5)]
    # A3: two 8-hour shifts; the 2-day horizon contracts 2 of the 5 working days' 37.5 hours: 15.0.
    assert rows[1][6:8] == (15.0, 16.0)
    assert rows[-1][0] == "Total" and rows[-1][8] == 9.5


def test_inputs_sheet_lists_the_scenario_files_and_hashes(tmp_path: Path) -> None:
    path = tmp_path / "roster.xlsx"
    hashes = {"staff.csv": "ab" * 32, "=site.toml": "cd" * 32}
    write_roster(path, scenario=make_scenario(), result=make_result(), coverage=make_coverage(), kpis=make_kpis(),
                 forecast=make_forecast(), inputs=hashes)  # fmt: skip
    sheet = openpyxl.load_workbook(path)["Inputs"]
    rows = list(sheet.iter_rows(values_only=True))
    assert rows == [("Input file", "SHA-256"), ("=site.toml", "cd" * 32), ("staff.csv", "ab" * 32)]
    assert sheet["A2"].data_type == "s"  # a file name is never a formula


def test_summary_charts_required_against_scheduled_staff_per_day(run_folder: Path) -> None:
    sheet = openpyxl.load_workbook(run_folder / "roster.xlsx")["Summary"]
    rows = list(sheet.iter_rows(values_only=True))
    at_table = next(i for i, r in enumerate(rows) if r[0] == "Day")
    assert rows[at_table][:4] == ("Day", "Required", "Scheduled", "Short of required")
    # Live queues only. Monday: retail_voice 48 intervals x 2.456 required x 0.5 h = 58.944 -> 58.9 agent-hours;
    # scheduled 47 x 2 + 1 x 3 = 97 agent-intervals x 0.5 h = 48.5 (claims' staff is not counted against a live
    # requirement); short 47 x 0.456 x 0.5 = 10.716 -> 10.7.
    assert rows[at_table + 1][:4] == ("Mon 02 Mar", 58.9, 48.5, 10.7)
    workbook = openpyxl.load_workbook(run_folder / "roster.xlsx")
    assert [type(c).__name__ for c in workbook["Summary"]._charts] == ["BarChart"]
    assert [type(c).__name__ for c in workbook["Coverage"]._charts] == ["LineChart", "LineChart"]


@pytest.mark.skipif(
    soffice() is None, reason=f"LibreOffice is not installed here ({INSTALL_HINT}); .ci/run installs it"
)
def test_libreoffice_prints_the_workbook_on_a_sane_number_of_pages(run_folder: Path, tmp_path: Path) -> None:
    # Eight sheets, each fitted to one page wide: at least a page per sheet, and the 192 coverage rows and 96
    # forecast rows must not explode into hundreds of pages (e.g. if fit-to-width were lost).
    pdf = to_pdf(run_folder / "roster.xlsx", tmp_path)
    pages = pdf_pages(pdf.read_bytes())
    assert 8 <= pages <= 30, pages


@pytest.mark.parametrize(
    ("kind", "kpi", "rating"),
    [
        ("live", {"service_level": 0.80, "service_level_target": 0.80}, "green"),
        ("live", {"service_level": 0.75, "service_level_target": 0.80}, "amber"),
        ("live", {"service_level": 0.7499, "service_level_target": 0.80}, "red"),
        ("live", {"service_level": None}, None),
        ("deferred", {"items_past_sla": 0, "items_arrived": 100}, "green"),
        ("deferred", {"items_past_sla": 2, "items_arrived": 100}, "amber"),
        ("deferred", {"items_past_sla": 3, "items_arrived": 100}, "red"),
    ],
)
def test_queue_rating_thresholds(kind: str, kpi: dict[str, float | None], rating: str | None) -> None:
    queue = make_site().queues[0 if kind == "live" else 1]
    assert queue_rating(queue, kpi) == rating


def test_a_shift_ending_at_midnight_reads_24_00(tmp_path: Path) -> None:
    scenario = make_scenario()
    late = ShiftAssignment("A1", MONDAY, "late", at(MONDAY, "15:30"), at(TUESDAY, "00:00"), 480)
    result = ScheduleResult(status=SolveStatus.OPTIMAL, objective=0.0, best_bound=0.0, runtime_seconds=0.1,
                            shifts=(late,))  # fmt: skip
    path = tmp_path / "roster.xlsx"
    write_roster(path, scenario=scenario, result=result, coverage=make_coverage(), kpis={}, forecast=make_forecast())
    _, by_agent = roster_rows(path)
    assert by_agent["A1"][5].value == "15:30–24:00"


# --- speed ------------------------------------------------------------------------------------------------------


def test_a_thousand_agents_for_a_week_write_in_a_few_seconds(tmp_path: Path) -> None:
    days = 7
    queues = tuple(
        Queue(id=f"voice_{i}", office=Office.FRONT, channel="voice", kind=QueueKind.LIVE, service_level=0.8,
              answer_seconds=20)
        for i in range(4)
    ) + tuple(
        Queue(id=f"case_{i}", office=Office.BACK, channel="case", kind=QueueKind.DEFERRED, sla_hours=24)
        for i in range(4)
    )  # fmt: skip
    site = make_site(days=days, queues=queues)
    offices = list(Office)
    agents = tuple(
        Agent(agent_id=f"E{i:04d}", name=f"Agent {i:04d}", office=offices[i % 3], team=f"Team {i % 25}",
              contract="ft")
        for i in range(1000)
    )  # fmt: skip
    scenario = Scenario(
        site=site,
        agents=agents,
        skills=tuple(Skill(agent_id=a.agent_id, queue=queues[i % 8].id) for i, a in enumerate(agents)),
        time_off=tuple(
            TimeOff(agent_id=a.agent_id, start=at(MONDAY, "00:00"), end=at(TUESDAY, "00:00"), reason="Annual leave")
            for a in agents[::10]
        ),
        history=pd.DataFrame(columns=["interval_start", "queue", "volume", "aht_seconds"]),
    )
    shifts: list[ShiftAssignment] = []
    segments: list[Segment] = []
    for i, agent in enumerate(agents):
        queue = queues[i % 8].id
        for day in site.horizon.dates[:5]:
            start = at(day, "08:00")
            shifts.append(ShiftAssignment(agent.agent_id, day, "day", start, start + dt.timedelta(minutes=510), 480))
            # Ten segments a shift: work blocks around two breaks and a lunch.
            for k in range(10):
                begin = start + dt.timedelta(minutes=51 * k)
                activity = "work" if k not in (3, 5, 7) else ("lunch" if k == 5 else "break")
                segments.append(Segment(agent.agent_id, begin, begin + dt.timedelta(minutes=51), activity,
                                        queue if activity == "work" else None))  # fmt: skip
    result = ScheduleResult(
        status=SolveStatus.FEASIBLE, objective=1.0, best_bound=0.9, runtime_seconds=60.0,
        shifts=tuple(shifts), segments=tuple(segments),
        overtime_hours={(a.agent_id, MONDAY): 2.5 for a in agents[::7]},
    )  # fmt: skip
    starts = pd.date_range(pd.Timestamp(MONDAY), periods=96 * days, freq="15min")
    n = len(starts) * len(queues)
    rng = np.random.default_rng(7)
    forecast = pd.DataFrame(
        {
            "interval_start": np.tile(starts, len(queues)),
            "queue": np.repeat([q.id for q in queues], len(starts)),
            "volume": rng.uniform(0, 40, n),
            "aht_seconds": rng.uniform(200, 600, n),
        }
    )
    live = forecast["queue"].str.startswith("voice").to_numpy()
    requirements = forecast.assign(
        kind=np.where(live, "live", "deferred"), required_agents=rng.uniform(0, 20, n),
        arrival_work_minutes=np.nan, due_items=np.nan, due_work_minutes=np.nan, deadline_index=0,
    )  # fmt: skip
    coverage = pd.DataFrame(
        {
            "interval_start": forecast["interval_start"], "queue": forecast["queue"],
            "office": np.where(live, "front", "back"), "kind": np.where(live, "live", "deferred"),
            "forecast_volume": forecast["volume"], "aht_seconds": forecast["aht_seconds"],
            "required_agents": rng.uniform(0, 20, n), "scheduled_agents": rng.uniform(0, 20, n),
            "service_level": np.where(live, rng.uniform(0, 1, n), np.nan),
            "asa_seconds": np.where(live, rng.uniform(0, 60, n), np.nan),
            "occupancy": np.where(live, rng.uniform(0, 1, n), np.nan),
            "arrivals": np.where(live, np.nan, 5.0), "completed": np.where(live, np.nan, 4.0),
            "backlog": np.where(live, np.nan, 1.0), "items_past_sla": np.where(live, np.nan, 0.0),
        }
    )  # fmt: skip

    # CPU time of this process, so that the other test worker's load counts little: 7.2 s alone, 10.1 s seen
    # beside the other worker (shared caches); the budget catches a write twice as slow.
    began = time.process_time()
    write_run_files(tmp_path, scenario=scenario, forecast=forecast, requirements=requirements, coverage=coverage,
                    kpis=make_kpis(), result=result)  # fmt: skip
    seconds = time.process_time() - began
    print(f"\n1,000 agents x 7 days, {n:,} coverage rows, {len(segments):,} segments: {seconds:.2f} s")
    assert seconds < 15
    _, rows = read_csv(tmp_path / "shifts.csv")
    assert len(rows) == 5000
    assert math.isclose(sum(float(r["overtime_hours"]) for r in rows), 2.5 * len(agents[::7]))


def test_a_plain_export_prints_one_page_wide_with_long_activity_text_wrapped(tmp_path: Path) -> None:
    from wfm.reports.excel import LINE_POINTS, write_tables_xlsx

    long_day = " · ".join(
        f"{h:02d}:00–{h:02d}:45 correspondence · {h:02d}:45–{h + 1:02d}:00 break" for h in range(8, 16)
    )
    week = pd.DataFrame({"Day": ["Mon 02 Mar", "Tue 03 Mar"], "Activities": [long_day, "time off all day"]})
    path = tmp_path / "week.xlsx"
    write_tables_xlsx(path, [("Week", week)], title="Plan for A0042")

    sheet = openpyxl.load_workbook(path)["Week"]
    assert (sheet.page_setup.orientation, sheet.page_setup.fitToWidth, sheet.page_setup.fitToHeight) == (
        "landscape",
        1,
        0,
    )
    assert sheet.column_dimensions["B"].width == 60  # the widest a column gets; the rest wraps inside it
    assert sheet["B4"].alignment.wrap_text
    # 389 characters at 58 a line, broken between words: 8 lines, each LINE_POINTS tall; a short row keeps its own.
    assert sheet.row_dimensions[4].height == 8 * LINE_POINTS
    assert sheet.row_dimensions[5].height is None


def test_coverage_prints_its_charts_two_to_a_page_and_holds_open_hours_only(tmp_path: Path) -> None:
    # Two queues open 08:00-10:00 on a one-day horizon: the rows are those four half-hours each, and on paper the
    # sheet is its two charts.
    scenario = make_scenario()
    queues = tuple(q.model_copy(update={"open": "08:00", "close": "10:00"}) for q in scenario.site.queues)
    scenario = scenario.model_copy(update={"site": scenario.site.model_copy(update={"queues": queues})})
    coverage = make_coverage()
    hour = pd.to_datetime(coverage["interval_start"]).dt.hour
    closed = (hour < 8) | (hour >= 10)
    coverage.loc[closed, ["required_agents", "scheduled_agents"]] = 0.0  # nobody needed or there at night
    path = tmp_path / "roster.xlsx"
    write_roster(path, scenario=scenario, result=make_result(), coverage=coverage, kpis=make_kpis(),
                 forecast=make_forecast())  # fmt: skip
    sheet = openpyxl.load_workbook(path)["Coverage"]
    rows = [r for r in sheet.iter_rows(min_row=2, values_only=True) if r[0] is not None]
    assert {r[0].strftime("%H:%M") for r in rows} <= {"08:00", "08:30", "09:00", "09:30"}
    assert sheet.print_area == "'Coverage'!$Q$1:$AC$29"
    assert [t.title.tx.rich.p[0].r[0].t for t in sheet._charts][1].startswith("claims: agents on it and items")
