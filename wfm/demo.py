"""A deterministic, realistic sample operation: a retail bank's blended front/middle/back-office centre.

`generate_operation` writes a complete scenario folder (see the input contract in the design notes) that
exercises every stage: a history with the realities a forecaster meets in a real ACD / case-system export
(intraday double peaks, a weekly pattern, a slow trend, public holidays, an outage spike, missing intervals,
time-of-day AHT), a staff list with contracts, teams and cross-training, and the planner's constraints for the
horizon (availability windows, approved time off, training sessions, carried-in backlog).

Demand is sized from head count, so the operation stays staffable at any size from 50 to several thousand
agents: the horizon week's estimated requirement (Erlang C on live queues, workload on deferred ones) is a
fixed share (88%) of each office's contracted hours.
The output is a pure function of the arguments: every random draw comes from its own seeded stream and every
file is written with explicit formatting, so the same arguments give byte-identical files.
"""

from __future__ import annotations

import csv
import datetime as dt
import json
import math
import tomllib
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import holidays
import numpy as np

from wfm.domain.models import WEEKDAYS, Weights, format_clock, parse_clock
from wfm.staffing.erlang import required_agents

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

FIRST_NAMES = (
    "Amelia",
    "Oliver",
    "Isla",
    "Harry",
    "Ava",
    "Jack",
    "Mia",
    "Noah",
    "Freya",
    "Leo",
    "Grace",
    "Oscar",
    "Ruby",
    "Arthur",
    "Evie",
    "Theo",
    "Poppy",
    "Alfie",
    "Lily",
    "Finley",
    "Ella",
    "Rory",
    "Sienna",
    "Callum",
    "Imogen",
    "Hamish",
    "Priya",
    "Arjun",
    "Aisha",
    "Omar",
    "Zara",
    "Kwame",
    "Nia",
    "Tomasz",
    "Zofia",
    "Declan",
    "Niamh",
    "Rhys",
    "Cerys",
    "Euan",
    "Morag",
    "Ravi",
    "Anika",
    "Mateo",
    "Lucia",
    "Kofi",
    "Ama",
    "Yusuf",
    "Layla",
    "Ewan",
    "Bethan",
    "Dylan",
    "Carys",
    "Felix",
    "Hattie",
    "Jasper",
    "Martha",
    "Rohan",
    "Sana",
    "Wei",
    "Mei",
    "Kieran",
    "Orla",
    "Seren",
    "Bilal",
    "Hana",
    "Luca",
    "Elif",
    "Ibrahim",
    "Maya",
    "Connor",
    "Tegan",
    "Joel",
    "Nadia",
    "Samir",
    "Keira",
    "Ollie",
    "Phoebe",
    "Reuben",
    "Tilly",
)
LAST_NAMES = (
    "Ashcombe",
    "Blackwood",
    "Brightwater",
    "Caddick",
    "Calloway",
    "Dunmore",
    "Ellingham",
    "Fairbairn",
    "Fenwick",
    "Garside",
    "Greaves",
    "Hallam",
    "Hartwell",
    "Holloway",
    "Ingleby",
    "Kettering",
    "Kingsley",
    "Langridge",
    "Lockhart",
    "Marchbank",
    "Mellor",
    "Netherby",
    "Oakridge",
    "Ormerod",
    "Pemberton",
    "Penrose",
    "Quarrie",
    "Radcliffe",
    "Redfern",
    "Rowntree",
    "Sallis",
    "Seddon",
    "Thackeray",
    "Thornbury",
    "Tregarth",
    "Underwood",
    "Varley",
    "Wainwright",
    "Westbrook",
    "Whitcombe",
    "Yardley",
    "Ainsworth",
    "Beckwith",
    "Chadwick",
    "Dewhurst",
    "Eastwood",
    "Farrant",
    "Gilmartin",
    "Hepworth",
    "Iredale",
    "Jessop",
    "Kirkbride",
    "Lindqvist",
    "Mahmood",
    "Nakamura",
    "Okafor",
    "Petrakis",
    "Quigley",
    "Rahman",
    "Sandoval",
    "Tanaka",
    "Uddin",
    "Valente",
    "Wojcik",
    "Xavier",
    "Yilmaz",
    "Zielinski",
    "Achebe",
    "Bramwell",
    "Coulthard",
    "Drummond",
    "Esterhuizen",
    "Fitzwilliam",
    "Goldthorpe",
    "Haverford",
    "Illingworth",
    "Jardine",
    "Kowalczyk",
    "Lennox",
    "Mwangi",
)

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


