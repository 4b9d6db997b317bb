"""wfm: blended workforce management (forecast, staffing, CP-SAT scheduling, reports)."""

__version__ = "0.1.0"
