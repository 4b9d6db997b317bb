"""The nightly batch job, as operations would run it from cron: fourteen nights on the bundled sample site.

Each night the phone and case systems drop yesterday's actuals into the inbox (some nights one file per queue,
some nights one file), one night's file is malformed, one night the export is sent twice and a corrected
re-export follows, and one night the job is killed by SIGKILL in the middle of planning. Afterwards the store
must hold exactly the right history, every published frozen day must be unchanged, no run folder may be
half-written, and `latest` must point at the last good run.
"""

from __future__ import annotations

import datetime as dt
import itertools
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest

from wfm.batch.config import load_batch_config
from wfm.batch.nightly import EXIT_BAD_INPUT, EXIT_LOCKED, run_site, site_lock
from wfm.batch.store import HistoryStore

SAMPLE = Path(__file__).resolve().parents[1] / "data" / "sample"
FIRST_NIGHT = dt.date(2026, 3, 1)
NIGHTS = 14
MALFORMED_NIGHT, DUPLICATE_NIGHT, KILLED_NIGHT = 4, 6, 9  # night numbers, 1-based
# Four days a night rather than the sample's seven: two frozen and two planned again are enough for what is checked
# here, and the fourteen nights take half the time.
HORIZON_DAYS = 4


def actuals(history: pd.DataFrame, day: dt.date) -> pd.DataFrame:
    """The day's actual volumes: the same weekday four weeks earlier, 10 % busier (deterministic)."""
    source = history[history["interval_start"].str.startswith((day - dt.timedelta(days=28)).isoformat())].copy()
    source["interval_start"] = (pd.to_datetime(source["interval_start"]) + pd.Timedelta(days=28)).dt.strftime(
        "%Y-%m-%dT%H:%M:%S"
    )
    source["volume"] = (source["volume"] * 1.1).round()
    return source


def drop(inbox: Path, name: str, frame: pd.DataFrame) -> Path:
    path = inbox / name
    frame.to_csv(path, index=False)
    time.sleep(0.01)  # distinct modification times: files are taken oldest first
    return path


def write_config(root: Path) -> Path:
    config = root / "batch.toml"
    config.write_text(
        f"""[batch]
schedules = "schedules"
time_limit_seconds = 2
deterministic = false
freeze_days = 2
keep_runs = 30

[[sites]]
name = "northbridge"
scenario = "{SAMPLE.as_posix()}"
inbox = "inbox"
horizon_days = {HORIZON_DAYS}
"""
    )
    return config


def wfm_command() -> list[str]:
    return [sys.executable, "-c", "from wfm.cli import main; main()"]


def published(folder: Path, day: dt.date) -> tuple[pd.DataFrame, pd.DataFrame]:
    """A run's shifts of one day and the activities inside them (time off, which runs past the horizon, aside)."""
    shifts = pd.read_csv(folder / "shifts.csv", dtype=str)
    shifts = shifts[shifts["date"] == day.isoformat()].drop(columns=["overtime_hours"])
    activities = pd.read_csv(folder / "assignments.csv", dtype=str)
    activities = activities[
        activities["start"].str.startswith(day.isoformat()) & (activities["activity"] != "time_off")
    ]
    return shifts.reset_index(drop=True), activities.reset_index(drop=True)


