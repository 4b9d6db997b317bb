"""The workbook's Summary sheet: the plan at a glance in a team lead's order, and the queue ratings the CLI
shows too."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from typing import Any, Literal

import pandas as pd
from openpyxl.chart import BarChart, Reference

from wfm.domain.models import Queue, QueueKind, Scenario
from wfm.reports.layout import EN_DASH, excel_value, set_widths
from wfm.reports.styles import HEADER, LABEL, PLAIN, SECTION, TITLE, Look
from wfm.scheduling.result import ScheduleResult

# Excel's own good / neutral / bad fills, which planners already read as green / amber / red.
RATING_FILL = {"green": "C6EFCE", "amber": "FFEB9C", "red": "FFC7CE"}
RATING_WORD = {"green": "on target", "amber": "close", "red": "missed"}

# A live queue up to this far below its service-level target is amber rather than red.
LIVE_AMBER_MARGIN = 0.05
# A deferred queue with at most this share of its arrived items past SLA is amber rather than red.
DEFERRED_AMBER_SHARE = 0.02

Rating = Literal["green", "amber", "red"]


# What a team lead looks for first: service, work late, hours and cost (whole counts, hours to one decimal).
OVERALL_ROWS: tuple[tuple[str, str, str], ...] = (
    ("service_level", "Service level (calls and chats, volume-weighted)", "0.0%"),
    ("asa_seconds", "Average speed of answer (s)", "0"),
    ("items_past_sla", "Items finished past their SLA (back-office work)", "#,##0"),
    ("scheduled_paid_hours", "Scheduled paid hours", "#,##0.0"),
    ("contracted_hours", "Contracted hours", "#,##0.0"),
    ("overtime_hours", "Overtime hours", "#,##0.0"),
    ("labour_cost", "Labour cost", "#,##0"),
)
# Number formats by what a figure counts: items and contacts are whole, hours have one decimal.
COUNT_FORMAT = "#,##0"
HOURS_FORMAT = "#,##0.0"

QUEUE_HEADERS = (
    "Queue",
    "Office",
    "Kind",
    "Forecast volume",
    "Target",
    "Result",
    "Rating",
    "ASA (s)",
    "Items arrived",
    "Items past SLA",
    "Backlog at end",
    "Short (agent-h)",
    "Over (agent-h)",
    "Scheduled (agent-h)",
)
HEADER_ROW_POINTS = 30  # two lines of a wrapped header: without a height LibreOffice prints it over the data


def queue_rating(queue: Queue, kpi: Mapping[str, Any]) -> Rating | None:
    """Green / amber / red for one queue's KPIs, or None when there is nothing to judge.

    Live: green at or above the service-level target, amber within LIVE_AMBER_MARGIN below it, red further below.
    Deferred: green with no item past SLA, amber with at most DEFERRED_AMBER_SHARE of arrived items late, red beyond.
    """
    if queue.kind is QueueKind.LIVE:
        service_level = _number(kpi.get("service_level"))
        target = _number(kpi.get("service_level_target"))
        if target is None:
            target = queue.service_level
        if service_level is None or target is None:
            return None
        if service_level >= target - 1e-9:
            return "green"
        return "amber" if service_level >= target - LIVE_AMBER_MARGIN - 1e-9 else "red"
    past = _number(kpi.get("items_past_sla"))
    if past is None:
        return None
    if past <= 1e-9:
        return "green"
    arrived = _number(kpi.get("items_arrived"))
    if arrived and past / arrived <= DEFERRED_AMBER_SHARE + 1e-12:
        return "amber"
    return "red"


def _number(value: object) -> float | None:
    value = excel_value(value)
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    return float(value)


KPI_LABELS = {
    "sla": "SLA",
    "asa": "ASA",
    "aht": "AHT",
    "seconds": "(s)",
}


def _label(key: str) -> str:
    """A KPI key as a column title: `items_past_sla` -> "Items past SLA", `asa_seconds` -> "ASA (s)"."""
    words = [KPI_LABELS.get(word, word) for word in key.split("_")]
    text = " ".join(words)
    return text[:1].upper() + text[1:]


def _target_text(queue: Queue, kpi: Mapping[str, Any]) -> str:
    if queue.kind is QueueKind.LIVE:
        target = _number(kpi.get("service_level_target"))
        if target is None:
            target = queue.service_level
        return f"{target:.0%} in {queue.answer_seconds} s" if target is not None else ""
    return f"within {queue.sla_hours:g} h" if queue.sla_hours is not None else ""


# The offices' figures as short column titles: a long word in a narrow column splits mid-word when printed.
OFFICE_LABELS = {
    "understaffed_agent_hours": "Short (agent-h)",
    "overstaffed_agent_hours": "Over (agent-h)",
    "scheduled_agent_hours": "On queues (agent-h)",
    "scheduled_paid_hours": "Paid hours",
    "contracted_hours": "Contract hours",
    "overtime_hours": "Overtime hours",
    "labour_cost": "Labour cost",
    "items_arrived": "Items arrived",
    "items_past_sla": "Items past SLA",
    "backlog_end": "Backlog at end",
}


def cost_above_best(objective: float | None, bound: float | None) -> float | None:
    """How much more the plan can cost than the best possible plan: (cost - proven bound) / bound. (The solver's
    gap divides by the plan's cost instead, which reads as less: 78 % gap is 355 % above.)"""
    if objective is None or bound is None or bound <= 0:
        return None
    return max(0.0, (objective - bound) / bound)


def _office_format(metric: str) -> str:
    if metric.startswith("service_level"):
        return "0.0%"
    if "hours" in metric:
        return HOURS_FORMAT
    if metric.endswith("seconds"):
        return "0"
    return COUNT_FORMAT


def write_summary(
    sheet: Any,
    make: Any,
    *,
    scenario: Scenario,
    result: ScheduleResult,
    kpis: Mapping[str, Any],
    forecast: pd.DataFrame,
    coverage: pd.DataFrame,
) -> None:
    """The plan at a glance, in a team lead's order: service and work late, hours and cost, per queue and office,
    staff per day; how the solver did last, in a small box."""
    site = scenario.site
    horizon = site.horizon
    last_day = horizon.end - dt.timedelta(days=1)
    set_widths(sheet, (44, 16, 10, 12, 14, 12, 10, 9, 10, 10, 10, 11, 11, 12))

    written = [0]  # rows so far: the chart below refers to its table by row number

    def append(row: list[object]) -> None:
        written[0] += 1
        sheet.append(row)

    def header(titles: Iterable[str]) -> None:
        sheet.row_dimensions[written[0] + 1].height = HEADER_ROW_POINTS
        append([make(title, HEADER) for title in titles])

    append([make(f"Plan summary {EN_DASH} {site.name}", TITLE)])
    append([])
    facts: list[tuple[str, object, Look]] = [
        ("Horizon", f"{horizon.start:%a %d %b %Y} to {last_day:%a %d %b %Y} ({horizon.days} days)", PLAIN),
        ("Agents", len(scenario.agents), PLAIN),
        ("Queues", len(site.queues), PLAIN),
        ("Interval", f"{site.interval_minutes} minutes", PLAIN),
    ]
    for label, value, look in facts:
        append([make(label, LABEL), make(value, look)])

    overall: Mapping[str, Any] = kpis.get("overall") or {}
    append([])
    append([make("The week", SECTION)])
    for key, label, number_format in OVERALL_ROWS:
        if key in overall:
            value = overall[key]
            append([make(label, LABEL), make("n/a" if value is None else value, Look(number_format=number_format))])
    scheduled = _number(overall.get("scheduled_paid_hours"))
    contracted = _number(overall.get("contracted_hours"))
    if scheduled is not None and contracted:
        append([make("Scheduled vs contracted hours", LABEL), make(scheduled / contracted, Look(number_format="0.0%"))])
    cover = overall.get("shift_cover")
    if isinstance(cover, dict):  # shift_requirements.csv: head count per shift template and date
        whole = Look(number_format="#,##0")
        append([make("People needed on shifts (shift_requirements.csv)", LABEL), make(cover["people_required"], whole)])
        append([make("People short / over on those shifts", LABEL), make(cover["people_short"], whole),
                make(cover["people_over"], whole)])  # fmt: skip
    if overall.get("requests"):
        append([make("Requests granted", LABEL), make(overall.get("requests_granted"), Look(number_format="#,##0")),
                make(f"of {overall['requests']:,}")])  # fmt: skip

    append([])
    append([make("Queues", SECTION)])
    header(QUEUE_HEADERS)
    volume_by_queue: dict[str, float] = {}
    if {"queue", "volume"} <= set(forecast.columns):
        volume_by_queue = {str(k): float(v) for k, v in forecast.groupby("queue")["volume"].sum().items()}
    queue_kpis: Mapping[str, Mapping[str, Any]] = kpis.get("queues") or {}
    count, hours = Look(number_format=COUNT_FORMAT), Look(number_format=HOURS_FORMAT)
    for queue in site.queues:
        kpi = queue_kpis.get(queue.id, {})
        rating = queue_rating(queue, kpi)
        rating_look = Look(fill=RATING_FILL[rating], horizontal="center") if rating else Look(horizontal="center")
        if queue.kind is QueueKind.LIVE:
            outcome = make(kpi.get("service_level"), Look(number_format="0.0%", fill=rating_look.fill))
        else:
            late = _number(kpi.get("items_past_sla"))
            text = "n/a" if late is None else f"{late:,.0f} late"
            outcome = make(text, Look(fill=rating_look.fill, horizontal="right"))
        append(
            [
                make(queue.name or queue.id, LABEL),
                make(queue.office.value),
                make(queue.kind.value),
                make(volume_by_queue.get(queue.id), count),
                make(_target_text(queue, kpi), Look(horizontal="center")),
                outcome,
                make(RATING_WORD[rating] if rating else "n/a", rating_look),
                make(kpi.get("asa_seconds"), Look(number_format="0")),
                make(kpi.get("items_arrived"), count),
                make(kpi.get("items_past_sla"), count),
                make(kpi.get("backlog_end"), count),
                make(kpi.get("understaffed_agent_hours"), hours),
                make(kpi.get("overstaffed_agent_hours"), hours),
                make(kpi.get("scheduled_agent_hours"), hours),
            ]
        )

    offices: Mapping[str, Mapping[str, Any]] = kpis.get("offices") or {}
    if offices:
        metrics: list[str] = []
        for values in offices.values():
            metrics.extend(k for k, v in values.items() if k not in metrics and _number(v) is not None)
        append([])
        append([make("Offices", SECTION)])
        header(["Office", *(OFFICE_LABELS.get(m, _label(m)) for m in metrics)])
        for office, values in offices.items():
            row = [make(str(office), LABEL)]
            row += [make(values.get(metric), Look(number_format=_office_format(metric))) for metric in metrics]
            append(row)

    daily = _staff_per_day(coverage, site.interval_minutes)
    if daily:
        append([])
        append([make("Staff per day on the live queues (agent-hours)", SECTION)])
        header(("Day", "Required", "Scheduled", "Short of required"))
        first_row = written[0]
        for day, required, on_plan, short in daily:
            append([make(f"{day:%a %d %b}"), make(required, hours), make(on_plan, hours), make(short, hours)])
        chart = BarChart()
        chart.type = "col"
        chart.title = "Required vs scheduled staff per day"
        chart.y_axis.title = "agent-hours"
        chart.height, chart.width = 7.5, 16
        data = Reference(sheet, min_col=2, max_col=3, min_row=first_row, max_row=first_row + len(daily))
        chart.add_data(data, titles_from_data=True)
        chart.set_categories(Reference(sheet, min_col=1, min_row=first_row + 1, max_row=first_row + len(daily)))
        sheet.add_chart(chart, f"F{first_row}")

    # How the plan was found, for the planner who wants to know; last, as the team lead does not need it.
    append([])
    append([make("How good the plan is", SECTION)])
    above = cost_above_best(result.objective, result.best_bound)
    quality = "n/a" if above is None else f"costs at most {above:.1%} more than the best possible plan (proven)"
    solver_rows: list[tuple[str, object, Look]] = [
        ("Plan quality", quality, PLAIN),
        ("Solver status", result.status.value, PLAIN),
        ("Cost of the plan (objective)", result.objective, Look(number_format="#,##0.0")),
        ("Lowest cost possible (proven bound)", result.best_bound, Look(number_format="#,##0.0")),
        ("Search time (s)", result.runtime_seconds, Look(number_format="0")),
    ]
    if result.message:
        solver_rows.append(("Solver note", result.message, Look(wrap=False)))
    for label, value, look in solver_rows:
        append([make(label, PLAIN), make("n/a" if value is None else value, look)])


def _staff_per_day(coverage: pd.DataFrame, interval_minutes: int) -> list[tuple[dt.date, float, float, float]]:
    """Per day, on the live queues (deferred work has no per-interval requirement to set staff against):
    agent-hours required, scheduled, and short of the requirement (summed per queue and interval)."""
    if not {"interval_start", "required_agents", "scheduled_agents"} <= set(coverage.columns) or coverage.empty:
        return []
    if "kind" in coverage.columns:
        coverage = coverage[coverage["kind"] == "live"]
    hours = interval_minutes / 60
    required = coverage["required_agents"].fillna(0.0).astype(float)
    scheduled = coverage["scheduled_agents"].fillna(0.0).astype(float)
    frame = pd.DataFrame(
        {
            "day": pd.to_datetime(coverage["interval_start"]).dt.date,
            "required": required * hours,
            "scheduled": scheduled * hours,
            "short": (required - scheduled).clip(lower=0.0) * hours,
        }
    )
    sums = frame.groupby("day", sort=True)[["required", "scheduled", "short"]].sum()
    return [(day, round(r.required, 1), round(r.scheduled, 1), round(r.short, 1)) for day, r in sums.iterrows()]
