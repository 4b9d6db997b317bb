"""Staffing math: Erlang C and A for live queues, service-level tables for the optimizer, deadlines, the
flattest capacity that meets them and an EDF run for deferred work, and the requirements table."""

from wfm.staffing.deferred import (
    deadline_index,
    deadline_index_of,
    grid_open_mask,
    minimal_capacity,
    simulate_deferred,
)
from wfm.staffing.erlang import (
    ASA_CAP_SECONDS,
    MAX_AGENTS,
    abandon_rate,
    asa_seconds,
    erlang_c,
    occupancy,
    required_agents,
    service_level,
)
from wfm.staffing.requirements import (
    REQUIREMENT_COLUMNS,
    DeferredBacklog,
    build_requirements,
    deferred_backlog,
    horizon_grid,
    mean_aht_seconds,
)
from wfm.staffing.summary import SUMMARY_COLUMNS, queueing_model, requirements_summary
from wfm.staffing.tables import ServiceTable, concave_majorant, service_table

__all__ = [
    "ASA_CAP_SECONDS",
    "MAX_AGENTS",
    "REQUIREMENT_COLUMNS",
    "SUMMARY_COLUMNS",
    "DeferredBacklog",
    "ServiceTable",
    "abandon_rate",
    "asa_seconds",
    "build_requirements",
    "concave_majorant",
    "deadline_index",
    "deadline_index_of",
    "deferred_backlog",
    "erlang_c",
    "grid_open_mask",
    "horizon_grid",
    "mean_aht_seconds",
    "minimal_capacity",
    "occupancy",
    "queueing_model",
    "required_agents",
    "requirements_summary",
    "service_level",
    "service_table",
    "simulate_deferred",
]
