"""Rules on the pattern of shift templates over the days: forbidden successions and the most shifts of a template
over the horizon (branches and back offices roster this way; Curtois & Qu's benchmark has both)."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from typing import TYPE_CHECKING

from wfm.domain import Site
from wfm.scheduling.problem import AgentData, ProblemData
from wfm.scheduling.result import ScheduleResult
from wfm.scheduling.rule_base import Rule, Violation, cap_template_shifts, shifts_by_agent

if TYPE_CHECKING:
    from wfm.scheduling.context import ModelContext

_ONE_DAY = dt.timedelta(days=1)


def _forbidden(site: Site) -> dict[str, frozenset[str]]:
    """Template id -> the templates nobody may work the day after it (templates that forbid none left out)."""
    return {t.id: frozenset(t.not_followed_by) for t in site.shift_templates if t.not_followed_by}


class NotFollowedBy(Rule):
    id = "not_followed_by"
    description = "No shift of a template the day after a template that names it in not_followed_by."

    def limits(self, data: ProblemData, agent: AgentData) -> str:
        site = data.scenario.site
        pairs = [
            f"{t} not after {template.id}"
            for template in site.shift_templates
            if template.id in agent.contract.shift_templates
            for t in template.not_followed_by
        ]
        return "forbidden successions: " + ", ".join(pairs) if pairs else "no forbidden successions"

    def add_to_model(self, ctx: ModelContext) -> None:
        forbidden = _forbidden(ctx.data.scenario.site)
        if not forbidden:
            return
        # One row per distinct set F of forbidden followers, not one per pair: every template whose own set
        # contains F today, and every template in F tomorrow, at most one of them worked (one shift a day makes
        # it a clique of the pairs' conflicts, and every pair lies in the row of its first template's set). The
        # same plans, a tighter LP, and far fewer rows: Curtois & Qu instance 24 (32 templates, 461 forbidden
        # pairs) has 7 distinct sets, so 7 rows a person a day instead of up to 461.
        # Sorted: a set's order follows string hashing, which differs per process (--deterministic needs the same
        # model on every run).
        rows = [
            (sorted(then), [first for first, its in forbidden.items() if then <= its])
            for then in sorted(set(forbidden.values()), key=sorted)
        ]
        for a, agent in enumerate(ctx.data.agents):
            by_day: dict[tuple[int, str], list[int]] = defaultdict(list)
            for o, option in enumerate(agent.options):
                by_day[option.day, option.template_id].append(o)
            for day in sorted({day for day, _ in by_day}):
                for then, firsts in rows:
                    today = [o for first in firsts for o in by_day.get((day, first), [])]
                    tomorrow = [o for following in then for o in by_day.get((day + 1, following), [])]
                    if today and tomorrow:
                        ctx.model.add(sum(ctx.x[a, o] for o in today) + sum(ctx.x[a, o] for o in tomorrow) <= 1)

    def audit(self, data: ProblemData, plan: ScheduleResult) -> list[Violation]:
        forbidden = _forbidden(data.scenario.site)
        out = []
        for agent_id, shifts in shifts_by_agent(plan).items():
            by_date = {s.date: s.template_id for s in shifts}
            for shift in shifts:
                before = by_date.get(shift.date - _ONE_DAY)
                if before is not None and shift.template_id in forbidden.get(before, ()):
                    message = f"a {shift.template_id} shift the day after a {before} shift"
                    out.append(Violation(self.id, agent_id, shift.date, message))
        return out


class MaxShiftsPerHorizon(Rule):
    id = "max_shifts_horizon"
    description = "No more shifts of a template over the horizon than the contract's max_shifts_horizon allows."

    def limits(self, data: ProblemData, agent: AgentData) -> str:
        caps = ", ".join(f"{t} at most {n}" for t, n in agent.contract.max_shifts_horizon.items())
        return f"shifts over the horizon: {caps}"

    def add_to_model(self, ctx: ModelContext) -> None:
        cap_template_shifts(ctx, lambda contract: contract.max_shifts_horizon, [range(ctx.data.grid.days)])

    def audit(self, data: ProblemData, plan: ScheduleResult) -> list[Violation]:
        contracts = {agent.agent.agent_id: agent.contract for agent in data.agents}
        counts: dict[tuple[str, str], int] = defaultdict(int)
        for shift in plan.shifts:
            counts[shift.agent_id, shift.template_id] += 1
        return [
            Violation(self.id, agent_id, None, f"{count} {template_id} shifts over the horizon (max {cap})")
            for (agent_id, template_id), count in sorted(counts.items())
            if agent_id in contracts
            and (cap := contracts[agent_id].max_shifts_horizon.get(template_id)) is not None
            and count > cap
        ]


PATTERN_RULES: tuple[Rule, ...] = (NotFollowedBy(), MaxShiftsPerHorizon())
