"""capacity.xlsx, the workbook of `wfm capacity`: a sheet per office and one for the whole site (weeks as rows:
required, available, the gap, with a line chart of required against available and a bar chart of the gap), the
Queues behind the requirement, the Hiring classes planned and suggested, the Forecast's parameters, and with
several scenarios a Scenarios sheet comparing them. The office sheets show the first scenario (as planned)."""

from __future__ import annotations

import datetime as dt
import io
import math
import textwrap
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pandas as pd
from openpyxl import Workbook
from openpyxl.chart import BarChart, LineChart, Reference

from wfm.io.atomic import atomic_write_bytes
from wfm.reports.excel import SHORTFALL_FILL, CellMaker, landscape_page
from wfm.reports.layout import EN_DASH, set_widths
from wfm.reports.styles import HEADER, LABEL, SECTION, TITLE, Look
from wfm.reports.summary_sheet import HEADER_ROW_POINTS
from wfm.staffing.capacity import SITE, CapacityOutcome, CapacityResult, office_summary

FTE = Look(number_format="#,##0.0")
SHORT = Look(number_format="#,##0.0", fill=SHORTFALL_FILL)
COUNT = Look(number_format="#,##0")
SECONDS = Look(number_format="#,##0")
PERCENT = Look(number_format="0.0%")
SIGNED_PERCENT = Look(number_format="+0.00%;-0.00%;0.00%")
DATE = Look(number_format="dd mmm yyyy")
NOTE = Look(italic=True, color="595959")
CENTRED = Look(horizontal="center")
OFFICE_HEADERS = ("Week", "Week starting", "Required FTE", "Available FTE", "of which planned hires",
                  "Suggested hires FTE", "Available with suggested", "Gap FTE", "Gap with suggested hires")  # fmt: skip
CHART_ROWS = 17  # rows one chart covers
NOTE_WIDTH = 95  # characters of a note line: the width of the table under it (charts sit to the right)


def write_capacity_book(path: Path, outcome: CapacityOutcome) -> None:
    workbook = Workbook(write_only=True)
    makers: list[CellMaker] = []

    def new_sheet(title: str) -> tuple[Any, CellMaker]:
        sheet = workbook.create_sheet(title)
        makers.append(makers[0].for_sheet(sheet) if makers else CellMaker(workbook, sheet))
        return sheet, makers[-1]

    base = outcome.base or (outcome.results[0] if outcome.results else None)
    if base is not None:
        offices = list(dict.fromkeys(base.figures.offices["office"]))
        for office in [SITE, *(o for o in offices if o != SITE)]:
            _office_sheet(*new_sheet(office.capitalize()), outcome, base, office)
        _queues_sheet(*new_sheet("Queues"), outcome, base)
        _hiring_sheet(*new_sheet("Hiring"), outcome, base)
    if len(outcome.results) > 1 or outcome.failures:
        _scenarios_sheet(*new_sheet("Scenarios"), outcome)
    _forecast_sheet(*new_sheet("Forecast"), outcome)
    buffer = io.BytesIO()
    workbook.save(buffer)
    atomic_write_bytes(path, buffer.getvalue())


def _page(sheet: Any, outcome: CapacityOutcome, title_rows: str | None = None) -> None:
    last = outcome.start + dt.timedelta(weeks=outcome.weeks, days=-1)
    landscape_page(sheet, outcome.site, f"capacity {outcome.start.isoformat()} {EN_DASH} {last.isoformat()}")
    if title_rows:
        sheet.print_title_rows = title_rows


def _scenario_line(outcome: CapacityOutcome, result: CapacityResult) -> str:
    if len(outcome.cases) <= 1:
        return ""
    return f"Scenario {result.name}: {result.label} (the Scenarios sheet compares all {len(outcome.cases)})."


def _notes(sheet: Any, make: CellMaker, text: str, width: int = NOTE_WIDTH) -> int:
    """A note as lines of at most `width` characters (a long line would print over the charts); returns the rows."""
    lines = textwrap.wrap(text, width) or [""]
    for line in lines:
        sheet.append([make(line, NOTE)])
    return len(lines)


