"""Where independent tasks run: the nightly job's sites, a what-if grid's scenarios, capacity scenarios.

Embedded by default, with nothing to start: one task at a time in this process, or with `workers` > 1 each task
in a process of its own on this machine (a task whose process dies, killed or out of memory, fails alone). Given
the address of a Dask distributed scheduler (`[cluster] address = "tcp://host:8786"` or `--cluster`), the same
tasks go to that cluster's workers instead (docs/cluster.md).

Every task comes back as a `TaskOutcome`, in the order given: its value, or what went wrong in one line. One
failed task never loses the others.
"""

from __future__ import annotations

import contextlib
import signal
import socket
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor
from dataclasses import dataclass
from multiprocessing import get_context
from typing import Any, Generic, TypeVar

from wfm import __version__

T = TypeVar("T")

# How long to wait for the scheduler to answer before saying it cannot be reached.
CONNECT_TIMEOUT_SECONDS = 15
# Tasks still waiting when the cluster has had no worker this long are given up (the workers are gone).
NO_WORKERS_SECONDS = 300.0
POLL_SECONDS = 5.0  # how often the scheduler is asked whether it still has workers, while tasks run


class ClusterError(Exception):
    """The cluster cannot be used (unreachable, or its workers run another wfm): nothing was run on it."""


@dataclass(frozen=True)
class Task:
    name: str  # a site, a scenario: how the outcome names it
    args: tuple[Any, ...]


@dataclass(frozen=True)
class TaskOutcome(Generic[T]):
    name: str
    value: T | None = None
    error: str | None = None  # what went wrong, when the task raised or its process or worker died

    @property
    def ok(self) -> bool:
        return self.error is None


def run_tasks(
    function: Callable[..., T],
    tasks: Sequence[Task],
    *,
    workers: int = 1,
    address: str | None = None,
) -> list[TaskOutcome[T]]:
    """`function(*task.args)` for every task, on the cluster at `address`, or on this machine with up to
    `workers` at once. `function` and the arguments are sent to other processes: a module-level function and
    picklable arguments. Raises ClusterError only when the cluster cannot be used at all."""
    if address:
        return _on_cluster(function, tasks, address)
    if workers <= 1 or len(tasks) <= 1:
        return [_in_process(function, task) for task in tasks]
    with ThreadPoolExecutor(max_workers=min(workers, len(tasks))) as threads:
        return list(threads.map(lambda task: _in_own_process(function, task), tasks))


def where_tasks_run(workers: int, tasks: int, address: str | None) -> str:
    """Where `run_tasks` runs this many tasks, in words for the planner."""
    if address:
        return f"Dask scheduler {address}"
    if workers <= 1 or tasks <= 1:
        return "this process"
    return f"up to {min(workers, tasks)} processes on this machine"


def failure_text(error: BaseException) -> str:
    """The failure in one line, with every problem of an input error (not just its heading)."""
    problems = getattr(error, "problems", None)
    if problems:
        return f"{type(error).__name__}: " + "; ".join(str(p) for p in problems)
    text = " ".join(line.strip() for line in str(error).strip().splitlines() if line.strip())
    return f"{type(error).__name__}: {text}" if text else type(error).__name__


@dataclass(frozen=True)
class _Failed:
    text: str


def _catching(function: Callable[..., T], *args: Any) -> T | _Failed:
    """Run where the task runs, so the failure is put in words there: an exception need not survive being sent
    back from another process or machine (one with its own constructor arguments would not)."""
    try:
        return function(*args)
    except Exception as error:
        return _Failed(failure_text(error))


def _outcome(name: str, value: T | _Failed) -> TaskOutcome[T]:
    return TaskOutcome(name, error=value.text) if isinstance(value, _Failed) else TaskOutcome(name, value)


def _in_process(function: Callable[..., T], task: Task) -> TaskOutcome[T]:
    return _outcome(task.name, _catching(function, *task.args))


def _die_with_parent() -> None:
    """A task's process ends with the job: a killed job must not leave a site half-way through publishing."""
    with contextlib.suppress(Exception):
        import ctypes

        ctypes.CDLL("libc.so.6").prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG


