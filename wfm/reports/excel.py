"""roster.xlsx: the planner's workbook, with a Summary, the Roster (agents × days) and the Coverage per interval.

Written in openpyxl's write-only mode: a thousand agents and a week of 15-minute coverage stream straight to the
zip instead of building every cell in memory first. Each styled cell copies a style array prepared once per
workbook, because resolving fonts and fills per cell is what makes large openpyxl workbooks slow.

Every text that comes from the inputs (names, teams, reasons, queue ids) is stored as a string cell, never as a
formula: a name such as `=HYPERLINK(...)` in staff.csv must not become a live formula in the planner's workbook.
"""

from __future__ import annotations

import datetime as dt
import io
from collections import defaultdict
from collections.abc import Mapping, Sequence
from copy import copy
from functools import partial
from pathlib import Path
from typing import Any

import pandas as pd
from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE, Cell
from openpyxl.chart import LineChart, Reference
from openpyxl.chart.series import SeriesLabel
from openpyxl.formatting.rule import FormulaRule
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.styles.cell_style import StyleArray
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.pagebreak import Break
from openpyxl.worksheet.properties import PageSetupProperties

from wfm.domain.models import Office, QueueKind, Scenario
from wfm.io.atomic import atomic_write_bytes
from wfm.reports.layout import EN_DASH, excel_value, set_widths, text_width
from wfm.reports.sheets import (
    day_sheet_title,
    open_rows,
    wall_clock,
    write_day_sheet,
    write_forecast_sheet,
    write_inputs_sheet,
    write_overtime_sheet,
)
from wfm.reports.shift_cover_sheet import write_shift_cover_sheet
from wfm.reports.simulation_sheet import write_simulation_sheet
from wfm.reports.styles import HEADER, LABEL, OFF_LOOK, PLAIN, SECTION, Look
from wfm.reports.summary_sheet import HEADER_ROW_POINTS, write_summary
from wfm.reports.tables import OFF, paid_hours_by_week, roster_order, shift_text, week_start
from wfm.scheduling.kpis import shift_cover_table
from wfm.scheduling.problem import leave_credit_minutes, week_limits
from wfm.scheduling.result import ScheduleResult, Segment, ShiftAssignment
from wfm.simulation import SimulationResult

# A text starting with one of these is read as a formula by spreadsheet programs (CSV/formula injection).
FORMULA_PREFIXES = ("=", "+", "-", "@")

# Soft fills, light enough for black text and for printing in grey.
OFFICE_FILL = {Office.FRONT: "DDEBF7", Office.MIDDLE: "E2EFDA", Office.BACK: "FCE4D6"}
TIME_OFF_FILL = "EDE7F6"
ONE_DAY = dt.timedelta(days=1)
SHORTFALL_FILL = "FFC7CE"


class CellMaker:
    """Makes write-only cells: strings always as text, styles copied from arrays prepared once."""

    def __init__(self, workbook: Workbook, sheet: Any) -> None:
        self._workbook = workbook
        self._sheet = sheet
        self._arrays: dict[tuple[Look, bool], StyleArray] = {}
        self._thin = Side(style="thin", color="BFBFBF")

    def for_sheet(self, sheet: Any) -> CellMaker:
        """The same prepared styles (they belong to the workbook) for another sheet."""
        maker = copy(self)
        maker._sheet = sheet
        return maker

    def _array(self, look: Look, quote_prefix: bool) -> StyleArray:
        key = (look, quote_prefix)
        array = self._arrays.get(key)
        if array is None:
            prototype = Cell(self._sheet, row=1, column=1)
            prototype.font = Font(bold=look.bold, italic=look.italic, size=look.size, color=look.color)
            if look.fill:
                prototype.fill = PatternFill("solid", start_color=look.fill, end_color=look.fill)
            if look.number_format:
                prototype.number_format = look.number_format
            if look.horizontal or look.wrap or look.rotation:
                prototype.alignment = Alignment(
                    horizontal=look.horizontal, vertical="center", wrap_text=look.wrap, text_rotation=look.rotation
                )
            if look.border:
                prototype.border = Border(left=self._thin, right=self._thin, top=self._thin, bottom=self._thin)
            # Excel keeps a quote-prefixed cell text even when the planner edits it and presses Enter.
            prototype.quotePrefix = quote_prefix
            array = prototype._style
            self._arrays[key] = array
        return array

    def __call__(self, value: object, look: Look = PLAIN) -> object:
        if isinstance(value, str):
            text = ILLEGAL_CHARACTERS_RE.sub("", value)
            cell = Cell(
                self._sheet, row=1, column=1, style_array=copy(self._array(look, text.startswith(FORMULA_PREFIXES)))
            )
            cell.value = text
            # The value setter reads a leading "=" as a formula; inputs are never formulas.
            cell.data_type = "s"
            return cell
        value = excel_value(value)
        if look == PLAIN or value is None:
            return value
        return Cell(self._sheet, row=1, column=1, value=value, style_array=copy(self._array(look, False)))


