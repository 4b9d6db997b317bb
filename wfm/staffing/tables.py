"""Service-level tables for the optimizer: contacts answered within target for every staffing level.

The scheduler does not chase a head count; it maximises service itself. For that it needs, per live queue and
interval, the expected number of contacts answered within `answer_seconds` with n = 0, 1, ..., N agents
(proficiency-weighted: an agent at proficiency p counts as p of an agent). A CP-SAT model can maximise a
concave piecewise-linear function of n with one variable per step, each step worth less than the one before;
Erlang's curve is not concave at small n (no service at all until the staff exceeds the load, then a steep
rise), so each row is replaced by its least concave majorant and the cells that lifts are reported. Above the
lifted start the table is exact.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from wfm.staffing.erlang import (
    MAX_AGENTS,
    ArrayLike,
    FloatArray,
    _as_float,
    _erlang_a_from_b,
    _erlang_c_from_b,
    _erlang_c_level,
    _traffic_erlangs,
    _validate_concurrency,
    _validate_load,
    _validate_patience,
)

BoolArray = npt.NDArray[np.bool_]

# A lift below this share of an interval's volume is floating-point noise, not a hull.
_HULL_TOLERANCE = 1e-9
# Erlang A rows are evaluated this many cells at a time to bound the memory of the [cells, N+1] temporaries.
_CHUNK_CELLS = 256


@dataclass(frozen=True)
class ServiceTable:
    """answered[cell, n]: expected contacts answered within target with n agents, n = 0..max_agents.

    `raw` is the queueing model's value, `answered` its least concave majorant over n (what the optimizer
    uses) and `hulled` marks where the two differ.
    """

    answered: FloatArray
    raw: FloatArray
    hulled: BoolArray

    @property
    def hulled_cells(self) -> int:
        return int(self.hulled.sum())

    def marginal(self) -> FloatArray:
        """answered[n] - answered[n-1] for n = 1..N: non-increasing along every row (concavity)."""
        result: FloatArray = np.diff(self.answered, axis=1)
        return result


def concave_majorant(values: FloatArray) -> FloatArray:
    """Least concave majorant of each row of `values` [rows, points] over the points 0, 1, ..., as a table.

    Fast path for the S-shaped rows queueing gives (convex, then concave): the chord from the first point to
    the point of steepest average rise, then the row itself; rows that are not concave after that point get
    the exact upper hull (monotone chain) instead.
    """
    rows, points = values.shape
    if points < 3:
        return values.copy()
    index = np.arange(points, dtype=np.float64)
    first = values[:, :1]
    with np.errstate(divide="ignore", invalid="ignore"):
        rise = (values[:, 1:] - first) / index[1:]
    tangent = np.argmax(rise, axis=1) + 1  # first point of steepest average rise from point 0
    slope = rise[np.arange(rows), tangent - 1]
    chord = first + slope[:, None] * index[None, :]
    hull = np.where(index[None, :] <= tangent[:, None], chord, values)
    scale = np.maximum(np.abs(values).max(axis=1), 1.0)
    bent = (np.diff(hull, n=2, axis=1) > _HULL_TOLERANCE * scale[:, None]).any(axis=1)
    for row in np.flatnonzero(bent):
        hull[row] = _upper_hull(values[row])
    result: FloatArray = np.maximum(hull, values)
    return result


def _upper_hull(row: FloatArray) -> FloatArray:
    """Exact least concave majorant of one row (Andrew's monotone chain, then linear interpolation)."""
    kept: list[int] = []
    for point in range(len(row)):
        while len(kept) >= 2:
            a, b = kept[-2], kept[-1]
            # Drop b when it lies on or under the segment from a to the new point.
            if (row[b] - row[a]) * (point - a) <= (row[point] - row[a]) * (b - a):
                kept.pop()
            else:
                break
        kept.append(point)
    result: FloatArray = np.interp(np.arange(len(row)), kept, row[kept])
    return result


def service_table(
    volume: ArrayLike,
    aht_seconds: ArrayLike,
    interval_seconds: float,
    answer_seconds: float,
    max_agents: int,
    concurrency: int = 1,
    patience_seconds: float = np.inf,
) -> ServiceTable:
    """Expected contacts answered within `answer_seconds` per interval (one row each) for 0..max_agents agents.

    `volume` and `aht_seconds` are one value per interval of one queue. Erlang C, or Erlang A with a finite
    `patience_seconds`; chat runs `concurrency` conversations per agent. An interval without volume is a row
    of zeros. The Erlang B values for every server count come from one pass of its recursion, so a table
    with N = 500 costs about as much as one staffing calculation at 500 agents.
    """
    volume_array = np.atleast_1d(_as_float(volume, "volume"))
    aht_array = np.broadcast_to(np.atleast_1d(_as_float(aht_seconds, "aht_seconds")), volume_array.shape)
    _validate_load(volume_array, aht_array, np.asarray(float(interval_seconds)))
    if not 0 <= max_agents <= MAX_AGENTS or int(max_agents) != max_agents:
        raise ValueError(f"max_agents must be a whole number between 0 and {MAX_AGENTS:,}, got {max_agents}")
    if answer_seconds < 0:
        raise ValueError("answer_seconds must be >= 0")
    slots = int(_validate_concurrency(concurrency))
    patience = float(_validate_patience(patience_seconds))
    traffic = _traffic_erlangs(volume_array, aht_array, np.asarray(float(interval_seconds)))
    safe_aht = np.where(volume_array > 0, aht_array, 1.0)

    cells = volume_array.size
    raw: FloatArray = np.zeros((cells, max_agents + 1))
    busy = np.flatnonzero(volume_array > 0)  # closed and silent intervals stay rows of zeros
    if busy.size:
        raw[busy] = volume_array[busy, None] * _level_grid(
            traffic[busy], safe_aht[busy], float(answer_seconds), max_agents, slots, patience
        )
    answered = concave_majorant(raw)
    scale = np.maximum(volume_array, 1.0)[:, None]
    return ServiceTable(answered=answered, raw=raw, hulled=answered > raw + _HULL_TOLERANCE * scale)


def _level_grid(
    traffic: FloatArray, aht: FloatArray, answer_seconds: float, max_agents: int, slots: int, patience: float
) -> FloatArray:
    """Service level [cell, n] for n = 0..max_agents agents of `slots` servers each."""
    cells = traffic.size
    agents = np.arange(max_agents + 1)
    blocking = np.empty((cells, max_agents + 1))
    current = np.ones(cells)  # Erlang B with 0 servers
    blocking[:, 0] = current
    for servers in range(1, max_agents * slots + 1):
        load = traffic * current
        current = load / (servers + load)
        if servers % slots == 0:
            blocking[:, servers // slots] = current
    servers_grid = np.broadcast_to((agents * slots).astype(np.float64), (cells, max_agents + 1))
    traffic_grid = np.broadcast_to(traffic[:, None], servers_grid.shape)
    aht_grid = np.broadcast_to(aht[:, None], servers_grid.shape)
    answer_grid = np.full(servers_grid.shape, answer_seconds)
    if not np.isfinite(patience):
        prob_wait = _erlang_c_from_b(traffic_grid, servers_grid, blocking)
        return _erlang_c_level(traffic_grid, servers_grid, prob_wait, aht_grid, answer_grid)
    level = np.empty(servers_grid.shape)
    for start in range(0, cells, _CHUNK_CELLS):
        part = slice(start, start + _CHUNK_CELLS)
        _, part_level, _ = _erlang_a_from_b(
            traffic_grid[part].ravel(),
            servers_grid[part].ravel(),
            blocking[part].ravel(),
            aht_grid[part].ravel(),
            answer_grid[part].ravel(),
            np.full(servers_grid[part].size, patience),
        )
        level[part] = part_level.reshape(-1, max_agents + 1)
    return level
