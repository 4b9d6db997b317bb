"""Forecast benchmark: accuracy on real and generated histories, and speed at scale. Prints the README's tables.

    .venv/bin/python bench/forecast_bench.py            # everything (about a minute)
    .venv/bin/python bench/forecast_bench.py --only bank

Accuracy: each queue's backtest over the last 4 weeks (rolling origin, interval-level WAPE), every method,
the one chosen for the horizon marked, and "auto" as a user gets it: each week forecast by the method chosen
on the 4 weeks before it, so its score is out of sample; beside it, how far that is from the plain 8-week mean.
The real bank data has a final test (its last 8 weeks) that no design choice looks at. Scale: 12 queues x 52 weeks of
15-minute history -> a 14-day forecast with method selection, wall time and peak memory (ru_maxrss).
"""

from __future__ import annotations

import argparse
import resource
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

import pandas as pd

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "bench"))

from wfm.domain import Event, Site  # noqa: E402
from wfm.forecast import METHODS, ForecastResult, run_forecast  # noqa: E402
from wfm.forecast.engine import backtest_methods, fold_starts, fold_table, nested_choice, pooled_errors  # noqa: E402
from wfm.forecast.history import normalize_history  # noqa: E402
from wfm.io import load_forecast_inputs  # noqa: E402

METHOD_COLUMNS = ("seasonal_naive", "weekday_mean", "weekly_profile", "top_down", "exp_smoothing", "combined")


def accuracy_table(name: str, result: ForecastResult) -> None:
    """Every method's backtest WAPE per queue, and "auto" as a user gets it: each week forecast by the method
    chosen on the weeks before it (out of sample), against the plain 8-week mean (weekday_mean)."""
    accuracy = result.accuracy
    wide = accuracy.pivot_table(index="queue", columns="method", values="wape", sort=False)
    methods = [m for m in METHOD_COLUMNS if m in wide.columns]
    print(f"\n## {name}: backtest WAPE, {int(accuracy['folds'].max())} weekly folds (* = chosen for the horizon)\n")
    print("| queue | " + " | ".join(methods) + " | auto (out of sample) | auto - 8-week mean | bias | P10-P90 |")
    print("|---" * (len(methods) + 5) + "|")
    for queue, row in wide.iterrows():
        chosen = result.chosen[str(queue)]
        cells = [f"{row[m]:.1%}{'*' if m == chosen else ''}" for m in methods]
        auto = accuracy[(accuracy["queue"] == queue) & (accuracy["method"] == "auto")]
        if len(auto):
            picked = auto.iloc[0]
            versus = f"{100 * (picked['wape'] - row['weekday_mean']):+.1f} points"
            tail = f"{picked['wape']:.1%} | {versus} | {picked['bias']:+.1%} | {picked['p10_p90_coverage']:.0%}"
        else:
            tail = "n/a (too little history) | | |"
        print(f"| {queue} | " + " | ".join(cells) + f" | {tail} |")


def out_of_sample(name: str, rows: pd.DataFrame, site: Site, events: Sequence[Event], scored: int) -> None:
    """`scored` weeks, each forecast by the method chosen on the `site.forecast.folds` weeks before it."""
    window = site.forecast.folds
    every = backtest_methods(rows, site, list(METHODS), scored + window, events)
    starts = fold_starts(rows, scored)
    last = every[every["fold_start"].isin(starts)]
    auto = nested_choice(every, starts, list(METHODS), window, "weekly_profile")
    table = pd.concat([pooled_errors(last), pooled_errors(auto)])
    wape = table.set_index("method")["wape"]
    first, final = starts[0].date(), (starts[-1] + pd.Timedelta(days=6)).date()
    print(f"\n## {name}: final test, {scored} weeks {first} to {final}, out of sample\n")
    print("| " + " | ".join([*METHOD_COLUMNS, "auto"]) + " |")
    print("|---" * (len(METHOD_COLUMNS) + 1) + "|")
    print("| " + " | ".join(f"{wape[m]:.1%}" for m in [*METHOD_COLUMNS, "auto"]) + " |")
    per_week = fold_table(auto)[["fold_start", "wape"]]
    print("\nauto per week: " + ", ".join(f"{r.fold_start:%m-%d} {r.wape:.1%}" for r in per_week.itertuples()))


