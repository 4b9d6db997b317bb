"""The roster workbook's detail sheets: one intraday sheet per day, Forecast, Overtime and Inputs.

Each writer takes a write-only sheet and the workbook's cell maker (`excel.CellMaker`), so styles are prepared
once per workbook and every text from the inputs stays text.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd
from openpyxl.utils import get_column_letter

from wfm.domain.models import QueueKind, Scenario
from wfm.reports.styles import HEADER, LABEL, SECTION, TITLE, Look
from wfm.reports.tables import paid_hours_by_week, roster_order, shift_text, week_start
from wfm.scheduling.problem import week_limits
from wfm.scheduling.result import ScheduleResult, Segment, ShiftAssignment

# Distinct soft fills for queues (black text stays readable, and they stay apart when printed in grey), then
# the activities: breaks grey, lunch darker grey, training and other fixed activities yellow.
QUEUE_FILLS = (
    "9BC2E6", "A9D08E", "F4B084", "FFD966", "C9C9FF", "8ED1C6", "F8CBAD", "B4A7D6",
    "D9EAD3", "9FC5E8", "EAD1DC", "FFE599",
)  # fmt: skip
ACTIVITY_FILL = {"break": "D9D9D9", "lunch": "BFBFBF"}
OTHER_ACTIVITY_FILL = "FFF2CC"
AVAILABLE_CODE = "·"  # on shift, none of the agent's queues open
SHORT_FILL = "FFC7CE"


def queue_codes(queue_ids: Sequence[str], reserved: Sequence[str] = ()) -> dict[str, str]:
    """A short, unique code per queue for the intraday grid (its colour carries the meaning, the code backs it
    up in print): the id's first four letters, with a digit where two would clash or where an activity's code
    (`reserved`, BRK, LUN) has it."""
    codes: dict[str, str] = {}
    used: set[str] = {"BRK", "LUN", AVAILABLE_CODE, *reserved}  # the activities' codes are taken
    for queue_id in queue_ids:
        base = "".join(ch for ch in queue_id if ch.isalnum())[:4].upper() or "Q"
        code, n = base, 2
        while code in used:
            code, n = f"{base[:3]}{n}", n + 1
        codes[queue_id] = code
        used.add(code)
    return codes


def activity_code(activity: str) -> str:
    return {"break": "BRK", "lunch": "LUN", "available": AVAILABLE_CODE}.get(activity, activity[:3].upper())


def day_sheet_title(day: dt.date) -> str:
    return f"{day:%a %d %b}"


def write_day_sheet(
    sheet: Any,
    make: Any,
    *,
    scenario: Scenario,
    day: dt.date,
    shifts: Sequence[ShiftAssignment],
    segments: Sequence[Segment],
    coverage: pd.DataFrame,
) -> None:
    """Agents on shift that day × intervals, each cell the queue or activity (coloured, legend on top), and the
    staffing per queue underneath (required, scheduled, service level or backlog) with shortfalls in red.

    Shifts belong to the day they start on, so a night shift's hours after midnight stay on its own sheet.
    """
    site = scenario.site
    step = dt.timedelta(minutes=site.interval_minutes)
    agents = {a.agent_id: a for a in scenario.agents}
    order = {agent.agent_id: i for i, agent in enumerate(roster_order(scenario))}
    todays = sorted(shifts, key=lambda s: (order.get(s.agent_id, len(order)), s.start))
    day_start = dt.datetime.combine(day, dt.time())
    first = min([s.start for s in todays], default=day_start + dt.timedelta(hours=8))
    last = max([s.end for s in todays], default=day_start + dt.timedelta(hours=18))
    # Whole intervals from the first start to the last end (at least the open hours of a working day).
    first = day_start + (first - day_start) // step * step
    columns = [first + k * step for k in range(max(1, -(-(last - first) // step)))]
    others = sorted({a.activity for a in scenario.fixed_activities} | {
        s.activity for s in segments if s.activity not in ("work", "break", "lunch", "available", "time_off")
    })  # fmt: skip
    codes = queue_codes([q.id for q in site.queues], [activity_code(a) for a in others])
    fills = {q.id: QUEUE_FILLS[i % len(QUEUE_FILLS)] for i, q in enumerate(site.queues)}

    def cell_look(fill: str | None) -> Any:
        return Look(fill=fill, horizontal="center", size=8)

    fixed = 5
    widths = [10, 22, 12, 8, 12] + [4.2] * len(columns)
    for index, width in enumerate(widths, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = width
    # The legend: each entry a coloured code cell and its meaning in the next cell, which spills over the empty
    # cells after it (the time columns are narrow), five columns apart.
    entries = [(codes[q.id], q.id, fills[q.id]) for q in site.queues] + [
        ("BRK", "break", ACTIVITY_FILL["break"]),
        ("LUN", "lunch", ACTIVITY_FILL["lunch"]),
        *[(activity_code(a), a, OTHER_ACTIVITY_FILL) for a in others if any(s.activity == a for s in segments)],
        (AVAILABLE_CODE, "on shift, no queue open", None),
    ]
    # As many entries a row as fit over the time columns, so the legend never widens the printed page.
    per_row = max(1, (len(columns) - 4) // 5)
    header_row = 3 + -(-len(entries) // per_row)  # title, legend rows, a blank row, then the header
    sheet.freeze_panes = f"{get_column_letter(fixed + 1)}{header_row + 1}"
    sheet.print_title_rows = f"{header_row}:{header_row}"
    sheet.print_title_cols = "A:B"
    sheet.row_dimensions[header_row].height = 30  # room for the rotated "08:15" labels

    sheet.append([make(f"{day:%A %d %B %Y} {chr(8211)} intraday plan, {site.name}", TITLE)])
    for offset in range(0, len(entries), per_row):
        legend: list[object] = [make("Legend", LABEL) if offset == 0 else None, None, None, None, None]
        for code, meaning, fill in entries[offset : offset + per_row]:
            legend += [make(code, cell_look(fill)), make(meaning, Look(size=8)), None, None, None]
        sheet.append(legend)
    sheet.append([])
    header = [make(h, HEADER) for h in ("Agent ID", "Name", "Team", "Office", "Shift")]
    time_header = Look(bold=True, fill=HEADER.fill, horizontal="center", border=True, size=8, rotation=90)
    header += [make(f"{moment:%H:%M}", time_header) for moment in columns]
    sheet.append(header)

    index_of = {moment: i for i, moment in enumerate(columns)}
    by_agent: dict[str, list[Segment]] = defaultdict(list)
    for segment in segments:
        by_agent[segment.agent_id].append(segment)
    looks_cache: dict[str | None, Any] = {}

    def look_of(fill: str | None) -> Any:
        if fill not in looks_cache:
            looks_cache[fill] = cell_look(fill)
        return looks_cache[fill]

    for shift in todays:
        agent = agents.get(shift.agent_id)
        row: list[object] = [
            make(shift.agent_id),
            make(agent.name if agent else ""),
            make(agent.team if agent else ""),
            make(agent.office.value if agent else ""),
            make(shift_text(shift)),
        ]
        cells: list[tuple[str, str | None] | None] = [None] * len(columns)
        for segment in by_agent.get(shift.agent_id, ()):
            if segment.end <= shift.start or segment.start >= shift.end:
                continue
            if segment.activity == "work" and segment.queue:
                code, fill = codes.get(segment.queue, segment.queue[:4]), fills.get(segment.queue)
            else:
                code = activity_code(segment.activity)
                other = None if segment.activity == "available" else OTHER_ACTIVITY_FILL
                fill = ACTIVITY_FILL.get(segment.activity, other)
            # From the interval holding the start (a segment need not start on the grid) to the segment's end.
            moment = first + (segment.start - first) // step * step
            while moment < segment.end:
                position = index_of.get(moment)
                if position is not None:
                    cells[position] = (code, fill)
                moment += step
        # Each stint reads as one block: its colour throughout, its code once at its start.
        grid: list[object] = [
            None if cell is None else make(cell[0] if i == 0 or cells[i - 1] != cell else "", look_of(cell[1]))
            for i, cell in enumerate(cells)
        ]
        sheet.append(row + grid)

    # Staffing underneath, per queue and interval, from the coverage table.
    sheet.append([])
    sheet.append([make("Staffing", SECTION)])
    frame = coverage
    if not {"interval_start", "queue"} <= set(frame.columns):
        return
    frame = wall_clock(frame)
    frame = frame[(frame["interval_start"] >= columns[0]) & (frame["interval_start"] <= columns[-1])]
    number = Look(number_format="0.0", size=8, horizontal="center")
    short = Look(number_format="0.0", size=8, horizontal="center", fill=SHORT_FILL)
    percent = Look(number_format="0%", size=8, horizontal="center")
    whole = Look(number_format="0", size=8, horizontal="center")  # items are counted whole
    for queue in site.queues:
        rows = frame[frame["queue"] == queue.id].set_index("interval_start")
        if rows.empty:
            continue
        scheduled = [_number_at(rows, moment, "scheduled_agents") for moment in columns]
        label = f"{queue.name or queue.id} ({queue.office.value})"
        if queue.kind is QueueKind.LIVE:
            required = [_number_at(rows, moment, "required_agents") for moment in columns]
            sheet.append([make(label, LABEL), None, None, None, make("Required")] +
                         [make(v, number) for v in required])  # fmt: skip
            sheet.append([None, None, None, None, make("Scheduled")] + [
                make(have, short if need is not None and have is not None and have < need - 1e-6 else number)
                for need, have in zip(required, scheduled, strict=True)
            ])  # fmt: skip
            levels = [_number_at(rows, moment, "service_level") for moment in columns]
            sheet.append([None, None, None, None, make("Service level")] + [make(v, percent) for v in levels])
        else:
            # Work is not needed in a given interval but by its deadline: what came in, who works it, what waits.
            arrived = [_number_at(rows, moment, "arrivals") for moment in columns]
            backlog = [_number_at(rows, moment, "backlog") for moment in columns]
            sheet.append([make(label, LABEL), None, None, None, make("Items arrived")] +
                         [make(v, whole) for v in arrived])  # fmt: skip
            sheet.append([None, None, None, None, make("Scheduled")] + [make(v, number) for v in scheduled])
            sheet.append([None, None, None, None, make("Items waiting")] + [make(v, whole) for v in backlog])


def wall_clock(frame: pd.DataFrame) -> pd.DataFrame:
    """`frame` with `interval_start` as site-local wall-clock times without a zone (as the sheets show them)."""
    times = pd.to_datetime(frame["interval_start"])
    if times.dt.tz is not None:
        times = times.dt.tz_localize(None)
    return frame.assign(interval_start=times)


def open_rows(frame: pd.DataFrame, site: Any, *values: str) -> pd.Series:
    """Rows (interval_start wall clock, queue) in their queue's opening hours, or with any of `values` above 0:
    the hours a planner reads; a closed night of zeros is left out of the sheets."""
    starts = pd.DatetimeIndex(frame["interval_start"])
    minute = np.asarray(starts.hour * 60 + starts.minute)
    weekday = np.asarray(starts.day_of_week)
    keep = np.zeros(len(frame), dtype=bool)
    for queue in site.queues:
        mine = (frame["queue"] == queue.id).to_numpy()
        for w in range(7):
            window = queue.window(w)
            if window is not None:
                keep |= mine & (weekday == w) & (minute >= window[0]) & (minute < window[1])
    for column in values:
        if column in frame.columns:
            keep |= pd.to_numeric(frame[column], errors="coerce").fillna(0).to_numpy() > 0
    return pd.Series(keep, index=frame.index)


def _number_at(frame: pd.DataFrame, moment: Any, column: str) -> float | None:
    """The number in `frame` at index `moment` and `column` (the first, if the index repeats), None if absent."""
    if column not in frame.columns:
        return None
    try:
        value = frame.at[pd.Timestamp(moment), column]
    except KeyError:
        return None
    if isinstance(value, pd.Series):
        value = value.iloc[0]
    return None if pd.isna(value) else float(value)


def write_forecast_sheet(sheet: Any, make: Any, *, scenario: Scenario, forecast: pd.DataFrame) -> None:
    """Interval × queue: the forecast volume (and AHT) the plan was made for, one column pair per queue; only
    intervals in which some queue is open or has volume."""
    queues = [q.id for q in scenario.site.queues]
    sheet.freeze_panes = "B2"
    sheet.print_title_rows = "1:1"
    sheet.print_title_cols = "A:A"
    sheet.column_dimensions["A"].width = 17
    header = [make("Interval start", HEADER)]
    for queue_id in queues:
        header += [make(f"{queue_id} volume", HEADER), make(f"{queue_id} AHT (s)", HEADER)]
    for index in range(2, 2 + 2 * len(queues)):
        sheet.column_dimensions[get_column_letter(index)].width = 11
    sheet.append(header)
    if not {"interval_start", "queue", "volume"} <= set(forecast.columns):
        return
    frame = wall_clock(forecast)
    open_intervals = frame.loc[open_rows(frame, scenario.site, "volume"), "interval_start"].unique()
    frame = frame[frame["interval_start"].isin(open_intervals)]
    volume = frame.pivot_table(index="interval_start", columns="queue", values="volume", aggfunc="sum")
    aht = (
        frame.pivot_table(index="interval_start", columns="queue", values="aht_seconds", aggfunc="mean")
        if "aht_seconds" in frame.columns
        else pd.DataFrame(index=volume.index)
    )
    when = Look(number_format="yyyy-mm-dd hh:mm")
    count = Look(number_format="0.00")
    seconds = Look(number_format="0")
    for moment in volume.index:
        row: list[object] = [make(moment.to_pydatetime(), when)]
        for queue_id in queues:
            row.append(make(_number_at(volume, moment, queue_id), count))
            row.append(make(_number_at(aht, moment, queue_id), seconds))
        sheet.append(row)


def write_overtime_sheet(sheet: Any, make: Any, *, scenario: Scenario, result: ScheduleResult) -> None:
    """Every agent-week with overtime: who, which week, paid against contracted hours (the week's share for a
    part week; leave days' credit is not shown), overtime hours and what they cost at the agent's hourly rate
    (where staff.csv gives one). Largest first, then a total row."""
    agents = {a.agent_id: a for a in scenario.agents}
    contracts = {c.id: c for c in scenario.site.contracts}
    first_day = scenario.site.horizon.start
    # A part week (the horizon's tail) contracts a share of the weekly hours, as the overtime was reckoned.
    days_in: dict[dt.date, int] = defaultdict(int)
    for day in scenario.site.horizon.dates:
        days_in[week_start(day, first_day)] += 1
    paid = paid_hours_by_week(result, first_day)
    headers = ("Agent ID", "Name", "Team", "Office", "Contract", "Week starting", "Contracted hours",
               "Paid hours", "Overtime hours", "Hourly cost", "Overtime cost")  # fmt: skip
    for index, width in enumerate((10, 22, 14, 8, 10, 12, 11, 10, 10, 10, 11), start=1):
        sheet.column_dimensions[get_column_letter(index)].width = width
    sheet.freeze_panes = "C2"
    sheet.print_title_rows = "1:1"
    sheet.append([make(h, HEADER) for h in headers])
    hours = Look(number_format="0.00")
    money = Look(number_format="#,##0.00")
    date = Look(number_format="yyyy-mm-dd")
    rows = sorted(
        ((key, value) for key, value in result.overtime_hours.items() if value > 1e-9), key=lambda kv: (-kv[1], kv[0])
    )
    total_hours, total_cost = 0.0, 0.0
    for (agent_id, week), overtime in rows:
        agent = agents.get(agent_id)
        contract = contracts.get(agent.contract) if agent else None
        rate = agent.hourly_cost if agent else None
        cost = overtime * rate if rate is not None else None
        total_hours += overtime
        total_cost += cost or 0.0
        sheet.append([
            make(agent_id), make(agent.name if agent else ""), make(agent.team if agent else ""),
            make(agent.office.value if agent else ""), make(agent.contract if agent else ""), make(week, date),
            make(round(week_limits(contract, days_in[week]).contracted_minutes / 60, 2) if contract else None, hours),
            make(round(paid.get((agent_id, week), 0.0), 2), hours), make(round(overtime, 2), hours),
            make(rate, money), make(cost, money),
        ])  # fmt: skip
    if not rows:
        sheet.append([make("No overtime in this plan.")])
        return
    bold_hours = Look(bold=True, number_format="0.00")
    bold_money = Look(bold=True, number_format="#,##0.00")
    sheet.append([make("Total", LABEL), *[None] * 7, make(round(total_hours, 2), bold_hours), None,
                  make(round(total_cost, 2), bold_money)])  # fmt: skip


def write_inputs_sheet(sheet: Any, make: Any, *, inputs: Mapping[str, str]) -> None:
    """The scenario files the plan was made from and their SHA-256 hashes, so a printed roster can be traced
    back to its exact inputs (the same hashes as manifest.json)."""
    sheet.column_dimensions["A"].width = 28
    sheet.column_dimensions["B"].width = 70
    sheet.print_title_rows = "1:1"
    sheet.append([make("Input file", HEADER), make("SHA-256", HEADER)])
    for name, digest in sorted(inputs.items()):
        sheet.append([make(name), make(digest)])
    if not inputs:
        sheet.append([make("Not recorded for this workbook (written outside `wfm run`).")])
