"""The nightly job never hides, loses or overwrites a site's history (issue 15, cases 12-15).

A small generated site (20 agents, 3 queues, 4 weeks of history, 2-day horizon, 1 s solver limit) publishes its
first night once; each test works on a copy of that folder: stale history and backlog already past SLA warn,
a store that existed and was emptied, deleted or damaged stops the night (exit 2, naming the file and the
backup to restore) unless --reseed is given, a backup is kept before each ingest, and `wfm batch status` shows
the items past SLA.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import random
import re
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest
from batch_fixtures import SITE, run_night, tiny_site

from wfm.batch.config import load_batch_config
from wfm.batch.nightly import EXIT_BAD_INPUT, EXIT_WARNINGS, SiteOutcome

FIRST_NIGHT = dt.date(2026, 3, 1)  # the generated history ends on 2026-02-28, the horizon starts 2026-03-02
NEXT_NIGHT = dt.date(2026, 3, 2)


def wfm(*args: str) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, "-c", "from wfm.cli import main; main()", *args]
    return subprocess.run(command, capture_output=True, text=True, timeout=120)


def one_line(text: str) -> str:
    return " ".join(text.split())  # the console wraps long lines


@pytest.fixture(scope="module")
def first_night(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, SiteOutcome]:
    root = tiny_site(
        tmp_path_factory.mktemp("safety"), horizon_days=2, settings="time_limit_seconds = 1\ndeterministic = false"
    )
    return root, run_night(root, FIRST_NIGHT)


@pytest.fixture
def site(first_night: tuple[Path, SiteOutcome], tmp_path: Path) -> Path:
    """A copy of the site after its first night (batch.toml's paths are relative: the copy is self-contained)."""
    copy = tmp_path / "copy"
    shutil.copytree(first_night[0], copy, symlinks=True)
    return copy


def night(root: Path, day: dt.date, reseed: bool = False) -> SiteOutcome:
    return run_night(root, day, reseed)


def store_of(root: Path) -> Path:
    return root / "schedules" / SITE / "history.sqlite"


def latest(root: Path) -> str:
    return os.readlink(root / "schedules" / SITE / "latest")


def stored_rows(path: Path) -> int:
    with sqlite3.connect(path) as db:
        return int(db.execute("SELECT COUNT(*) FROM history").fetchone()[0])


def corrupt(path: Path) -> None:
    """Overwrite 8 KiB in the middle of the file with random bytes."""
    data = bytearray(path.read_bytes())
    middle = len(data) // 2
    data[middle : middle + 8192] = random.Random(7).randbytes(8192)
    path.write_bytes(bytes(data))


# --- case 12: a night warns about stale history and about backlog already late -----------------------------


def test_the_first_night_seeds_the_store_without_a_word_and_backs_it_up(first_night: tuple) -> None:
    root, outcome = first_night
    log = outcome.log.read_text()
    assert "store created from the scenario's history.csv" in log and "--reseed" not in outcome.summary
    backup = store_of(root).with_name(f"history.sqlite.{FIRST_NIGHT}.bak")
    assert backup.is_file() and stored_rows(backup) == stored_rows(store_of(root)) > 0
    assert not store_of(root).with_name(backup.name + "-wal").exists()  # one self-contained file


def test_backlog_already_past_sla_at_the_start_of_the_horizon_warns(first_night: tuple) -> None:
    # The generated backlog.csv: 60 collections items, the oldest from 2026-03-01 04:20, sla_hours 8: due at
    # 12:20 the day before the horizon starts. (The old night published it with exit 0 and no word.)
    _, outcome = first_night
    assert outcome.exit_code == EXIT_WARNINGS, outcome.summary
    (warning,) = [w for w in outcome.warnings if "past SLA" in w]
    assert warning.startswith(f"60 backlog item(s) of {SITE} are already past SLA when the horizon starts")
    assert "collections 60 (oldest arrived 2026-03-01 04:20, due 2026-03-01 12:20)" in warning
    assert "2026-03-02" in warning and "backlog.csv" in warning


def test_what_loading_history_csv_warned_about_is_a_warning_of_the_night_that_seeds_the_store(site: Path) -> None:
    # An AHT of 0 with contacts in the seed file: `wfm run` warns; the night that seeds the store from it did not.
    shutil.rmtree(site / "schedules")
    history = (site / "site" / "history.csv").read_text().splitlines()
    fields = history[1].split(",")
    fields[2], fields[3] = "7", "0"
    history[1] = ",".join(fields)
    (site / "site" / "history.csv").write_text("\n".join(history) + "\n")
    outcome = night(site, FIRST_NIGHT)
    assert outcome.exit_code == EXIT_WARNINGS, outcome.summary
    assert any(
        w.startswith("history.csv, row 2, column 'aht_seconds': '0' is not a handle time") for w in outcome.warnings
    )


def test_history_older_than_max_history_age_days_warns(site: Path) -> None:
    (site / "site" / "backlog.csv").write_text("queue,items,oldest_arrival\n")  # only the stale history to see
    night_of = dt.date(2026, 6, 1)  # `wfm batch run` without --date, three months after the history ends
    outcome = night(site, night_of)
    assert outcome.exit_code == EXIT_WARNINGS, outcome.summary
    (warning,) = [w for w in outcome.warnings if "newest history" in w]
    assert warning.startswith(f"the newest history of {SITE} is from 2026-02-28 19:45, 93 days before the night")
    assert "max_history_age_days is 7" in warning and "--date" in warning and "inbox" in warning
    manifest = json.loads((site / "schedules" / SITE / str(night_of) / "manifest.json").read_text())
    assert warning in manifest["batch"]["warnings"]


def test_max_history_age_days_is_set_per_site_or_for_all(tmp_path: Path) -> None:
    from wfm.batch.checks import stale_history

    (tmp_path / "batch.toml").write_text(
        "[batch]\nmax_history_age_days = 3\n"
        '[[sites]]\nname = "a"\nscenario = "s"\ninbox = "i"\n'
        '[[sites]]\nname = "b"\nscenario = "s"\ninbox = "i"\nmax_history_age_days = 30\n'
    )
    config = load_batch_config(tmp_path / "batch.toml")
    assert [config.max_history_age_of(s) for s in config.sites] == [3, 30]
    history = pd.DataFrame({"interval_start": pd.to_datetime(["2026-02-20T08:00", "2026-02-25T17:45"])})
    night_of = dt.date(2026, 3, 1)  # 4 days after the newest interval
    assert stale_history("a", Path("h.sqlite"), history, night_of, 3) is not None
    assert stale_history("b", Path("h.sqlite"), history, night_of, 30) is None
    assert stale_history("a", Path("h.sqlite"), history, night_of, 4) is None  # exactly the age allowed
    assert load_batch_config(tmp_path / "batch.toml").batch.store_backups == 3  # the default


# --- case 13: a store that existed is never replaced silently ------------------------------------------------


@pytest.mark.parametrize("how", ["emptied", "deleted"])
def test_a_store_emptied_or_deleted_stops_the_night(site: Path, how: str) -> None:
    store = store_of(site)
    if how == "emptied":
        store.write_bytes(b"")
    else:
        store.unlink()
    outcome = night(site, NEXT_NIGHT)
    assert outcome.exit_code == EXIT_BAD_INPUT, outcome.summary
    text = outcome.summary
    assert f"the history store {store} is {'empty (0 bytes)' if how == 'emptied' else 'missing'}" in text
    assert f"runs published from {FIRST_NIGHT} to {FIRST_NIGHT}" in text  # how it knows there was a store
    assert f"`cp {store.with_name(f'history.sqlite.{FIRST_NIGHT}.bak')} {store}`" in text  # how to restore it
    assert "--reseed" in text and str(outcome.log) in text
    # not re-seeded, nothing published
    assert (store.stat().st_size == 0) if how == "emptied" else not store.exists()
    assert latest(site) == str(FIRST_NIGHT) and not (site / "schedules" / SITE / str(NEXT_NIGHT)).exists()


def test_reseed_starts_a_lost_store_again_only_when_asked(site: Path) -> None:
    store = store_of(site)
    store.unlink()
    config = str(site / "batch.toml")
    refused = wfm("batch", "run", "--config", config, "--date", str(NEXT_NIGHT))
    assert refused.returncode == EXIT_BAD_INPUT, refused.stderr
    assert str(store) in one_line(refused.stderr) and "internal error" not in refused.stderr
    assert not store.exists()

    reseeded = wfm("batch", "run", "--config", config, "--date", str(NEXT_NIGHT), "--reseed")
    assert reseeded.returncode == EXIT_WARNINGS, reseeded.stdout + reseeded.stderr
    assert "started again from" in one_line(reseeded.stdout) and "(--reseed)" in one_line(reseeded.stdout)
    with open(site / "site" / "history.csv") as history:
        assert stored_rows(store) == sum(1 for _ in history) - 1
    assert latest(site) == str(NEXT_NIGHT)


# --- case 14: a damaged store is bad input: the file is named, the backup restores it -----------------------


def test_a_corrupted_store_is_bad_input_and_its_backup_restores_it(site: Path) -> None:
    store = store_of(site)
    corrupt(store)
    damaged = store.read_bytes()
    result = wfm("batch", "run", "--config", str(site / "batch.toml"), "--date", str(NEXT_NIGHT))
    message = one_line(result.stderr)
    assert result.returncode == EXIT_BAD_INPUT, message  # was 4, "internal error ... malformed"
    assert "internal error" not in message and f"the history store {store} is damaged" in message
    assert "Restore the newest backup" in message and "--reseed" in message
    assert store.read_bytes() == damaged and latest(site) == str(FIRST_NIGHT)

    # The restore step the message gives works as written.
    restore = re.search(r"Restore the newest backup: `(.+?)`", message)
    assert restore is not None
    subprocess.run(restore.group(1), shell=True, check=True, cwd=site)
    (kept,) = store.parent.glob("history.sqlite.damaged-*")
    assert kept.read_bytes() == damaged  # kept, not deleted
    outcome = night(site, NEXT_NIGHT)
    assert outcome.exit_code in (0, 1), outcome.summary
    assert latest(site) == str(NEXT_NIGHT)


def test_reseed_keeps_a_damaged_store_aside(site: Path) -> None:
    store = store_of(site)
    corrupt(store)
    damaged = store.read_bytes()
    outcome = night(site, NEXT_NIGHT, reseed=True)
    assert outcome.exit_code == EXIT_WARNINGS, outcome.summary
    (kept,) = store.parent.glob("history.sqlite.damaged-*")
    assert kept.read_bytes() == damaged and stored_rows(store) > 0
    assert any(f"kept as {kept.name}" in w for w in outcome.warnings)


# --- the store's checks and backups on their own ------------------------------------------------------------


def test_inspect_store_tells_missing_empty_damaged_and_foreign_files_apart(tmp_path: Path) -> None:
    from wfm.batch.store import HistoryStore, inspect_store

    assert inspect_store(tmp_path / "none.sqlite").exists is False
    assert not (tmp_path / "none.sqlite").exists()  # looking does not create it
    (tmp_path / "empty.sqlite").write_bytes(b"")
    assert inspect_store(tmp_path / "empty.sqlite").empty
    (tmp_path / "text.sqlite").write_text("interval_start,queue,volume\n" * 200)
    assert "not a database" in (inspect_store(tmp_path / "text.sqlite").damage or "")
    with sqlite3.connect(tmp_path / "other.sqlite") as db:
        db.execute("CREATE TABLE customers (id)")
    assert "no 'history' table" in (inspect_store(tmp_path / "other.sqlite").damage or "")
    with HistoryStore(tmp_path / "h.sqlite") as store:
        store.ingest(pd_rows(["2026-03-02T08:00:00", "2026-03-02T08:15:00"]), source="a.csv")
    state = inspect_store(tmp_path / "h.sqlite")
    assert (state.rows, state.damage, state.empty) == (2, None, False)


def test_a_backup_is_taken_once_per_night_and_only_the_newest_are_kept(tmp_path: Path) -> None:
    from wfm.batch.store import HistoryStore, backups

    with HistoryStore(tmp_path / "h.sqlite") as store:
        store.ingest(pd_rows(["2026-03-02T08:00:00"]), source="a.csv")
        first = store.backup(dt.date(2026, 3, 1), keep=2)
        store.ingest(pd_rows(["2026-03-02T08:15:00"]), source="b.csv")
        assert store.backup(dt.date(2026, 3, 1), keep=2) is None  # the night re-run keeps the state before it
        assert first is not None and stored_rows(first) == 1
        for day in (2, 3):
            store.backup(dt.date(2026, 3, day), keep=2)
    assert [p.name for p in backups(tmp_path / "h.sqlite")] == ["h.sqlite.2026-03-03.bak", "h.sqlite.2026-03-02.bak"]
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]


