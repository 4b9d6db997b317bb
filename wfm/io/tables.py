"""Row-by-row tables (small: agents, skills, windows, backlog, events, requests)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from wfm.domain import (
    Agent,
    Availability,
    BacklogItem,
    Event,
    Site,
    Skill,
    Weights,
)
from wfm.domain.models import ShiftRequest, ShiftRequirement, TimeOff
from wfm.io.cells import (
    _bool,
    _clock,
    _date,
    _datetime,
    _day,
    _float,
    _listing,
    _non_negative,
    _office,
    _priority,
    _proficiency,
    _reference,
    _text,
)
from wfm.io.collect import _Bad, _Collector
from wfm.io.errors import Problem
from wfm.io.history import ROW_DROPPED
from wfm.io.site_file import _SiteFacts
from wfm.io.sources import _Table

# --------------------------------------------------------------------------------------------------------------
# Row-by-row tables (small: agents, skills, windows)


_V = TypeVar("_V")


class _Row:
    """Parses the cells of one row, recording a problem for each cell that does not parse."""

    def __init__(self, table: _Table, row: int, record: dict[str, str], out: _Collector) -> None:
        self.table, self.row, self.record, self.out = table, row, record, out
        self.ok = True

    def cell(self, column: str, parse: Callable[[str], _V], default: _V | None = None) -> _V | None:
        text = self.record.get(column, "")
        if text == "" and default is not None:
            return default
        try:
            return parse(text)
        except _Bad as bad:
            self.fail(column, text, bad.expected, bad.hint)
            return None

    def optional(self, column: str, parse: Callable[[str], _V]) -> _V | None:
        """A cell that may be blank (or a column that may be absent): blank gives None."""
        if self.record.get(column, "") == "":
            return None
        return self.cell(column, parse)

    def fail(self, column: str | None, value: str | None, expected: str, hint: str = "") -> None:
        self.ok = False
        if column in self.table.reported:
            return  # the whole column's cause is reported once already
        self.out.add(Problem(self.table.label, self.row, column, value, expected, hint))


_M = TypeVar("_M", bound=BaseModel)


def _build(row: _Row, model: type[_M], columns: Mapping[str, str], **values: Any) -> _M | None:
    """Construct a domain model; a validation error the cell checks missed still gets a row and column."""
    if not row.ok:
        return None
    try:
        return model(**values)
    except ValidationError as exc:
        for error in exc.errors():
            loc = error.get("loc", ())
            column = columns.get(str(loc[0])) if loc else None
            message = str(error.get("msg", "")).removeprefix("Value error, ")
            value = row.record.get(column, "") if column else None
            row.fail(column, None, f"{message[:1].lower()}{message[1:]} (got '{value}')" if column else message)
        return None


def _load_staff(table: _Table, facts: _SiteFacts, out: _Collector) -> tuple[list[Agent], dict[str, int]]:
    """Returns the valid agents and the row of every agent_id seen (valid or not), for cross-references."""
    agents: list[Agent] = []
    first_row: dict[str, int] = {}
    contract = _reference(facts.contract_ids, "a contract", "site.toml", "Fix the value or add the contract.")
    for number, record in table.records():
        row = _Row(table, number, record, out)
        agent_id = row.cell("agent_id", _text)
        if agent_id is not None:
            if agent_id in first_row:
                row.fail(
                    "agent_id",
                    agent_id,
                    f"a unique agent_id (row {first_row[agent_id]} has the same id)",
                    "Each agent appears once in staff.csv.",
                )
            else:
                first_row[agent_id] = number
        office = row.cell("office", _office)
        contract_id = row.cell("contract", contract)
        hourly_cost = row.optional("hourly_cost", _non_negative)
        built = _build(
            row,
            Agent,
            {"agent_id": "agent_id", "name": "name", "office": "office", "contract": "contract"},
            agent_id=agent_id,
            name=record.get("name", ""),
            office=office,
            team=record.get("team", ""),
            contract=contract_id,
            hourly_cost=hourly_cost,
        )
        if built is not None:
            agents.append(built)
    return agents, first_row


def _agent_ref(staff_rows: dict[str, int] | None) -> Callable[[str], str]:
    known = set(staff_rows) if staff_rows is not None else None
    return _reference(known, "an agent_id", "staff.csv", "Fix the value or add the agent to staff.csv.")


def _load_skills(
    table: _Table, facts: _SiteFacts, staff_rows: dict[str, int] | None, out: _Collector
) -> tuple[list[Skill], set[str]]:
    """Returns the valid skills and every agent_id mentioned (so a typo'd row is not also 'no skills')."""
    skills: list[Skill] = []
    mentioned: set[str] = set()
    seen: dict[tuple[str, str], int] = {}
    agent = _agent_ref(staff_rows)
    queue = _reference(facts.queue_ids, "a queue", "site.toml", "Fix the value or add the queue to site.toml.")
    for number, record in table.records():
        row = _Row(table, number, record, out)
        mentioned.add(record.get("agent_id", ""))
        agent_id = row.cell("agent_id", agent)
        queue_id = row.cell("queue", queue)
        proficiency = row.cell("proficiency", _proficiency)
        priority = row.cell("priority", _priority, default=1)
        if agent_id is not None and queue_id is not None:
            key = (agent_id, queue_id)
            if key in seen:
                row.fail(
                    "queue",
                    queue_id,
                    f"a new skill for agent '{agent_id}' (row {seen[key]} already gives them this queue)",
                    "Keep one row per agent and queue.",
                )
            else:
                seen[key] = number
        built = _build(
            row,
            Skill,
            {"agent_id": "agent_id", "queue": "queue", "proficiency": "proficiency", "priority": "priority"},
            agent_id=agent_id,
            queue=queue_id,
            proficiency=proficiency,
            priority=priority,
        )
        if built is not None:
            skills.append(built)
    return skills, mentioned


def _load_availability(table: _Table, staff_rows: dict[str, int] | None, out: _Collector) -> list[Availability]:
    windows: list[Availability] = []
    agent = _agent_ref(staff_rows)
    for number, record in table.records():
        row = _Row(table, number, record, out)
        agent_id = row.cell("agent_id", agent)
        day = row.cell("day", _day)
        start = row.cell("start", _clock)
        end = row.cell("end", _clock)
        if start is not None and end is not None and end <= start:
            row.fail(
                "end",
                record["end"],
                f"after start {record['start']}",
                "A window cannot cross midnight; split it in two rows.",
            )
        if day is None:
            continue
        built = _build(
            row,
            Availability,
            {"weekday": "day", "date": "day", "start_minute": "start", "end_minute": "end"},
            agent_id=agent_id,
            weekday=day[0],
            date=day[1],
            start_minute=start,
            end_minute=end,
        )
        if built is not None:
            windows.append(built)
    return windows


def _load_periods(
    table: _Table,
    model: type[_M],
    staff_rows: dict[str, int] | None,
    out: _Collector,
    extra: tuple[str, str] | None = None,
) -> list[_M]:
    """Rows of agent_id, start, end (+ one optional text column): time off, fixed activities, previous shifts."""
    items: list[_M] = []
    agent = _agent_ref(staff_rows)
    for number, record in table.records():
        row = _Row(table, number, record, out)
        agent_id = row.cell("agent_id", agent)
        start = row.cell("start", _datetime)
        end = row.cell("end", _datetime)
        if start is not None and end is not None and end <= start:
            row.fail("end", record["end"], f"after start {record['start']}", "Check the order of start and end.")
        values: dict[str, Any] = {"agent_id": agent_id, "start": start, "end": end}
        if extra is not None and record.get(extra[0], ""):
            values[extra[1]] = record[extra[0]]
        if model is TimeOff and record.get("paid", ""):
            values["paid"] = row.cell("paid", _paid)
        built = _build(row, model, {"agent_id": "agent_id", "start": "start", "end": "end"}, **values)
        if built is not None:
            items.append(built)
    return items


def _load_backlog(table: _Table, facts: _SiteFacts, out: _Collector) -> list[BacklogItem]:
    items: list[BacklogItem] = []
    queue = _reference(
        facts.deferred_queue_ids,
        "a deferred queue",
        "site.toml",
        'Backlog is carried only for deferred work (kind = "deferred"); fix the value or the queue\'s kind.',
    )
    for number, record in table.records():
        row = _Row(table, number, record, out)
        built = _build(
            row,
            BacklogItem,
            {"queue": "queue", "items": "items", "oldest_arrival": "oldest_arrival"},
            queue=row.cell("queue", queue),
            items=row.cell("items", _non_negative),
            oldest_arrival=row.cell("oldest_arrival", _datetime),
        )
        if built is not None:
            items.append(built)
    return items


def _load_events(table: _Table, facts: _SiteFacts, out: _Collector) -> list[Event]:
    events: list[Event] = []
    known = None if facts.queue_ids is None else {*facts.queue_ids, "*"}
    queue = _reference(known, "a queue", "site.toml or '*' for all queues", "Fix the value or use '*'.")
    for number, record in table.records():
        row = _Row(table, number, record, out)
        date = row.cell("date", _date)
        queue_id = row.cell("queue", queue)
        multiplier = row.optional("multiplier", _non_negative)
        closed = row.optional("closed", _bool)
        if row.ok and (multiplier is not None) == bool(closed):
            # Checked here rather than left to the model so the message says what to write in the file.
            if closed:
                row.fail(
                    None,
                    None,
                    "either a multiplier (e.g. 1.3) or closed = true, not both",
                    "A closed day has no volume for a multiplier to scale; keep one of the two.",
                )
            else:
                row.fail(
                    None,
                    None,
                    "either a multiplier (e.g. 1.3) or closed = true; this row has neither",
                    "1.3 means 30% more volume than a normal day, 0.5 half; closed = true means no volume at all.",
                )
        built = _build(
            row,
            Event,
            {"date": "date", "queue": "queue", "multiplier": "multiplier", "closed": "closed"},
            date=date,
            queue=queue_id,
            multiplier=multiplier,
            closed=bool(closed),
        )
        if built is not None:
            events.append(built)
    return events


# requests.csv: one row per wish, "A0042,2026-03-02,early,on,5". The `on` column says whether the agent wants the
# shift (or the day off) or would rather not have it; `weight` is what leaving the wish ungranted costs.
EXPECTED_WANTED = "on or off (on: the agent asks for it; off: they would rather not have it)"
EXPECTED_WEIGHT = "a weight, a number > 0"
_WANTED = {"on": True, "true": True, "yes": True, "1": True, "off": False, "false": False, "no": False, "0": False}


def _paid(text: str) -> bool:
    try:
        return _bool(text)
    except _Bad:
        raise _Bad("yes or no", "yes: paid leave, counted towards the week's hours; no: an unpaid day off.") from None


def _wanted(text: str) -> bool:
    wanted = _WANTED.get(text.lower())
    if wanted is None:
        raise _Bad(EXPECTED_WANTED, "true/false, yes/no and 1/0 work too.")
    return wanted


def _request_weight(overtime_per_hour: float) -> Callable[[str], float]:
    scale = (
        f"A weight is what leaving the request ungranted costs, in the points of [weights] in site.toml "
        f"(an hour of overtime costs overtime_per_hour = {overtime_per_hour:g}); a blank weight means 1."
    )

    def parse(text: str) -> float:
        try:
            value = _float(text, EXPECTED_WEIGHT)
        except _Bad as bad:
            raise _Bad(EXPECTED_WEIGHT, f"{bad.hint} {scale}".strip()) from None
        if value == 0:
            raise _Bad(EXPECTED_WEIGHT, f"To withdraw a request, delete its row. {scale}")
        if value < 0:
            raise _Bad(EXPECTED_WEIGHT, f"For a shift the agent would rather not have, write off in 'on'. {scale}")
        return value

    return parse


def _request_template(known: set[str] | None) -> Callable[[str], str]:
    """A template id of site.toml or 'off' (any case) for a day off."""
    choices = None if known is None else {*known, ShiftRequest.DAY_OFF}
    reference = _reference(
        choices, "a shift template", "site.toml or 'off' for a day off", "Fix the value or add the template."
    )

    def parse(text: str) -> str:
        if text.lower() == ShiftRequest.DAY_OFF and (known is None or text not in known):
            return ShiftRequest.DAY_OFF
        return reference(text)

    return parse


def _load_requests(
    table: _Table,
    facts: _SiteFacts,
    site: Site | None,
    staff_rows: dict[str, int] | None,
    contracts: Mapping[str, str],
    out: _Collector,
    notes: _Collector,
) -> list[ShiftRequest]:
    """Agents' shift requests. A request that can never be granted (a template outside the agent's contract) is
    an error; one dated outside the horizon is dropped with a warning (last month's requests may stay in the
    file), and so is a "rather not" for a template the agent's contract never gives them (it has no effect)."""
    requests: list[ShiftRequest] = []
    clashing = sorted(t for t in facts.template_ids or () if t.lower() == ShiftRequest.DAY_OFF)
    for name in clashing:
        out.add(
            Problem(
                table.label,
                None,
                "shift_template",
                None,
                f"site.toml defines a shift template '{name}', so '{name}' here could mean that shift or a day off",
                "Rename the template in site.toml (and in its contracts).",
            )
        )
    agent = _agent_ref(staff_rows)
    template = _request_template(facts.template_ids)
    weight_of = _request_weight(site.weights.overtime_per_hour if site is not None else Weights().overtime_per_hour)
    horizon = site.horizon if site is not None else None
    seen: dict[tuple[str, dt.date, str], tuple[bool, int]] = {}
    for number, record in table.records():
        row = _Row(table, number, record, out)
        agent_id = row.cell("agent_id", agent)
        date = row.cell("date", _date)
        template_id = row.cell("shift_template", template)
        wanted = row.cell("on", _wanted)
        weight = row.cell("weight", weight_of, default=1.0)

        if date is not None and horizon is not None and not horizon.start <= date < horizon.end:
            if row.ok:
                last = horizon.end - dt.timedelta(days=1)
                notes.add(
                    Problem(
                        table.label,
                        number,
                        "date",
                        record["date"],
                        f"a date in the planning horizon ({horizon.start} to {last}, [horizon] in site.toml)",
                        ROW_DROPPED,
                    ),
                    kind="request outside the horizon",
                )
            continue

        contract_id = contracts.get(agent_id) if agent_id is not None else None
        if site is not None and contract_id in site.contract_by_id and template_id not in (None, ShiftRequest.DAY_OFF):
            allowed = site.contract_by_id[contract_id].shift_templates
            if template_id not in allowed:
                expected = (
                    f"a shift template the contract of agent '{agent_id}' allows (contract '{contract_id}' in "
                    f"site.toml allows: {_listing(list(allowed))}; or 'off' for a day off)"
                )
                if wanted is False:
                    notes.add(
                        Problem(
                            table.label,
                            number,
                            "shift_template",
                            record["shift_template"],
                            expected,
                            f"The agent never works it anyway, so the request has no effect. {ROW_DROPPED}",
                        ),
                        kind="request outside the contract",
                    )
                    continue
                if wanted is True:
                    row.fail(
                        "shift_template",
                        record["shift_template"],
                        expected,
                        "A request for it could never be granted; fix the template, or the agent's contract in "
                        "staff.csv or site.toml.",
                    )

        if agent_id is not None and date is not None and template_id is not None and wanted is not None:
            key = (agent_id, date, template_id)
            earlier = seen.get(key)
            if earlier is None:
                seen[key] = (wanted, number)
            elif earlier[0] == wanted:
                asks = "asks for it" if wanted else "says they would rather not have it"
                row.fail(
                    "shift_template",
                    record["shift_template"],
                    f"a new request for agent '{agent_id}' on {date} (row {earlier[1]} already {asks})",
                    "Keep one row per request; to make it count more, raise its weight.",
                )
            else:
                asks = "asks for" if earlier[0] else "would rather not have"
                row.fail(
                    "on",
                    record["on"],
                    f"consistent with row {earlier[1]}, where agent '{agent_id}' {asks} '{template_id}' on {date}",
                    "Keep the row that is right and delete the other.",
                )

        built = _build(
            row,
            ShiftRequest,
            {
                "agent_id": "agent_id",
                "date": "date",
                "shift_template": "shift_template",
                "wanted": "on",
                "weight": "weight",
            },
            agent_id=agent_id,
            date=date,
            shift_template=template_id,
            wanted=wanted,
            weight=weight,
        )
        if built is not None:
            requests.append(built)
    return requests


def _whole_number(text: str) -> int:
    value = _float(text, "a whole number >= 0")
    if value < 0 or value != int(value):
        raise _Bad("a whole number >= 0 (people on the shift)")
    return int(value)


def _load_shift_requirements(
    table: _Table, facts: _SiteFacts, site: Site | None, out: _Collector
) -> list[ShiftRequirement]:
    """Head count per shift template and date. A date outside the horizon is an error (it would be lost data,
    not an old request), and so is a second line for the same date and template."""
    items: list[ShiftRequirement] = []
    template = _reference(facts.template_ids, "a shift template", "site.toml", "Fix the value or add the template.")
    horizon = site.horizon if site is not None else None
    seen: dict[tuple[dt.date, str], int] = {}
    for number, record in table.records():
        row = _Row(table, number, record, out)
        date = row.cell("date", _date)
        template_id = row.cell("template", template)
        if date is not None and horizon is not None and not horizon.start <= date < horizon.end:
            last = horizon.end - dt.timedelta(days=1)
            row.fail("date", record["date"], f"a date in the planning horizon ({horizon.start} to {last})",
                     "Remove the line or move [horizon] in site.toml.")  # fmt: skip
        if date is not None and template_id is not None:
            first = seen.setdefault((date, template_id), number)
            if first != number:
                row.fail("template", record["template"], f"one line per date and template (row {first} has it too)",
                         "Merge the two lines into one.")  # fmt: skip
        values: dict[str, Any] = {
            "date": date,
            "template": template_id,
            "required": row.cell("required", _whole_number),
        }
        for column in ("weight_under", "weight_over"):
            if record.get(column, ""):
                values[column] = row.cell(column, _non_negative)
        built = _build(row, ShiftRequirement, {k: k for k in ("date", "template", "required", *values)}, **values)
        if built is not None:
            items.append(built)
    return items
