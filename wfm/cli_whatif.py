"""`wfm whatif`: the operation planned under every combination of varied settings, and one comparison."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated, Any

import typer
from pydantic import BaseModel, ConfigDict, Field
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
from wfm.domain.cluster import ClusterSettings
from wfm.io import ScenarioError, load_scenario
from wfm.io.errors import validated
from wfm.io.variations import Setting, parse_vary, read_vary_file
from wfm.pipeline import EXIT_BAD_INPUT, EXIT_NO_PLAN, RunOptions
from wfm.pipeline_whatif import KNOBS, WhatIfOutcome, run_whatif, write_whatif

DEFAULT_SEED = 7


class WhatIfSettings(BaseModel):
    """`[whatif]` of a what-if file; the command line's options win over it."""

    model_config = ConfigDict(frozen=True, extra="forbid")
    seed: int = DEFAULT_SEED
    time_limit_seconds: Annotated[float, Field(gt=0)] | None = None  # default: site.toml's [solver]
    deterministic: bool = True
    days: Annotated[int, Field(ge=1, le=56)] | None = None  # default: site.toml's horizon
    workers: Annotated[int, Field(ge=1, le=64)] = 1  # scenarios planned at once on this machine


class WhatIfFile(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")
    whatif: WhatIfSettings = WhatIfSettings()
    cluster: ClusterSettings = ClusterSettings()


def _settings(vary: list[str], config: Path | None) -> tuple[list[Setting], WhatIfFile]:
    try:
        settings: list[Setting] = []
        file = WhatIfFile()
        if config is not None:
            settings, rest = read_vary_file(config, KNOBS)
            file = validated(WhatIfFile, rest, config.name)
        given = parse_vary(vary, KNOBS)
    except ScenarioError as exc:
        err.print(exc.report("The what-if cannot start"), markup=False, highlight=False)
        raise typer.Exit(EXIT_BAD_INPUT) from None
    settings = [s for s in settings if s.key not in {g.key for g in given}] + given  # --vary replaces the file's
    if not settings:
        error("nothing to vary: give --vary NAME=V1,V2 (e.g. --vary volume=1.0,1.15,1.3) or --config whatif.toml "
              f"with a [vary] table; settings that can be varied: {', '.join(KNOBS)}")  # fmt: skip
        raise typer.Exit(EXIT_BAD_INPUT)
    return settings, file


def print_whatif(outcome: WhatIfOutcome) -> None:
    table = Table(title=f"what-if: {outcome.scenario_name}, {outcome.horizon.start} + {outcome.horizon.days} days")
    for column in ("scenario", "settings", "service level", "past SLA", "overtime h", "labour cost", "plan within"):
        table.add_column(column, justify="left" if column in ("scenario", "settings") else "right")
    for result in outcome.results:
        overall: dict[str, Any] = (result.kpis or {}).get("overall", {})

        def number(key: str, fmt: str, overall: dict[str, Any] = overall) -> str:
            value = overall.get(key)
            return "-" if value is None else format(value, fmt)

        table.add_row(result.name, result.label, number("service_level", ".1%"), number("items_past_sla", ",.0f"),
                      number("overtime_hours", ",.1f"), number("labour_cost", ",.0f"),
                      "-" if result.gap is None else f"{result.gap:.1%}")  # fmt: skip
    for failure in outcome.failures:
        table.add_row(failure.name, f"not planned: {failure.error}", "", "", "", "", "")
    out.print(table)


def whatif(
    scenario: ScenarioArg,
    vary: Annotated[
        list[str] | None,
        typer.Option(
            "--vary",
            help="NAME[.SCOPE]=V1,V2,... (repeat for more settings; every combination is "
            "planned): volume, aht, service_level, answer_seconds, sla_hours, shrinkage (SCOPE: an "
            "office or queue id), cross_training=on,off",
        ),
    ] = None,
    config: Annotated[
        Path | None,
        typer.Option(
            "--config", help="A what-if file (TOML): its vary table of values, whatif options, cluster address"
        ),
    ] = None,
    out_root: Annotated[Path, typer.Option("--out", help="The comparison goes to OUT/whatif/<horizon start>/")] = Path(
        "schedules"
    ),
    seed: Annotated[
        int | None, typer.Option("--seed", help=f"Solver seed, the same for every scenario (default {DEFAULT_SEED})")
    ] = None,
    time_limit: Annotated[
        float | None,
        typer.Option(
            "--time-limit",
            min=0.1,
            help="Each scenario's solver limit: deterministic units (about 1.2 s "
            "each on the sample), or seconds with --wall-clock (default: site.toml [solver])",
        ),
    ] = None,
    wall_clock: Annotated[
        bool,
        typer.Option(
            "--wall-clock",
            help="Limit each search in seconds: faster to a deadline, but two runs (or "
            "one run on a busy machine) may differ; without it the same inputs give the same plans",
        ),
    ] = False,
    days: Annotated[
        int | None, typer.Option("--days", min=1, max=56, help="Plan the horizon's first DAYS days (default: all)")
    ] = None,
    workers: Annotated[
        int | None, typer.Option("--workers", min=1, max=64, help="Scenarios planned at once on this machine")
    ] = None,
    cluster: Annotated[
        str | None, typer.Option("--cluster", help="A Dask scheduler to plan the scenarios on, tcp://host:8786")
    ] = None,
    force: Annotated[
        bool, typer.Option("--force", help="Replace OUT/whatif/<start>/; without it a new one goes to <start>.2/")
    ] = False,
) -> None:
    """Plan the operation under every combination of varied settings (volume, targets, cross-training, ...) and
    compare the plans: service level, items past SLA, overtime, cost and agent-hours per office, in
    OUT/whatif/<start>/ (whatif.xlsx with charts, whatif.csv, whatif_queues.csv, summary.json).

    Example: wfm whatif data/sample --vary volume=1.0,1.15,1.3 --vary cross_training=on,off --time-limit 10
    """
    settings, file = _settings(vary or [], config)
    defaults = file.whatif
    loaded = load(scenario, load_scenario)
    options = RunOptions(
        seed=defaults.seed if seed is None else seed,
        time_limit_seconds=time_limit or defaults.time_limit_seconds,
        deterministic=defaults.deterministic and not wall_clock,
    )
    address = cluster_address(cluster, file.cluster, f"{config.name if config else 'whatif.toml'}, key 'cluster'")
    err.print(f"what-if on {loaded.site.name}: {', '.join(f'{s.key} {len(s.values)} values' for s in settings)}",
              markup=False, highlight=False)  # fmt: skip
    with scenario_grid_errors("The what-if cannot start"):
        outcome = run_whatif(
            loaded, settings, options, days=days or defaults.days, workers=workers or defaults.workers,
            address=address, stage=lambda text: err.print(text, markup=False, highlight=False),
        )  # fmt: skip
    if not any(r.kpis is not None for r in outcome.results):
        reasons = [f"{r.name}: {r.status}, {r.message}" for r in outcome.results]
        error("no scenario could be planned, nothing written: "
              + "; ".join(reasons + [f"{f.name}: {f.error}" for f in outcome.failures]))  # fmt: skip
        raise typer.Exit(EXIT_NO_PLAN)
    with interrupted_writes_nothing():
        folder = write_whatif(outcome, out_root, command_line=["wfm", *sys.argv[1:]], replace=force)
    warn(sorted({w for r in outcome.results for w in r.warnings}))
    print_whatif(outcome)
    without = [r for r in outcome.results if r.kpis is None]
    if without:
        warn([f"{r.name} ({r.label}): no plan ({r.status}); {r.message}" for r in without])
    if outcome.failures:
        warn([f"{f.name} failed: {f.error}" for f in outcome.failures])
    out.print(f"{len(outcome.results)} scenarios in {outcome.seconds:.0f} s ({outcome.where}); wrote {folder}/ "
              "(whatif.xlsx, whatif.csv, whatif_queues.csv)", markup=False)  # fmt: skip
    if outcome.failures or without:
        raise typer.Exit(EXIT_NO_PLAN)  # written, but not every scenario has a plan to compare
