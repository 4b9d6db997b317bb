"""Read a scenario folder (or one .xlsx workbook) into a validated `Scenario`.

Every file is read to the end and every problem is collected before anything is raised, so a planner fixes
the whole input in one pass instead of one error per run. Messages name the file, the row as a spreadsheet
counts it (header = row 1), the column, the value found and what was expected. The history is validated with
vectorised pandas operations because an export of a few months has hundreds of thousands of rows; a history row
the forecast can do without (a bad volume, a repeated interval) is dropped with a warning instead of an error,
rendered into `Scenario.warnings`, because one bad cell in a year of export should not stop the plan.
"""

from __future__ import annotations

import dataclasses
import tomllib
from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

import pandas as pd
from pydantic import ValidationError

from wfm.domain import (
    WEEKDAYS,
    Agent,
    Event,
    FixedActivity,
    PreviousShift,
    Scenario,
    ShiftRequirement,
    Site,
    Skill,
    TimeOff,
)
from wfm.io.cells import SITE_FILE
from wfm.io.collect import _Collector
from wfm.io.errors import Problem, ScenarioError
from wfm.io.history import _load_history
from wfm.io.regional import localize
from wfm.io.site_file import _parse_site, _SiteFacts
from wfm.io.sources import _TABLES, _FolderSource, _require_columns, _Source, _Table, _WorkbookSource
from wfm.io.tables import (
    _load_availability,
    _load_backlog,
    _load_events,
    _load_periods,
    _load_requests,
    _load_shift_requirements,
    _load_skills,
    _load_staff,
)

__all__ = ["ForecastInputs", "load_forecast_inputs", "load_scenario", "load_site"]

# --------------------------------------------------------------------------------------------------------------
# Entry points


def load_site(path: Path) -> Site:
    """Read and validate a site.toml (given directly, or the one of a scenario folder or workbook)."""
    path = Path(path)
    out = _Collector()
    if path.is_file() and path.suffix.lower() == ".toml":
        try:
            label, text = path.name, path.read_text(encoding="utf-8-sig")
        except (OSError, UnicodeDecodeError) as exc:
            raise ScenarioError([Problem(path.name, None, None, None, f"the file could not be read ({exc})")]) from None
        site, _ = _parse_site(label, text, out)
    else:
        source = _open_source(path, out)
        site = _site_from(source, out) if source is not None else None
        if isinstance(source, _WorkbookSource):
            source.close()
    if out or site is None:
        raise ScenarioError(out.problems())
    return site


def _open_source(path: Path, out: _Collector) -> _Source | None:
    if path.is_dir():
        return _FolderSource(path)
    if path.is_file() and path.suffix.lower() in (".xlsx", ".xlsm"):
        return _WorkbookSource(path, out)
    if path.exists():
        expected = "a scenario folder or an .xlsx workbook"
        out.add(
            Problem(
                path.name, None, None, None, f"this is neither a folder nor an .xlsx workbook (expected {expected})"
            )
        )
    else:
        out.add(Problem(str(path), None, None, None, "this scenario folder or workbook does not exist"))
    return None


def _site_from(source: _Source, out: _Collector) -> Site | None:
    site, _ = _site_and_facts(source, out)
    return site


def _site_and_facts(source: _Source, out: _Collector) -> tuple[Site | None, _SiteFacts]:
    found = source.site_text(out)
    if found is None:
        out.add(source.missing("site"))
        return None, _SiteFacts()
    label, text = found
    if not label:  # unreadable, already reported
        return None, _SiteFacts()
    return _parse_site(label, text, out)


@dataclass(frozen=True, eq=False)  # eq=False: comparing DataFrames with == is elementwise, not a bool
class ForecastInputs:
    """What `wfm forecast` needs and nothing more: a folder with only site.toml and history.csv will do."""

    site: Site
    history: pd.DataFrame  # as `Scenario.history`
    events: tuple[Event, ...] = ()
    warnings: tuple[str, ...] = ()  # as `Scenario.warnings`