@pytest.fixture(scope="module")
def fourteen_nights(tmp_path_factory: pytest.TempPathFactory) -> dict[str, object]:
    root = tmp_path_factory.mktemp("nightly")
    config_path = write_config(root)
    config = load_batch_config(config_path)
    job = config.sites[0]
    inbox = root / "inbox"
    inbox.mkdir()
    history = pd.read_csv(SAMPLE / "history.csv", dtype={"interval_start": str})
    # (queue, interval start) -> volume the store must end with: the seed history, then each export, later wins
    expected = {
        (q, t): float(v) for q, t, v in zip(history["queue"], history["interval_start"], history["volume"], strict=True)
    }
    changed_by_correction = 0
    outcomes = {}
    for night in range(1, NIGHTS + 1):
        day = FIRST_NIGHT + dt.timedelta(days=night - 1)
        rows = actuals(history, day)
        if night % 2:
            drop(inbox, f"actuals_{day}.csv", rows)
        else:
            for queue, part in rows.groupby("queue"):
                drop(inbox, f"{queue}_{day}.csv", part.drop(columns=["queue"]))  # queue from the file name
        if night == MALFORMED_NIGHT:
            bad = rows.head(5).astype(str)
            bad.iloc[2, bad.columns.get_loc("volume")] = "lots"
            drop(inbox, f"broken_{day}.csv", bad)
        if night == DUPLICATE_NIGHT:
            drop(inbox, f"actuals_again_{day}.csv", rows)  # the same export, sent twice
            yesterday = actuals(history, day - dt.timedelta(days=1))
            corrected = yesterday.copy()
            busy = corrected["volume"] > 0
            corrected.loc[busy, "volume"] += 1  # the phone system re-sends yesterday with corrected counts
            changed_by_correction = int(busy.sum())
            drop(inbox, f"corrected_{day - dt.timedelta(days=1)}.csv", corrected)
            rows = pd.concat([rows, corrected])
        expected.update(
            {(q, t): float(v) for q, t, v in zip(rows["queue"], rows["interval_start"], rows["volume"], strict=True)}
        )
        if night == KILLED_NIGHT:
            latest_before = (root / "schedules" / "northbridge" / "latest").resolve()
            process = subprocess.Popen(
                [*wfm_command(), "batch", "run", "--config", str(config_path), "--date", day.isoformat()],
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
            log = root / "schedules" / "northbridge" / "logs" / f"{day}.log"
            deadline = time.monotonic() + 120
            while time.monotonic() < deadline and not (log.exists() and "plan: horizon" in log.read_text()):
                time.sleep(0.05)
            time.sleep(1.0)  # well inside forecasting and planning
            os.kill(process.pid, signal.SIGKILL)
            process.wait()
            assert (root / "schedules" / "northbridge" / "latest").resolve() == latest_before
            outcomes[night] = ("killed", "latest untouched")
            continue
        outcome = run_site(config, job, day, ["test"])
        outcomes[night] = (outcome.exit_code, outcome.summary)
    return {"root": root, "config": config, "expected": expected, "outcomes": outcomes,
            "changed_by_correction": changed_by_correction}  # fmt: skip


def test_every_night_but_the_killed_one_publishes(fourteen_nights: dict) -> None:
    outcomes = fourteen_nights["outcomes"]
    for night, (code, summary) in outcomes.items():
        if night == KILLED_NIGHT:
            assert code == "killed"
        elif night == MALFORMED_NIGHT:
            assert code == 1 and "rejected broken_" in summary, summary  # published, with a warning
        else:
            assert code in (0, 1), summary


def test_the_store_holds_exactly_the_history_that_arrived(fourteen_nights: dict) -> None:
    root: Path = fourteen_nights["root"]
    config = fourteen_nights["config"]
    with HistoryStore(config.store_of(config.sites[0])) as store:
        stored = store.history()
        audit = store.audit_rows()
    starts = stored["interval_start"].dt.strftime("%Y-%m-%dT%H:%M:%S")
    found = {(q, t): v for q, t, v in zip(stored["queue"], starts, stored["volume"], strict=True)}
    # No duplicate from the export sent twice, nothing from the broken file, the correction's values won.
    assert found == fourteen_nights["expected"]
    # The corrected re-export replaced exactly the values it changed; the old ones are in the audit table.
    assert audit == fourteen_nights["changed_by_correction"] > 0
    rejected = root / "inbox" / "rejected"
    (name,) = [p.name for p in rejected.iterdir() if p.suffix == ".csv"]
    error = (rejected / f"{name}.error.txt").read_text()
    assert "row 4" in error and "'volume'" in error and "'lots'" in error
    assert not list((root / "inbox").glob("*.csv")), "every file was filed away"


def test_every_published_frozen_day_is_unchanged(fourteen_nights: dict) -> None:
    site_root = fourteen_nights["root"] / "schedules" / "northbridge"
    runs = sorted(p for p in site_root.iterdir() if p.is_dir() and p.name[0].isdigit())
    assert len(runs) == NIGHTS - 1  # the killed night left no run folder
    checked = 0
    for before, after in itertools.pairwise(runs):
        frozen = json.loads((after / "manifest.json").read_text())["batch"]["frozen_days"]
        assert json.loads((after / "manifest.json").read_text())["batch"]["published_from"] == before.name
        assert len(frozen) == 2
        for day in map(dt.date.fromisoformat, frozen):
            old_shifts, old_activities = published(before, day)
            new_shifts, new_activities = published(after, day)
            if day <= dt.date.fromisoformat(before.name) + dt.timedelta(
                days=HORIZON_DAYS
            ):  # inside the earlier horizon
                pd.testing.assert_frame_equal(old_shifts, new_shifts)
                pd.testing.assert_frame_equal(old_activities, new_activities)
                checked += 1
    assert checked >= 2 * (NIGHTS - 3)


def test_no_half_written_run_and_latest_is_the_last_good_run(fourteen_nights: dict) -> None:
    site_root = fourteen_nights["root"] / "schedules" / "northbridge"
    leftovers = [p.name for p in site_root.iterdir() if p.name.startswith(".") and p.name != ".lock"]
    assert leftovers == []
    for run in (p for p in site_root.iterdir() if p.is_dir() and p.name[0].isdigit()):
        manifest = json.loads((run / "manifest.json").read_text())
        assert set(manifest["files"]) <= {p.name for p in run.iterdir()}
    last = FIRST_NIGHT + dt.timedelta(days=NIGHTS - 1)
    assert (site_root / "latest").resolve().name == last.isoformat()
    killed = FIRST_NIGHT + dt.timedelta(days=KILLED_NIGHT - 1)
    assert not (site_root / killed.isoformat()).exists()
    # The night after the kill took the crashed run's lock over and said so.
    after_kill = (site_root / "logs" / f"{killed + dt.timedelta(days=1)}.log").read_text()
    assert "taking over a stale lock" in after_kill


def test_running_the_same_night_again_changes_nothing(fourteen_nights: dict) -> None:
    root: Path = fourteen_nights["root"]
    config = fourteen_nights["config"]
    last = FIRST_NIGHT + dt.timedelta(days=NIGHTS - 1)
    folder = root / "schedules" / "northbridge" / last.isoformat()
    before = {p.name: p.read_bytes() for p in folder.iterdir()}
    with HistoryStore(config.store_of(config.sites[0])) as store:
        rows_before = store.rows()
    outcome = run_site(config, config.sites[0], last, ["test"])
    assert "up to date" in outcome.summary
    assert {p.name: p.read_bytes() for p in folder.iterdir()} == before
    with HistoryStore(config.store_of(config.sites[0])) as store:
        assert store.rows() == rows_before


def test_a_run_holding_the_lock_keeps_a_second_one_out(tmp_path: Path) -> None:
    config = load_batch_config(write_config(tmp_path))
    lock = config.batch.schedules / "northbridge" / ".lock"
    with site_lock(lock, lambda _: None):  # type: ignore[arg-type]
        outcome = run_site(config, config.sites[0], FIRST_NIGHT, ["test"])
    assert outcome.exit_code == EXIT_LOCKED and "another run holds" in outcome.summary


def test_bad_batch_config_is_a_clear_error(tmp_path: Path) -> None:
    path = tmp_path / "batch.toml"
    path.write_text('[batch]\nmax_workers = 0\n[[sites]]\nname = "a b"\nscenario = "x"\ninbox = "y"\n')
    result = subprocess.run([*wfm_command(), "batch", "run", "--config", str(path)], capture_output=True, text=True)
    assert result.returncode == EXIT_BAD_INPUT
    assert "batch.toml" in result.stderr and "max_workers" in result.stderr and "sites.0.name" in result.stderr
    assert "Traceback" not in result.stderr


def test_a_bad_scenario_leaves_latest_alone_and_names_the_log(tmp_path: Path) -> None:
    scenario = tmp_path / "site"
    shutil.copytree(SAMPLE, scenario)
    config_path = write_config(tmp_path)
    config_path.write_text(config_path.read_text().replace(SAMPLE.as_posix(), scenario.as_posix()))
    (scenario / "staff.csv").write_text("agent_id,name\nA1,Only a name\n")
    config = load_batch_config(config_path)
    outcome = run_site(config, config.sites[0], FIRST_NIGHT, ["test"])
    assert outcome.exit_code == EXIT_BAD_INPUT
    assert "staff.csv" in outcome.summary and str(outcome.log) in outcome.summary
    assert not (config.batch.schedules / "northbridge" / "latest").exists()
