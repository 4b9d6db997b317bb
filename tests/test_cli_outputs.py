"""Outputs and commands that must never lose, hide or overwrite a user's data (issue 15, cases 7-11).

A small generated operation (20 agents, 3 queues, a 2-day horizon) keeps every run here to a few seconds.
"""

from __future__ import annotations

import json
import shutil
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pandas as pd
import pytest
from openpyxl import load_workbook
from ortools.sat.python import cp_model
from typer.testing import CliRunner

from wfm.cli import app
from wfm.demo import generate_operation
from wfm.pipeline import EXIT_BAD_INPUT
from wfm.reports.tables import agent_week_table

runner = CliRunner()
START = "2026-03-02"


@pytest.fixture(scope="module")
def scenario(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("tiny")
    generate_operation(folder, agents=20, queues=3, weeks_history=3, horizon_days=2)
    return folder


@pytest.fixture(scope="module")
def run_folder(scenario: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("schedules")
    args = ["run", str(scenario), "--out", str(out), "--seed", "7", "--time-limit", "1", "--quiet"]
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    return out / START


def text(output: str) -> str:
    """Output as one line: wrapping (and the border of a help panel) undone."""
    return " ".join(output.replace("│", " ").split())


def tree(folder: Path) -> dict[str, bytes]:
    """Every file under `folder` (hidden ones too) with its bytes."""
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


# --- 7. `wfm export --agent`: ids are never paths; an unknown id is named as such -----------------------------


@pytest.mark.parametrize(("given", "suggested"), [("a0004", "A0004"), ("A0O04", "A0004")])
def test_export_of_an_unknown_agent_says_so_and_suggests_the_id(
    run_folder: Path, tmp_path: Path, given: str, suggested: str
) -> None:
    before = tree(run_folder)
    result = runner.invoke(app, ["export", str(run_folder), "--format", "xlsx", "--agent", given])
    assert result.exit_code == EXIT_BAD_INPUT
    assert f"unknown agent '{given}'" in text(result.output)
    assert f"did you mean {suggested}" in text(result.output)
    assert "has no shifts or activities" not in result.output
    assert tree(run_folder) == before


def test_export_never_turns_an_agent_id_into_a_path(run_folder: Path, tmp_path: Path) -> None:
    # The run folder four levels down: '../../../../x' and '../../etc/passwd' would land in tmp_path.
    run = tmp_path / "a" / "b" / "c" / "d" / START
    shutil.copytree(run_folder, run)
    before = tree(tmp_path)
    for given in ("../../../../x", "../../etc/passwd", "A9999"):
        result = runner.invoke(app, ["export", str(run), "--format", "json", "--agent", given])
        assert result.exit_code == EXIT_BAD_INPUT, result.output
        assert f"unknown agent '{given}'" in text(result.output)
    assert tree(tmp_path) == before

    # An id that is known (in the plan) but holds path characters becomes a safe file name inside the run.
    agent = pd.read_csv(run / "shifts.csv", dtype=str)["agent_id"].iloc[0]
    for name in ("shifts.csv", "assignments.csv"):
        (run / name).write_text((run / name).read_text().replace(f"{agent},", "../../evil/x,"))
    before = tree(tmp_path)
    result = runner.invoke(app, ["export", str(run), "--format", "csv", "--agent", "../../evil/x"])
    assert result.exit_code == 0, result.output
    added = sorted(set(tree(tmp_path)) - set(before))
    assert len(added) == 1
    written = tmp_path / added[0]
    assert written.parent == run and written.name.startswith("plan_evil_x_") and written.suffix == ".csv"
    assert set(pd.read_csv(written, dtype=str)["agent_id"]) == {"../../evil/x"}


def test_export_of_an_agent_without_shifts_writes_their_week(run_folder: Path, tmp_path: Path) -> None:
    # An agent of the run (on its Roster) with no shift at all is not an unknown id.
    run = tmp_path / START
    shutil.copytree(run_folder, run)
    agent = pd.read_csv(run / "shifts.csv", dtype=str)["agent_id"].iloc[0]
    for name in ("shifts.csv", "assignments.csv"):
        lines = (run / name).read_text().splitlines(keepends=True)
        (run / name).write_text("".join(line for line in lines if not line.startswith(f"{agent},")))
    result = runner.invoke(app, ["export", str(run), "--format", "json", "--agent", agent])
    assert result.exit_code == 0, result.output
    assert f"{agent} has no shifts in this run" in text(result.output)
    document = json.loads((run / f"plan_{agent}.json").read_text())
    assert document["shifts"] == [] and [day["Shift"] for day in document["week"]] == ["OFF", "OFF"]


def test_export_never_replaces_an_existing_out_file_unless_forced(run_folder: Path, tmp_path: Path) -> None:
    run = tmp_path / START
    shutil.copytree(run_folder, run)
    before = (run / "shifts.csv").read_bytes()
    agent = pd.read_csv(run / "shifts.csv", dtype=str)["agent_id"].iloc[0]
    refused = runner.invoke(
        app, ["export", str(run), "--agent", agent, "--format", "csv", "--out", str(run / "shifts.csv")]
    )
    assert refused.exit_code == EXIT_BAD_INPUT
    assert "shifts.csv exists; give another --out, or --force to replace it" in text(refused.output)
    assert (run / "shifts.csv").read_bytes() == before
    target = tmp_path / "mine.csv"
    target.write_text("old\n")
    forced = runner.invoke(app, ["export", str(run), "--format", "csv", "--out", str(target), "--force"])
    assert forced.exit_code == 0, forced.output
    assert target.read_text().startswith("agent_id,start,end,activity,queue")


def test_a_hand_edited_run_file_is_bad_input_not_an_internal_error(run_folder: Path, tmp_path: Path) -> None:
    run = tmp_path / START
    shutil.copytree(run_folder, run)
    shifts = pd.read_csv(run / "shifts.csv", dtype=str)
    shifts.loc[0, "paid_hours"] = "abc"
    shifts.to_csv(run / "shifts.csv", index=False)
    result = runner.invoke(app, ["export", str(run)])
    assert result.exit_code == EXIT_BAD_INPUT, result.output
    assert "cannot be read as a run folder (Unable to parse string 'abc'" in text(result.output)


# --- 8. The person's Week sheet shows their leave as the Roster does ----------------------------------------


def roster_cell(run: Path, agent: str, day: str) -> str:
    rows = list(load_workbook(run / "roster.xlsx", read_only=True)["Roster"].iter_rows(values_only=True))
    return str(next(r for r in rows if r[0] == agent)[rows[0].index(day)])


def test_the_week_sheet_and_the_exports_show_leave_as_the_roster_does(
    scenario: Path, run_folder: Path, tmp_path: Path
) -> None:
    leave = pd.read_csv(scenario / "time_off.csv", dtype=str)
    agent, reason = leave["agent_id"].iloc[0], leave["reason"].iloc[0]  # a whole Monday of annual leave
    assert (leave["start"].iloc[0], leave["end"].iloc[0]) == (f"{START}T00:00:00", "2026-03-03T00:00:00")
    assert roster_cell(run_folder, agent, "Mon 02 Mar") == reason

    target = tmp_path / "week.xlsx"
    result = runner.invoke(app, ["export", str(run_folder), "--format", "xlsx", "--agent", agent, "--out", str(target)])
    assert result.exit_code == 0, result.output
    week = {r[0]: r for r in list(load_workbook(target)["Week"].iter_rows(values_only=True))[3:]}
    assert week["Mon 02 Mar"][1:] == (reason, 0, 0, "time off all day")
    assert week["Tue 03 Mar"][1] == roster_cell(run_folder, agent, "Tue 03 Mar")  # a shift or OFF, as there

    for fmt in ("csv", "json"):
        target = tmp_path / f"plan.{fmt}"
        args = ["export", str(run_folder), "--format", fmt, "--agent", agent, "--out", str(target)]
        result = runner.invoke(app, args)
        assert result.exit_code == 0, result.output
    activities = pd.read_csv(tmp_path / "plan.csv", dtype=str, keep_default_na=False)
    assert activities.loc[activities["activity"] == "time_off", "reason"].tolist() == [reason]
    document = json.loads((tmp_path / "plan.json").read_text())
    assert [a["reason"] for a in document["activities"] if a["activity"] == "time_off"] == [reason]
    assert document["week"][0]["Shift"] == reason


def test_a_part_day_leave_next_to_a_shift_is_in_brackets_as_on_the_roster() -> None:
    shifts = pd.DataFrame(
        {"agent_id": ["A1"], "date": ["2026-03-03"], "template": ["early"], "shift_start": ["2026-03-03T08:00:00"],
         "shift_end": ["2026-03-03T12:00:00"], "paid_hours": [4.0], "overtime_hours": [0.0]}
    )  # fmt: skip
    activities = pd.DataFrame(
        {"agent_id": ["A1", "A1"], "start": ["2026-03-03T08:00:00", "2026-03-03T13:00:00"],
         "end": ["2026-03-03T12:00:00", "2026-03-03T17:00:00"], "activity": ["work", "time_off"],
         "queue": ["chat", None], "reason": [None, "dentist (check-up)"]}
    )  # fmt: skip
    days = [pd.Timestamp("2026-03-02").date(), pd.Timestamp("2026-03-03").date()]
    week = agent_week_table(shifts, activities, days)
    assert week["Shift"].tolist() == ["OFF", "08:00–12:00 (dentist (check-up))"]
    assert week["Activities"].tolist() == ["", "08:00–12:00 chat · 13:00–17:00 time off"]


# --- 9. No command overwrites a scenario or a run without being told to --------------------------------------


def test_demo_refuses_a_folder_that_holds_files_unless_forced(tmp_path: Path) -> None:
    folder = tmp_path / "ops"
    folder.mkdir()
    (folder / "site.toml").write_text("# my own site\n")
    (folder / "history.csv").write_text("interval_start,queue,volume,aht_seconds\n")
    before = tree(folder)
    result = runner.invoke(app, ["demo", str(folder), "--agents", "20", "--queues", "3"])
    assert result.exit_code == EXIT_BAD_INPUT
    assert "is not empty (history.csv, site.toml)" in text(result.output) and "--force" in result.output
    assert tree(folder) == before

    result = runner.invoke(app, ["demo", str(folder), "--agents", "20", "--queues", "3", "--force"])
    assert result.exit_code == 0, result.output
    assert (folder / "site.toml").read_text() != "# my own site\n" and (folder / "staff.csv").exists()


def test_demo_help_gives_the_ranges_the_generator_accepts(tmp_path: Path) -> None:
    help_text = text(runner.invoke(app, ["demo", "--help"]).output)
    assert "Head count (20 to 9,999)" in help_text and "Queues (3 to 12;" in help_text
    for option, value in (("--agents", "19"), ("--queues", "13")):
        result = runner.invoke(app, ["demo", str(tmp_path / option), option, value])
        assert result.exit_code == EXIT_BAD_INPUT


def test_a_second_run_for_the_same_start_goes_to_a_new_folder_and_force_replaces(
    scenario: Path, run_folder: Path, tmp_path: Path
) -> None:
    out = tmp_path / "schedules"
    shutil.copytree(run_folder, out / START)
    before = tree(out / START)
    args = ["schedule", str(scenario), "--out", str(out), "--seed", "7", "--time-limit", "0.5", "--quiet"]

    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    assert f"{out / START} already holds a run; this one is in {out / START}.2; --force replaces it" in text(
        result.output
    )
    assert tree(out / START) == before
    assert (out / f"{START}.2" / "manifest.json").exists()
    exported = runner.invoke(app, ["export", str(out / f"{START}.2"), "--format", "json"])  # a suffixed run reads
    assert exported.exit_code == 0, exported.output
    assert json.loads((out / f"{START}.2" / "plan.json").read_text())["run"] == f"{START}.2"

    result = runner.invoke(app, [*args, "--force"])
    assert result.exit_code == 0, result.output
    assert f"replaced the earlier run in {out / START}" in text(result.output)
    assert tree(out / START) != before and (out / f"{START}.2" / "manifest.json").exists()
    assert sorted(p.name for p in out.iterdir()) == [START, f"{START}.2"]  # no staging or old folder left


def test_the_suffix_is_one_past_the_highest_taken(tmp_path: Path) -> None:
    from wfm.pipeline import reserve_folder

    assert reserve_folder(tmp_path, START) == tmp_path / START
    assert reserve_folder(tmp_path, START) == tmp_path / f"{START}.2"
    (tmp_path / f"{START}.7").mkdir()
    (tmp_path / f"{START}.old").mkdir()
    assert reserve_folder(tmp_path, START) == tmp_path / f"{START}.8"


# --- 10. Ctrl-C and SIGTERM stop a run: nothing written, exit 130 / 143 ---------------------------------------


@pytest.mark.parametrize(("signum", "code"), [(signal.SIGINT, 130), (signal.SIGTERM, 143)])
def test_an_interrupted_run_writes_nothing_and_exits_128_plus_the_signal(
    scenario: Path, run_folder: Path, tmp_path: Path, signum: signal.Signals, code: int
) -> None:
    out = tmp_path / "schedules"
    shutil.copytree(run_folder, out / START)
    before = tree(out)
    command = [sys.executable, "-c", "from wfm.cli import main; main()", "run", str(scenario), "--out", str(out),
               "--seed", "7", "--time-limit", "600"]  # fmt: skip
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    assert process.stderr is not None
    lines = []
    for line in process.stderr:  # wait until the search is under way (its first progress line)
        lines.append(line)
        if "plan cost" in line:
            break
    time.sleep(1.5)
    sent = time.monotonic()
    process.send_signal(signum)
    _, rest = process.communicate(timeout=60)
    assert process.returncode == code, "".join(lines) + rest
    assert time.monotonic() - sent < 10
    assert f"interrupted ({signum.name}): nothing written; earlier outputs are untouched" in rest
    assert "time limit ended" not in rest
    assert tree(out) == before


# --- 11. --deterministic: the limit is in deterministic units, says so, and holds -----------------------------


def test_deterministic_time_limit_is_named_as_units_and_held(
    scenario: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    help_text = text(runner.invoke(app, ["run", "--help"]).output)
    assert "with --deterministic units of CP-SAT's deterministic time" in help_text

    used: list[tuple[float, float]] = []  # (limit, deterministic time used) of each interleaved solve

    class Spy(cp_model.CpSolver):
        def solve(self, model: cp_model.CpModel, callback: cp_model.CpSolverSolutionCallback | None = None) -> int:
            status = super().solve(model, callback)
            if self.parameters.interleave_search:
                used.append((self.parameters.max_deterministic_time, self.deterministic_time))
            return status

    monkeypatch.setattr(cp_model, "CpSolver", Spy)
    args = ["run", str(scenario), "--out", str(tmp_path), "--seed", "7", "--time-limit", "1", "--deterministic"]
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    assert "solver time limit 1 deterministic units (a measure of work, not seconds)" in text(result.output)
    # The limit holds: CP-SAT checks it between batches of tasks, and a batch of a task per subsolver ran past it
    # (here 1.33 units, on the sample 37 for 10; deterministic time is the same on any machine: now 1.05).
    assert len(used) == 1 and used[0][0] == 1 and used[0][1] <= 1.2, used


def test_progress_lines_keep_coming_while_no_better_plan_is_found() -> None:
    from wfm.scheduling.solve import _Heartbeat

    lines: list[tuple[float, float, float]] = []
    done = threading.Event()
    with _Heartbeat(lambda *line: lines.append(line), every=0.2) as beat:
        beat.report(0.1, 100.0, 90.0)
        done.wait(1.6)
    assert len(lines) >= 3 and {line[1:] for line in lines} == {(100.0, 90.0)}
    assert [line[0] for line in lines] == sorted(line[0] for line in lines)
