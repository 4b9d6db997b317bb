"""What every `wfm` command shares: the two consoles, the option types, loading a scenario with planner-grade
errors, and how warnings and errors are printed."""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Annotated, TypeVar

import pandas as pd
import typer
from rich.console import Console
from rich.markup import escape

from wfm.io import ScenarioError
from wfm.pipeline import EXIT_BAD_INPUT

# Wide enough for the summary table when output goes to a file or CI log (rich assumes 80 columns there).
out = Console(width=None if sys.stdout.isatty() else 120)
err = Console(stderr=True, width=None if sys.stderr.isatty() else 120)

ScenarioArg = Annotated[
    Path, typer.Argument(help="Scenario folder (site.toml + CSVs) or .xlsx workbook, e.g. data/sample")
]
SeedOpt = Annotated[int, typer.Option("--seed", help="Random seed of the solver (required: runs are reproducible)")]
TimeLimitOpt = Annotated[
    float | None,
    typer.Option(
        "--time-limit",
        help="Solver time limit: seconds, or with --deterministic units of CP-SAT's deterministic time (a "
        "measure of work, not of time: about 1.2 s each on the sample with 2 cores) (default: site.toml [solver])",
    ),
]
WorkersOpt = Annotated[int | None, typer.Option("--workers", help="Solver threads (default: site.toml [solver])")]
DeterministicOpt = Annotated[
    bool,
    typer.Option(
        "--deterministic",
        help="Same inputs and seed give the same plan on any machine: --time-limit then counts deterministic "
        "time units, not seconds",
    ),
]
PreviousPlanOpt = Annotated[
    Path | None,
    typer.Option(
        "--previous-plan",
        help="A run folder (e.g. schedules/2026-03-02) to re-plan from: its shifts are kept where the rules "
        "still allow and each one changed costs [weights] replan_change_per_shift",
    ),
]
OutDirOpt = Annotated[Path, typer.Option("--out", help="Folder for run folders; the run goes to OUT/<horizon start>/")]
SkipBadRowsOpt = Annotated[
    bool,
    typer.Option(
        "--skip-bad-rows",
        help="Plan without the history rows that cannot be used as written, each listed as a warning "
        "(default: such rows stop the command; site.toml [input] skip_bad_rows = true does the same)",
    ),
]
ForceOpt = Annotated[
    bool,
    typer.Option(
        "--force",
        help="Replace OUT/<horizon start>/ if it holds a run (the old one stays until the new one is complete); "
        "without it a new run goes to OUT/<horizon start>.2/, .3/, ...",
    ),
]


_Loaded = TypeVar("_Loaded")
EXIT_WARNINGS = 1  # `wfm validate`: the input is valid, with warnings to read


def load(path: Path, loader: Callable[..., _Loaded], skip_bad_rows: bool = False) -> _Loaded:
    """Load with `loader` (load_scenario or load_forecast_inputs); bad input exits with EXIT_BAD_INPUT."""
    if not path.exists():
        error(f"{path} does not exist. Give a scenario folder (e.g. data/sample) or .xlsx file.")
        raise typer.Exit(EXIT_BAD_INPUT)
    try:
        return loader(path, skip_bad_rows=skip_bad_rows)
    except ScenarioError as exc:
        err.print(exc.report(), markup=False, highlight=False)
        raise typer.Exit(EXIT_BAD_INPUT) from None


def warn(lines: Iterable[str]) -> None:
    for line in lines:
        # The prefix is markup; the line is input text, escaped so a '[' in a file name is printed as is.
        err.print(f"[yellow]warning:[/yellow] {escape(line)}", highlight=False)


def error(message: str) -> None:
    """`error: message` on stderr, the prefix in red and the message (input text) printed as is."""
    err.print(f"[red]error:[/red] {escape(message)}", highlight=False)


def csv_text(frame: pd.DataFrame) -> str:
    return frame.to_csv(index=False, date_format="%Y-%m-%dT%H:%M:%S", float_format="%.4f")
