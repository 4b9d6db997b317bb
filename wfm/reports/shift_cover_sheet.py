"""The roster workbook's Shift cover sheet: shift_requirements.csv against the plan, one block per week, so a team
lead sees on paper which day and shift is short (red) or over (amber) and by how many.

Each week is a block of seven day columns; each shift template two rows, the people needed and the people planned.
A date with no line for a template shows a blank "needed"; shifts planned there are still counted."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pandas as pd

from wfm.domain.models import Scenario
from wfm.reports.layout import set_widths, text_width
from wfm.reports.styles import HEADER, LABEL, SECTION, TITLE, Look

SHORT_FILL = "FFC7CE"
OVER_FILL = "FFEB9C"
COUNT = Look(number_format="#,##0", horizontal="center", border=True)
SHORT = Look(number_format="#,##0", horizontal="center", border=True, fill=SHORT_FILL, bold=True)
OVER = Look(number_format="#,##0", horizontal="center", border=True, fill=OVER_FILL)
NEEDED = Look(number_format="#,##0", horizontal="center", border=True, color="595959")
ROW_LABEL = Look(border=True)
DAY_HEADER = Look(bold=True, fill="D9E1F2", horizontal="center", border=True, number_format="ddd dd mmm")


def write_shift_cover_sheet(sheet: Any, make: Any, *, scenario: Scenario, table: pd.DataFrame) -> None:
    """`table` is `wfm.scheduling.kpis.shift_cover_table`'s."""
    templates = list(dict.fromkeys(str(t) for t in table["template"]))
    names = {t.id: t.name or t.id for t in scenario.site.shift_templates}
    labels = [f"{names.get(t, t)} needed" for t in templates] + [f"{names.get(t, t)} planned" for t in templates]
    set_widths(sheet, (text_width(labels, 16, 40), *([11] * 7), 11, 11))
    sheet.print_title_rows = None
    short, over = int(table["short"].sum()), int(table["over"].sum())
    sheet.append([make("Shift cover: people needed (shift_requirements.csv) and planned per shift and day", TITLE)])
    sheet.append([
        make(f"{short:,} people short and {over:,} over in the horizon. A planned figure is red when short of the "
             "need, amber when over it.")
    ])  # fmt: skip
    cells = {
        (row.date, str(row.template)): (None if pd.isna(row.required) else int(row.required), int(row.scheduled))
        for row in table.itertuples(index=False)
    }
    horizon = set(scenario.site.horizon.dates)
    for week_start in _weeks(scenario.site.horizon.dates):
        # Seven columns a week, Monday first; a day outside the horizon (a part week) stays an empty column.
        days = [week_start + dt.timedelta(days=i) for i in range(7)]
        sheet.append([])
        sheet.append([make(f"Week of {week_start:%a %d %b %Y}", SECTION)])
        sheet.append([
            make("Shift", HEADER),
            *(make(dt.datetime.combine(d, dt.time()) if d in horizon else None, DAY_HEADER) for d in days),
            make("Short", HEADER), make("Over", HEADER),
        ])  # fmt: skip
        for template in templates:
            needed_row: list[object] = [make(f"{names.get(template, template)} needed", ROW_LABEL)]
            planned_row: list[object] = [make(f"{names.get(template, template)} planned", LABEL)]
            week_short = week_over = 0
            for day in days:
                if day not in horizon:
                    needed_row.append(None)
                    planned_row.append(None)
                    continue
                needed, planned = cells.get((day, template), (None, 0))
                needed_row.append(make(needed, NEEDED))
                look = COUNT
                if needed is not None and planned < needed:
                    look, week_short = SHORT, week_short + needed - planned
                elif needed is not None and planned > needed:
                    look, week_over = OVER, week_over + planned - needed
                planned_row.append(make(planned, look))
            sheet.append(needed_row)
            sheet.append([*planned_row, make(week_short, COUNT), make(week_over, COUNT)])


def _weeks(dates: list[dt.date]) -> list[dt.date]:
    """The Monday of each week the horizon touches."""
    return list(dict.fromkeys(d - dt.timedelta(days=d.weekday()) for d in dates))
