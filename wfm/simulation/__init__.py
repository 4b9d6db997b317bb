"""Discrete-event simulation of a finished plan: how likely its service levels and turnaround are to hold.

Stage order: domain -> io -> forecast -> staffing -> scheduling -> simulation -> reports -> pipeline -> cli.
"""

from wfm.simulation.engine import Server, deferred_queue, live_queue
from wfm.simulation.results import (
    INTERVAL_COLUMNS,
    SIMULATION_COLUMNS,
    NothingToSimulate,
    SimulationResult,
    simulate_plan,
)

__all__ = [
    "INTERVAL_COLUMNS",
    "SIMULATION_COLUMNS",
    "NothingToSimulate",
    "Server",
    "SimulationResult",
    "deferred_queue",
    "live_queue",
    "simulate_plan",
]
