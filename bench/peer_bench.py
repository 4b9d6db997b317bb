"""Peer benchmark: wfm against pyworkforce's `MinAbsDifference` on a single-skill scenario, same head-count.

    .venv/bin/pip install -e '.[bench]'          # or: .venv/bin/pip install pyworkforce==0.5.1
    .venv/bin/python bench/peer_bench.py          # ~20 s on 2 cores (limits: 60 s for ours, 30 s for the peer)

The scenario is the bundled sample cut down to one skill: only the live queue `voice_service` (Erlang A, patience
180 s, 15-minute intervals) and the agents skilled for it, each keeping only that skill at their own proficiency.

- **Ours**: `wfm.pipeline.plan` (forecast, requirements, the CP-SAT schedule with breaks placed, KPIs); every
  plan is re-checked by the test suite's independent validator (tests/plan_validator.py).
- **Peer**: `pyworkforce.scheduling.MinAbsDifference` on the same requirement (`required_agents` per interval,
  already grossed up for shrinkage), one shift per template x start time the agents' contracts allow, covering
  its whole length (pyworkforce knows no breaks, people or per-agent rules). `max_shift_concurrency` and
  `max_period_concurrency` are the number of agents, and each day's total shifts are capped at the number of
  our agents who could work that day (the one constraint added to pyworkforce's own model, through its solver:
  pyworkforce has no such option). Its shift counts become staff per interval (sum of resources x coverage).
  Two more rows make the peer use exactly our shifts per day (same agent-days): MinAbsDifference never adds a
  shift beyond the requirement, while ours must give every agent their contract's minimum hours.

Both sides are judged alike: the service level per interval from `wfm.staffing.service_level` (Erlang A with the
queue's patience) on the staff x (1 - shrinkage), volume-weighted over the open intervals, as wfm's KPIs do. Ours
counts proficiency-weighted staff after breaks (the KPIs); the peer counts heads at proficiency 1 (it has no
people), once without breaks and once with each shift's break minutes spread evenly over its length.
"""

from __future__ import annotations

import argparse
import re
import sys
import time
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from wfm.domain import Queue, Scenario, parse_clock
from wfm.io import load_scenario
from wfm.pipeline import RunOptions, plan
from wfm.scheduling.problem import build_problem
from wfm.staffing import service_level

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))
from plan_validator import validate_result  # noqa: E402 - the test suite's independent validator

QUEUE = "voice_service"


def single_skill(scenario: Scenario, queue_id: str, drop: frozenset[str] = frozenset()) -> Scenario:
    """The scenario with one queue: its skilled agents (less `drop`), each keeping only that skill.

    Every per-agent input (availability, time off, fixed activities, previous shifts, requests) stays for the
    agents kept; other queues leave the site, the history, the backlog and the events.
    """
    skills = tuple(s for s in scenario.skills if s.queue == queue_id and s.agent_id not in drop)
    kept = {s.agent_id for s in skills}

    def mine(items: tuple[Any, ...]) -> tuple[Any, ...]:
        return tuple(item for item in items if item.agent_id in kept)

    site = scenario.site.model_copy(update={"queues": tuple(q for q in scenario.site.queues if q.id == queue_id)})
    return scenario.model_copy(
        update={
            "site": site,
            "agents": tuple(a for a in scenario.agents if a.agent_id in kept),
            "skills": skills,
            "availability": mine(scenario.availability),
            "time_off": mine(scenario.time_off),
            "fixed_activities": mine(scenario.fixed_activities),
            "previous_shifts": mine(scenario.previous_shifts),
            "requests": mine(scenario.requests),
            "backlog": tuple(b for b in scenario.backlog if b.queue == queue_id),
            "events": tuple(e for e in scenario.events if e.queue in (queue_id, "*")),
            "history": scenario.history[scenario.history["queue"] == queue_id].reset_index(drop=True),
        }
    )