def generate_operation(
    out_dir: Path,
    *,
    agents: int = 150,
    weeks_history: int = 13,
    seed: int = 7,
    horizon_start: dt.date = dt.date(2026, 3, 2),
    horizon_days: int = 7,
    queues: int = 8,
) -> None:
    """Write a complete scenario folder for a bank operations centre of `agents` agents and `queues` queues.

    History covers the `weeks_history` weeks before `horizon_start`; volumes are sized so the horizon week's
    estimated requirement is ~88% of contracted hours. The same arguments always give byte-identical files.
    """
    if not MIN_AGENTS <= agents <= MAX_AGENTS:
        raise ValueError(f"agents must be between {MIN_AGENTS} and {MAX_AGENTS}, got {agents}")
    if not 3 <= queues <= MAX_QUEUES:
        raise ValueError(f"queues must be between 3 and {MAX_QUEUES}, got {queues}")
    if not 1 <= weeks_history <= 104:
        raise ValueError(f"weeks_history must be between 1 and 104, got {weeks_history}")
    if not 1 <= horizon_days <= 42:
        raise ValueError(f"horizon_days must be between 1 and 42, got {horizon_days}")

    # Any prefix of QUEUE_SPECS covers all offices; files list the queues office by office, front first.
    offices = list(OFFICE_SHARES)
    specs = sorted(QUEUE_SPECS[:queues], key=lambda spec: offices.index(spec.office))
    horizon = [horizon_start + dt.timedelta(days=i) for i in range(horizon_days)]
    staff = _staff(agents, specs, seed)
    skills = _skills(staff, specs, seed)
    availability = _availability(staff, horizon, seed)
    restricted = {row[0] for row in availability}
    time_off = _time_off(staff, horizon, restricted, seed)
    training = _fixed_activities(staff, horizon, restricted, time_off, seed)
    levels = _daily_levels(staff, specs)
    history = _history(specs, levels, horizon_start, weeks_history, seed)
    backlog = _backlog(specs, levels, horizon_start, seed)

    out_dir.mkdir(parents=True, exist_ok=True)
    (out_dir / "site.toml").write_text(_site_toml(specs, horizon_start, horizon_days, seed), encoding="utf-8")
    _write_csv(
        out_dir / "staff.csv",
        ("agent_id", "name", "office", "team", "contract", "hourly_cost"),
        ((a.agent_id, a.name, a.office, a.team, a.contract, f"{a.hourly_cost:.2f}") for a in staff),
    )
    _write_csv(out_dir / "skills.csv", ("agent_id", "queue", "proficiency", "priority"), skills)
    _write_csv(out_dir / "history.csv", ("interval_start", "queue", "volume", "aht_seconds"), history)
    _write_csv(out_dir / "availability.csv", ("agent_id", "day", "start", "end"), availability)
    _write_csv(out_dir / "time_off.csv", ("agent_id", "start", "end", "reason"), time_off)
    _write_csv(out_dir / "fixed_activities.csv", ("agent_id", "start", "end", "activity"), training)
    _write_csv(out_dir / "backlog.csv", ("queue", "items", "oldest_arrival"), backlog)


# ----------------------------------------------------------------------------------------------- staff


def _quotas(total: int, shares: Sequence[float]) -> list[int]:
    """Split `total` into integer counts proportional to `shares` (largest remainder, ties to the first)."""
    weight = sum(shares)
    exact = [total * s / weight for s in shares]
    counts = [math.floor(x) for x in exact]
    order = sorted(range(len(shares)), key=lambda i: (-(exact[i] - counts[i]), i))
    for i in order[: total - sum(counts)]:
        counts[i] += 1
    return counts


def _letters(index: int) -> str:
    """0 -> A, 25 -> Z, 26 -> AA: team suffixes that never run out."""
    text = ""
    index += 1
    while index:
        index, rem = divmod(index - 1, 26)
        text = chr(ord("A") + rem) + text
    return text


