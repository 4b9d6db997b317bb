"""site.toml: parsed into a validated `Site`, every problem located by line and section."""

from __future__ import annotations

import datetime as dt
import re
import tomllib
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, ValidationError

from wfm.domain import (
    DATE_FORMATS,
    BreakRule,
    Contract,
    ForecastSettings,
    Horizon,
    InputSettings,
    Queue,
    Rules,
    ShiftTemplate,
    Site,
    SolverSettings,
    Weights,
)
from wfm.io.cells import _did_you_mean, _listing
from wfm.io.collect import _Collector
from wfm.io.errors import Problem

# --------------------------------------------------------------------------------------------------------------
# site.toml

# Which model a TOML table maps onto, so an unknown key can be matched against the real field names.
_SECTION_MODELS: dict[str, type[BaseModel]] = {
    "": Site,
    "horizon": Horizon,
    "queues": Queue,
    "shift_templates": ShiftTemplate,
    "shift_templates.breaks": BreakRule,
    "contracts": Contract,
    "rules": Rules,
    "weights": Weights,
    "solver": SolverSettings,
    "forecast": ForecastSettings,
    "input": InputSettings,
}


@dataclass
class _SiteFacts:
    """What the tables are checked against. None = unknown (site.toml unreadable): skip that check."""

    queue_ids: set[str] | None = None
    deferred_queue_ids: set[str] | None = None
    contract_ids: set[str] | None = None
    template_ids: set[str] | None = None
    interval_minutes: int | None = None
    timezone: str | None = None  # IANA name; history times are read as wall-clock time there
    horizon_end: dt.date | None = None  # the first day after the planning horizon
    # How the CSV files are written ([input] of site.toml): strftime date order (None: ISO only), decimal mark
    # (None: from each file's separator), and whether unusable history rows are skipped instead of stopping the load.
    date_format: str | None = None
    decimal_separator: str | None = None
    skip_bad_rows: bool = False
    max_dropped_share: float = 0.01  # [input] max_dropped_share
    # The nightly job's agents of the published plan (None: a planner's own run). Then a leaver's rows in the
    # other files and a new starter without skills yet are warnings, not errors (load_scenario's `published`).
    published_agents: frozenset[str] | None = None
    site_label: str = "site.toml"  # how problems with site.toml name it (a workbook's sheet otherwise)

    @classmethod
    def from_raw(cls, raw: Mapping[str, Any]) -> _SiteFacts:
        def ids(key: str, only: Callable[[Mapping[str, Any]], bool] = lambda _: True) -> set[str] | None:
            items = raw.get(key)
            if key == "queues" and items is None:
                return set()  # no queues: a site planned to shift_requirements.csv alone
            if not isinstance(items, list):
                return None
            if any(not (isinstance(i, dict) and "id" in i) for i in items):
                # A definition without an id is reported once; whatever refers to it is not checked (every
                # staff row naming that contract would otherwise be a second, misleading problem).
                return None
            return {str(i["id"]) for i in items if only(i)}

        interval = raw.get("interval_minutes", 15)
        horizon = raw.get("horizon")
        start = horizon.get("start") if isinstance(horizon, dict) else None
        days = horizon.get("days", 7) if isinstance(horizon, dict) else None
        end = None
        if isinstance(start, dt.date) and not isinstance(start, dt.datetime) and isinstance(days, int):
            end = start + dt.timedelta(days=days)
        return cls(
            queue_ids=ids("queues"),
            deferred_queue_ids=ids("queues", lambda q: q.get("kind") == "deferred"),
            contract_ids=ids("contracts"),
            template_ids=ids("shift_templates"),
            interval_minutes=interval if interval in (15, 30) and not isinstance(interval, bool) else None,
            timezone=_known_timezone(raw.get("timezone", "UTC")),
            horizon_end=end,
            **_input_facts(raw.get("input")),
        )


def _input_facts(raw: object) -> dict[str, Any]:
    """The [input] settings as far as they are valid (an invalid one is reported by the Site validation)."""
    try:
        settings = InputSettings.model_validate(raw if isinstance(raw, dict) else {})
    except ValidationError:
        settings = InputSettings()
    return {
        "date_format": None if settings.date_format == "YYYY-MM-DD" else DATE_FORMATS[settings.date_format],
        "decimal_separator": settings.decimal_separator,
        "skip_bad_rows": settings.skip_bad_rows,
        "max_dropped_share": settings.max_dropped_share,
    }


def _known_timezone(name: object) -> str | None:
    if not isinstance(name, str):
        return None
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return None
    return name


@dataclass
class _Header:
    line: int  # 1-based
    name: str  # dotted table name
    is_array: bool


_HEADER_RE = re.compile(r"^\s*(\[\[?)\s*([A-Za-z0-9_.\-]+)\s*\]\]?")


def _toml_headers(text: str) -> list[_Header]:
    headers = []
    for number, line in enumerate(text.splitlines(), start=1):
        match = _HEADER_RE.match(line)
        if match:
            headers.append(_Header(number, match.group(2), match.group(1) == "[["))
    return headers


