"""What every scheduling rule plug-in is: an id, `add_to_model`, an independent `audit` and `limits`."""

from __future__ import annotations

import datetime as dt
from abc import ABC, abstractmethod
from collections import defaultdict
from dataclasses import dataclass
from typing import TYPE_CHECKING, ClassVar

from wfm.scheduling.problem import AgentData, ProblemData
from wfm.scheduling.result import ScheduleResult, ShiftAssignment

if TYPE_CHECKING:
    from wfm.scheduling.context import ModelContext


@dataclass(frozen=True)
class Violation:
    rule_id: str
    agent_id: str
    date: dt.date | None
    message: str

    def __str__(self) -> str:
        day = f" on {self.date:%a %d %b}" if self.date else ""
        return f"[{self.rule_id}] agent {self.agent_id}{day}: {self.message}"


class Rule(ABC):
    id: ClassVar[str]
    description: ClassVar[str]

    def add_to_model(self, ctx: ModelContext) -> None:  # noqa: B027 - audit-only rules add nothing
        """Add the rule's constraints. Rules enforced by option generation add nothing here."""

    @abstractmethod
    def audit(self, data: ProblemData, plan: ScheduleResult) -> list[Violation]: ...

    def limits(self, data: ProblemData, agent: AgentData) -> str:
        """The rule as it binds this agent, in a planner's words (used to explain an impossible week)."""
        return self.description.rstrip(".")


def shifts_by_agent(plan: ScheduleResult) -> dict[str, list[ShiftAssignment]]:
    out: dict[str, list[ShiftAssignment]] = defaultdict(list)
    for shift in plan.shifts:
        out[shift.agent_id].append(shift)
    for shifts in out.values():
        shifts.sort(key=lambda s: s.start)
    return out
