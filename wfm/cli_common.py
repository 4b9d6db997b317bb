"""What every `wfm` command shares: the two consoles, the option types, loading a scenario with planner-grade
errors, and how warnings and errors are printed."""

from __future__ import annotations

import contextlib
import json
import sys
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Annotated, TypeVar

import pandas as pd
import typer
from pydantic import ValidationError
from rich.console import Console
from rich.markup import escape

from wfm.cluster import ClusterError
from wfm.domain import Scenario
from wfm.domain.cluster import ClusterSettings
from wfm.interrupt import Interrupted, interruptible
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


def run_scenario(run_folder: Path, scenario: Path | None) -> Path:
    """The scenario a command on a finished run folder reads: `scenario` when given, else the one the run's
    manifest.json names. Exits 2 with what to do when the folder is not a run or the scenario cannot be found."""
    if not run_folder.exists():
        error(f"{run_folder} does not exist; give a run folder written by `wfm run`, e.g. schedules/2026-03-02")
        raise typer.Exit(EXIT_BAD_INPUT)
    if not (run_folder / "manifest.json").is_file():
        runs = (
            sorted(p.name for p in run_folder.iterdir() if (p / "manifest.json").is_file())
            if run_folder.is_dir()
            else []
        )
        hint = f" (it holds the runs {', '.join(runs[:3])}: give one of them)" if runs else ""
        error(f"{run_folder} is not a run folder (no manifest.json){hint}; give a folder written by `wfm run`")
        raise typer.Exit(EXIT_BAD_INPUT)
    if scenario is None:
        try:
            manifest = json.loads((run_folder / "manifest.json").read_text(encoding="utf-8"))
            # The path as typed, else the absolute one recorded beside it (a run made from another folder).
            named = next(
                (p for p in (manifest.get("scenario"), manifest.get("scenario_absolute")) if p and Path(p).exists()),
                manifest.get("scenario"),
            )
        except (OSError, ValueError, AttributeError):
            named = None
        if not named or not Path(named).exists():
            error(
                f"{run_folder}/manifest.json names no scenario found from here ({named or 'none'}); give the "
                "scenario the plan was made from with --scenario"
            )
            raise typer.Exit(EXIT_BAD_INPUT)
        scenario = Path(named)
    return scenario


def run_and_scenario(run_folder: Path, scenario: Path | None) -> tuple[Path, Scenario]:
    """`run_scenario`'s path and that scenario loaded as the run planned it (its horizon, its approved time off);
    exits 2 with what to do on a damaged run folder."""
    from wfm.io import load_scenario
    from wfm.reports.files import DamagedRun, scenario_as_planned

    path = run_scenario(run_folder, scenario)
    try:
        return path, scenario_as_planned(load(path, load_scenario), run_folder)
    except DamagedRun as exc:
        error(str(exc))
        raise typer.Exit(EXIT_BAD_INPUT) from None


def cluster_address(option: str | None, from_file: ClusterSettings, where: str) -> str | None:
    """`--cluster` if given, else the file's `[cluster] address`; a malformed one exits 2 naming where it came from
    (`where`: the file and key)."""
    try:
        return ClusterSettings(address=option).address if option else from_file.address
    except ValidationError as exc:
        message = str(exc.errors()[0]["msg"]).removeprefix("Value error, ")
        error(f"{'--cluster' if option else where}: {message}")
        raise typer.Exit(EXIT_BAD_INPUT) from None


@contextlib.contextmanager
def interrupted_writes_nothing() -> Iterator[None]:
    """Ctrl-C / SIGTERM while the block writes: exit 130 / 143 (the outputs are written whole or not at all)."""
    with interruptible():
        try:
            yield
        except Interrupted as stop:
            err.print(f"interrupted ({stop.name}): nothing was written", markup=False)
            raise typer.Exit(stop.exit_code) from None


@contextlib.contextmanager
def scenario_grid_errors(cannot_start: str) -> Iterator[None]:
    """How computing a what-if or capacity grid may end, as exit codes: bad input (a setting, a file, a cluster
    that cannot be used, data the forecast cannot honestly use) exits 2, Ctrl-C / SIGTERM 130 / 143. Around the
    computing only: an error while writing is not the input's fault."""
    with interruptible():
        try:
            yield
        except ScenarioError as exc:
            err.print(exc.report(cannot_start), markup=False, highlight=False)
            raise typer.Exit(EXIT_BAD_INPUT) from None
        except (ClusterError, ValueError) as exc:  # ValueError: the forecast or staffing cannot use this input
            error(str(exc))
            raise typer.Exit(EXIT_BAD_INPUT) from None
        except Interrupted as stop:
            err.print(f"interrupted ({stop.name}): nothing was written", markup=False)
            raise typer.Exit(stop.exit_code) from None
