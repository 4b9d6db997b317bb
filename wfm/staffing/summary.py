"""Per-queue summary of a requirements table: what `wfm staffing` prints and writes beside requirements.csv."""

from __future__ import annotations

import numpy as np
import pandas as pd

from wfm.domain import QueueKind, Site
from wfm.staffing.deferred import grid_open_mask
from wfm.staffing.erlang import abandon_rate, service_level

SUMMARY_COLUMNS = (
    "queue",
    "office",
    "kind",
    "model",
    "volume",
    "peak_agents",
    "agent_hours",
    "service_level",
    "abandon_rate",
    "work_hours",
    "items_due",
    "peak_capacity_agents",
)


def queueing_model(queue_kind: QueueKind, patience_seconds: float | None, concurrency: int) -> str:
    """How a queue is sized, short enough for a table cell: "Erlang A 180s chat x2" is Erlang A with a mean
    patience of 180 s and 2 conversations per agent; "deadlines" is deferred work sized by its SLA."""
    if queue_kind is QueueKind.DEFERRED:
        return "deadlines"
    base = "Erlang C" if patience_seconds is None else f"Erlang A {patience_seconds:g}s"
    return base if concurrency == 1 else f"{base} chat x{concurrency}"


def requirements_summary(requirements: pd.DataFrame, site: Site) -> pd.DataFrame:
    """One row per queue: live queues' peak and total agent-hours and the service level and abandonment the
    requirement buys (on the staff expected after shrinkage, weighted by the volume of open intervals); deferred
    queues' work, the items due in the horizon and the peak of the flattest capacity that meets every deadline.
    """
    interval_hours = site.interval_minutes / 60
    rows = []
    for queue in site.queues:
        part = requirements[requirements["queue"] == queue.id]
        volume = part["volume"].to_numpy(dtype=float)
        nan = float("nan")
        row: dict[str, object] = {
            "queue": queue.id,
            "office": queue.office.value,
            "kind": queue.kind.value,
            "model": queueing_model(queue.kind, queue.patience_seconds, queue.concurrency),
            "volume": float(volume.sum()),
            "peak_agents": nan,
            "agent_hours": nan,
            "service_level": nan,
            "abandon_rate": nan,
            "work_hours": nan,
            "items_due": nan,
            "peak_capacity_agents": nan,
        }
        if queue.kind is QueueKind.LIVE:
            assert queue.answer_seconds is not None
            required = part["required_agents"].to_numpy(dtype=float)
            shrinkage = queue.shrinkage if queue.shrinkage is not None else site.shrinkage
            attending = required * (1.0 - shrinkage)
            aht = np.where(volume > 0, part["aht_seconds"].to_numpy(dtype=float), 1.0)
            patience = np.inf if queue.patience_seconds is None else queue.patience_seconds
            seconds = site.interval_minutes * 60
            level = service_level(volume, aht, seconds, attending, queue.answer_seconds, queue.concurrency, patience)
            abandon = abandon_rate(volume, aht, seconds, attending, patience, queue.concurrency)
            # Volume the forecast puts in closed hours is nobody's to answer; weigh open intervals only.
            starts = pd.DatetimeIndex(pd.to_datetime(part["interval_start"]))
            volume = np.where(grid_open_mask(starts, queue, site.interval_minutes), volume, 0.0)
            weight = volume.sum()
            row |= {
                "peak_agents": float(required.max(initial=0)),
                "agent_hours": float(required.sum() * interval_hours),
                "service_level": float((level * volume).sum() / weight) if weight > 0 else nan,
                "abandon_rate": float((abandon * volume).sum() / weight) if weight > 0 else nan,
            }
        else:
            capacity = part["capacity_agents"].to_numpy(dtype=float)
            row |= {
                "work_hours": float(part["arrival_work_minutes"].sum() / 60),
                "items_due": float(part["due_items"].sum()),
                "peak_capacity_agents": float(capacity.max(initial=0)),
                "agent_hours": float(capacity.sum() * interval_hours),
            }
        rows.append(row)
    return pd.DataFrame(rows, columns=list(SUMMARY_COLUMNS))
