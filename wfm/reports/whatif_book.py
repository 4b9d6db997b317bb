"""The What-if workbook of `wfm whatif`: the scenarios side by side (service, items past SLA, overtime, cost,
agent-hours per office) with charts, each queue's service per scenario, and which setting each scenario changed."""

from __future__ import annotations

import io
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from openpyxl import Workbook
from openpyxl.chart import BarChart, Reference
from openpyxl.chart.series import SeriesLabel

from wfm.domain import Horizon
from wfm.io.atomic import atomic_write_bytes
from wfm.reports.excel import CellMaker, landscape_page
from wfm.reports.layout import set_widths
from wfm.reports.styles import HEADER, LABEL, SECTION, TITLE, Look
from wfm.reports.summary_sheet import HEADER_ROW_POINTS

PERCENT = Look(number_format="0.0%")
HOURS = Look(number_format="#,##0.0")
COUNT = Look(number_format="#,##0")
MONEY = Look(number_format="#,##0")
BELOW_TARGET = Look(number_format="0.0%", color="C00000", bold=True)
FIXED = ("scenario", "label", "status", "live_service_level", "items_past_sla", "backlog_end",
         "understaffed_agent_hours", "overtime_hours", "scheduled_paid_hours", "labour_cost", "plan_gap",
         "seconds")  # fmt: skip
# Comparison columns after the scenario's settings: (column, heading, look)
MEASURES = (
    ("live_service_level", "Service level (live)", PERCENT),
    ("items_past_sla", "Items past SLA", COUNT),
    ("understaffed_agent_hours", "Under-staffed agent-hours", HOURS),
    ("overtime_hours", "Overtime hours", HOURS),
    ("scheduled_paid_hours", "Paid hours", HOURS),
    ("labour_cost", "Labour cost", MONEY),
)


def write_whatif_book(
    path: Path,
    site: str,
    horizon: Horizon,
    rows: Sequence[dict[str, Any]],
    queues: Sequence[dict[str, Any]],
    failures: Sequence[tuple[str, str]],
) -> None:
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("Comparison")
    make = CellMaker(workbook, sheet)
    last = horizon.dates[-1]
    landscape_page(sheet, site, f"what-if, {horizon.start.isoformat()} to {last.isoformat()}")
    settings = [k for k in (rows[0] if rows else {}) if k not in FIXED and not k.endswith("_agent_hours")]
    offices = [k for k in (rows[0] if rows else {}) if k.endswith("_agent_hours") and k != "understaffed_agent_hours"]
    headings = ["Scenario", *settings, *(h for _, h, _ in MEASURES), *(f"{o.split('_')[0].title()} office agent-hours"
                                                                       for o in offices), "Plan within"]  # fmt: skip
    set_widths(sheet, (10, *(14 for _ in settings), *(13 for _ in MEASURES), *(13 for _ in offices), 10))
    sheet.append([make(f"What-if: {site}, {horizon.start:%a %d %b %Y} + {horizon.days} days", TITLE)])
    sheet.append([make("Every scenario planned from the same forecast with the same seed and solver settings; "
                       "only the settings in the columns after Scenario differ. S1 is the base case.")])  # fmt: skip
    sheet.append([])
    sheet.row_dimensions[4].height = HEADER_ROW_POINTS * 1.5
    sheet.append([make(h, HEADER) for h in headings])
    for row in rows:
        sheet.append([
            make(row["scenario"], LABEL), *(make(row[s]) for s in settings),
            *(make(row[column], look) for column, _, look in MEASURES),
            *(make(row[o], HOURS) for o in offices),
            make(row["plan_gap"], PERCENT),
        ])  # fmt: skip
    for name, error in failures:
        sheet.append([make(name, LABEL), make(f"not planned: {error}")])
    if rows:
        _charts(sheet, rows, settings, offices, below=5 + len(rows) + len(failures) + 1)
    _queue_sheet(workbook, make, site, horizon, rows, queues)
    _scenario_sheet(workbook, make, site, rows, failures)
    buffer = io.BytesIO()
    workbook.save(buffer)
    atomic_write_bytes(path, buffer.getvalue())