def _office_sheet(sheet: Any, make: CellMaker, outcome: CapacityOutcome, result: CapacityResult, office: str) -> None:
    plan = result.plan
    part = result.figures.offices[result.figures.offices["office"] == office].reset_index(drop=True)
    tolerance = plan.shortfall_tolerance_fte
    set_widths(sheet, (6, 13, 10, 10, 10, 10, 10, 10, 10))
    what = "the whole site" if office == SITE else f"the {office} office"
    shares = result.figures.on_floor_share
    if office == SITE:
        on_floor = ", ".join(f"{o} {share:.1%}" for o, share in shares.items())
    else:
        on_floor = f"{shares.get(office, 1.0):.1%}"
    text = (
        f"FTE of {plan.fte_hours_week:g} paid h a week. Required: the staffing math on the long-range forecast, "
        f"with {plan.absence_shrinkage:.0%} planned absence, grossed up for paid breaks (on the floor: {on_floor} "
        f"of a paid hour). Available: staff less {plan.attrition_per_month:.1%} attrition a month, plus planned "
        f"classes. Gap = available - required; shaded where short by more than {tolerance:g} FTE."
    )
    if office == SITE:
        text += " A surplus in one office covers another's shortfall only as far as its people are cross-trained."
    lines = textwrap.wrap(f"{text} {_scenario_line(outcome, result)}".strip(), NOTE_WIDTH)
    header = 1 + len(lines) + 2
    _page(sheet, outcome, f"{header}:{header}")  # before the first row: write-only sheets write it first
    sheet.append([make(f"Capacity plan for {what}, {outcome.site}", TITLE)])
    _notes(sheet, make, " ".join(lines))
    sheet.append([])
    sheet.row_dimensions[header].height = 3 * HEADER_ROW_POINTS / 2  # three lines of a wrapped heading
    sheet.append([make(h, HEADER) for h in OFFICE_HEADERS])
    for index, row in part.iterrows():
        gap, with_suggested = float(row["gap_fte"]), float(row["gap_with_suggestions_fte"])
        sheet.append([
            make(int(index) + 1, COUNT), make(row["week_start"], DATE), make(float(row["required_fte"]), FTE),
            make(float(row["available_fte"]), FTE), make(float(row["planned_hires_fte"]), FTE),
            make(float(row["suggested_hires_fte"]), FTE),
            make(float(row["available_fte"] + row["suggested_hires_fte"]), FTE),
            make(gap, SHORT if gap < -tolerance else FTE),
            make(with_suggested, SHORT if with_suggested < -tolerance else FTE),
        ])  # fmt: skip
    if len(part):
        _charts(sheet, part, header, what)


