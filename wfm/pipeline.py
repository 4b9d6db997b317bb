"""The planning loop wired end to end: history -> forecast -> requirements -> schedule -> reports.

Each stage is a pure function of validated data; this module only sequences them, times them and writes the
run folder atomically (complete or not at all), so the CLI and the nightly batch share one path.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import json
import platform
import shutil
import sys
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from wfm import __version__
from wfm.domain import Scenario, SimulationSettings
from wfm.faults import kill_point
from wfm.forecast import run_forecast
from wfm.io import atomic_directory, atomic_write_text
from wfm.reports import read_run, write_run_files, write_simulation_files
from wfm.scheduling import ScheduleResult, schedule
from wfm.scheduling.conflicts import leave_out_agents, release_agents, settle_agent_conflicts
from wfm.scheduling.freeze import FrozenDays
from wfm.scheduling.kpis import compute_coverage, compute_kpis
from wfm.scheduling.model import PreviousShift
from wfm.simulation import SimulationResult, simulate_plan
from wfm.staffing import build_requirements, requirements_summary

# Exit codes, documented in the README and docs/commands.md: cron and the batch job read them.
EXIT_OK = 0
EXIT_BAD_INPUT = 2
EXIT_NO_PLAN = 3
EXIT_INTERNAL = 4


@dataclass
class RunOutcome:
    result: ScheduleResult
    forecast: pd.DataFrame
    requirements: pd.DataFrame
    coverage: pd.DataFrame | None = None
    kpis: dict[str, Any] | None = None
    folder: Path | None = None
    stage_seconds: dict[str, float] = field(default_factory=dict)
    forecast_accuracy: pd.DataFrame | None = None  # the backtest behind the forecast, when this run made it
    warnings: list[str] = field(default_factory=list)  # input and forecast warnings that did not stop the run
    # The scenario as planned: the one given, unless settle_conflicts changed some agents' rows (see warnings).
    scenario: Scenario | None = None
    simulation: SimulationResult | None = None  # with RunOptions.simulate


@dataclass(frozen=True)
class RunOptions:
    seed: int
    time_limit_seconds: float | None = None
    workers: int | None = None
    deterministic: bool = False
    # A previous plan's shifts (shifts.csv: agent_id, date, template, shift_start) to start from: the warm
    # start keeps every shift of it that still keeps the rules, so a re-plan changes only what it must.
    previous_plan: tuple[PreviousShift, ...] = ()
    # A plan of the same scenario under other settings the solve may start from (bench: cross-training off).
    start_from: ScheduleResult | None = None
    # ... and each live queue keeps at least that plan's service (contacts answered within target).
    same_service: bool = False
    # ... or only each deferred queue's turnaround (late work), live queues held by their requirement alone.
    same_turnaround: bool = False
    # Published days to keep exactly as they were (the nightly batch's freeze window).
    frozen: FrozenDays | None = None
    # Unattended runs: one agent's impossible week is settled for that agent, with a warning, instead of
    # stopping the plan for everybody (wfm.scheduling.conflicts).
    settle_conflicts: bool = False
    # Replay the plan in the discrete-event simulation ([simulation] of site.toml) and report it beside Erlang.
    simulate: bool = False


def input_hashes(scenario_path: Path) -> dict[str, str]:
    files = [scenario_path] if scenario_path.is_file() else sorted(p for p in scenario_path.iterdir() if p.is_file())
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in files}


def wall_clock_forecast(forecast: pd.DataFrame, scenario: Scenario) -> tuple[pd.DataFrame, list[str]]:
    """The forecast on the scheduler's grid of 24-hour days of wall-clock intervals, and what that changed.

    The forecast keeps real time: a day when clocks go forward has no 01:00-02:00 (92 quarter hours) and a day
    when they go back has it twice (100, the second pass with fold = 1). The scheduler plans clock times, so:
    the skipped hour gets no demand, and the repeated hour becomes one clock hour that needs, for a live queue,
    the busier pass's volume (the same people are on shift for both) and, for deferred work, both passes' items
    (all of it must be done). Shifts across the change are paid their clock length. Each such day is reported.
    """
    site = scenario.site
    frame = forecast.copy()
    frame["interval_start"] = pd.to_datetime(frame["interval_start"])
    notes: list[str] = []
    if "fold" in frame.columns and (frame["fold"] == 1).any():
        live = {q.id for q in site.queues if q.kind.value == "live"}
        frame["work"] = frame["volume"] * frame["aht_seconds"].fillna(0)
        keys = ["queue", "interval_start"]
        grouped = frame.sort_values("volume").groupby(keys, as_index=False, sort=True)
        merged = grouped.last()  # per clock interval, the busier pass's row
        totals = grouped[["volume", "work"]].sum()  # the same groups, in the same order
        deferred = ~merged["queue"].isin(live)
        merged.loc[deferred, "volume"] = totals.loc[deferred, "volume"]
        mean_aht = (totals["work"] / totals["volume"]).where(totals["volume"] > 0)
        merged.loc[deferred, "aht_seconds"] = mean_aht[deferred]
        day = frame.loc[frame["fold"] == 1, "interval_start"].iloc[0].date()
        notes.append(
            f"{day} has 25 hours (clocks go back): the plan uses clock times, so the repeated hour is staffed once, "
            "for the busier pass on live queues and for both passes' work on deferred ones"
        )
        frame = merged.drop(columns=["work"]).assign(fold=0)
    grid = pd.date_range(
        dt.datetime.combine(site.horizon.start, dt.time()),
        periods=site.horizon.days * site.intervals_per_day,
        freq=f"{site.interval_minutes}min",
    )
    # Only clock times that do not exist (clocks going forward) are filled; any other missing interval is an
    # incomplete forecast and stays missing, for build_requirements to report rather than plan as zero demand.
    nonexistent = grid[pd.DatetimeIndex(grid).tz_localize(site.timezone, nonexistent="NaT", ambiguous=False).isna()]
    present = set(frame["interval_start"])
    skipped = sorted(t for t in nonexistent if t not in present)
    if skipped:
        filler = pd.DataFrame(
            [{"interval_start": t, "queue": q.id, "volume": 0.0, "aht_seconds": float("nan")} for t in skipped
             for q in site.queues]
        )  # fmt: skip
        frame = pd.concat([frame, filler], ignore_index=True).sort_values(["queue", "interval_start"])
        notes.append(
            f"{skipped[0].date()} has 23 hours (clocks go forward): the clock hour that does not exist has no demand"
        )
    return frame.reset_index(drop=True), notes


def requirements_for(forecast: pd.DataFrame, scenario: Scenario) -> tuple[pd.DataFrame, list[str]]:
    """The requirements the scheduler plans to (on its clock-interval grid), and what the grid changed."""
    clock_forecast, notes = wall_clock_forecast(forecast, scenario)
    return build_requirements(clock_forecast, scenario.site, scenario.backlog), notes


def plan(
    scenario: Scenario,
    options: RunOptions,
    *,
    forecast: pd.DataFrame | None = None,
    progress: Callable[[float, float, float], None] | None = None,
    stage: Callable[[str], None] | None = None,
) -> RunOutcome:
    """Forecast (unless given), requirements, schedule and KPIs, with each stage's wall time; `stage` is told
    when each step starts, in a planner's words."""

    def say(text: str) -> None:
        if stage is not None:
            stage(text)

    timings: dict[str, float] = {}
    started = time.monotonic()
    if forecast is None:
        if scenario.site.queues:
            say("forecasting each queue from its history")
        forecast_result = run_forecast(scenario.history, scenario.site, events=scenario.events)
        forecast = forecast_result.forecast
        accuracy = forecast_result.accuracy
        forecast_warnings = list(forecast_result.warnings)
    else:
        accuracy, forecast_warnings = None, []
    timings["forecast"] = time.monotonic() - started

    started = time.monotonic()
    if scenario.site.queues:
        say("working out the staff each queue needs")
    requirements, clock_notes = requirements_for(forecast, scenario)
    forecast_warnings.extend(clock_notes)
    timings["staffing"] = time.monotonic() - started

    started = time.monotonic()
    settled: list[str] = []
    if options.settle_conflicts:
        scenario, settled = settle_agent_conflicts(scenario, options.frozen)
    frozen = options.frozen
    say("building the plan: every agent's shifts, breaks and queues in one model")
    for attempt in range(3):
        result = schedule(
            scenario,
            requirements,
            time_limit_seconds=options.time_limit_seconds,
            workers=options.workers,
            seed=options.seed,
            deterministic=options.deterministic,
            progress=progress,
            previous_plan=options.previous_plan,
            start_from=options.start_from,
            same_service=options.same_service,
            same_turnaround=options.same_turnaround,
            frozen=frozen,
            stage=stage,
        )
        if not (options.settle_conflicts and result.impossible_agents) or attempt == 2:
            break
        # An agent's week only the solve finds impossible: first plan their published days again, then, if
        # that is not enough, leave them out (each a warning); everybody else's plan goes ahead.
        notes: list[str] = []
        if frozen is not None:
            frozen, notes = release_agents(frozen, result.impossible_agents, result.impossible_agents)
        if not notes:
            scenario, notes = leave_out_agents(scenario, result.impossible_agents, result.impossible_agents)
        settled += notes
    timings["schedule"] = time.monotonic() - started
    outcome = RunOutcome(result=result, forecast=forecast, requirements=requirements, stage_seconds=timings)
    outcome.forecast_accuracy = accuracy
    outcome.scenario = scenario
    outcome.warnings = [*scenario.warnings, *forecast_warnings, *settled]
    if result.status.has_plan:
        started = time.monotonic()
        say("service levels and turnaround of the plan")
        outcome.coverage = compute_coverage(scenario, requirements, result)
        outcome.kpis = compute_kpis(scenario, requirements, result, outcome.coverage)
        timings["kpis"] = time.monotonic() - started
        if options.simulate and scenario.site.queues:  # nothing to replay without queues
            started = time.monotonic()
            say(f"simulating the plan: {scenario.site.simulation.replications} weeks of random days")
            outcome.simulation = simulate_plan(scenario, forecast, requirements, outcome.coverage, result)
            timings["simulation"] = time.monotonic() - started
    return outcome


