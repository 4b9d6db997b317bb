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
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor
from dataclasses import dataclass
from multiprocessing import get_context
from typing import Any, Generic, TypeVar

from pydantic import BaseModel, ConfigDict, field_validator

from wfm import __version__

T = TypeVar("T")

# How long to wait for the scheduler to answer before saying it cannot be reached.
CONNECT_TIMEOUT_SECONDS = 15


class ClusterSettings(BaseModel):
    """`[cluster]` of batch.toml or a what-if or capacity file."""

    model_config = ConfigDict(frozen=True, extra="forbid")
    # A Dask distributed scheduler, e.g. "tcp://planner-01:8786"; none: this machine.
    address: str | None = None

    @field_validator("address")
    @classmethod
    def _scheduler_address(cls, value: str | None) -> str | None:
        if value is not None and "://" not in value:
            raise ValueError(f"{value!r} is not a scheduler address; write it as tcp://host:8786")
        return value


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
    text = str(error).strip().splitlines()
    return f"{type(error).__name__}: {text[0]}" if text else type(error).__name__


def _in_process(function: Callable[..., T], task: Task) -> TaskOutcome[T]:
    try:
        return TaskOutcome(task.name, function(*task.args))
    except Exception as error:
        return TaskOutcome(task.name, error=failure_text(error))


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
        return TaskOutcome(task.name, pool.submit(function, *task.args).result())
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
    """Fail fast, before any work, when nothing listens at a tcp:// scheduler address (Dask's own client keeps
    retrying until its timeout)."""
    scheme, _, rest = address.partition("://")
    host, _, port = rest.rpartition(":")
    if scheme != "tcp" or not port.isdigit():
        return  # another transport: Dask's client says what is wrong
    try:
        socket.create_connection((host.strip("[]") or "localhost", int(port)), timeout=CONNECT_TIMEOUT_SECONDS).close()
    except OSError as error:
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
        futures = [client.submit(function, *task.args, key=f"{task.name}-{i}", pure=False) for i, task in
                   enumerate(tasks)]  # fmt: skip
        outcomes: list[TaskOutcome[T]] = []
        for task, future in zip(tasks, futures, strict=True):
            try:
                outcomes.append(TaskOutcome(task.name, future.result()))
            except Exception as error:  # the task raised, or its worker died more often than the scheduler allows
                outcomes.append(TaskOutcome(task.name, error=failure_text(error)))
        return outcomes
