"""`wfm capacity`: the long-term capacity plan: FTE required against available per office and week, the gap,
and the hiring classes that would close it."""

from __future__ import annotations

import datetime as dt
import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from wfm.cli_common import (
    ScenarioArg,
    cluster_address,
    err,
    error,
    interrupted_writes_nothing,
    load,
    out,
    scenario_grid_errors,
    warn,
)
from wfm.io import ScenarioError, load_scenario
from wfm.io.capacity_file import CapacityFile, load_capacity_plan
from wfm.io.variations import parse_vary
from wfm.pipeline import EXIT_BAD_INPUT, EXIT_NO_PLAN
from wfm.pipeline_capacity import KNOBS, MAX_WEEKS, default_start, run_capacity, write_capacity
from wfm.staffing.capacity import SITE, CapacityOutcome, office_summary, offices_of

CANNOT_START = "The capacity plan cannot start"


def _start(text: str | None, default: dt.date) -> dt.date:
    if text is None:
        return default
    try:
        start = dt.date.fromisoformat(text)
    except ValueError:
        error(f"--start {text!r} is not a date; give it as YYYY-MM-DD, e.g. --start {default}")
        raise typer.Exit(EXIT_BAD_INPUT) from None
    if start.weekday():
        monday = start - dt.timedelta(days=start.weekday())
        error(f"--start {start} is a {start:%A}; capacity weeks start on Mondays: give {monday} or "
              f"{monday + dt.timedelta(weeks=1)}")  # fmt: skip
        raise typer.Exit(EXIT_BAD_INPUT)
    return start


def print_capacity(outcome: CapacityOutcome) -> None:
    base = outcome.base
    if base is None:
        return
    tolerance = outcome.plan.shortfall_tolerance_fte
    title = f"capacity: {outcome.site}, {outcome.weeks} weeks from {outcome.start}"
    if len(outcome.cases) > 1:
        title += f" (S1: {base.label})"
    table = Table(title=title)
    headings = ("office", "week 1 FTE required / available", f"week {outcome.weeks}", "worst gap FTE",
                "weeks short", "people to hire", "first class starts")  # fmt: skip
    for column in headings:
        table.add_column(column, justify="left" if column == "office" else "right")
    for s in office_summary(base.figures, tolerance):
        short = s.worst_gap_fte < -tolerance
        table.add_row(
            "site (all offices)" if s.office == SITE else s.office,
            f"{s.required_fte_first_week:.1f} / {s.available_fte_first_week:.1f}",
            f"{s.required_fte_last_week:.1f} / {s.available_fte_last_week:.1f}",
            f"{s.worst_gap_fte:+.1f}" + (f" ({s.worst_week:%d %b})" if short else ""),
            str(s.weeks_short),
            str(s.people_to_hire),
            f"{s.first_class_starts:%d %b %Y}" if s.first_class_starts else "-",
        )
    out.print(table)
    out.print("  the site row adds the offices up: a surplus in one covers another only as far as its people are "
              "cross-trained", markup=False, highlight=False)  # fmt: skip
    shares = ", ".join(f"{o} {share:.1%}" for o, share in outcome.on_floor_share.items())
    out.print(f"  required includes paid breaks: of a paid hour on the floor, {shares}", markup=False, highlight=False)
    for c in base.figures.suggestions:
        note = c.note(outcome.start)
        if c.people:
            text = (f"{c.office}: train {c.people} from {c.start:%d %b %Y} (full from {c.full_from:%d %b}) for the "
                    f"shortfall from {c.short_from:%d %b}")  # fmt: skip
        else:
            text = f"{c.office}: no class helps in time"
        out.print(f"  {text}{'; ' + note if note else ''}", markup=False, highlight=False)
    if len(outcome.cases) > 1:
        out.print("  other scenarios: the Scenarios sheet of capacity.xlsx", markup=False)