def write_run(
    outcome: RunOutcome,
    scenario: Scenario,
    scenario_path: Path,
    out_root: Path,
    *,
    options: RunOptions,
    command_line: list[str],
    started_at: dt.datetime,
    folder_name: str | None = None,
    extra_manifest: Mapping[str, Any] | None = None,
    extra_files: Callable[[], Mapping[str, str]] | None = None,
    replace: bool = True,
) -> Path:
    """Write the run folder `out_root/<horizon start>/` (or `out_root/<folder_name>/`) atomically and return it.

    `replace`: an earlier run there is replaced, and stays as it was until this one is complete. Without it an
    earlier run is never touched: this one goes to the next free `<name>.2`, `<name>.3`, ... (one past the
    highest suffix there), reserved before it is written so that two runs never take the same one.
    `extra_manifest` entries are added to manifest.json; `extra_files` is called last, inside the staging
    folder's lifetime, for text files to add (the batch's log)."""
    if outcome.coverage is None or outcome.kpis is None:
        raise ValueError("only a run with a plan is written")
    name = folder_name or scenario.site.horizon.start.isoformat()
    out_root.mkdir(parents=True, exist_ok=True)
    folder = out_root / name if replace else reserve_folder(out_root, name)
    try:
        _write_run_folder(outcome, scenario, scenario_path, folder, options, command_line, started_at,
                          extra_manifest, extra_files)  # fmt: skip
    except BaseException:
        if not replace:  # the reserved, still empty folder
            with contextlib.suppress(OSError):
                folder.rmdir()
        raise
    outcome.folder = folder
    return folder


