"""`wfm forecast`: volume, handle time and P10/P50/P90 per queue and interval, the method chosen by backtest."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Annotated, Any

import pandas as pd
import typer
from rich.table import Table

from wfm.cli_common import ScenarioArg, SkipBadRowsOpt, csv_text, error, load, out, warn
from wfm.cli_progress import fmt
from wfm.forecast import run_forecast
from wfm.io import atomic_write_text, load_forecast_inputs
from wfm.pipeline import EXIT_BAD_INPUT


def forecast(
    scenario: ScenarioArg,
    out_file: Annotated[Path, typer.Option("--out", help="Where to write forecast.csv")] = Path(
        "schedules/forecast.csv"
    ),
    backtest_folds: Annotated[
        int | None,
        typer.Option("--backtest", help="Weekly backtest folds behind the method choice (default: site.toml, 4)"),
    ] = None,
    method: Annotated[
        str | None, typer.Option("--method", help="'auto' (choose per queue by backtest) or one method's name")
    ] = None,
    plan_quantile: Annotated[
        float | None,
        typer.Option("--plan-quantile", help="Write this quantile as `volume` (e.g. 0.8), not the mean"),
    ] = None,
    since: Annotated[
        str | None,
        typer.Option("--since", help="Reforecast from DATE (YYYY-MM-DD) with the history before it only"),
    ] = None,
    days: Annotated[int | None, typer.Option("--days", help="Days to forecast (default: the site's horizon)")] = None,
    skip_bad_rows: SkipBadRowsOpt = False,
) -> None:
    """Forecast volume, handle time and P10/P50/P90 per queue and interval; choose each queue's method by backtest.

    Writes forecast.csv, and beside it forecast_accuracy.csv (WAPE, bias and P10-P90 coverage per queue and
    method), forecast_folds.csv (the same per backtest week) and forecast_outliers.csv (damped spikes, holes
    and outlier days).

    Example: wfm forecast data/sample --backtest 4 --plan-quantile 0.8 --out schedules/forecast.csv
    """

    # site.toml, history.csv and events.csv only: a forecast needs no staff files.
    loaded = load(scenario, load_forecast_inputs, skip_bad_rows)
    site = loaded.site
    start = site.horizon.start
    if since is not None:
        try:
            start = dt.date.fromisoformat(since)
        except ValueError:
            error(f"--since {since!r} is not a date (expected YYYY-MM-DD)")
            raise typer.Exit(EXIT_BAD_INPUT) from None
    warn(loaded.warnings)
    try:
        result = run_forecast(
            loaded.history,
            site,
            start=start,
            days=days,
            events=loaded.events,
            method=method,
            folds=backtest_folds,
            plan_quantile=plan_quantile,
        )
    except ValueError as exc:
        error(str(exc))
        raise typer.Exit(EXIT_BAD_INPUT) from None
    warn(result.warnings)
    frame = result.forecast
    folder = out_file.parent
    folder.mkdir(parents=True, exist_ok=True)
    atomic_write_text(out_file, csv_text(frame))
    atomic_write_text(folder / "forecast_accuracy.csv", csv_text(result.accuracy))
    atomic_write_text(folder / "forecast_folds.csv", csv_text(result.folds))
    atomic_write_text(folder / "forecast_outliers.csv", csv_text(_outlier_frame(result.outliers)))

    horizon_days = days or site.horizon.days
    table = Table(title=f"Forecast {start} + {horizon_days} days")
    # The bands are per interval: summed over the horizon they are wider than the week's own range would be.
    for column in ("queue", "method", "volume", "P10-P90 summed", "peak interval", "peak volume", "mean AHT s"):
        table.add_column(column, justify="left" if column in ("queue", "method") else "right")
    for queue_id, rows in frame.groupby("queue", sort=False):
        peak = rows.loc[rows["volume"].idxmax()]
        weighted = (rows["aht_seconds"] * rows["volume"]).sum() / max(rows["volume"].sum(), 1e-9)
        table.add_row(
            str(queue_id),
            result.chosen.get(str(queue_id), "-"),
            f"{rows['volume'].sum():,.0f}",
            f"{rows['volume_p10'].sum():,.0f}-{rows['volume_p90'].sum():,.0f}",
            f"{pd.Timestamp(peak['interval_start']):%a %H:%M}",
            f"{peak['volume']:.1f}",
            f"{weighted:.0f}",
        )
    out.print(table)
    if not result.accuracy.empty:
        folds = int(result.accuracy["folds"].max())
        # "auto" is each week forecast by the method chosen on the weeks before it: what the choice is worth.
        scores = Table(title=f"Backtest: {folds} weekly folds, WAPE per interval (* = chosen)")
        for column in ("queue", "method", "WAPE", "bias", "P10-P90 coverage", "chosen"):
            scores.add_column(column, justify="left" if column in ("queue", "method") else "right")
        ordered = result.accuracy.assign(rank=result.accuracy["method"] != "auto")
        for row in ordered.sort_values(["queue", "rank", "wape"]).itertuples(index=False):
            scores.add_row(
                str(row.queue),
                "auto (out of sample)" if row.method == "auto" else str(row.method),
                fmt(row.wape, ".1%"),
                fmt(row.bias, "+.1%"),
                fmt(row.p10_p90_coverage, ".0%"),
                "*" if row.chosen else "",
            )
        out.print(scores)
    if result.outliers:
        out.print(f"{len(result.outliers)} outlier(s) damped or left out: see {folder / 'forecast_outliers.csv'}")
    written = ", ".join(str(folder / name) for name in ("forecast_accuracy.csv", "forecast_folds.csv"))
    out.print(f"wrote {out_file}, {written} and {folder / 'forecast_outliers.csv'}", markup=False)


def _outlier_frame(outliers: Any) -> pd.DataFrame:
    columns = ["queue", "date", "interval_start", "kind", "actual", "expected"]
    return pd.DataFrame([[getattr(o, c) for c in columns] for o in outliers], columns=columns)
