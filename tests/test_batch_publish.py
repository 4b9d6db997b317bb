"""A reader of `latest` always finds a complete plan, whatever kills the nightly job (issue 16, cases 1 and 2).

A small generated site (20 agents, 3 queues, 2-day horizon, 0.2 s solver limit, keep_runs 2) publishes the nights
of 1 and 2 March once. Each test works on a copy: the night runs in a forked process that is killed with SIGKILL
(no cleanup at all) at one named moment of publishing or retention (`wfm.faults.kill_point`), then
`latest` must resolve to a complete run (every file its manifest lists) and the next run of the night must
publish and leave nothing behind.
"""

from __future__ import annotations

import datetime as dt
import json
import multiprocessing
import os
import shutil
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from batch_fixtures import SITE, run_night, tiny_site

from wfm.batch.nightly import EXIT_OK, EXIT_WARNINGS, SiteOutcome
from wfm.batch.run_folders import latest_problem
from wfm.faults import KILL_AT

NIGHTS = (dt.date(2026, 3, 1), dt.date(2026, 3, 2))
NEXT_NIGHT = dt.date(2026, 3, 3)
PUBLISHING = (
    "run:writing",  # the run's files half-written in the hidden staging folder
    "atomic_directory:staged",  # all written and flushed, not yet renamed into place
    "atomic_directory:placed",  # the new run folder in place, `latest` not moved
    "batch:written",
    "batch:link-made",  # the new `latest` link made under a hidden name, not yet swapped in
    "batch:latest-moved",  # `latest` swapped, retention not begun
)
RETENTION = (
    "batch:retention-hidden",  # the oldest run renamed hidden, nothing deleted yet
    "batch:retention-deleting#2",  # its second file deleted
    "batch:retention-done",
)


