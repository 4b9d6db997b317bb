"""The night's checks that warn (published, exit 1): history too old to forecast from, backlog already late."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from zoneinfo import ZoneInfo

import pandas as pd

from wfm.domain import Scenario


def stale_history(site: str, store: Path, history: pd.DataFrame, run_date: dt.date, max_age_days: int) -> str | None:
    """A warning when the newest history is more than `max_age_days` days before the night (the exports stopped
    arriving, or `--date` was left out when re-running an old night): the forecast would be fitted on old data."""
    if history.empty:
        return (
            f"the history store of {site} ({store}) holds no history: the forecast has nothing to fit; drop "
            "history exports into the inbox or re-seed the store (--reseed)"
        )
    newest = pd.Timestamp(history["interval_start"].max())
    age = (run_date - newest.date()).days
    if age <= max_age_days:
        return None
    return (
        f"the newest history of {site} is from {newest:%Y-%m-%d %H:%M}, {age} days before the night of {run_date} "
        f"(max_history_age_days is {max_age_days}), so the forecast is fitted on old actuals. Check that the "
        f"exports reach the inbox (and its rejected/ folder), or give --date for the night the history belongs "
        f"to; store {store}"
    )


def backlog_past_sla(site: str, scenario: Scenario, source: Path) -> str | None:
    """A warning when deferred backlog is already past its SLA at the start of the horizon: per queue, the
    backlog is due at its oldest item's arrival + sla_hours (as staffing counts it)."""
    start = dt.datetime.combine(scenario.site.horizon.start, dt.time())
    late: list[str] = []
    total = 0.0
    for queue in scenario.site.queues:
        rows = [item for item in scenario.backlog if item.queue == queue.id and item.items > 0]
        if not rows or queue.sla_hours is None:
            continue
        oldest = min(_site_local(item.oldest_arrival, scenario) for item in rows)
        due = oldest + dt.timedelta(hours=queue.sla_hours)
        if due < start:
            items = float(sum(item.items for item in rows))
            total += items
            late.append(f"{queue.id} {items:,.0f} (oldest arrived {oldest:%Y-%m-%d %H:%M}, due {due:%Y-%m-%d %H:%M})")
    if not late:
        return None
    return (
        f"{total:,.0f} backlog item(s) of {site} are already past SLA when the horizon starts on "
        f"{scenario.site.horizon.start}: {'; '.join(late)}. They count as late in this plan; clear them first, "
        f"and keep {source} up to date with tonight's open items (it is read as given each night)"
    )


def _site_local(moment: dt.datetime, scenario: Scenario) -> dt.datetime:
    if moment.tzinfo is None:
        return moment
    return moment.astimezone(ZoneInfo(scenario.site.timezone)).replace(tzinfo=None)
