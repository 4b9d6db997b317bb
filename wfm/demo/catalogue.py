"""The sample operation's catalogue: the site, its queues (volume, shape, AHT), shift templates,
contracts and pay, and the seeded random streams every part draws from."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from wfm.domain.models import WEEKDAYS, format_clock, parse_clock

SITE_NAME = "Northbridge Bank Operations Centre"
TIMEZONE = "Europe/London"
COUNTRY = "GB"
INTERVAL_MINUTES = 15
SHRINKAGE = 0.10
MAX_QUEUES = 12
MIN_AGENTS = 20
MAX_AGENTS = 9999  # agent ids are A0001..A9999

# Demand is sized so that the horizon week's estimated requirement (Erlang C agents / (1 - shrinkage) on live
# queues, workload hours on deferred ones) is this share of each office's contracted hours: busy but staffable,
# leaving room for paid breaks (~6% of paid time), proficiency below 1.0 on cross-trained queues, time off and
# shift shapes that cannot follow every peak. Measured: at 0.88 the sample needed 4,384 agent-hours against
# about 4,050 proficiency-weighted productive hours, an operation no plan could staff.
REQUIRED_SHARE = 0.76
OFFICE_SHARES = {"front": 0.55, "middle": 0.20, "back": 0.25}
CONTRACT_SHARES = {"ft40": 0.45, "ft35": 0.15, "pt20": 0.25, "pt24": 0.15}
CROSS_TRAINED_SHARE = 0.45
AVAILABILITY_SHARE = 0.15
TIME_OFF_SHARE = 0.08
MISSING_ROW_SHARE = 0.003
TREND_PER_WEEK = 0.004  # volume grows ~0.4% a week (~5% a quarter)
MAX_TEAM_SIZE = 13  # teams of ~8-13, one team leader each

MON_SAT = ("mon", "tue", "wed", "thu", "fri", "sat")
MON_FRI = ("mon", "tue", "wed", "thu", "fri")

# Day-of-week volume factors (Monday busiest, Saturday quiet); a day missing here is closed.
WEEK_VOICE = {"mon": 1.22, "tue": 1.06, "wed": 1.0, "thu": 0.98, "fri": 0.95, "sat": 0.55}
WEEK_CHAT = {"mon": 1.15, "tue": 1.04, "wed": 1.0, "thu": 1.0, "fri": 0.97, "sat": 0.70}
WEEK_WORKDAY = {"mon": 1.18, "tue": 1.05, "wed": 1.0, "thu": 0.96, "fri": 0.90}
WEEK_FRAUD = {"mon": 1.15, "tue": 1.0, "wed": 1.0, "thu": 1.0, "fri": 1.05, "sat": 0.80}


def bump(hours: np.ndarray, centre: float, width: float) -> np.ndarray:
    return np.exp(-0.5 * ((hours - centre) / width) ** 2)


def _voice_shape(hours: np.ndarray) -> np.ndarray:
    # Late-morning and early-afternoon peaks with a lunchtime dip, tailing off into the evening.
    return 0.22 + bump(hours, 11.0, 1.1) + 0.85 * bump(hours, 14.25, 1.2)


def _sales_shape(hours: np.ndarray) -> np.ndarray:
    return 0.30 + bump(hours, 10.75, 1.0) + 0.9 * bump(hours, 14.5, 1.1)


def _chat_shape(hours: np.ndarray) -> np.ndarray:
    # Chat follows people's free time: a lunchtime peak and an evening one.
    return 0.35 + 0.8 * bump(hours, 12.5, 1.6) + 0.75 * bump(hours, 18.5, 1.3)


def _flat_shape(hours: np.ndarray) -> np.ndarray:
    return 0.6 + 0.5 * bump(hours, 13.0, 3.0)


@dataclass(frozen=True)
class QueueSpec:
    """One queue of the generated operation: its site.toml entry plus how its demand behaves."""

    id: str
    name: str
    office: str
    channel: str
    kind: str
    open: str
    close: str
    week: dict[str, float]
    share: float  # share of its office's workload
    aht_seconds: float
    aht_midday_lift: float  # AHT is this much longer around 13:00 (complex queries, new joiners on shift)
    shape: Callable[[np.ndarray], np.ndarray]
    team_family: str
    # (clock, share of the day's volume) bulk arrivals, e.g. the morning post scanned in one batch.
    batches: tuple[tuple[str, float], ...] = ()
    targets: dict[str, float | int] = field(default_factory=dict)

    @property
    def days(self) -> tuple[str, ...]:
        return tuple(d for d in WEEKDAYS if d in self.week)

    def site_entry(self) -> dict[str, object]:
        entry: dict[str, object] = {
            "id": self.id,
            "name": self.name,
            "office": self.office,
            "channel": self.channel,
            "kind": self.kind,
        }
        entry.update(self.targets)
        entry.update({"open": self.open, "close": self.close, "days": list(self.days)})
        return entry


# Ordered so that any prefix of 3+ queues covers all three offices; the first 8 are the standard sample.
QUEUE_SPECS: tuple[QueueSpec, ...] = (
    QueueSpec(
        id="voice_service",
        name="Voice service",
        office="front",
        channel="voice",
        kind="live",
        open="08:00",
        close="20:00",
        week=WEEK_VOICE,
        share=0.55,
        aht_seconds=330,
        aht_midday_lift=0.12,
        shape=_voice_shape,
        team_family="Service",
        targets={"service_level": 0.8, "answer_seconds": 20, "max_occupancy": 0.88, "patience_seconds": 180},
    ),
    QueueSpec(
        id="collections",
        name="Collections (outbound)",
        office="middle",
        channel="outbound",
        kind="deferred",
        open="09:00",
        close="19:00",
        week=WEEK_WORKDAY,
        share=0.55,
        aht_seconds=360,
        aht_midday_lift=0.05,
        shape=_flat_shape,
        team_family="Collections",
        batches=(("09:00", 0.40),),  # the overnight arrears list lands in the dialler at opening
        targets={"sla_hours": 8},
    ),
    QueueSpec(
        id="account_maintenance",
        name="Account maintenance",
        office="back",
        channel="case",
        kind="deferred",
        open="08:00",
        close="18:00",
        week=WEEK_WORKDAY,
        share=0.35,
        aht_seconds=420,
        aht_midday_lift=0.05,
        shape=_flat_shape,
        team_family="Accounts",
        batches=(("10:00", 0.25), ("10:15", 0.15), ("14:00", 0.10)),  # morning post scanned, afternoon post
        targets={"sla_hours": 24},
    ),
    QueueSpec(
        id="chat",
        name="Web chat",
        office="front",
        channel="chat",
        kind="live",
        open="08:00",
        close="20:00",
        week=WEEK_CHAT,
        share=0.25,
        aht_seconds=480,
        aht_midday_lift=0.10,
        shape=_chat_shape,
        team_family="Chat",
        targets={
            "service_level": 0.8,
            "answer_seconds": 60,
            "max_occupancy": 0.85,
            "patience_seconds": 300,
            "concurrency": 2,
        },
    ),
    QueueSpec(
        id="fraud_review",
        name="Fraud review",
        office="middle",
        channel="case",
        kind="deferred",
        open="08:00",
        close="20:00",
        week=WEEK_FRAUD,
        share=0.45,
        aht_seconds=540,
        aht_midday_lift=0.05,
        shape=_flat_shape,
        team_family="Fraud",
        targets={"sla_hours": 4},
    ),
    QueueSpec(
        id="claims_processing",
        name="Claims processing",
        office="back",
        channel="case",
        kind="deferred",
        open="08:00",
        close="18:00",
        week=WEEK_WORKDAY,
        share=0.40,
        aht_seconds=1200,
        aht_midday_lift=0.06,
        shape=_flat_shape,
        team_family="Claims",
        batches=(("10:00", 0.22), ("10:15", 0.13), ("14:00", 0.10)),
        targets={"sla_hours": 48},
    ),
    QueueSpec(
        id="voice_sales",
        name="Voice sales",
        office="front",
        channel="voice",
        kind="live",
        open="09:00",
        close="18:00",
        week=WEEK_WORKDAY,
        share=0.20,
        aht_seconds=540,
        aht_midday_lift=0.10,
        shape=_sales_shape,
        team_family="Sales",
        targets={"service_level": 0.8, "answer_seconds": 30, "max_occupancy": 0.85, "patience_seconds": 120},
    ),
    QueueSpec(
        id="correspondence",
        name="Correspondence (email)",
        office="back",
        channel="email",
        kind="deferred",
        open="08:00",
        close="18:00",
        week=WEEK_WORKDAY,
        share=0.25,
        aht_seconds=300,
        aht_midday_lift=0.05,
        shape=_flat_shape,
        team_family="Correspondence",
        batches=(("08:00", 0.15), ("10:30", 0.15)),  # the overnight inbox at opening, scanned letters later
        targets={"sla_hours": 24},
    ),
    QueueSpec(
        id="chat_business",
        name="Business banking chat",
        office="front",
        channel="chat",
        kind="live",
        open="08:00",
        close="18:00",
        week=WEEK_WORKDAY,
        share=0.12,
        aht_seconds=600,
        aht_midday_lift=0.10,
        shape=_chat_shape,
        team_family="Business Chat",
        targets={
            "service_level": 0.8,
            "answer_seconds": 60,
            "max_occupancy": 0.85,
            "patience_seconds": 300,
            "concurrency": 2,
        },
    ),
    QueueSpec(
        id="complaints",
        name="Complaints",
        office="middle",
        channel="case",
        kind="deferred",
        open="09:00",
        close="17:00",
        week=WEEK_WORKDAY,
        share=0.30,
        aht_seconds=1500,
        aht_midday_lift=0.05,
        shape=_flat_shape,
        team_family="Complaints",
        batches=(("10:00", 0.20),),
        targets={"sla_hours": 24},
    ),
    QueueSpec(
        id="mortgage_servicing",
        name="Mortgage servicing",
        office="back",
        channel="case",
        kind="deferred",
        open="08:00",
        close="18:00",
        week=WEEK_WORKDAY,
        share=0.30,
        aht_seconds=900,
        aht_midday_lift=0.05,
        shape=_flat_shape,
        team_family="Mortgages",
        batches=(("10:00", 0.20), ("10:15", 0.10)),
        targets={"sla_hours": 48},
    ),
    QueueSpec(
        id="outbound_sales",
        name="Outbound sales",
        office="front",
        channel="outbound",
        kind="deferred",
        open="10:00",
        close="20:00",
        week=WEEK_WORKDAY,
        share=0.12,
        aht_seconds=420,
        aht_midday_lift=0.05,
        shape=_flat_shape,
        team_family="Outbound",
        batches=(("10:00", 0.50),),  # the day's campaign leads are loaded once
        targets={"sla_hours": 24},
    ),
)


def _break(kind: str, minutes: int, paid: bool, earliest: int, latest: int) -> dict[str, object]:
    return {
        "kind": kind,
        "minutes": minutes,
        "paid": paid,
        "earliest_after_minutes": earliest,
        "latest_after_minutes": latest,
    }


def _starts(first: str, last: str) -> list[str]:
    return [format_clock(m) for m in range(parse_clock(first), parse_clock(last) + 1, 30)]


# An 8.5 h shift: two paid 15-minute breaks and an unpaid 30-minute lunch, i.e. 8 paid hours.
FULL_BREAKS = [
    _break("break", 15, True, 90, 150),
    _break("lunch", 30, False, 210, 300),
    _break("break", 15, True, 360, 420),
]
SHIFT_TEMPLATES: list[dict[str, object]] = [
    {
        "id": "early",
        "name": "Early",
        "start_times": _starts("07:30", "08:30"),
        "length_minutes": 510,
        "breaks": FULL_BREAKS,
    },
    {
        "id": "day",
        "name": "Day",
        "start_times": _starts("09:00", "10:30"),
        "length_minutes": 510,
        "breaks": FULL_BREAKS,
    },
    {
        "id": "late",
        "name": "Late",
        "start_times": _starts("11:00", "12:00"),
        "length_minutes": 510,
        "breaks": FULL_BREAKS,
    },
    # 7.5 h with an unpaid lunch: 7 paid hours, so a 35-hour week is exactly five of them.
    {
        "id": "short",
        "name": "Short day",
        "start_times": _starts("08:00", "12:00"),
        "length_minutes": 450,
        "breaks": [
            _break("break", 15, True, 90, 150),
            _break("lunch", 30, False, 180, 270),
            _break("break", 15, True, 330, 390),
        ],
    },
    {
        "id": "pt_morning",
        "name": "Part-time morning",
        "start_times": _starts("08:00", "10:00"),
        "length_minutes": 240,
        "breaks": [_break("break", 15, True, 90, 150)],
    },
    {
        "id": "pt_day",
        "name": "Part-time day",
        "start_times": _starts("09:00", "12:00"),
        "length_minutes": 360,
        "breaks": [_break("break", 15, True, 120, 210)],
    },
    {
        "id": "pt_evening",
        "name": "Part-time evening",
        "start_times": _starts("15:00", "16:00"),
        "length_minutes": 270,
        "breaks": [_break("break", 15, True, 90, 180)],
    },
]

CONTRACTS: list[dict[str, object]] = [
    {
        "id": "ft40",
        "name": "Full time 40h",
        "contracted_hours_week": 40,
        "min_hours_week": 36,
        "max_hours_week": 44,
        "max_overtime_hours_week": 4,
        "max_hours_day": 9,
        "days_off_per_week": 2,
        "max_consecutive_days": 6,
        "shift_templates": ["early", "day", "late"],
    },
    {
        "id": "ft35",
        "name": "Full time 35h",
        "contracted_hours_week": 35,
        "min_hours_week": 32,
        "max_hours_week": 40,
        "max_overtime_hours_week": 5,
        "max_hours_day": 9,
        "days_off_per_week": 2,
        "max_consecutive_days": 6,
        "shift_templates": ["short", "early", "day", "late"],
    },
    {
        "id": "pt20",
        "name": "Part time 20h",
        "contracted_hours_week": 20,
        "min_hours_week": 16,
        "max_hours_week": 24,
        "max_overtime_hours_week": 4,
        "max_hours_day": 6,
        "days_off_per_week": 2,
        "max_consecutive_days": 6,
        "shift_templates": ["pt_morning", "pt_evening"],
    },
    {
        "id": "pt24",
        "name": "Part time 24h",
        "contracted_hours_week": 24,
        "min_hours_week": 20,
        "max_hours_week": 28,
        "max_overtime_hours_week": 4,
        "max_hours_day": 7,
        "days_off_per_week": 2,
        "max_consecutive_days": 6,
        "shift_templates": ["pt_morning", "pt_day", "pt_evening"],
    },
]
CONTRACTED_HOURS = {str(c["id"]): float(c["contracted_hours_week"]) for c in CONTRACTS}  # type: ignore[arg-type]
FULL_TIME = ("ft40", "ft35")
# (low, high) hourly cost in GBP by contract; middle-office specialists earn a small premium.
HOURLY_COST = {"ft40": (20.5, 24.0), "ft35": (20.0, 23.5), "pt20": (18.0, 20.5), "pt24": (18.5, 21.0)}
OFFICE_PREMIUM = {"front": 0.0, "middle": 0.75, "back": 0.25}


# Independent random streams, so changing how one part is drawn never shifts the others.
_STREAMS = {
    "staff": 1,
    "skills": 2,
    "availability": 3,
    "time_off": 4,
    "training": 5,
    "backlog": 6,
    "history": 7,
    "missing": 8,
    "aht": 9,
    "outage": 10,
}


def _rng(seed: int, part: str) -> np.random.Generator:
    return np.random.default_rng([seed, _STREAMS[part]])


@dataclass(frozen=True)
class _Agent:
    agent_id: str
    name: str
    office: str
    team: str
    contract: str
    hourly_cost: float
    home_queue: str


def _stamp(moment: dt.datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%S")
