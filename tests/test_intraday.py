"""`wfm intraday` (issue 22): the re-forecast rule with exact numbers, the changes read out per person, overtime
and VTO offers on hand-made cases, and the re-plan end to end (the past and every shift kept as published)."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from plan_validator import validate_result
from run_fixtures import tiny_run
from typer.testing import CliRunner

from wfm.cli import app
from wfm.forecast.intraday import blend_factor, reforecast_day
from wfm.io import load_scenario
from wfm.reports import read_run
from wfm.scheduling.intraday import Change, changes, offers
from wfm.scheduling.result import ScheduleResult, Segment, ShiftAssignment, SolveStatus
from wfm.staffing import service_level

runner = CliRunner()
DAY = dt.date(2026, 3, 3)


def at(hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime.combine(DAY, dt.time(hour, minute))


# --- the re-forecast ----------------------------------------------------------------------------------------


def test_the_rest_of_the_day_moves_by_the_ratio_so_far_weighted_by_the_share_of_the_day_gone() -> None:
    # Ten half hours of 100 calls at 300 s from 08:00; by 10:00 four of them had 120 calls at 330 s.
    starts = [at(8) + dt.timedelta(minutes=30 * i) for i in range(10)]
    forecast = pd.DataFrame({"interval_start": starts, "queue": "voice", "volume": 100.0, "aht_seconds": 300.0})
    actuals = pd.DataFrame({"interval_start": starts[:4], "queue": "voice", "volume": 120.0, "aht_seconds": 330.0})
    new, [report] = reforecast_day(forecast, actuals, DAY, at(10))
    # 400 of the day's 1,000 forecast calls are gone (40 %): 1 + 0.4 x (480 / 400 - 1) = 1.08; AHT 1 + 0.4 x 0.1.
    assert (report.forecast_so_far, report.actual_so_far, report.elapsed_share) == (400, 480, 0.4)
    assert report.volume_factor == pytest.approx(1.08)
    assert report.aht_factor == pytest.approx(1.04)
    assert new["volume"].tolist() == pytest.approx([120] * 4 + [108] * 6)
    assert new["aht_seconds"].tolist() == pytest.approx([330] * 4 + [312] * 6)


def test_a_past_interval_without_a_row_had_no_calls_and_a_queue_without_rows_keeps_its_forecast() -> None:
    starts = [at(8), at(8, 30), at(9)]
    forecast = pd.DataFrame(
        {"interval_start": starts * 2, "queue": ["voice"] * 3 + ["chat"] * 3, "volume": 10.0, "aht_seconds": 200.0}
    )
    actuals = pd.DataFrame({"interval_start": [at(8)], "queue": ["voice"], "volume": [10.0]})
    new, reports = reforecast_day(forecast, actuals, DAY, at(9))
    voice = new[new["queue"] == "voice"]["volume"].tolist()
    # So far 10 actual against 20 forecast with two thirds of the day gone: 1 + 2/3 x (0.5 - 1) = 2/3.
    assert voice == pytest.approx([10, 0, 10 * 2 / 3])
    assert new[new["queue"] == "chat"]["volume"].tolist() == [10.0, 10.0, 10.0]
    assert [r.queue for r in reports] == ["voice"]


def test_nothing_forecast_so_far_is_no_evidence() -> None:
    assert blend_factor(actual_so_far=5, forecast_so_far=0, elapsed_share=0) == 1.0
    assert blend_factor(actual_so_far=150, forecast_so_far=100, elapsed_share=1.0) == 1.5


# --- what changed, read out per person ------------------------------------------------------------------------


def plan(segments: list[tuple[str, int, int, str, str | None]], shifts: list[tuple[str, int, int]]) -> ScheduleResult:
    return ScheduleResult(
        SolveStatus.FEASIBLE, 0, 0, 0,
        shifts=tuple(ShiftAssignment(a, DAY, "day", at(s), at(e), (e - s) * 60) for a, s, e in shifts),
        segments=tuple(Segment(a, at(s), at(e), act, q) for a, s, e, act, q in segments),
    )  # fmt: skip


@pytest.fixture(scope="module")
def scenario():  # type: ignore[no-untyped-def]
    return load_scenario(Path("data/sample"))


def test_each_persons_changes_come_together_in_time_order(scenario) -> None:  # type: ignore[no-untyped-def]
    agents = [a.agent_id for a in scenario.agents[:2]]
    names = {a.agent_id: a.name for a in scenario.agents[:2]}
    first, second = agents
    published = plan(
        [(first, 8, 12, "work", "chat"), (first, 12, 13, "lunch", None), (first, 13, 16, "work", "chat"),
         (second, 9, 17, "work", "voice")],
        [(first, 8, 16), (second, 9, 17)],
    )  # fmt: skip
    replanned = plan(
        [(first, 8, 11, "work", "chat"), (first, 11, 12, "work", "voice"), (first, 12, 13, "lunch", None),
         (first, 13, 16, "work", "chat"), (second, 9, 14, "work", "voice"), (second, 14, 17, "work", "chat")],
        [(first, 8, 16), (second, 9, 17)],
    )  # fmt: skip
    found = changes(scenario, published, replanned, at(10), at(18))
    assert found == [
        Change(first, names[first], at(11), at(12), "chat", "voice"),
        Change(second, names[second], at(14), at(17), "voice", "chat"),
    ]
    assert found[0].text() == f"{names[first]}: 11:00-12:00 voice instead of chat"


# --- overtime and VTO -----------------------------------------------------------------------------------------


def coverage_of(queue_id: str, volume: float, aht: float, staff: dict[int, float]) -> pd.DataFrame:
    """One live queue's coverage from 14:00 to 19:00 in 15-minute intervals; `staff` by hour."""
    starts = [at(14) + dt.timedelta(minutes=15 * i) for i in range(20)]
    scheduled = [staff[t.hour] for t in starts]
    return pd.DataFrame({
        "interval_start": starts, "queue": queue_id, "forecast_volume": volume, "aht_seconds": aht,
        "scheduled_agents": scheduled, "service_level": 0.5, "required_agents": 1,
    })  # fmt: skip