@dataclass
class _TomlPlace:
    section: str = ""
    line: int | None = None
    model: str = ""  # dotted table path, a key of _SECTION_MODELS


def _toml_place(loc: Sequence[int | str], raw: Mapping[str, Any], text: str) -> _TomlPlace:
    """Turn a pydantic error location into "[[queues]] #3 'chat', field 'concurrency'" and a line number."""
    headers = _toml_headers(text)
    lines = text.splitlines()
    # The current table as (its header line, 0 for the top of the file; its last line, sub-tables included).
    # None once the table cannot be found by its header (written inline), so no wrong line is reported.
    region: tuple[int, int] | None = (0, len(lines))
    parts: list[str] = []
    path: list[str] = []
    line: int | None = None
    node: Any = raw
    i = 0
    while i < len(loc):
        key = loc[i]
        child = node.get(key) if isinstance(node, dict) and isinstance(key, str) else None
        following = loc[i + 1] if i + 1 < len(loc) else None
        dotted = ".".join([*path, str(key)])
        if (
            isinstance(child, list)
            and isinstance(following, int)
            and following < len(child)
            and isinstance(child[following], dict)
        ):
            item = child[following]
            name = f" '{item['id']}'" if "id" in item else ""
            parts.append(f"[[{dotted}]] #{following + 1}{name}")
            region = _find_table(headers, dotted, following, region, len(lines))
            path.append(str(key))
            node = item
            i += 2
            continue
        if isinstance(child, dict) and i + 1 < len(loc):
            parts.append(f"[{dotted}]")
            region = _find_table(headers, dotted, 0, region, len(lines))
            path.append(str(key))
            node = child
            i += 1
            continue
        parts.append(f"field '{key}'" + (f" item #{following + 1}" if isinstance(following, int) else ""))
        if region is not None:
            # A table's own keys sit between its header and the next header of any kind.
            stop = next((h.line for h in headers if h.line > region[0]), len(lines) + 1)
            key_re = re.compile(rf"^\s*{re.escape(str(key))}\s*=")
            line = next((n for n in range(region[0] + 1, stop) if key_re.match(lines[n - 1])), None)
            if line is None:  # a misspelt table name: the key is a [header], not a "key ="
                line = next((h.line for h in headers if h.name == dotted and h.line > region[0]), None)
        break
    if line is None and region is not None and region[0] > 0:
        line = region[0]  # the table's header line
    return _TomlPlace(", ".join(parts), line, ".".join(path))


def _find_table(
    headers: list[_Header], dotted: str, index: int, region: tuple[int, int] | None, total: int
) -> tuple[int, int] | None:
    """The index-th `[[dotted]]` (or the `[dotted]`) table inside `region`, as (header line, last line)."""
    if region is None:
        return None
    found = [h for h in headers if h.name == dotted and region[0] < h.line <= region[1]]
    if index >= len(found):
        return None
    header = found[index]
    after = next((h.line for h in headers if h.line > header.line and not h.name.startswith(dotted + ".")), None)
    return header.line, min(after - 1 if after else total, region[1])


def _parse_site(label: str, text: str, out: _Collector) -> tuple[Site | None, _SiteFacts]:
    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        message = str(exc)
        match = re.search(r"\(at line (\d+), column (\d+)\)", message)
        line = int(match.group(1)) if match else None
        reason = message[: match.start()].strip() if match else message
        where = f" at column {match.group(2)}" if match else ""
        lines = text.splitlines()
        source_line = lines[line - 1].strip() if line and line <= len(lines) else None
        out.add(
            Problem(
                label,
                None,
                None,
                source_line or None,
                f"valid TOML ({reason.lower()}{where})",
                'Text values need double quotes (name = "Voice service"), lists square brackets '
                '(days = ["mon", "tue"]), tables a [header] on their own line.',
                line=line,
            )
        )
        return None, _SiteFacts()

    facts = _SiteFacts.from_raw(raw)
    unknown_templates, covered = _check_contract_templates(label, raw, text, out)
    duplicates = _check_duplicate_ids(label, raw, text, out)
    try:
        site = Site.model_validate(raw)
    except ValidationError as exc:
        for error in exc.errors():
            message = str(error["msg"])
            if unknown_templates and "unknown shift template" in message:
                continue  # already reported per contract, with its location
            if duplicates and "duplicate" in message:
                continue  # already reported per definition, with its line
            if tuple(error.get("loc", ())) in covered:
                continue  # the missing id, reported with what refers to it
            out.add(_site_problem(label, raw, text, error))
        return None, facts
    if unknown_templates or duplicates:
        return None, facts
    return site, _SiteFacts(
        queue_ids={q.id for q in site.queues},
        deferred_queue_ids={q.id for q in site.queues if q.kind == "deferred"},
        contract_ids={c.id for c in site.contracts},
        template_ids={t.id for t in site.shift_templates},
        interval_minutes=site.interval_minutes,
        timezone=site.timezone,
        horizon_end=site.horizon.end,
        site_label=label,
        **_input_facts(site.input.model_dump()),
    )


