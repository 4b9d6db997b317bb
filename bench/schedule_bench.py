"""Schedule benchmark: plan generated operations end to end and print one table of what a planner judges.

    .venv/bin/python bench/schedule_bench.py                       # the bundled sample, 60 s limit
    .venv/bin/python bench/schedule_bench.py --agents 150 1000 --time-limit 300
    .venv/bin/python bench/schedule_bench.py --blend                # cross-training off vs on, same scenario
    .venv/bin/python bench/schedule_bench.py --blend --surge 1.35   # ... with middle/back-office work up 35 %
    .venv/bin/python bench/schedule_bench.py --blend --surge 1.35 --cushion 15   # ... valuing a service cushion
    .venv/bin/python bench/schedule_bench.py --blend --weight unanswered_contact=2   # ... any [weights] entry
    .venv/bin/python bench/schedule_bench.py --blend --surge 1.35 --same-service     # ... blended at equal service
    .venv/bin/python bench/schedule_bench.py --blend --same-service --surge 1.0 1.15 1.35 1.5 --seeds 7 1 2
                                                                    # the README's blending table, in one command
    .venv/bin/python bench/schedule_bench.py --blend --same-turnaround --surge 1.0 1.15 1.35 1.5 --seeds 7 1 2
                                                                    # ... holding only the deferred queues' late work

Each row: operation size, model size, solver status, objective, bound, gap, solve seconds, end-to-end seconds,
service level (volume-weighted, recomputed with Erlang C on the staff actually planned), the live queue
furthest below or least above its target, items past SLA,
overtime hours, queue changes a shift (mean / most), stints under 60 minutes, peak memory of the process.
Generated operations come from `wfm.demo.generate_operation` with the given seed.
"""

from __future__ import annotations

import argparse
import dataclasses
import resource
import shutil
import sys
import tempfile
import time
from pathlib import Path

import pandas as pd

from wfm.demo import generate_operation
from wfm.domain import QueueKind
from wfm.io import load_scenario
from wfm.io.variations import home_office_only
from wfm.pipeline import RunOptions, plan
from wfm.scheduling import ScheduleResult
from wfm.scheduling.activity_rules import queue_change_counts
from wfm.simulation import simulate_plan

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))
from plan_validator import validate_result  # noqa: E402 - the test suite's independent validator


def with_surge(source: Path, target: Path, factor: float) -> Path:
    """A copy of the scenario whose deferred (middle- and back-office) history volumes are scaled by `factor`: the
    month-end or claims surge blending is for, when the back office alone would need overtime."""
    shutil.copytree(source, target)
    scenario = load_scenario(source)
    deferred = [q.id for q in scenario.site.queues if q.kind is QueueKind.DEFERRED]
    history = pd.read_csv(target / "history.csv")
    surge = history["queue"].isin(deferred)
    history.loc[surge, "volume"] = (history.loc[surge, "volume"] * factor).round()
    history.to_csv(target / "history.csv", index=False)
    return target


def with_weights(folder: Path, weights: dict[str, float]) -> None:
    """Set `[weights]` entries (e.g. service_cushion_per_agent_hour) in the (copied) scenario's site.toml."""
    site = folder / "site.toml"
    lines = site.read_text().splitlines()
    for key, weight in weights.items():
        if not any(line.startswith(f"{key} =") for line in lines):
            raise SystemExit(f"{site} has no '{key} =' line under [weights] to set")
        lines = [f"{key} = {weight:g}" if line.startswith(f"{key} =") else line for line in lines]
    site.write_text("\n".join(lines) + "\n")


def without_activity_rules(folder: Path) -> None:
    """No minimum stint and no limit on queue changes in the (copied) scenario's site.toml: the plan as it was
    before the floor-ready rules, to measure what they cost."""
    site = folder / "site.toml"
    lines = [
        line
        for line in site.read_text().splitlines()
        if not line.startswith(("min_stint_minutes =", "max_queue_changes_per_shift ="))
    ]
    at = lines.index("[rules]") + 1
    lines[at:at] = ["min_stint_minutes = 0", "max_queue_changes_per_shift = 50"]  # 50: no limit that binds
    site.write_text("\n".join(lines) + "\n")