def write_roster(
    path: Path,
    *,
    scenario: Scenario,
    result: ScheduleResult,
    coverage: pd.DataFrame,
    kpis: Mapping[str, Any],
    forecast: pd.DataFrame,
    inputs: Mapping[str, str] | None = None,
    simulation: SimulationResult | None = None,
) -> None:
    """Write the planner's workbook to `path`, atomically: Summary, Roster, Shift cover (with shift requirements),
    one intraday sheet per day, Coverage,
    Simulation (when the plan was simulated), Forecast, Overtime and Inputs (the scenario files' SHA-256 hashes,
    when given)."""
    workbook = Workbook(write_only=True)
    summary = workbook.create_sheet("Summary")
    make = CellMaker(workbook, summary)
    page_setup(summary, scenario)
    write_summary(summary, make, scenario=scenario, result=result, kpis=kpis, forecast=forecast, coverage=coverage)

    roster = workbook.create_sheet("Roster")
    page_setup(roster, scenario)
    _write_roster_sheet(roster, make.for_sheet(roster), scenario=scenario, result=result)
    if scenario.shift_requirements:
        cover = workbook.create_sheet("Shift cover")
        page_setup(cover, scenario)
        write_shift_cover_sheet(cover, make.for_sheet(cover), scenario=scenario,
                                table=shift_cover_table(scenario, result))  # fmt: skip

    shifts_by_day: dict[dt.date, list[ShiftAssignment]] = defaultdict(list)
    for shift in result.shifts:
        shifts_by_day[shift.date].append(shift)
    segments_by_agent: dict[str, list[Segment]] = defaultdict(list)
    for segment in result.segments:
        segments_by_agent[segment.agent_id].append(segment)
    for day in scenario.site.horizon.dates:
        sheet = workbook.create_sheet(day_sheet_title(day))
        page_setup(sheet, scenario)
        todays = shifts_by_day.get(day, [])
        agents_today = {s.agent_id for s in todays}
        segments = [seg for agent_id in agents_today for seg in segments_by_agent.get(agent_id, ())]
        write_day_sheet(
            sheet, make.for_sheet(sheet), scenario=scenario, day=day, shifts=todays, segments=segments,
            coverage=coverage,
        )  # fmt: skip

    coverage_sheet = workbook.create_sheet("Coverage")
    page_setup(coverage_sheet, scenario)
    _write_coverage_sheet(coverage_sheet, make.for_sheet(coverage_sheet), scenario=scenario, coverage=coverage)
    if simulation is not None:
        simulation_sheet = workbook.create_sheet("Simulation")
        page_setup(simulation_sheet, scenario)
        write_simulation_sheet(simulation_sheet, make.for_sheet(simulation_sheet), scenario=scenario,
                               simulation=simulation)  # fmt: skip
    for title, writer in (
        ("Forecast", partial(write_forecast_sheet, scenario=scenario, forecast=forecast)),
        ("Overtime", partial(write_overtime_sheet, scenario=scenario, result=result)),
        ("Inputs", partial(write_inputs_sheet, inputs=inputs or {})),
    ):
        sheet = workbook.create_sheet(title)
        page_setup(sheet, scenario)
        writer(sheet, make.for_sheet(sheet))

    buffer = io.BytesIO()
    workbook.save(buffer)
    atomic_write_bytes(path, buffer.getvalue())


def page_setup(sheet: Any, scenario: Scenario) -> None:
    """Landscape, one page wide, site and dates in the header, page numbers in the footer."""
    horizon = scenario.site.horizon
    last_day = horizon.end - dt.timedelta(days=1)
    landscape_page(sheet, scenario.site.name, f"{horizon.start.isoformat()} {EN_DASH} {last_day.isoformat()}")