def load_scenario(path: Path, *, skip_bad_rows: bool = False, published: Collection[str] | None = None) -> Scenario:
    """Load a scenario folder or workbook; raise one `ScenarioError` listing every problem found.

    `skip_bad_rows` (or `skip_bad_rows = true` under [input] in site.toml) leaves out history rows that cannot be
    used as written, each listed in `Scenario.warnings`; without it they are problems, as leaving them out loses
    data.
    `published`: the agents of the plan published before (the nightly job). One person's change of staff must
    not stop the night for everybody, so two errors become warnings in `Scenario.warnings`: the rows of an agent
    of that plan who is no longer in staff.csv (a leaver) are left out, and an agent new since then with no
    skills yet (a new starter) is not planned. An unknown agent id that was never planned stays an error (a
    typo)."""
    return _load_from(Path(path), _load, skip_bad_rows, published)


def load_forecast_inputs(path: Path, *, skip_bad_rows: bool = False) -> ForecastInputs:
    """Load only site.toml, history.csv and the optional events.csv of a folder or workbook, checked as
    `load_scenario` checks them; staff and the other planning files need not exist yet."""
    return _load_from(Path(path), _load_forecast, skip_bad_rows)


def is_forecast_only(path: Path) -> bool:
    """A folder meant for forecasting alone: site.toml without [[shift_templates]] or [[contracts]], and no
    staff.csv. (Anything unreadable is not: the full loader then reports it.)"""
    folder = Path(path)
    if not folder.is_dir():
        return False
    names = {p.name.lower() for p in folder.iterdir() if p.is_file()}
    if "staff.csv" in names or SITE_FILE not in names:
        return False
    site_path = next(p for p in folder.iterdir() if p.name.lower() == SITE_FILE)
    try:
        raw = tomllib.loads(site_path.read_text(encoding="utf-8-sig"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError):
        return False
    return not raw.get("shift_templates") and not raw.get("contracts")


_Loaded = TypeVar("_Loaded")


def _load_from(
    path: Path,
    load: Callable[[_Source, Site | None, _SiteFacts, _Collector, _Collector], _Loaded | None],
    skip_bad_rows: bool,
    published: Collection[str] | None = None,
) -> _Loaded:
    out, notes = _Collector(), _Collector()  # problems that stop the load, and warnings that do not
    source = _open_source(path, out)
    if source is None:
        raise ScenarioError(out.problems())
    try:
        site, facts = _site_and_facts(source, out)
        facts.skip_bad_rows = facts.skip_bad_rows or skip_bad_rows
        facts.published_agents = frozenset(published) if published is not None else None
        loaded = load(source, site, facts, out, notes)
    finally:
        if isinstance(source, _WorkbookSource):
            source.close()
    if out or loaded is None:
        raise ScenarioError(out.problems())
    return loaded


def _read_tables(
    source: _Source, names: Sequence[str], facts: _SiteFacts, out: _Collector
) -> tuple[dict[str, _Table | None], dict[str, _Table]]:
    """Each named table, or None when absent, empty or missing a required column (reported unless optional).

    The second dict holds the tables set aside for a missing column, for what can still be checked in them."""
    tables: dict[str, _Table | None] = {}
    incomplete: dict[str, _Table] = {}
    for name in names:
        spec = _TABLES[name]
        if name in _QUEUE_TABLES and facts.queue_ids == set():
            # A site without queues plans people to shift_requirements.csv alone: no skills, no history.
            spec = dataclasses.replace(spec, needed=False)
        table = source.table(name, out)
        if table is not None and len(table.frame.columns) == 0:
            # An empty optional file (a planner cleared it) means no rows; an empty required one is a problem.
            if spec.needed:
                out.add(
                    Problem(
                        table.label,
                        None,
                        None,
                        None,
                        "there is nothing in it, not even a header row",
                        f"The header row should be: {spec.header}",
                    )
                )
            table = None
        elif table is None:
            if spec.needed and not _reported(out, name):
                out.add(source.missing(name))
        elif not _require_columns(table, spec, out):
            incomplete[name] = table
            table = None
        else:
            localize(table, spec, facts, out)
        tables[name] = table
    return tables, incomplete


def _load_forecast(
    source: _Source, site: Site | None, facts: _SiteFacts, out: _Collector, notes: _Collector
) -> ForecastInputs | None:
    tables, _ = _read_tables(source, ("history", "events"), facts, out)
    history = _optional_history(tables, facts, out, notes)
    events = _optional(tables["events"], lambda t: _load_events(t, facts, out))
    if out or site is None or history is None:
        return None
    return ForecastInputs(site, history, tuple(events), _rendered(notes))


def _optional_history(
    tables: Mapping[str, _Table | None], facts: _SiteFacts, out: _Collector, notes: _Collector
) -> pd.DataFrame | None:
    table = tables["history"]
    return None if table is None else _load_history(table, facts, out, notes)


def _rendered(notes: _Collector) -> tuple[str, ...]:
    return tuple(str(problem) for problem in notes.problems())


def _no_history() -> pd.DataFrame:
    """The history of a site without queues: no rows, the usual columns."""
    return pd.DataFrame(
        {
            "interval_start": pd.Series(dtype="datetime64[ns]"),
            "queue": pd.Series(dtype=str),
            "volume": pd.Series(dtype=float),
            "aht_seconds": pd.Series(dtype=float),
        }
    )


def _load(source: _Source, site: Site | None, facts: _SiteFacts, out: _Collector, notes: _Collector) -> Scenario | None:
    tables, incomplete = _read_tables(source, list(_TABLES), facts, out)
    # Keep the staff ids when another staff column is missing: skills etc. are still checkable.
    staff_ids_only = incomplete.get("staff")

    staff_rows: dict[str, int] | None = None
    agents: list[Agent] = []
    staff = tables["staff"]
    if staff is not None:
        agents, staff_rows = _load_staff(staff, facts, out)
    elif staff_ids_only is not None and staff_ids_only.has("agent_id"):
        staff_rows = {}
        for row, agent_id in staff_ids_only.frame["agent_id"].items():
            staff_rows.setdefault(str(agent_id), int(row))

    if facts.published_agents is not None and staff_rows is not None:
        _leave_out_leavers(tables, set(staff_rows), facts.published_agents, notes)

    skills: list[Skill] = []
    skills_table = tables["skills"]
    if skills_table is not None:
        skills, mentioned = _load_skills(skills_table, facts, staff_rows, out)
        if staff is not None:
            agents = _report_agents_without_skills(staff, agents, mentioned, skills_table.label, facts, out, notes)

    history = _optional_history(tables, facts, out, notes)
    if history is None and facts.queue_ids == set():
        history = _no_history()

    availability = _optional(tables["availability"], lambda t: _load_availability(t, staff_rows, out))
    time_off = _optional(tables["time_off"], lambda t: _load_periods(t, TimeOff, staff_rows, out, ("reason", "reason")))
    fixed = _optional(
        tables["fixed_activities"],
        lambda t: _load_periods(t, FixedActivity, staff_rows, out, ("activity", "activity")),
    )
    previous = _optional(tables["previous_shifts"], lambda t: _load_periods(t, PreviousShift, staff_rows, out))
    backlog = _optional(tables["backlog"], lambda t: _load_backlog(t, facts, out))
    events = _optional(tables["events"], lambda t: _load_events(t, facts, out))
    contracts = {a.agent_id: a.contract for a in agents}
    requests = _optional(
        tables["requests"], lambda t: _load_requests(t, facts, site, staff_rows, contracts, out, notes)
    )
    shift_requirements = _optional(
        tables["shift_requirements"], lambda t: _load_shift_requirements(t, facts, site, out)
    )

    if site is not None and shift_requirements:
        _report_unstaffable_shifts(site, agents, shift_requirements, tables["shift_requirements"], notes)
    if site is not None:
        demand = bool(site.queues or shift_requirements or _reported(out, "shift_requirements"))
        _report_missing_planning_tables(site, facts, out, demand)
    if out or site is None or history is None:
        return None
    _report_idle_queues(site, agents, skills, events, staff.label if staff is not None else "staff.csv", notes)
    try:
        return Scenario(
            site=site,
            agents=tuple(agents),
            skills=tuple(skills),
            availability=tuple(availability),
            time_off=tuple(time_off),
            fixed_activities=tuple(fixed),
            previous_shifts=tuple(previous),
            backlog=tuple(backlog),
            events=tuple(events),
            requests=tuple(requests),
            shift_requirements=tuple(shift_requirements),
            history=history,
            warnings=_rendered(notes),
        )
    except ValidationError as exc:
        for error in exc.errors():
            location = ".".join(str(part) for part in error.get("loc", ()))
            out.add(Problem("scenario", None, None, None, f"{location}: {error.get('msg', 'invalid')}"))
        return None


def _report_unstaffable_shifts(
    site: Site, agents: Sequence[Agent], lines: Sequence[ShiftRequirement], table: _Table | None, notes: _Collector
) -> None:
    """A template people are needed on that nobody's contract allows: every one of them will be short."""
    allowed = {t for agent in agents if agent.contract in site.contract_by_id
               for t in site.contract_by_id[agent.contract].shift_templates}  # fmt: skip
    needed: dict[str, int] = {}
    for line in lines:
        if line.required > 0 and line.template not in allowed:
            needed[line.template] = needed.get(line.template, 0) + line.required
    for template, people in sorted(needed.items()):
        notes.add(
            Problem(
                table.label if table is not None else "shift_requirements.csv",
                None,
                "template",
                template,
                f"a template some agent's contract allows: nobody's does, so all {people} people needed on it will "
                "be short",
                "Add the template to a contract's shift_templates in site.toml, or remove its lines.",
            ),
            kind="template nobody may work",
        )


def _report_missing_planning_tables(site: Site, facts: _SiteFacts, out: _Collector, demand: bool) -> None:
    """A forecast-only site.toml (queues, no shifts or contracts) is fine for `wfm forecast`; planning needs both,
    and some demand: queues, or shift_requirements.csv (`demand`)."""
    missing = [
        (f"there is no {example} table; planning people needs at least one",
         "See data/sample/site.toml for an example. To forecast only, `wfm forecast` needs just the queues and "
         "history.csv.")
        for field, example in (("shift_templates", "[[shift_templates]]"), ("contracts", "[[contracts]]"))
        if not getattr(site, field)
    ]  # fmt: skip
    if not demand:
        missing.append(
            ("there is no [[queues]] table and no shift_requirements.csv: nothing to plan people to",
             "Add the queues people work (with skills.csv and history.csv), or shift_requirements.csv with the head "
             "count each shift template needs per date.")
        )  # fmt: skip
    for expected, fix in missing:
        out.add(Problem(facts.site_label, None, None, None, expected, fix))


_T = TypeVar("_T")


def _optional(table: _Table | None, load: Callable[[_Table], list[_T]]) -> list[_T]:
    return [] if table is None else load(table)


def _reported(out: _Collector, name: str) -> bool:
    """Whether reading `name` already produced a problem (then it is unreadable, not missing)."""
    return any(p.file.startswith(f"{name}.csv") or p.file.endswith(f"sheet '{name}'") for p in out.problems())


# Tables only a site with queues needs.
_QUEUE_TABLES = ("skills", "history")

# How the nightly job tells these warnings (of one night's staff changes) from the scenario's standing ones.
STAFF_CHANGE_NOTES = ("was in the published plan and is no longer in staff.csv", "not planned tonight")
_AGENT_TABLES = ("skills", "availability", "time_off", "fixed_activities", "previous_shifts", "requests")


def _leave_out_leavers(
    tables: Mapping[str, _Table | None], staff_ids: set[str], published: frozenset[str], notes: _Collector
) -> None:
    """Drop the rows of agents of the published plan who are no longer in staff.csv, one warning per agent."""
    found: dict[str, list[str]] = {}
    for name in _AGENT_TABLES:
        table = tables.get(name)
        if table is None or not table.has("agent_id"):
            continue
        ids = table.frame["agent_id"].astype(str).str.strip()
        gone = ids.isin(published - staff_ids)
        if not gone.any():
            continue
        for agent_id in sorted(set(ids[gone])):
            rows = [int(r) for r in ids.index[ids == agent_id]]
            found.setdefault(agent_id, []).append(f"{table.label} {_rows_text(rows)}")
        table.frame = table.frame[~gone]
    for agent_id, places in sorted(found.items()):
        notes.add(
            Problem(
                "staff.csv",
                None,
                None,
                None,
                f"{agent_id} {STAFF_CHANGE_NOTES[0]} (a leaver?): their rows were left out ({'; '.join(places)})",
                "Remove those rows.",
            )
        )


def _rows_text(rows: list[int]) -> str:
    return (
        f"row {rows[0]}"
        if len(rows) == 1
        else f"rows {', '.join(str(r) for r in rows[:5])}" + (f" and {len(rows) - 5} more" if len(rows) > 5 else "")
    )


def _report_agents_without_skills(
    staff: _Table,
    agents: list[Agent],
    mentioned: set[str],
    skills_label: str,
    facts: _SiteFacts,
    out: _Collector,
    notes: _Collector,
) -> list[Agent]:
    """The agents with a skill; an agent without any is an error, or (the nightly job, an agent new since the
    published plan) a warning and not planned."""
    rows = {record.get("agent_id", ""): number for number, record in staff.records()}
    kept = []
    for agent in agents:
        if agent.agent_id in mentioned:
            kept.append(agent)
        elif facts.published_agents is not None and agent.agent_id not in facts.published_agents:
            notes.add(
                Problem(
                    staff.label,
                    rows.get(agent.agent_id),
                    None,
                    None,
                    f"{agent.agent_id} ({agent.name}) is new and has no rows in {skills_label} yet: "
                    f"{STAFF_CHANGE_NOTES[1]}",
                    f"Add their skills (e.g. {agent.agent_id},<queue>,1.0) to plan them.",
                )
            )
        else:
            out.add(
                Problem(
                    staff.label,
                    rows.get(agent.agent_id),
                    None,
                    None,
                    f"agent '{agent.agent_id}' has no rows in {skills_label}, so they could never be scheduled",
                    f"Add a skill for them (e.g. {agent.agent_id},<queue>,1.0) or remove them from {staff.label}.",
                ),
                kind="no skills",
            )
    return kept


def _report_idle_queues(
    site: Site, agents: list[Agent], skills: list[Skill], events: list[Event], staff_label: str, notes: _Collector
) -> None:
    """Warn of a queue open on no day of the horizon, and of an agent skilled only for such queues: both plan
    nothing and are almost always a typo (days = [], a closure on the wrong queue)."""
    closed_days = {(e.date, e.queue) for e in events if e.closed}
    idle: set[str] = set()
    for number, queue in enumerate(site.queues, start=1):
        open_days = [
            d
            for d in site.horizon.dates
            if WEEKDAYS[d.weekday()] in queue.open_days
            and (d, queue.id) not in closed_days
            and (d, "*") not in closed_days
        ]
        if open_days:
            continue
        idle.add(queue.id)
        why = (
            "it opens on no weekday (days, hours)"
            if not queue.open_days
            else "its days and the closures in events.csv leave no day"
        )
        notes.add(
            Problem(
                SITE_FILE,
                None,
                None,
                None,
                f"queue '{queue.id}' is open on no day of the horizon ({site.horizon.start} + {site.horizon.days} "
                f"days): {why}",
                "Nothing is forecast or planned for it; check days under its [[queues]] and events.csv.",
                section=f"[[queues]] #{number} '{queue.id}'",
            ),
            kind="queue never open",
        )
    if not idle:
        return
    queues_of: dict[str, set[str]] = {}
    for skill in skills:
        queues_of.setdefault(skill.agent_id, set()).add(skill.queue)
    for agent in agents:
        theirs = queues_of.get(agent.agent_id, set())
        if theirs and theirs <= idle:
            notes.add(
                Problem(
                    staff_label,
                    None,
                    None,
                    None,
                    f"agent '{agent.agent_id}' is skilled only for queue(s) open on no day of the horizon "
                    f"({', '.join(sorted(theirs))})",
                    "They would be paid with no work to do; give them a skill on an open queue.",
                ),
                kind="agent without open queue",
            )
