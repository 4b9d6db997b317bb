"""`wfm`: the command line. Wiring, progress and exit codes only; the work happens in the stages.

Exit codes: 0 plan written (or input valid), 1 input valid with warnings (`wfm validate`), 2 bad input (file,
row, column and what to do are printed), 3 no plan (rules contradict each other, or time limit reached without a
plan), 4 internal error (a bug: please report it with the command line; set WFM_DEBUG=1 for the traceback),
130 / 143 interrupted by Ctrl-C (SIGINT) / SIGTERM (nothing written: earlier outputs are untouched).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import os
import sys
import traceback
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated

import pandas as pd
import typer
from rich.markup import escape
from rich.table import Table

from wfm.cli_batch import accuracy, batch_app
from wfm.cli_capacity import capacity
from wfm.cli_common import (
    EXIT_WARNINGS,
    DeterministicOpt,
    ForceOpt,
    OutDirOpt,
    PreviousPlanOpt,
    ScenarioArg,
    SeedOpt,
    SkipBadRowsOpt,
    TimeLimitOpt,
    WorkersOpt,
    csv_text,
    err,
    error,
    load,
    out,
    warn,
)
from wfm.cli_contacts import import_contacts
from wfm.cli_forecast import forecast
from wfm.cli_intraday import intraday
from wfm.cli_progress import fmt, plan_quality, print_summary
from wfm.cli_progress import progress as progress_line
from wfm.cli_progress import stage as stage_line
from wfm.cli_requests import requests
from wfm.cli_simulate import print_simulation, simulate
from wfm.cli_whatif import whatif
from wfm.demo import MAX_AGENTS, MAX_QUEUES, MIN_AGENTS, generate_operation
from wfm.domain import QueueKind
from wfm.interrupt import Interrupted, interruptible
from wfm.io import atomic_write_text, is_forecast_only, load_forecast_inputs, load_scenario
from wfm.pipeline import EXIT_BAD_INPUT, EXIT_INTERNAL, EXIT_NO_PLAN, RunOptions, plan, requirements_for, write_run
from wfm.reports import read_plan
from wfm.scheduling.model import PreviousShift
from wfm.scheduling.problem import build_problem

app = typer.Typer(
    help=(
        "Blended workforce management: forecast demand, compute staffing, and plan named agents across front, "
        "middle and back office in one CP-SAT optimisation.\n\n"
        "Example: wfm run data/sample --out schedules --seed 7"
    ),
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


@app.command()
def validate(scenario: ScenarioArg, skip_bad_rows: SkipBadRowsOpt = False) -> None:
    """Check a scenario: every file, row and cross reference, and the rule conflicts visible before solving.

    Exit codes: 0 valid; 1 valid, with warnings (printed: values to check, rows --skip-bad-rows leaves out);
    2 bad input or rule conflicts.

    Example: wfm validate data/sample
    """
    from wfm.scheduling.explain import explain_infeasible_agents

    if is_forecast_only(scenario):
        _validate_forecast_only(scenario, skip_bad_rows)
        return
    from wfm.forecast import history_warnings

    loaded = load(scenario, load_scenario, skip_bad_rows)
    # The same warnings `wfm run` prints: a planner checks them here, before anything is planned.
    warnings = [*loaded.warnings, *history_warnings(loaded.history, loaded.site)]
    warn(warnings)
    data = build_problem(loaded, None)
    # Every hard rule is per agent: each agent's own week is checked with the same rule plug-ins as the solve.
    problems = list(data.problems) or explain_infeasible_agents(data)
    if problems:
        err.print(f"[red]{len(problems)} rule conflict(s) make a plan impossible:[/red]")
        for problem in problems:
            err.print(f"- {problem}", markup=False, highlight=False)
        raise typer.Exit(EXIT_BAD_INPUT)
    site = loaded.site
    count = len(warnings)
    noted = f" ({count} warning{'s' if count != 1 else ''} above)" if count else ""
    out.print(
        f"[green]OK[/green] {escape(site.name)}: {len(loaded.agents)} agents, {len(site.queues)} queues, "
        f"{len(loaded.history):,} history rows, horizon {site.horizon.start} + {site.horizon.days} days{noted}"
    )
    if count:
        raise typer.Exit(EXIT_WARNINGS)


def _validate_forecast_only(scenario: Path, skip_bad_rows: bool) -> None:
    """A folder with queues and history but no staff, shifts or contracts: what `wfm forecast` reads is checked."""
    from wfm.forecast import history_warnings

    inputs = load(scenario, load_forecast_inputs, skip_bad_rows)
    start = inputs.site.horizon.start
    before = inputs.history[inputs.history["interval_start"] < pd.Timestamp(start)]
    without = [q.id for q in inputs.site.queues if q.id not in set(before["queue"])]
    if without:
        error(
            f"no history before the horizon's start ({start}) for queue(s) {', '.join(without)}: the forecast "
            "needs past volumes for each queue (add them to history.csv, or move [horizon] start)"
        )
        raise typer.Exit(EXIT_BAD_INPUT)
    warnings = [*inputs.warnings, *history_warnings(inputs.history, inputs.site)]
    warn(warnings)
    count = len(warnings)
    noted = f" ({count} warning{'s' if count != 1 else ''} above)" if count else ""
    queues = len(inputs.site.queues)
    out.print(
        f"[green]OK[/green] {escape(inputs.site.name)} (forecast only): {queues} queue{'s' if queues != 1 else ''}, "
        f"{len(inputs.history):,} history rows{noted}. "
        + escape(
            "To plan people too, add [[shift_templates]] and [[contracts]] to site.toml, and staff.csv and "
            "skills.csv to the folder."
        )
    )
    if count:
        raise typer.Exit(EXIT_WARNINGS)


app.command("forecast")(forecast)  # in the order a newcomer uses them: validate, forecast, staffing, ...


@app.command()
def staffing(
    scenario: ScenarioArg,
    out_file: Annotated[Path, typer.Option("--out", help="Where to write requirements.csv")] = Path(
        "schedules/requirements.csv"
    ),
    forecast_file: Annotated[
        Path | None, typer.Option("--forecast", help="Use this forecast.csv instead of forecasting again")
    ] = None,
    skip_bad_rows: SkipBadRowsOpt = False,
) -> None:
    """Turn the forecast into requirements: agents per interval for live queues (Erlang C, or Erlang A where the
    queue has patience_seconds; chat concurrency; shrinkage), and for deferred queues the work due by each
    interval and the flattest capacity that meets every deadline (backlog.csv included).

    Writes requirements.csv and, beside it, staffing_summary.csv (the table printed here).

    Example: wfm staffing data/sample --forecast schedules/forecast.csv --out schedules/requirements.csv
    """
    from wfm.forecast import run_forecast
    from wfm.staffing import requirements_summary

    loaded = load(scenario, load_scenario, skip_bad_rows)
    warn(loaded.warnings)
    try:
        if forecast_file is not None:
            demand = _read_forecast(forecast_file)
        else:
            result = run_forecast(loaded.history, loaded.site, events=loaded.events)
            warn(result.warnings)
            demand = result.forecast
        # The same grid as `wfm run` plans on: a daylight-saving day in clock intervals, with a warning.
        requirements, notes = requirements_for(demand, loaded)
        warn(notes)
    except ValueError as exc:
        error(str(exc))
        raise typer.Exit(EXIT_BAD_INPUT) from None
    summary = requirements_summary(requirements, loaded.site)
    folder = out_file.parent
    folder.mkdir(parents=True, exist_ok=True)
    atomic_write_text(out_file, csv_text(requirements))
    atomic_write_text(folder / "staffing_summary.csv", csv_text(summary))

    table = Table(title=f"Requirements {loaded.site.horizon.start} + {loaded.site.horizon.days} days")
    columns = ("queue", "model", "volume", "peak agents", "agent-h", "SL at req.", "abandon", "work h", "due items")
    for column in columns:
        table.add_column(column, justify="left" if column in ("queue", "model") else "right")
    for row in summary.itertuples(index=False):
        live = row.kind == QueueKind.LIVE.value
        peak = row.peak_agents if live else row.peak_capacity_agents
        table.add_row(
            str(row.queue),
            str(row.model),
            f"{row.volume:,.0f}",
            fmt(peak, ".0f" if live else ".1f"),
            fmt(row.agent_hours, ",.1f"),
            fmt(row.service_level, ".1%"),
            fmt(row.abandon_rate, ".1%"),
            fmt(row.work_hours, ",.1f"),
            fmt(row.items_due, ",.0f"),
        )
    out.print(table)
    out.print(
        "live: agents to schedule (after shrinkage) and the service level the requirement buys; deferred: peak of the "
        "flattest capacity (agents at proficiency 1) that finishes every item by its deadline"
    )
    out.print(f"wrote {out_file} and {folder / 'staffing_summary.csv'}")


def _read_forecast(path: Path) -> pd.DataFrame:
    try:
        frame = pd.read_csv(path)
    except (OSError, pd.errors.ParserError, UnicodeDecodeError) as exc:
        error(f"cannot read forecast {path}: {exc}")
        raise typer.Exit(EXIT_BAD_INPUT) from None
    missing = {"interval_start", "queue", "volume", "aht_seconds"} - set(frame.columns)
    if missing:
        error(
            f"{path}: missing column(s) {', '.join(sorted(missing))}; expected "
            "interval_start,queue,volume,aht_seconds (as written by `wfm forecast`)"
        )
        raise typer.Exit(EXIT_BAD_INPUT)
    frame["interval_start"] = pd.to_datetime(frame["interval_start"], errors="coerce")
    bad = frame.index[frame["interval_start"].isna()]
    if len(bad):
        error(f"{path}, row {bad[0] + 2}, column 'interval_start': not a date-time")
        raise typer.Exit(EXIT_BAD_INPUT)
    # Staffing needs a volume >= 0 everywhere and a handle time > 0 wherever there is volume; name the first
    # offending row (row 1 is the header) rather than fail later on a whole column.
    volume = pd.to_numeric(frame["volume"], errors="coerce")
    aht = pd.to_numeric(frame["aht_seconds"], errors="coerce")
    checks = (
        ("volume", ~(volume >= 0), "a number >= 0 (contacts or items in the interval)"),
        ("aht_seconds", (volume > 0) & ~(aht > 0), "a handle time > 0 seconds wherever volume > 0"),
    )
    for column, wrong, expected in checks:
        rows = frame.index[wrong.to_numpy()]
        if len(rows):
            value = frame.loc[rows[0], column]
            shown = f"{value:g}" if isinstance(value, int | float) else str(value)
            error(
                f"{path}, row {rows[0] + 2}, column '{column}': '{shown}' is not {expected} "
                f"({len(rows)} such row(s)); fix the forecast or rerun `wfm forecast`"
            )
            raise typer.Exit(EXIT_BAD_INPUT)
    frame["volume"], frame["aht_seconds"] = volume, aht
    return frame


def _run_options(
    seed: int, time_limit: float | None, workers: int | None, deterministic: bool, previous_plan: Path | None
) -> RunOptions:
    return RunOptions(
        seed=seed,
        time_limit_seconds=time_limit,
        workers=workers,
        deterministic=deterministic,
        previous_plan=_read_previous_plan(previous_plan),
    )


def _read_previous_plan(folder: Path | None) -> tuple[PreviousShift, ...]:
    """(agent_id, date, template, shift start) of each shift in a run folder's shifts.csv."""
    if folder is None:
        return ()
    try:
        shifts, _ = read_plan(folder)
        return tuple((s.agent_id, s.date, s.template_id, s.start) for s in shifts)
    except (OSError, pd.errors.ParserError, UnicodeDecodeError, AttributeError, ValueError, KeyError) as exc:
        error(f"--previous-plan {folder}: cannot read its plan ({exc}); give a run folder written by `wfm run`")
        raise typer.Exit(EXIT_BAD_INPUT) from None


