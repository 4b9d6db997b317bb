"""The command line as a planner uses it: the whole loop on the bundled sample, bad input, exit codes."""

from __future__ import annotations

import json
import shutil
from itertools import takewhile
from pathlib import Path

import pandas as pd
import pytest
from openpyxl import load_workbook
from typer.testing import CliRunner

from wfm.cli import app
from wfm.pipeline import EXIT_BAD_INPUT, EXIT_NO_PLAN

SAMPLE = Path(__file__).resolve().parents[1] / "data" / "sample"
CONTRACT_FILES = {
    "forecast.csv",
    "requirements.csv",
    "shifts.csv",
    "assignments.csv",
    "coverage.csv",
    "kpis.json",
    "roster.xlsx",
    "manifest.json",
    "forecast_accuracy.csv",
    "staffing_summary.csv",
}
runner = CliRunner()


@pytest.fixture(scope="module")
def run_folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("schedules")
    result = runner.invoke(app, ["run", str(SAMPLE), "--out", str(out), "--seed", "7", "--time-limit", "8", "--quiet"])
    assert result.exit_code == 0, result.output
    return out / "2026-03-02"


def test_run_writes_the_complete_output_contract(run_folder: Path) -> None:
    assert {p.name for p in run_folder.iterdir()} == CONTRACT_FILES
    manifest = json.loads((run_folder / "manifest.json").read_text())
    assert manifest["seed"] == 7
    assert manifest["status"] in ("OPTIMAL", "FEASIBLE")
    assert set(manifest["inputs_sha256"]) >= {"site.toml", "staff.csv", "history.csv"}
    assert not list(run_folder.parent.glob(".*tmp*")), "no staging folder left behind"


def agent_rows(rows: list[tuple[object, ...]]) -> list[tuple[object, ...]]:
    """The Roster's agent rows: after the header, up to the blank row before the head counts and legend."""
    return list(takewhile(lambda row: bool(row) and row[0] is not None, rows[1:]))


def test_every_shift_in_shifts_csv_is_on_the_roster_sheet(run_folder: Path) -> None:
    shifts = pd.read_csv(run_folder / "shifts.csv", dtype={"agent_id": str})
    sheet = load_workbook(run_folder / "roster.xlsx", read_only=True)["Roster"]
    rows = list(sheet.iter_rows(values_only=True))
    header = [str(c) for c in rows[0]]
    id_column = header.index(next(h for h in header if "ID" in h.upper()))
    cells_by_agent = {str(r[id_column]): [str(c) for c in r if c is not None] for r in agent_rows(rows)}
    assert len(shifts) > 500
    for shift in shifts.itertuples():
        start = str(shift.shift_start)[11:16]
        assert any(cell.startswith(start) for cell in cells_by_agent[shift.agent_id]), shift


def test_roster_totals_agree_with_shifts_csv(run_folder: Path) -> None:
    # The Roster's weekly paid and overtime hours per agent are the sums of that agent's rows in shifts.csv,
    # and the Overtime sheet's total is the plan's overtime.
    shifts = pd.read_csv(run_folder / "shifts.csv", dtype={"agent_id": str})
    paid = shifts.groupby("agent_id")["paid_hours"].sum()
    overtime = shifts.groupby("agent_id")["overtime_hours"].sum()
    workbook = load_workbook(run_folder / "roster.xlsx", read_only=True)
    rows = list(workbook["Roster"].iter_rows(values_only=True))
    header = list(rows[0])
    paid_at, overtime_at = header.index("Paid h"), header.index("Overtime h")
    for row in agent_rows(rows):
        assert row[paid_at] == pytest.approx(paid.get(row[0], 0.0), abs=0.01), row[0]
        assert row[overtime_at] == pytest.approx(overtime.get(row[0], 0.0), abs=0.01), row[0]
    overtime_rows = list(workbook["Overtime"].iter_rows(values_only=True))
    total = overtime_rows[-1][8] if overtime_rows[-1][0] == "Total" else 0.0
    assert total == pytest.approx(shifts["overtime_hours"].sum(), abs=0.01)


def test_kpis_cover_every_queue_and_agree_with_coverage(run_folder: Path) -> None:
    kpis = json.loads((run_folder / "kpis.json").read_text())
    coverage = pd.read_csv(run_folder / "coverage.csv")
    assert set(kpis["queues"]) == set(coverage["queue"])
    past_sla = coverage["items_past_sla"].sum()
    assert kpis["overall"]["items_past_sla"] == pytest.approx(past_sla, rel=1e-3, abs=0.5)


