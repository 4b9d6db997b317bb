"""The discrete-event simulation (issue 20): the engine on hand-made cases with exact answers, Erlang C and A
reproduced on a long single-skill horizon, a hole in cover, seeds, and `wfm simulate` on a run folder."""

from __future__ import annotations

import dataclasses
import json
import math
import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from openpyxl import load_workbook
from typer.testing import CliRunner

from wfm.cli import app
from wfm.demo import generate_operation
from wfm.domain import QueueKind, SimulationSettings
from wfm.forecast.engine import quantile_volume
from wfm.io import load_scenario
from wfm.pipeline import EXIT_BAD_INPUT, RunOptions, plan
from wfm.scheduling.kpis import compute_coverage
from wfm.simulation import Server, deferred_queue, live_queue, simulate_plan
from wfm.simulation.inputs import dispersion

runner = CliRunner()
INF = math.inf


def arrays(*values: list[float]) -> list[np.ndarray]:
    return [np.asarray(v, dtype=float) for v in values]


# --- the engine, by hand --------------------------------------------------------------------------------------


def test_one_agent_answers_in_order_of_arrival_and_a_caller_waits_for_the_one_before() -> None:
    arrivals, work, patience = arrays([0, 5, 50], [10, 10, 10], [INF, INF, INF])
    waits, answered, _ = live_queue(arrivals, work, patience, [Server((0.0,), (100.0,))], 100.0)
    assert waits.tolist() == [0.0, 5.0, 0.0]
    assert answered.tolist() == [True, True, True]


def test_a_caller_whose_wait_passes_their_patience_hangs_up_then_and_takes_nobodys_time() -> None:
    arrivals, work, patience = arrays([0, 1, 2], [10, 10, 10], [INF, 3, INF])
    waits, answered, hung_up = live_queue(arrivals, work, patience, [Server((0.0,), (100.0,))], 100.0)
    # The second caller would wait 9 s, hangs up after 3; the third is answered when the first call ends.
    assert waits.tolist() == [0.0, 3.0, 8.0]
    assert answered.tolist() == [True, False, True]
    assert hung_up.tolist() == [False, True, False]


def test_the_call_in_hand_is_finished_and_the_break_is_taken_in_full_after_it() -> None:
    # Windows 0-100 and 200-300 (a break 100-200). A call at 95 takes 20 s: done at 115, so the agent is back
    # at 215, and a caller at 200 waits 15 s.
    arrivals, work, patience = arrays([95, 200], [20, 10], [INF, INF])
    waits, answered, _ = live_queue(arrivals, work, patience, [Server((0.0, 200.0), (100.0, 300.0))], 300.0)
    assert waits.tolist() == [0.0, 15.0]
    assert answered.all()


def test_nobody_takes_a_new_call_outside_their_windows_and_an_unanswered_caller_waits_to_the_end() -> None:
    arrivals, work, patience = arrays([100, 150], [10, 10], [INF, 20])
    waits, answered, hung_up = live_queue(arrivals, work, patience, [Server((0.0,), (100.0,))], 400.0)
    assert waits.tolist() == [300.0, 20.0]
    assert not answered.any()
    # The first was still waiting when the horizon ended (not a hang-up); the second hung up after 20 s.
    assert hung_up.tolist() == [False, True]


def test_an_overrun_delays_only_the_next_window_and_only_by_the_overrun() -> None:
    # Windows 0-100, 200-300, 400-500: a 20 s call at 95 ends at 115, so the agent is back at 215; nothing
    # arrives in the second window, and the third opens on time.
    windows = Server((0.0, 200.0, 400.0), (100.0, 300.0, 500.0))
    arrivals, work, patience = arrays([95, 400], [20, 10], [INF, INF])
    waits, _, _ = live_queue(arrivals, work, patience, [windows], 500.0)
    assert waits.tolist() == [0.0, 0.0]
    finished = deferred_queue(*arrays([95, 400], [INF, INF], [20, 10]), [windows])
    assert finished.tolist() == [115.0, 410.0]
    # Windows 0-100, 110-120, 130-300: a 30 s call at 95 ends at 125, past the short second window; the break
    # of 10 s after it ends at 135, so a caller at 130 waits 5 s.
    waits, _, _ = live_queue(
        *arrays([95, 130], [30, 10], [INF, INF]), [Server((0.0, 110.0, 130.0), (100.0, 120.0, 300.0))], 300.0
    )
    assert waits.tolist() == [0.0, 5.0]


