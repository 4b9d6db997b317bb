"""What every scheduling rule plug-in is: an id, `add_to_model`, an independent `audit` and `limits`."""

from __future__ import annotations

import datetime as dt
from abc import ABC, abstractmethod
from collections import defaultdict
from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, ClassVar

from wfm.domain import Contract
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


def cap_template_shifts(
    ctx: ModelContext, caps_of: Callable[[Contract], Mapping[str, int]], windows: Sequence[Collection[int]]
) -> None:
    """For each agent, at most `cap` shifts of a template in each window of day indexes, the caps being the
    agent's contract's `caps_of` (per week, per horizon)."""
    for a, agent in enumerate(ctx.data.agents):
        for template_id, cap in caps_of(agent.contract).items():
            for days in windows:
                chosen = [
                    ctx.x[a, o]
                    for o, option in enumerate(agent.options)
                    if option.template_id == template_id and option.day in days
                ]
                if len(chosen) > cap:
                    ctx.model.add(sum(chosen) <= cap)
