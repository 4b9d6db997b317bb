"""Validated, immutable data of one planning scenario.

Everything the later stages read is checked once here (types, ranges) or in `wfm.io` (cross references, with
file/row/column). Models are frozen: a stage never edits its input, it returns new data.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from enum import StrEnum
from functools import cached_property
from typing import Annotated, Any, ClassVar, Literal, Self
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import pandas as pd
from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")

Fraction = Annotated[float, Field(gt=0, lt=1)]
Proficiency = Annotated[float, Field(gt=0, le=1)]
NonNegative = Annotated[float, Field(ge=0)]


class _FreshCopies(BaseModel):
    """`model_copy(update=...)` copies the instance's cached properties too (pydantic keeps them in __dict__):
    a copy with other agents would still look them up in the old ones. Copies start without them."""

    def model_copy(self, *, update: Mapping[str, Any] | None = None, deep: bool = False) -> Self:
        copy = super().model_copy(update=update, deep=deep)
        for name, member in vars(type(self)).items():
            if isinstance(member, cached_property):
                copy.__dict__.pop(name, None)
        return copy


class Frozen(_FreshCopies):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Office(StrEnum):
    FRONT = "front"
    MIDDLE = "middle"
    BACK = "back"


class QueueKind(StrEnum):
    LIVE = "live"  # answered now, judged by service level
    DEFERRED = "deferred"  # worked later, judged by turnaround against sla_hours


def parse_clock(value: object) -> int:
    """'HH:MM' (or a datetime.time) -> minutes after midnight; '24:00' is allowed as an end of day."""
    if isinstance(value, dt.time):
        return value.hour * 60 + value.minute
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    text = str(value).strip()
    parts = text.split(":")
    if len(parts) not in (2, 3) or not all(p.isdigit() for p in parts):
        raise ValueError(f"expected a clock time HH:MM, got {text!r}")
    hours, minutes = int(parts[0]), int(parts[1])
    if minutes >= 60 or hours > 24 or (hours == 24 and minutes != 0):
        raise ValueError(f"expected a clock time between 00:00 and 24:00, got {text!r}")
    return hours * 60 + minutes


def format_clock(minutes: int) -> str:
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


class Queue(Frozen):
    """A line of work: a phone queue, a chat queue, a case or item queue."""

    # Short id used in the CSV files (letters, digits, _ and -).
    id: str = Field(min_length=1)
    # Readable name for the workbook.
    name: str = ""
    # The office the queue belongs to.
    office: Office
    channel: str = Field(min_length=1)  # voice | chat | email | case | outbound | ...
    # live: answered now (calls, chats); deferred: worked later against sla_hours (cases, items).
    kind: QueueKind
    # Live targets: `service_level` of contacts answered within `answer_seconds`.
    service_level: Fraction | None = None
    # The answer-time target of service_level (e.g. 20 for 80 % in 20 s).
    answer_seconds: Annotated[int, Field(gt=0)] | None = None
    # Live: the busiest share of their time agents may be kept busy.
    max_occupancy: Annotated[float, Field(gt=0, le=1)] = 0.90
    # Optional average-speed-of-answer target: staff so the mean wait is at most this (whichever binds).
    max_asa_seconds: Annotated[float, Field(gt=0)] | None = None
    # Callers' mean patience: with it the queue is Erlang A (callers hang up), without it Erlang C.
    patience_seconds: Annotated[float, Field(gt=0)] | None = None
    concurrency: Annotated[int, Field(ge=1, le=10)] = 1  # chats one agent handles at once
    # Deferred target: finish each item within `sla_hours` of arrival (moved to the next open time if closed).
    sla_hours: Annotated[float, Field(gt=0)] | None = None
    # Opening hours: the queue takes work (live) or is worked (deferred) on `days` between `open` and `close`.
    open: str = "00:00"
    # Closing time (HH:MM, 24:00 for midnight).
    close: str = "24:00"
    # The weekdays it opens on.
    days: tuple[Literal["mon", "tue", "wed", "thu", "fri", "sat", "sun"], ...] = WEEKDAYS  # type: ignore[assignment]
    # Hours that differ by weekday, e.g. {fri = "07:00-14:00", sat = "20:00-24:00", sun = "closed"}: a weekday
    # named here opens at these hours (or not at all), whatever `days`, `open` and `close` say.
    hours: dict[Literal["mon", "tue", "wed", "thu", "fri", "sat", "sun"], str] = Field(default_factory=dict)
    # Average handle time to plan with when the history has none for this queue (else 300 s, with a warning).
    default_aht_seconds: Annotated[float, Field(gt=0)] | None = None
    # Unplanned absence (sickness, lateness) that inflates live requirements; None means the site's value.
    shrinkage: Annotated[float, Field(ge=0, lt=1)] | None = None
    # The shortest stint on this queue; None means [rules] min_stint_minutes.
    min_stint_minutes: Annotated[int, Field(ge=0, le=720)] | None = None

    @field_validator("open", "close")
    @classmethod
    def _clock(cls, value: str) -> str:
        parse_clock(value)
        return value

    @field_validator("hours")
    @classmethod
    def _hours(cls, value: dict[str, str]) -> dict[str, str]:
        for day, text in value.items():
            _parse_hours(day, text)
        return value

    @model_validator(mode="after")
    def _targets(self) -> Queue:
        if self.kind is QueueKind.LIVE:
            if self.service_level is None or self.answer_seconds is None:
                raise ValueError(f"live queue {self.id!r} needs service_level (e.g. 0.8) and answer_seconds (e.g. 20)")
        elif self.sla_hours is None:
            raise ValueError(f"deferred queue {self.id!r} needs sla_hours (e.g. 24)")
        if parse_clock(self.close) <= parse_clock(self.open):
            raise ValueError(f"queue {self.id!r}: close {self.close} must be after open {self.open}")
        return self

    @property
    def open_minute(self) -> int:
        return parse_clock(self.open)

    @property
    def close_minute(self) -> int:
        return parse_clock(self.close)

    def window(self, weekday: int) -> tuple[int, int] | None:
        """(open, close) in minutes after midnight on a weekday (0 = Monday), or None when closed all day."""
        day = WEEKDAYS[weekday]
        if day in self.hours:
            return _parse_hours(day, self.hours[day])
        return (self.open_minute, self.close_minute) if day in self.days else None

    @property
    def open_days(self) -> tuple[str, ...]:
        """The weekdays the queue opens on at all (`days`, then `hours` adding or closing days)."""
        return tuple(day for w, day in enumerate(WEEKDAYS) if self.window(w) is not None)

    def is_open(self, moment: dt.datetime) -> bool:
        window = self.window(moment.weekday())
        minute = moment.hour * 60 + moment.minute
        return window is not None and window[0] <= minute < window[1]


def _parse_hours(day: str, text: str) -> tuple[int, int] | None:
    """'07:00-14:00' -> (420, 840); 'closed' -> None."""
    if text.strip().lower() == "closed":
        return None
    parts = text.split("-")
    if len(parts) != 2:
        raise ValueError(f'hours for {day}: expected "HH:MM-HH:MM" (e.g. "07:00-14:00") or "closed", got {text!r}')
    try:
        start, end = parse_clock(parts[0]), parse_clock(parts[1])
    except ValueError as exc:
        raise ValueError(f"hours for {day}: {exc}") from None
    if end <= start:
        raise ValueError(
            f"hours for {day}: {text!r} closes before it opens; hours past midnight belong to the next day "
            f'(e.g. sat = "20:00-24:00", sun = "00:00-02:00")'
        )
    return start, end


class BreakRule(Frozen):
    """One break inside a shift, placed by the scheduler within its window after shift start."""

    # A short break or a lunch.
    kind: Literal["break", "lunch"] = "break"
    # Length of the break.
    minutes: Annotated[int, Field(gt=0, le=120)]
    # Whether the break is paid time (an unpaid lunch shortens the paid hours).
    paid: bool = True
    # The break starts at least this long after the shift starts ...
    earliest_after_minutes: Annotated[int, Field(ge=0)]
    # ... and at most this long after.
    latest_after_minutes: Annotated[int, Field(ge=0)]

    @model_validator(mode="after")
    def _window(self) -> BreakRule:
        if self.latest_after_minutes < self.earliest_after_minutes:
            raise ValueError("latest_after_minutes must not be before earliest_after_minutes")
        return self


class ShiftTemplate(Frozen):
    """A shift shape: allowed start times and a length (breaks included)."""

    # Short id, named by contracts and requests.
    id: str = Field(min_length=1)
    # Readable name for the workbook.
    name: str = ""
    # Allowed start times (HH:MM), on the interval grid.
    start_times: tuple[str, ...] = Field(min_length=1)
    # From start to end, breaks included.
    length_minutes: Annotated[int, Field(gt=0, le=16 * 60)]
    # The breaks ([[shift_templates.breaks]] tables).
    breaks: tuple[BreakRule, ...] = ()
    # Templates nobody may work the day after this one (e.g. a late shift's ["early"]): forbidden successions.
    not_followed_by: tuple[str, ...] = ()

    @field_validator("start_times")
    @classmethod
    def _clocks(cls, values: tuple[str, ...]) -> tuple[str, ...]:
        for value in values:
            if parse_clock(value) >= 24 * 60:
                raise ValueError(f"start time {value} must be before 24:00")
        return values

    @model_validator(mode="after")
    def _breaks_fit(self) -> ShiftTemplate:
        for rule in self.breaks:
            if rule.latest_after_minutes + rule.minutes > self.length_minutes:
                raise ValueError(f"shift {self.id!r}: a {rule.kind} window ends after the shift")
        return self

    @property
    def start_minutes(self) -> tuple[int, ...]:
        return tuple(parse_clock(s) for s in self.start_times)

    @property
    def paid_minutes(self) -> int:
        return self.length_minutes - sum(b.minutes for b in self.breaks if not b.paid)


class Contract(Frozen):
    """Working-time terms shared by a group of agents."""

    # Short id, named in staff.csv's contract column.
    id: str = Field(min_length=1)
    # Readable name for the workbook.
    name: str = ""
    # Paid hours a week the contract promises; hours beyond are overtime.
    contracted_hours_week: Annotated[float, Field(gt=0, le=80)]
    # Fewest paid hours in a week (pro rata in a part week).
    min_hours_week: NonNegative = 0
    # Most paid hours in a week, overtime included.
    max_hours_week: Annotated[float, Field(gt=0, le=80)]
    # Most overtime hours in a week.
    max_overtime_hours_week: NonNegative = 0
    # Most paid hours in a day.
    max_hours_day: Annotated[float, Field(gt=0, le=16)] = 10
    # Fewest days off in each 7 days.
    days_off_per_week: Annotated[int, Field(ge=0, le=7)] = 2
    # Most working days in a row (days just before the horizon count).
    max_consecutive_days: Annotated[int, Field(ge=1, le=14)] = 6
    # The shift templates people on this contract may work.
    shift_templates: tuple[str, ...] = Field(min_length=1)
    # Weekdays never worked (e.g. ["sun"]).
    fixed_days_off: tuple[Literal["mon", "tue", "wed", "thu", "fri", "sat", "sun"], ...] = ()
    # Weekends (a Saturday or Sunday worked, or both) allowed over the horizon; None = no limit.
    max_weekends: Annotated[int, Field(ge=0)] | None = None
    # A stretch of days off between two working days lasts at least this many days (1 = any).
    min_consecutive_days_off: Annotated[int, Field(ge=1, le=7)] = 1
    # A stretch of working days between two days off lasts at least this many days (1 = any).
    min_consecutive_days: Annotated[int, Field(ge=1, le=7)] = 1
    # Paid hours over the whole horizon (e.g. an annualised-hours balance left for these weeks); None = no limit.
    min_hours_horizon: Annotated[float, Field(ge=0)] | None = None
    max_hours_horizon: Annotated[float, Field(gt=0)] | None = None  # the most paid hours over the horizon
    # Most shifts of a template per week, e.g. {late = 2}; templates not named have no limit.
    max_shifts_per_week: dict[str, Annotated[int, Field(ge=0, le=7)]] = Field(default_factory=dict)
    # Most shifts of a template over the whole horizon, e.g. {night = 3}; templates not named have no limit.
    max_shifts_horizon: dict[str, Annotated[int, Field(ge=0)]] = Field(default_factory=dict)
    # Most queue changes in one shift for this contract's agents; None means [rules] max_queue_changes_per_shift.
    max_queue_changes_per_shift: Annotated[int, Field(ge=0, le=50)] | None = None

    @model_validator(mode="after")
    def _hours(self) -> Contract:
        if not self.min_hours_week <= self.contracted_hours_week <= self.max_hours_week:
            raise ValueError(f"contract {self.id!r}: need min_hours_week <= contracted_hours_week <= max_hours_week")
        for field_name in ("max_shifts_per_week", "max_shifts_horizon"):
            unknown = sorted(set(getattr(self, field_name)) - set(self.shift_templates))
            if unknown:
                # site.toml's loader names the contract before this message
                raise ValueError(
                    f"{field_name} names {', '.join(unknown)}, not among its shift_templates "
                    f"({', '.join(self.shift_templates)})"
                )
        return self


class Rules(Frozen):
    # Fewest hours between the end of one shift and the start of the next.
    min_rest_hours: Annotated[float, Field(ge=0, le=24)] = 11
    # Queue assignment granularity: nobody switches queue more often than this (the minimum block).
    block_minutes: Annotated[int, Field(ge=15, le=240)] = 30
    # A shift ending after this clock time (or past midnight) is a late shift, for fairness and the KPIs.
    late_shift_after: str = "20:00"
    # Floor-ready stints (wfm.scheduling.activity_rules): a stint (time on one queue within a shift, the breaks in
    # it and next to it included) lasts at least this long, unless a fixed activity ends it (a queue may set its
    # own); the model rounds it up to whole blocks. 0 = no minimum.
    min_stint_minutes: Annotated[int, Field(ge=0, le=720)] = 60
    # The most times one shift moves between queues (a break between two stints on one queue is no change); a
    # contract may set its own. None = no limit.
    max_queue_changes_per_shift: Annotated[int, Field(ge=0, le=50)] | None = 3

    @field_validator("late_shift_after")
    @classmethod
    def _late_clock(cls, value: str) -> str:
        parse_clock(value)
        return value


class Weights(Frozen):
    """Objective weights, in cost points per unit a planner recognises. Only ratios matter."""

    understaffing_per_agent_hour: NonNegative = 100  # live queue short of its Erlang requirement
    # Live service from the concave tables (wfm.staffing.service_table): every contact the plan's staff is
    # expected not to answer within target, and on top of that every one beyond what the target allows (a queue
    # at 80/20 allows 20 % of its volume); an extra person goes where they lift service most. Off by default:
    # no bound sees the contacts a plan cannot help losing, so they count fully as gap (docs/scheduling.md:
    # 0.05 / 0.2 gave a 5.1 % gap on the sample against 1.9 % without).
    unanswered_contact: NonNegative = 0
    contact_below_target: NonNegative = 0  # each contact beyond what the target allows, on top
    # A service cushion: each agent-hour a live queue is below its requirement plus 20 % (wfm.scheduling.model
    # CUSHION) costs this, so spare phone time goes to deferred work only where that work is worth more (an
    # hour overdue), not merely to clear work that is not due yet (backlog_per_work_hour).
    service_cushion_per_agent_hour: NonNegative = 0
    # Fairness: the most weekend days, and the most late shifts, any agent of a contract works in the horizon
    # (per contract, as part-timers and full-timers differ); each day or shift above the others costs this.
    weekend_fairness: NonNegative = 5
    late_shift_fairness: NonNegative = 2  # the same for late shifts (ending after rules.late_shift_after)
    # Re-planning from a previous plan (--previous-plan): each of its shifts the new plan drops or moves.
    replan_change_per_shift: NonNegative = 20
    # An intraday re-plan (`wfm intraday`): each agent-hour of the rest of the day on another queue than the
    # published one. A move must buy more cover than this (a tenth of an understaffed agent-hour by default), so
    # the floor is not reshuffled for nothing.
    intraday_change_per_agent_hour: NonNegative = 10
    # A paid hour on shift while none of the agent's queues is open (minimum hours must go somewhere: not on
    # a day the queue is closed). Measured in the peer bench: without it, 1-2 agents got Sunday shifts with
    # nothing to do in 3 of 4 runs.
    idle_paid_hour: NonNegative = 5
    late_work_per_hour: NonNegative = 40  # an hour of deferred work (at proficiency 1) overdue, per hour overdue
    backlog_per_work_hour: NonNegative = 10  # an hour of deferred work still open at the horizon's end
    overtime_per_hour: NonNegative = 30  # paid hours beyond the contract
    undertime_per_hour: NonNegative = 15  # contracted hours left unused
    # Each stint on a queue (so each queue change): a change must then buy more service or save more overtime
    # than this. 0 by default: the minimum stint and the most changes a shift already keep the floor workable,
    # and on the sample any cost took the blend apart (0.2 an hour-stint: 0.16 changes a shift, items past SLA
    # 91 -> 302; docs/scheduling.md, "Floor-ready stints").
    queue_change: NonNegative = 0
    # Each hour an agent works a queue of another office than their own: people stay on their home office's
    # queues unless another office needs them. 0 = no preference.
    off_home_hour: NonNegative = 0


class SolverSettings(Frozen):
    # How long planning may take, in seconds from building the model to the end of the search: the first
    # plan and the search share it (--time-limit overrides it).
    time_limit_seconds: Annotated[float, Field(gt=0)] = 60
    workers: Annotated[int, Field(ge=1, le=64)] = 2  # parallel search threads: the machine's cores
    # Stop early once the plan is proven within this share of the best possible (0.01 = 1 %).
    relative_gap: Annotated[float, Field(ge=0, lt=1)] = 0.01
    seed: int = 7  # the solver's random seed (--seed overrides it): the same seed, the same kind of search
    # Any other CP-SAT parameter by its name in sat_parameters.proto ([solver.parameters] in site.toml), e.g.
    # symmetry_level = 4; checked against the solver when the scenario loads.
    parameters: dict[str, bool | int | float | str] = Field(default_factory=dict)

    @field_validator("parameters")
    @classmethod
    def _known_parameters(cls, value: dict[str, bool | int | float | str]) -> dict[str, bool | int | float | str]:
        from ortools.sat.python import cp_model

        solver = cp_model.CpSolver()
        for name, setting in value.items():
            if not hasattr(solver.parameters, name):
                raise ValueError(f"{name!r} is not a CP-SAT parameter (see ortools' sat_parameters.proto)")
            try:
                setattr(solver.parameters, name, setting)
            except (TypeError, ValueError):
                expected = type(getattr(solver.parameters, name)).__name__
                raise ValueError(
                    f"CP-SAT parameter {name!r} takes a value of type {expected}, not {setting!r}"
                ) from None
        return value


class ForecastSettings(Frozen):
    """How the forecast is made. `method = "auto"` picks, per queue, the candidate with the lowest backtest WAPE."""

    method: str = "auto"  # "auto" or one method's name (see wfm.forecast.METHODS)
    candidates: tuple[str, ...] = ()  # methods "auto" chooses from; empty = every method
    weeks: Annotated[int, Field(ge=1, le=52)] = 6  # weeks a profile averages over
    folds: Annotated[int, Field(ge=1, le=12)] = 4  # weekly backtest folds behind the automatic choice
    # Staff to this quantile of the volume forecast (0.8 = enough for 4 weeks in 5); None plans to the mean.
    plan_quantile: Annotated[float, Field(gt=0, lt=1)] | None = None


class SimulationSettings(Frozen):
    """How `wfm simulate` (and `wfm run --simulate`) replays a plan: see docs/simulation.md."""

    # Simulated weeks (the whole horizon replayed, each with its own random days); P10-P90 are across them.
    replications: Annotated[int, Field(ge=1, le=1000)] = 30
    seed: Annotated[int, Field(ge=0)] = 7  # the same seed and plan give the same result
    # Handle-time distribution around each interval's AHT: lognormal (call centres' measured shape), exponential
    # (what Erlang C and A assume) or fixed.
    handle_time: Literal["lognormal", "exponential", "fixed"] = "lognormal"
    # Lognormal only: the handle times' standard deviation over their mean.
    handle_time_cv: Annotated[float, Field(gt=0, le=5)] = 1.0
    # Intervals where simulated and Erlang service level differ by more than this many points are listed.
    disagreement_points: Annotated[float, Field(gt=0, le=100)] = 5.0
    # Only intervals with at least this many contacts forecast are compared (fewer are mostly noise).
    disagreement_min_contacts: Annotated[float, Field(ge=0)] = 5.0


class RequestSettings(Frozen):
    """How `wfm requests` decides time-off requests and shift swaps against a published plan: see
    docs/requests.md. A request is approved when every rule holds for the people it touches and the service it
    costs stays within these allowances."""

    # The most a live queue's service level may fall in any interval, as a share (0.05 = 5 points), where it
    # ends below the queue's target (above the target, cover to spare may go).
    service_level_drop: Annotated[float, Field(ge=0, le=1)] = 0.05
    # The most back-office items a request may add to those finishing past their SLA over the horizon.
    items_late: Annotated[float, Field(ge=0)] = 0


# The date orders regional spreadsheet exports write, by the name site.toml gives them; the strftime form reads them.
DATE_FORMATS = {
    "YYYY-MM-DD": "%Y-%m-%d",
    "DD/MM/YYYY": "%d/%m/%Y",
    "MM/DD/YYYY": "%m/%d/%Y",
    "DD.MM.YYYY": "%d.%m.%Y",
    "DD-MM-YYYY": "%d-%m-%Y",
    "YYYY/MM/DD": "%Y/%m/%d",
}


class InputSettings(Frozen):
    """How the scenario's CSV files are written: European and US Excel exports differ in date order and decimal mark.

    ISO dates (2026-03-02T08:15) are always read, whatever `date_format` says; the separator between columns
    (comma, semicolon or tab) is read from each file's header row.
    """

    # How the files write dates (ISO dates are read as well).
    date_format: Literal["YYYY-MM-DD", "DD/MM/YYYY", "MM/DD/YYYY", "DD.MM.YYYY", "DD-MM-YYYY", "YYYY/MM/DD"] = (
        "YYYY-MM-DD"
    )
    # "." or ","; None: "," in a semicolon-separated file (European Excel), else ".".
    decimal_separator: Literal[".", ","] | None = None
    # Plan without history rows that cannot be used (each is listed as a warning). Off: such rows stop the load,
    # because a dropped row is lost data.
    skip_bad_rows: bool = False
    # ... but never more than this share of the history's rows or volume: beyond it the export is wrong.
    max_dropped_share: Annotated[float, Field(ge=0, le=1)] = 0.01


class Event(Frozen):
    """One line of events.csv: a known special day for one queue or all ("*").

    `multiplier` scales that day's normal forecast (1.3 = a campaign, 0.5 = a half day); `closed` means no
    volume at all. In the history the same day is left out of every "normal day" profile.
    """

    date: dt.date
    queue: str = "*"
    multiplier: NonNegative | None = None
    closed: bool = False

    @model_validator(mode="after")
    def _one_effect(self) -> Event:
        if self.closed == (self.multiplier is not None):
            raise ValueError("an event needs either a multiplier or closed = true, not both and not neither")
        return self


class Horizon(Frozen):
    # The first day to plan (YYYY-MM-DD).
    start: dt.date
    # How many days to plan.
    days: Annotated[int, Field(ge=1, le=366)] = 7

    @property
    def dates(self) -> list[dt.date]:
        return [self.start + dt.timedelta(days=i) for i in range(self.days)]

    @property
    def end(self) -> dt.date:
        """First date after the horizon."""
        return self.start + dt.timedelta(days=self.days)


class Site(Frozen):
    # Shown on every sheet and in the terminal.
    name: str = Field(min_length=1)
    # IANA time zone (e.g. Europe/London); every time in every file is this clock's.
    timezone: str = "UTC"
    country: str | None = None  # ISO code for public holidays (holidays package)
    # Length of a planning interval.
    interval_minutes: Literal[15, 30] = 15
    # Share of planned staff lost to sickness and lateness (0.1 = 10 %), added to live requirements.
    shrinkage: Annotated[float, Field(ge=0, lt=1)] = 0.0
    horizon: Horizon
    # The lines of work (none: people are planned to shift_requirements.csv alone).
    queues: tuple[Queue, ...] = ()
    # Planning needs both (the scenario loader says so); a forecast-only site.toml may leave them out.
    shift_templates: tuple[ShiftTemplate, ...] = ()
    contracts: tuple[Contract, ...] = ()
    rules: Rules = Rules()
    weights: Weights = Weights()
    solver: SolverSettings = SolverSettings()
    forecast: ForecastSettings = ForecastSettings()
    input: InputSettings = InputSettings()
    simulation: SimulationSettings = SimulationSettings()
    requests: RequestSettings = RequestSettings()

    @field_validator("timezone")
    @classmethod
    def _tz(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(f"unknown IANA time zone {value!r} (e.g. Europe/London)") from exc
        return value

    @model_validator(mode="after")
    def _references(self) -> Site:
        for kind, items in (
            ("queue", self.queues),
            ("shift template", self.shift_templates),
            ("contract", self.contracts),
        ):
            ids = [i.id for i in items]
            dupes = sorted({i for i in ids if ids.count(i) > 1})
            if dupes:
                raise ValueError(f"duplicate {kind} id(s): {', '.join(dupes)}")
        templates = {t.id for t in self.shift_templates}
        for template in self.shift_templates:
            unknown = [t for t in template.not_followed_by if t not in templates]
            if unknown:
                raise ValueError(
                    f"shift template {template.id!r}: not_followed_by names unknown template(s): {', '.join(unknown)}"
                )
        for contract in self.contracts:
            unknown = [t for t in contract.shift_templates if t not in templates]
            if unknown:
                raise ValueError(f"contract {contract.id!r} names unknown shift template(s): {', '.join(unknown)}")
        if self.rules.block_minutes % self.interval_minutes:
            raise ValueError("rules.block_minutes must be a multiple of interval_minutes")
        return self

    @cached_property
    def queue_by_id(self) -> dict[str, Queue]:
        return {q.id: q for q in self.queues}

    @cached_property
    def template_by_id(self) -> dict[str, ShiftTemplate]:
        return {t.id: t for t in self.shift_templates}

    @cached_property
    def contract_by_id(self) -> dict[str, Contract]:
        return {c.id: c for c in self.contracts}

    @property
    def intervals_per_day(self) -> int:
        return 24 * 60 // self.interval_minutes


class Agent(Frozen):
    agent_id: str = Field(min_length=1)
    name: str
    office: Office
    team: str = ""
    contract: str
    hourly_cost: NonNegative | None = None
    # This person's own weekly minimum where it is below the contract's. The nightly job sets it for the week
    # when time off or an availability change leaves the contract's minimum out of their reach.
    min_hours_week: NonNegative | None = None


class Skill(Frozen):
    agent_id: str
    queue: str
    proficiency: Proficiency = 1.0  # 1.0 works at the queue's AHT; 0.5 takes twice as long
    priority: Annotated[int, Field(ge=1)] = 1


class Availability(Frozen):
    """A window an agent may work: every `weekday` (0 = Monday) or one `date`."""

    agent_id: str
    weekday: Annotated[int, Field(ge=0, le=6)] | None = None
    date: dt.date | None = None
    start_minute: Annotated[int, Field(ge=0, le=1440)]
    end_minute: Annotated[int, Field(ge=0, le=1440)]

    @model_validator(mode="after")
    def _one_key(self) -> Availability:
        if (self.weekday is None) == (self.date is None):
            raise ValueError("give either a weekday or a date")
        if self.end_minute <= self.start_minute:
            raise ValueError("end must be after start")
        return self


class TimeOff(Frozen):
    agent_id: str
    start: dt.datetime
    end: dt.datetime
    reason: str = "time off"
    # Paid leave counts towards the week's hours (the contract's daily rate per whole day); unpaid (a day off
    # asked for, an unpaid absence) does not.
    paid: bool = True

    @model_validator(mode="after")
    def _order(self) -> TimeOff:
        if self.end <= self.start:
            raise ValueError("end must be after start")
        return self


class ChangeRequest(Frozen):
    """A request against a published plan (`wfm requests`): whole days off, or two agents swapping their shifts
    (or a shift and a day off) on one date."""

    request_id: str = Field(min_length=1)
    kind: Literal["time_off", "swap"]
    agent_id: str
    date: dt.date
    # time_off: the last day off (the same day when not given).
    end_date: dt.date | None = None
    # swap: the other agent.
    with_agent: str | None = None
    # time_off: paid leave counts towards the week's hours as in time_off.csv; unpaid does not.
    paid: bool = True
    reason: str = ""

    @model_validator(mode="after")
    def _shape(self) -> ChangeRequest:
        if self.kind == "swap" and not self.with_agent:
            raise ValueError("a swap needs with_agent")
        if self.kind == "swap" and self.with_agent == self.agent_id:
            raise ValueError("a swap needs two different agents")
        if self.end_date is not None and self.end_date < self.date:
            raise ValueError("end_date must not be before date")
        return self

    @property
    def days(self) -> list[dt.date]:
        last = self.end_date or self.date
        return [self.date + dt.timedelta(days=i) for i in range((last - self.date).days + 1)]


class FixedActivity(Frozen):
    """Training, meetings, coaching: paid time inside a shift, off the queues."""

    agent_id: str
    start: dt.datetime
    end: dt.datetime
    activity: str = "training"

    @model_validator(mode="after")
    def _order(self) -> FixedActivity:
        if self.end <= self.start:
            raise ValueError("end must be after start")
        return self


class PreviousShift(Frozen):
    agent_id: str
    start: dt.datetime
    end: dt.datetime


class BacklogItem(Frozen):
    queue: str
    items: NonNegative
    oldest_arrival: dt.datetime


class ShiftRequest(Frozen):
    """One line of requests.csv: an agent's wish about one day of the horizon.

    `shift_template` is a template id of site.toml or `DAY_OFF` ("off"). `wanted` is the `on` column: True
    means the agent asks for it (the early shift on Monday, Friday off), False that they would rather not have
    it (not the late shift on Thursday). `weight` is what leaving the wish ungranted costs, in the same objective
    points as the [weights] of site.toml: weight 30 weighs as much as an hour of overtime at
    overtime_per_hour = 30. The loader has checked the agent, the template (one the agent's contract allows)
    and that the date lies inside the horizon.
    """

    DAY_OFF: ClassVar[str] = "off"

    agent_id: str = Field(min_length=1)
    date: dt.date
    shift_template: str = Field(min_length=1)
    wanted: bool
    weight: Annotated[float, Field(gt=0, allow_inf_nan=False)] = 1.0

    @property
    def day_off(self) -> bool:
        return self.shift_template == self.DAY_OFF


class ShiftRequirement(Frozen):
    """One line of shift_requirements.csv: how many people one shift template needs on one date (shift-based
    demand, as branches and back offices plan it, beside or instead of interval demand).

    Each person short costs `weight_under`, each one over `weight_over`, in the objective points of [weights]
    (weight 30 weighs as much as an hour of overtime at overtime_per_hour = 30).
    """

    date: dt.date
    template: str = Field(min_length=1)
    required: Annotated[int, Field(ge=0)]
    weight_under: NonNegative = 100
    weight_over: NonNegative = 0


class Scenario(_FreshCopies):
    """Everything one planning run needs, validated and cross-checked.

    `history` is a DataFrame (interval_start: datetime64, queue: str, volume: float, aht_seconds: float|NaN):
    a history of 12+ weeks has hundreds of thousands of rows, too many for a model per row.
    """

    model_config = ConfigDict(frozen=True, arbitrary_types_allowed=True)

    site: Site
    agents: tuple[Agent, ...]
    skills: tuple[Skill, ...]
    availability: tuple[Availability, ...] = ()
    time_off: tuple[TimeOff, ...] = ()
    fixed_activities: tuple[FixedActivity, ...] = ()
    previous_shifts: tuple[PreviousShift, ...] = ()
    backlog: tuple[BacklogItem, ...] = ()
    events: tuple[Event, ...] = ()
    requests: tuple[ShiftRequest, ...] = ()
    shift_requirements: tuple[ShiftRequirement, ...] = ()
    history: pd.DataFrame
    # Input problems that did not stop the run (a dropped history row, a short history), already worded for
    # the planner; the CLI prints them and the run's manifest keeps them.
    warnings: tuple[str, ...] = ()

    @cached_property
    def agent_by_id(self) -> dict[str, Agent]:
        return {a.agent_id: a for a in self.agents}

    @cached_property
    def skills_by_agent(self) -> dict[str, tuple[Skill, ...]]:
        out: dict[str, list[Skill]] = {a.agent_id: [] for a in self.agents}
        for skill in self.skills:
            out.setdefault(skill.agent_id, []).append(skill)
        return {k: tuple(sorted(v, key=lambda s: (s.priority, -s.proficiency, s.queue))) for k, v in out.items()}