def test_proficiency_half_takes_twice_the_handle_time() -> None:
    arrivals, work, patience = arrays([0, 0], [10, 10], [INF, INF])
    waits, _, _ = live_queue(arrivals, work, patience, [Server((0.0,), (100.0,), speed=0.5)], 100.0)
    assert waits.tolist() == [0.0, 20.0]


def test_deferred_items_are_worked_earliest_deadline_first() -> None:
    arrivals, deadlines, work = arrays([0, 0, 5], [50, 30, 12], [10, 10, 10])
    finished = deferred_queue(arrivals, deadlines, work, [Server((0.0,), (100.0,))])
    # At 0: the item due at 30 first (done 10); at 10 the one due at 12 (arrived at 5, done 20); then 50's.
    assert finished.tolist() == [30.0, 10.0, 20.0]


def test_deferred_work_waits_for_the_next_window_and_is_unfinished_when_none_comes() -> None:
    arrivals, deadlines, work = arrays([0, 150, 250], [INF, INF, INF], [10, 10, 10])
    finished = deferred_queue(arrivals, deadlines, work, [Server((0.0, 200.0), (100.0, 240.0))])
    assert finished.tolist() == [10.0, 210.0, INF]


def test_a_window_that_is_empty_or_out_of_order_is_refused() -> None:
    with pytest.raises(ValueError, match="sorted"):
        Server((0.0, 50.0), (100.0, 150.0))
    with pytest.raises(ValueError, match="speed"):
        Server((0.0,), (10.0,), speed=0)


def test_the_forecast_band_gives_back_its_dispersion() -> None:
    mean = np.array([0.0, 40.0, 100.0])
    p90 = quantile_volume(mean, np.full(3, 0.2), 0.9)
    assert dispersion(mean, p90) == pytest.approx(0.2, abs=1e-9)
    assert dispersion(mean, quantile_volume(mean, np.zeros(3), 0.9)) == 0.0


# --- Erlang C and A reproduced (published values as in tests/test_staffing_published.py) ---------------------


def long_single_skill_horizon(patience_seconds: float) -> tuple[float, float, float]:
    """100 calls per 30 minutes, AHT 180 s (exponential), 14 agents, over 2,000 hours: service level within
    20 s, abandonment, and the mean wait."""
    rng = np.random.default_rng(1)
    hours = 2000
    count = rng.poisson(200 * hours)
    arrivals = np.sort(rng.random(count) * hours * 3600)
    work = rng.exponential(180, count)
    patience = rng.exponential(patience_seconds, count) if math.isfinite(patience_seconds) else np.full(count, INF)
    servers = [Server((0.0,), (hours * 3600.0,))] * 14
    waits, answered, hung_up = live_queue(arrivals, work, patience, servers, hours * 3600.0)
    return float(np.mean(answered & (waits <= 20))), float(np.mean(hung_up)), float(np.mean(waits))


def test_a_long_single_skill_horizon_reproduces_erlang_c_within_a_point() -> None:
    level, abandoned, mean_wait = long_single_skill_horizon(INF)
    assert level == pytest.approx(0.88835, abs=0.01)  # ErlangC README: service_level 0.88835
    assert abandoned == 0.0
    assert mean_wait == pytest.approx(7.836, rel=0.1)  # ASA 7.83593701177724 s


def test_a_long_single_skill_horizon_reproduces_erlang_a_within_a_point() -> None:
    level, abandoned, mean_wait = long_single_skill_horizon(300)
    assert level == pytest.approx(0.916792, abs=0.01)  # pyworkforce test_abandonment.py, patience 5 minutes
    assert abandoned == pytest.approx(0.013984, abs=0.002)
    assert mean_wait == pytest.approx(0.069919 * 60, rel=0.1)


# --- a planned operation --------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def planned(tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    folder = tmp_path_factory.mktemp("tiny")
    generate_operation(folder, agents=20, queues=3, weeks_history=3, horizon_days=2)
    scenario = load_scenario(folder)
    outcome = plan(scenario, RunOptions(seed=7, time_limit_seconds=2))
    assert outcome.result.status.has_plan and outcome.coverage is not None
    return folder, scenario, outcome


