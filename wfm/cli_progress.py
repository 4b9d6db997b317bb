"""What a planning run prints: progress lines while the search runs, stage lines after it, and the summary
table a planner reads at the end."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

from rich.table import Table

from wfm.cli_common import err, out
from wfm.domain import QueueKind, Scenario
from wfm.reports import cost_above_best, queue_rating


def progress(elapsed: float, objective: float, bound: float) -> None:
    """One line per better plan: its cost, the lowest cost any plan can have (proven), and how far apart."""
    gap = (objective - bound) / max(abs(objective), 1e-9)
    err.print(
        f"  {elapsed:6.1f} s  plan cost {objective:12,.1f}  lowest possible {bound:12,.1f}  within {gap:6.2%}",
        highlight=False,
    )


def stage(text: str) -> None:
    err.print(f"  {text} ...", markup=False, highlight=False)


def plan_quality(result: Any) -> str:
    """The solver's outcome in a planner's words: how much the plan's cost can be above the best plan's."""
    above = cost_above_best(result.objective, result.best_bound)
    if above is None:
        quality = "a plan, with no proven bound on how good it is"
    elif above <= 1e-9:
        quality = "the best possible plan (proven)"
    else:
        quality = f"a plan costing at most {above:.1%} more than the best possible one (proven)"
    search = f"{result.runtime_seconds:.0f} s of search (status {result.status.value})"
    return f"{quality}: {len(result.shifts):,} shifts, {search}"


def fmt(value: Any, pattern: str, missing: str = "-") -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return missing
    return format(value, pattern)


def print_summary(scenario: Scenario, kpis: dict[str, Any], solver_line: str, folder: Path) -> None:
    table = Table(title=f"{scenario.site.name}: plan {scenario.site.horizon.start} + {scenario.site.horizon.days} days")
    for column in ("queue", "office", "target", "service level", "ASA s", "past SLA", "short agent-h", "target met"):
        table.add_column(column, justify="left" if column in ("queue", "office") else "right")
    marks = {"green": "yes", "amber": "[yellow]close[/yellow]", "red": "[red bold]MISSED[/red bold]"}
    for queue in scenario.site.queues:
        q = kpis.get("queues", {}).get(queue.id, {})
        rating = queue_rating(queue, q)
        if queue.kind is QueueKind.LIVE:
            target = f"{queue.service_level:.0%}/{queue.answer_seconds}s"
            level = fmt(q.get("service_level"), ".1%")
            past = "-"
        else:
            target = f"{queue.sla_hours:g} h SLA"
            level = "-"
            past = f"{fmt(q.get('items_past_sla'), ',.0f')} of {fmt(q.get('items_arrived'), ',.0f')}"
        table.add_row(
            queue.id,
            queue.office.value,
            target,
            level,
            fmt(q.get("asa_seconds"), ".0f"),
            past,
            fmt(q.get("understaffed_agent_hours"), ",.1f"),
            marks[rating] if rating else "-",
        )
    if scenario.site.queues:
        out.print(table)
    overall = kpis.get("overall", {})
    cover = overall.get("shift_cover")
    if cover:
        out.print(
            f"shift cover (shift_requirements.csv): {cover['people_short']:,} people short and "
            f"{cover['people_over']:,} over of {cover['people_required']:,} needed"
            + (
                f", and {cover['shifts_without_a_requirement']:,} shifts on dates and templates without a line"
                if cover.get("shifts_without_a_requirement")
                else ""
            )
            + f"; requests granted {overall.get('requests_granted', 0):,} of {overall.get('requests', 0):,}"
        )
    # A site planned to shift_requirements.csv alone has no service level or items to report.
    service = (
        f"overall service level {fmt(overall.get('service_level'), '.1%')}, items past SLA "
        f"{fmt(overall.get('items_past_sla'), ',.0f')}, "
        if scenario.site.queues
        else ""
    )
    out.print(
        f"{service}overtime {fmt(overall.get('overtime_hours'), ',.1f')} h, "
        f"scheduled {fmt(overall.get('scheduled_paid_hours'), ',.0f')} of "
        f"{fmt(overall.get('contracted_hours'), ',.0f')} contracted h"
    )
    out.print(solver_line, markup=False, highlight=False)
    out.print(f"wrote {folder}/")