def test_export_one_agent_as_json(run_folder: Path, tmp_path: Path) -> None:
    agent = pd.read_csv(run_folder / "shifts.csv", dtype={"agent_id": str})["agent_id"].iloc[0]
    target = tmp_path / "one.json"
    result = runner.invoke(app, ["export", str(run_folder), "--format", "json", "--agent", agent, "--out", str(target)])
    assert result.exit_code == 0, result.output
    document = json.loads(target.read_text())
    assert document["shifts"] and {s["agent_id"] for s in document["shifts"]} == {agent}


def test_export_one_agent_as_a_workbook_they_can_read(run_folder: Path, tmp_path: Path) -> None:
    # The person's Week sheet: a row per horizon day, their shift or OFF, paid hours, and every activity inside
    # the shift in time order, as in shifts.csv and assignments.csv.
    shifts = pd.read_csv(run_folder / "shifts.csv", dtype={"agent_id": str})
    agent = shifts["agent_id"].iloc[0]
    target = tmp_path / "one.xlsx"
    result = runner.invoke(app, ["export", str(run_folder), "--format", "xlsx", "--agent", agent, "--out", str(target)])
    assert result.exit_code == 0, result.output
    workbook = load_workbook(target)
    assert workbook.sheetnames == ["Week", "Shifts", "Activities"]
    rows = list(workbook["Week"].iter_rows(values_only=True))
    assert rows[0][0] == f"Plan for {agent}, run 2026-03-02"
    assert rows[2] == ("Day", "Shift", "Paid hours", "Overtime hours", "Activities")
    week = {r[0]: r for r in rows[3:]}
    assert len(week) == 7
    mine = shifts[shifts["agent_id"] == agent]
    activities = pd.read_csv(run_folder / "assignments.csv", dtype={"agent_id": str})
    activities = activities[activities["agent_id"] == agent]
    for shift in mine.itertuples():
        start, end = pd.Timestamp(shift.shift_start), pd.Timestamp(shift.shift_end)
        row = week[f"{start:%a %d %b}"]
        assert row[1].startswith(f"{start:%H:%M}–") and row[2] == pytest.approx(shift.paid_hours)
        inside = activities[
            (pd.to_datetime(activities["start"]) >= start) & (pd.to_datetime(activities["start"]) < end)
        ]
        assert row[4].count(" · ") == len(inside) - 1
    assert sum(r[1] == "OFF" for r in week.values()) == 7 - len(mine)


def test_export_keeps_ids_that_look_like_numbers_or_missing_values(run_folder: Path, tmp_path: Path) -> None:
    # Agent "NA" (pandas' missing value) and queue "0101" (a number) must come out as written.
    folder = tmp_path / "run"
    shutil.copytree(run_folder, folder)
    shifts = (folder / "shifts.csv").read_text()
    agent = shifts.splitlines()[1].split(",")[0]
    for name in ("shifts.csv", "assignments.csv"):
        text = (folder / name).read_text().replace(f"{agent},", "NA,").replace(",voice_service", ",0101")
        (folder / name).write_text(text)
    target = tmp_path / "na.json"
    result = runner.invoke(app, ["export", str(folder), "--format", "json", "--agent", "NA", "--out", str(target)])
    assert result.exit_code == 0, result.output
    document = json.loads(target.read_text())
    assert {s["agent_id"] for s in document["shifts"]} == {"NA"}
    queues = {a["queue"] for a in document["activities"]}
    assert queues <= {None, "0101"} | {q for q in queues if q and not q[0].isdigit()}
    assert all(isinstance(row["Activities"], str) for row in document["week"])


def test_export_all_formats_round_trip_the_plan(run_folder: Path, tmp_path: Path) -> None:
    shifts = pd.read_csv(run_folder / "shifts.csv", dtype={"agent_id": str})
    activities = pd.read_csv(run_folder / "assignments.csv", dtype={"agent_id": str})
    for fmt in ("csv", "json", "xlsx"):
        target = tmp_path / f"plan.{fmt}"
        result = runner.invoke(app, ["export", str(run_folder), "--format", fmt, "--out", str(target)])
        assert result.exit_code == 0, result.output
        assert f"{len(shifts)} shifts, {len(activities)} activities" in result.output
    assert len(pd.read_csv(tmp_path / "plan.csv")) == len(activities)
    assert len(json.loads((tmp_path / "plan.json").read_text())["shifts"]) == len(shifts)
    workbook = load_workbook(tmp_path / "plan.xlsx", read_only=True)
    assert sum(1 for _ in workbook["Activities"].iter_rows(min_row=2)) == len(activities)