# The bank data's last 8 weeks are its final test: no design choice from issue 18 on looks at them (the
# after-holiday factors of top_down were set earlier by looking at Labor Day week, which is in them).
BANK_FINAL_TEST_FROM = pd.Timestamp("2003-08-30")
BANK_FINAL_TEST_WEEKS = 8


def bank() -> None:
    inputs = load_forecast_inputs(REPO / "data" / "bank_calls")
    tuning = inputs.history[inputs.history["interval_start"] < BANK_FINAL_TEST_FROM]
    started = time.perf_counter()
    result = run_forecast(tuning, inputs.site, events=inputs.events, start=BANK_FINAL_TEST_FROM.date())
    accuracy_table(
        f"Real bank calls, 30-minute, tuning period (to {BANK_FINAL_TEST_FROM.date()}; "
        f"{time.perf_counter() - started:.1f} s)",
        result,
    )
    rows = normalize_history(inputs.history, inputs.site)
    out_of_sample("Real bank calls, 30-minute", rows, inputs.site, inputs.events, BANK_FINAL_TEST_WEEKS)


def sample() -> None:
    from wfm.io import load_scenario

    scenario = load_scenario(REPO / "data" / "sample")
    site = scenario.site.model_copy(update={"forecast": scenario.site.forecast.model_copy(update={"method": "auto"})})
    started = time.perf_counter()
    result = run_forecast(scenario.history, site, events=scenario.events)
    accuracy_table(f"Bundled sample, 15-minute ({time.perf_counter() - started:.1f} s)", result)


def round_the_clock() -> None:
    from round_the_clock import round_the_clock_operation

    site, history = round_the_clock_operation()
    started = time.perf_counter()
    result = run_forecast(history, site)
    accuracy_table(f"Generated round-the-clock centre, 30-minute ({time.perf_counter() - started:.1f} s)", result)


def month_end() -> None:
    from forecast_data import month_end_operation

    site, history = month_end_operation()
    site = site.model_copy(update={"forecast": site.forecast.model_copy(update={"method": "auto"})})
    started = time.perf_counter()
    result = run_forecast(history, site)
    accuracy_table(f"Generated month-end back office, 15-minute ({time.perf_counter() - started:.1f} s)", result)


def scale() -> None:
    from wfm.demo import generate_operation
    from wfm.io import load_scenario

    with tempfile.TemporaryDirectory() as folder:
        generate_operation(Path(folder), agents=60, weeks_history=52, queues=12, seed=3)
        scenario = load_scenario(Path(folder))
    site: Site = scenario.site
    site = site.model_copy(update={"forecast": site.forecast.model_copy(update={"method": "auto"})})
    # The demo writes open-hours rows only; many WFM exports write every interval of the day, closed ones as 0.
    # The second run completes the grid that way: 12 queues x 364 days x 96 quarter-hours = 419,328 rows.
    history = scenario.history
    grid = pd.MultiIndex.from_product(
        [
            pd.date_range(history["interval_start"].min().normalize(), periods=364 * 96, freq="15min"),
            [q.id for q in site.queues],
        ],
        names=["interval_start", "queue"],
    ).to_frame(index=False)
    full = grid.merge(history, on=["interval_start", "queue"], how="left")
    full["volume"] = full["volume"].fillna(0.0)
    if "fold" in full.columns:
        full["fold"] = full["fold"].fillna(0).astype("int8")
    for label, rows in (("open-hours rows", history), ("every interval, closed ones 0", full)):
        started = time.perf_counter()
        result = run_forecast(rows, site, days=14, events=scenario.events)
        seconds = time.perf_counter() - started
        peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        print(
            f"\n## Scale: {len(site.queues)} queues x 52 weeks ({len(rows):,} history rows, {label}) -> 14-day "
            f"forecast, {len(METHODS)} methods x 8 folds (4 scored, 4 more behind auto's out-of-sample choice): "
            f"{seconds:.1f} s, peak memory so far {peak_mb:,.0f} MB (whole process)"
        )
        print(pd.Series(result.chosen).value_counts().to_string())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--only", choices=["bank", "sample", "month_end", "round_the_clock", "scale"])
    args = parser.parse_args()
    runs = (
        ("bank", bank),
        ("sample", sample),
        ("month_end", month_end),
        ("round_the_clock", round_the_clock),
        ("scale", scale),
    )
    for name, run in runs:
        if args.only in (None, name):
            run()


if __name__ == "__main__":
    main()