def _charts(sheet: Any, part: pd.DataFrame, header: int, what: str) -> None:
    """Required against available (and with the suggested classes) as lines, the gap as bars, right of the table."""
    last = header + len(part)
    lines = LineChart()
    lines.title = f"Required and available FTE, {what}"
    lines.height, lines.width = 7.5, 16
    lines.y_axis.title = "FTE"
    for column, colour, dashed in ((3, "C00000", False), (4, "1F4E79", False), (7, "1F4E79", True)):
        lines.add_data(Reference(sheet, min_col=column, min_row=header, max_row=last), titles_from_data=True)
        series = lines.series[-1]
        series.smooth = False
        series.graphicalProperties.line.solidFill = colour
        series.graphicalProperties.line.width = 22000  # EMU: about 1.75 pt
        if dashed:
            series.graphicalProperties.line.dashStyle = "dash"
    # The lines differ by a few FTE on a level of tens: an axis from 0 would flatten them into one.
    low = float(min(part["required_fte"].min(), part["available_fte"].min()))
    step = 10.0 if low > 50 else 5.0 if low > 10 else 1.0
    lines.y_axis.scaling.min = max(0.0, step * (low * 0.85 // step))
    lines.y_axis.majorUnit = step
    lines.set_categories(Reference(sheet, min_col=2, min_row=header + 1, max_row=last))
    lines.x_axis.number_format = "dd mmm"
    lines.legend.position = "b"
    sheet.add_chart(lines, "K1")
    bars = BarChart()
    bars.title = f"Gap (available - required), {what}"
    bars.height, bars.width = 7.5, 16
    bars.y_axis.title = "FTE"
    bars.add_data(Reference(sheet, min_col=8, min_row=header, max_row=last), titles_from_data=True)
    bars.series[0].graphicalProperties.solidFill = "7F7F7F"
    bars.series[0].invertIfNegative = False
    # Whole steps from a multiple of the step, so that 0 is a gridline (left alone, ticks can fall at -1, 1, 3).
    low_gap, high_gap = min(float(part["gap_fte"].min()), 0.0), max(float(part["gap_fte"].max()), 0.0)
    unit = next((u for u in (1.0, 2.0, 5.0, 10.0, 20.0, 50.0) if (high_gap - low_gap) / u <= 6), 100.0)
    bars.y_axis.scaling.min = unit * math.floor(low_gap / unit)
    bars.y_axis.scaling.max = max(unit * math.ceil(high_gap / unit), bars.y_axis.scaling.min + unit)
    bars.y_axis.majorUnit = unit
    bars.set_categories(Reference(sheet, min_col=2, min_row=header + 1, max_row=last))
    bars.x_axis.number_format = "dd mmm"
    bars.x_axis.tickLblPos = "low"  # the dates under the chart, not among the bars below zero
    bars.legend = None
    for axis in (lines.x_axis, lines.y_axis, bars.x_axis, bars.y_axis):
        axis.delete = False  # Excel hides an axis openpyxl leaves unset
    sheet.add_chart(bars, f"K{1 + CHART_ROWS}")


def _header_row(sheet: Any, make: CellMaker, row: int, headings: Sequence[str]) -> None:
    sheet.row_dimensions[row].height = 3 * HEADER_ROW_POINTS / 2  # up to three lines of a wrapped heading
    sheet.append([make(h, HEADER) for h in headings])


def _queues_sheet(sheet: Any, make: CellMaker, outcome: CapacityOutcome, result: CapacityResult) -> None:
    frame = result.figures.queues
    queues = list(dict.fromkeys(frame["queue"]))
    text = ("Required FTE includes unplanned absence (the site's shrinkage), planned absence and paid breaks (its "
            "office's share of a paid hour on the floor); the volume is the long-range forecast (volume_plan where "
            f"given), the AHT its volume-weighted mean. {_scenario_line(outcome, result)}")  # fmt: skip
    # Every table has the same columns (a week, then the queues): the first one's header repeats on each page.
    first_header = 1 + len(textwrap.wrap(text, 130)) + 3
    _page(sheet, outcome, f"{first_header}:{first_header}")  # before the first row: write-only sheets write it first
    set_widths(sheet, (13, *(max(10.0, min(len(q) + 2.0, 24.0)) for q in queues)))
    sheet.append([make(f"Queues behind the requirement, {outcome.site}", TITLE)])
    row = 1 + _notes(sheet, make, text, 130)
    for value, title, look in (
        ("required_fte", "Required FTE per queue", FTE),
        ("volume", "Volume per queue (contacts and items)", COUNT),
        ("aht_seconds", "Average handle time per queue (seconds)", SECONDS),
        ("required_agent_hours", "Required agent-hours per queue", COUNT),
    ):
        table = frame.pivot(index="week_start", columns="queue", values=value)
        sheet.append([])
        sheet.append([make(title, SECTION)])
        _header_row(sheet, make, row + 3, ["Week starting", *queues])
        for week, values in table.iterrows():
            sheet.append([make(week, DATE), *(make(_number(values[q]), look) for q in queues)])
        row += 3 + len(table)


def _hiring_sheet(sheet: Any, make: CellMaker, outcome: CapacityOutcome, result: CapacityResult) -> None:
    plan = result.plan
    _page(sheet, outcome)
    set_widths(sheet, (10, 26, 13, 8, 10, 9, 8, 13, 62))
    sheet.append([make(f"Hiring, {outcome.site}", TITLE)])
    text = ("A class counts nothing while in training, then 1/(r+1), 2/(r+1), ... of a person over its r ramp "
            "weeks, then a whole person, less attrition from its start.")  # fmt: skip
    row = 1 + _notes(sheet, make, text, 130)
    sheet.append([])
    sheet.append([make("Planned classes (capacity.toml)", SECTION)])
    _header_row(sheet, make, row + 3, ("Office", "Class", "Training starts", "People", "Hours a week",
                                       "Training weeks", "Ramp weeks", "Full from"))  # fmt: skip
    for hiring in plan.hiring:
        full = hiring.start + dt.timedelta(weeks=hiring.training_weeks + hiring.ramp_weeks)
        sheet.append([make(hiring.office), make(hiring.name or f"{hiring.office} {hiring.start:%d %b}"),
                      make(hiring.start, DATE), make(hiring.people, COUNT), make(plan.hours_of(hiring), FTE),
                      make(hiring.training_weeks, COUNT), make(hiring.ramp_weeks, COUNT),
                      make(full, DATE)])  # fmt: skip
    if not plan.hiring:
        sheet.append([make("none", NOTE)])
    row += 3 + max(len(plan.hiring), 1)
    sheet.append([])
    sheet.append([make("Suggested classes", SECTION)])
    text = (
        f"Each covers the largest shortfall over the {plan.lookahead_weeks} weeks from its first full week, in whole "
        f"people of {plan.fte_hours_week:g} h, attrition included. {_scenario_line(outcome, result)}"
    )
    row += 2 + _notes(sheet, make, text, 130)
    _header_row(sheet, make, row + 1, ("Office", "Short from", "Training starts", "People", "Largest shortfall "
                                       "FTE", "Training weeks", "Ramp weeks", "Full from", "Note"))  # fmt: skip
    for c in result.figures.suggestions:
        sheet.append([make(c.office), make(c.short_from, DATE), make(c.start, DATE), make(c.people, COUNT),
                      make(c.largest_shortfall_fte, FTE), make(c.training_weeks, COUNT), make(c.ramp_weeks, COUNT),
                      make(c.full_from, DATE), make(c.note(outcome.start))])  # fmt: skip
    if not result.figures.suggestions:
        sheet.append([make("none: no office falls short by more than the tolerance", NOTE)])


def _scenarios_sheet(sheet: Any, make: CellMaker, outcome: CapacityOutcome) -> None:
    tolerance = outcome.plan.shortfall_tolerance_fte
    summaries = [(r, {s.office: s for s in office_summary(r.figures, tolerance)}) for r in outcome.results]
    offices = list(dict.fromkeys(o for _, s in summaries for o in s))
    set_widths(sheet, (9, 34, *(10 for _ in range(3 * len(offices)))))
    text = (f"Per office: the worst week's gap (FTE; negative: short), the weeks short by more than {tolerance:g} "
            "FTE before suggested hires, and the people the plan suggests hiring. S1 is the base case (each "
            "setting's first value); the office sheets show it.")  # fmt: skip
    row = 1 + len(textwrap.wrap(text, 130))
    _page(sheet, outcome, f"{row + 2}:{row + 2}")  # before the first row: write-only sheets write it first
    sheet.append([make(f"Scenarios compared, {outcome.site}", TITLE)])
    _notes(sheet, make, text, 130)
    groups = [
        make(("Site" if o == SITE else o.capitalize()) if i == 0 else "", LABEL) for o in offices for i in range(3)
    ]
    sheet.append([make(""), make(""), *groups])
    _header_row(sheet, make, row + 2, ["Scenario", "Settings", *(h for _ in offices for h in ("Worst gap",
                                                                 "Weeks short", "People to hire"))])  # fmt: skip
    for result, by_office in summaries:
        cells = [make(result.name), make(result.label)]
        for office in offices:
            summary = by_office.get(office)
            if summary is None:
                cells += [None, None, None]
                continue
            worst = summary.worst_gap_fte
            cells += [make(worst, SHORT if worst < -tolerance else FTE), make(summary.weeks_short, COUNT),
                      make(summary.people_to_hire, COUNT)]  # fmt: skip
        sheet.append(cells)
    for failure in outcome.failures:
        sheet.append([make(failure.name), make(f"failed: {failure.error}")])


def _forecast_sheet(sheet: Any, make: CellMaker, outcome: CapacityOutcome) -> None:
    _page(sheet, outcome)
    set_widths(sheet, (22, 12, 12, 12, 10, 10, 9))
    sheet.append([make(f"Long-range forecast, {outcome.site}", TITLE)])
    row = 1 + _notes(sheet, make, "Each day: the weekday's mean over the last 8 weeks x a damped trend (Theil-Sen "
                     "on weekly totals, capped) x a yearly season (with 1 year + 8 weeks of history) x holidays; "
                     "docs/capacity.md explains the method and its limits.", 130)  # fmt: skip
    sheet.append([])
    _header_row(sheet, make, row + 2, ("Queue", "Weekly level", "Growth measured a week", "Growth used a week",
                                       "Trend weeks", "History weeks", "Season"))  # fmt: skip
    for m in outcome.forecast.models:
        sheet.append([make(m.queue), make(m.weekly_level, COUNT), make(m.growth_measured, SIGNED_PERCENT),
                      make(m.growth_used, SIGNED_PERCENT), make(m.trend_weeks, COUNT), make(m.history_weeks, COUNT),
                      make("yes" if m.seasonal else "no", CENTRED)])  # fmt: skip
    sheet.append([])
    sheet.append([make("Notes", SECTION)])
    for note in outcome.notes:
        for line in textwrap.wrap(note, 130, subsequent_indent="    "):
            sheet.append([make(line)])


def _number(value: object) -> float | None:
    return None if value is None or pd.isna(value) else float(value)  # type: ignore[arg-type]


__all__: Sequence[str] = ("write_capacity_book",)