def landscape_page(sheet: Any, left: str, right: str = "") -> None:
    """Landscape, one page wide, `left` and `right` in the header, sheet name and page numbers in the footer."""
    sheet.page_setup.orientation = "landscape"
    sheet.page_setup.fitToWidth = 1
    sheet.page_setup.fitToHeight = 0  # as many pages down as the rows need
    sheet.sheet_properties.pageSetUpPr = PageSetupProperties(fitToPage=True)
    sheet.print_options.gridLines = False
    # "&" starts a header code (page number, sheet name), so a literal one is doubled.
    sheet.oddHeader.left.text = left.replace("&", "&&")
    sheet.oddHeader.right.text = right.replace("&", "&&")
    sheet.oddFooter.left.text = "&A"
    sheet.oddFooter.right.text = "Page &P of &N"


# --- Roster ----------------------------------------------------------------------------------------------------


def _write_roster_sheet(sheet: Any, make: CellMaker, *, scenario: Scenario, result: ScheduleResult) -> None:
    days = scenario.site.horizon.dates
    first_day = scenario.site.horizon.start
    weeks = sorted({week_start(day, first_day) for day in days})
    agents = roster_order(scenario)

    shift_texts: dict[tuple[str, dt.date], list[str]] = defaultdict(list)
    for shift in sorted(result.shifts, key=lambda s: (s.agent_id, s.start)):
        shift_texts[(shift.agent_id, shift.date)].append(shift_text(shift))
    paid_hours = paid_hours_by_week(result, first_day)

    # Time off shows on every horizon day it touches; a part-day absence next to a shift is added to the shift.
    reasons: dict[tuple[str, dt.date], list[str]] = defaultdict(list)
    for absence in sorted(scenario.time_off, key=lambda t: (t.agent_id, t.start)):
        for day in days:
            day_start = dt.datetime.combine(day, dt.time())
            day_end = day_start + dt.timedelta(days=1)
            start, end = absence.start.replace(tzinfo=None), absence.end.replace(tzinfo=None)
            if start < day_end and end > day_start:
                found = reasons[(absence.agent_id, day)]
                if absence.reason not in found:
                    found.append(absence.reason)

    day_cells: dict[tuple[str, dt.date], tuple[str, Look]] = {}
    office_look = {office: Look(fill=OFFICE_FILL[office], horizontal="center", border=True) for office in Office}
    time_off_look = Look(fill=TIME_OFF_FILL, italic=True, horizontal="center", border=True)
    for agent in agents:
        for day in days:
            key = (agent.agent_id, day)
            shifts = shift_texts.get(key)
            absent = ", ".join(reasons.get(key, ()))
            if shifts:
                text = ", ".join(shifts) + (f" ({absent})" if absent else "")
                day_cells[key] = (text, office_look[agent.office])
            elif absent:
                day_cells[key] = (absent, time_off_look)
            else:
                day_cells[key] = (OFF, OFF_LOOK)

    headers = ["Agent ID", "Name", "Team", "Office", "Contract"]
    headers += [f"{day:%a %d %b}" for day in days]
    multi_week = len(weeks) > 1
    for week in weeks:
        suffix = f" w/c {week:%d %b}" if multi_week else ""
        headers += [f"Contract h{suffix}", f"Leave h{suffix}", f"Paid h{suffix}", f"Overtime h{suffix}"]
    leave = _leave_hours_by_week(scenario, weeks)

    widths = [
        text_width((a.agent_id for a in agents), 9, 16),
        text_width((a.name for a in agents), 12, 32),
        text_width((a.team for a in agents), 8, 20),
        8,
        text_width((a.contract for a in agents), 9, 16),
    ]
    for day in days:
        widths.append(text_width((day_cells[(a.agent_id, day)][0] for a in agents), 12, 30))
    widths += [10] * (4 * len(weeks))
    set_widths(sheet, widths)
    # Header row and the id/name columns stay in view while scrolling, and repeat on every printed page.
    sheet.freeze_panes = "C2"
    sheet.print_title_rows = "1:1"
    sheet.print_title_cols = "A:B"
    sheet.auto_filter.ref = f"A1:{get_column_letter(len(headers))}{len(agents) + 1}"

    sheet.row_dimensions[1].height = HEADER_ROW_POINTS
    sheet.append([make(header, HEADER) for header in headers])
    hours_look = Look(number_format="General")  # 40 prints as 40, 7.5 as 7.5
    contracts = scenario.site.contract_by_id
    for agent in agents:
        row = [
            make(agent.agent_id),
            make(agent.name),
            make(agent.team),
            make(agent.office.value),
            make(agent.contract),
        ]
        for day in days:
            text, look = day_cells[(agent.agent_id, day)]
            row.append(make(text, look))
        for week in weeks:
            contract = contracts.get(agent.contract)
            # A part week (the horizon's tail) contracts its share, as the overtime was reckoned.
            week_days = sum(1 for day in days if week_start(day, first_day) == week)
            contracted = week_limits(contract, week_days).contracted_minutes / 60 if contract else None
            row.append(make(None if contracted is None else round(contracted, 2), hours_look))
            row.append(make(round(leave.get((agent.agent_id, week), 0.0), 2), hours_look))
            row.append(make(round(paid_hours.get((agent.agent_id, week), 0.0), 2), hours_look))
            row.append(make(round(result.overtime_hours.get((agent.agent_id, week), 0.0), 2), hours_look))
        sheet.append(row)

    # Under the table: how many are on shift each day (early and late), and what the colours mean.
    sheet.append([])
    on_shift = {day: [s for s in result.shifts if s.date == day] for day in days}
    counts = [
        ("On shift", lambda shifts: len(shifts)),
        ("  starting before 12:00", lambda shifts: sum(1 for s in shifts if s.start.hour < 12)),
        ("  starting from 12:00", lambda shifts: sum(1 for s in shifts if s.start.hour >= 12)),
    ]
    for label, count in counts:
        cells = [make(label, LABEL), None, None, None, None]
        sheet.append(cells + [make(count(on_shift[day]), Look(horizontal="center")) for day in days])
    sheet.append([])
    sheet.append([make("Colours", LABEL)])
    for office in Office:
        sheet.append([make(office.value, office_look[office]), make(f"a shift of a {office.value}-office agent")])
    sheet.append([make("leave", time_off_look), make("approved time off, with its reason")])
    sheet.append([make(OFF, OFF_LOOK), make("a day off")])