def _capacity_file(plan_path: Path | None, offices: list[str], vary: list[str]) -> CapacityFile:
    try:
        file = load_capacity_plan(plan_path, offices, KNOBS)
        given = parse_vary(vary, KNOBS)
    except ScenarioError as exc:
        err.print(exc.report(CANNOT_START), markup=False, highlight=False)
        raise typer.Exit(EXIT_BAD_INPUT) from None
    settings = [s for s in file.settings if s.key not in {g.key for g in given}] + given  # --vary replaces the file's
    return CapacityFile(file.plan, settings, file.cluster)


def capacity(
    scenario: ScenarioArg,
    weeks: Annotated[int, typer.Option("--weeks", min=1, max=MAX_WEEKS, help="Weeks to plan ahead")] = 26,
    plan_path: Annotated[
        Path | None,
        typer.Option(
            "--plan",
            help="capacity.toml: FTE hours, absence, attrition, hiring classes, volume plan, scenarios "
            "(default: the defaults in docs/capacity.md, no classes)",
        ),
    ] = None,
    start_text: Annotated[
        str | None,
        typer.Option(
            "--start",
            help="The first week's Monday, YYYY-MM-DD (default: the Monday on or after the scenario's horizon start)",
        ),
    ] = None,
    out_root: Annotated[Path, typer.Option("--out", help="The plan goes to OUT/capacity/<start>/")] = Path("schedules"),
    vary: Annotated[
        list[str] | None,
        typer.Option(
            "--vary",
            help="NAME[.SCOPE]=V1,V2,... (repeat for more; every combination is one scenario): volume, aht, "
            "service_level (SCOPE: an office or queue id), attrition_per_month, absence_shrinkage",
        ),
    ] = None,
    workers: Annotated[int, typer.Option("--workers", min=1, max=64, help="Scenarios computed at once")] = 1,
    cluster: Annotated[
        str | None, typer.Option("--cluster", help="A Dask scheduler to run the scenarios on, tcp://host:8786")
    ] = None,
    force: Annotated[
        bool, typer.Option("--force", help="Replace OUT/capacity/<start>/; without it a new one goes to <start>.2/")
    ] = False,
) -> None:
    """Plan capacity for the coming months: weekly FTE required per office (the long-range forecast through the
    staffing math, with absence) against the staff available (less attrition, plus planned classes), the gap, and
    the hiring classes that would close it. Writes OUT/capacity/<start>/ (capacity.xlsx with charts, capacity.csv,
    capacity_queues.csv, hiring_suggestions.csv, summary.json).

    Exit codes: 0 written; 2 bad input (nothing written); 3 a scenario could not be computed (the others are
    written; none: nothing is).

    Example: wfm capacity data/sample --weeks 26 --plan data/examples/capacity/capacity.toml
    """
    loaded = load(scenario, load_scenario)
    file = _capacity_file(plan_path, offices_of(loaded), vary or [])
    start = _start(start_text, default_start(loaded))
    address = cluster_address(
        cluster, file.cluster, f"{plan_path.name if plan_path else 'capacity.toml'}, key 'cluster'"
    )
    with scenario_grid_errors(CANNOT_START):
        outcome = run_capacity(
            loaded, file.plan, file.settings, start=start, weeks=weeks, workers=workers, address=address,
            stage=lambda text: err.print(text, markup=False, highlight=False),
        )  # fmt: skip
    if not outcome.results:
        error("no scenario was computed: " + "; ".join(f"{f.name}: {f.error}" for f in outcome.failures))
        raise typer.Exit(EXIT_NO_PLAN)
    with interrupted_writes_nothing():
        folder = write_capacity(outcome, out_root, command_line=["wfm", *sys.argv[1:]], replace=force)
    warn([*loaded.warnings, *outcome.warnings])
    print_capacity(outcome)
    if outcome.failures:
        warn([f"{f.name} failed: {f.error}" for f in outcome.failures])
    out.print(f"{len(outcome.results)} scenario(s) in {outcome.seconds:.0f} s ({outcome.where}); wrote {folder}/ "
              "(capacity.xlsx, capacity.csv, capacity_queues.csv, hiring_suggestions.csv, summary.json)",
              markup=False)  # fmt: skip
    if outcome.failures:
        raise typer.Exit(EXIT_NO_PLAN)
