"""Forecast benchmark: accuracy on real and generated histories, and speed at scale. Prints the README's tables.

    .venv/bin/python bench/forecast_bench.py            # everything (about a minute)
    .venv/bin/python bench/forecast_bench.py --only bank

Accuracy: each queue's backtest over the last 4 weeks (rolling origin, interval-level WAPE), every method,
the chosen one marked, and how much lower its WAPE is than seasonal naive's. Scale: 12 queues x 52 weeks of
15-minute history -> a 14-day forecast with method selection, wall time and peak memory (ru_maxrss).
"""

from __future__ import annotations

import argparse
import resource
import sys
import tempfile
import time
from pathlib import Path

import pandas as pd

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "bench"))

from wfm.domain import Site  # noqa: E402
from wfm.forecast import ForecastResult, run_forecast  # noqa: E402
from wfm.io import load_forecast_inputs  # noqa: E402


def accuracy_table(name: str, result: ForecastResult) -> None:
    accuracy = result.accuracy
    wide = accuracy.pivot_table(index="queue", columns="method", values="wape", sort=False)
    methods = [m for m in ("seasonal_naive", "weekly_profile", "top_down", "exp_smoothing") if m in wide.columns]
    print(f"\n## {name}: backtest WAPE, {int(accuracy['folds'].max())} weekly folds (* = chosen)\n")
    print("| queue | " + " | ".join(methods) + " | chosen | bias | P10-P90 | vs naive |")
    print("|---" * (len(methods) + 5) + "|")
    for queue, row in wide.iterrows():
        chosen = result.chosen[str(queue)]
        cells = [f"{row[m]:.1%}{'*' if m == chosen else ''}" for m in methods]
        picked = accuracy[(accuracy["queue"] == queue) & accuracy["chosen"]].iloc[0]
        gain = 1 - row[chosen] / row["seasonal_naive"]
        print(
            f"| {queue} | " + " | ".join(cells) + f" | {chosen} | {picked['bias']:+.1%} | "
            f"{picked['p10_p90_coverage']:.0%} | {gain:.0%} lower |"
        )


def bank() -> None:
    inputs = load_forecast_inputs(REPO / "data" / "bank_calls")
    started = time.perf_counter()
    result = run_forecast(inputs.history, inputs.site, events=inputs.events)
    accuracy_table(f"Real bank calls, 30-minute ({time.perf_counter() - started:.1f} s)", result)
    folds = result.folds.pivot_table(index="method", columns="fold_start", values="wape")
    print("\nper fold:\n" + folds.map(lambda v: f"{v:.1%}").to_string())


def sample() -> None:
    from wfm.io import load_scenario

    scenario = load_scenario(REPO / "data" / "sample")
    site = scenario.site.model_copy(update={"forecast": scenario.site.forecast.model_copy(update={"method": "auto"})})
    started = time.perf_counter()
    result = run_forecast(scenario.history, site, events=scenario.events)
    accuracy_table(f"Bundled sample, 15-minute ({time.perf_counter() - started:.1f} s)", result)


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
    for label, rows in (("open-hours rows", history), ("every interval, closed ones 0", full)):
        started = time.perf_counter()
        result = run_forecast(rows, site, days=14, events=scenario.events)
        seconds = time.perf_counter() - started
        peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        print(
            f"\n## Scale: {len(site.queues)} queues x 52 weeks ({len(rows):,} history rows, {label}) -> 14-day "
            f"forecast, 4 methods x 4 folds: {seconds:.1f} s, peak memory so far {peak_mb:,.0f} MB (whole process)"
        )
        print(pd.Series(result.chosen).value_counts().to_string())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--only", choices=["bank", "sample", "month_end", "scale"])
    args = parser.parse_args()
    for name, run in (("bank", bank), ("sample", sample), ("month_end", month_end), ("scale", scale)):
        if args.only in (None, name):
            run()


if __name__ == "__main__":
    main()