@contextlib.contextmanager
def output_folder(out_root: Path, name: str, *, replace: bool) -> Iterator[tuple[Path, Path]]:
    """(the folder, a staging folder to write into): `out_root/name`, replaced only when the block completes if
    `replace`, else the next free `name.N` (see `write_run`); an exception leaves nothing behind."""
    out_root.mkdir(parents=True, exist_ok=True)
    folder = out_root / name if replace else reserve_folder(out_root, name)
    try:
        with atomic_directory(folder) as staging:
            yield folder, staging
    except BaseException:
        if not replace:  # the reserved, still empty folder
            with contextlib.suppress(OSError):
                folder.rmdir()
        raise


def reserve_folder(out_root: Path, name: str) -> Path:
    """`out_root/name` if nothing is there, else `out_root/name.N` for the N after the highest taken (2 at
    first), created empty: mkdir fails if another process took it first, and then the next one is tried."""
    folder = out_root / name
    number = max([_suffix(p.name, name) for p in out_root.iterdir()], default=1)
    while True:
        try:
            folder.mkdir()
            return folder
        except FileExistsError:
            number = max(number, 1) + 1
            folder = out_root / f"{name}.{number}"


def _suffix(candidate: str, name: str) -> int:
    """N for `name.N` (N >= 2), else 0."""
    rest = candidate.removeprefix(f"{name}.")
    return int(rest) if rest != candidate and rest.isdigit() and int(rest) >= 2 else 0


