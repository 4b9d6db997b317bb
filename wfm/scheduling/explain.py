"""Why no plan exists: the smallest set of hard rules each impossible agent's week breaks."""

from __future__ import annotations

from collections.abc import Sequence

from ortools.sat.python import cp_model

from wfm.interrupt import stoppable
from wfm.scheduling.context import ModelContext, agent_model, agent_solver
from wfm.scheduling.problem import ProblemData
from wfm.scheduling.rules import HARD_RULES


def _feasible(sub: ModelContext, seconds: float) -> bool | None:
    """True / False when CP-SAT proves it, None when it could not decide in time."""
    solver = agent_solver()
    solver.parameters.max_time_in_seconds = seconds
    with stoppable(solver):
        code = solver.solve(sub.model)
    if code in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return True
    return False if code == cp_model.INFEASIBLE else None


def explain_infeasible_agents(
    data: ProblemData, agents: Sequence[int] | None = None, *, seconds_per_check: float = 2.0
) -> list[str]:
    """For every agent whose own week cannot satisfy the hard rules, the smallest set of rules that conflict.

    Every hard rule is per agent, so a plan exists exactly when each agent's week is feasible alone. For an
    agent whose week is not, rules are dropped one at a time while the rest still conflict (a deletion filter),
    leaving a minimal conflicting set: removing any one of its rules would make the week possible. The shift
    options themselves (templates, availability, time off, rest after last week) are always in force.
    """
    found: list[str] = []
    for index in range(len(data.agents)) if agents is None else agents:
        agent = data.agents[index]
        if _feasible(agent_model(data, agent, HARD_RULES), seconds_per_check) is not False:
            continue
        conflict = list(HARD_RULES)
        for rule in list(conflict):
            trial = [r for r in conflict if r is not rule]
            if _feasible(agent_model(data, agent, trial), seconds_per_check) is False:
                conflict = trial
        days = sorted({option.day for option in agent.options})
        when = ", ".join(f"{data.grid.date_of(d):%a %d}" for d in days) or "no day at all"
        rules = "; ".join(f"{rule.id} ({rule.limits(data, agent)})" for rule in conflict)
        found.append(
            f"agent {agent.agent.agent_id} ({agent.contract.id}): these rules cannot all hold for this agent: "
            f"{rules or 'no shift option at all'}. The agent can only start shifts on {when} (availability, time "
            "off, templates and rest). Relax one of them for this agent."
        )
    return found