def test_every_interval_of_every_shift_is_on_its_day_sheet(run_folder: Path) -> None:
    # The whole sample plan: each work segment on the day sheets is one block, its first interval reading the
    # queue assignments.csv gives and the rest of it blank (the colour carries on).
    workbook = load_workbook(run_folder / "roster.xlsx", read_only=True)
    activities = pd.read_csv(run_folder / "assignments.csv", dtype={"agent_id": str})
    shifts = pd.read_csv(run_folder / "shifts.csv", dtype={"agent_id": str})
    legend = {}
    checked = 0
    for day, day_shifts in shifts.groupby("date"):
        rows = list(workbook[f"{pd.Timestamp(day):%a %d %b}"].iter_rows(values_only=True))
        header_at = next(i for i, r in enumerate(rows) if r and r[0] == "Agent ID")
        for row in rows[1 : header_at - 1]:  # the legend: a code cell, its meaning in the next one
            legend.update({row[i + 1]: row[i] for i in range(5, len(row) - 1, 5) if row[i]})
        header = list(rows[header_at])
        grid = {r[0]: r for r in rows[header_at + 1 :] if r and r[0] in set(day_shifts["agent_id"])}
        assert set(grid) == set(day_shifts["agent_id"])
        for shift in day_shifts.itertuples():
            start, end = pd.Timestamp(shift.shift_start), pd.Timestamp(shift.shift_end)
            mine = activities[(activities["agent_id"] == shift.agent_id) & (activities["activity"] == "work")]
            for work in mine.itertuples():
                moment = pd.Timestamp(work.start)
                while start <= moment < min(pd.Timestamp(work.end), end):
                    expected = legend[work.queue] if moment == pd.Timestamp(work.start) else None
                    assert grid[shift.agent_id][header.index(f"{moment:%H:%M}")] in (expected, expected or "")
                    checked += 1
                    moment += pd.Timedelta(minutes=15)
    assert checked > 10_000


def test_validate_accepts_the_sample() -> None:
    result = runner.invoke(app, ["validate", str(SAMPLE)])
    assert result.exit_code == 0, result.output
    assert "150 agents, 8 queues" in result.output


def test_bad_input_names_file_row_and_column_and_leaves_earlier_outputs(tmp_path: Path, run_folder: Path) -> None:
    broken = tmp_path / "broken"
    shutil.copytree(SAMPLE, broken)
    skills = (broken / "skills.csv").read_text().splitlines()
    agent, queue, _, *rest = skills[1].split(",")
    skills[1] = ",".join([agent, queue, "1.7", *rest])
    (broken / "skills.csv").write_text("\n".join(skills) + "\n")
    out = tmp_path / "schedules"
    shutil.copytree(run_folder, out / "2026-03-02")
    before = (out / "2026-03-02" / "shifts.csv").read_bytes()

    result = runner.invoke(app, ["run", str(broken), "--out", str(out), "--seed", "7"])

    assert result.exit_code == EXIT_BAD_INPUT
    assert "skills.csv, row 2, column 'proficiency'" in result.output
    assert "1.7" in result.output
    assert "Traceback" not in result.output
    assert (out / "2026-03-02" / "shifts.csv").read_bytes() == before


def test_contradictory_rules_exit_3_naming_the_agent(tmp_path: Path) -> None:
    broken = tmp_path / "tight"
    shutil.copytree(SAMPLE, broken)
    staff = pd.read_csv(broken / "staff.csv", dtype=str)
    agent = staff.loc[staff["contract"] == "ft40", "agent_id"].iloc[0]
    with (broken / "availability.csv").open("a") as handle:
        handle.write(f"{agent},mon,08:00,17:00\n")  # Monday only: 8 paid hours against a 36-hour minimum
    result = runner.invoke(app, ["run", str(broken), "--out", str(tmp_path / "out"), "--seed", "7"])
    assert result.exit_code == EXIT_NO_PLAN
    assert f"agent {agent} (ft40)" in result.output
    assert not (tmp_path / "out" / "2026-03-02").exists()


def test_every_command_explains_itself_with_an_example() -> None:
    for command in ("validate", "forecast", "staffing", "schedule", "run", "export", "demo"):
        result = runner.invoke(app, [command, "--help"])
        assert result.exit_code == 0
        assert "Example: wfm" in result.output