@dataclass(frozen=True)
class _RunRequest:
    """What `wfm run` and `wfm schedule` were asked to do."""

    scenario_path: Path
    out_root: Path
    options: RunOptions
    forecast_file: Path | None  # None: forecast from the history
    quiet: bool  # no solver progress lines
    force: bool  # replace OUT/<start>/ instead of writing OUT/<start>.2/
    skip_bad_rows: bool  # plan without history rows that cannot be used as written


def _plan_and_write(request: _RunRequest) -> None:
    """Plan and write the run folder; Ctrl-C or SIGTERM at any point writes nothing and exits 130 / 143."""
    written: list[Path] = []
    with interruptible():
        try:
            _plan_and_write_now(request, written)
        except Interrupted as stop:
            done = f"{written[0]} was already complete" if written else "nothing written"
            err.print(f"interrupted ({stop.name}): {done}; earlier outputs are untouched", markup=False)
            raise typer.Exit(stop.exit_code) from None


def _plan_and_write_now(request: _RunRequest, written: list[Path]) -> None:
    scenario_path, out_root, options = request.scenario_path, request.out_root, request.options
    forecast_file, quiet, force = request.forecast_file, request.quiet, request.force
    started_at = dt.datetime.now().astimezone()
    loaded = load(scenario_path, load_scenario, request.skip_bad_rows)
    given = _read_forecast(forecast_file) if forecast_file else None
    limit = options.time_limit_seconds or loaded.site.solver.time_limit_seconds
    unit = "deterministic units (a measure of work, not seconds)" if options.deterministic else "s"
    err.print(
        f"planning {loaded.site.name}: {len(loaded.agents)} agents, {len(loaded.site.queues)} queues; "
        f"solver time limit {limit:g} {unit}",
        markup=False,
        highlight=False,
        soft_wrap=True,
    )
    try:
        outcome = plan(
            loaded,
            options,
            forecast=given,
            progress=None if quiet else progress_line,
            stage=None if quiet else stage_line,
        )
    except ValueError as exc:  # the stages raise ValueError for data they cannot honestly plan from
        error(str(exc))
        raise typer.Exit(EXIT_BAD_INPUT) from None
    warn(outcome.warnings)
    result = outcome.result
    if not result.status.has_plan:
        err.print(f"[red]no plan ({result.status.value}).[/red] Earlier outputs are untouched.")
        err.print(result.message, markup=False, highlight=False)
        raise typer.Exit(EXIT_NO_PLAN)
    if result.message:
        warn([result.message])
    if not quiet:
        stage_line("writing the workbook and files")
    usual = out_root / loaded.site.horizon.start.isoformat()
    replacing = force and usual.exists()
    folder = write_run(
        outcome,
        loaded,
        scenario_path,
        out_root,
        options=options,
        command_line=["wfm", *sys.argv[1:]],
        started_at=started_at,
        replace=force,
    )
    written.append(folder)
    if folder != usual:
        err.print(f"{usual} already holds a run; this one is in {folder}; --force replaces it", markup=False)
    elif replacing:
        err.print(f"replaced the earlier run in {usual} (--force)", markup=False)
    print_summary(loaded, outcome.kpis or {}, plan_quality(result), folder)
    if outcome.simulation is not None:
        print_simulation(loaded, outcome.simulation)


