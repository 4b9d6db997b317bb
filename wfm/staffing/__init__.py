"""Staffing math: Erlang C for live queues, deadlines and an EDF run for deferred work, requirements."""

from wfm.staffing.deferred import deadline_index, deadline_index_of, simulate_deferred
from wfm.staffing.erlang import (
    ASA_CAP_SECONDS,
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

__all__ = [
    "ASA_CAP_SECONDS",
    "REQUIREMENT_COLUMNS",
    "DeferredBacklog",
    "asa_seconds",
    "build_requirements",
    "deadline_index",
    "deadline_index_of",
    "deferred_backlog",
    "erlang_c",
    "horizon_grid",
    "mean_aht_seconds",
    "occupancy",
    "required_agents",
    "service_level",
    "simulate_deferred",
]