def pd_rows(starts: list[str]) -> pd.DataFrame:
    return pd.DataFrame({"interval_start": starts, "queue": "chat", "volume": 5.0, "aht_seconds": 300.0})


# --- case 15: batch status shows the items past SLA ---------------------------------------------------------


def test_status_shows_items_past_sla(tmp_path: Path) -> None:
    run = tmp_path / "schedules" / "s1" / "2026-03-04"
    run.mkdir(parents=True)
    manifest = {"status": "FEASIBLE", "batch": {"exit_code": 1, "warnings": ["x"], "batch_seconds": {"total": 9}}}
    (run / "manifest.json").write_text(json.dumps(manifest))
    (run / "kpis.json").write_text('{"overall": {"service_level": 0.9, "items_past_sla": 630.25, "overtime_hours": 2}}')
    os.symlink(run.name, run.parent / "latest")
    (tmp_path / "batch.toml").write_text('[batch]\n[[sites]]\nname = "s1"\nscenario = "x"\ninbox = "y"\n')
    from wfm.batch.nightly import recent_runs

    (row,) = recent_runs(load_batch_config(tmp_path / "batch.toml"))
    assert row["items_past_sla"] == 630.25
    result = wfm("batch", "status", "--config", str(tmp_path / "batch.toml"))
    assert result.returncode == 0, result.stderr
    header = next(line for line in result.stdout.splitlines() if "service" in line)
    assert "past SLA" in header
    (line,) = [line for line in result.stdout.splitlines() if "2026-03-04" in line]
    assert re.search(r"│ 90\.0% +│ 630 +│ 2\.0 ", line), line