def _check_duplicate_ids(label: str, raw: Mapping[str, Any], text: str, out: _Collector) -> bool:
    """A second [[queues]], [[shift_templates]] or [[contracts]] with an id already used: which definition would
    win is a guess (the last one silently replaced the first for every agent on it), so it is an error."""
    found = False
    for table, noun in (("queues", "queue"), ("shift_templates", "shift template"), ("contracts", "contract")):
        items = raw.get(table)
        if not isinstance(items, list):
            continue
        first: dict[str, int] = {}
        for n, item in enumerate(items):
            if not isinstance(item, dict) or "id" not in item:
                continue
            key = str(item["id"])
            if key not in first:
                first[key] = n
                continue
            found = True
            place = _toml_place((table, n, "id"), raw, text)
            earlier = _toml_place((table, first[key], "id"), raw, text)
            at = f"line {earlier.line}" if earlier.line is not None else f"[[{table}]] #{first[key] + 1}"
            out.add(
                Problem(
                    label,
                    None,
                    None,
                    key,
                    f"a new {noun} id ({at} already defines {noun} '{key}')",
                    f"Give each [[{table}]] its own id, or delete the definition that is not meant.",
                    section=place.section,
                    line=place.line,
                )
            )
    return found


def _check_contract_templates(
    label: str, raw: Mapping[str, Any], text: str, out: _Collector
) -> tuple[bool, set[tuple[object, ...]]]:
    """Contracts naming shift templates that do not exist, each reported where it is named. When a template has
    no id, the names no template has are most likely its: one problem at that template says so, and neither the
    contracts' references nor its missing id are reported again (the second value: validation errors so
    covered, by location)."""
    templates, contracts = raw.get("shift_templates"), raw.get("contracts")
    if not isinstance(templates, list) or not isinstance(contracts, list):
        return False, set()
    known = [str(t["id"]) for t in templates if isinstance(t, dict) and "id" in t]
    unnamed = [n for n, t in enumerate(templates) if isinstance(t, dict) and "id" not in t]
    referring: dict[str, list[str]] = {}
    places: list[tuple[int, str]] = []
    for n, contract in enumerate(contracts):
        names = contract.get("shift_templates") if isinstance(contract, dict) else None
        if not isinstance(names, list):
            continue
        for name in names:
            if str(name) in known:
                continue
            referring.setdefault(str(name), []).append(str(contract.get("id", f"#{n + 1}")))
            places.append((n, str(name)))
    if not referring:
        return False, set()
    if unnamed:
        covered: set[tuple[object, ...]] = set()
        for n in unnamed:
            place = _toml_place(("shift_templates", n), raw, text)
            named = "; ".join(f"'{name}' by {', '.join(ids)}" for name, ids in referring.items())
            out.add(
                Problem(
                    label,
                    None,
                    None,
                    None,
                    "an id for this shift template: it has none",
                    f"Contracts name shift templates no [[shift_templates]] has ({named}): if it is this one, add "
                    f'id = "{next(iter(referring))}" to it.',
                    section=place.section,
                    line=place.line,
                )
            )
            covered.add(("shift_templates", n, "id"))
        return True, covered
    for n, name in places:
        place = _toml_place(("contracts", n, "shift_templates"), raw, text)
        out.add(
            Problem(
                label,
                None,
                None,
                name,
                f"a shift template defined in [[shift_templates]] (expected one of: {_listing(known)})",
                _did_you_mean(name, known) + "Fix the contract or add a [[shift_templates]] with that id.",
                section=place.section,
                line=place.line,
            )
        )
    return True, set()


def _site_problem(label: str, raw: Mapping[str, Any], text: str, error: Mapping[str, Any]) -> Problem:
    loc = tuple(error.get("loc", ()))
    place = _toml_place(loc, raw, text)
    kind = error.get("type", "")
    message = str(error.get("msg", "invalid value")).removeprefix("Value error, ").removeprefix("Assertion failed, ")
    hint = ""
    if kind == "missing":
        table = ".".join(str(part) for part in loc if isinstance(part, str))
        is_table = table in _SECTION_MODELS and table not in ("queues", "shift_templates", "contracts")
        expected = f"the required table [{table}] is missing" if is_table else "this required setting is missing"
    elif kind == "extra_forbidden":
        expected = "this is not a known setting"
        model = _SECTION_MODELS.get(place.model)
        if model is not None and loc and isinstance(loc[-1], str):
            known = list(model.model_fields)
            hint = _did_you_mean(loc[-1], known) or f"Known settings here: {', '.join(known)}."
    elif kind == "too_short" and loc and loc[-1] in ("queues", "shift_templates", "contracts"):
        expected = f"at least one [[{loc[-1]}]] table is needed"
    else:
        expected = message[:1].lower() + message[1:]
        value = error.get("input")
        if isinstance(value, str | int | float | bool | dt.date) and kind not in ("value_error", "assertion_error"):
            expected += f" (got {value!r})" if isinstance(value, str) else f" (got {value})"
    return Problem(label, None, None, None, expected, hint, section=place.section or None, line=place.line)
