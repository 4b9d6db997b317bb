"""capacity.toml: the settings of a long-term capacity plan (`wfm capacity`), checked before anything is computed.

    fte_hours_week = 37.5          # the hours of one full-time equivalent
    absence_shrinkage = 0.12       # planned paid time off the floor: leave, training, meetings
    attrition_per_month = 0.015    # share of people who leave each month (expected value)
    lookahead_weeks = 13           # a suggested class covers the worst gap this many weeks ahead
    shortfall_tolerance_fte = 0.5  # a week short by more than this calls for a class
    volume_plan = "volume_plan.csv"  # optional: the business's weekly volumes (week_start, queue, volume)

    [suggested]                    # classes the plan suggests
    training_weeks = 4
    ramp_weeks = 4

    [[hiring]]                     # classes already planned
    office = "front"
    start = 2026-04-06             # training starts
    people = 8
    training_weeks = 4
    ramp_weeks = 4                 # productivity 1/(r+1), 2/(r+1), ... over these weeks after training
    hours_week = 37.5              # optional, default fte_hours_week

    [vary]                         # optional: scenarios, as `--vary` (wfm.io.variations)
    volume = [1.0, 1.1]

    [cluster]                      # optional: where the scenarios run (wfm.cluster), as `--cluster`
    address = "tcp://planner-01:8786"

Relative paths are read from the folder of capacity.toml.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, field_validator

Share = Annotated[float, Field(ge=0, lt=1)]
Weeks = Annotated[int, Field(ge=0, le=52)]


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class HiringClass(_Frozen):
    """A class of new people: nothing while in training, then rising linearly over the ramp, then full."""

    office: str
    start: dt.date  # the first day of training
    people: Annotated[int, Field(ge=1, le=10_000)]
    training_weeks: Weeks = 4
    ramp_weeks: Weeks = 4
    hours_week: Annotated[float, Field(gt=0, le=80)] | None = None  # default: the plan's fte_hours_week
    name: str = ""  # how the Hiring sheet names it (default: office and start)

    @field_validator("office")
    @classmethod
    def _known_office(cls, value: str, info: ValidationInfo) -> str:
        offices = (info.context or {}).get("offices")
        if offices and value not in offices:
            raise ValueError(f"'{value}' is not an office of this site; its offices: {', '.join(offices)}")
        return value

    def productivity(self, weeks_since_start: int) -> float:
        """Share of a full person's output in the class's `weeks_since_start`-th week (0 = the first week)."""
        if weeks_since_start < self.training_weeks:
            return 0.0
        ramp_week = weeks_since_start - self.training_weeks + 1
        return 1.0 if ramp_week > self.ramp_weeks else ramp_week / (self.ramp_weeks + 1)


class SuggestedClasses(_Frozen):
    """How the classes the plan suggests are trained."""

    training_weeks: Weeks = 4
    ramp_weeks: Weeks = 4


class CapacityPlan(_Frozen):
    fte_hours_week: Annotated[float, Field(gt=0, le=80)] = 37.5
    absence_shrinkage: Share = 0.12
    attrition_per_month: Share = 0.015
    lookahead_weeks: Annotated[int, Field(ge=1, le=104)] = 13
    shortfall_tolerance_fte: Annotated[float, Field(ge=0)] = 0.5
    volume_plan: Path | None = None
    suggested: SuggestedClasses = SuggestedClasses()
    hiring: tuple[HiringClass, ...] = ()

    def hours_of(self, hiring: HiringClass) -> float:
        return hiring.hours_week if hiring.hours_week is not None else self.fte_hours_week
