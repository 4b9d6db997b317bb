"""Scheduling: the blended CP-SAT model, its rules, and the typed result."""

from wfm.scheduling.result import ScheduleResult, Segment, ShiftAssignment, SolveStatus
from wfm.scheduling.rules import HARD_RULES, Violation, audit_plan
from wfm.scheduling.solve import schedule

__all__ = [
    "HARD_RULES",
    "ScheduleResult",
    "Segment",
    "ShiftAssignment",
    "SolveStatus",
    "Violation",
    "audit_plan",
    "schedule",
]
