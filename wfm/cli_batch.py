"""`wfm batch`: the unattended nightly job's commands (run, status)."""

from __future__ import annotations

import datetime as dt
import sys
from pathlib import Path
from typing import Annotated, Any

import pandas as pd
import typer
from rich.markup import escape
from rich.table import Table

from wfm.cli_common import cluster_address, err, error, out
from wfm.cluster import ClusterError
from wfm.domain.cluster import ClusterSettings
from wfm.interrupt import Interrupted
from wfm.io import ScenarioError
from wfm.pipeline import EXIT_BAD_INPUT

batch_app = typer.Typer(help="The unattended nightly job: ingest, forecast, re-plan and publish, per site.")
ConfigOpt = Annotated[Path, typer.Option("--config", help="batch.toml: the sites and how the job runs")]


def _batch_config(path: Path) -> Any:
    from wfm.batch.config import load_batch_config

    try:
        return load_batch_config(path)
    except ScenarioError as exc:
        error("\n".join([f"{path} cannot be used ({len(exc.problems)} problem(s)):"]
                         + [f"  - {problem}" for problem in exc.problems]))  # fmt: skip
        raise typer.Exit(EXIT_BAD_INPUT) from None


@batch_app.command("run")
def batch_run(
    config: ConfigOpt,
    run_date: Annotated[
        str | None,
        typer.Option("--date", help="The night being run, YYYY-MM-DD (default today): plans from the next day"),
    ] = None,
    site: Annotated[list[str] | None, typer.Option("--site", help="Only this site (repeatable)")] = None,
    reseed: Annotated[
        bool,
        typer.Option(
            "--reseed",
            help="Start a site's history store again from its scenario's history.csv when the store is missing, "
            "empty or damaged (a damaged file is kept aside); without it such a night stops with exit 2",
        ),
    ] = False,
    cluster: Annotated[
        str | None,
        typer.Option(
            "--cluster",
            help="A Dask scheduler to plan the sites on, tcp://host:8786 (default: the cluster address in "
            "batch.toml, else this machine)",
        ),
    ] = None,
) -> None:
    """Ingest each site's inbox, refit the forecast, re-plan the next horizon keeping the published days, and
    publish `<schedules>/<site>/<date>/` with `latest` pointing at it. Put it in cron (see docs/nightly.md).

    Exit codes: 0 published; 1 published with warnings (service below target, a rejected file, one person's
    change settled for them alone: a published shift re-planned, a training to rebook, a leaver or a new starter;
    history older than max_history_age_days, backlog already past SLA at the start, a store re-seeded with
    --reseed); 2 bad input (batch.toml, a scenario, or a history store that is damaged, or
    missing or empty after earlier nights: restore its backup or pass --reseed); 3 no plan; 4 internal error;
    5 another run of a site is still going; 130 / 143 interrupted by Ctrl-C / SIGTERM (nothing published). On
    2-5 and 130/143 the site's `latest` is untouched and one line says what failed and where the log is.
    """
    from wfm.batch.nightly import run_batch, worst_exit_code

    loaded = _batch_config(config)
    try:
        night = dt.date.fromisoformat(run_date) if run_date else dt.date.today()
    except ValueError:
        error(f"--date must be a date like 2026-03-02, not {run_date!r}")
        raise typer.Exit(EXIT_BAD_INPUT) from None
    unknown = sorted(set(site or []) - {s.name for s in loaded.sites})
    if unknown:
        error(f"{config} has no site {', '.join(unknown)}; its sites: {', '.join(s.name for s in loaded.sites)}")
        raise typer.Exit(EXIT_BAD_INPUT)
    if cluster:
        address = cluster_address(cluster, loaded.cluster, "batch.toml")
        loaded = loaded.model_copy(update={"cluster": ClusterSettings(address=address)})
    try:
        outcomes = run_batch(loaded, night, sys.argv, sites=site, reseed=reseed)
    except Interrupted as stop:
        err.print(f"interrupted ({stop.name}): nothing published; every site's latest is untouched", markup=False)
        raise typer.Exit(stop.exit_code) from None
    except ClusterError as exc:
        error(f"{exc}; nothing was run, every site's latest is untouched")
        raise typer.Exit(EXIT_BAD_INPUT) from None
    for outcome in outcomes:
        stream = out if outcome.exit_code in (0, 1) else err
        # soft_wrap: no line breaks inside a path or the restore command a summary may hold (copy and paste)
        stream.print(escape(outcome.summary), highlight=False, soft_wrap=True)
    raise typer.Exit(worst_exit_code(outcomes))


