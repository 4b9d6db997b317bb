"""Intraday re-plan benchmark: how well the re-forecast rule predicts the rest of the day, and how long
`wfm intraday` takes on the sample. Prints the tables of docs/benchmarks.md, "Intraday".

    .venv/bin/python bench/intraday_bench.py                   # both (about 3 minutes)
    .venv/bin/python bench/intraday_bench.py --only backtest   # the re-forecast rule on history
    .venv/bin/python bench/intraday_bench.py --only speed      # plan the sample, then re-plan its Tuesday at 11:30

Backtest: each of the last 8 weeks of a history is forecast out of sample, as a user gets it ("auto": each week by
the method chosen on the weeks before it, wfm.forecast.engine.nested_choice). Then for every queue, day and cut
time (10:00, 12:00, 14:00, 16:00) the rest of the day is predicted three ways from the day so far: the forecast
unchanged, wfm's rule (the ratio of actual to forecast so far, weighted by the share of the day's forecast volume
gone: wfm.forecast.intraday), and the plain ratio (full weight). Scored by WAPE over the rest of the day's
intervals, pooled over queues and days. The rule was fixed before this bench was first run and is not tuned on it.
"""

from __future__ import annotations

import argparse
import datetime as dt
import shutil
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from wfm.forecast import METHODS  # noqa: E402
from wfm.forecast.engine import backtest_methods, fold_starts, nested_choice  # noqa: E402
from wfm.forecast.history import normalize_history  # noqa: E402
from wfm.forecast.intraday import blend_factor  # noqa: E402
from wfm.io import load_forecast_inputs, load_scenario  # noqa: E402

CUTS = (10, 12, 14, 16)
WEEKS = 8
ACTUALS = REPO / "data" / "examples" / "intraday" / "actuals_2026-03-03_1130.csv"


def out_of_sample(folder: Path) -> pd.DataFrame:
    """interval_start, queue, volume (actual), forecast_volume: the last WEEKS weeks, each forecast by "auto"."""
    inputs = load_forecast_inputs(folder)
    rows = normalize_history(inputs.history, inputs.site)
    window = inputs.site.forecast.folds
    every = backtest_methods(rows, inputs.site, list(METHODS), WEEKS + window, inputs.events)
    auto = nested_choice(every, fold_starts(rows, WEEKS), list(METHODS), window, "weekly_profile")
    return auto[["interval_start", "queue", "volume", "forecast_volume"]].reset_index(drop=True)


def rest_of_day_errors(scored: pd.DataFrame) -> pd.DataFrame:
    """Per cut and way: absolute error and actual volume summed over the rest of each queue-day."""
    frame = scored.assign(day=scored["interval_start"].dt.normalize(), hour=scored["interval_start"].dt.hour +
                          scored["interval_start"].dt.minute / 60)  # fmt: skip
    out = []
    for (_, _), day in frame.groupby(["queue", "day"], sort=False):
        forecast_day = float(day["forecast_volume"].sum())
        if forecast_day <= 0:
            continue
        for cut in CUTS:
            before, rest = day[day["hour"] < cut], day[day["hour"] >= cut]
            actual_rest = rest["volume"].to_numpy(dtype=float)
            if actual_rest.sum() <= 0:
                continue
            so_far, actual_so_far = float(before["forecast_volume"].sum()), float(before["volume"].sum())
            share = so_far / forecast_day
            ways = {
                "forecast unchanged": 1.0,
                "wfm rule": blend_factor(actual_so_far, so_far, share),
                "plain ratio": blend_factor(actual_so_far, so_far, 1.0),
            }
            for way, factor in ways.items():
                predicted = rest["forecast_volume"].to_numpy(dtype=float) * factor
                out.append((cut, way, float(np.abs(actual_rest - predicted).sum()), float(actual_rest.sum())))
    return pd.DataFrame(out, columns=["cut", "way", "error", "actual"])


def backtest() -> None:
    for name, folder in (("Real bank calls (data/bank_calls)", REPO / "data" / "bank_calls"),
                         ("Sample operation (data/sample)", REPO / "data" / "sample")):  # fmt: skip
        errors = rest_of_day_errors(out_of_sample(folder))
        table = errors.groupby(["cut", "way"])[["error", "actual"]].sum()
        wape = (table["error"] / table["actual"]).unstack("way")
        print(f"\n## {name}: rest-of-day WAPE, last {WEEKS} weeks out of sample\n")
        ways = ["forecast unchanged", "wfm rule", "plain ratio"]
        print("| cut | " + " | ".join(ways) + " |")
        print("|" + " --- |" * (len(ways) + 1))
        for cut in CUTS:
            print(f"| {cut:02d}:00 | " + " | ".join(f"{wape.at[cut, w]:.1%}" for w in ways) + " |")


def speed(time_limit: float) -> None:
    from wfm.pipeline import RunOptions, plan, write_run
    from wfm.pipeline_intraday import intraday_replan, read_actuals, write_intraday

    sample = REPO / "data" / "sample"
    scenario = load_scenario(sample)
    with tempfile.TemporaryDirectory() as folder:
        started = time.monotonic()
        options = RunOptions(seed=7, time_limit_seconds=60)
        outcome = plan(scenario, options)
        run = write_run(outcome, scenario, sample, Path(folder), options=options, command_line=["bench"],
                        started_at=dt.datetime.now().astimezone())  # fmt: skip
        planned = time.monotonic() - started
        now = dt.datetime(2026, 3, 3, 11, 30)
        started = time.monotonic()
        actuals = read_actuals(ACTUALS, sample, scenario, now)
        replan = intraday_replan(run, scenario, actuals, now, time_limit_seconds=time_limit, seed=7)
        write_intraday(run, scenario, replan)
        seconds = time.monotonic() - started
        shutil.rmtree(run / "intraday", ignore_errors=True)
    people = len({c.agent_id for c in replan.changes})
    overtime = sum(o.hours for o in replan.offers if o.kind == "overtime")
    vto = sum(o.hours for o in replan.offers if o.kind == "vto")
    print(f"\n## Intraday re-plan on the sample (Tuesday 11:30, {ACTUALS.name}; plan made in {planned:.0f} s)\n")
    print("| search limit | wall time | changes | people | overtime offered | VTO offered |")
    print("| --- | --- | --- | --- | --- | --- |")
    print(f"| {time_limit:g} s | {seconds:.1f} s | {len(replan.changes)} | {people} | {overtime:g} h | {vto:g} h |")
    print("\n| queue | service level rest of day, published | re-planned |")
    print("| --- | --- | --- |")
    from wfm.reports.intraday_book import _service_by_queue

    for queue_id, levels in _service_by_queue(scenario, replan.coverage_published, replan.coverage_replanned).items():
        if "service_level_published" in levels:
            print(f"| {queue_id} | {levels['service_level_published']:.1%} | {levels['service_level_replanned']:.1%} |")
        else:
            print(f"| {queue_id} | {levels['items_past_sla_published']:g} items late | "
                  f"{levels['items_past_sla_replanned']:g} items late |")  # fmt: skip


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--only", choices=["backtest", "speed"])
    parser.add_argument("--time-limit", type=float, default=10.0, help="the re-plan's search seconds (speed)")
    args = parser.parse_args()
    if args.only in (None, "backtest"):
        backtest()
    if args.only in (None, "speed"):
        speed(args.time_limit)
    return 0


if __name__ == "__main__":
    sys.exit(main())