def feasible_single_skill(scenario: Scenario, queue_id: str) -> tuple[Scenario, list[str]]:
    """`single_skill`, dropping any agent the pre-solve check finds cannot keep their own rules (none expected)."""
    dropped: set[str] = set()
    while True:
        single = single_skill(scenario, queue_id, frozenset(dropped))
        problems = build_problem(single, None).problems
        if not problems:
            return single, [f"dropped {a}" for a in sorted(dropped)]
        named = {m.group(1) for p in problems if (m := re.match(r"agent (\S+)", p))}
        if not named - dropped:
            raise SystemExit("the single-skill scenario is not valid:\n" + "\n".join(problems))
        dropped |= named


def workable_days(single: Scenario) -> list[int]:
    """Per horizon day, how many of our agents have at least one shift they may work that day."""
    problem = build_problem(single, None)
    counts = [0] * single.site.horizon.days
    for agent in problem.agents:
        for day in {option.day for option in agent.options}:
            counts[day] += 1
    return counts


def queue_arrays(single: Scenario, requirements: pd.DataFrame, queue: Queue) -> dict[str, np.ndarray]:
    """Volume, AHT, required agents and the open mask on the horizon's full grid (days x periods, flattened)."""
    site = single.site
    starts = pd.date_range(
        pd.Timestamp(site.horizon.start),
        periods=site.horizon.days * site.intervals_per_day,
        freq=f"{site.interval_minutes}min",
    )
    rows = requirements[requirements["queue"] == queue.id].copy()
    rows["interval_start"] = pd.to_datetime(rows["interval_start"])
    rows = rows.set_index("interval_start").reindex(starts)
    volume = rows["volume"].fillna(0.0).to_numpy(dtype=float)
    aht = rows["aht_seconds"].to_numpy(dtype=float)
    aht = np.where(np.isfinite(aht) & (aht > 0), aht, 1.0)
    return {
        "volume": volume,
        "aht": aht,
        "required": rows["required_agents"].fillna(0).to_numpy(dtype=np.int64),
        "open": np.array([queue.is_open(t.to_pydatetime()) for t in starts], dtype=bool),
    }


def judge(single: Scenario, queue: Queue, arrays: dict[str, np.ndarray], staff: np.ndarray) -> dict[str, float]:
    """Service level on `staff` per interval, as wfm's KPIs judge a plan: Erlang A on staff x (1 - shrinkage),
    volume-weighted over open intervals; and the open intervals (with volume) below the queue's target."""
    site = single.site
    shrinkage = queue.shrinkage if queue.shrinkage is not None else site.shrinkage
    assert queue.answer_seconds is not None and queue.service_level is not None
    patience = np.inf if queue.patience_seconds is None else queue.patience_seconds
    level = service_level(
        arrays["volume"],
        arrays["aht"],
        site.interval_minutes * 60,
        staff * (1.0 - shrinkage),
        queue.answer_seconds,
        queue.concurrency,
        patience_seconds=patience,
    )
    counted = arrays["open"] & (arrays["volume"] > 0)
    weighted = float(np.average(level[counted], weights=arrays["volume"][counted]))
    below = int((level[counted] < queue.service_level - 1e-9).sum())
    return {"service_level": weighted, "below": below, "counted": int(counted.sum())}