@batch_app.command("status")
def batch_status(
    config: ConfigOpt,
    last: Annotated[int, typer.Option(help="Runs shown per site")] = 7,
) -> None:
    """Recent runs per site from their manifests: when, how long, status, service level, items past SLA,
    overtime. Exit 1 when a site's `latest` is missing or points at no complete run."""
    from wfm.batch.nightly import recent_runs
    from wfm.batch.run_folders import latest_problem

    loaded = _batch_config(config)
    table = Table(title="Nightly runs")
    for column in ("site", "run", "latest", "finished", "seconds", "status", "exit", "warnings", "service level",
                   "past SLA", "overtime h"):  # fmt: skip
        table.add_column(column)
    for row in recent_runs(loaded, last):
        if row.get("run") is None:
            table.add_row(row["site"], "no runs yet", *[""] * 9)
        elif "failed_log" in row:
            table.add_row(row["site"], row["run"], "", "", "", "failed", "", "", "", "", f"log {row['failed_log']}")
        else:
            level, late = row.get("service_level"), row.get("items_past_sla")
            finished = str(row.get("finished_at") or "")[5:16].replace("T", " ")  # "12-04 01:42"
            table.add_row(
                row["site"], row["run"], "*" if row.get("latest") else "", finished,
                f"{row['seconds']:.0f}" if row.get("seconds") is not None else "", str(row.get("status")),
                str(row.get("exit_code")), str(row.get("warnings")), f"{level:.1%}" if level is not None else "",
                f"{late:,.0f}" if late is not None else "", f"{row.get('overtime_hours') or 0:.1f}",
            )  # fmt: skip
    out.print(table)
    broken = [f"{job.name}: {problem}" for job in loaded.sites
              if (problem := latest_problem(loaded.batch.schedules / job.name))]  # fmt: skip
    for line in broken:
        err.print(f"[red]{escape(line)}[/red]; the next night repairs it", highlight=False)
    if broken:
        raise typer.Exit(1)


def accuracy(
    config: ConfigOpt,
    site: Annotated[str | None, typer.Option("--site", help="One site of batch.toml (default: every site)")] = None,
    weeks: Annotated[int, typer.Option("--weeks", min=1, max=520, help="Weeks back from the latest actuals")] = 8,
) -> None:
    """How good the published forecasts were, week after week: each night's forecast (kept by the nightly job)
    against what then happened, per queue, day and week: WAPE, bias and P10-P90 coverage. Writes
    <schedules>/<site>/accuracy/ (accuracy.xlsx with a trend chart, accuracy_daily.csv, accuracy_weekly.csv).

    Example: wfm accuracy --config batch.toml
    """
    from wfm.batch.accuracy import NoStore, site_accuracy, write_site_accuracy

    loaded = _batch_config(config)
    jobs = [job for job in loaded.sites if site is None or job.name == site]
    if not jobs:
        names = ", ".join(job.name for job in loaded.sites)
        error(f"no site {site!r} in {config} (its sites: {names})")
        raise typer.Exit(EXIT_BAD_INPUT)
    missing = 0
    for job in jobs:
        try:
            report = site_accuracy(loaded, job, weeks)
        except NoStore as exc:
            error(str(exc))
            missing += 1
            continue
        folder = write_site_accuracy(loaded, report)
        table = Table(title=f"{job.name}: published forecasts against actuals, per week ({report.nights} nights kept)")
        for column in ("queue", "week of", "intervals", "WAPE", "bias", "P10-P90 coverage"):
            table.add_column(column, justify="left" if column in ("queue", "week of") else "right")
        for row in report.weekly.itertuples(index=False):
            wape, bias, coverage = row.wape, row.bias, row.p10_p90_coverage
            table.add_row(str(row.queue), f"{row.period:%a %d %b %Y}", f"{row.intervals:,}",
                          "-" if pd.isna(wape) else f"{wape:.1%}", "-" if pd.isna(bias) else f"{bias:+.1%}",
                          "-" if pd.isna(coverage) else f"{coverage:.0%}")  # fmt: skip
        if report.weekly.empty:
            out.print(f"{job.name}: no published forecast has its actuals yet (the first nights' forecasts are "
                      "judged once their days are over)", markup=False)  # fmt: skip
        else:
            out.print(table)
        out.print(f"wrote {folder}/ (accuracy.xlsx, accuracy_daily.csv, accuracy_weekly.csv)", markup=False)
    if missing:
        raise typer.Exit(EXIT_BAD_INPUT)
