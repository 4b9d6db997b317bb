"""The nightly job's requests inbox: time-off requests and shift swaps (the format of `wfm requests`) dropped into
`<inbox>/requests/`, decided each night against the plan published the night before, before tonight's re-plan.

Files are taken oldest first, their requests in order, each against the plan the approved ones before it left.
Each file goes to `requests/processed/` with `<name>.decisions.csv` beside it (one row per request: approved or
declined, and why); a file that cannot be read goes to `requests/rejected/` with `<name>.error.txt`, and none of its
requests is decided. Approved time off is kept in the store (table approved_time_off) and added to every later
night's scenario, so the re-plans keep it; a day with an approved swap is kept as published, with the swap, by
every re-plan until that day has passed (the swap is kept in the store too, table approved_swap).
"""

from __future__ import annotations

import datetime as dt
import io
import sqlite3
from dataclasses import dataclass, field
from pathlib import Path

from wfm.batch.inbox import _file_away, pending
from wfm.domain import ChangeRequest, Scenario, TimeOff
from wfm.io import ScenarioError
from wfm.io.atomic import atomic_write_text
from wfm.io.change_requests import load_change_requests
from wfm.pipeline_requests import decisions_table
from wfm.reports import read_run
from wfm.reports.files import scenario_as_planned
from wfm.scheduling.change_requests import Decision, decide_requests
from wfm.scheduling.result import ScheduleResult

LEDGER = """
CREATE TABLE IF NOT EXISTS approved_time_off (
    agent_id TEXT NOT NULL, start TEXT NOT NULL, end TEXT NOT NULL, reason TEXT NOT NULL, paid INTEGER NOT NULL,
    request_file TEXT NOT NULL, decided_on TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS approved_swap (
    date TEXT NOT NULL, agent_id TEXT NOT NULL, with_agent TEXT NOT NULL, request_file TEXT NOT NULL,
    decided_on TEXT NOT NULL
);
"""


@dataclass
class RequestReport:
    decided: list[tuple[str, int, int]] = field(default_factory=list)  # (file, approved, declined)
    rejected: list[tuple[str, Path]] = field(default_factory=list)  # (file, its .error.txt)
    plan: ScheduleResult | None = None  # the published plan with the approved requests, when any was approved
    swap_days: set[dt.date] = field(default_factory=set)


def approved_time_off(store: Path) -> tuple[TimeOff, ...]:
    """Every time off approved on earlier nights (kept in the store)."""
    with sqlite3.connect(store) as db:
        db.executescript(LEDGER)
        rows = db.execute("SELECT agent_id, start, end, reason, paid FROM approved_time_off").fetchall()
    return tuple(
        TimeOff(agent_id=a, start=dt.datetime.fromisoformat(s), end=dt.datetime.fromisoformat(e), reason=r,
                paid=bool(p))
        for a, s, e, r, p in rows
    )  # fmt: skip


def approved_swap_days(store: Path) -> set[dt.date]:
    """The days of every swap approved on earlier nights: each night keeps them as published (with the swap)
    until they have passed, so a later re-plan never undoes one."""
    with sqlite3.connect(store) as db:
        db.executescript(LEDGER)
        return {dt.date.fromisoformat(d) for (d,) in db.execute("SELECT DISTINCT date FROM approved_swap")}


def with_time_off(scenario: Scenario, extra: tuple[TimeOff, ...]) -> Scenario:
    """The scenario with `extra` time off added (none already there twice)."""
    new = tuple(t for t in extra if t not in scenario.time_off)
    return scenario.model_copy(update={"time_off": (*scenario.time_off, *new)}) if new else scenario


def decide_request_inbox(
    folder: Path, published: Path, scenario: Scenario, store: Path, night: dt.date
) -> RequestReport:
    """Decide every pending requests file against the run `published` (see the module's docstring)."""
    report = RequestReport()
    files = pending(folder)
    if not files:
        return report
    run = read_run(published)
    # The plan's own horizon: the audit and coverage judge the plan on the days it planned.
    planned = scenario_as_planned(scenario, published)
    plan = run.result
    approved_off: list[tuple[TimeOff, str]] = []
    swaps: list[tuple[ChangeRequest, str]] = []
    for path in files:
        before = set(planned.time_off)
        try:
            requests = load_change_requests(path, planned)
            # A day the night has already reached is over: nothing to decide there.
            late = [r for r in requests if r.date <= night]
            decisions, changed, changed_plan = decide_requests(
                planned, run.requirements, plan, [r for r in requests if r.date > night]
            )
        except Exception as error:  # one file's problem rejects that file, never the night (as the history inbox)
            problems = error.problems if isinstance(error, ScenarioError) else [f"it could not be decided ({error})"]
            why = "\n".join([f"{path.name}: none of its requests was decided; correct it and drop it in again."]
                            + [f"  - {problem}" for problem in problems])  # fmt: skip
            target = _file_away(path, folder / "rejected")
            error_file = target.with_name(target.name + ".error.txt")
            atomic_write_text(error_file, why + "\n")
            report.rejected.append((path.name, error_file))
            continue
        planned, plan = changed, changed_plan
        decisions += [
            Decision(r, False, f"{r.date:%a %d %b} is over (decided on the night of {night:%a %d %b})", "-")
            for r in late
        ]
        order = {id(r): i for i, r in enumerate(requests)}
        decisions.sort(key=lambda d: order[id(d.request)])
        approved = [d for d in decisions if d.approved]
        report.decided.append((path.name, len(approved), len(decisions) - len(approved)))
        approved_off += [(t, path.name) for t in planned.time_off if t not in before]
        swaps += [(d.request, path.name) for d in approved if d.request.kind == "swap"]
        report.swap_days |= {d.request.date for d in approved if d.request.kind == "swap"}
        if approved:
            report.plan = plan
        target = _file_away(path, folder / "processed")
        buffer = io.StringIO()
        decisions_table(decisions).to_csv(buffer, index=False)
        atomic_write_text(target.with_name(target.stem + ".decisions.csv"), buffer.getvalue())
    if approved_off or swaps:
        with sqlite3.connect(store) as db:
            db.executescript(LEDGER)
            db.executemany(
                "INSERT INTO approved_swap VALUES (?, ?, ?, ?, ?)",
                [(r.date.isoformat(), r.agent_id, r.with_agent or "", name, night.isoformat()) for r, name in swaps],
            )
            db.executemany(
                "INSERT INTO approved_time_off VALUES (?, ?, ?, ?, ?, ?, ?)",
                [(t.agent_id, t.start.isoformat(), t.end.isoformat(), t.reason, int(t.paid), name, night.isoformat())
                 for t, name in approved_off],
            )  # fmt: skip
    return report