def test_the_same_seed_gives_the_same_simulation_and_another_seed_another(planned) -> None:  # type: ignore[no-untyped-def]
    _, scenario, outcome = planned
    settings = SimulationSettings(replications=5, seed=3)
    args = (scenario, outcome.forecast, outcome.requirements, outcome.coverage, outcome.result)
    first = simulate_plan(*args, settings=settings)
    again = simulate_plan(*args, settings=settings)
    other = simulate_plan(*args, settings=settings.model_copy(update={"seed": 4}))
    pd.testing.assert_frame_equal(first.queue_days, again.queue_days)
    pd.testing.assert_frame_equal(first.intervals, again.intervals)
    assert not first.queue_days.equals(other.queue_days)


def test_a_hole_in_cover_shows_in_the_simulated_service(planned) -> None:  # type: ignore[no-untyped-def]
    _, scenario, outcome = planned
    live = next(q for q in scenario.site.queues if q.kind is QueueKind.LIVE)
    busiest = outcome.coverage[outcome.coverage["queue"] == live.id].sort_values("forecast_volume").iloc[-1]
    hole_start = pd.Timestamp(busiest["interval_start"]) - pd.Timedelta(minutes=30)
    hole_end = hole_start + pd.Timedelta(hours=1)
    # Everybody on the queue in that hour is taken off it (their segments cut around the hole).
    segments = []
    for s in outcome.result.segments:
        if s.queue == live.id and s.start < hole_end and s.end > hole_start:
            if s.start < hole_start:
                segments.append(dataclasses.replace(s, end=hole_start.to_pydatetime()))
            if s.end > hole_end:
                segments.append(dataclasses.replace(s, start=hole_end.to_pydatetime()))
        else:
            segments.append(s)
    holed = dataclasses.replace(outcome.result, segments=tuple(segments))
    coverage = compute_coverage(scenario, outcome.requirements, holed)
    settings = SimulationSettings(replications=10, seed=1)
    args = (scenario, outcome.forecast, outcome.requirements)
    intact = simulate_plan(*args, outcome.coverage, outcome.result, settings=settings)
    broken = simulate_plan(*args, coverage, holed, settings=settings)
    inside = broken.intervals[
        (broken.intervals["queue"] == live.id)
        & (pd.to_datetime(broken.intervals["interval_start"]) >= hole_start)
        & (pd.to_datetime(broken.intervals["interval_start"]) < hole_end - pd.Timedelta(minutes=15))
    ]
    assert len(inside) >= 2
    assert (inside["service_level_simulated"] < 0.2).all()
    day = str(hole_start.date())
    level = {
        name: result.queue_days.set_index(["queue", "date"]).loc[(live.id, day), "service_level_p50"]
        for name, result in (("intact", intact), ("broken", broken))
    }
    assert level["broken"] < level["intact"] - 0.02


