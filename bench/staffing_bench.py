"""Staffing benchmark: Erlang C / A speed and stability against the bars of the staffing issue.

    .venv/bin/python bench/staffing_bench.py              # full run: 12 queues x 14 days x 96 intervals
    .venv/bin/python bench/staffing_bench.py --quick      # 2 days, fewer repeats (a smoke test, bars scaled down)
    .venv/bin/python bench/staffing_bench.py --profile    # also cProfile each stage, top functions by own time

1. Required agents: `required_agents` per queue for 12 live queues x 14 days x 96 quarter-hours (16,128
   cells) of seeded demand: sizes from ~5 to ~400 Erlangs at peak plus one ~2,000-Erlang queue, a
   double-peaked day, closed at night, lower weekends; AHT 180-600 s; 80/20, 90/15, 70/60 ... targets; two
   chat queues (concurrency 2 and 3), four Erlang A queues (patience 60-300 s), one ASA cap of 30 s, 30%
   shrinkage on some. Best and median of 5 repeats of all queues together. Bar: <= 0.5 s.
2. Service-level tables: `service_table` per queue for the same cells, N = min(500, 1.5 x the queue's peak
   requirement + 10), and the worst case N = 500 for every queue; first, best and median of 3 runs of all
   queues (the first pays for fresh memory pages), cells, hulled cells and peak
   memory (ru_maxrss, whole process; every queue's table is kept, as the optimizer would; and the peak of each
   single call by tracemalloc, in a separate untimed pass). Bar: <= 2 s.
3. Stability: required agents, service level, ASA and abandonment at 1, 10, 100, 1,000 and 5,000 Erlangs,
   Erlang C and Erlang A (patience 180 s); every value must be finite.

Timings are wall clock (time.perf_counter) on whatever machine runs this; the bars are for 2 cores.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import math
import pstats
import resource
import statistics
import sys
import time
import tracemalloc
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

import numpy as np

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from wfm.staffing.erlang import abandon_rate, asa_seconds, required_agents, service_level  # noqa: E402
from wfm.staffing.tables import ServiceTable, service_table  # noqa: E402

T = TypeVar("T")
SEED = 20261124
INTERVAL_SECONDS = 900
INTERVALS_PER_DAY = 96
REQUIRED_BAR_SECONDS = 0.5
TABLE_BAR_SECONDS = 2.0
TABLE_MAX_AGENTS = 500
FULL_DAYS = 14
FULL_CELLS = 12 * FULL_DAYS * INTERVALS_PER_DAY


@dataclass(frozen=True)
class QueueSpec:
    name: str
    peak_erlangs: float  # offered load at the busiest interval of the horizon
    aht_seconds: float
    target: float
    answer_seconds: float
    open_hours: tuple[float, float] = (7.0, 21.0)  # closed (volume 0) outside; (0, 24) = round the clock
    weekend: tuple[float, float] = (0.5, 0.3)  # Saturday and Sunday volume relative to a weekday
    concurrency: int = 1
    patience_seconds: float = math.inf
    max_asa_seconds: float = math.inf
    shrinkage: float = 0.0

    @property
    def model(self) -> str:
        erlang = "A" if math.isfinite(self.patience_seconds) else "C"
        extras = [f"chat x{self.concurrency}"] if self.concurrency > 1 else []
        if math.isfinite(self.patience_seconds):
            extras.append(f"patience {self.patience_seconds:.0f} s")
        if math.isfinite(self.max_asa_seconds):
            extras.append(f"ASA <= {self.max_asa_seconds:.0f} s")
        if self.shrinkage:
            extras.append(f"shrinkage {self.shrinkage:.0%}")
        return f"Erlang {erlang}" + (f" ({', '.join(extras)})" if extras else "")


QUEUES = (
    QueueSpec("mega_voice", 2000, 240, 0.80, 20, open_hours=(0.0, 24.0), weekend=(0.7, 0.6), shrinkage=0.3),
    QueueSpec("retail_voice", 400, 300, 0.80, 20, shrinkage=0.3),
    QueueSpec("billing", 150, 420, 0.90, 15, patience_seconds=180),
    QueueSpec("claims", 120, 540, 0.80, 30, weekend=(0.4, 0.0), shrinkage=0.3),
    QueueSpec("tech_support", 80, 600, 0.70, 60, patience_seconds=300),
    QueueSpec("chat_support", 60, 600, 0.80, 60, open_hours=(8.0, 22.0), concurrency=2),
    QueueSpec("sales", 40, 360, 0.80, 30, weekend=(0.6, 0.0), patience_seconds=120, shrinkage=0.3),
    QueueSpec("chat_sales", 30, 480, 0.80, 120, open_hours=(8.0, 22.0), concurrency=3),
    QueueSpec("priority", 25, 300, 0.90, 10, max_asa_seconds=30),
    QueueSpec("collections", 20, 480, 0.80, 20, weekend=(0.3, 0.0), patience_seconds=60),
    QueueSpec("helpdesk", 10, 180, 0.90, 20, weekend=(0.2, 0.2)),
    QueueSpec("night_line", 5, 240, 0.80, 20, open_hours=(0.0, 24.0), weekend=(1.0, 1.0)),
)


@dataclass(frozen=True)
class Demand:
    volume: np.ndarray  # contacts per interval, [days * 96]
    aht_seconds: np.ndarray  # seconds per contact, [days * 96]


def intraday_shape(open_hours: tuple[float, float]) -> np.ndarray:
    """Relative load per quarter-hour: a morning and an afternoon peak, 1.0 at the higher, 0 when closed."""
    hours = (np.arange(INTERVALS_PER_DAY) + 0.5) / 4.0
    curve = (
        0.12
        + np.exp(-(((hours - 10.5) / 1.6) ** 2))
        + 0.85 * np.exp(-(((hours - 14.75) / 1.9) ** 2))
        + 0.25 * np.exp(-(((hours - 19.5) / 1.5) ** 2))
    )
    opened, closed = open_hours
    curve = np.where((hours >= opened) & (hours < closed), curve, 0.0)
    shape: np.ndarray = curve / curve.max()
    return shape


def build_demand(days: int, seed: int = SEED) -> dict[str, Demand]:
    """Seeded demand for every queue: volume from the Erlang peak, the day shape, weekday and noise."""
    rng = np.random.default_rng(seed)
    demand: dict[str, Demand] = {}
    for spec in QUEUES:
        weekday = np.arange(days) % 7  # day 0 is a Monday
        day_factor = np.where(weekday == 5, spec.weekend[0], np.where(weekday == 6, spec.weekend[1], 1.0))
        day_factor = day_factor * rng.uniform(0.9, 1.1, size=days) * np.where(weekday == 0, 1.08, 1.0)
        erlangs = (day_factor[:, None] * intraday_shape(spec.open_hours)[None, :]).ravel() * spec.peak_erlangs
        erlangs = erlangs * rng.gamma(shape=60.0, scale=1.0 / 60.0, size=erlangs.size)  # about +-13% an interval
        erlangs = erlangs * spec.peak_erlangs / erlangs.max()  # the busiest interval of the horizon at the peak
        aht = spec.aht_seconds * (1.0 + 0.06 * np.sin(np.arange(erlangs.size) * 2 * np.pi / INTERVALS_PER_DAY))
        aht = aht * rng.uniform(0.97, 1.03, size=erlangs.size)
        volume = np.round(erlangs * INTERVAL_SECONDS / aht, 1)
        demand[spec.name] = Demand(volume=volume, aht_seconds=aht)
    return demand


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def profiled(label: str, run: Callable[[], object], top: int = 15) -> None:
    """cProfile one call of `run`; print the functions with the most own time and their share of the total."""
    profile = cProfile.Profile()
    profile.enable()
    run()
    profile.disable()
    stats = pstats.Stats(profile)
    total = sum(row[2] for row in stats.stats.values())  # type: ignore[attr-defined]
    rows = sorted(stats.stats.items(), key=lambda item: item[1][2], reverse=True)  # type: ignore[attr-defined]
    print(f"\n### Profile: {label} (own time {total:.3f} s under cProfile)\n")
    print("| function | calls | own s | own share | cumulative s |")
    print("| --- | ---: | ---: | ---: | ---: |")
    for (filename, line, function), (_, calls, own, cumulative, _) in rows[:top]:
        where = f"{Path(filename).name}:{line}" if line else filename
        print(f"| `{function}` ({where}) | {calls:,} | {own:.3f} | {own / total:.1%} | {cumulative:.3f} |")
    buffer = io.StringIO()
    pstats.Stats(profile, stream=buffer).sort_stats("cumulative").print_stats(r"wfm[/\\]staffing", 12)
    print("\ncumulative, wfm.staffing only:\n```\n" + buffer.getvalue().split("\n\n", 2)[-1].strip() + "\n```")


def _per_queue(
    demand: dict[str, Demand], call: Callable[[QueueSpec, Demand], T]
) -> tuple[dict[str, T], dict[str, float]]:
    """call(spec, demand) for every queue: the results and each call's seconds."""
    results: dict[str, T] = {}
    seconds: dict[str, float] = {}
    for spec in QUEUES:
        started = time.perf_counter()
        results[spec.name] = call(spec, demand[spec.name])
        seconds[spec.name] = time.perf_counter() - started
    return results, seconds