def _staff(count: int, specs: Sequence[QueueSpec], seed: int) -> list[_Agent]:
    rng = _rng(seed, "staff")
    name_codes = rng.choice(len(FIRST_NAMES) * len(LAST_NAMES), size=count, replace=False)
    names = [f"{FIRST_NAMES[c // len(LAST_NAMES)]} {LAST_NAMES[c % len(LAST_NAMES)]}" for c in name_codes]
    offices = list(OFFICE_SHARES)
    contracts = list(CONTRACT_SHARES)
    people: list[tuple[str, str, str, str]] = []  # office, team, contract, home queue
    for office, office_count in zip(offices, _quotas(count, list(OFFICE_SHARES.values())), strict=True):
        office_specs = [s for s in specs if s.office == office]
        contract_list = [
            c
            for c, n in zip(contracts, _quotas(office_count, list(CONTRACT_SHARES.values())), strict=True)
            for _ in range(n)
        ]
        rng.shuffle(contract_list)
        family_counts = _quotas(office_count, [s.share for s in office_specs])
        position = 0
        for spec, family_count in zip(office_specs, family_counts, strict=True):
            teams = max(1, math.ceil(family_count / MAX_TEAM_SIZE))
            for team_index, team_count in enumerate(_quotas(family_count, [1.0] * teams)):
                team = f"{spec.team_family} {_letters(team_index)}"
                for _ in range(team_count):
                    people.append((office, team, contract_list[position], spec.id))
                    position += 1
    order = rng.permutation(count)  # ids are handed out in hiring order, not team by team
    staff: list[_Agent] = []
    for number, index in enumerate(order, start=1):
        office, team, contract, home = people[index]
        low, high = HOURLY_COST[contract]
        cost = round(float(rng.uniform(low, high)) + OFFICE_PREMIUM[office], 2)
        staff.append(_Agent(f"A{number:04d}", names[number - 1], office, team, contract, cost, home))
    return staff


def _skills(staff: Sequence[_Agent], specs: Sequence[QueueSpec], seed: int) -> list[tuple[str, str, str, int]]:
    rng = _rng(seed, "skills")
    cross_count = math.ceil(CROSS_TRAINED_SHARE * len(staff))
    cross_trained = set(rng.choice(len(staff), size=cross_count, replace=False).tolist())
    rows: list[tuple[str, str, str, int]] = []
    for index, agent in enumerate(staff):
        own = [(agent.home_queue, float(rng.uniform(0.85, 1.0)))]
        others_home = [s for s in specs if s.office == agent.office and s.id != agent.home_queue]
        if others_home and rng.random() < 0.55:
            pick = others_home[int(rng.integers(len(others_home)))]
            own.append((pick.id, float(rng.uniform(0.80, 0.95))))
        if index in cross_trained:
            # Cross-training follows the work: a queue of another office, more likely the bigger ones.
            foreign = [s for s in specs if s.office != agent.office]
            weights = np.array([s.share * OFFICE_SHARES[s.office] for s in foreign])
            extra = 2 if rng.random() < 0.12 and len(foreign) > 1 else 1
            picks = rng.choice(len(foreign), size=extra, replace=False, p=weights / weights.sum())
            own.extend((foreign[int(i)].id, float(rng.uniform(0.5, 0.9))) for i in sorted(picks.tolist()))
        for priority, (queue, proficiency) in enumerate(own, start=1):
            rows.append((agent.agent_id, queue, f"{proficiency:.2f}", priority))
    return rows


def _availability(staff: Sequence[_Agent], horizon: Sequence[dt.date], seed: int) -> list[tuple[str, str, str, str]]:
    """Windows for ~15% of agents: part-timers on mornings or evenings only, full-timers off Saturdays or with
    one date-specific late start / early finish (date rows replace that weekday's row)."""
    rng = _rng(seed, "availability")
    count = max(1, round(AVAILABILITY_SHARE * len(staff)))
    chosen = sorted(rng.choice(len(staff), size=count, replace=False).tolist())
    weekdays_in_horizon = [d for d in horizon if d.weekday() < 5] or list(horizon)
    rows: list[tuple[str, str, str, str]] = []
    for index in chosen:
        agent = staff[index]
        if agent.contract in FULL_TIME:
            if rng.random() < 0.6:
                rows.extend((agent.agent_id, day, "07:00", "21:00") for day in MON_FRI)  # no Saturdays
            else:
                rows.extend((agent.agent_id, day, "07:00", "21:00") for day in MON_SAT)
                date = weekdays_in_horizon[int(rng.integers(len(weekdays_in_horizon)))]
                window = ("12:00", "21:00") if rng.random() < 0.5 else ("07:00", "16:30")
                rows.append((agent.agent_id, date.isoformat(), *window))
        elif rng.random() < 0.6:
            rows.extend((agent.agent_id, day, "08:00", "14:00") for day in MON_FRI)  # school hours
        else:
            rows.extend((agent.agent_id, day, "14:30", "21:00") for day in MON_SAT)  # evenings only
    return rows