def test_forecast_since_a_date_writes_the_forecast_and_its_backtest(tmp_path: Path) -> None:
    out_file = tmp_path / "forecast.csv"
    result = runner.invoke(
        app,
        ["forecast", str(SAMPLE), "--out", str(out_file), "--since", "2026-02-23", "--days", "3", "--backtest", "2"],
    )
    assert result.exit_code == 0, result.output
    frame = pd.read_csv(out_file, parse_dates=["interval_start"])
    assert frame["interval_start"].min() == pd.Timestamp("2026-02-23")
    assert frame["interval_start"].max() == pd.Timestamp("2026-02-25 23:45")
    accuracy = pd.read_csv(tmp_path / "forecast_accuracy.csv")
    assert set(accuracy["folds"]) == {2} and accuracy["chosen"].sum() == 8
    assert "Backtest: 2 weekly folds" in result.output


def _sample_with_history_cell(tmp_path: Path, line: int, column: int, value: str) -> Path:
    scenario = tmp_path / "scenario"
    shutil.copytree(SAMPLE, scenario)
    lines = (scenario / "history.csv").read_text().splitlines()
    fields = lines[line].split(",")
    fields[column] = value
    lines[line] = ",".join(fields)
    (scenario / "history.csv").write_text("\n".join(lines) + "\n")
    return scenario


def test_a_bad_history_row_stops_validate_and_forecast_naming_the_row_and_the_way_to_skip_it(tmp_path: Path) -> None:
    # Issue 15 case 1: validate said "OK" (exit 0) while forecast dropped the row; a dropped row is lost data.
    scenario = _sample_with_history_cell(tmp_path, 4, 2, "abc")
    for command in (["validate", str(scenario)], ["forecast", str(scenario), "--out", str(tmp_path / "f.csv")]):
        result = runner.invoke(app, command)
        assert result.exit_code == EXIT_BAD_INPUT, result.output
        assert "history.csv, row 5, column 'volume': 'abc' is not a number" in result.output
        assert "--skip-bad-rows" in result.output
    assert not (tmp_path / "f.csv").exists()


def test_validate_prints_every_warning_and_exits_1(tmp_path: Path) -> None:
    scenario = _sample_with_history_cell(tmp_path, 4, 2, "abc")
    result = runner.invoke(app, ["validate", str(scenario), "--skip-bad-rows"])
    assert result.exit_code == 1, result.output
    printed = " ".join(result.output.split())
    assert "warning: history.csv, row 5, column 'volume': 'abc' is not a number" in printed
    assert "OK " in printed and "(1 warning above)" in printed


def test_a_day_first_history_is_bad_input_not_an_internal_error(tmp_path: Path) -> None:
    scenario = tmp_path / "scenario"
    shutil.copytree(SAMPLE, scenario)
    history = pd.read_csv(scenario / "history.csv", dtype=str, keep_default_na=False)
    stamps = pd.to_datetime(history["interval_start"])
    history["interval_start"] = stamps.dt.strftime("%d/%m/%Y %H:%M")
    history.to_csv(scenario / "history.csv", index=False)
    result = runner.invoke(app, ["validate", str(scenario)])
    assert result.exit_code == EXIT_BAD_INPUT, result.output
    assert 'Set date_format = "DD/MM/YYYY" under [input] in site.toml' in " ".join(result.output.split())
    assert "internal error" not in result.output


def test_a_skipped_history_row_is_a_plain_warning_and_the_forecast_is_still_written(tmp_path: Path) -> None:
    scenario = _sample_with_history_cell(tmp_path, 4, 2, "abc")
    out_file = tmp_path / "forecast.csv"
    result = runner.invoke(
        app,
        ["forecast", str(scenario), "--out", str(out_file), "--days", "1", "--backtest", "1", "--skip-bad-rows"],
    )
    assert result.exit_code == 0, result.output
    assert "warning: history.csv, row 5, column 'volume': 'abc' is not a number" in result.output
    assert "[yellow]" not in result.output
    assert out_file.exists()


def test_staffing_writes_requirements_and_a_per_queue_summary(tmp_path: Path) -> None:
    forecast_file = tmp_path / "forecast.csv"
    made = runner.invoke(app, ["forecast", str(SAMPLE), "--out", str(forecast_file), "--backtest", "0"])
    assert made.exit_code == 0, made.output
    out_file = tmp_path / "requirements.csv"
    result = runner.invoke(app, ["staffing", str(SAMPLE), "--forecast", str(forecast_file), "--out", str(out_file)])
    assert result.exit_code == 0, result.output
    requirements = pd.read_csv(out_file)
    assert {"required_agents", "capacity_agents", "due_work_cumulative_minutes"} <= set(requirements.columns)
    summary = pd.read_csv(tmp_path / "staffing_summary.csv").set_index("queue")
    assert summary.loc["voice_service", "model"] == "Erlang A 180s"  # the sample's voice queue has patience
    assert summary.loc["chat", "model"] == "Erlang A 300s chat x2"
    assert summary.loc["collections", "model"] == "deadlines"
    assert 0.8 <= summary.loc["voice_service", "service_level"] <= 1
    assert "Erlang A 180s" in result.output