def _leave_hours_by_week(scenario: Scenario, weeks: list[dt.date]) -> dict[tuple[str, dt.date], float]:
    """Per agent and week: the paid hours whole days of leave count towards the contract (as the plan counts
    them: the contract's daily rate, for at most the week's working days)."""
    first_day = scenario.site.horizon.start
    days = scenario.site.horizon.dates
    contracts = scenario.site.contract_by_id
    out: dict[tuple[str, dt.date], float] = {}
    for agent in scenario.agents:
        contract = contracts.get(agent.contract)
        if contract is None:
            continue
        absences = [
            (t.start.replace(tzinfo=None), t.end.replace(tzinfo=None))
            for t in scenario.time_off
            if t.agent_id == agent.agent_id and t.paid  # unpaid days off earn no hours
        ]
        if not absences:
            continue
        leave_days = {
            index
            for index, day in enumerate(days)
            if any(
                start <= dt.datetime.combine(day, dt.time()) and end >= dt.datetime.combine(day, dt.time()) + ONE_DAY
                for start, end in absences
            )
        }
        for week in weeks:
            indexes = [i for i, day in enumerate(days) if week_start(day, first_day) == week]
            minutes = leave_credit_minutes(contract, indexes, leave_days)
            if minutes:
                out[(agent.agent_id, week)] = minutes / 60
    return out


# --- Coverage --------------------------------------------------------------------------------------------------

CHART_ROWS = 14  # rows between two queues' charts (a 6.5 cm chart and a gap)


COVERAGE_SHEET_COLUMNS: tuple[tuple[str, str, str | None, float], ...] = (
    ("Interval start", "interval_start", "yyyy-mm-dd hh:mm", 17),
    ("Queue", "queue", None, 14),
    ("Office", "office", None, 8),
    ("Kind", "kind", None, 9),
    ("Forecast volume", "forecast_volume", "0.00", 10),
    ("AHT (s)", "aht_seconds", "0", 8),
    ("Required agents", "required_agents", "0.00", 10),
    ("Scheduled agents", "scheduled_agents", "0.00", 10),
    ("Service level", "service_level", "0.0%", 9),
    ("ASA (s)", "asa_seconds", "0.0", 8),
    ("Occupancy", "occupancy", "0.0%", 10),
    ("Arrivals", "arrivals", "0.00", 9),
    ("Completed", "completed", "0.00", 10),
    ("Backlog", "backlog", "0.00", 9),
    ("Items past SLA", "items_past_sla", "0.00", 9),
)


def _column_values(frame: pd.DataFrame, column: str) -> list[object]:
    series = frame[column]
    if pd.api.types.is_datetime64_any_dtype(series):
        if series.dt.tz is not None:
            series = series.dt.tz_localize(None)
        return [None if pd.isna(v) else v.to_pydatetime() for v in series]
    return [None if _is_missing(v) else v for v in series.tolist()]