@app.command(name="schedule")
def schedule_cmd(
    scenario: ScenarioArg,
    seed: SeedOpt,
    out_root: OutDirOpt = Path("schedules"),
    forecast_file: Annotated[
        Path | None, typer.Option("--forecast", help="Use this forecast.csv instead of forecasting again")
    ] = None,
    time_limit: TimeLimitOpt = None,
    workers: WorkersOpt = None,
    deterministic: DeterministicOpt = False,
    quiet: Annotated[bool, typer.Option("--quiet", help="No solver progress lines")] = False,
    previous_plan: PreviousPlanOpt = None,
    force: ForceOpt = False,
    skip_bad_rows: SkipBadRowsOpt = False,
) -> None:
    """Plan named agents (shifts, breaks, queue per interval) from a forecast, and write the run folder.

    Example: wfm schedule data/sample --forecast schedules/forecast.csv --seed 7 --time-limit 60
    """
    options = _run_options(seed, time_limit, workers, deterministic, previous_plan)
    _plan_and_write(_RunRequest(scenario, out_root, options, forecast_file, quiet, force, skip_bad_rows))


@app.command()
def run(
    scenario: ScenarioArg,
    seed: SeedOpt,
    out_root: OutDirOpt = Path("schedules"),
    time_limit: TimeLimitOpt = None,
    workers: WorkersOpt = None,
    deterministic: DeterministicOpt = False,
    quiet: Annotated[bool, typer.Option("--quiet", help="No solver progress lines")] = False,
    previous_plan: PreviousPlanOpt = None,
    force: ForceOpt = False,
    skip_bad_rows: SkipBadRowsOpt = False,
    simulate_plan: Annotated[
        bool,
        typer.Option("--simulate", help="Also replay the plan in the simulation (as `wfm simulate` does)"),
    ] = False,
) -> None:
    """All stages: validate, forecast, staffing, schedule, reports (roster.xlsx, CSVs, kpis.json, manifest.json).

    Example: wfm run data/sample --out schedules --seed 7
    """
    options = _run_options(seed, time_limit, workers, deterministic, previous_plan)
    options = dataclasses.replace(options, simulate=simulate_plan)
    _plan_and_write(_RunRequest(scenario, out_root, options, None, quiet, force, skip_bad_rows))


