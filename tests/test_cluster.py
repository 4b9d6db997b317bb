"""Tasks on a real Dask cluster (a LocalCluster of 2 worker processes, reached by its scheduler address, as a
remote one would be) give the same results as in this process; one failed task never loses the others."""

from __future__ import annotations

import datetime as dt
import logging
import os
import shutil
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import cloudpickle
import dask
import pandas as pd
import pytest
from batch_fixtures import tiny_site
from typer.testing import CliRunner

import wfm.cluster as cluster_module
from wfm.batch.config import load_batch_config
from wfm.batch.nightly import run_batch
from wfm.cli import app
from wfm.cluster import Task, run_tasks
from wfm.io.errors import Problem, ScenarioError

# The test functions travel to the workers by value: the workers cannot import this test module.
cloudpickle.register_pickle_by_value(sys.modules[__name__])
runner = CliRunner()
NIGHT = dt.date(2026, 2, 28)


def square(x: int) -> int:
    return x * x


def fails_on_two(x: int) -> int:
    if x == 2:
        raise ValueError("two is not allowed")
    return x


def bad_input_on_two(x: int) -> int:
    if x == 2:
        raise ScenarioError([Problem("staff.csv", 7, "contract", "ft99", "a contract of site.toml")])
    return x


def dies_on_two(x: int) -> int:
    if x == 2:
        os._exit(9)  # the process ends as if killed: no exception, no clean-up
    return x


@pytest.fixture(scope="module")
def scheduler() -> Iterator[str]:
    from distributed import LocalCluster

    # A task that kills its worker fails at once (the default retries it on 3 more workers).
    with dask.config.set({"distributed.scheduler.allowed-failures": 0}), LocalCluster(
        n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None, silence_logs=logging.ERROR
    ) as cluster:  # fmt: skip
        yield cluster.scheduler_address


TASKS = [Task(f"t{x}", (x,)) for x in (1, 2, 3)]


def test_tasks_on_the_cluster_give_what_they_give_here(scheduler: str) -> None:
    here = run_tasks(square, TASKS)
    processes = run_tasks(square, TASKS, workers=2)
    there = run_tasks(square, TASKS, address=scheduler)
    assert [(o.name, o.value) for o in here] == [("t1", 1), ("t2", 4), ("t3", 9)]
    assert processes == here
    assert there == here


@pytest.mark.parametrize("where", ["this process", "processes", "cluster"])
def test_one_failed_task_never_loses_the_others(scheduler: str, where: str) -> None:
    options = {"this process": {}, "processes": {"workers": 2}, "cluster": {"address": scheduler}}[where]
    outcomes = run_tasks(fails_on_two, TASKS, **options)  # type: ignore[arg-type]
    assert [(o.name, o.value) for o in outcomes] == [("t1", 1), ("t2", None), ("t3", 3)]
    assert outcomes[1].error == "ValueError: two is not allowed"


@pytest.mark.parametrize("where", ["processes", "cluster"])
def test_a_failed_task_says_what_was_wrong_from_wherever_it_ran(scheduler: str, where: str) -> None:
    options = {"processes": {"workers": 2}, "cluster": {"address": scheduler}}[where]
    outcomes = run_tasks(bad_input_on_two, TASKS, **options)  # type: ignore[arg-type]
    assert outcomes[1].error == (
        "ScenarioError: staff.csv, row 7, column 'contract': 'ft99' is not a contract of site.toml."
    )


