"""Reports: the plan as contract tables, the run's CSV/JSON files and the planner's roster.xlsx."""

from wfm.reports.excel import shift_text, write_roster
from wfm.reports.files import csv_text, horizon_days, json_safe, read_plan, read_roster_agents, write_run_files
from wfm.reports.summary_sheet import cost_above_best, queue_rating
from wfm.reports.tables import (
    ASSIGNMENT_COLUMNS,
    SHIFT_COLUMNS,
    assignments_table,
    overtime_per_shift,
    shifts_table,
    week_start,
)

__all__ = [
    "ASSIGNMENT_COLUMNS",
    "SHIFT_COLUMNS",
    "assignments_table",
    "cost_above_best",
    "csv_text",
    "horizon_days",
    "json_safe",
    "overtime_per_shift",
    "queue_rating",
    "read_plan",
    "read_roster_agents",
    "shift_text",
    "shifts_table",
    "week_start",
    "write_roster",
    "write_run_files",
]