def test_wfm_simulate_adds_its_files_kpis_and_sheet_to_the_run_folder(planned, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    folder, _, _ = planned
    out = tmp_path / "schedules"
    ran = runner.invoke(app, ["run", str(folder), "--out", str(out), "--seed", "7", "--time-limit", "1", "--quiet"])
    assert ran.exit_code == 0, ran.output
    run = next(out.iterdir())
    result = runner.invoke(app, ["simulate", str(run), "--scenario", str(folder), "--replications", "4"])
    assert result.exit_code == 0, result.output
    assert "simulated: 4 weeks of this plan" in result.output
    days = pd.read_csv(run / "simulation.csv")
    assert set(days["queue"]) == {q.id for q in load_scenario(folder).site.queues}
    kpis = json.loads((run / "kpis.json").read_text())
    assert kpis["simulation"]["replications"] == 4
    assert "Simulation" in load_workbook(run / "roster.xlsx", read_only=True).sheetnames
    manifest = json.loads((run / "manifest.json").read_text())
    assert "simulation.csv" in manifest["files"] and manifest["simulation"]["inputs_changed_since_plan"] == []


def test_wfm_simulate_on_a_folder_that_is_not_a_run_says_so_and_changes_nothing(planned, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    folder, _, _ = planned
    result = runner.invoke(app, ["simulate", str(tmp_path), "--scenario", str(folder)])
    assert result.exit_code == EXIT_BAD_INPUT
    assert "not a run folder" in result.output
    broken = tmp_path / "broken"
    broken.mkdir()
    (broken / "manifest.json").write_text("{}")
    result = runner.invoke(app, ["simulate", str(broken)])
    assert result.exit_code == EXIT_BAD_INPUT
    assert "--scenario" in result.output
    result = runner.invoke(app, ["simulate", str(broken), "--scenario", str(folder)])
    assert result.exit_code == EXIT_BAD_INPUT
    assert "cannot be simulated" in result.output
    assert sorted(p.name for p in broken.iterdir()) == ["manifest.json"]
    shutil.rmtree(broken)


def test_wfm_run_simulate_writes_the_simulation_with_the_plan(planned, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    folder, _, _ = planned
    args = ["run", str(folder), "--out", str(tmp_path), "--seed", "7", "--time-limit", "1", "--quiet", "--simulate"]
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    run = next(tmp_path.iterdir())
    kpis = json.loads((run / "kpis.json").read_text())
    assert kpis["simulation"]["replications"] == 30
    assert (
        0
        <= kpis["simulation"]["overall"]["service_level_p10"]
        <= kpis["simulation"]["overall"]["service_level_p90"]
        <= 1
    )
    assert "simulation.csv" in json.loads((run / "manifest.json").read_text())["files"]


def test_wfm_simulate_keeps_what_else_the_run_folder_holds_and_refuses_damaged_files(  # type: ignore[no-untyped-def]
    planned, tmp_path: Path
) -> None:
    folder, _, _ = planned
    out = tmp_path / "schedules"
    ran = runner.invoke(app, ["run", str(folder), "--out", str(out), "--seed", "7", "--time-limit", "1", "--quiet"])
    assert ran.exit_code == 0, ran.output
    run = next(out.iterdir())
    (run / "notes").mkdir()
    (run / "notes" / "team lead.txt").write_text("call Zofia")
    simulated = runner.invoke(app, ["simulate", str(run), "--scenario", str(folder), "--replications", "2"])
    assert simulated.exit_code == 0, simulated.output
    assert (run / "notes" / "team lead.txt").read_text() == "call Zofia"
    for name, damage in (("kpis.json", "[]"), ("manifest.json", "[]")):
        broken = tmp_path / f"broken-{name}"
        shutil.copytree(run, broken)
        (broken / name).write_text(damage)
        before = {p.name: p.read_bytes() for p in broken.iterdir() if p.is_file()}
        result = runner.invoke(app, ["simulate", str(broken), "--scenario", str(folder)])
        assert result.exit_code == EXIT_BAD_INPUT, result.output
        assert "cannot be simulated" in result.output
        assert {p.name: p.read_bytes() for p in broken.iterdir() if p.is_file()} == before


def test_carried_in_work_not_due_within_the_horizon_is_never_late(planned) -> None:  # type: ignore[no-untyped-def]
    _, scenario, outcome = planned
    from wfm.domain import BacklogItem

    deferred = next(q for q in scenario.site.queues if q.kind is QueueKind.DEFERRED)
    start = pd.Timestamp(scenario.site.horizon.start).to_pydatetime()
    # Arrived just now, due long after the 2-day horizon; and nobody works the queue at all.
    backlog = (BacklogItem(queue=deferred.id, items=40, oldest_arrival=start),)
    slow = scenario.site.model_copy(
        update={
            "queues": tuple(
                q.model_copy(update={"sla_hours": 500}) if q is deferred else q for q in scenario.site.queues
            )
        }
    )
    unstaffed = dataclasses.replace(
        outcome.result, segments=tuple(s for s in outcome.result.segments if s.queue != deferred.id)
    )
    late = {}
    for carried in ((), backlog):
        changed = scenario.model_copy(update={"site": slow, "backlog": carried})
        result = simulate_plan(
            changed, outcome.forecast, outcome.requirements, outcome.coverage, unstaffed,
            settings=SimulationSettings(replications=2),
        )  # fmt: skip
        late[len(carried)] = result.queues[deferred.id]["items_past_sla_p90"]
    # The arriving items are late either way (nobody works the queue); the 40 carried in add nothing.
    assert late[1] == late[0]


def test_a_caller_still_waiting_when_the_queue_closes_is_not_carried_overnight() -> None:
    # The agent works 0-50 and again 200-300; the queue closes at 100. A caller at 90 without patience is not
    # answered at 200 the next morning: they were still waiting at closing time (10 s), not a hang-up.
    waits, answered, hung_up = live_queue(
        *arrays([90], [10], [INF]), [Server((0.0, 200.0), (50.0, 300.0))], np.array([100.0])
    )
    assert (waits.tolist(), answered.tolist(), hung_up.tolist()) == ([10.0], [False], [False])
