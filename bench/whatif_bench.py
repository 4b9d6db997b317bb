"""Wall time of a what-if grid planned by 1 and by 2 workers, and whether the plans are the same.

    .venv/bin/python bench/whatif_bench.py                      # the README's 6 scenarios on the sample
    .venv/bin/python bench/whatif_bench.py --time-limit 5 --days 7 --workers 1 2
    .venv/bin/python bench/whatif_bench.py --cluster tcp://host:8786   # the same grid on a Dask cluster too

Each scenario is planned in deterministic mode (the same inputs and seed give the same plan wherever it runs), so
the comparison tables must be identical whatever the number of workers; only the wall time may differ. On a
machine with fewer cores than workers x solver threads the workers share the cores.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

import pandas as pd

from wfm.io import load_scenario
from wfm.io.variations import parse_vary
from wfm.pipeline import RunOptions
from wfm.pipeline_whatif import KNOBS, WhatIfOutcome, comparison_rows, run_whatif

ROOT = Path(__file__).resolve().parents[1]
GRID = ["volume=1.0,1.15,1.3", "cross_training=on,off"]


def timed(
    scenario_path: Path, args: argparse.Namespace, workers: int, address: str | None
) -> tuple[float, WhatIfOutcome]:
    scenario = load_scenario(scenario_path)
    options = RunOptions(seed=7, time_limit_seconds=args.time_limit, deterministic=True)
    started = time.monotonic()
    outcome = run_whatif(scenario, parse_vary(args.vary, KNOBS), options, days=args.days, workers=workers,
                         address=address)  # fmt: skip
    return time.monotonic() - started, outcome


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("scenario", nargs="?", type=Path, default=ROOT / "data" / "sample")
    parser.add_argument("--vary", action="append", help=f"a --vary setting (default: {' '.join(GRID)})")
    parser.add_argument("--time-limit", type=float, default=10.0, help="deterministic units per scenario")
    parser.add_argument("--days", type=int, default=None, help="plan the first DAYS days (default: all)")
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--cluster", default=None, help="also time the grid on this Dask scheduler")
    args = parser.parse_args(argv)
    args.vary = args.vary or GRID
    print(f"{args.scenario.name}: {' '.join(args.vary)}; {args.time_limit:g} deterministic units per scenario, "
          f"days {args.days or 'all'}; {os.cpu_count()} cores")  # fmt: skip
    print("| where | workers | scenarios | wall time (s) | plans identical to the first row |")
    print("| --- | --- | --- | --- | --- |")
    first: pd.DataFrame | None = None
    runs: list[tuple[str, int, str | None]] = [("this machine", w, None) for w in args.workers]
    if args.cluster:
        runs.append((f"Dask {args.cluster}", 0, args.cluster))
    for where, workers, address in runs:
        seconds, outcome = timed(args.scenario, args, workers, address)
        table = pd.DataFrame(comparison_rows(outcome)).drop(columns=["seconds"])
        same = "-" if first is None else ("yes" if table.equals(first) else "NO")
        first = table if first is None else first
        print(f"| {where} | {workers or '-'} | {len(outcome.results)} | {seconds:.0f} | {same} |", flush=True)
        if outcome.failures:
            print(f"  failed: {[(f.name, f.error) for f in outcome.failures]}")
    print()
    assert first is not None
    shown = ["scenario", "label", "live_service_level", "items_past_sla", "overtime_hours", "labour_cost", "plan_gap"]
    print(first[shown].to_string(index=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
