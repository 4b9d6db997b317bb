"""`wfm requests`: time-off requests and shift swaps decided against a published plan."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from wfm.cli_common import err, error, out, run_and_scenario
from wfm.io import ScenarioError
from wfm.io.change_requests import load_change_requests
from wfm.pipeline import EXIT_BAD_INPUT
from wfm.pipeline_requests import RequestsError, decide_run


def requests(
    run_folder: Annotated[Path, typer.Argument(help="A run folder written by `wfm run`, e.g. schedules/2026-03-02")],
    requests_file: Annotated[
        Path, typer.Argument(help="The requests: kind (time_off or swap), agent_id, date[, end_date, with_agent]")
    ],
    scenario: Annotated[
        Path | None,
        typer.Option("--scenario", help="The scenario the plan was made from (default: the one manifest.json names)"),
    ] = None,
) -> None:
    """Decide time-off requests and shift swaps against a published plan, in the file's order: approved when every
    rule holds for the people involved and the service lost stays within [requests] of site.toml, else declined
    with the reason. The plan with the approved requests goes to a new run folder beside the published one
    (<run>.2, ...), with decisions.csv and time_off_approved.csv.

    Example: wfm requests schedules/2026-03-02 requests_2026-03-03.csv
    """
    scenario_path, loaded = run_and_scenario(run_folder, scenario)
    if not requests_file.is_file():
        error(f"{requests_file} does not exist; give the requests as a CSV (kind, agent_id, date, ...)")
        raise typer.Exit(EXIT_BAD_INPUT)
    try:
        wanted = load_change_requests(requests_file, loaded)
    except ScenarioError as exc:
        err.print(exc.report(f"{requests_file} cannot be used"), markup=False, highlight=False)
        raise typer.Exit(EXIT_BAD_INPUT) from None
    try:
        outcome = decide_run(run_folder, loaded, scenario_path, wanted, command_line=["wfm", *sys.argv[1:]])
    except RequestsError as exc:
        error(str(exc))
        raise typer.Exit(EXIT_BAD_INPUT) from None
    names = {a.agent_id: a.name or a.agent_id for a in loaded.agents}
    table = Table(title=f"{len(outcome.decisions)} request(s) decided against {run_folder}")
    for column in ("request", "who", "what", "decision", "why"):
        table.add_column(column)
    for d in outcome.decisions:
        r = d.request
        what = (
            f"off {r.date:%a %d %b}" + (f" to {r.end_date:%a %d %b}" if r.end_date else "")
            if r.kind == "time_off"
            else f"swap {r.date:%a %d %b} with {names.get(r.with_agent or '', r.with_agent)}"
        )
        table.add_row(r.request_id, names.get(r.agent_id, r.agent_id), what,
                      "[green]approved[/green]" if d.approved else "[red]declined[/red]", d.reason)  # fmt: skip
    out.print(table)
    if outcome.folder is None:
        out.print("nothing approved: the published plan stands; no folder written", markup=False)
    else:
        out.print(f"wrote {outcome.folder}/ (the plan with the approved requests, decisions.csv, "
                  "time_off_approved.csv: add its lines to the scenario's time_off.csv)", markup=False)  # fmt: skip