def _stamp(moment: dt.datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%S")


def _time_off(
    staff: Sequence[_Agent], horizon: Sequence[dt.date], restricted: set[str], seed: int
) -> list[tuple[str, str, str, str]]:
    """Approved whole-day absences for ~8% of agents; about a quarter of them span several days."""
    rng = _rng(seed, "time_off")
    count = max(1, round(TIME_OFF_SHARE * len(staff)))
    candidates = [i for i, a in enumerate(staff) if a.agent_id not in restricted]
    chosen = sorted(rng.choice(candidates, size=min(count, len(candidates)), replace=False).tolist())
    working_days = [d for d in horizon if WEEKDAYS[d.weekday()] in MON_SAT] or list(horizon)
    reasons = ("annual leave", "medical appointment", "compassionate leave", "jury service", "study leave")
    rows: list[tuple[str, str, str, str]] = []
    for index in chosen:
        length = int(rng.integers(2, 6)) if rng.random() < 0.25 else 1
        first = working_days[int(rng.integers(len(working_days)))]
        last = min(first + dt.timedelta(days=length), horizon[-1] + dt.timedelta(days=1))
        reason = "annual leave" if length > 1 else str(rng.choice(reasons, p=[0.7, 0.12, 0.06, 0.06, 0.06]))
        start = dt.datetime.combine(first, dt.time())
        end = dt.datetime.combine(last, dt.time())
        rows.append((staff[index].agent_id, _stamp(start), _stamp(end), reason))
    return rows


def _fixed_activities(
    staff: Sequence[_Agent],
    horizon: Sequence[dt.date],
    restricted: set[str],
    time_off: Sequence[tuple[str, str, str, str]],
    seed: int,
) -> list[tuple[str, str, str, str]]:
    """3-6 sessions (training, a team meeting, coaching) for a few full-time agents who are in that day."""
    rng = _rng(seed, "training")
    sessions = 3 + min(3, len(staff) // 100)
    dates = [d for d in horizon if d.weekday() in (1, 2, 3)] or [d for d in horizon if d.weekday() < 5]
    dates = dates or list(horizon)
    slots = (
        ("10:00", "12:00", "training"),
        ("14:00", "16:00", "training"),
        ("10:30", "11:30", "meeting"),
        ("15:00", "16:00", "coaching"),
    )
    away: dict[dt.date, set[str]] = {}
    for agent_id, start, end, _ in time_off:
        day = dt.date.fromisoformat(start[:10])
        while day < dt.date.fromisoformat(end[:10]):
            away.setdefault(day, set()).add(agent_id)
            day += dt.timedelta(days=1)
    eligible = [a for a in staff if a.contract in FULL_TIME and a.agent_id not in restricted]
    booked: set[tuple[dt.date, str]] = set()
    rows: list[tuple[str, str, str, str]] = []
    for number in range(sessions):
        day = dates[number % len(dates)]
        start, end, activity = slots[number % len(slots)]
        pool = [a for a in eligible if a.agent_id not in away.get(day, set()) and (day, a.agent_id) not in booked]
        if activity == "meeting" and pool:
            # A team meeting: the members of one team.
            team = pool[int(rng.integers(len(pool)))].team
            pool = [a for a in pool if a.team == team]
        size = min(len(pool), int(rng.integers(3, 6)) if activity != "coaching" else int(rng.integers(2, 4)))
        picks = sorted(rng.choice(len(pool), size=size, replace=False).tolist()) if size else []
        for i in picks:
            agent = pool[i]
            booked.add((day, agent.agent_id))
            rows.append((agent.agent_id, f"{day.isoformat()}T{start}:00", f"{day.isoformat()}T{end}:00", activity))
    return sorted(rows, key=lambda r: (r[1], r[0]))


# ---------------------------------------------------------------------------------------------- demand


@dataclass(frozen=True)
class DayProfile:
    """One queue's day on the interval grid: interval starts (minutes), volume share, AHT factor."""

    minutes: np.ndarray
    share: np.ndarray
    aht_factor: np.ndarray


def _day_profile(spec: QueueSpec) -> DayProfile:
    minutes = np.arange(parse_clock(spec.open), parse_clock(spec.close), INTERVAL_MINUTES)
    hours = (minutes + INTERVAL_MINUTES / 2) / 60
    trickle = spec.shape(hours)
    batch_total = sum(share for _, share in spec.batches)
    share = trickle / trickle.sum() * (1 - batch_total)
    for clock, batch_share in spec.batches:
        share[np.searchsorted(minutes, parse_clock(clock))] += batch_share
    aht_factor = 1 + spec.aht_midday_lift * bump(hours, 13.0, 2.5) - spec.aht_midday_lift * 0.3
    return DayProfile(minutes, share, aht_factor)


def _daily_levels(staff: Sequence[_Agent], specs: Sequence[QueueSpec]) -> dict[str, float]:
    """Volume of an average (factor 1.0) day per queue in the horizon week, sized from head count.

    Each office's estimated requirement is REQUIRED_SHARE of its agents' contracted hours, split over its
    queues by their `share`. Live queues need more agent-hours than their workload (queueing, occupancy cap,
    shrinkage), and relatively more when small, so their level is found by a few fixed-point steps.
    """
    contracted = dict.fromkeys(OFFICE_SHARES, 0.0)
    for agent in staff:
        contracted[agent.office] += CONTRACTED_HOURS[agent.contract]
    levels: dict[str, float] = {}
    for office in OFFICE_SHARES:
        office_specs = [s for s in specs if s.office == office]
        total_share = sum(s.share for s in office_specs)
        for spec in office_specs:
            target_hours = REQUIRED_SHARE * contracted[office] * spec.share / total_share
            profile = _day_profile(spec)
            concurrency = float(spec.targets.get("concurrency", 1))
            hours_per_unit_day = float((profile.share * profile.aht_factor).sum()) * spec.aht_seconds / 3600
            level = target_hours / (sum(spec.week.values()) * hours_per_unit_day / concurrency)
            if spec.kind == "live":
                for _ in range(5):
                    level *= target_hours / _live_required_hours(spec, profile, level)
            levels[spec.id] = level
    return levels


def _live_required_hours(spec: QueueSpec, profile: DayProfile, level: float) -> float:
    """Agent-hours a live queue needs over a reference week at daily `level` (before rounding to shifts)."""
    agents = 0
    for factor in spec.week.values():
        for share, aht_factor in zip(profile.share, profile.aht_factor, strict=True):
            agents += live_agents(spec.targets, level * factor * share, spec.aht_seconds * aht_factor)
    return agents * INTERVAL_MINUTES / 60 / (1 - SHRINKAGE)


def live_agents(targets: dict[str, float | int], volume: float, aht_seconds: float) -> int:
    """Agents a live queue needs in one interval before shrinkage: the staffing stage's Erlang C, so the
    generator sizes demand with the same ruler the plan is judged by."""
    if volume * aht_seconds <= 0:
        return 0
    return int(
        required_agents(
            volume,
            aht_seconds,
            INTERVAL_MINUTES * 60,
            float(targets["service_level"]),
            float(targets["answer_seconds"]),
            max_occupancy=float(targets.get("max_occupancy", 0.9)),
            concurrency=int(targets.get("concurrency", 1)),
        )
    )


def estimate_weekly_hours(scenario_dir: Path) -> dict[str, float]:
    """Contracted, workload and estimated required agent-hours of the last 7 days of a scenario's history.

    Workload is volume * AHT (chats divided by concurrency); required adds Erlang C queueing and shrinkage on
    live queues. Used to check and document that a generated operation is plausibly staffable.
    """
    with (scenario_dir / "site.toml").open("rb") as handle:
        site = tomllib.load(handle)
    contract_hours = {c["id"]: float(c["contracted_hours_week"]) for c in site["contracts"]}
    with (scenario_dir / "staff.csv").open(encoding="utf-8", newline="") as handle:
        contracted = sum(contract_hours[row["contract"]] for row in csv.DictReader(handle))
    with (scenario_dir / "history.csv").open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    last_day = max(dt.date.fromisoformat(row["interval_start"][:10]) for row in rows)
    first_day = (last_day - dt.timedelta(days=6)).isoformat()
    queues = {q["id"]: q for q in site["queues"]}
    shrinkage = float(site.get("shrinkage", 0.0))
    workload = required = 0.0
    for row in rows:
        if row["interval_start"][:10] < first_day or not row["aht_seconds"]:
            continue
        queue = queues[row["queue"]]
        volume, aht = float(row["volume"]), float(row["aht_seconds"])
        hours = volume * aht / 3600 / int(queue.get("concurrency", 1))
        workload += hours
        if queue["kind"] == "live":
            minutes = int(site["interval_minutes"])
            required += live_agents(queue, volume, aht) * minutes / 60 / (1 - shrinkage)
        else:
            required += hours
    return {"contracted_hours": contracted, "workload_hours": workload, "required_hours": required}


def _calendar_factor(day: dt.date, public_holidays: holidays.HolidayBase) -> float | None:
    """Volume multiplier for a date around the holidays; None when the centre is closed (public holiday)."""
    if day in public_holidays:
        return None
    if (day.month, day.day) in ((12, 24), (12, 31)):
        return 0.6
    if day.month == 12 and 27 <= day.day <= 30:
        return 0.8
    if day.month == 1 and day.day <= 9:
        return 1.12  # the post-holiday catch-up: statements, card renewals, January money worries
    return 1.0


def _history(
    specs: Sequence[QueueSpec], levels: dict[str, float], horizon_start: dt.date, weeks: int, seed: int
) -> list[tuple[str, str, int, str]]:
    rng = _rng(seed, "history")
    aht_rng = _rng(seed, "aht")
    missing_rng = _rng(seed, "missing")
    first = horizon_start - dt.timedelta(weeks=weeks)
    days = [first + dt.timedelta(days=i) for i in range(7 * weeks)]
    public_holidays = holidays.country_holidays(COUNTRY, years=sorted({d.year for d in days}))
    outage_day, outage_minute = _outage(days, public_holidays, seed)
    profiles = {s.id: _day_profile(s) for s in specs}
    rows: list[tuple[dt.datetime, int, str, int, str]] = []
    for day in days:
        calendar = _calendar_factor(day, public_holidays)
        weekday = WEEKDAYS[day.weekday()]
        if calendar is None:
            continue
        trend = (1 + TREND_PER_WEEK) ** ((day - horizon_start).days / 7)
        for order, spec in enumerate(specs):
            if weekday not in spec.week:
                continue
            profile = profiles[spec.id]
            day_noise = float(rng.lognormal(0.0, 0.05))  # weather, news, mailings: days differ beyond Poisson
            mean = levels[spec.id] * spec.week[weekday] * calendar * trend * day_noise * profile.share
            if day == outage_day and spec.id == "voice_service":
                hit = (profile.minutes >= outage_minute) & (profile.minutes < outage_minute + 120)
                mean = np.where(hit, mean * 2.5, mean)
            volume = rng.poisson(mean)
            # An interval's average handle time wobbles more when few contacts are averaged.
            spread = 0.05 + 0.35 / np.sqrt(np.maximum(volume, 1))
            aht = spec.aht_seconds * profile.aht_factor * aht_rng.lognormal(0.0, spread)
            keep = missing_rng.random(len(volume)) >= MISSING_ROW_SHARE
            for minute, count, seconds, kept in zip(profile.minutes, volume, aht, keep, strict=True):
                if not kept:
                    continue
                start = dt.datetime.combine(day, dt.time()) + dt.timedelta(minutes=int(minute))
                rows.append((start, order, spec.id, int(count), str(round(float(seconds))) if count else ""))
    return [(_stamp(start), queue, count, aht) for start, _, queue, count, aht in sorted(rows)]


def _outage(days: Sequence[dt.date], public_holidays: holidays.HolidayBase, seed: int) -> tuple[dt.date, int]:
    """The day and minute a two-hour outage (say, the mobile app down) pushed voice_service volume to 2.5x."""
    rng = _rng(seed, "outage")
    candidates = [d for d in days if d.weekday() < 5 and d not in public_holidays]
    day = candidates[int(rng.integers(len(candidates)))]
    minute = parse_clock(str(rng.choice(["09:30", "10:00", "13:00", "14:30"])))
    return day, minute


def outage_of(*, weeks_history: int = 13, seed: int = 7, horizon_start: dt.date = dt.date(2026, 3, 2)) -> str:
    """When the generated history's voice outage happened, e.g. '2026-01-14 10:00-12:00' (for documentation)."""
    first = horizon_start - dt.timedelta(weeks=weeks_history)
    days = [first + dt.timedelta(days=i) for i in range(7 * weeks_history)]
    public_holidays = holidays.country_holidays(COUNTRY, years=sorted({d.year for d in days}))
    day, minute = _outage(days, public_holidays, seed)
    return f"{day.isoformat()} {format_clock(minute)}-{format_clock(minute + 120)}"


def _backlog(
    specs: Sequence[QueueSpec], levels: dict[str, float], horizon_start: dt.date, seed: int
) -> list[tuple[str, str, str]]:
    """Deferred work that arrived over the weekend / overnight and waits for the first morning of the horizon."""
    rng = _rng(seed, "backlog")
    preferred = {"correspondence": 0.5, "claims_processing": 0.35, "fraud_review": 0.15}
    deferred = [s for s in specs if s.kind == "deferred"]
    chosen = [s for s in deferred if s.id in preferred] or deferred[:2]
    if len(chosen) < 2:
        chosen += [s for s in deferred if s not in chosen][: 2 - len(chosen)]
    rows: list[tuple[str, str, str]] = []
    for spec in chosen[:3]:
        items = max(1, round(levels[spec.id] * preferred.get(spec.id, 0.3) * float(rng.uniform(0.8, 1.2))))
        hours_before = int(rng.integers(4 * 12, 24 * 12 + 1)) * 5  # 4 to 24 hours, on 5-minute steps
        oldest = dt.datetime.combine(horizon_start, dt.time()) - dt.timedelta(minutes=hours_before)
        rows.append((spec.id, str(items), _stamp(oldest)))
    return rows


# --------------------------------------------------------------------------------------------- writing


def toml_value(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, list | tuple):
        return "[" + ", ".join(toml_value(v) for v in value) + "]"
    raise TypeError(f"cannot write {type(value).__name__} to TOML")


def toml_table(header: str, values: dict[str, object]) -> list[str]:
    lines = [header]
    lines.extend(
        f"{key} = {toml_value(value)}"
        for key, value in values.items()
        if not isinstance(value, list) or not value or not isinstance(value[0], dict)
    )
    return lines


def _site_toml(specs: Sequence[QueueSpec], horizon_start: dt.date, horizon_days: int, seed: int) -> str:
    lines = [
        f"# {SITE_NAME}: generated by wfm.demo.generate_operation (synthetic, fictional data).",
        f"name = {toml_value(SITE_NAME)}",
        f"timezone = {toml_value(TIMEZONE)}",
        f"country = {toml_value(COUNTRY)}",
        f"interval_minutes = {INTERVAL_MINUTES}",
        f"shrinkage = {SHRINKAGE!r}",
        "",
        *toml_table("[horizon]", {"start": horizon_start, "days": horizon_days}),
    ]
    for spec in specs:
        lines += ["", *toml_table("[[queues]]", spec.site_entry())]
    for template in SHIFT_TEMPLATES:
        lines += ["", *toml_table("[[shift_templates]]", template)]
        for rule in template["breaks"]:  # type: ignore[attr-defined]
            lines += toml_table("[[shift_templates.breaks]]", rule)
    for contract in CONTRACTS:
        lines += ["", *toml_table("[[contracts]]", contract)]
    rules: dict[str, object] = {
        "min_rest_hours": 11,
        "block_minutes": 30,
        "min_stint_minutes": 60,
        "max_queue_changes_per_shift": 3,
    }
    lines += ["", *toml_table("[rules]", rules)]
    lines += ["", *toml_table("[weights]", dict(Weights().model_dump()))]
    lines += [
        "",
        *toml_table("[solver]", {"time_limit_seconds": 60, "workers": 2, "seed": seed, "relative_gap": 0.01}),
    ]
    lines += ["", *toml_table("[forecast]", {"method": "weekly_profile", "weeks": 6})]
    return "\n".join(lines) + "\n"


def _write_csv(path: Path, header: Sequence[str], rows: Iterable[Sequence[object]]) -> None:
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(header)
        writer.writerows(rows)
