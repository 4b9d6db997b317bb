"""Reports: the plan as contract tables, the run's CSV/JSON files and the planner's roster.xlsx."""

from wfm.reports.excel import shift_text, write_roster
from wfm.reports.files import (
    RunFiles,
    csv_text,
    horizon_days,
    json_safe,
    read_plan,
    read_roster_agents,
    read_run,
    write_run_files,
    write_simulation_files,
)
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
    "RunFiles",
    "assignments_table",
    "cost_above_best",
    "csv_text",
    "horizon_days",
    "json_safe",
    "overtime_per_shift",
    "queue_rating",
    "read_plan",
    "read_roster_agents",
    "read_run",
    "shift_text",
    "shifts_table",
    "week_start",
    "write_roster",
    "write_run_files",
    "write_simulation_files",
]