@pytest.fixture(scope="module")
def two_nights(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tiny_site(
        tmp_path_factory.mktemp("publish"),
        horizon_days=2,
        settings="time_limit_seconds = 0.2\ndeterministic = false\nkeep_runs = 2",
    )
    for night in NIGHTS:
        assert run(root, night).exit_code in (EXIT_OK, EXIT_WARNINGS)
    return root


@pytest.fixture
def site(two_nights: Path, tmp_path: Path) -> Path:
    copy = tmp_path / "copy"
    shutil.copytree(two_nights, copy, symlinks=True)
    return copy


def run(root: Path, night: dt.date) -> SiteOutcome:
    return run_night(root, night)


def _night_killed_at(root: Path, night: dt.date, moment: str) -> None:
    os.environ[KILL_AT] = moment
    run(root, night)


def killed_at(root: Path, moment: str, night: dt.date) -> int:
    """Run the night in a forked copy of this process (no second start-up) that kills itself at `moment`;
    its exit code (-9 when the moment was reached)."""
    child = multiprocessing.get_context("fork").Process(target=_night_in_child_guarded, args=(root, night, moment))
    child.start()
    child.join(timeout=180)
    return child.exitcode if child.exitcode is not None else 0


def _night_in_child_guarded(root: Path, night: dt.date, moment: str) -> None:
    _night_killed_at(root, night, moment)
    os._exit(0)  # reached the end: the moment never came


def runs_dir(root: Path) -> Path:
    return root / "schedules" / SITE


def complete(folder: Path) -> bool:
    manifest = folder / "manifest.json"
    if not manifest.exists():
        return False
    return all((folder / name).is_file() for name in json.loads(manifest.read_text())["files"])


def latest_run(root: Path) -> str:
    link = runs_dir(root) / "latest"
    target = os.readlink(link)
    assert complete(runs_dir(root) / target), f"latest -> {target} is not a complete run"
    return target


def visible_runs(root: Path) -> list[str]:
    return sorted(p.name for p in runs_dir(root).iterdir() if p.name[0].isdigit())


def leftovers(root: Path) -> list[str]:
    """Hidden staging / deleting folders and links, and run folders without a manifest."""
    folder = runs_dir(root)
    hidden = [p.name for p in folder.iterdir() if p.name.startswith(".") and p.name != ".lock"]
    partial = [p.name for p in folder.iterdir() if p.name[0].isdigit() and not complete(p)]
    return hidden + partial


@pytest.mark.parametrize("moment", PUBLISHING + RETENTION)
def test_a_night_killed_at_any_moment_leaves_latest_on_a_complete_run(site: Path, moment: str) -> None:
    before = latest_run(site)
    assert before == "2026-03-02"
    assert killed_at(site, moment, NEXT_NIGHT) == -signal.SIGKILL, f"never reached {moment}"
    # at the instant of the kill: the old plan or the new one, complete either way
    after = latest_run(site)
    assert after == (before if moment in PUBLISHING[:-1] else "2026-03-03")
    # the next run of the night publishes (or finds the run the killed one published), and cleans up
    outcome = run(site, NEXT_NIGHT)
    assert outcome.exit_code in (EXIT_OK, EXIT_WARNINGS), outcome.summary
    assert latest_run(site) == "2026-03-03"
    assert leftovers(site) == []
    # keep_runs 2: the last two nights; the plan `latest` left tonight stays until the next night anyway
    assert visible_runs(site) == ["2026-03-02", "2026-03-03"]


@pytest.mark.parametrize("moment", PUBLISHING)
def test_a_night_planned_again_is_published_beside_the_first_and_never_leaves_latest_dangling(
    site: Path, moment: str
) -> None:
    # The case that used to dangle: the night of 2 March run again with a changed input moved the published
    # 2026-03-02 aside before putting the new one in its place; killed in between, `latest` pointed at nothing.
    with (site / "site" / "time_off.csv").open("a") as handle:
        handle.write("A0005,2026-03-04T00:00:00,2026-03-05T00:00:00,sick\n")
    assert killed_at(site, moment, NIGHTS[1]) == -signal.SIGKILL, f"never reached {moment}"
    assert latest_run(site) in ("2026-03-02", "2026-03-02.2")
    assert (runs_dir(site) / "2026-03-02" / "manifest.json").exists()  # a published folder is never replaced
    outcome = run(site, NIGHTS[1])
    assert outcome.exit_code in (EXIT_OK, EXIT_WARNINGS), outcome.summary
    assert latest_run(site) == "2026-03-02.2"
    assert leftovers(site) == []
    # the superseded 2026-03-02 stays for a reader who resolved `latest` just before the swap
    assert visible_runs(site) == ["2026-03-01", "2026-03-02", "2026-03-02.2"]
    assert run(site, NEXT_NIGHT).exit_code in (EXIT_OK, EXIT_WARNINGS)
    assert visible_runs(site) == ["2026-03-02.2", "2026-03-03"]


def test_a_reader_polling_latest_during_nights_always_finds_a_complete_run(site: Path) -> None:
    seen: set[str] = set()
    failures: list[str] = []
    done = threading.Event()

    def read() -> None:
        while not done.is_set():
            try:
                seen.add(latest_run(site))
            except (AssertionError, OSError) as error:  # pragma: no cover - what the test guards against
                failures.append(str(error))
            time.sleep(0.002)

    reader = threading.Thread(target=read)
    reader.start()
    try:
        with (site / "site" / "time_off.csv").open("a") as handle:
            handle.write("A0005,2026-03-04T00:00:00,2026-03-05T00:00:00,sick\n")
        run(site, NIGHTS[1])  # planned again: 2026-03-02.2
        run(site, NEXT_NIGHT)  # the next night: retention removes 2026-03-01 and the superseded 2026-03-02
        deadline = time.monotonic() + 5  # the reader's next poll, after the last swap
        while "2026-03-03" not in seen and time.monotonic() < deadline:
            time.sleep(0.01)
    finally:
        done.set()
        reader.join()
    assert failures == []
    assert {"2026-03-02", "2026-03-02.2", "2026-03-03"} <= seen


def test_a_latest_removed_by_hand_is_reported_by_status_and_repaired_by_the_next_night(site: Path) -> None:
    (runs_dir(site) / "latest").unlink()
    assert latest_problem(runs_dir(site)) == f"{runs_dir(site) / 'latest'} is missing although 2 run(s) exist"
    command = [sys.executable, "-c", "from wfm.cli import main; main()", "batch", "status",
               "--config", str(site / "batch.toml")]  # fmt: skip
    status = subprocess.run(command, capture_output=True, text=True, timeout=120)
    assert status.returncode == 1
    assert "latest is missing although 2 run(s) exist" in " ".join(status.stderr.split())
    os.symlink("2026-02-01", runs_dir(site) / "latest")  # dangling
    assert "points at 2026-02-01, which is not a complete run" in str(latest_problem(runs_dir(site)))
    run(site, NEXT_NIGHT)
    assert latest_run(site) == "2026-03-03"
    log = (runs_dir(site) / "logs" / "2026-03-03.log").read_text()
    assert "repaired: " in log and "it now points at 2026-03-02" in log
