"""capacity.toml read and checked: the plan's settings (wfm.domain.capacity_plan), its `[vary]` scenarios and its
`[cluster]` address; every problem names the key and what to write instead (docs/capacity.md). Also the
volume_plan CSV it names: the business's weekly volumes, every problem with its row and column."""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd
from pydantic import ValidationError

from wfm.domain import Site
from wfm.domain.capacity_plan import CapacityPlan
from wfm.domain.cluster import ClusterSettings
from wfm.io.errors import Problem, ScenarioError
from wfm.io.regional import read_regional_table
from wfm.io.variations import Knob, Setting, read_vary_file


@dataclass(frozen=True)
class CapacityFile:
    plan: CapacityPlan
    settings: list[Setting]  # the scenarios of its [vary] table
    cluster: ClusterSettings  # its [cluster] table


def load_capacity_plan(path: Path | None, offices: Sequence[str], knobs: Mapping[str, Knob]) -> CapacityFile:
    """capacity.toml (the defaults without one), the scenarios of its `[vary]` table and its `[cluster]` table.
    Every problem is a Problem naming the key (`hiring.0.office`) and what to write instead, raised together as a
    ScenarioError."""
    if path is None:
        return CapacityFile(CapacityPlan(), [], ClusterSettings())
    label = path.name
    if not path.is_file():
        raise ScenarioError([Problem(label, None, None, None, f"{path} does not exist; give a capacity.toml "
                                     "(data/examples/capacity/capacity.toml is an example)")])  # fmt: skip
    settings, raw = read_vary_file(path, knobs)
    try:
        cluster = ClusterSettings.model_validate(raw.pop("cluster", {}))
    except ValidationError as exc:
        raise ScenarioError([_problem(label, {**error, "loc": ("cluster", *error["loc"])})
                             for error in exc.errors()]) from None  # fmt: skip
    try:
        plan = CapacityPlan.model_validate(raw, context={"offices": list(offices)})
    except ValidationError as exc:
        raise ScenarioError([_problem(label, error) for error in exc.errors()]) from None
    if plan.volume_plan is not None:
        resolved = plan.volume_plan if plan.volume_plan.is_absolute() else path.resolve().parent / plan.volume_plan
        if not resolved.is_file():
            raise ScenarioError([Problem(label, None, None, None, f"{resolved} does not exist; give a CSV of weekly "
                                         "volumes (week_start, queue, volume) or leave volume_plan out",
                                         section="key 'volume_plan'")])  # fmt: skip
        plan = plan.model_copy(update={"volume_plan": resolved})
    return CapacityFile(plan, settings, cluster)


def _problem(label: str, error: Mapping[str, Any]) -> Problem:
    message = str(error["msg"]).removeprefix("Value error, ")
    if error["type"] == "extra_forbidden":
        message = "not a capacity.toml key (docs/capacity.md lists them)"
    return Problem(label, None, None, None, message, section="key '" + ".".join(map(str, error["loc"])) + "'")


# ------------------------------------------------------------------------------------------------------------
# volume_plan


PLAN_COLUMNS = ("week_start", "queue", "volume")


def read_volume_plan(path: Path, site: Site, start: dt.date, weeks: int) -> tuple[pd.DataFrame, list[str]]:
    """volume_plan CSV (week_start, queue, volume): the business's weekly volume per queue, as a frame of
    PLAN_COLUMNS (week_start a date, volume a float) and notes. Every problem with its row and column as a
    ScenarioError; rows for weeks outside the `weeks` weeks from `start` are left out with a note."""
    label = path.name
    frame = read_regional_table(path, site, dates=("week_start",), numbers=("volume",))
    missing = [c for c in PLAN_COLUMNS if c not in frame.columns]
    if missing:
        found = ", ".join(frame.columns)
        raise ScenarioError([Problem(label, 1, None, None, f"the header needs the columns {', '.join(PLAN_COLUMNS)}; "
                                     f"missing: {', '.join(missing)} (it has: {found})")])  # fmt: skip
    queues = [q.id for q in site.queues]
    problems: list[Problem] = []
    kept: list[tuple[dt.date, str, float]] = []
    seen: dict[tuple[dt.date, str], int] = {}
    outside = 0
    for row, record in zip(frame.index, frame.to_dict("records"), strict=True):
        number = int(row)  # as a spreadsheet numbers it: the header is row 1
        try:
            week = dt.date.fromisoformat(record["week_start"])
        except ValueError:
            problems.append(Problem(label, number, "week_start", record["week_start"], "a date (YYYY-MM-DD)"))
            continue
        if week.weekday() != start.weekday():
            problems.append(Problem(label, number, "week_start", record["week_start"],
                                    f"a {start:%A} (the plan's weeks start on {start:%A}s, e.g. {start})"))  # fmt: skip
            continue
        if record["queue"] not in queues:
            problems.append(Problem(label, number, "queue", record["queue"], f"a queue of {site.name}: "
                                    f"{', '.join(queues)}"))  # fmt: skip
            continue
        try:
            volume = float(record["volume"])
        except ValueError:
            volume = float("nan")
        if not math.isfinite(volume) or volume < 0:
            problems.append(Problem(label, number, "volume", record["volume"], "a volume of 0 or more"))
            continue
        key = (week, record["queue"])
        if key in seen:
            problems.append(Problem(label, number, "week_start", record["week_start"],
                                    f"another week for {record['queue']} (row {seen[key]} has it)"))  # fmt: skip
            continue
        seen[key] = number
        if not 0 <= (week - start).days < 7 * weeks:
            outside += 1
            continue
        kept.append((week, record["queue"], volume))
    if problems:
        raise ScenarioError(problems)
    notes = [f"{label}: {outside} row(s) for weeks outside the plan left out"] if outside else []
    return pd.DataFrame(kept, columns=list(PLAN_COLUMNS)), notes
