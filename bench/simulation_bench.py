"""How fast the plan simulation is, against the bars of issue 20, and against SimPy on the same queue.

    .venv/bin/python bench/simulation_bench.py                  # sample week x 30, 1,000 agents x 30, engine vs SimPy
    .venv/bin/python bench/simulation_bench.py --only sample    # sample | large | engine | sources

Each operation is planned first (the plan's quality does not change what a replication costs, so the solver gets
`--time-limit` seconds, default 30), then simulated with the site's [simulation] settings (30 replications).
Timed: the simulation alone (`simulate_plan`, building its inputs included), and peak memory of the process.
The engine comparison runs the Erlang C case of tests/test_simulation.py (14 agents, 200 calls an hour, AHT
180 s, exponential patience 300 s) through wfm's engine and through an equivalent SimPy model
(`pip install -e '.[bench]'`).
"""

from __future__ import annotations

import argparse
import resource
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from wfm.demo import generate_operation
from wfm.io import load_scenario
from wfm.pipeline import RunOptions, plan
from wfm.simulation import Server, live_queue, simulate_plan

ROOT = Path(__file__).resolve().parents[1]


def simulate_operation(folder: Path, label: str, time_limit: float) -> None:
    scenario = load_scenario(folder)
    started = time.monotonic()
    outcome = plan(scenario, RunOptions(seed=7, time_limit_seconds=time_limit))
    planned = time.monotonic() - started
    assert outcome.coverage is not None, outcome.result.message
    started = time.monotonic()
    simulation = simulate_plan(scenario, outcome.forecast, outcome.requirements, outcome.coverage, outcome.result)
    seconds = time.monotonic() - started
    contacts = sum(float(q.volume.sum()) for q in _inputs(scenario, outcome).queues)
    memory = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024**2
    print(
        f"| {label} | {len(scenario.agents):,} | {len(scenario.site.queues)} | {scenario.site.horizon.days} "
        f"| {simulation.replications} | {contacts * simulation.replications:,.0f} | {seconds:.1f} "
        f"| {planned:.0f} | {memory:.1f} |",
        flush=True,
    )
    print(f"  {simulation.summary()}", flush=True)


def without_absence_and_error(folder: Path, time_limit: float) -> None:
    """The sample's plan simulated as it is, without absence, and without absence or forecast error: where the
    simulated back-office lateness comes from (docs/simulation.md)."""
    import dataclasses

    from wfm.simulation.results import run_replications, summarise

    scenario = load_scenario(folder)
    outcome = plan(scenario, RunOptions(seed=7, time_limit_seconds=time_limit))
    assert outcome.coverage is not None, outcome.result.message
    inputs = _inputs(scenario, outcome)
    settings = scenario.site.simulation
    print("| simulated | " + " | ".join(q.queue.id for q in inputs.queues) + " |")
    print("|" + " --- |" * (len(inputs.queues) + 1))
    print(
        "| plan's own items past SLA (live: Erlang service level) | "
        + " | ".join(
            f"{float(q.planned_items_past_sla[q.planned_items_past_sla == q.planned_items_past_sla].sum()):,.0f}"
            if q.queue.kind.value == "deferred"
            else "-"
            for q in inputs.queues
        )
        + " |"
    )
    for label, changes in (
        ("as planned", {}),
        ("nobody absent", {"shrinkage": 0.0}),
        ("nobody absent, the forecast exact", {"shrinkage": 0.0, "phi": 0.0}),
    ):
        changed = dataclasses.replace(inputs, queues=tuple(dataclasses.replace(q, **changes) for q in inputs.queues))
        result = summarise(changed, settings, run_replications(changed, settings), 0.0)
        cells = [
            f"{result.queues[q.queue.id]['items_past_sla_p50']:,.0f} items"
            if q.queue.kind.value == "deferred"
            else f"{result.queues[q.queue.id]['service_level_p50']:.1%}"
            for q in inputs.queues
        ]
        print(f"| {label} (median) | " + " | ".join(cells) + " |", flush=True)


