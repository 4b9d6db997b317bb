"""Named moments at which a test can kill the process outright, to prove that a crash there loses nothing.

`kill_point("batch:latest-moved")` does nothing unless the environment variable `WFM_KILL_AT` names that
moment; then the process sends itself SIGKILL (no cleanup, no `finally`, exactly what an out-of-memory kill
or a power cut does). `WFM_KILL_AT=name#2` kills at the second time the moment is reached (retention deletes
several runs). The variable is for tests and fault drills only; nothing sets it in normal use.
"""

from __future__ import annotations

import os
import signal
from collections import Counter

KILL_AT = "WFM_KILL_AT"
_reached: Counter[str] = Counter()


def kill_point(name: str) -> None:
    wanted = os.environ.get(KILL_AT)
    if not wanted:
        return
    target, _, nth = wanted.partition("#")
    if target != name:
        return
    _reached[name] += 1
    if _reached[name] == (int(nth) if nth.isdigit() else 1):
        os.kill(os.getpid(), signal.SIGKILL)