@app.command()
def export(
    run_folder: Annotated[Path, typer.Argument(help="A run folder written by `wfm run`, e.g. schedules/2026-03-02")],
    fmt: Annotated[str, typer.Option("--format", help="csv | json | xlsx")] = "json",
    agent: Annotated[str | None, typer.Option("--agent", help="Only this agent's shifts and activities")] = None,
    out_file: Annotated[Path | None, typer.Option("--out", help="Output file (default: next to the run)")] = None,
    force: Annotated[bool, typer.Option("--force", help="Replace the --out file if it exists")] = False,
) -> None:
    """Export a run's plan for other systems or for one person (shifts and activity segments).

    Example: wfm export schedules/2026-03-02 --format csv --agent A0042
    """
    from wfm.reports.export import ExportError, export_plan

    try:
        done = export_plan(run_folder, fmt, agent, out_file, force)
    except ExportError as problem:
        error(str(problem))
        raise typer.Exit(EXIT_BAD_INPUT) from None
    out.print(f"wrote {done.target} ({done.shifts} shifts, {done.activities} activities{done.note})", markup=False)


@app.command()
def demo(
    out_dir: Annotated[Path, typer.Argument(help="Folder to write the generated scenario into (new or empty)")],
    agents: Annotated[int, typer.Option(help=f"Head count ({MIN_AGENTS} to {MAX_AGENTS:,})")] = 150,
    queues: Annotated[int, typer.Option(help=f"Queues (3 to {MAX_QUEUES}; the sample has 8)")] = 8,
    seed: Annotated[int, typer.Option(help="Generator seed")] = 7,
    force: Annotated[
        bool,
        typer.Option("--force", help="Write into a folder that holds files (its scenario files are overwritten)"),
    ] = False,
) -> None:
    """Generate a realistic sample operation (the bundled data/sample is `wfm demo data/sample`).

    Example: wfm demo /tmp/ops1000 --agents 1000 --queues 12 --seed 7
    """
    if out_dir.exists() and not out_dir.is_dir():
        error(f"{out_dir} is a file, not a folder; give a new or empty folder")
        raise typer.Exit(EXIT_BAD_INPUT)
    held = sorted(p.name for p in out_dir.iterdir()) if out_dir.is_dir() else []
    if held and not force:
        shown = ", ".join(held[:5]) + (f" and {len(held) - 5} more" if len(held) > 5 else "")
        error(
            f"{out_dir} is not empty ({shown}); the demo would overwrite its site.toml, staff, skills and "
            "history. Give a new or empty folder, or --force to overwrite."
        )
        raise typer.Exit(EXIT_BAD_INPUT)
    try:
        generate_operation(out_dir, agents=agents, queues=queues, seed=seed)
    except ValueError as exc:
        error(str(exc))
        raise typer.Exit(EXIT_BAD_INPUT) from None
    out.print(f"wrote {out_dir}/")


app.command("import")(import_contacts)
app.command("simulate")(simulate)
app.command("intraday")(intraday)
app.command("requests")(requests)
app.command("accuracy")(accuracy)
app.command("capacity")(capacity)
app.command("whatif")(whatif)
app.add_typer(batch_app, name="batch")


def main() -> None:
    try:
        app()
    except KeyboardInterrupt:
        err.print("interrupted; earlier outputs are untouched")
        sys.exit(130)
    except Interrupted as stop:  # a signal just outside a run's own handling (wfm.interrupt)
        err.print(f"interrupted ({stop.name}); earlier outputs are untouched", markup=False)
        sys.exit(stop.exit_code)
    except Exception as exc:  # a bug: say so in one line, keep the traceback for those who ask
        if os.environ.get("WFM_DEBUG"):
            traceback.print_exc()
        err.print(
            f"[red]internal error:[/red] {escape(f'{type(exc).__name__}: {exc}')}. Earlier outputs are untouched. "
            "Please report this with the command line (WFM_DEBUG=1 shows the traceback).",
            highlight=False,
        )
        sys.exit(EXIT_INTERNAL)


if __name__ == "__main__":
    main()