def peer_shifts(single: Scenario) -> dict[str, tuple[int, int, int]]:
    """Every template x start time the agents' contracts allow: name -> (start period, end period, break minutes)."""
    site = single.site
    allowed = {t for a in single.agents for t in site.contract_by_id[a.contract].shift_templates}
    out: dict[str, tuple[int, int, int]] = {}
    for template in site.shift_templates:
        if template.id not in allowed:
            continue
        for start in template.start_times:
            first = parse_clock(start) // site.interval_minutes
            last = min(first + template.length_minutes // site.interval_minutes, site.intervals_per_day)
            out[f"{template.id}@{start}"] = (first, last, sum(b.minutes for b in template.breaks))
    return out


def capped_solver(day_caps: list[int], seed: int, *, exact: bool = False) -> Any:
    """A CP-SAT solver that adds, before solving pyworkforce's model, sum of resources_d{d}s* <= day_caps[d]
    (== with `exact`)."""
    from ortools.sat.python import cp_model

    class DayCappedSolver(cp_model.CpSolver):
        def solve(self, model: cp_model.CpModel, solution_callback: Any = None) -> Any:
            by_day: dict[int, list[Any]] = {}
            for index, variable in enumerate(model.proto.variables):
                found = re.fullmatch(r"resources_d(\d+)s\d+", variable.name)
                if found:
                    by_day.setdefault(int(found.group(1)), []).append(model.get_int_var_from_proto_index(index))
            for day, variables in by_day.items():
                total = sum(variables)
                model.add(total == day_caps[day] if exact else total <= day_caps[day])
            self.parameters.num_workers = 2
            self.parameters.random_seed = seed
            return super().solve(model, solution_callback)

    return DayCappedSolver()


def run_peer(
    single: Scenario,
    arrays: dict[str, np.ndarray],
    time_limit: float,
    seed: int,
    exact_per_day: list[int] | None = None,
) -> tuple[dict[str, Any], dict[str, tuple[int, int, int]], list[int], float]:
    """MinAbsDifference with each day's shifts capped at our agents able to work it, or, with `exact_per_day`,
    made exactly that many (the same agent-days as ours)."""
    from pyworkforce.scheduling import MinAbsDifference

    site = single.site
    days, periods = site.horizon.days, site.intervals_per_day
    shifts = peer_shifts(single)
    coverage = {name: [int(first <= p < last) for p in range(periods)] for name, (first, last, _) in shifts.items()}
    required = arrays["required"].reshape(days, periods).tolist()
    day_caps = workable_days(single) if exact_per_day is None else exact_per_day
    head_count = len(single.agents)
    started = time.monotonic()
    scheduler = MinAbsDifference(
        num_days=days,
        periods=periods,
        shifts_coverage=coverage,
        required_resources=required,
        max_period_concurrency=head_count,
        max_shift_concurrency=head_count,
        max_search_time=float(time_limit),
        num_search_workers=2,
    )
    scheduler.solver = capped_solver(day_caps, seed, exact=exact_per_day is not None)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)  # pyworkforce calls OR-Tools' CamelCase API
        solution = scheduler.solve()
    return solution, shifts, day_caps, time.monotonic() - started


def peer_staff(
    solution: dict[str, Any], shifts: dict[str, tuple[int, int, int]], days: int, periods: int
) -> tuple[np.ndarray, np.ndarray, int, float, list[int]]:
    """Heads per interval without breaks, and with each shift's break minutes spread evenly over its length."""
    heads = np.zeros(days * periods)
    after_breaks = np.zeros(days * periods)
    shift_count, hours, per_day = 0, 0.0, [0] * days
    for row in solution["resources_shifts"]:
        count = int(row["resources"])
        if count <= 0:
            continue
        first, last, break_minutes = shifts[row["shift"]]
        offset = int(row["day"]) * periods
        length_minutes = (last - first) * 24 * 60 / periods
        heads[offset + first : offset + last] += count
        after_breaks[offset + first : offset + last] += count * (1.0 - break_minutes / length_minutes)
        shift_count += count
        per_day[int(row["day"])] += count
        hours += count * length_minutes / 60
    return heads, after_breaks, shift_count, hours, per_day


@dataclass(frozen=True)
class PeerSide:
    """One pyworkforce solve turned into staffing and judged as wfm judges a plan, without and with breaks."""

    status: str
    cost: float
    day_caps: list[int]
    seconds: float
    heads: np.ndarray
    after_breaks: np.ndarray
    count: int
    hours: float
    per_day: list[int]
    plain: dict[str, float]
    deducted: dict[str, float]

    def rows(self, plain: str, deducted: str) -> list[tuple[str, int, float, float, int, str, str, float]]:
        """Table rows without breaks (`plain`, which may name the solver status as {status}) and with them."""
        return [
            (plain.format(status=self.status), self.count, self.hours, self.plain["service_level"],
             int(self.plain["below"]), "no", "not modelled", self.seconds),
            (deducted, self.count, self.hours, self.deducted["service_level"],
             int(self.deducted["below"]), "deducted, not placed", "not modelled", self.seconds),
        ]  # fmt: skip