def required_for_all(demand: dict[str, Demand]) -> tuple[dict[str, np.ndarray], dict[str, float]]:
    """required_agents for every queue; the requirement per queue and each call's seconds."""
    return _per_queue(
        demand,
        lambda spec, load: required_agents(
            load.volume,
            load.aht_seconds,
            INTERVAL_SECONDS,
            spec.target,
            spec.answer_seconds,
            concurrency=spec.concurrency,
            shrinkage=spec.shrinkage,
            patience_seconds=spec.patience_seconds,
            max_asa_seconds=spec.max_asa_seconds,
        ),
    )


def bench_required(demand: dict[str, Demand], repeats: int, bar: float) -> tuple[dict[str, np.ndarray], float, str]:
    cells = sum(d.volume.size for d in demand.values())
    runs = [required_for_all(demand) for _ in range(repeats)]
    totals = [sum(seconds.values()) for _, seconds in runs]
    needed = runs[0][0]
    for other, _ in runs[1:]:
        assert all(np.array_equal(needed[q], other[q]) for q in needed), "required_agents is not deterministic"
    print(f"\n## 1. Required agents: {len(QUEUES)} queues, {cells:,} cells, {repeats} repeats\n")
    print("| queue | model | target | peak Erlangs | open cells | peak agents | agent-hours | best s | median s |")
    print("| --- | --- | --- | ---: | ---: | ---: | ---: | ---: | ---: |")
    for spec in QUEUES:
        load = demand[spec.name]
        erlangs = load.volume * load.aht_seconds / INTERVAL_SECONDS
        times = [seconds[spec.name] for _, seconds in runs]
        row = needed[spec.name]
        print(
            f"| {spec.name} | {spec.model} | {spec.target:.0%}/{spec.answer_seconds:.0f} s | {erlangs.max():,.1f} | "
            f"{int((load.volume > 0).sum()):,} | {int(row.max()):,} | {row.sum() / 4:,.0f} | "
            f"{min(times):.4f} | {statistics.median(times):.4f} |"
        )
    best, median = min(totals), statistics.median(totals)
    verdict = "PASS" if median <= bar else "FAIL"
    print(f"\nall queues: best {best:.3f} s, median {median:.3f} s, runs {', '.join(f'{t:.3f}' for t in totals)}")
    print(f"bar <= {bar:.2f} s (median): {verdict}")
    summary = f"| required agents, {cells:,} cells | <= {bar:.2f} s | best {best:.3f} s, median {median:.3f} s | "
    return needed, median, summary + f"{verdict} |"