def _charts(sheet: Any, rows: Sequence[dict[str, Any]], settings: list[str], offices: list[str], below: int) -> None:
    """Service level, overtime and agent-hours per office, one bar per scenario, from row `below`."""
    first_data_row = 5
    last_row = first_data_row + len(rows) - 1
    categories = Reference(sheet, min_col=1, min_row=first_data_row, max_row=last_row)

    def column_of(heading_index: int) -> int:
        return 2 + len(settings) + heading_index

    specs = [
        ("Service level (live queues)", [column_of(0)], "0%", None),
        ("Overtime hours", [column_of(3)], "#,##0.0", None),
        ("Agent-hours per office", [column_of(len(MEASURES) + i) for i in range(len(offices))], "#,##0", "stacked"),
    ]
    for index, (title, columns, number_format, grouping) in enumerate(specs):
        chart = BarChart()
        chart.type = "col"
        chart.title = title
        chart.height, chart.width = 7, 12
        chart.y_axis.number_format = number_format
        chart.y_axis.scaling.min = 0  # bars from zero: a cut axis makes small differences look large
        if number_format == "0%":
            chart.y_axis.scaling.max = 1
        if grouping:
            chart.grouping = grouping
            chart.overlap = 100
        for column in columns:
            chart.add_data(Reference(sheet, min_col=column, min_row=first_data_row - 1, max_row=last_row),
                           titles_from_data=True)  # fmt: skip
        if len(columns) == 1:
            chart.legend = None
        else:
            for series, office in zip(chart.series, offices, strict=True):
                series.tx = SeriesLabel(v=office.split("_")[0])
        chart.set_categories(categories)
        sheet.add_chart(chart, f"{('A', 'H', 'O')[index]}{below}")


def _queue_sheet(workbook: Workbook, make: CellMaker, site: str, horizon: Horizon, rows: Sequence[dict[str, Any]],
                 queues: Sequence[dict[str, Any]]) -> None:  # fmt: skip
    """Each queue's service level (live: answered in time; deferred: items done in time) and agent-hours, one
    column per scenario, target beside it."""
    sheet = workbook.create_sheet("Queues")
    make = make.for_sheet(sheet)
    landscape_page(sheet, site, f"what-if, {horizon.start.isoformat()}")
    names = [r["scenario"] for r in rows]
    set_widths(sheet, (24, 10, 10, *(10 for _ in names)))
    by_key = {(q["scenario"], q["queue"]): q for q in queues}
    queue_ids = list(dict.fromkeys(q["queue"] for q in queues))
    blocks = (
        ("Service level (live: answered within target; deferred: items done within SLA)", "service_level", PERCENT),
        ("Agent-hours planned", "scheduled_agent_hours", HOURS),
        ("Items past SLA (deferred queues)", "items_past_sla", COUNT),
    )
    sheet.append([make("Queues per scenario", TITLE)])
    for title, key, look in blocks:
        sheet.append([])
        sheet.append([make(title, SECTION)])
        sheet.append([make(h, HEADER) for h in ("Queue", "Office", "Target", *names)])
        for queue_id in queue_ids:
            first = next(q for q in queues if q["queue"] == queue_id)
            if key == "items_past_sla" and first["kind"] != "deferred":
                continue
            target = first["service_level_target"] if key == "service_level" else None
            cells = []
            for name in names:
                value = by_key.get((name, queue_id), {}).get(key)
                below = key == "service_level" and target is not None and value is not None and value < target
                cells.append(make(value, BELOW_TARGET if below else look))
            sheet.append([make(queue_id), make(first["office"]), make(target, PERCENT), *cells])


def _scenario_sheet(workbook: Workbook, make: CellMaker, site: str, rows: Sequence[dict[str, Any]],
                    failures: Sequence[tuple[str, str]]) -> None:  # fmt: skip
    sheet = workbook.create_sheet("Scenarios")
    make = make.for_sheet(sheet)
    landscape_page(sheet, site, "what-if scenarios")
    set_widths(sheet, (10, 70, 12, 12))
    sheet.append([make("What each scenario changed", TITLE)])
    sheet.append([make(h, HEADER) for h in ("Scenario", "Settings", "Solver status", "Solve seconds")])
    for row in rows:
        sheet.append([make(row["scenario"], LABEL), make(row["label"]), make(row["status"]),
                      make(row["seconds"], HOURS)])  # fmt: skip
    for name, error in failures:
        sheet.append([make(name, LABEL), make(f"not planned: {error}"), make("FAILED")])
