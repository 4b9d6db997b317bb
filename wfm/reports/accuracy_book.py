"""The Accuracy workbook of `wfm accuracy`: per queue and week the published forecasts' WAPE, bias and P10-P90
coverage with a trend chart of each, and the same per day on a second sheet."""

from __future__ import annotations

import io
from pathlib import Path

import pandas as pd
from openpyxl import Workbook
from openpyxl.chart import LineChart, Reference
from openpyxl.chart.series import SeriesLabel

from wfm.io.atomic import atomic_write_bytes
from wfm.reports.excel import CellMaker, landscape_page
from wfm.reports.layout import set_widths
from wfm.reports.styles import HEADER, SECTION, TITLE, Look
from wfm.reports.summary_sheet import HEADER_ROW_POINTS

PERCENT = Look(number_format="0.0%")
SIGNED = Look(number_format="+0.0%;-0.0%;0.0%")
COUNT = Look(number_format="#,##0")
DATE = Look(number_format="ddd dd mmm yyyy")
HEADERS = ("Queue", "From", "Intervals", "Actual", "Forecast", "WAPE", "Bias", "P10-P90 coverage")


def write_accuracy_workbook(path: Path, *, site: str, weekly: pd.DataFrame, daily: pd.DataFrame) -> None:
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("Accuracy")
    make = CellMaker(workbook, sheet)
    landscape_page(sheet, site)
    set_widths(sheet, (22, 16, 10, 11, 11, 9, 9, 11))
    sheet.append([make(f"Forecast accuracy over time, {site}", TITLE)])
    sheet.append([make("Each interval judged against the forecast published the night before its day at the "
                       "latest. WAPE: share of the volume missed; bias above 0: the forecast ran high; P10-P90 "
                       "coverage: share of intervals inside the band (80 % expected).")])  # fmt: skip
    sheet.append([])
    sheet.append([make("Per week", SECTION)])
    sheet.row_dimensions[5].height = HEADER_ROW_POINTS
    sheet.append([make(h, HEADER) for h in HEADERS])
    _rows(sheet, make, weekly)
    # Trend charts: one line per queue across the weeks, WAPE and bias (a table of weeks x queues beside them).
    weeks = sorted(weekly["period"].unique())
    queues = list(dict.fromkeys(weekly["queue"]))
    if weeks and queues:
        first_row = 6 + len(weekly) + 2
        sheet.append([])
        sheet.append([make("Trend (weeks x queues)", SECTION)])
        for number, measure in enumerate(("wape", "bias")):
            sheet.row_dimensions[first_row + number * (len(weeks) + 1)].height = HEADER_ROW_POINTS
            sheet.append([make(measure.upper() if measure == "wape" else "Bias", HEADER),
                          *(make(q, HEADER) for q in queues)])  # fmt: skip
            pivot = weekly.pivot(index="period", columns="queue", values=measure).reindex(weeks)
            for week in weeks:
                values = [pivot.at[week, q] if q in pivot.columns else None for q in queues]
                look = PERCENT if measure == "wape" else SIGNED
                sheet.append([make(pd.Timestamp(week).to_pydatetime(), DATE),
                              *(make(_number(v), look) for v in values)])  # fmt: skip
        below = first_row + 2 * (len(weeks) + 1) + 1  # the charts go under the tables, one after the other
        for index, measure in enumerate(("WAPE", "Bias")):
            header = first_row + index * (len(weeks) + 1)
            chart = LineChart()
            chart.title = f"{measure} per week and queue"
            chart.height, chart.width = 7, 18
            chart.y_axis.number_format = "0%"
            for column in range(2, len(queues) + 2):
                series = Reference(sheet, min_col=column, min_row=header, max_row=header + len(weeks))
                chart.add_data(series, titles_from_data=True)
            for series, queue in zip(chart.series, queues, strict=True):
                series.tx = SeriesLabel(v=queue)
                series.smooth = False
                series.marker.symbol = "circle"  # a single week still shows
            chart.set_categories(Reference(sheet, min_col=1, min_row=header + 1, max_row=header + len(weeks)))
            chart.x_axis.number_format = "dd mmm"
            sheet.add_chart(chart, f"A{below + index * 15}")
    daily_sheet = workbook.create_sheet("Daily")
    make_daily = make.for_sheet(daily_sheet)
    landscape_page(daily_sheet, site)
    set_widths(daily_sheet, (22, 16, 10, 11, 11, 9, 9, 11))
    daily_sheet.print_title_rows = "1:1"
    daily_sheet.row_dimensions[1].height = HEADER_ROW_POINTS
    daily_sheet.append([make_daily(h, HEADER) for h in ("Queue", "Day", *HEADERS[2:])])
    _rows(daily_sheet, make_daily, daily)
    buffer = io.BytesIO()
    workbook.save(buffer)
    atomic_write_bytes(path, buffer.getvalue())


def _rows(sheet: object, make: CellMaker, table: pd.DataFrame) -> None:
    for row in table.itertuples(index=False):
        sheet.append([  # type: ignore[attr-defined]
            make(row.queue), make(pd.Timestamp(row.period).to_pydatetime(), DATE), make(row.intervals, COUNT),
            make(row.actual, COUNT), make(row.forecast, COUNT), make(_number(row.wape), PERCENT),
            make(_number(row.bias), SIGNED), make(_number(row.p10_p90_coverage), PERCENT),
        ])  # fmt: skip


def _number(value: object) -> float | None:
    return None if value is None or pd.isna(value) else float(value)  # type: ignore[arg-type]
