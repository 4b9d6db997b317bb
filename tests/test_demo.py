"""The sample operation generator: deterministic, valid against the domain models, realistic in shape."""

from __future__ import annotations

import csv
import datetime as dt
import time
import tomllib
from collections import Counter, defaultdict
from pathlib import Path

import pytest

from wfm.demo import estimate_weekly_hours, generate_operation
from wfm.domain.models import (
    WEEKDAYS,
    Agent,
    Availability,
    BacklogItem,
    FixedActivity,
    Site,
    Skill,
    TimeOff,
    parse_clock,
)

FILES = (
    "site.toml",
    "staff.csv",
    "skills.csv",
    "history.csv",
    "availability.csv",
    "time_off.csv",
    "fixed_activities.csv",
    "backlog.csv",
)
HORIZON_START = dt.date(2026, 3, 2)
SAMPLE_DIR = Path(__file__).resolve().parent.parent / "data" / "sample"


def read_rows(folder: Path, name: str) -> list[dict[str, str]]:
    with (folder / name).open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def load_site(folder: Path) -> Site:
    with (folder / "site.toml").open("rb") as handle:
        return Site(**tomllib.load(handle))


@pytest.fixture(scope="module")
def sample(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("sample")
    generate_operation(folder)
    return folder


def test_same_arguments_give_byte_identical_files_and_another_seed_does_not(sample: Path, tmp_path: Path) -> None:
    generate_operation(tmp_path / "again")
    generate_operation(tmp_path / "other", seed=8)
    for name in FILES:
        assert (tmp_path / "again" / name).read_bytes() == (sample / name).read_bytes(), name
    assert (tmp_path / "other" / "history.csv").read_bytes() != (sample / "history.csv").read_bytes()
    assert (tmp_path / "other" / "staff.csv").read_bytes() != (sample / "staff.csv").read_bytes()


def test_committed_sample_is_the_default_generation(sample: Path) -> None:
    for name in FILES:
        assert (SAMPLE_DIR / name).read_bytes() == (sample / name).read_bytes(), f"regenerate data/sample ({name})"


def test_site_validates_with_the_bank_queues_templates_and_contracts(sample: Path) -> None:
    site = load_site(sample)
    assert site.name == "Northbridge Bank Operations Centre"
    assert (site.timezone, site.country, site.interval_minutes, site.shrinkage) == ("Europe/London", "GB", 15, 0.1)
    assert (site.horizon.start, site.horizon.days) == (HORIZON_START, 7)
    offices = {q.id: (q.office.value, q.kind.value) for q in site.queues}
    assert offices == {
        "voice_service": ("front", "live"),
        "voice_sales": ("front", "live"),
        "chat": ("front", "live"),
        "collections": ("middle", "deferred"),
        "fraud_review": ("middle", "deferred"),
        "account_maintenance": ("back", "deferred"),
        "claims_processing": ("back", "deferred"),
        "correspondence": ("back", "deferred"),
    }
    chat = site.queue_by_id["chat"]
    assert (chat.concurrency, chat.service_level, chat.answer_seconds) == (2, 0.8, 60)
    assert site.queue_by_id["voice_sales"].days == ("mon", "tue", "wed", "thu", "fri")
    assert site.queue_by_id["fraud_review"].sla_hours == 4
    assert (site.rules.min_rest_hours, site.rules.block_minutes) == (11, 30)
    assert (site.solver.time_limit_seconds, site.solver.workers, site.solver.seed) == (60, 2, 7)
    assert (site.forecast.method, site.forecast.weeks) == ("weekly_profile", 6)
    assert site.template_by_id["early"].paid_minutes == 8 * 60  # 8.5 h less the unpaid 30-minute lunch


def test_shifts_are_on_the_half_hour_grid_and_end_by_half_past_eight(sample: Path) -> None:
    site = load_site(sample)
    for template in site.shift_templates:
        assert template.length_minutes % 30 == 0
        for start in template.start_minutes:
            assert start % 30 == 0
            assert start + template.length_minutes <= parse_clock("20:30"), template.id
            if not template.id.startswith("pt_"):
                assert parse_clock("07:00") <= start <= parse_clock("12:00")


def test_every_contract_can_reach_its_minimum_and_contracted_hours(sample: Path) -> None:
    site = load_site(sample)
    for contract in site.contracts:
        days = 7 - contract.days_off_per_week
        paid = [site.template_by_id[t].paid_minutes / 60 for t in contract.shift_templates]
        assert all(p <= contract.max_hours_day for p in paid), contract.id
        assert max(paid) * days >= contract.contracted_hours_week >= contract.min_hours_week, contract.id
        assert min(paid) <= contract.max_hours_week


def test_staff_mix_offices_contracts_and_teams(sample: Path) -> None:
    staff = [Agent(**row) for row in read_rows(sample, "staff.csv")]  # type: ignore[arg-type]
    assert len(staff) == 150
    assert len({a.name for a in staff}) == 150
    # Largest-remainder quotas of 55/20/25% by office and 45/15/25/15% by contract within each office.
    assert Counter(a.office.value for a in staff) == {"front": 83, "middle": 30, "back": 37}
    assert Counter(a.contract for a in staff) == {"ft40": 68, "ft35": 24, "pt20": 37, "pt24": 21}
    assert all(a.hourly_cost is not None and 18 <= a.hourly_cost <= 25 for a in staff)
    team_sizes = Counter(a.team for a in staff)
    assert all(7 <= size <= 13 for size in team_sizes.values()), team_sizes
    assert {"Service A", "Claims A", "Fraud A"} <= set(team_sizes)


def test_skills_home_office_cover_and_cross_training(sample: Path) -> None:
    site = load_site(sample)
    office_of_agent = {row["agent_id"]: row["office"] for row in read_rows(sample, "staff.csv")}
    skills = [Skill(**row) for row in read_rows(sample, "skills.csv")]  # type: ignore[arg-type]
    by_agent: dict[str, list[Skill]] = defaultdict(list)
    for skill in skills:
        by_agent[skill.agent_id].append(skill)
    assert set(by_agent) == set(office_of_agent)
    cross_trained = 0
    for agent_id, own in by_agent.items():
        home = [s for s in own if site.queue_by_id[s.queue].office.value == office_of_agent[agent_id]]
        foreign = [s for s in own if s not in home]
        assert home, agent_id
        assert all(0.8 <= s.proficiency <= 1.0 for s in home)
        assert all(0.5 <= s.proficiency <= 0.9 for s in foreign)
        cross_trained += bool(foreign)
    assert cross_trained == 68  # ceil(45% of 150)
    assert cross_trained / len(by_agent) >= 0.40


def test_availability_time_off_training_and_backlog_are_valid_and_sized(sample: Path) -> None:
    contract_of = {row["agent_id"]: row["contract"] for row in read_rows(sample, "staff.csv")}
    windows = []
    for row in read_rows(sample, "availability.csv"):
        key = {"weekday": WEEKDAYS.index(row["day"])} if row["day"] in WEEKDAYS else {"date": row["day"]}
        windows.append(
            Availability(
                agent_id=row["agent_id"],
                start_minute=parse_clock(row["start"]),
                end_minute=parse_clock(row["end"]),
                **key,  # type: ignore[arg-type]
            )
        )
    assert len({w.agent_id for w in windows}) == 22  # round(15% of 150)
    assert any(w.date is not None for w in windows)

    horizon_start = dt.datetime.combine(HORIZON_START, dt.time())
    horizon_end = horizon_start + dt.timedelta(days=7)
    time_off = [TimeOff(**row) for row in read_rows(sample, "time_off.csv")]  # type: ignore[arg-type]
    assert len({t.agent_id for t in time_off}) == 12  # 8% of 150
    for leave in time_off:
        assert horizon_start <= leave.start < leave.end <= horizon_end
        assert leave.start.time() == leave.end.time() == dt.time()  # whole days
    assert any(t.end - t.start > dt.timedelta(days=1) for t in time_off)

    sessions = [FixedActivity(**row) for row in read_rows(sample, "fixed_activities.csv")]  # type: ignore[arg-type]
    assert len({(s.start, s.end, s.activity) for s in sessions}) == 4
    for session in sessions:
        assert horizon_start <= session.start < session.end <= horizon_end
        assert contract_of[session.agent_id] in ("ft40", "ft35")
        assert not any(t.agent_id == session.agent_id and t.start < session.end < t.end for t in time_off)

    site = load_site(sample)
    backlog = [BacklogItem(**row) for row in read_rows(sample, "backlog.csv")]  # type: ignore[arg-type]
    assert 2 <= len(backlog) <= 3
    for item in backlog:
        assert site.queue_by_id[item.queue].kind.value == "deferred"
        assert item.items > 0
        assert dt.timedelta(hours=4) <= horizon_start - item.oldest_arrival <= dt.timedelta(hours=24)


def test_history_is_on_the_grid_inside_opening_hours_with_holidays_closed(sample: Path) -> None:
    site = load_site(sample)
    rows = read_rows(sample, "history.csv")
    assert (sample / "history.csv").stat().st_size < 4_000_000
    days = set()
    for row in rows:
        start = dt.datetime.fromisoformat(row["interval_start"])
        queue = site.queue_by_id[row["queue"]]
        assert start.minute % 15 == 0 and start.second == 0
        assert queue.is_open(start), row
        assert int(row["volume"]) >= 0
        assert row["aht_seconds"] == "" if row["volume"] == "0" else float(row["aht_seconds"]) > 0
        days.add(start.date())
    assert min(days) == dt.date(2025, 12, 1) and max(days) == dt.date(2026, 2, 28)  # Sunday 1 March is closed
    assert not days & {dt.date(2025, 12, 25), dt.date(2025, 12, 26), dt.date(2026, 1, 1)}

    # ~0.3% of the rows an ACD would export are missing.
    open_intervals = 0
    for day in (dt.date(2025, 12, 1) + dt.timedelta(days=i) for i in range(91)):
        if day in (dt.date(2025, 12, 25), dt.date(2025, 12, 26), dt.date(2026, 1, 1)):
            continue
        for queue in site.queues:
            if WEEKDAYS[day.weekday()] in queue.days:
                open_intervals += (queue.close_minute - queue.open_minute) // 15
    missing = 1 - len(rows) / open_intervals
    assert 0.001 < missing < 0.006


def test_history_has_the_realities_a_forecaster_meets(sample: Path) -> None:
    rows = read_rows(sample, "history.csv")
    volume: dict[tuple[str, dt.datetime], int] = {}
    for row in rows:
        volume[(row["queue"], dt.datetime.fromisoformat(row["interval_start"]))] = int(row["volume"])

    def mean(queue: str, keep: object) -> float:
        values = [v for (q, start), v in volume.items() if q == queue and keep(start)]  # type: ignore[operator]
        return sum(values) / len(values)

    def at(clock: str) -> object:
        return lambda s: s.strftime("%H:%M") == clock

    # Intraday double peak on voice: late morning and early afternoon above the lunchtime dip.
    assert mean("voice_service", at("11:00")) > 1.2 * mean("voice_service", at("12:45"))
    assert mean("voice_service", at("14:15")) > 1.1 * mean("voice_service", at("12:45"))
    # Weekly pattern: Monday busiest, Saturday quiet.
    assert mean("voice_service", lambda s: s.weekday() == 0) > 1.1 * mean("voice_service", lambda s: s.weekday() == 2)
    assert mean("voice_service", lambda s: s.weekday() == 5) < 0.7 * mean("voice_service", lambda s: s.weekday() == 2)
    # Mid-morning post batch in the back office.
    assert mean("account_maintenance", at("10:00")) > 3 * mean("account_maintenance", at("09:00"))
    # Slow upward trend: mid-December fortnight below the last fortnight.
    early = sum(v for (_, s), v in volume.items() if dt.date(2025, 12, 8) <= s.date() <= dt.date(2025, 12, 21))
    late = sum(v for (_, s), v in volume.items() if dt.date(2026, 2, 16) <= s.date() <= dt.date(2026, 3, 1))
    assert 1.01 < late / early < 1.10
    # One two-hour outage: a day whose voice_service volume is over twice that weekday's slot mean for 2 hours.
    slots: dict[tuple[int, dt.time], list[int]] = defaultdict(list)
    for (q, s), v in volume.items():
        if q == "voice_service":
            slots[(s.weekday(), s.time())].append(v)
    slot_mean = {key: sum(values) / len(values) for key, values in slots.items()}
    surges = Counter(
        s.date() for (q, s), v in volume.items() if q == "voice_service" and v > 2 * slot_mean[(s.weekday(), s.time())]
    )
    assert len([day for day, count in surges.items() if count >= 6]) == 1
    # AHT is longer mid-day than at opening.
    aht = defaultdict(list)
    for row in rows:
        if row["queue"] == "voice_service" and row["aht_seconds"]:
            aht[row["interval_start"][11:16]].append(float(row["aht_seconds"]))
    # Averaged over an hour of slots: single intervals with few contacts are too noisy to compare.
    midday = [v for slot in ("12:30", "12:45", "13:00", "13:15") for v in aht[slot]]
    opening = [v for slot in ("08:00", "08:15", "08:30", "08:45") for v in aht[slot]]
    assert sum(midday) / len(midday) > 1.08 * sum(opening) / len(opening)


def test_demand_is_sized_to_be_busy_but_staffable(sample: Path) -> None:
    hours = estimate_weekly_hours(sample)
    assert hours["contracted_hours"] == 68 * 40 + 24 * 35 + 37 * 20 + 21 * 24
    assert 0.72 <= hours["required_hours"] / hours["contracted_hours"] <= 0.82
    assert 0.55 <= hours["workload_hours"] / hours["contracted_hours"] <= 0.75


@pytest.mark.parametrize(("agents", "queues"), [(50, 8), (1000, 12)])
def test_small_and_large_operations_generate_quickly_and_validate(tmp_path: Path, agents: int, queues: int) -> None:
    began = time.process_time()
    generate_operation(tmp_path, agents=agents, queues=queues, weeks_history=8)
    assert time.process_time() - began < 5
    site = load_site(tmp_path)
    assert len(site.queues) == queues
    if queues == 12:
        extra = {"chat_business", "complaints", "mortgage_servicing", "outbound_sales"}
        assert extra <= set(site.queue_by_id)
    assert len(read_rows(tmp_path, "staff.csv")) == agents
    hours = estimate_weekly_hours(tmp_path)
    assert 0.72 <= hours["required_hours"] / hours["contracted_hours"] <= 0.82


@pytest.mark.parametrize("arguments", [{"agents": 5}, {"queues": 13}, {"weeks_history": 0}, {"horizon_days": 0}])
def test_out_of_range_arguments_are_refused(tmp_path: Path, arguments: dict[str, int]) -> None:
    with pytest.raises(ValueError):
        generate_operation(tmp_path, **arguments)  # type: ignore[arg-type]
