"""Large-neighbourhood search over whole people and runs of days, for plans to shift requirements alone.

Why: on shift-based demand the last units of cost sit in moves that change several people's whole months at
once: one person takes a late shift on Tuesday, so another can drop theirs, so a third keeps their weekend
off. CP-SAT's own LNS frees variables by the model's constraint graph and does not know what a person or a day
is; its search from the column phase's plan stalls a unit or two above the best known values (Curtois & Qu
instances 5-7). Here each step frees either a few people's whole horizons or everyone's shifts over a few
consecutive days, fixes every other shift decision to the current plan, and lets CP-SAT solve what is left
exactly from the current plan as its hint. A plan that costs no more replaces the current one (equal cost moves
let the search cross plateaus). Each kind of neighbourhood grows while CP-SAT proves its steps optimal in their
limit and shrinks when it does not, so the steps stay solvable whatever the instance's size.
"""

from __future__ import annotations

import math
import os
import random
import threading
import time
from collections import defaultdict
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from functools import partial
from typing import Any

from ortools.sat.python import cp_model

from wfm.interrupt import stoppable
from wfm.scheduling.context import ModelContext, hint_every_variable
from wfm.scheduling.decisions import derive_all, hint_cost

# Each step's wall-clock limit: long enough for CP-SAT to prove a small neighbourhood optimal, short enough for
# hundreds of steps in a benchmark's minutes.
STEP_SECONDS = 2.0
# Neighbourhood sizes the search starts from: people freed whole, and consecutive days freed for everyone.
FIRST_PEOPLE = 3
FIRST_DAYS = 3
# Steps in a row that find nothing cheaper after which the search is stalled and, when asked to, stops: the plan
# is then locally optimal for the sizes reached, and the caller hands it back to CP-SAT's own search, whose moves
# span more people and days than a step can prove (Curtois & Qu instance 6: from a 1,952 plan at which 217 steps
# of up to 10 people or 19 days found nothing, CP-SAT found 1,951 by changing 14 of 18 people's months).
STALL_STEPS = 60


@dataclass
class NeighbourhoodReport:
    """What the search did, for the plan's model_stats and the benchmarks."""

    steps: int = 0
    improvements: int = 0
    start_cost: float | None = None
    cost: float | None = None
    seconds: float = 0.0
    sizes: dict[str, int] = field(default_factory=dict)  # each kind's size when the search ended
    proved_optimal: bool = False  # a step freed every decision and CP-SAT proved its plan optimal
    stalled: bool = False  # stopped after STALL_STEPS steps in a row found nothing cheaper


def improve(
    ctx: ModelContext,
    values: dict[int, int],
    *,
    until: float,
    workers: int,
    seed: int,
    progress: Callable[[float], None] | None = None,
    enough: Callable[[float], bool] | None = None,
    stop_when_stalled: bool = False,
) -> tuple[float, dict[int, int], NeighbourhoodReport]:
    """The cheapest plan found from `values` (a complete solution of ctx.model) by the search the module
    describes, until `until` (time.monotonic()), a plan `enough` accepts or, with `stop_when_stalled`,
    STALL_STEPS steps in a row without a cheaper plan; its cost, its complete values and a report. `progress` is
    told each better cost. One step runs on each core (CP-SAT releases the GIL while it solves)."""
    search = _Search(ctx, values, seed, progress, enough, stop_when_stalled)
    threads = max(1, min(workers, os.cpu_count() or 1))
    # Less than two steps' time left: not worth a copy of the model per thread (a year's model takes seconds).
    if search.kinds and until - time.monotonic() >= 2 * STEP_SECONDS:
        with ThreadPoolExecutor(threads, thread_name_prefix="wfm-neighbourhoods") as pool:
            try:
                for done in [pool.submit(search.run, until) for _ in range(threads)]:
                    done.result()
            finally:  # an interrupted run (wfm.interrupt) must not wait for the steps left until `until`
                search.stop.set()
    report = search.report
    report.cost = search.cost
    report.sizes = dict(search.sizes)
    report.proved_optimal = search.optimal.is_set()
    report.seconds = time.monotonic() - search.started
    return search.cost, search.values, report


