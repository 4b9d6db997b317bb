"""`wfm batch run`: the unattended nightly job. Per site, under a lock:

1. check the site's history store (a store that existed and is now missing, empty or damaged stops the night
   unless `--reseed` is given), back it up to `<store>.<night>.bak`, ingest the inbox into it (`store.py`,
   `inbox.py`);
2. load the scenario, with the store's history and the horizon moved to start the day after the run date;
3. keep the freeze window (the next `freeze_days` days) exactly as the `latest` run published it
   (`wfm.scheduling.freeze`), and take its earlier shifts as the previous shifts for rest and consecutive days;
4. forecast, staffing, schedule (the pipeline), write a new run folder `<schedules>/<site>/<run date>/` (a
   night planned again goes to `<run date>.2`, `.3`, ...: a published folder is never replaced) atomically with
   manifest.json and batch.log, then point `latest` at it with one atomic symlink swap, and keep the last
   `keep_runs` nights.

What a reader of `latest` can rely on, at every instant, whatever kills the job: `latest` resolves to a complete
run folder (every file its manifest lists), the newest one published. A folder `latest` stopped pointing at
stays until the next night, so a reader who resolved `latest` just before the swap can finish reading it.
`wfm.faults.kill_point` marks each step of publishing and retention; the tests kill the job at every one.

A night whose inputs (scenario files, store, published plan, settings) are those of the run already written for
that date is not re-planned: running the same night twice changes nothing. Sites run in parallel processes.
Exit codes: see EXIT_* below; the job's code is the worst of its sites'.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import fcntl
import hashlib
import json
import os
import socket
import sqlite3
import time
import traceback
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from wfm.batch.checks import backlog_past_sla, stale_history
from wfm.batch.config import BatchConfig, SiteJob
from wfm.batch.inbox import ingest_inbox, pending
from wfm.batch.request_inbox import (
    RequestReport,
    approved_swap_days,
    approved_time_off,
    decide_request_inbox,
    with_time_off,
)
from wfm.batch.run_folders import (
    _keep_recent,
    _point_latest,
    _remove_leftovers,
    _repair_latest,
    _run_folders,
    run_key,
)
from wfm.batch.store import HistoryStore, StoreState, inspect_store
from wfm.batch.store_guard import StoreRefused, earlier_store, move_aside, reseed_warning, store_refusal
from wfm.cluster import Task, run_tasks
from wfm.domain import Horizon, Scenario
from wfm.domain.models import PreviousShift
from wfm.faults import kill_point
from wfm.forecast.accuracy_over_time import bias_drift, forecast_vs_actual
from wfm.interrupt import Interrupted, interruptible
from wfm.io import ScenarioError, load_scenario
from wfm.io.scenario import STAFF_CHANGE_NOTES
from wfm.pipeline import RunOptions, input_hashes, plan, write_run
from wfm.reports import horizon_days, read_plan
from wfm.scheduling.freeze import FrozenDays
from wfm.scheduling.result import Segment, ShiftAssignment

EXIT_OK = 0
EXIT_WARNINGS = 1  # a plan was published, with something to look at (service below target, a rejected file...)
EXIT_BAD_INPUT = 2  # the scenario, batch.toml or the history store is wrong: nothing published, `latest` untouched
EXIT_NO_PLAN = 3  # the rules cannot all hold (or no plan in the time limit): `latest` untouched
EXIT_INTERNAL = 4  # a bug: `latest` untouched, the traceback is in the log
EXIT_LOCKED = 5  # another run of the site is still going: this one did nothing
# Worst first: the job's exit code is the worst of its sites'.
SEVERITY = (EXIT_INTERNAL, EXIT_NO_PLAN, EXIT_BAD_INPUT, EXIT_LOCKED, EXIT_WARNINGS, EXIT_OK)

RUN_LOG = "batch.log"
# A run folder's name: the night's date, with a suffix for a night run again (2026-03-02, 2026-03-02.2).


class SiteLocked(Exception):
    pass


@dataclass
class SiteOutcome:
    site: str
    exit_code: int
    summary: str  # one line: what happened, and where the log is when it failed
    log: Path
    folder: Path | None = None
    warnings: list[str] = field(default_factory=list)


class _Log:
    """Lines with timestamps, to the site's log file as they happen (a killed run leaves what it got to)."""

    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        self.lines: list[str] = []

    def __call__(self, text: str) -> None:
        line = f"{dt.datetime.now().astimezone():%Y-%m-%d %H:%M:%S%z} {text}"
        self.lines.append(line)
        with self.path.open("a", encoding="utf-8") as handle:
            handle.write(line + "\n")

    def text(self) -> str:
        return "\n".join(self.lines) + "\n"


