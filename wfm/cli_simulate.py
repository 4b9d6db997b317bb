"""`wfm simulate`: a finished plan replayed in the discrete-event simulation, and the summary both commands print."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import pandas as pd
import typer
from rich.table import Table

from wfm.cli_common import err, error, load, out, run_scenario, warn
from wfm.cli_progress import fmt
from wfm.domain import QueueKind, Scenario
from wfm.interrupt import Interrupted, interruptible
from wfm.io import load_scenario
from wfm.pipeline import EXIT_BAD_INPUT, simulate_run
from wfm.simulation import NothingToSimulate, SimulationResult


def print_simulation(scenario: Scenario, simulation: SimulationResult) -> None:
    """Per queue: the plan's (Erlang) figure beside the simulated P10 / P50 / P90 over the horizon."""
    table = Table(
        title=f"simulated: {simulation.replications} weeks of this plan (seed {simulation.seed}), "
        f"{simulation.seconds:.1f} s"
    )
    for column in ("queue", "target", "plan", "simulated P10", "P50", "P90", "days target met", "hung up"):
        table.add_column(column, justify="left" if column == "queue" else "right")
    for queue in scenario.site.queues:
        q = simulation.queues.get(queue.id)
        if q is None:
            continue
        if queue.kind is QueueKind.LIVE:
            table.add_row(
                queue.id,
                f"{queue.service_level:.0%}/{queue.answer_seconds}s",
                fmt(q.get("service_level_plan"), ".1%"),
                *(fmt(q.get(f"service_level_p{p}"), ".1%") for p in (10, 50, 90)),
                fmt(q.get("days_target_met"), ".0%"),
                fmt(q.get("abandon_rate"), ".1%"),
            )
        else:
            table.add_row(
                queue.id,
                f"{queue.sla_hours:g} h SLA",
                f"{fmt(q.get('items_past_sla_plan'), ',.0f')} late",
                *(fmt(q.get(f"items_past_sla_p{p}"), ",.0f") for p in (10, 50, 90)),
                "-",
                "-",
            )
    out.print(table)
    overall = simulation.overall
    parts = []
    if "service_level_p50" in overall:
        parts.append(
            "all calls and chats answered within target "
            + "/".join(fmt(overall.get(f"service_level_p{p}"), ".1%") for p in (10, 50, 90))
        )
    if "items_past_sla_p50" in overall:
        parts.append(
            "back-office items past SLA "
            + "/".join(fmt(overall.get(f"items_past_sla_p{p}"), ",.0f") for p in (10, 50, 90))
        )
    if parts:
        out.print(f"simulated weeks, P10/P50/P90: {'; '.join(parts)}", markup=False)
    count = simulation.disagreeing
    if count:
        out.print(
            f"{count} busy intervals differ from the Erlang figure by more than the threshold "
            "(simulation_intervals.csv; the Simulation sheet lists the largest)",
            markup=False,
        )


def simulate(
    run_folder: Annotated[Path, typer.Argument(help="A run folder written by `wfm run`, e.g. schedules/2026-03-02")],
    scenario: Annotated[
        Path | None,
        typer.Option("--scenario", help="The scenario the plan was made from (default: the one manifest.json names)"),
    ] = None,
    replications: Annotated[
        int | None,
        typer.Option("--replications", min=1, max=1000, help="Simulated weeks (default: site.toml's, 30)"),
    ] = None,
    seed: Annotated[
        int | None, typer.Option("--seed", min=0, help="Random seed, 0 or more (default: site.toml's, 7)")
    ] = None,
) -> None:
    """Replay a plan in a discrete-event simulation: random volumes within the forecast's band, random handle
    times and patience, absence, and agents exactly as planned. Adds simulation.csv, simulation_intervals.csv, a
    `simulation` section in kpis.json and a Simulation sheet in roster.xlsx to the run folder.

    Example: wfm simulate schedules/2026-03-02
    """
    scenario = run_scenario(run_folder, scenario)
    loaded = load(scenario, load_scenario)
    settings = loaded.site.simulation
    updates = {k: v for k, v in (("replications", replications), ("seed", seed)) if v is not None}
    settings = settings.model_copy(update=updates) if updates else settings
    with interruptible():
        try:
            simulation, changed = simulate_run(
                run_folder, loaded, scenario, settings=settings, command_line=["wfm", *sys.argv[1:]]
            )
        except NothingToSimulate as exc:
            error(f"{run_folder}: nothing to simulate: {exc}")
            raise typer.Exit(EXIT_BAD_INPUT) from None
        except (OSError, ValueError, KeyError, TypeError, AttributeError, pd.errors.ParserError) as exc:
            # A hand-edited or damaged run file is bad input, not a bug.
            what = f"missing {exc}" if isinstance(exc, KeyError) else str(exc)
            error(f"{run_folder} cannot be simulated ({what}); give a complete run folder written by `wfm run`")
            raise typer.Exit(EXIT_BAD_INPUT) from None
        except Interrupted as stop:
            err.print(f"interrupted ({stop.name}): {run_folder} is as it was", markup=False)
            raise typer.Exit(stop.exit_code) from None
    if changed:
        warn(
            [f"{scenario} changed since this plan was made ({', '.join(changed)}); the simulation uses it as it is now"]
        )
    print_simulation(loaded, simulation)
    out.print(f"wrote {run_folder}/ (simulation.csv, simulation_intervals.csv, kpis.json, roster.xlsx)", markup=False)