def peer_side(
    single: Scenario, queue: Queue, arrays: dict[str, np.ndarray], args: argparse.Namespace,
    exact_per_day: list[int] | None = None,
) -> PeerSide | None:  # fmt: skip
    """run_peer, then its staffing judged without and with breaks; None (and a line saying so) without a plan."""
    days, periods = single.site.horizon.days, single.site.intervals_per_day
    solution, shifts, day_caps, seconds = run_peer(single, arrays, args.peer_time_limit, args.seed, exact_per_day)
    if solution["status"] not in ("OPTIMAL", "FEASIBLE"):
        print(f"peer{'' if exact_per_day is None else ' at our shifts per day'}: no solution ({solution['status']})")
        return None
    heads, after_breaks, count, hours, per_day = peer_staff(solution, shifts, days, periods)
    return PeerSide(
        status=solution["status"], cost=float(solution["cost"]), day_caps=day_caps, seconds=seconds,
        heads=heads, after_breaks=after_breaks, count=count, hours=hours, per_day=per_day,
        plain=judge(single, queue, arrays, heads), deducted=judge(single, queue, arrays, after_breaks),
    )  # fmt: skip


def fmt(value: object, pattern: str) -> str:
    return "-" if value is None else format(value, pattern)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--time-limit", type=float, default=60.0, help="our solver's limit (seconds)")
    parser.add_argument("--peer-time-limit", type=float, default=30.0, help="pyworkforce's max_search_time")
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args(argv)

    scenario = load_scenario(ROOT / "data" / "sample")
    single, dropped = feasible_single_skill(scenario, QUEUE)
    queue = single.site.queue_by_id[QUEUE]
    days, periods = single.site.horizon.days, single.site.intervals_per_day

    # Ours: the whole pipeline, judged by its own KPIs and by the independent validator.
    started = time.monotonic()
    outcome = plan(single, RunOptions(seed=args.seed, time_limit_seconds=args.time_limit))
    ours_seconds = time.monotonic() - started
    result = outcome.result
    if not result.status.has_plan or outcome.kpis is None or outcome.coverage is None:
        print(f"ours: no plan ({result.status.value}): {result.message}")
        return 1
    violations = validate_result(single, result)
    arrays = queue_arrays(single, outcome.requirements, queue)
    ours_staff = (
        outcome.coverage[outcome.coverage["queue"] == QUEUE]
        .sort_values("interval_start")["scheduled_agents"]
        .to_numpy(dtype=float)
    )
    ours_judged = judge(single, queue, arrays, ours_staff)
    ours_kpi = outcome.kpis["queues"][QUEUE]["service_level"]
    ours_overall = outcome.kpis["overall"]["service_level"]
    ours_hours = sum((s.end - s.start).total_seconds() / 3600 for s in result.shifts)
    ours_per_day = [
        sum(1 for s in result.shifts if (s.date - single.site.horizon.start).days == d) for d in range(days)
    ]
    break_violations = [v for v in violations if v.rule == "breaks"]
    break_segments = sum(1 for s in result.segments if s.activity in ("break", "lunch"))

    # Peer: pyworkforce on the same requirement and head-count.
    peer = peer_side(single, queue, arrays, args)
    if peer is None:
        return 1
    mean_proficiency = float(np.mean([s.proficiency for s in single.skills]))
    peer_proficient = judge(single, queue, arrays, peer.after_breaks * mean_proficiency)
    requirement = judge(single, queue, arrays, arrays["required"].astype(float))
    # The same people-days as ours: the peer made to use exactly our shifts per day (it minimises |staff -
    # required|, so it never adds shifts on its own; ours must give every agent their contract's minimum hours).
    same = peer_side(single, queue, arrays, args, exact_per_day=ours_per_day)
    if same is None:
        return 1

    counted = ours_judged["counted"]
    validator = "ok (0 violations)" if not violations else f"{len(violations)} violations: {violations[0]}"
    rows: list[tuple[str, int, float, float, int, str, str, float]] = [
        (
            f"ours (wfm, {result.status.value})",
            len(result.shifts),
            ours_hours,
            ours_kpi,
            ours_judged["below"],
            "yes" if not break_violations and break_segments else "no",
            validator,
            ours_seconds,
        ),
        *peer.rows("peer (pyworkforce MinAbsDifference, {status}), no breaks", "peer, break minutes deducted evenly"),
        *same.rows(
            "peer made to use our shifts per day ({status}), no breaks",
            "peer made to use our shifts per day, break minutes deducted evenly",
        ),
    ]

    print(
        f"single-skill scenario: queue {QUEUE} ({queue.service_level:.0%} in {queue.answer_seconds} s, Erlang A, "
        f"patience {queue.patience_seconds:g} s), {len(single.agents)} agents (each keeping only {QUEUE}), "
        f"{days} days x {periods} intervals; {counted} open intervals with volume; seed {args.seed}, "
        f"our limit {args.time_limit:g} s, peer limit {args.peer_time_limit:g} s"
    )
    print(f"agents dropped as infeasible: {', '.join(dropped) if dropped else 'none'}")
    print()
    print(
        "| side | shifts (agent-days) | agent-hours on shift | service level (volume-weighted) "
        f"| intervals below {queue.service_level:.0%} (of {counted}) | breaks honoured | per-agent rules honoured "
        "| seconds |"
    )
    print("|" + " --- |" * 8)
    for side, count, hours, level, below, breaks, rules, seconds in rows:
        print(f"| {side} | {count} | {hours:,.1f} | {level:.2%} | {below} | {breaks} | {rules} | {seconds:.1f} |")
    print()
    verdict = "PASS" if ours_kpi >= peer.plain["service_level"] - 1e-12 else "FAIL"
    print(
        f"{verdict}: ours {ours_kpi:.2%} {'>=' if verdict == 'PASS' else '<'} peer (no breaks) "
        f"{peer.plain['service_level']:.2%} service level, with {len(result.shifts)} against {peer.count} shifts"
    )
    same_verdict = "PASS" if ours_kpi >= same.plain["service_level"] - 1e-12 else "FAIL"
    print(
        f"at equal agent-days ({same.count}): {same_verdict}: ours {ours_kpi:.2%} against peer (no breaks) "
        f"{same.plain['service_level']:.2%}, peer with breaks deducted {same.deducted['service_level']:.2%}"
    )
    print()
    print("notes:")
    open_days = [d for d in range(days) if arrays["open"][d * periods : (d + 1) * periods].any()]
    sunday = sum(n for d, n in enumerate(ours_per_day) if d not in open_days)
    short = int((arrays["open"] & (peer.heads < arrays["required"])).sum())
    ours_short = int((arrays["open"] & (ours_staff < arrays["required"] - 1e-9)).sum())
    overall = outcome.kpis["overall"]
    minimum_hours = sum(single.site.contract_by_id[a.contract].min_hours_week * days / 7 for a in single.agents)
    print(
        f"- ours pays {overall['scheduled_paid_hours']:,.1f} h against {overall['contracted_hours']:,.1f} "
        f"contracted and {minimum_hours:,.1f} minimum (sum of min_hours_week; paid leave counts towards it): "
        f"a per-agent rule the peer does not have, so it staffs {peer.hours:,.1f} on-shift hours where ours must "
        f"roster {ours_hours:,.1f}"
    )
    print(
        f"- shifts per day, ours: {ours_per_day}; peer: {peer.per_day}; "
        f"peer's cap (agents able to work): {peer.day_caps}"
    )
    print(
        f"- ours: KPI service level {ours_kpi:.2%} (overall {ours_overall:.2%}); recomputed here from coverage "
        f"{ours_judged['service_level']:.2%}; solver gap {fmt(result.gap, '.1%')}; {break_segments} break/lunch "
        f"segments placed; overtime {outcome.kpis['overall']['overtime_hours']:.1f} h; {sunday} shift(s) on a "
        "day the queue is closed (on shift, `available`); seconds: ours end to end (forecast, staffing, solve, "
        "KPIs), the peer's solve only"
    )
    print(
        f"- the requirement itself (required_agents, proficiency 1, no breaks) buys {requirement['service_level']:.2%}"
        f" ({requirement['below']} intervals below target); the peer's |staff - required| objective is "
        f"{peer.cost:.0f} agent-intervals, {short} open intervals below required_agents (ours: "
        f"{ours_short} below required_agents in proficiency-weighted staff)"
    )
    print(
        f"- peer with breaks deducted and heads at the pool's mean proficiency {mean_proficiency:.2f} (ours is "
        f"judged proficiency-weighted): {peer_proficient['service_level']:.2%} ({peer_proficient['below']} "
        "intervals below target)"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
