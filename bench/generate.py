"""Generate a sample operation (scenario folder) of any size, e.g. for benchmarks.

python bench/generate.py --agents 1000 --queues 12 --seed 7 --out bench/out/ops1000
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
import time
from pathlib import Path

from wfm.demo import estimate_weekly_hours, generate_operation


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Write a deterministic sample bank operations centre.")
    parser.add_argument("--agents", type=int, default=150, help="head count (20-9999)")
    parser.add_argument("--queues", type=int, default=8, help="number of queues (3-12; 12 adds four more)")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--weeks-history", type=int, default=13, help="weeks of interval history")
    parser.add_argument("--horizon-start", type=dt.date.fromisoformat, default=dt.date(2026, 3, 2))
    parser.add_argument("--horizon-days", type=int, default=7)
    parser.add_argument("--out", type=Path, required=True, help="scenario folder to write")
    args = parser.parse_args(argv)
    began = time.perf_counter()
    try:
        generate_operation(
            args.out,
            agents=args.agents,
            weeks_history=args.weeks_history,
            seed=args.seed,
            horizon_start=args.horizon_start,
            horizon_days=args.horizon_days,
            queues=args.queues,
        )
    except ValueError as exc:
        parser.error(str(exc))
    hours = estimate_weekly_hours(args.out)
    contracted = hours["contracted_hours"]
    print(
        f"wrote {args.out} in {time.perf_counter() - began:.1f}s: {args.agents} agents, {args.queues} queues; "
        f"last history week workload {hours['workload_hours'] / contracted:.0%} and estimated requirement "
        f"{hours['required_hours'] / contracted:.0%} of {contracted:.0f} contracted hours"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
