"""The discrete-event core: one queue, the windows its servers work it, and one replication's arrivals.

A plan puts every agent on one queue (or on a break, an activity, off) at any moment, so no two queues share
a person at the same time and each queue can be simulated on its own. A *server* is one agent's capacity on
the queue: their work windows there (seconds from the horizon start, sorted, not overlapping) and their speed
(proficiency: 0.5 takes twice the handle time). A chat agent at concurrency c is c servers with the same
windows (the same model Erlang C for chat uses, so the two can be compared).

Rules of the floor the engine keeps:
- a server takes a new contact or item only inside a window (start < window end) and finishes the one in hand
  after the window ends; the overrun delays the server's next window on the queue by as much (the break is
  taken in full). A server is one agent's windows on the queue within one shift, so when the next activity is
  another queue, the overrun is charged to this queue's next window rather than to the other queue's;
- live queues are first come, first served; a caller whose wait would pass their patience hangs up at that
  moment and never takes a server (exact for FCFS: the earliest free server serves the head of the line);
- deferred queues are worked earliest deadline first by whichever server is free first.

Both loops cost O((arrivals + windows) log servers) with the heap in C (heapq); see docs/simulation.md for the
measured speed against SimPy.
"""

from __future__ import annotations

import heapq
import math
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

FloatArray = npt.NDArray[np.float64]


@dataclass(frozen=True)
class Server:
    """One agent's capacity on one queue: windows [starts[k], ends[k]) in seconds, and their speed."""

    starts: tuple[float, ...]
    ends: tuple[float, ...]
    speed: float = 1.0

    def __post_init__(self) -> None:
        if len(self.starts) != len(self.ends):
            raise ValueError("a server needs as many window ends as starts")
        if not self.speed > 0:
            raise ValueError("a server's speed (proficiency) must be > 0")
        for k, (start, end) in enumerate(zip(self.starts, self.ends, strict=True)):
            if not start < end or (k and start < self.ends[k - 1]):
                raise ValueError("a server's windows must be sorted, non-empty and not overlapping")


class _Servers:
    """The servers' state during one run: a heap of (earliest start, server), each server's current window, and
    when a server whose last contact ran past its window's end is back (the break after it taken in full)."""

    def __init__(self, servers: list[Server]) -> None:
        self.heap = [(s.starts[0], i) for i, s in enumerate(servers) if s.starts]
        heapq.heapify(self.heap)
        self.starts = [s.starts for s in servers]
        self.ends = [s.ends for s in servers]
        self.speed = [s.speed for s in servers]
        self.position = [0] * len(servers)
        self.back = [0.0] * len(servers)

    def serve(self, server: int, start: float, work_seconds: float) -> float:
        """`server` takes a contact at `start`; returns when it is done."""
        done = start + work_seconds / self.speed[server]
        k = self.position[server]
        ends, starts = self.ends[server], self.starts[server]
        if done > ends[k] and k + 1 < len(ends):
            # The gap after this window (a break, another queue's stint) starts when the contact is done.
            self.back[server] = done + (starts[k + 1] - ends[k])
        heapq.heapreplace(self.heap, (done, server))
        return done

    def first_free(self, now: float) -> tuple[float, int] | None:
        """The server that can start next at or after `now`, and when; None when no server works again.

        Heap keys are lower bounds on when each server can start; a key past its window's end moves the server
        to its next window, no earlier than it is back from an overrun (or out of the heap when it has none
        left), then the loop looks again."""
        heap, starts, ends, position, back = self.heap, self.starts, self.ends, self.position, self.back
        while heap:
            free, server = heap[0]
            start = free if free > now else now
            k = position[server]
            server_ends = ends[server]
            if start < server_ends[k]:
                return start, server
            k += 1
            while k < len(server_ends) and server_ends[k] <= start:
                k += 1
            if k == len(server_ends):
                heapq.heappop(heap)
                continue
            position[server] = k
            opens = max(starts[server][k], back[server], start)
            back[server] = 0.0
            heapq.heapreplace(heap, (opens, server))
        return None


def live_queue(
    arrivals: FloatArray, work_seconds: FloatArray, patience_seconds: FloatArray, servers: list[Server],
    closes: FloatArray | float,
) -> tuple[FloatArray, npt.NDArray[np.bool_], npt.NDArray[np.bool_]]:  # fmt: skip
    """Each contact's wait, whether it was answered and whether the caller hung up; a contact neither answered
    nor hung up was still waiting when the queue closed.

    `arrivals` sorted, in seconds; `work_seconds` each contact's handle time at proficiency 1;
    `patience_seconds` how long each caller would wait (inf: never hangs up); `closes` when the queue closes
    after each arrival (or one moment for all, e.g. the horizon's end): nobody is answered after it, so a
    caller without patience does not wait overnight. The wait of a caller who hangs up is their patience; of one
    still waiting at closing time, the time to it.
    """
    count = len(arrivals)
    state = _Servers(servers)
    waits = [0.0] * count
    answered = [False] * count
    hung_up = [False] * count
    closing = np.broadcast_to(np.asarray(closes, dtype=float), arrivals.shape).tolist()
    for i, (arrived, work, patience, close) in enumerate(
        zip(arrivals.tolist(), work_seconds.tolist(), patience_seconds.tolist(), closing, strict=True)
    ):
        found = state.first_free(arrived)
        remaining = max(0.0, close - arrived)
        wait = math.inf if found is None else found[0] - arrived
        if wait > min(patience, remaining):  # gone before anybody is free: hung up, or the queue closed
            waits[i] = min(patience, remaining)
            hung_up[i] = patience <= remaining
            continue
        assert found is not None
        start, server = found
        waits[i] = wait
        answered[i] = True
        state.serve(server, start, work)
    return np.asarray(waits, dtype=float), np.asarray(answered, dtype=bool), np.asarray(hung_up, dtype=bool)


def deferred_queue(
    arrivals: FloatArray, deadlines: FloatArray, work_seconds: FloatArray, servers: list[Server]
) -> FloatArray:
    """When each item is finished (inf: not within the horizon), worked earliest deadline first.

    `arrivals` sorted, in seconds (carried-in backlog arrives at 0); `deadlines` in seconds (inf: not due within
    the horizon). An item can be started from its arrival on.
    """
    count = len(arrivals)
    state = _Servers(servers)
    arrived = arrivals.tolist()
    due = deadlines.tolist()
    work = work_seconds.tolist()
    finished = [math.inf] * count
    waiting: list[tuple[float, int]] = []
    following = 0
    while following < count or waiting:
        now = arrived[following] if not waiting else 0.0
        found = state.first_free(now)
        if found is None:
            break
        start, server = found
        if start > state.heap[0][0]:  # the server idled until the next arrival: its key moves there, checked again
            heapq.heapreplace(state.heap, (start, server))
            continue
        while following < count and arrived[following] <= start:
            heapq.heappush(waiting, (due[following], following))
            following += 1
        _, item = heapq.heappop(waiting)
        finished[item] = state.serve(server, start, work[item])
    return np.asarray(finished, dtype=float)
