"""capacity.toml read and checked: the plan's settings (wfm.domain.capacity_plan), its `[vary]` scenarios and its
`[cluster]` address; every problem names the key and what to write instead (docs/capacity.md)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from wfm.cluster import ClusterSettings
from wfm.domain.capacity_plan import CapacityPlan
from wfm.io.errors import Problem, ScenarioError
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
