"""The roster workbook's Simulation sheet: how the plan's service held over the simulated days, per queue and day
(P10 / P50 / P90 over the replications, next to the plan's Erlang figure), a chart per live queue, and the
intervals where the simulation and Erlang disagree most."""

from __future__ import annotations

from typing import Any

import pandas as pd
from openpyxl.chart import LineChart, Reference
from openpyxl.chart.series import SeriesLabel

from wfm.domain.models import Scenario
from wfm.reports.layout import set_widths
from wfm.reports.styles import HEADER, SECTION, TITLE, Look
from wfm.reports.summary_sheet import HEADER_ROW_POINTS
from wfm.simulation import SimulationResult

PERCENT = Look(number_format="0.0%")
COUNT = Look(number_format="#,##0")
NUMBER = Look(number_format="0.0")
DATE = Look(number_format="ddd dd mmm")
INTERVAL = Look(number_format="ddd dd hh:mm")
# Disagreeing intervals shown on paper; all of them are in simulation_intervals.csv.
SHOWN_INTERVALS = 15
CHART_ROWS = 16


def write_simulation_sheet(sheet: Any, make: Any, *, scenario: Scenario, simulation: SimulationResult) -> None:
    set_widths(sheet, (22, 12, 11, 9, 11, 11, 11, 11, 12, 9, 10))
    sheet.print_title_rows = None
    sheet.append(
        [make(f"Simulation: {simulation.replications} simulated weeks of this plan (seed {simulation.seed})", TITLE)]
    )
    sheet.append([
        make("Each simulated day draws its volume from the forecast's P10-P90 band, handle times and patience at "
             "random, and who of the planned staff turns up (shrinkage); agents work exactly the plan's stints.")
    ])  # fmt: skip
    names = {q.id: q.name or q.id for q in scenario.site.queues}
    sla_hours = {q.id: q.sla_hours for q in scenario.site.queues}
    frame = simulation.queue_days
    row = 2  # the last row written
    live = frame[frame["kind"] == "live"]
    chart_rows: dict[str, tuple[int, int]] = {}
    if len(live):
        sheet.append([])
        sheet.append([make("Live queues: share answered within target", SECTION)])
        # Set before the row is written (a write-only sheet streams rows): wrapped headers need two lines.
        sheet.row_dimensions[row + 3].height = HEADER_ROW_POINTS
        sheet.append([make(h, HEADER) for h in (
            "Queue", "Day", "Contacts (forecast)", "Target", "Plan (Erlang)", "Simulated P10", "Simulated P50",
            "Simulated P90", "Days target met", "Mean wait (s)", "Hung up",
        )])  # fmt: skip
        row += 3
        for queue_id, rows in live.groupby("queue", sort=False):
            first = row + 1
            for r in rows.itertuples(index=False):
                sheet.append([
                    make(names.get(str(queue_id), str(queue_id))), make(pd.Timestamp(r.date).to_pydatetime(), DATE),
                    make(r.volume, COUNT), make(r.target, PERCENT), make(r.service_level_plan, PERCENT),
                    make(r.service_level_p10, PERCENT), make(r.service_level_p50, PERCENT),
                    make(r.service_level_p90, PERCENT), make(r.chance_target_met, PERCENT),
                    make(r.asa_seconds, NUMBER), make(r.abandon_rate, PERCENT),
                ])  # fmt: skip
                row += 1
            chart_rows[str(queue_id)] = (first, row)
    deferred = frame[frame["kind"] == "deferred"]
    if len(deferred):
        sheet.append([])
        sheet.append([make("Back-office work: items finished past their SLA", SECTION)])
        sheet.row_dimensions[row + 3].height = HEADER_ROW_POINTS
        sheet.append([make(h, HEADER) for h in (
            "Queue", "Day", "Items (forecast)", "SLA (h)", "Plan", "Simulated P10", "Simulated P50", "Simulated P90",
            "Turnaround (h)",
        )])  # fmt: skip
        row += 3
        for r in deferred.itertuples(index=False):
            sheet.append([
                make(names.get(str(r.queue), str(r.queue))), make(pd.Timestamp(r.date).to_pydatetime(), DATE),
                make(r.volume, COUNT), make(sla_hours.get(str(r.queue)), NUMBER), make(r.items_past_sla_plan, COUNT),
                make(r.items_past_sla_p10, COUNT), make(r.items_past_sla_p50, COUNT),
                make(r.items_past_sla_p90, COUNT), make(r.turnaround_hours, NUMBER),
            ])  # fmt: skip
            row += 1
    sheet.append([])
    count = simulation.disagreeing
    sheet.append([
        make(f"Busy intervals where simulation and Erlang differ by more than {simulation.disagreement_points:g} "
             f"points: {count} (all compared intervals are in simulation_intervals.csv)", SECTION)
    ])  # fmt: skip
    row += 2
    if count:
        sheet.row_dimensions[row + 1].height = HEADER_ROW_POINTS
        sheet.append([make(h, HEADER) for h in (
            "Queue", "Interval", "Contacts (forecast)", "Agents", "Plan (Erlang)", "Simulated", "Difference (points)",
        )])  # fmt: skip
        row += 1
        flagged = simulation.intervals[simulation.intervals["disagrees"]]
        shown = flagged.reindex(flagged["difference_points"].abs().sort_values(ascending=False).index).head(
            SHOWN_INTERVALS
        )
        for r in shown.itertuples(index=False):
            sheet.append([
                make(names.get(str(r.queue), str(r.queue))),
                make(pd.Timestamp(r.interval_start).to_pydatetime(), INTERVAL),
                make(r.volume, NUMBER), make(r.scheduled_agents, NUMBER), make(r.service_level_plan, PERCENT),
                make(r.service_level_simulated, PERCENT), make(r.difference_points, NUMBER),
            ])  # fmt: skip
            row += 1
    else:
        sheet.append([make("None: every compared interval is within the threshold.")])
        row += 1
    # One chart per live queue under the tables: the band against the target, day by day.
    anchor = row + 2
    for number, (queue_id, (first, last)) in enumerate(chart_rows.items()):
        chart = LineChart()
        chart.height, chart.width = 7.5, 24
        chart.title = f"{names.get(queue_id, queue_id)}: simulated service level by day"
        chart.y_axis.title = "answered within target"
        chart.y_axis.number_format = "0%"
        chart.y_axis.scaling.min, chart.y_axis.scaling.max = 0.0, 1.0
        for column, title in ((4, "Target"), (5, "Plan (Erlang)"), (6, "P10"), (7, "P50"), (8, "P90")):
            chart.add_data(Reference(sheet, min_col=column, min_row=first, max_row=last), titles_from_data=False)
            chart.series[-1].tx = SeriesLabel(v=title)
            chart.series[-1].smooth = False
            if title == "Target":
                chart.series[-1].graphicalProperties.line.dashStyle = "dash"
        chart.set_categories(Reference(sheet, min_col=2, min_row=first, max_row=last))
        chart.x_axis.number_format = "ddd dd"
        sheet.add_chart(chart, f"A{anchor + CHART_ROWS * number}")