def _inputs(scenario, outcome):  # type: ignore[no-untyped-def]
    from wfm.simulation.inputs import plan_inputs

    return plan_inputs(scenario, outcome.forecast, outcome.requirements, outcome.coverage, outcome.result)


def erlang_case(hours: int, seed: int = 1) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    count = rng.poisson(200 * hours)
    arrivals = np.sort(rng.random(count) * hours * 3600)
    return arrivals, rng.exponential(180, count), rng.exponential(300, count)


def simpy_queue(arrivals: np.ndarray, work: np.ndarray, patience: np.ndarray, agents: int) -> float:
    """The same FCFS queue with hang-ups in SimPy; returns the service level within 20 s."""
    import simpy

    env = simpy.Environment()
    staff = simpy.Resource(env, capacity=agents)
    within = [0]

    def caller(arrived: float, handle: float, wait_limit: float):  # type: ignore[no-untyped-def]
        with staff.request() as request:
            result = yield request | env.timeout(wait_limit)
            if request in result:
                if env.now - arrived <= 20:
                    within[0] += 1
                yield env.timeout(handle)

    def source():  # type: ignore[no-untyped-def]
        for arrived, handle, wait_limit in zip(arrivals.tolist(), work.tolist(), patience.tolist(), strict=True):
            yield env.timeout(arrived - env.now)
            env.process(caller(arrived, handle, wait_limit))

    env.process(source())
    env.run()
    return within[0] / len(arrivals)


def engine_comparison(hours: int) -> None:
    arrivals, work, patience = erlang_case(hours)
    servers = [Server((0.0,), (hours * 3600.0,))] * 14
    started = time.monotonic()
    waits, answered, _ = live_queue(arrivals, work, patience, servers, hours * 3600.0)
    ours = time.monotonic() - started
    level = float(np.mean(answered & (waits <= 20)))
    print("| engine | contacts | seconds | microseconds a contact | service level (Erlang A: 91.68 %) |")
    print("| --- | --- | --- | --- | --- |")
    print(f"| wfm (heapq) | {len(arrivals):,} | {ours:.2f} | {ours / len(arrivals) * 1e6:.1f} | {level:.2%} |")
    try:
        import simpy  # noqa: F401
    except ImportError:
        print("| SimPy | not installed: pip install -e '.[bench]' | | | |")
        return
    started = time.monotonic()
    simpy_level = simpy_queue(arrivals, work, patience, 14)
    theirs = time.monotonic() - started
    print(f"| SimPy 4 | {len(arrivals):,} | {theirs:.2f} | {theirs / len(arrivals) * 1e6:.1f} | {simpy_level:.2%} |")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--only", choices=("sample", "large", "engine", "sources"), default=None)
    parser.add_argument("--time-limit", type=float, default=30.0, help="solver seconds for each plan")
    parser.add_argument("--hours", type=int, default=500, help="hours of the engine comparison's queue")
    args = parser.parse_args(argv)
    if args.only in (None, "sample", "large"):
        print("| operation | agents | queues | days | replications | contacts and items | simulation s | plan s "
              "| peak memory GB |")  # fmt: skip
        print("| --- | --- | --- | --- | --- | --- | --- | --- | --- |")
    if args.only in (None, "sample"):
        simulate_operation(ROOT / "data" / "sample", "sample", args.time_limit)
    if args.only in (None, "large"):
        with tempfile.TemporaryDirectory() as folder:
            generate_operation(Path(folder), agents=1000, queues=12, seed=7)
            simulate_operation(Path(folder), "generated-1000", max(args.time_limit, 60.0))
    if args.only in (None, "engine"):
        engine_comparison(args.hours)
    if args.only in (None, "sources"):
        without_absence_and_error(ROOT / "data" / "sample", 60.0)
    return 0


if __name__ == "__main__":
    sys.exit(main())