class _Search:
    """The current plan and each kind's neighbourhood size, shared by the threads that step from them."""

    def __init__(
        self,
        ctx: ModelContext,
        values: dict[int, int],
        seed: int,
        progress: Callable[[float], None] | None,
        enough: Callable[[float], bool] | None,
        stop_when_stalled: bool,
    ) -> None:
        self.started = time.monotonic()
        self.ctx = ctx
        self.values = values
        self.cost = hint_cost(ctx, values)
        self.report = NeighbourhoodReport(start_cost=self.cost, cost=self.cost)
        self.progress = progress
        self.enough = enough
        self.stop_when_stalled = stop_when_stalled
        self.fruitless = 0  # steps in a row that found nothing cheaper
        self.rng = random.Random(seed)
        self.lock = threading.Lock()
        self.optimal = threading.Event()  # a step freed every decision and proved its plan optimal
        self.stop = threading.Event()
        data = ctx.data
        self.decisions = {var.index: (a, data.agents[a].options[o].day) for (a, o), var in ctx.x.items()}
        self.by_agent: dict[int, list[int]] = defaultdict(list)
        self.by_day: dict[int, list[int]] = defaultdict(list)
        for index, (a, day) in self.decisions.items():
            self.by_agent[a].append(index)
            self.by_day[day].append(index)
        self.agents = sorted(self.by_agent)
        self.days = sorted(self.by_day)
        self.most = {"people": len(self.agents), "days": len(self.days)}
        self.kinds = [kind for kind, most in self.most.items() if most]
        self.sizes = {"people": min(FIRST_PEOPLE, len(self.agents)), "days": min(FIRST_DAYS, len(self.days))}

    def _neighbourhood(self) -> tuple[str, set[int], dict[int, int], float, int]:
        """Under the lock: a kind, the decisions it frees, the current plan and its cost, a seed."""
        with self.lock:
            kind = self.rng.choice(self.kinds)
            size = self.sizes[kind]
            if kind == "people":
                free = {i for a in self.rng.sample(self.agents, size) for i in self.by_agent[a]}
            else:
                first = self.rng.randrange(len(self.days) - size + 1)
                free = {i for day in self.days[first : first + size] for i in self.by_day[day]}
            return kind, free, self.values, self.cost, self.rng.randrange(1 << 30)

    def run(self, until: float) -> None:
        """Steps until `until` or a proven optimum, on a copy of the model of this thread's own (dropped after,
        so its domains need no restoring)."""
        work = self.ctx.model.clone()
        proto = work.proto
        domain = {index: list(proto.variables[index].domain) for index in self.decisions}
        while time.monotonic() < until - 0.05 and not self.optimal.is_set() and not self.stop.is_set():
            kind, free, values, cost, seed = self._neighbourhood()
            for index, bounds in domain.items():
                _set_domain(proto, index, bounds if index in free else [values[index], values[index]])
            hint_every_variable(work, partial(_value_or_lowest, values, proto))
            solver = cp_model.CpSolver()
            # One worker with the LP's cuts at every node, as for one agent's model (context.agent_solver):
            # measured on Curtois & Qu instance 5 over 40 s from the warm start, 1,248 against 1,452 with two
            # workers at the default linearization, where a step of 4 people often did not finish in its limit.
            solver.parameters.num_workers = 1
            solver.parameters.linearization_level = 2
            solver.parameters.random_seed = seed
            solver.parameters.max_time_in_seconds = max(0.05, min(STEP_SECONDS, until - time.monotonic()))
            with stoppable(solver):
                code = solver.solve(work)
            self._learn(kind, len(free), code, solver, work, cost)

    def _learn(
        self, kind: str, freed: int, code: Any, solver: cp_model.CpSolver, work: cp_model.CpModel, was: float
    ) -> None:
        """A step's outcome: its plan replaces the current one when it costs no more, and its kind's size moves."""
        found_cost = math.inf
        if code in (cp_model.OPTIMAL, cp_model.FEASIBLE) and math.isfinite(solver.objective_value):
            found = derive_all(
                self.ctx, {i: int(solver.value(work.get_int_var_from_proto_index(i))) for i in self.decisions}
            )
            found_cost = hint_cost(self.ctx, found)
        with self.lock:
            self.report.steps += 1
            # Grow what is proved quickly, shrink what is not (never below one person or one day).
            step = 1 if code == cp_model.OPTIMAL else -1
            self.sizes[kind] = max(1, min(self.most[kind], self.sizes[kind] + step))
            if found_cost < self.cost - 1e-9:
                self.report.improvements += 1
                self.fruitless = 0
                if self.progress is not None:
                    self.progress(found_cost)
            else:
                self.fruitless += 1
                if self.stop_when_stalled and self.fruitless >= STALL_STEPS:
                    self.report.stalled = True
                    self.stop.set()
            if found_cost <= self.cost + 1e-9:  # equal cost moves too: they cross plateaus
                self.cost, self.values = found_cost, found
                if self.enough is not None and self.enough(found_cost):
                    self.stop.set()
            if code == cp_model.OPTIMAL and freed == len(self.decisions) and found_cost <= was + 1e-9:
                self.optimal.set()


def _set_domain(proto: Any, index: int, bounds: list[int]) -> None:
    domain = proto.variables[index].domain
    domain.clear()
    domain.extend(bounds)


def _value_or_lowest(values: dict[int, int], proto: Any, index: int) -> int:
    """A variable's value in the plan; one no derivation sets (a constant) at its domain's low end, as hint_cost
    counts it."""
    return values.get(index, int(proto.variables[index].domain[0]))