def _write_run_folder(
    outcome: RunOutcome,
    scenario: Scenario,
    scenario_path: Path,
    folder: Path,
    options: RunOptions,
    command_line: list[str],
    started_at: dt.datetime,
    extra_manifest: Mapping[str, Any] | None,
    extra_files: Callable[[], Mapping[str, str]] | None,
) -> None:
    assert outcome.coverage is not None and outcome.kpis is not None
    started = time.monotonic()
    hashes = input_hashes(scenario_path)
    with atomic_directory(folder) as staging:
        write_run_files(
            staging,
            scenario=scenario,
            forecast=outcome.forecast,
            requirements=outcome.requirements,
            coverage=outcome.coverage,
            kpis=outcome.kpis,
            result=outcome.result,
            inputs=hashes,
            simulation=outcome.simulation,
        )
        kill_point("run:writing")
        if outcome.forecast_accuracy is not None:
            accuracy_csv = outcome.forecast_accuracy.to_csv(index=False, float_format="%.4f")
            (staging / "forecast_accuracy.csv").write_text(accuracy_csv, encoding="utf-8")
        # What each queue needs and what the requirement buys, as `wfm staffing` prints it.
        summary_csv = requirements_summary(outcome.requirements, scenario.site).to_csv(index=False, float_format="%.4f")
        (staging / "staffing_summary.csv").write_text(summary_csv, encoding="utf-8")
        outcome.stage_seconds["reports"] = time.monotonic() - started
        manifest = {
            "wfm_version": __version__,
            "python": sys.version.split()[0],
            "platform": platform.platform(),
            "command_line": command_line,
            "scenario": str(scenario_path),
            "scenario_absolute": str(scenario_path.resolve()),
            "inputs_sha256": hashes,
            "seed": options.seed,
            "deterministic": options.deterministic,
            "started_at": started_at.isoformat(timespec="seconds"),
            "finished_at": dt.datetime.now().astimezone().isoformat(timespec="seconds"),
            "stage_seconds": {k: round(v, 3) for k, v in outcome.stage_seconds.items()},
            "status": outcome.result.status.value,
            "message": outcome.result.message,
            "warnings": outcome.warnings,
            "model": outcome.result.model_stats,
            **(extra_manifest or {}),
        }
        for name, text in (extra_files() if extra_files else {}).items():
            (staging / name).write_text(text, encoding="utf-8")
        manifest["files"] = [*sorted(p.name for p in staging.iterdir()), "manifest.json"]
        atomic_write_text(staging / "manifest.json", json.dumps(manifest, indent=2) + "\n")


def simulate_run(
    folder: Path, scenario: Scenario, scenario_path: Path, *, settings: SimulationSettings, command_line: list[str]
) -> tuple[SimulationResult, list[str]]:
    """Simulate the plan in run `folder` and add the simulation to it (the folder is replaced as a whole, so a
    failure leaves it as it was). Returns the simulation and the scenario files that changed since the plan
    was made (their hashes differ from manifest.json's). Raises what `read_run` raises for a damaged folder."""
    run = read_run(folder)
    hashes = input_hashes(scenario_path)
    planned_from = run.manifest.get("inputs_sha256") or {}
    changed = sorted(name for name in set(hashes) | set(planned_from) if hashes.get(name) != planned_from.get(name))
    simulation = simulate_plan(scenario, run.forecast, run.requirements, run.coverage, run.result, settings=settings)
    with atomic_directory(folder) as staging:
        # Everything the folder holds stays as it is (sub-folders, links, files a planner put there).
        shutil.copytree(folder, staging, symlinks=True, dirs_exist_ok=True)
        write_simulation_files(staging, scenario=scenario, run=run, simulation=simulation, inputs=planned_from)
        manifest = {
            **run.manifest,
            "simulation": {
                "command_line": command_line,
                "finished_at": dt.datetime.now().astimezone().isoformat(timespec="seconds"),
                "seconds": round(simulation.seconds, 3),
                "inputs_changed_since_plan": changed,
            },
        }
        manifest["files"] = sorted({*manifest.get("files", []), "simulation.csv", "simulation_intervals.csv"})
        atomic_write_text(staging / "manifest.json", json.dumps(manifest, indent=2) + "\n")
    return simulation, changed