def test_overtime_goes_where_service_is_short_and_the_contract_has_room(scenario) -> None:  # type: ignore[no-untyped-def]
    voice = scenario.site.queue_by_id["voice_service"]
    skilled = [s.agent_id for s in scenario.skills if s.queue == voice.id and s.proficiency == 1.0][:1]
    (agent,) = skilled
    contract = scenario.site.contract_by_id[scenario.agent_by_id[agent].contract]
    # Short from 16:00 (one person for 10 calls of 5 minutes a quarter hour); the agent's shift ends at 16:00.
    cover = coverage_of(voice.id, volume=10, aht=300, staff={14: 6, 15: 6, 16: 1, 17: 1, 18: 1})
    published = plan([(agent, 8, 16, "work", voice.id)], [(agent, 8, 16)])
    week = DAY - dt.timedelta(days=DAY.weekday())
    whole_week = {week + dt.timedelta(days=d): week for d in range(7)}
    found = offers(scenario, cover, published, at(12), week_paid_minutes={(agent, week): 30 * 60},
                   week_of=whole_week)  # fmt: skip
    overtime = [o for o in found if o.kind == "overtime"]
    assert [(o.agent_id, o.start, o.queue) for o in overtime] == [(agent, at(16), voice.id)]
    offer = overtime[0]
    # As long as the contract allows (30 h paid so far this week, 8 h today) and the coverage goes (to 19:00).
    week_room = min(contract.max_hours_week, contract.contracted_hours_week + contract.max_overtime_hours_week) - 30
    room_hours = min(contract.max_hours_day - 8, week_room, 3)
    assert offer.hours == pytest.approx(room_hours)
    shrink = 1 - (voice.shrinkage if voice.shrinkage is not None else scenario.site.shrinkage)
    patience = voice.patience_seconds or np.inf
    args = (10, 300, 900)
    before = float(service_level(*args, 1 * shrink, voice.answer_seconds, patience_seconds=patience))
    after = float(service_level(*args, 2 * shrink, voice.answer_seconds, patience_seconds=patience))
    assert (offer.service_before, offer.service_after) == pytest.approx((before, after))
    assert offer.contacts_in_target == pytest.approx(10 * (after - before) * 4 * offer.hours)


def test_no_overtime_where_the_week_has_no_room_left(scenario) -> None:  # type: ignore[no-untyped-def]
    voice = scenario.site.queue_by_id["voice_service"]
    agent = next(s.agent_id for s in scenario.skills if s.queue == voice.id)
    contract = scenario.site.contract_by_id[scenario.agent_by_id[agent].contract]
    cover = coverage_of(voice.id, volume=10, aht=300, staff={14: 6, 15: 6, 16: 1, 17: 1, 18: 1})
    published = plan([(agent, 8, 16, "work", voice.id)], [(agent, 8, 16)])
    week = DAY - dt.timedelta(days=DAY.weekday())
    full = round(contract.max_hours_week * 60)
    whole_week = {week + dt.timedelta(days=d): week for d in range(7)}
    found = offers(scenario, cover, published, at(12), week_paid_minutes={(agent, week): full}, week_of=whole_week)
    assert [o for o in found if o.kind == "overtime"] == []


def test_vto_only_where_every_interval_left_keeps_its_target(scenario) -> None:  # type: ignore[no-untyped-def]
    voice = scenario.site.queue_by_id["voice_service"]
    agents = [s.agent_id for s in scenario.skills if s.queue == voice.id and s.proficiency == 1.0][:3]
    # Three people on 2 calls of 5 minutes a quarter hour until 19:00: two of them still answer above the 80 %
    # target (81.2 % by Erlang A, less 10 % shrinkage), one alone would not (50.3 %). So one person may go home
    # from now (14:00), and nobody else.
    cover = coverage_of(voice.id, volume=2, aht=300, staff={h: 3 for h in range(14, 19)})
    published = plan([(a, 11, 19, "work", voice.id) for a in agents], [(a, 11, 19) for a in agents])
    week = DAY - dt.timedelta(days=DAY.weekday())
    found = offers(scenario, cover, published, at(14), week_paid_minutes={}, week_of={DAY: week})
    vto = [o for o in found if o.kind == "vto"]
    two = float(service_level(2, 300, 900, 2 * 0.9, voice.answer_seconds, patience_seconds=voice.patience_seconds))
    assert two == pytest.approx(0.812, abs=0.001)
    assert [(o.start, o.end, o.hours) for o in vto] == [(at(14), at(19), 5.0)]
    assert vto[0].service_after == pytest.approx(two)