def test_tasks_on_a_cluster_whose_workers_are_gone_are_given_up_not_waited_for(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from distributed import Client, LocalCluster

    monkeypatch.setattr(cluster_module, "NO_WORKERS_SECONDS", 2.0)
    monkeypatch.setattr(cluster_module, "POLL_SECONDS", 0.5)
    # Dask's default: a task whose worker died is run again on another worker, so it waits for one
    with dask.config.set({"distributed.scheduler.allowed-failures": 3}), LocalCluster(
        n_workers=0, dashboard_address=":0", silence_logs=logging.CRITICAL
    ) as cluster:  # fmt: skip
        # one worker as an operator starts it, without a nanny: once killed nobody starts it again
        worker = subprocess.Popen([str(Path(sys.executable).parent / "dask"), "worker", cluster.scheduler_address,
                                   "--no-nanny", "--nthreads", "1", "--dashboard-address", ":0"],
                                  stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)  # fmt: skip
        try:
            with Client(cluster.scheduler_address) as client:
                client.wait_for_workers(1, timeout=60)
            threading.Timer(3.0, worker.kill).start()
            started = time.monotonic()
            outcomes = run_tasks(time.sleep, [Task("slow", (60,))], address=cluster.scheduler_address)
        finally:
            worker.kill()
            worker.wait()
    assert time.monotonic() - started < 30
    assert outcomes[0].error is not None and "no worker" in outcomes[0].error


@pytest.mark.parametrize("where", ["processes", "cluster"])
def test_a_task_whose_process_dies_fails_alone(scheduler: str, where: str) -> None:
    options = {"processes": {"workers": 2}, "cluster": {"address": scheduler}}[where]
    outcomes = run_tasks(dies_on_two, TASKS, **options)  # type: ignore[arg-type]
    assert [(o.name, o.value) for o in outcomes] == [("t1", 1), ("t2", None), ("t3", 3)]
    assert outcomes[1].error is not None
    assert ("process ended" if where == "processes" else "KilledWorker") in outcomes[1].error


def test_a_whatif_grid_on_the_cluster_equals_the_one_planned_here(scheduler: str, tmp_path: Path) -> None:
    from wfm.demo import generate_operation

    generate_operation(tmp_path / "site", agents=20, queues=3, weeks_history=3, horizon_days=2)
    frames = []
    for name, extra in (("here", []), ("cluster", ["--cluster", scheduler])):
        ran = runner.invoke(app, ["whatif", str(tmp_path / "site"), "--vary",
                                  "cross_training=on,off", "--days", "1", "--time-limit", "1", "--out",
                                  str(tmp_path / name), *extra])  # fmt: skip
        assert ran.exit_code == 0, ran.output
        frames.append(pd.read_csv(tmp_path / name / "whatif" / "2026-03-02" / "whatif.csv").drop(columns="seconds"))
    assert len(frames[0]) == 2
    pd.testing.assert_frame_equal(frames[0], frames[1])


def test_the_nightly_sites_on_the_cluster_publish_what_they_publish_here(scheduler: str, tmp_path: Path) -> None:
    site = tiny_site(tmp_path / "one", horizon_days=2, settings="time_limit_seconds = 1\nmax_workers = 1")
    text = (site / "batch.toml").read_text()
    # a second site: the same operation under another name, with its own inbox
    (site / "inbox2").mkdir()
    (site / "batch.toml").write_text(text + '\n[[sites]]\nname = "second"\nscenario = "site"\ninbox = "inbox2"\n'
                                     "horizon_days = 2\n")  # fmt: skip
    shutil.copytree(site, tmp_path / "two")
    config_here = load_batch_config(site / "batch.toml")
    there = load_batch_config(tmp_path / "two" / "batch.toml")
    there = there.model_copy(update={"cluster": there.cluster.model_copy(update={"address": scheduler})})
    outcomes_here = run_batch(config_here, NIGHT, ["test"])
    outcomes_there = run_batch(there, NIGHT, ["test"])
    # published (1: with the tiny site's warnings, e.g. service below target), the same here and there
    assert [(o.site, o.exit_code, o.warnings) for o in outcomes_here] == [(o.site, o.exit_code, o.warnings)
                                                                          for o in outcomes_there]  # fmt: skip
    assert [(o.site, o.exit_code in (0, 1)) for o in outcomes_here] == [("tiny", True), ("second", True)]
    for name in ("tiny", "second"):
        for file in ("shifts.csv", "assignments.csv", "forecast.csv"):
            here = (site / "schedules" / name / "latest" / file).read_text()
            assert here == (tmp_path / "two" / "schedules" / name / "latest" / file).read_text(), (name, file)
