"""`wfm requests`: decide time-off requests and shift swaps against a published plan, and write the plan with the
approved ones in it as a new run folder beside the published one (`<run>.2`, ...), with decisions.csv and the
approved time off in time_off.csv's format (to add to the scenario, so later plans keep it)."""

from __future__ import annotations

import datetime as dt
import io
import re
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from wfm.domain import ChangeRequest, Scenario
from wfm.pipeline import RunOptions, RunOutcome, write_run
from wfm.reports.files import DamagedRun, read_complete_run
from wfm.scheduling.change_requests import Decision, decide_requests
from wfm.scheduling.kpis import compute_coverage, compute_kpis

DECISION_COLUMNS = ["request_id", "kind", "agent_id", "date", "end_date", "with_agent", "decision", "reason",
                    "service_effect"]  # fmt: skip


class RequestsError(Exception):
    """A run folder the requests cannot be decided against (damaged, or not a complete run)."""


@dataclass
class RequestsOutcome:
    decisions: list[Decision]
    scenario: Scenario
    folder: Path | None  # the new run folder (None when nothing was approved)


def decisions_table(decisions: list[Decision]) -> pd.DataFrame:
    return pd.DataFrame(
        [(d.request.request_id, d.request.kind, d.request.agent_id, d.request.date, d.request.end_date or "",
          d.request.with_agent or "", "approved" if d.approved else "declined", d.reason, d.service_effect)
         for d in decisions],
        columns=DECISION_COLUMNS,
    )  # fmt: skip


def _approved_time_off(before: Scenario, after: Scenario) -> pd.DataFrame:
    """The time off the decisions added (not what the scenario had already), in time_off.csv's format."""
    rows = [(t.agent_id, t.start.isoformat(timespec="minutes"), t.end.isoformat(timespec="minutes"), t.reason,
             "yes" if t.paid else "no")
            for t in after.time_off if t not in before.time_off]  # fmt: skip
    return pd.DataFrame(rows, columns=["agent_id", "start", "end", "reason", "paid"])


def decide_run(
    folder: Path, scenario: Scenario, scenario_path: Path, requests: list[ChangeRequest], *, command_line: list[str]
) -> RequestsOutcome:
    """Decide `requests` against the plan in run `folder`; when any is approved, write the new run folder."""
    started_at = dt.datetime.now().astimezone()
    try:
        run = read_complete_run(folder, "read")
    except DamagedRun as exc:
        raise RequestsError(str(exc)) from None
    decisions, changed, plan = decide_requests(scenario, run.requirements, run.result, requests)
    if not any(d.approved for d in decisions):
        return RequestsOutcome(decisions, changed, None)
    coverage = compute_coverage(changed, run.requirements, plan)
    outcome = RunOutcome(result=plan, forecast=run.forecast, requirements=run.requirements, coverage=coverage,
                         kpis=compute_kpis(changed, run.requirements, plan, coverage))  # fmt: skip
    approved = sum(d.approved for d in decisions)

    def extra_files() -> dict[str, str]:
        buffer = io.StringIO()
        decisions_table(decisions).to_csv(buffer, index=False)
        time_off = io.StringIO()
        _approved_time_off(scenario, changed).to_csv(time_off, index=False)
        return {"decisions.csv": buffer.getvalue(), "time_off_approved.csv": time_off.getvalue()}

    # The next free <date>.N beside the run the decisions were made against (`latest` is a link to one).
    published = folder.resolve()
    base = re.sub(r"\.\d+$", "", published.name)
    written = write_run(
        outcome, changed, scenario_path, published.parent, options=RunOptions(seed=int(run.manifest.get("seed") or 0)),
        command_line=command_line, started_at=started_at, folder_name=base, replace=False,
        extra_manifest={"requests": {"from_run": str(folder), "approved": approved,
                                     "declined": len(decisions) - approved}},
        extra_files=extra_files,
    )  # fmt: skip
    return RequestsOutcome(decisions, changed, written)
