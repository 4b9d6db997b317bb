"""The typed outcome of one scheduling run: status, bound, the plan itself and where it came from."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from enum import StrEnum


class SolveStatus(StrEnum):
    OPTIMAL = "OPTIMAL"  # proven best for the model
    FEASIBLE = "FEASIBLE"  # a plan, not proven best (see gap)
    INFEASIBLE = "INFEASIBLE"  # the hard rules cannot all hold
    UNKNOWN = "UNKNOWN"  # no plan found within the time limit
    MODEL_INVALID = "MODEL_INVALID"  # a bug: the model itself is malformed

    @property
    def has_plan(self) -> bool:
        return self in (SolveStatus.OPTIMAL, SolveStatus.FEASIBLE)


@dataclass(frozen=True)
class ShiftAssignment:
    """One worked shift. `date` is the day the shift starts on; times are site-local."""

    agent_id: str
    date: dt.date
    template_id: str
    start: dt.datetime
    end: dt.datetime
    paid_minutes: int


@dataclass(frozen=True)
class Segment:
    """A contiguous stretch of one activity for one agent (the rows of assignments.csv).

    activity: work | break | lunch | training | meeting | ... | time_off | available (on shift, no open queue
    to work). `queue` is set only for `work`, `reason` (time_off.csv's) only for `time_off`.
    """

    agent_id: str
    start: dt.datetime
    end: dt.datetime
    activity: str
    queue: str | None = None
    reason: str | None = None


@dataclass(frozen=True)
class ScheduleResult:
    status: SolveStatus
    objective: float | None
    best_bound: float | None
    runtime_seconds: float
    shifts: tuple[ShiftAssignment, ...] = ()
    segments: tuple[Segment, ...] = ()
    # Overtime hours per agent per planning week (7 days from the horizon start): {(agent_id, week_start): hours}
    overtime_hours: dict[tuple[str, dt.date], float] = field(default_factory=dict)
    message: str = ""  # why there is no plan, or notes on the plan
    model_stats: dict[str, int] = field(default_factory=dict)
    # Agents whose own week cannot keep the hard rules (no plan for anybody then), each with why.
    impossible_agents: dict[str, str] = field(default_factory=dict)

    @property
    def gap(self) -> float | None:
        """Relative gap between the plan's objective and the proven bound (0 = proven optimal)."""
        if self.objective is None or self.best_bound is None:
            return None
        denominator = max(abs(self.objective), 1e-9)
        return max(0.0, (self.objective - self.best_bound) / denominator)

    def summary(self) -> str:
        gap = "n/a" if self.gap is None else f"{self.gap:.2%}"
        objective = "n/a" if self.objective is None else f"{self.objective:,.1f}"
        return (
            f"status {self.status.value}, objective {objective}, gap {gap}, "
            f"{len(self.shifts)} shifts, {self.runtime_seconds:.1f} s"
        )