def _in_own_process(function: Callable[..., T], task: Task) -> TaskOutcome[T]:
    """The task in a fresh process of its own: a crash there (SIGKILL, out of memory) ends this task only,
    where a shared pool would break for every task still in it."""
    pool = ProcessPoolExecutor(max_workers=1, mp_context=get_context("spawn"), initializer=_die_with_parent)
    try:
        return _outcome(task.name, pool.submit(_catching, function, *task.args).result())
    except Exception as error:
        if type(error).__name__ == "BrokenProcessPool":
            return TaskOutcome(task.name, error="its process ended (killed, or out of memory)")
        return TaskOutcome(task.name, error=failure_text(error))
    finally:
        pool.shutdown(wait=True, cancel_futures=True)


def _worker_version() -> str:
    import wfm

    return wfm.__version__


def check_reachable(address: str) -> None:
    """Fail fast, before any work, when nothing listens at the scheduler's address (Dask's own client keeps
    retrying until its timeout)."""
    _, _, rest = address.partition("://")
    host, _, port = rest.rpartition(":")  # ClusterSettings checked the form: tcp:// or tls://, host, port
    try:
        socket.create_connection((host.strip("[]"), int(port)), timeout=CONNECT_TIMEOUT_SECONDS).close()
    except (OSError, ValueError) as error:
        raise ClusterError(_unreachable(address, error)) from None


def _unreachable(address: str, error: BaseException) -> str:
    return (
        f"could not reach the Dask scheduler at {address} ({failure_text(error)}): start one with `dask scheduler` "
        f"and workers with `dask worker {address}` (docs/cluster.md), or leave out the cluster address to run on "
        "this machine"
    )


def _on_cluster(function: Callable[..., T], tasks: Sequence[Task], address: str) -> list[TaskOutcome[T]]:
    from distributed import Client

    check_reachable(address)
    try:
        client = Client(address, timeout=CONNECT_TIMEOUT_SECONDS, set_as_default=False)
    except (OSError, TimeoutError, ValueError) as error:
        raise ClusterError(_unreachable(address, error)) from None
    with client:
        versions = client.run(_worker_version)
        if not versions:
            raise ClusterError(f"the Dask scheduler at {address} has no workers: start some with "
                               f"`dask worker {address}` (docs/cluster.md)")  # fmt: skip
        other = {worker: v for worker, v in versions.items() if v != __version__}
        if other:
            worker, version = next(iter(other.items()))
            raise ClusterError(
                f"worker {worker} of {address} runs wfm {version}, this machine {__version__}: install the same "
                "wfm on every worker (results must not depend on which machine planned them)"
            )
        futures = [client.submit(_catching, function, *task.args, key=f"{task.name}-{i}", pure=False)
                   for i, task in enumerate(tasks)]  # fmt: skip
        abandoned = _wait_while_workers(client, futures)
        outcomes: list[TaskOutcome[T]] = []
        for task, future in zip(tasks, futures, strict=True):
            if future in abandoned:
                outcomes.append(TaskOutcome(task.name, error=f"the cluster had no worker for "
                                            f"{NO_WORKERS_SECONDS:g} s; the task was given up"))  # fmt: skip
                continue
            try:
                outcomes.append(_outcome(task.name, future.result()))
            except Exception as error:  # its worker died more often than the scheduler allows, or it was lost
                outcomes.append(TaskOutcome(task.name, error=failure_text(error)))
        return outcomes


def _wait_while_workers(client: Any, futures: list[Any]) -> set[Any]:
    """Wait for every task; the ones still waiting after the cluster has had no worker for NO_WORKERS_SECONDS
    are cancelled and returned (a task never finishes on a cluster whose workers are all gone: without this a
    nightly job would hang until someone noticed)."""
    alone_since: float | None = None
    asked = time.monotonic()
    while not all(f.done() for f in futures):
        time.sleep(0.2)
        if time.monotonic() - asked < POLL_SECONDS:
            continue
        asked = time.monotonic()
        if client.scheduler_info().get("workers"):
            alone_since = None
            continue
        alone_since = alone_since or asked
        if asked - alone_since >= NO_WORKERS_SECONDS:
            waiting = {f for f in futures if not f.done()}
            client.cancel(list(waiting))
            return waiting
    return set()