def weight_setting(text: str) -> tuple[str, float]:
    key, _, value = text.partition("=")
    try:
        return key.strip(), float(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected NAME=NUMBER, e.g. unanswered_contact=2, got {text!r}") from None


def bench_one(
    path: Path, label: str, options: RunOptions, *, blended: bool = True
) -> tuple[dict[str, object], ScheduleResult]:
    started = time.monotonic()
    scenario = load_scenario(path)
    if not blended:
        scenario = home_office_only(scenario)
    outcome = plan(scenario, options)
    total = time.monotonic() - started
    result = outcome.result
    # Every plan is also simulated (30 random weeks, docs/simulation.md): its service as the floor would see it.
    simulated = (
        simulate_plan(scenario, outcome.forecast, outcome.requirements, outcome.coverage, result).overall
        if outcome.coverage is not None
        else {}
    )
    overall = (outcome.kpis or {}).get("overall", {})
    # Every plan is re-checked by the independent validator (tests/plan_validator.py), not only the model's audit.
    violations = validate_result(scenario, result) if result.status.has_plan else []
    stints = queue_change_counts(result.shifts, result.segments)
    row = {
        "operation": label,
        "agents": len(scenario.agents),
        "queues": len(scenario.site.queues),
        "variables": result.model_stats.get("variables", 0),
        "status": result.status.value,
        "objective": result.objective,
        "bound": result.best_bound,
        "gap": result.gap,
        "solve_s": result.runtime_seconds,
        "total_s": total,
        "service_level": overall.get("service_level"),
        "items_past_sla": overall.get("items_past_sla"),
        "items_due": overall.get("items_due", overall.get("items_arrived")),
        "overtime_h": overall.get("overtime_hours"),
        "lowest_live": lowest_live_queue((outcome.kpis or {}).get("queues", {})),
        "changes": f"{stints['queue_changes_mean']:.2f} / {stints['queue_changes_max']}",
        "short_stints": stints["stints_under_60_min"],
        "memory_gb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024**2,  # kB on Linux
        "validator": "ok" if not violations else f"{len(violations)} violations: {violations[0]}",
        "message": result.message,
        "simulated_service": "/".join(fmt(simulated.get(f"service_level_p{p}"), ".1%") for p in (10, 50, 90)),
        "simulated_past_sla": "/".join(fmt(simulated.get(f"items_past_sla_p{p}"), ",.0f") for p in (10, 50, 90)),
    }
    return row, result


def lowest_live_queue(queues: dict[str, dict[str, object]]) -> str:
    """The live queue furthest below (or least above) its service-level target: "chat 84.1% (80%)"."""
    live = [
        (float(q["service_level"]) - float(q["service_level_target"]), queue_id, q)  # type: ignore[arg-type]
        for queue_id, q in queues.items()
        if q.get("kind") == "live" and q.get("service_level") is not None and q.get("service_level_target")
    ]
    if not live:
        return "-"
    _, queue_id, q = min(live, key=lambda item: item[0])
    return f"{queue_id} {float(q['service_level']):.1%} ({float(q['service_level_target']):.0%})"  # type: ignore[arg-type]


def bench_pair(
    path: Path,
    label: str,
    options: RunOptions,
    *,
    blend: bool,
    same_service: bool = False,
    same_turnaround: bool = False,
) -> list[dict[str, object]]:
    """The operation planned (with --blend, first with cross-training off and then on).

    The blended run may start from the home-office plan, which is a plan of the blended model too (the same
    people on fewer queues): a planner who switches cross-training on starts from the silo roster and lets
    the optimizer add the cross-office moves that pay, so the blended plan is never worse by the objective.
    With `same_service` it must also answer at least as many contacts within target on every live queue as
    the home-office plan (by the model's service tables) and leave no more deferred work late, buying no more
    service than that: what blending saves at equal service. With `same_turnaround` only the deferred queues'
    late work is held; live queues need only meet their requirement.
    """
    if not blend:
        return [bench_one(path, label, options)[0]]
    silo, silo_plan = bench_one(path, f"{label}, home office only", options, blended=False)
    if not silo_plan.status.has_plan:
        return [silo, bench_one(path, label, options)[0]]
    blended_options = dataclasses.replace(
        options, start_from=silo_plan, same_service=same_service, same_turnaround=same_turnaround
    )
    suffix = ", service kept per queue" if same_service else ", turnaround kept per queue" if same_turnaround else ""
    blended, _ = bench_one(path, label + suffix, blended_options)
    return [silo, blended]


def fmt(value: object, pattern: str) -> str:
    return "-" if value is None else format(value, pattern)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--agents", type=int, nargs="*", default=[], help="generated operations to add (head counts)")
    parser.add_argument("--queues", type=int, default=12, help="queues of generated operations")
    parser.add_argument("--time-limit", type=float, default=60.0)
    parser.add_argument("--seeds", type=int, nargs="+", default=[7], help="solver seeds, one run each")
    parser.add_argument("--no-sample", action="store_true", help="skip the bundled sample")
    parser.add_argument(
        "--surge",
        type=float,
        nargs="+",
        default=[None],
        help="scale the sample's deferred-queue history volumes (e.g. 1.35; several: one run each)",
    )
    parser.add_argument(
        "--cushion", type=float, default=None, help="the sample's service_cushion_per_agent_hour (e.g. 15)"
    )
    parser.add_argument(
        "--weight",
        type=weight_setting,
        action="append",
        default=[],
        metavar="NAME=NUMBER",
        help="set one of the sample's [weights] (repeatable), e.g. --weight unanswered_contact=2",
    )
    parser.add_argument(
        "--blend", action="store_true", help="also plan each operation with cross-training off (home office only)"
    )
    parser.add_argument(
        "--no-activity-rules",
        action="store_true",
        help="the sample without the floor-ready rules (no minimum stint, no limit on queue changes)",
    )
    parser.add_argument(
        "--same-service",
        action="store_true",
        help="with --blend: the blended plan keeps every queue's service of the home-office plan",
    )
    parser.add_argument(
        "--same-turnaround",
        action="store_true",
        help="with --blend: the blended plan keeps every deferred queue's late work of the home-office plan; "
        "live queues need only meet their requirement",
    )
    args = parser.parse_args(argv)

    rows = []
    for seed in args.seeds:
        options = RunOptions(seed=seed, time_limit_seconds=args.time_limit)
        for surge in args.surge if not args.no_sample else []:
            with tempfile.TemporaryDirectory() as folder:
                sample, label = ROOT / "data" / "sample", "sample"
                weights = dict(args.weight)
                if args.cushion is not None:
                    weights["service_cushion_per_agent_hour"] = args.cushion
                if surge is not None or weights or args.no_activity_rules:
                    copy = Path(folder) / "sample"
                    if surge is not None:
                        sample = with_surge(sample, copy, surge)
                        label = f"sample, deferred work x{surge:g}"
                    else:
                        sample = Path(shutil.copytree(sample, copy))
                    if weights:
                        with_weights(sample, weights)
                        label += "".join(f", {key} {value:g}" for key, value in weights.items())
                    if args.no_activity_rules:
                        without_activity_rules(sample)
                        label += ", no activity rules"
                label += f", seed {seed}"
                rows.extend(
                    bench_pair(
                        sample,
                        label,
                        options,
                        blend=args.blend,
                        same_service=args.same_service,
                        same_turnaround=args.same_turnaround,
                    )
                )
        for agents in args.agents:
            with tempfile.TemporaryDirectory() as folder:
                generate_operation(Path(folder), agents=agents, queues=args.queues, seed=seed)
                label = f"generated-{agents}, seed {seed}"
                rows.extend(
                    bench_pair(
                        Path(folder),
                        label,
                        options,
                        blend=args.blend,
                        same_service=args.same_service,
                        same_turnaround=args.same_turnaround,
                    )
                )

    print(f"time limit {args.time_limit:g} s, 2 solver workers (site.toml)")
    print(
        "| operation | agents | queues | variables | status | objective | bound | gap | solve s | total s "
        "| service level | lowest live queue (target) | items past SLA | overtime h "
        "| queue changes a shift (mean / most) | stints < 60 min "
        "| peak memory GB | independent validator | simulated service level P10/P50/P90 "
        "| simulated items past SLA P10/P50/P90 |"
    )
    print("|" + " --- |" * 20)
    for r in rows:
        print(
            f"| {r['operation']} | {r['agents']} | {r['queues']} | {fmt(r['variables'], ',')} | {r['status']} "
            f"| {fmt(r['objective'], ',.0f')} | {fmt(r['bound'], ',.0f')} | {fmt(r['gap'], '.1%')} "
            f"| {fmt(r['solve_s'], '.1f')} | {fmt(r['total_s'], '.1f')} | {fmt(r['service_level'], '.2%')} "
            f"| {r['lowest_live']} "
            f"| {fmt(r['items_past_sla'], ',.0f')} | {fmt(r['overtime_h'], ',.1f')} | {r['changes']} "
            f"| {r['short_stints']} | {fmt(r['memory_gb'], '.1f')} | {r['validator']} "
            f"| {r['simulated_service']} | {r['simulated_past_sla']} |"
        )
    for r in rows:
        if r["message"]:
            print(f"\n{r['operation']}: {r['message']}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