def _is_missing(value: object) -> bool:
    try:
        return bool(pd.isna(value))
    except (TypeError, ValueError):
        return False


def _write_coverage_sheet(sheet: Any, make: CellMaker, *, scenario: Scenario, coverage: pd.DataFrame) -> None:
    """Interval × queue, one queue after another (site order) so each queue's week is one block a line chart
    reads; a scheduled figure below the requirement turns red by conditional formatting (it stays true when the
    planner edits a figure)."""
    frame = coverage
    queues = scenario.site.queue_by_id
    if {"interval_start", "queue"} <= set(frame.columns) and len(frame):
        # Open hours only (and any hour with staff or work): closed nights of zeros were 3,532 of the sample's
        # 5,376 rows and 40 printed pages.
        frame = frame[open_rows(wall_clock(frame), scenario.site, "required_agents", "scheduled_agents").to_numpy()]
    if {"interval_start", "queue"} <= set(frame.columns):
        rank = {q.id: i for i, q in enumerate(scenario.site.queues)}
        frame = frame.assign(_rank=frame["queue"].map(lambda q: rank.get(str(q), len(rank))))
        frame = frame.sort_values(["_rank", "queue", "interval_start"], kind="stable").reset_index(drop=True)
    columns: dict[str, list[object]] = {}
    for _, key, _, _ in COVERAGE_SHEET_COLUMNS:
        if key in frame.columns:
            columns[key] = _column_values(frame, key)
    queue_ids = [str(q) for q in columns.get("queue", [""] * len(frame))]
    # Office and kind come from the scenario when the coverage table does not carry them.
    if "office" not in columns:
        columns["office"] = [queues[q].office.value if q in queues else None for q in queue_ids]
    if "kind" not in columns:
        columns["kind"] = [queues[q].kind.value if q in queues else None for q in queue_ids]

    keys = [key for _, key, _, _ in COVERAGE_SHEET_COLUMNS]
    last_column = get_column_letter(len(COVERAGE_SHEET_COLUMNS))
    set_widths(sheet, (width for _, _, _, width in COVERAGE_SHEET_COLUMNS))
    sheet.freeze_panes = "C2"
    sheet.print_title_rows = "1:1"
    sheet.auto_filter.ref = f"A1:{last_column}{len(frame) + 1}"
    sheet.append([make(header, HEADER) for header, _, _, _ in COVERAGE_SHEET_COLUMNS])
    if len(frame):
        required = get_column_letter(keys.index("required_agents") + 1)
        scheduled = get_column_letter(keys.index("scheduled_agents") + 1)
        sheet.conditional_formatting.add(
            f"{scheduled}2:{scheduled}{len(frame) + 1}",
            FormulaRule(
                formula=[f"AND(ISNUMBER(${required}2),ISNUMBER(${scheduled}2),${scheduled}2<${required}2-0.000001)"],
                fill=PatternFill("solid", start_color=SHORTFALL_FILL, end_color=SHORTFALL_FILL),
            ),
        )

    looks = [Look(number_format=fmt) if fmt else PLAIN for _, _, fmt, _ in COVERAGE_SHEET_COLUMNS]
    empty: list[object] = [None] * len(frame)
    value_lists = [columns.get(key, empty) for key in keys]
    for index in range(len(frame)):
        sheet.append([make(values[index], look) for values, look in zip(value_lists, looks, strict=True)])

    # One line chart per queue: required against scheduled agents over the horizon, beside the table.
    blocks: dict[str, list[int]] = defaultdict(list)
    for index, queue_id in enumerate(queue_ids):
        blocks[queue_id].append(index + 2)  # sheet row: header is row 1
    anchor_column = get_column_letter(len(COVERAGE_SHEET_COLUMNS) + 2)
    for number, (queue_id, rows) in enumerate(blocks.items()):
        queue = queues.get(queue_id)
        name = (queue.name or queue.id) if queue else queue_id
        chart = LineChart()
        chart.height, chart.width = 6.5, 22
        if queue is not None and queue.kind is QueueKind.DEFERRED:
            # Back-office work has no per-interval requirement (only deadlines): who works it, and what waits.
            chart.title = f"{name}: agents on it and items waiting"
            chart.y_axis.title = "agents / items"
            lines = (("scheduled_agents", "Scheduled agents"), ("backlog", "Items waiting"))
        else:
            chart.title = f"{name}: required vs scheduled agents"
            chart.y_axis.title = "agents"
            lines = (("required_agents", "Required"), ("scheduled_agents", "Scheduled"))
        for key, _ in lines:
            column = keys.index(key) + 1
            series = Reference(sheet, min_col=column, min_row=rows[0], max_row=rows[-1])
            chart.add_data(series, titles_from_data=False)
        for series, (_, title) in zip(chart.series, lines, strict=True):
            series.tx = SeriesLabel(v=title)
        for series in chart.series:
            series.smooth = False
            series.graphicalProperties.line.width = 12700  # 1 pt: a week of intervals stays legible
        chart.set_categories(Reference(sheet, min_col=1, min_row=rows[0], max_row=rows[-1]))
        chart.x_axis.number_format = "ddd dd"
        sheet.add_chart(chart, f"{anchor_column}{2 + CHART_ROWS * number}")
    if blocks:
        # On paper the charts are the sheet, two to a page (a page break never cuts one); the rows are for
        # filtering on screen.
        last_chart_column = get_column_letter(len(COVERAGE_SHEET_COLUMNS) + 14)
        sheet.print_area = f"{anchor_column}1:{last_chart_column}{1 + CHART_ROWS * len(blocks)}"
        sheet.print_title_rows = None
        for page in range(1, (len(blocks) + 1) // 2):
            sheet.row_breaks.append(Break(id=1 + 2 * CHART_ROWS * page))


# --- Exports ---------------------------------------------------------------------------------------------------


WRAPPED = Look(wrap=True)  # a text longer than its column's widest setting, on several lines
LINE_POINTS = 15.0  # the height of one line of text in a row


def _wrapped_lines(value: object, width: float) -> int:
    """Lines a text takes wrapped at word boundaries in a column `width` characters wide."""
    words = str(value).split()
    lines, used = 1, 0
    for word in words:
        if used and used + 1 + len(word) > width - 2:
            lines, used = lines + 1, len(word)
        else:
            used += len(word) + (1 if used else 0)
    return lines


def write_tables_xlsx(path: Path, tables: Sequence[tuple[str, pd.DataFrame]], *, title: str | None = None) -> None:
    """Plain tables as sheets of one workbook (`wfm export --format xlsx`), atomically, with the roster's rules:
    every text is text (an id such as `=1+1` never becomes a formula), times without zones, header row frozen.
    `title`, when given, goes above the first table (a person's own plan reads "Plan for A0042 ...")."""
    workbook = Workbook(write_only=True)
    make: CellMaker | None = None
    for index, (name, frame) in enumerate(tables):
        sheet = workbook.create_sheet(name[:31])
        make = CellMaker(workbook, sheet) if make is None else make.for_sheet(sheet)
        widths = [text_width([str(c), *map(str, frame[c].head(200))], 9, 60) for c in frame.columns]
        set_widths(sheet, widths)
        # Printed for the person it is about: landscape, one page wide, a long cell (a day's activities)
        # wrapped inside its column rather than cut at the page edge.
        sheet.page_setup.orientation = "landscape"
        sheet.page_setup.fitToWidth = 1
        sheet.page_setup.fitToHeight = 0
        sheet.sheet_properties.pageSetUpPr = PageSetupProperties(fitToPage=True)
        sheet.oddFooter.left.text = "&A"
        sheet.oddFooter.right.text = "Page &P of &N"
        top = 1
        if title and index == 0:
            sheet.append([make(title, SECTION)])
            sheet.append([])
            top = 3
        sheet.freeze_panes = f"A{top + 1}"
        sheet.append([make(str(column), HEADER) for column in frame.columns])
        columns = [_column_values(frame, c) for c in frame.columns]
        looks = [
            Look(number_format="yyyy-mm-dd hh:mm")
            if pd.api.types.is_datetime64_any_dtype(frame[c])
            else WRAPPED
            if width >= 60
            else PLAIN
            for c, width in zip(frame.columns, widths, strict=True)
        ]
        wrapped = [(values, width) for values, look, width in zip(columns, looks, widths, strict=True) if look.wrap]
        for row in range(len(frame)):
            # A spreadsheet does not grow a row for wrapped text it did not lay out itself: say how tall.
            lines = max((_wrapped_lines(values[row], width) for values, width in wrapped), default=1)
            if lines > 1:
                sheet.row_dimensions[top + 1 + row].height = LINE_POINTS * lines
            sheet.append([make(values[row], look) for values, look in zip(columns, looks, strict=True)])
    buffer = io.BytesIO()
    workbook.save(buffer)
    atomic_write_bytes(path, buffer.getvalue())
