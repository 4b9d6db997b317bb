"""The requests file of `wfm requests`: time off and shift swaps to decide against a published plan.

Columns: `kind` (time_off or swap), `agent_id`, `date`; optional `request_id` (default: the row number),
`end_date` (time_off: the last day off), `with_agent` (swap: the other person), `paid` (time_off, default yes),
`reason`. Every problem is reported with its file, row and column, and nothing is decided when there is one.
"""

from __future__ import annotations

from pathlib import Path

from wfm.domain import ChangeRequest, Scenario
from wfm.io.cells import _bool, _date, _reference, _text
from wfm.io.collect import _Bad, _Collector
from wfm.io.errors import Problem, ScenarioError
from wfm.io.sources import _read_csv
from wfm.io.tables import _build, _Row

REQUIRED = ("kind", "agent_id", "date")
KINDS = ("time_off", "swap")


def _kind(text: str) -> str:
    lowered = text.lower().replace("-", "_").replace(" ", "_")
    if lowered not in KINDS:
        raise _Bad("time_off or swap")
    return lowered


def load_change_requests(path: Path, scenario: Scenario) -> list[ChangeRequest]:
    """The requests in file order. Raises ScenarioError listing every problem (file, row, column)."""
    out = _Collector()
    table = _read_csv(path, out)
    if table is None:
        raise ScenarioError(out.problems())
    missing = [c for c in REQUIRED if not table.has(c)]
    if missing:
        raise ScenarioError(
            [
                Problem(
                    table.label,
                    1,
                    None,
                    None,
                    f"the columns {', '.join(REQUIRED)} (missing: {', '.join(missing)})",
                    "The header row names them; see docs/requests.md.",
                )
            ]
        )
    known = {a.agent_id for a in scenario.agents}
    agent = _reference(known, "an agent", "staff.csv", "")
    horizon = scenario.site.horizon
    requests: list[ChangeRequest] = []
    seen: dict[str, int] = {}
    for number, record in table.records():
        row = _Row(table, number, record, out)
        request_id = row.optional("request_id", _text) or str(number)
        kind = row.cell("kind", _kind)
        agent_id = row.cell("agent_id", agent)
        date = row.cell("date", _date)
        end_date = row.optional("end_date", _date)
        with_agent = row.optional("with_agent", agent)
        paid = row.optional("paid", _bool)
        reason = row.optional("reason", _text) or ""
        for column, day in (("date", date), ("end_date", end_date)):
            if day is not None and not horizon.start <= day < horizon.end:
                last = horizon.dates[-1]
                row.fail(column, str(day), f"a date of the plan ({horizon.start} to {last})")
        if kind == "swap" and not with_agent and row.ok:
            row.fail("with_agent", record.get("with_agent", ""), "the other agent of the swap (an agent_id)")
        if request_id in seen and row.ok:
            row.fail("request_id", request_id, f"a request_id of its own (row {seen[request_id]} has it too)")
        seen.setdefault(request_id, number)
        built = _build(
            row, ChangeRequest, {"end_date": "end_date", "with_agent": "with_agent", "kind": "kind"},
            request_id=request_id, kind=kind, agent_id=agent_id, date=date, end_date=end_date,
            with_agent=with_agent, paid=True if paid is None else paid, reason=reason,
        )  # fmt: skip
        if built is not None:
            requests.append(built)
    if out:
        raise ScenarioError(out.problems())
    return requests
