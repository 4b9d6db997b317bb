"""One person's impossible week must not stop the plan for everybody (the nightly job's unattended re-plan).

A planner at the screen is told which rows conflict and fixes them (`wfm run` stops with the list). At night
nobody is there: a sick call on a day with a training booked, or an availability change that leaves a contract's
minimum out of reach, would leave the whole site without a plan. `settle_agent_conflicts` changes only the
agents concerned, each change a warning a planner reads in the morning:

- a fixed activity (training, meeting) that no shift the agent may still work can hold is taken out of the plan,
  to be rebooked;
- a week whose contract minimum the agent can no longer reach is planned with the most they can reach as their
  minimum (`Agent.min_hours_week`), so every audit and report sees the same rule.

Conflicts that only the solve finds (a new training on a day kept as published, outside the published shift)
are settled by `release_agents` and `leave_out_agents` (the pipeline retries with them).
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Collection

from wfm.domain import Scenario
from wfm.scheduling.freeze import FrozenDays, restrict_to_published
from wfm.scheduling.problem import AgentConflict, ProblemData, agent_data, check_agent, horizon_grid, week_limits


def agent_conflicts(
    scenario: Scenario, frozen: FrozenDays | None = None, agent_ids: Collection[str] | None = None
) -> list[AgentConflict]:
    """What `build_problem` finds wrong with each agent's own week (or the named agents'), once the days kept as
    published are cut to their published shifts; without the demand, which these never depend on."""
    grid = horizon_grid(scenario.site)
    agents = tuple(
        agent_data(scenario, agent, grid)
        for agent in scenario.agents
        if agent_ids is None or agent.agent_id in agent_ids
    )
    if frozen is not None:
        data, _, _ = restrict_to_published(ProblemData(scenario, grid, agents, {}, 1), frozen)
        agents = data.agents
    return [conflict for agent in agents for conflict in check_agent(agent, grid)]


def settle_agent_conflicts(scenario: Scenario, frozen: FrozenDays | None = None) -> tuple[Scenario, list[str]]:
    """`scenario` with every single-agent conflict found before solving settled, and one warning per change.
    `frozen`: the days kept as published (a conflict may come from a day's published shift)."""
    conflicts = agent_conflicts(scenario, frozen)
    if not conflicts:
        return scenario, []
    grid = horizon_grid(scenario.site)
    names = {a.agent_id: a.name for a in scenario.agents}
    warnings: list[str] = []

    impossible = {(c.agent_id, c.activity[0], c.activity[1]) for c in conflicts if c.activity is not None}
    if impossible:
        kept = []
        for activity in scenario.fixed_activities:
            key = (activity.agent_id, grid.index_of(activity.start), grid.index_ceil(activity.end))
            if key not in impossible:
                kept.append(activity)
                continue
            warnings.append(
                f"{activity.agent_id} ({names.get(activity.agent_id, '?')}): {activity.activity} "
                f"{activity.start:%a %d %b %H:%M}-{activity.end:%H:%M} is left out of the plan: no shift they may "
                "work holds it any more (time off, availability, contract, or the day's published shift). Rebook it"
            )
        scenario = scenario.model_copy(update={"fixed_activities": tuple(kept)})
        # without the activity more shifts may fit: look at the hours again for these agents
        conflicts = agent_conflicts(scenario, frozen, {c.agent_id for c in conflicts})

    short: dict[str, list[AgentConflict]] = defaultdict(list)
    for conflict in conflicts:
        if conflict.week is not None and conflict.reachable_minutes is not None:
            short[conflict.agent_id].append(conflict)
    if short:
        agents = []
        weeks = [list(range(d, min(d + 7, grid.days))) for d in range(0, grid.days, 7)]
        for agent in scenario.agents:
            if agent.agent_id not in short:
                agents.append(agent)
                continue
            contract = scenario.site.contract_by_id[agent.contract]
            # the weekly minimum that, scaled to each short week as the contract's is, is reachable in all of them
            minimum = contract.min_hours_week
            for conflict in short[agent.agent_id]:
                assert conflict.week is not None and conflict.reachable_minutes is not None
                share = week_limits(contract, len(weeks[conflict.week])).min_minutes / max(
                    contract.min_hours_week * 60, 1e-9
                )
                minimum = min(minimum, math.floor(conflict.reachable_minutes / 60 / share * 100) / 100)
                first = grid.date_of(weeks[conflict.week][0])
                warnings.append(
                    f"{agent.agent_id} ({agent.name}): the contract's minimum ({contract.min_hours_week:g} h a week, "
                    f"contract {contract.id}) cannot be reached in the week from {first:%a %d %b}: at most "
                    f"{conflict.reachable_minutes / 60:.1f} h (time off, availability); planned to the most they "
                    "can work"
                )
            agents.append(agent.model_copy(update={"min_hours_week": max(0.0, minimum)}))
        scenario = scenario.model_copy(update={"agents": tuple(agents)})
    return scenario, warnings


def release_agents(
    frozen: FrozenDays, agent_ids: Collection[str], explanations: dict[str, str]
) -> tuple[FrozenDays, list[str]]:
    """`frozen` without the published days of `agent_ids` (their days are planned again), and a warning each."""
    held = [a for a in agent_ids if any(s.agent_id == a and s.date in frozen.days for s in frozen.shifts)]
    if not held:
        return frozen, []
    released = FrozenDays(
        days=frozen.days,
        shifts=tuple(s for s in frozen.shifts if s.agent_id not in held),
        segments=tuple(s for s in frozen.segments if s.agent_id not in held),
        agents=tuple(a for a in frozen.agents if a not in held),
    )
    warnings = []
    for agent_id in held:
        days = sorted({s.date for s in frozen.shifts if s.agent_id == agent_id and s.date in frozen.days})
        warnings.append(
            f"{agent_id}: the published shifts on {', '.join(f'{d:%a %d %b}' for d in days)} could not be kept "
            f"and were planned again (these rules could not all hold: {_why(explanations.get(agent_id))}); "
            "tell them"
        )
    return released, warnings


def leave_out_agents(
    scenario: Scenario, agent_ids: Collection[str], explanations: dict[str, str]
) -> tuple[Scenario, list[str]]:
    """`scenario` without `agent_ids` and every row about them, and a warning each: the last resort for a week
    no rule change of the night can make possible."""
    gone = set(agent_ids)

    def keep(rows: tuple) -> tuple:  # type: ignore[type-arg]
        return tuple(r for r in rows if r.agent_id not in gone)

    names = {a.agent_id: a.name for a in scenario.agents}
    settled = scenario.model_copy(
        update={
            "agents": keep(scenario.agents),
            "skills": keep(scenario.skills),
            "availability": keep(scenario.availability),
            "time_off": keep(scenario.time_off),
            "fixed_activities": keep(scenario.fixed_activities),
            "previous_shifts": keep(scenario.previous_shifts),
            "requests": keep(scenario.requests),
        }
    )
    warnings = [
        f"{agent_id} ({names.get(agent_id, '?')}) is left out of tonight's plan: "
        f"{_why(explanations.get(agent_id))}. Fix their rows and run the night again"
        for agent_id in sorted(gone)
    ]
    return settled, warnings


def _why(explanation: str | None) -> str:
    """The rules of `explain_infeasible_agents`' line, without its "agent X (contract): ..." preamble."""
    if not explanation:
        return "their week cannot keep the rules"
    return explanation.split("cannot all hold for this agent: ", 1)[-1].split(". The agent can only", 1)[0]