def test_staffing_with_an_unreadable_forecast_exits_2_with_a_plain_message(tmp_path: Path) -> None:
    result = runner.invoke(app, ["staffing", str(SAMPLE), "--forecast", str(tmp_path / "missing.csv")])
    assert result.exit_code == EXIT_BAD_INPUT
    assert "error: cannot read forecast" in result.output
    assert "[red]" not in result.output and "Traceback" not in result.output


@pytest.mark.parametrize(
    ("column", "value", "message"),
    [
        ("aht_seconds", "0", "column 'aht_seconds': '0' is not a handle time > 0"),
        ("aht_seconds", "-90", "column 'aht_seconds': '-90' is not a handle time > 0"),
        ("volume", "-3", "column 'volume': '-3' is not a number >= 0"),
        ("volume", "many", "column 'volume': 'many' is not a number >= 0"),
    ],
)
def test_staffing_names_the_forecast_row_with_an_impossible_value(
    tmp_path: Path, column: str, value: str, message: str
) -> None:
    forecast_file = tmp_path / "forecast.csv"
    made = runner.invoke(app, ["forecast", str(SAMPLE), "--out", str(forecast_file), "--backtest", "0"])
    assert made.exit_code == 0, made.output
    frame = pd.read_csv(forecast_file, dtype=str)
    busy = frame.index[pd.to_numeric(frame["volume"]) > 0][0]
    frame.loc[busy, column] = value
    frame.to_csv(forecast_file, index=False)
    result = runner.invoke(app, ["staffing", str(SAMPLE), "--forecast", str(forecast_file)])
    assert result.exit_code == EXIT_BAD_INPUT
    assert f"forecast.csv, row {busy + 2}, {message}" in " ".join(result.output.split())
    assert "Traceback" not in result.output


def test_validate_finds_an_impossible_week_no_single_rule_explains(tmp_path: Path) -> None:
    # ft40 needs 36 paid hours (5 shifts); one working day in a row allows 4 in a week. The hours pre-check
    # alone passes (2 days off leave 5 working days), so only the per-agent model finds it, before any solve.
    broken = tmp_path / "strict"
    shutil.copytree(SAMPLE, broken)
    toml = (broken / "site.toml").read_text(encoding="utf-8")
    marker = 'id = "ft40"'
    head, tail = toml.split(marker, 1)
    (broken / "site.toml").write_text(
        head + marker + tail.replace("max_consecutive_days = 6", "max_consecutive_days = 1", 1), encoding="utf-8"
    )
    result = runner.invoke(app, ["validate", str(broken)])
    assert result.exit_code == EXIT_BAD_INPUT
    text = " ".join(result.output.split())
    assert "rule conflict(s) make a plan impossible" in text
    assert "(ft40): these rules cannot all hold for this agent: weekly_hours (36-44 paid hours a week" in text
    assert "max_consecutive_days (at most 1 working day(s) in a row" in text


def test_run_with_a_previous_plan_that_is_not_a_run_folder_exits_2(tmp_path: Path) -> None:
    result = runner.invoke(
        app, ["run", str(SAMPLE), "--seed", "7", "--previous-plan", str(tmp_path), "--out", str(tmp_path / "o")]
    )
    assert result.exit_code == EXIT_BAD_INPUT
    text = " ".join(result.output.split())
    assert "--previous-plan" in text and "cannot read its plan" in text and "shifts.csv" in text


def test_staffing_plans_a_daylight_saving_week_on_the_same_clock_grid_as_run(tmp_path: Path) -> None:
    # Sunday 29 March 2026 has 23 hours in Europe/London; `wfm staffing` uses wfm run's clock grid and says so.
    moved = tmp_path / "dst"
    shutil.copytree(SAMPLE, moved)
    toml = (moved / "site.toml").read_text(encoding="utf-8")
    (moved / "site.toml").write_text(toml.replace("start = 2026-03-02", "start = 2026-03-23", 1), encoding="utf-8")
    out_file = tmp_path / "requirements.csv"
    result = runner.invoke(app, ["staffing", str(moved), "--out", str(out_file)])
    assert result.exit_code == 0, result.output
    assert "2026-03-29 has 23 hours" in " ".join(result.output.split())
    assert len(pd.read_csv(out_file)) == 8 * 7 * 96  # eight queues, seven clock days of 96 quarter hours