# --- the re-plan end to end ------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def published_run(tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    root = tmp_path_factory.mktemp("intraday")
    folder, run = tiny_run(root)
    forecast = pd.read_csv(run / "forecast.csv", parse_dates=["interval_start"])
    today = forecast[(forecast["interval_start"] >= "2026-03-03") & (forecast["interval_start"] < "2026-03-03 11:30")]
    actuals = today.assign(volume=(today["volume"] * 1.3).round())[["interval_start", "queue", "volume"]]
    actuals[actuals["volume"] > 0].to_csv(root / "today.csv", index=False)
    return folder, run, root / "today.csv"


def test_the_replan_keeps_every_shift_and_the_past_and_breaks_the_floor_rules_nowhere(published_run) -> None:  # type: ignore[no-untyped-def]
    _, run, actuals = published_run
    before = read_run(run).result
    result = runner.invoke(app, ["intraday", str(run), "--actuals", str(actuals), "--at", "11:30", "--seed", "3",
                                 "--time-limit", "3"])  # fmt: skip
    assert result.exit_code == 0, result.output
    out = run / "intraday" / "2026-03-03T1130"
    for name in ("changes.csv", "offers.csv", "reforecast.csv", "forecast.csv", "coverage.csv", "summary.json",
                 "intraday.xlsx"):  # fmt: skip
        assert (out / name).is_file(), name
    # The published plan's own files are untouched.
    assert read_run(run).result.segments == before.segments
    factors = pd.read_csv(out / "reforecast.csv")
    assert (factors["ratio"] > 1.2).all() and (factors["volume_factor"] > 1).all()
    summary = json.loads((out / "summary.json").read_text())
    live = summary["queues"]["voice_service"]
    # The re-plan weighs the phones against the back office (one objective): the phones lose at most a point.
    assert live["service_level_replanned"] >= live["service_level_published"] - 0.01
    changed = pd.read_csv(out / "changes.csv", parse_dates=["start"])
    assert (changed["start"] >= pd.Timestamp("2026-03-03 11:30")).all()
    assert summary["changes"] == len(changed)


def test_the_replanned_plan_is_the_published_one_before_now_and_valid_throughout(published_run) -> None:  # type: ignore[no-untyped-def]
    from wfm.pipeline_intraday import intraday_replan, read_actuals

    folder, run, actuals = published_run
    scenario = load_scenario(folder)
    now = at(11, 30)
    outcome = intraday_replan(run, scenario, read_actuals(actuals, folder, scenario, now), now,
                              time_limit_seconds=3, seed=5)  # fmt: skip
    published, replanned = outcome.published, outcome.replanned
    assert sorted(published.shifts, key=str) == sorted(replanned.shifts, key=str)

    def before_now(segments: tuple[Segment, ...]) -> list[tuple[str, dt.datetime, dt.datetime, str, str | None]]:
        return sorted((s.agent_id, s.start, min(s.end, now), s.activity, s.queue) for s in segments if s.start < now)

    assert before_now(replanned.segments) == before_now(published.segments)

    # Every break is still taken once: as many breaks and lunches per person as published.
    def breaks(plan: ScheduleResult) -> dict[tuple[str, str], int]:
        counts: dict[tuple[str, str], int] = {}
        for s in plan.segments:
            if s.activity in ("break", "lunch"):
                counts[s.agent_id, s.activity] = counts.get((s.agent_id, s.activity), 0) + 1
        return counts

    assert breaks(replanned) == breaks(published)
    assert validate_result(scenario, replanned) == []


@pytest.mark.parametrize(
    ("arguments", "expected"),
    [
        (["--at", "25:00"], "--at '25:00' is not a time of day; give it as HH:MM"),
        (["--at", "09:00"], "are not before 09:00 on 2026-03-03"),
        (["--at", "11:30", "--date", "2026-04-01"], "2026-04-01 is not a day of the plan"),
    ],
)
def test_bad_intraday_input_is_one_clear_error_and_writes_nothing(published_run, arguments, expected) -> None:  # type: ignore[no-untyped-def]
    _, run, actuals = published_run
    listing = sorted(p.name for p in run.rglob("*"))
    result = runner.invoke(app, ["intraday", str(run), "--actuals", str(actuals), *arguments])
    assert result.exit_code == 2, result.output
    assert expected in " ".join(result.output.split())
    assert "Traceback" not in result.output
    assert sorted(p.name for p in run.rglob("*")) == listing