def table_of(spec: QueueSpec, load: Demand, max_agents: int) -> ServiceTable:
    return service_table(
        load.volume,
        load.aht_seconds,
        INTERVAL_SECONDS,
        spec.answer_seconds,
        max_agents,
        concurrency=spec.concurrency,
        patience_seconds=spec.patience_seconds,
    )


def tables_for_all(
    demand: dict[str, Demand], sizes: dict[str, int]
) -> tuple[dict[str, ServiceTable], dict[str, float]]:
    return _per_queue(demand, lambda spec, load: table_of(spec, load, sizes[spec.name]))


def traced_peaks(demand: dict[str, Demand], sizes: dict[str, int]) -> dict[str, float]:
    """Peak memory (MB) numpy allocates inside one service_table call per queue, by tracemalloc (untimed pass)."""
    peaks: dict[str, float] = {}
    tracemalloc.start()
    try:
        for spec in QUEUES:
            load = demand[spec.name]
            tracemalloc.reset_peak()
            base = tracemalloc.get_traced_memory()[0]
            table = table_of(spec, load, sizes[spec.name])
            peaks[spec.name] = (tracemalloc.get_traced_memory()[1] - base) / 2**20
            del table
    finally:
        tracemalloc.stop()
    return peaks


def bench_tables(demand: dict[str, Demand], needed: dict[str, np.ndarray], repeats: int, bar: float) -> list[str]:
    fitted = {q: int(min(TABLE_MAX_AGENTS, math.ceil(1.5 * needed[q].max()) + 10)) for q in needed}
    worst = dict.fromkeys(needed, TABLE_MAX_AGENTS)
    summary: list[str] = []
    for label, sizes in (("N = min(500, 1.5 x peak requirement + 10)", fitted), ("worst case N = 500", worst)):
        rss_before = peak_rss_mb()
        runs: list[dict[str, float]] = []
        for _ in range(repeats):
            tables: dict[str, ServiceTable] = {}  # drop the last run's tables first: one set alive at a time
            tables, seconds = tables_for_all(demand, sizes)
            runs.append(seconds)
        rss_after = peak_rss_mb()
        totals = [sum(run.values()) for run in runs]
        first, best, median = totals[0], min(totals), statistics.median(totals)
        call_peaks = traced_peaks(demand, sizes)
        print(f"\n## 2. Service-level tables, {label}, {repeats} repeats\n")
        print(
            "| queue | model | N | cells | table cells | hulled | hulled share | table MB | call peak MB | median s |"
        )
        print("| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
        for spec in QUEUES:
            table = tables[spec.name]
            size = table.answered.size
            megabytes = (table.answered.nbytes + table.raw.nbytes + table.hulled.nbytes) / 2**20
            assert np.isfinite(table.answered).all() and np.isfinite(table.raw).all(), f"{spec.name}: NaN or inf"
            assert (np.diff(table.answered, n=2, axis=1) <= 1e-6 * (1 + table.answered.max())).all(), (
                f"{spec.name}: table not concave"
            )
            print(
                f"| {spec.name} | {spec.model} | {sizes[spec.name]} | {table.answered.shape[0]:,} | {size:,} | "
                f"{table.hulled_cells:,} | {table.hulled_cells / size:.2%} | {megabytes:,.1f} | "
                f"{call_peaks[spec.name]:,.0f} | {statistics.median(run[spec.name] for run in runs):.3f} |"
            )
        cells = sum(t.answered.shape[0] for t in tables.values())
        table_cells = sum(t.answered.size for t in tables.values())
        hulled = sum(t.hulled_cells for t in tables.values())
        kept_mb = sum(t.answered.nbytes + t.raw.nbytes + t.hulled.nbytes for t in tables.values()) / 2**20
        verdict = "PASS" if median <= bar else "FAIL"
        print(
            f"\nall queues: first {first:.3f} s, best {best:.3f} s, median {median:.3f} s for {cells:,} cells, "
            f"{table_cells:,} table cells, {hulled:,} hulled ({hulled / table_cells:.2%}); tables kept "
            f"{kept_mb:,.0f} MB; peak RSS {rss_before:,.0f} -> {rss_after:,.0f} MB (whole process); "
            f"largest single call {max(call_peaks.values()):,.0f} MB (tracemalloc, untimed pass)"
        )
        print(f"bar <= {bar:.2f} s (median): {verdict}")
        summary.append(
            f"| tables, {label} ({table_cells:,} table cells, {hulled:,} hulled, peak RSS {rss_after:,.0f} MB) | "
            f"<= {bar:.2f} s | first {first:.3f} s, best {best:.3f} s, median {median:.3f} s | {verdict} |"
        )
        del tables
    return summary


def bench_stability(loads: list[float]) -> str:
    aht, answer, target, patience = 300.0, 20.0, 0.8, 180.0
    print(f"\n## 3. Stability: one interval of 900 s, AHT {aht:.0f} s, target {target:.0%}/{answer:.0f} s\n")
    print("| model | Erlangs | required n | binds | SL(n) | SL(n-1) | ASA(n) s | abandon(n) | SL(2n) | seconds |")
    print("| --- | ---: | ---: | --- | ---: | ---: | ---: | ---: | ---: | ---: |")
    bad: list[str] = []
    for label, wait in (("Erlang C", math.inf), (f"Erlang A ({patience:.0f} s)", patience)):
        for erlangs in loads:
            volume = erlangs * INTERVAL_SECONDS / aht
            started = time.perf_counter()
            agents = int(required_agents(volume, aht, INTERVAL_SECONDS, target, answer, patience_seconds=wait))
            staff = np.array([agents, agents - 1, 2 * agents], dtype=np.float64)
            levels = service_level(volume, aht, INTERVAL_SECONDS, staff, answer, patience_seconds=wait)
            asa = float(asa_seconds(volume, aht, INTERVAL_SECONDS, agents, patience_seconds=wait))
            abandon = float(abandon_rate(volume, aht, INTERVAL_SECONDS, agents, wait)) if math.isfinite(wait) else 0.0
            seconds = time.perf_counter() - started
            values = [*levels.tolist(), asa, abandon]
            if not all(math.isfinite(v) for v in values):
                bad.append(f"{label} at {erlangs:g} Erlangs: {values}")
            # n - 1 must miss a target: the service level, or max_occupancy = 1 (n - 1 < offered Erlangs).
            binds = "SL" if levels[1] < target else "occupancy" if agents - 1 < erlangs - 1e-9 else "none"
            if not levels[0] >= target - 1e-9 or binds == "none":
                bad.append(f"{label} at {erlangs:g} Erlangs: n = {agents} is not the smallest meeting the targets")
            print(
                f"| {label} | {erlangs:,.0f} | {agents:,} | {binds} | {levels[0]:.4f} | {levels[1]:.4f} | {asa:.2f} | "
                f"{abandon:.4f} | {levels[2]:.4f} | {seconds:.4f} |"
            )
    for problem in bad:
        print(f"PROBLEM: {problem}")
    assert not bad, "stability check failed"
    print("\nall finite; every n meets the target and n - 1 misses the service level or the occupancy cap")
    return f"| stability, {', '.join(f'{x:,.0f}' for x in loads)} Erlangs, C and A | finite, minimal n | ok | PASS |"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="2 days, fewer repeats, bars scaled to the cell count")
    parser.add_argument("--profile", action="store_true", help="cProfile the required-agents and table stages")
    args = parser.parse_args()
    days = 2 if args.quick else FULL_DAYS
    repeats = 2 if args.quick else 5  # required agents; tables get 3 (1 with --quick)
    loads = [1.0, 10.0, 100.0, 1000.0] if args.quick else [1.0, 10.0, 100.0, 1000.0, 5000.0]
    scale = (len(QUEUES) * days * INTERVALS_PER_DAY) / FULL_CELLS
    required_bar, table_bar = REQUIRED_BAR_SECONDS * scale, TABLE_BAR_SECONDS * scale

    started = time.perf_counter()
    demand = build_demand(days)
    print(
        f"# Staffing benchmark: {len(QUEUES)} queues x {days} days x {INTERVALS_PER_DAY} intervals, seed {SEED}"
        f"{' (--quick: bars scaled to the cell count)' if args.quick else ''}"
    )
    needed, _, required_summary = bench_required(demand, repeats, required_bar)
    table_summary = bench_tables(demand, needed, 1 if args.quick else 3, table_bar)
    stability_summary = bench_stability(loads)
    if args.profile:
        profiled("required_agents, all queues", lambda: required_for_all(demand))
        worst = dict.fromkeys(needed, TABLE_MAX_AGENTS)
        profiled("service_table, all queues, N = 500", lambda: tables_for_all(demand, worst))

    print(f"\n## Summary ({time.perf_counter() - started:.1f} s in all, peak RSS {peak_rss_mb():,.0f} MB)\n")
    print("| measure | bar | result | verdict |")
    print("| --- | --- | --- | --- |")
    for line in (required_summary, *table_summary, stability_summary):
        print(line)


if __name__ == "__main__":
    main()