# --- Ctrl-C during a night: nothing published ------------------------------------------------------------------


def test_an_interrupted_night_publishes_nothing_and_exits_130(site: Path) -> None:
    # CP-SAT takes Ctrl-C as its time limit: the night used to publish the plan found so far, move `latest` and
    # exit 0, and a rerun then found its inputs "unchanged" and kept that plan.
    toml = site / "batch.toml"
    toml.write_text(toml.read_text().replace("time_limit_seconds = 1", "time_limit_seconds = 600"))
    before = latest(site)
    command = [sys.executable, "-c", "from wfm.cli import main; main()", "batch", "run", "--config", str(toml),
               "--date", str(NEXT_NIGHT)]  # fmt: skip
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    log = site / "schedules" / SITE / "logs" / f"{NEXT_NIGHT}.log"
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and not (log.exists() and "plan: horizon" in log.read_text()):
        time.sleep(0.05)
    time.sleep(3.0)  # forecast and model built: the search is under way
    process.send_signal(signal.SIGINT)
    _, stderr = process.communicate(timeout=60)
    assert process.returncode == 130, stderr
    assert "interrupted (SIGINT): nothing published" in one_line(stderr)
    assert latest(site) == before and not (site / "schedules" / SITE / str(NEXT_NIGHT)).exists()
    assert "interrupted (SIGINT): nothing published" in log.read_text()
