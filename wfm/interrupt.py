"""Ctrl-C (SIGINT) and SIGTERM stop a run cleanly: nothing is written and the exit code says why (130, 143).

CP-SAT catches SIGINT itself by default: it ends the search as if the time limit had passed (so an interrupted
run used to write the plan found so far and exit 0) and, when a solve ends, resets SIGINT to the default
action (so the next Ctrl-C killed the process outright). Within `interruptible()` every solve made through
`stoppable` leaves the signals to this module instead:

- the Python handler raises `Interrupted` in the main thread, which unwinds every stage as an exception does
  (the run folder is written atomically, so nothing appears and an earlier run stays as it was);
- the main thread cannot run that handler while it waits inside a solve, so a watcher thread, woken through
  `signal.set_wakeup_fd` the moment the signal arrives, stops every solve in progress (`stop_search`); the
  solve returns at once and the handler runs. Helper threads are daemons the unwinding does not wait for.

Outside `interruptible()` (library use, the nightly batch) solvers keep CP-SAT's own behaviour.
"""

from __future__ import annotations

import contextlib
import os
import signal
import threading
import time
from collections.abc import Iterator
from types import FrameType
from typing import Any

SIGNALS = (signal.SIGINT, signal.SIGTERM)


class Interrupted(BaseException):
    """The run was stopped by a signal. A BaseException, like KeyboardInterrupt: `except Exception` lets it
    through, so no stage mistakes it for a failure of its own and carries on."""

    def __init__(self, signum: int) -> None:
        self.signum = signum
        self.name = signal.Signals(signum).name
        super().__init__(f"interrupted by {self.name}")

    @property
    def exit_code(self) -> int:
        """128 + the signal number, as a shell reports a process ended by it: 130 for SIGINT, 143 for SIGTERM."""
        return 128 + self.signum


class _Guard:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.solvers: set[Any] = set()  # CpSolver objects solving now
        self.signum: int | None = None  # the first signal, as soon as the watcher sees it
        self.raised = False  # the main thread's handler has raised `Interrupted`

    def stop_all(self) -> None:
        with self.lock:
            solvers = list(self.solvers)
        for solver in solvers:
            solver.stop_search()


_guard: _Guard | None = None


@contextlib.contextmanager
def stoppable(solver: Any) -> Iterator[None]:
    """Around `solver.solve(...)` (a CpSolver): inside `interruptible()` the solver does not take SIGINT for
    itself, and a signal stops its search at once. Outside `interruptible()` it changes nothing."""
    guard = _guard
    if guard is None:
        yield
        return
    solver.parameters.catch_sigint_signal = False
    with guard.lock:
        guard.solvers.add(solver)
    try:
        yield
    finally:
        with guard.lock:
            guard.solvers.discard(solver)


@contextlib.contextmanager
def interruptible() -> Iterator[None]:
    """SIGINT and SIGTERM raise `Interrupted` in the main thread and stop every solve in progress.

    Only the main thread can own signal handlers: elsewhere (e.g. a test runner's worker thread) this does
    nothing, and signals keep their usual meaning."""
    global _guard
    if threading.current_thread() is not threading.main_thread() or _guard is not None:
        yield
        return
    guard = _Guard()
    read_end, write_end = os.pipe()
    os.set_blocking(write_end, False)

    def handler(signum: int, frame: FrameType | None) -> None:
        if guard.raised:  # a second signal while the first unwinds: the first one's exit stands
            return
        guard.raised = True
        guard.signum = guard.signum or signum
        raise Interrupted(guard.signum)

    def watch() -> None:
        while True:
            try:
                data = os.read(read_end, 64)
            except OSError:
                return
            if not data:  # the write end closed: the guard is over
                return
            signums = [b for b in data if b in SIGNALS]
            if not signums:
                continue
            if guard.signum is None:
                guard.signum = signums[0]
            # A solve that was about to start when the signal came may not have been stoppable yet: stop
            # whatever is solving for a little while longer, until the main thread's handler has unwound it.
            until = time.monotonic() + 5.0
            while time.monotonic() < until and _guard is guard:
                guard.stop_all()
                time.sleep(0.05)

    previous = {signum: signal.getsignal(signum) for signum in SIGNALS}
    previous_fd = signal.set_wakeup_fd(write_end, warn_on_full_buffer=False)
    watcher = threading.Thread(target=watch, name="wfm-interrupt-watcher", daemon=True)
    watcher.start()
    for signum in SIGNALS:
        signal.signal(signum, handler)
    _guard = guard
    try:
        yield
    finally:
        _guard = None
        for signum, action in previous.items():
            signal.signal(signum, action)
        signal.set_wakeup_fd(previous_fd)
        os.close(write_end)  # the watcher reads the end of the pipe and returns
        watcher.join(timeout=1.0)
        if not watcher.is_alive():  # else leave the fd open: a number reused by another file must not be read
            os.close(read_end)