@contextlib.contextmanager
def site_lock(path: Path, log: _Log) -> Iterator[None]:
    """An exclusive lock on `path` for the run's lifetime (flock: the kernel frees it when the process dies,
    even by SIGKILL). A lock file still naming a run that holds no lock is a crashed run's: taken over."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = os.pread(fd, 4096, 0).decode(errors="replace").strip() or "unknown"
            raise SiteLocked(f"another run holds {path} ({holder})") from None
        stale = os.pread(fd, 4096, 0).decode(errors="replace").strip()
        if stale:
            log(f"lock: taking over a stale lock from a run that did not finish ({stale})")
        os.ftruncate(fd, 0)
        started = dt.datetime.now().astimezone().isoformat(timespec="seconds")
        os.pwrite(fd, f"pid {os.getpid()} on {socket.gethostname()} since {started}".encode(), 0)
        os.fsync(fd)
        try:
            yield
        finally:
            os.ftruncate(fd, 0)  # any end but a killed process leaves an empty lock file: nothing stale
    finally:
        os.close(fd)  # closing releases the flock


def _published_agents(folder: Path) -> list[str]:
    manifest = json.loads((folder / "manifest.json").read_text())
    return list(manifest.get("batch", {}).get("agents", []))


def _leavers_on_frozen_days(frozen: FrozenDays, scenario: Scenario) -> list[str]:
    """Shifts kept as published of agents no longer in staff.csv: the days are printed, the people are gone."""
    current = {a.agent_id for a in scenario.agents}
    gone: dict[str, list[ShiftAssignment]] = {}
    for shift in frozen.shifts:
        if shift.date in frozen.days and shift.agent_id not in current:
            gone.setdefault(shift.agent_id, []).append(shift)
    return [
        f"{agent_id} is no longer in staff.csv but was published to work "
        + ", ".join(f"{s.date:%a %d %b} {s.start:%H:%M}-{s.end:%H:%M}" for s in sorted(shifts, key=lambda s: s.start))
        + ": those shifts are not covered by them any more (the rest of the plan is unchanged)"
        for agent_id, shifts in sorted(gone.items())
    ]


def _published(folder: Path) -> tuple[list[ShiftAssignment], list[Segment], list[str]]:
    """A run folder's shifts, activities and agents (from shifts.csv, assignments.csv and the run's staff)."""
    shifts, segments = read_plan(folder)
    return shifts, segments, _published_agents(folder)


def _fingerprint(parts: dict[str, Any]) -> str:
    return hashlib.sha256(json.dumps(parts, sort_keys=True, default=str).encode()).hexdigest()


def _below_target(kpis: dict[str, Any], scenario: Scenario) -> list[str]:
    found = []
    for queue in scenario.site.queues:
        kpi = (kpis.get("queues") or {}).get(queue.id, {})
        level, target = kpi.get("service_level"), queue.service_level
        if level is not None and target is not None and level < target - 1e-9:
            found.append(f"{queue.id}: service level {level:.1%} below its {target:.0%} target")
    return found


def run_site(
    config: BatchConfig, job: SiteJob, run_date: dt.date, command_line: list[str], reseed: bool = False
) -> SiteOutcome:
    """One site's night. Never raises but `Interrupted` (a signal): every failure becomes an exit code and one
    line naming the log.
    `reseed`: a store that existed and is now missing, empty or damaged is started again from the scenario's
    history.csv (a damaged file is kept aside) instead of stopping the night."""
    root = config.batch.schedules / job.name
    log_path = root / "logs" / f"{run_date.isoformat()}.log"
    began = time.monotonic()
    try:
        log = _Log(log_path)
        log(f"run {job.name} for {run_date.isoformat()} (pid {os.getpid()})")
    except OSError as error:
        return SiteOutcome(job.name, EXIT_BAD_INPUT, f"{job.name}: cannot write its log {log_path} ({error})", log_path)
    try:
        # Ctrl-C or SIGTERM stops the solve at once and unwinds (wfm.interrupt): publishing is the last step and
        # atomic, so nothing is published and `latest` stays (CP-SAT alone would take Ctrl-C as its time limit
        # and publish the plan found so far).
        with interruptible(), site_lock(root / ".lock", log):
            return _run_locked(config, job, run_date, root, log, command_line, began, reseed)
    except Interrupted as stop:
        log(f"interrupted ({stop.name}): nothing published, `latest` untouched")
        raise
    except SiteLocked as error:
        log(f"not run: {error}")
        return SiteOutcome(job.name, EXIT_LOCKED, f"{job.name}: not run, {error}", log.path)
    except StoreRefused as error:
        log(f"bad input: {error}")
        return SiteOutcome(job.name, EXIT_BAD_INPUT, f"{job.name}: {error}; log {log.path}", log.path)
    except ScenarioError as error:
        log(f"bad input:\n{error.report()}")
        first = error.problems[0] if error.problems else error
        return SiteOutcome(job.name, EXIT_BAD_INPUT, f"{job.name}: bad input ({first}); log {log.path}", log.path)
    except Exception as error:  # a bug: keep the traceback in the log, say so in one line
        log(f"internal error:\n{traceback.format_exc()}")
        summary = f"{job.name}: internal error ({type(error).__name__}: {error}); log {log.path}"
        return SiteOutcome(job.name, EXIT_INTERNAL, summary, log.path)


def _run_locked(
    config: BatchConfig,
    job: SiteJob,
    run_date: dt.date,
    root: Path,
    log: _Log,
    command_line: list[str],
    began: float,
    reseed: bool = False,
) -> SiteOutcome:
    settings = config.batch
    stage_seconds: dict[str, float] = {}
    _remove_leftovers(root, log)
    _repair_latest(root, log)

    # 1. ingest (the scenario is loaded once: its site checks the exports, its history seeds a new store)
    started = time.monotonic()
    store_path = config.store_of(job)
    warnings: list[str] = []
    # A store that existed is never replaced silently: missing, emptied or damaged, the night stops (--reseed
    # starts it again on purpose). Only a site's first night, with no trace of an earlier store, seeds one.
    state = inspect_store(store_path)
    if state.damage is not None or state.empty:
        traces = earlier_store(_run_folders(root) if root.is_dir() else [], store_path, job)
        if state.damage is not None or traces:  # not a first night: this file is (or was) the site's history
            if not reseed:
                raise StoreRefused(store_refusal(job, state, traces))
            kept = move_aside(store_path, "damaged" if state.damage else "emptied") if state.exists else None
            if kept is not None:
                log(f"store: {store_path} ({state.damage or 'empty'}) moved aside to {kept.name} (--reseed)")
            warnings.append(reseed_warning(job, state, traces, kept))
    # The plan published before this night: the newest run of an earlier night (a night run again, or an
    # earlier night re-run, freezes against what was published before it, not against its own output).
    earlier_runs = [p for p in _run_folders(root) if run_key(p.name)[0] < run_date.isoformat()]
    parent = earlier_runs[-1] if earlier_runs else None
    published_agents = _published_agents(parent) if parent is not None else None
    # with the published plan's agents, a leaver's rows and a new starter without skills are warnings
    scenario = load_scenario(job.scenario, published=published_agents)
    try:
        with HistoryStore(store_path) as store:
            if store.rows() == 0:
                counts = store.ingest(scenario.history, source="history.csv (seed)")
                log(f"ingest: store created from the scenario's history.csv ({counts.rows:,} rows)")
                # What loading history.csv warned about (rows left out under [input] skip_bad_rows, implausible
                # values) is now in the store: the night says so once, on the night that seeds it.
                warnings += [w for w in scenario.warnings if w.startswith("history.csv")]
            backup = store.backup(run_date, settings.store_backups)
            if backup is not None:
                log(f"store: backed up to {backup.name} before tonight's ingest")
            window = (run_date - dt.timedelta(days=3 * 366), run_date + dt.timedelta(days=1))
            report = ingest_inbox(job.inbox, store, job.scenario / "site.toml", scenario.site, window)
            for name, counts in report.loaded:
                log(
                    f"ingest: {name}: {counts.rows:,} rows, {counts.changed:,} new or changed, "
                    f"{counts.replaced:,} replaced"
                )
            for name, why, error_file in report.rejected:
                warnings.append(f"rejected {name}: see {error_file}")
                log(f"ingest: rejected {name}:\n{why}")
            history = store.history()
            store_state = store.fingerprint()
            # The forecasts published on earlier nights against what happened: a queue running off is a warning.
            recent = pd.Timestamp(run_date - dt.timedelta(days=settings.bias_days + 1))
            published = store.published_forecasts()
            joined = forecast_vs_actual(
                published[published["interval_start"] >= recent], history[history["interval_start"] >= recent]
            )
            warnings += bias_drift(joined, run_date + dt.timedelta(days=1), settings.bias_days, settings.bias_warning)
    except (sqlite3.DatabaseError, pd.errors.DatabaseError) as error:  # damaged under way, locked, disk full...
        found = StoreState(store_path, exists=store_path.exists(), rows=0, damage=str(error))
        raise StoreRefused(
            store_refusal(job, found, earlier_store(_run_folders(root) if root.is_dir() else [], store_path, job))
        ) from None
    stage_seconds["ingest"] = time.monotonic() - started

    # 2. the scenario for the next horizon, on the store's history
    started = time.monotonic()
    horizon = Horizon(start=run_date + dt.timedelta(days=1), days=job.horizon_days or scenario.site.horizon.days)
    scenario = scenario.model_copy(update={"site": scenario.site.model_copy(update={"horizon": horizon}),
                                           "history": history})  # fmt: skip
    for warning in (
        stale_history(job.name, store_path, history, run_date, config.max_history_age_of(job)),
        backlog_past_sla(job.name, scenario, job.scenario / "backlog.csv"),
    ):
        if warning:
            warnings.append(warning)

    # Time off approved on earlier nights (and tonight, below) is kept in the store: every re-plan keeps it.
    scenario = with_time_off(scenario, approved_time_off(store_path))
    requests = RequestReport()
    assert job.requests_inbox is not None  # load_batch_config sets it
    if parent is not None:
        requests = decide_request_inbox(job.requests_inbox, parent, scenario, store_path, run_date)
        scenario = with_time_off(scenario, approved_time_off(store_path))
        for name, approved, declined in requests.decided:
            log(f"requests: {name}: {approved} approved, {declined} declined (see {name} in processed/)")
        for name, error_file in requests.rejected:
            warnings.append(f"rejected requests file {name}: see {error_file}")
    elif pending(job.requests_inbox):
        log("requests: waiting in the inbox until a plan is published to decide them against")

    # 3. the published plan: its first days stay, its earlier shifts count for rest and consecutive days
    published_run = parent.name if parent else None
    frozen = None
    swap_days = approved_swap_days(store_path)  # tonight's and earlier nights' approved swaps
    if parent is not None and (settings.freeze_days > 0 or swap_days):
        shifts, segments, agents = _published(parent)
        if requests.plan is not None:  # with tonight's approved requests in it
            shifts, segments = list(requests.plan.shifts), list(requests.plan.segments)
        # only days the published plan planned can be kept as published; a day with an approved swap is kept too
        covered = set(horizon_days(json.loads((parent / "kpis.json").read_text())))
        days = tuple(sorted(
            {day for d in range(min(settings.freeze_days, horizon.days))
             if (day := horizon.start + dt.timedelta(days=d)) in covered}
            | {day for day in swap_days if day in covered and horizon.start <= day < horizon.end}
        ))  # fmt: skip
        frozen = FrozenDays(days=days, shifts=tuple(shifts), segments=tuple(segments), agents=tuple(agents))
        earlier = [
            PreviousShift(agent_id=s.agent_id, start=s.start, end=s.end)
            for s in shifts
            if s.date < horizon.start and s.date >= horizon.start - dt.timedelta(days=7)
        ]
        known = {(p.agent_id, p.start) for p in scenario.previous_shifts}
        previous = tuple(scenario.previous_shifts) + tuple(p for p in earlier if (p.agent_id, p.start) not in known)
        scenario = scenario.model_copy(update={"previous_shifts": previous})
        log(f"freeze: {', '.join(f'{d:%a %d %b}' for d in days)} kept as published in run {published_run}")
        warnings += _leavers_on_frozen_days(frozen, scenario)
    stage_seconds["load"] = time.monotonic() - started

    fingerprint = _fingerprint(
        {
            "inputs": input_hashes(job.scenario),
            "store": store_state,
            "published": published_run,
            "run_date": run_date,
            "settings": settings.model_dump(mode="json"),
            "job": job.model_dump(mode="json"),
            "approved_time_off": len(approved_time_off(store_path)),
            "approved_swaps": sorted(map(str, swap_days)),
        }
    )
    tonights = [p for p in _run_folders(root) if run_key(p.name)[0] == run_date.isoformat()]
    if tonights:
        folder = tonights[-1]
        done = json.loads((folder / "manifest.json").read_text()).get("batch", {})
        if done.get("fingerprint") == fingerprint:
            log(f"unchanged: run {folder.name} was made from these same inputs; nothing to do")
            # (a night killed after placing its folder finishes here what it began: `latest`, retention)
            superseded = _point_latest(root, folder)
            _keep_recent(root, run_date, settings.keep_runs, log, spare=superseded)
            tonight = [w for w in warnings if w not in done.get("warnings", [])]  # e.g. a file rejected now
            code = EXIT_WARNINGS if tonight else int(done.get("exit_code", EXIT_OK))
            summary = f"{job.name}: {folder.name} is up to date (same inputs)"
            if tonight:
                summary += f", {len(tonight)} warning(s): {tonight[0]}"
            return SiteOutcome(job.name, code, summary, log.path, folder, [*done.get("warnings", []), *tonight])

    # 4. plan and publish
    options = RunOptions(
        seed=settings.seed,
        time_limit_seconds=settings.time_limit_seconds,
        workers=settings.workers,
        deterministic=settings.deterministic,
        frozen=frozen,
        settle_conflicts=True,  # one person's impossible week is a warning, not a night without a plan
    )
    log(f"plan: horizon {horizon.start} + {horizon.days} days, {len(history):,} history rows")
    outcome = plan(scenario, options)
    scenario = outcome.scenario or scenario  # as planned: settled conflicts change some agents' rows
    stage_seconds.update(outcome.stage_seconds)
    result = outcome.result
    for name, seconds in outcome.stage_seconds.items():
        log(f"stage {name}: {seconds:.1f} s")
    if not result.status.has_plan or outcome.kpis is None:
        log(f"no plan ({result.status.value}):\n{result.message}")
        reason = result.message.splitlines()[0] if result.message else result.status.value
        return SiteOutcome(job.name, EXIT_NO_PLAN, f"{job.name}: no plan, {reason}; log {log.path}", log.path)
    repairs = [line for line in result.message.splitlines() if line.startswith("REPAIRED: ")]
    warnings += [line.removeprefix("REPAIRED: ") for line in repairs]
    # The forecast's and staffing's own warnings on tonight's history (the scenario's were handled above: they
    # concern history.csv and site.toml's own horizon, which the night replaces).
    warnings += [w for w in outcome.warnings if w not in scenario.warnings]
    warnings += [w for w in scenario.warnings if any(note in w for note in STAFF_CHANGE_NOTES)]
    warnings += _below_target(outcome.kpis, scenario)
    code = EXIT_WARNINGS if warnings else EXIT_OK
    for line in warnings:
        log(f"warning: {line}")
    log(f"plan: {result.summary()}")
    stage_seconds["total"] = time.monotonic() - began
    batch_manifest = {
        "site": job.name,
        "run_date": run_date.isoformat(),
        "fingerprint": fingerprint,
        "exit_code": code,
        "warnings": warnings,
        "frozen_days": [d.isoformat() for d in frozen.days] if frozen else [],
        "published_from": published_run,
        "ingested": [
            {"file": n, "rows": c.rows, "changed": c.changed, "replaced": c.replaced} for n, c in report.loaded
        ],
        "rejected": [name for name, _, _ in report.rejected],
        "requests": [{"file": n, "approved": a, "declined": d} for n, a, d in requests.decided],
        "agents": [a.agent_id for a in scenario.agents],
        "batch_seconds": {k: round(v, 3) for k, v in stage_seconds.items()},
    }
    written = write_run(
        outcome,
        scenario,
        job.scenario,
        root,
        options=options,
        command_line=command_line,
        started_at=dt.datetime.now().astimezone(),
        folder_name=run_date.isoformat(),
        extra_manifest={"batch": batch_manifest},
        extra_files=lambda: {RUN_LOG: log.text()},
        replace=False,  # a new folder (the night's date, or <date>.N for a night planned again)
    )
    kill_point("batch:written")
    try:  # kept for `wfm accuracy`; the night's plan is published whatever happens here
        with HistoryStore(store_path) as store:
            log(f"store: kept tonight's forecast ({store.keep_forecast(run_date, outcome.forecast):,} rows)")
    except sqlite3.DatabaseError as error:
        log(f"warning: tonight's forecast was not kept in the store ({error}); wfm accuracy will miss this night")
    superseded = _point_latest(root, written)
    log(f"published {written} and pointed {root / 'latest'} at it")
    kill_point("batch:latest-moved")
    _keep_recent(root, run_date, settings.keep_runs, log, spare=superseded)
    kill_point("batch:retention-done")
    summary = f"{job.name}: published {written.name} ({result.summary()})"
    if warnings:
        summary += f", {len(warnings)} warning(s): {warnings[0]}"
    return SiteOutcome(job.name, code, summary, log.path, written, warnings)


def run_batch(
    config: BatchConfig,
    run_date: dt.date,
    command_line: list[str],
    sites: list[str] | None = None,
    reseed: bool = False,
) -> list[SiteOutcome]:
    """Every site's night (or the named ones): on the Dask cluster of `[cluster] address` if set, else in up to
    `max_workers` processes of this machine. A site whose task fails or whose process dies fails alone.
    `reseed`: see `run_site`. Raises ClusterError when the cluster cannot be used."""
    jobs = [job for job in config.sites if sites is None or job.name in sites]
    tasks = [Task(job.name, (config, job, run_date, command_line, reseed)) for job in jobs]
    outcomes = run_tasks(run_site, tasks, workers=config.batch.max_workers, address=config.cluster.address)
    done = []
    for job, outcome in zip(jobs, outcomes, strict=True):
        if outcome.value is not None:
            done.append(outcome.value)
            continue
        log = config.batch.schedules / job.name / "logs" / f"{run_date.isoformat()}.log"
        summary = f"{job.name}: internal error, its task ended ({outcome.error}); log {log}"
        done.append(SiteOutcome(job.name, EXIT_INTERNAL, summary, log))
    return done


def worst_exit_code(outcomes: list[SiteOutcome]) -> int:
    codes = {o.exit_code for o in outcomes}
    return next((code for code in SEVERITY if code in codes), EXIT_OK)


def recent_runs(config: BatchConfig, last: int = 7) -> list[dict[str, Any]]:
    """The newest `last` runs per site from their manifests and KPIs: for `wfm batch status`."""
    rows: list[dict[str, Any]] = []
    for job in config.sites:
        root = config.batch.schedules / job.name
        if not root.is_dir():
            rows.append({"site": job.name, "run": None})
            continue
        latest = (root / "latest").resolve() if (root / "latest").exists() else None
        for folder in reversed(_run_folders(root)[-last:]):
            manifest = json.loads((folder / "manifest.json").read_text())
            kpis = json.loads((folder / "kpis.json").read_text()) if (folder / "kpis.json").exists() else {}
            overall = kpis.get("overall", {})
            batch = manifest.get("batch", {})
            rows.append(
                {
                    "site": job.name,
                    "run": folder.name,
                    "latest": folder.resolve() == latest,
                    "finished_at": manifest.get("finished_at"),
                    "seconds": batch.get("batch_seconds", {}).get("total"),
                    "status": manifest.get("status"),
                    "exit_code": batch.get("exit_code"),
                    "warnings": len(batch.get("warnings", [])),
                    "service_level": overall.get("service_level"),
                    "items_past_sla": overall.get("items_past_sla"),
                    "overtime_hours": overall.get("overtime_hours"),
                }
            )
        kept = _run_folders(root)
        oldest = run_key(kept[0].name)[0] if kept else ""
        nights = {run_key(p.name)[0] for p in kept}
        for log in sorted((root / "logs").glob("*.log"))[-last:] if (root / "logs").is_dir() else []:
            # a night with a log and no run folder failed (runs older than the oldest kept were pruned)
            if log.stem >= oldest and log.stem not in nights:
                rows.append({"site": job.name, "run": log.stem, "failed_log": str(log)})
    return rows
