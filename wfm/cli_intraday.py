"""`wfm intraday`: re-plan the rest of today from today's actuals so far, and say what changes for whom."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Annotated

import pandas as pd
import typer
from rich.table import Table

from wfm.cli_common import err, error, out, run_and_scenario, warn
from wfm.interrupt import Interrupted, interruptible
from wfm.io import ScenarioError
from wfm.pipeline import EXIT_BAD_INPUT, EXIT_NO_PLAN
from wfm.pipeline_intraday import (
    IntradayError,
    IntradayOutcome,
    NoReplan,
    intraday_replan,
    read_actuals,
    write_intraday,
)

DEFAULT_TIME_LIMIT = 10.0


def _moment(at: str, date: str | None, actuals: Path) -> dt.datetime:
    """--at HH:MM on --date, or on the day of the actuals' last row."""
    try:
        clock = dt.time.fromisoformat(at)
    except ValueError:
        error(f"--at {at!r} is not a time of day; give it as HH:MM, e.g. --at 11:30")
        raise typer.Exit(EXIT_BAD_INPUT) from None
    if date is not None:
        try:
            return dt.datetime.combine(dt.date.fromisoformat(date), clock)
        except ValueError:
            error(f"--date {date!r} is not a date; give it as YYYY-MM-DD, e.g. --date 2026-03-03")
            raise typer.Exit(EXIT_BAD_INPUT) from None
    try:
        starts = pd.to_datetime(pd.read_csv(actuals, usecols=["interval_start"], sep=None, engine="python")[
            "interval_start"], errors="coerce").dropna()  # fmt: skip
    except (OSError, ValueError, pd.errors.ParserError):
        starts = pd.Series(dtype="datetime64[ns]")
    if starts.empty:
        error(f"{actuals} gives no day to re-plan (no readable interval_start); give it with --date YYYY-MM-DD")
        raise typer.Exit(EXIT_BAD_INPUT)
    return dt.datetime.combine(starts.max().date(), clock)


def print_intraday(outcome: IntradayOutcome) -> None:
    table = Table(title=f"today so far ({outcome.at:%a %d %b, %H:%M}) against the forecast")
    for column in ("queue", "forecast so far", "actual so far", "actual/forecast", "day elapsed", "rest of day x"):
        table.add_column(column, justify="left" if column == "queue" else "right")
    for f in outcome.reforecast:
        ratio = "-" if f.ratio is None else f"{f.ratio:.2f}"
        table.add_row(f.queue, f"{f.forecast_so_far:,.0f}", f"{f.actual_so_far:,.0f}", ratio,
                      f"{f.elapsed_share:.0%}", f"{f.volume_factor:.3f}")  # fmt: skip
    out.print(table)
    if outcome.changes:
        out.print(f"changes to read out ({len(outcome.changes)}, {len({c.agent_id for c in outcome.changes})} people):")
        for change in outcome.changes:
            out.print(f"  {change.text()}", markup=False, highlight=False)
    else:
        out.print("nobody's plan changes: the published plan is still the best for the rest of the day")
    for offer in outcome.offers:
        out.print(f"  {offer.text()}", markup=False, highlight=False)


def intraday(
    run_folder: Annotated[Path, typer.Argument(help="A run folder written by `wfm run`, e.g. schedules/2026-03-02")],
    actuals: Annotated[
        Path,
        typer.Option(
            "--actuals",
            help="Today's contacts so far, in the history format (interval_start, queue, volume[, aht_seconds])",
        ),
    ],
    at: Annotated[str, typer.Option("--at", help="Now, as HH:MM: the re-plan changes what comes after it")],
    date: Annotated[
        str | None, typer.Option("--date", help="The day (YYYY-MM-DD; default: the day of the actuals' rows)")
    ] = None,
    scenario: Annotated[
        Path | None,
        typer.Option("--scenario", help="The scenario the plan was made from (default: the one manifest.json names)"),
    ] = None,
    time_limit: Annotated[
        float, typer.Option("--time-limit", min=1, help="Seconds for the re-plan's search")
    ] = DEFAULT_TIME_LIMIT,
    seed: Annotated[int | None, typer.Option("--seed", min=0, help="Random seed (default: site.toml's)")] = None,
) -> None:
    """Re-plan the rest of a day from what has happened so far: re-forecast each queue from today's actuals,
    then move people between queues and breaks not yet taken (shifts keep their times), and suggest overtime
    and voluntary time off. Writes <run>/intraday/<date>T<HHMM>/ (changes.csv, offers.csv, coverage.csv,
    intraday.xlsx, ...); the published plan is not changed.

    Example: wfm intraday schedules/2026-03-02 --actuals today.csv --at 11:30
    """
    scenario_path, loaded = run_and_scenario(run_folder, scenario)
    if not actuals.is_file():
        error(f"{actuals} does not exist; give today's contacts so far as a CSV (interval_start, queue, volume)")
        raise typer.Exit(EXIT_BAD_INPUT)
    moment = _moment(at, date, actuals)
    step = loaded.site.interval_minutes
    if (moment.hour * 60 + moment.minute) % step:
        error(f"--at {at} is not on the site's {step}-minute intervals; give the start of the interval now under "
              f"way (e.g. --at {moment.hour:02d}:{moment.minute - moment.minute % step:02d}): intervals before it are "
              "over, and their actuals are what the re-plan uses")  # fmt: skip
        raise typer.Exit(EXIT_BAD_INPUT)
    dates = loaded.site.horizon.dates
    if moment.date() not in dates:
        error(f"{moment:%Y-%m-%d} is not a day of the plan in {run_folder} ({dates[0]} to {dates[-1]}); give --date")
        raise typer.Exit(EXIT_BAD_INPUT)
    try:
        frame = read_actuals(actuals, scenario_path, loaded, moment)
    except ScenarioError as exc:
        err.print(exc.report(f"{actuals} cannot be used"), markup=False, highlight=False)
        raise typer.Exit(EXIT_BAD_INPUT) from None
    with interruptible():
        try:
            outcome = intraday_replan(run_folder, loaded, frame, moment, time_limit_seconds=time_limit, seed=seed)
            folder = write_intraday(run_folder, loaded, outcome)
        except NoReplan as exc:
            error(str(exc))
            raise typer.Exit(EXIT_NO_PLAN) from None
        except IntradayError as exc:
            error(str(exc))
            raise typer.Exit(EXIT_BAD_INPUT) from None
        except Interrupted as stop:
            err.print(f"interrupted ({stop.name}): nothing was written", markup=False)
            raise typer.Exit(stop.exit_code) from None
    print_intraday(outcome)
    notes = [line.removeprefix("REPAIRED: ") for line in outcome.replanned.message.splitlines() if line.strip()]
    if notes:
        warn(notes)
    out.print(f"re-planned in {outcome.seconds:.1f} s; wrote {folder}/ (changes.csv, offers.csv, intraday.xlsx)",
              markup=False)  # fmt: skip
