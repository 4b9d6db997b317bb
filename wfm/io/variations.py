"""What a planner varies in a what-if or capacity grid: `--vary volume=1.0,1.15,1.3` on the command line, or

    [vary]
    volume = [1.0, 1.15, 1.3]
    cross_training = ["on", "off"]
    "service_level.front" = [0.8, 0.9]

in a small TOML file. A setting may name a scope after a dot: an office (front, middle, back) or a queue id,
e.g. `volume.back=1.3` scales only the back office's volume. Every combination is one scenario, in the order
given (the first value of each setting is the base case). Each problem is reported with what to write instead.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal, TypeVar

import pandas as pd
from pydantic import BaseModel, ValidationError

from wfm.domain import Office, QueueKind, Scenario
from wfm.io.errors import Problem, ScenarioError, read_toml

Kind = Literal["factor", "share", "seconds", "hours", "switch", "count"]

# The most scenarios one grid may hold: each is a plan (or a capacity run); a typo like 1..30 would be hours.
MAX_SCENARIOS = 64

_SWITCH = {"on": True, "off": False, "yes": True, "no": False, "true": True, "false": False}


@dataclass(frozen=True)
class Knob:
    """A setting a grid may vary: its kind of value and what it does, for errors and docs."""

    kind: Kind
    scoped: bool  # may name an office or a queue after a dot
    meaning: str


@dataclass(frozen=True)
class Setting:
    """One varied setting: `volume.back` -> name "volume", scope "back"."""

    name: str
    scope: str | None
    values: tuple[Any, ...]

    @property
    def key(self) -> str:
        return self.name if self.scope is None else f"{self.name}.{self.scope}"


@dataclass(frozen=True)
class Case:
    """One scenario of the grid: S1, S2, ... with the value of each varied setting."""

    name: str
    values: tuple[tuple[str, Any], ...]  # (setting key, value) in the order the settings were given

    @property
    def label(self) -> str:
        return ", ".join(f"{key} {show(value)}" for key, value in self.values) or "as planned"

    def get(self, key: str, default: Any = None) -> Any:
        return next((value for k, value in self.values if k == key), default)


def show(value: Any) -> str:
    if isinstance(value, bool):
        return "on" if value else "off"
    if isinstance(value, float):
        return f"{value:g}"
    return str(value)


def parse_value(text: Any, knob: Knob, key: str, source: str) -> Any:
    """One value of `key`, checked for its kind; ScenarioError says what to write instead."""

    def bad(expected: str) -> ScenarioError:
        return ScenarioError([Problem(source, None, None, None, f"{key}: {text!r} is not {expected}")])

    raw = str(text).strip().lower()
    if knob.kind == "switch":
        if isinstance(text, bool):
            return text
        if raw not in _SWITCH:
            raise bad("on or off")
        return _SWITCH[raw]
    if isinstance(text, bool):
        raise bad("a number")
    percent = raw.endswith("%")
    try:
        number = float(raw.removesuffix("%")) / (100 if percent else 1)
    except ValueError:
        raise bad(_expected(knob)) from None
    if not math.isfinite(number):
        raise bad(_expected(knob))
    if knob.kind == "factor" and not 0 < number <= 10:
        raise bad("a factor above 0 and at most 10, e.g. 1.15 for 15 % more (or 115%)")
    if knob.kind == "share" and not 0 <= number < 1:
        raise bad("a share from 0 to below 1, e.g. 0.9 or 90%")
    if knob.kind in ("seconds", "hours") and number <= 0:
        raise bad(f"a positive number of {knob.kind}")
    if knob.kind == "count":
        if number != int(number) or number < 0:
            raise bad("a whole number, 0 or more")
        return int(number)
    return number


def _expected(knob: Knob) -> str:
    return {
        "factor": "a factor, e.g. 1.15 for 15 % more (or 115%)",
        "share": "a share, e.g. 0.9 or 90%",
        "seconds": "a number of seconds, e.g. 20",
        "hours": "a number of hours, e.g. 8",
        "count": "a whole number",
        "switch": "on or off",
    }[knob.kind]


def _setting(key: str, raw_values: Sequence[Any], knobs: Mapping[str, Knob], source: str) -> Setting:
    name, _, scope = key.strip().partition(".")
    knob = knobs.get(name)
    if knob is None:
        raise ScenarioError([Problem(source, None, None, None, f"{key!r} cannot be varied; the settings that can: "
                                     f"{', '.join(sorted(knobs))}")])  # fmt: skip
    if scope and not knob.scoped:
        raise ScenarioError([Problem(source, None, None, None, f"{key!r}: {name} applies to the whole site; write "
                                     f"{name} without '.{scope}'")])  # fmt: skip
    if not raw_values:
        raise ScenarioError([Problem(source, None, None, None, f"{key}: give at least one value")])
    values = tuple(parse_value(v, knob, key, source) for v in raw_values)
    repeated = sorted({show(v) for v in values if values.count(v) > 1})
    if repeated:
        raise ScenarioError([Problem(source, None, None, None, f"{key}: {', '.join(repeated)} given twice")])
    return Setting(name, scope or None, values)


def parse_vary(texts: Sequence[str], knobs: Mapping[str, Knob]) -> list[Setting]:
    """`--vary NAME[.SCOPE]=V1,V2,...` options, in the order given."""
    settings: list[Setting] = []
    for text in texts:
        key, sep, values = text.partition("=")
        if not sep or not key.strip():
            raise ScenarioError([Problem("--vary", None, None, None, f"{text!r} is not NAME=VALUE,VALUE,...; e.g. "
                                         "--vary volume=1.0,1.15,1.3")])  # fmt: skip
        settings.append(_setting(key, [v for v in values.split(",") if v.strip()], knobs, "--vary"))
    return _no_repeats(settings, "--vary")


def read_vary_file(path: Path, knobs: Mapping[str, Knob]) -> tuple[list[Setting], dict[str, Any]]:
    """The `[vary]` table of a TOML file, and its other tables (e.g. `[whatif]`, `[cluster]`) for the caller."""
    label = path.name
    raw = read_toml(path)
    vary = raw.pop("vary", {})
    if not isinstance(vary, dict):
        raise ScenarioError([Problem(label, None, None, None, "[vary] must be a table of NAME = [values]")])
    settings = []
    for key, values in vary.items():
        if isinstance(values, dict):  # `[vary.volume] back = [...]`: TOML's reading of volume.back = [...]
            settings += [_setting(f"{key}.{scope}", _listed(v), knobs, label) for scope, v in values.items()]
        else:
            settings.append(_setting(key, _listed(values), knobs, label))
    return _no_repeats(settings, label), raw


def _listed(values: Any) -> list[Any]:
    return list(values) if isinstance(values, list) else [values]


def _no_repeats(settings: list[Setting], source: str) -> list[Setting]:
    keys = [s.key for s in settings]
    repeated = sorted({k for k in keys if keys.count(k) > 1})
    if repeated:
        raise ScenarioError([Problem(source, None, None, None, f"{', '.join(repeated)} varied twice; give all its "
                                     "values in one place, e.g. volume=1.0,1.15")])  # fmt: skip
    return settings


def grid(settings: Sequence[Setting]) -> list[Case]:
    """Every combination, the first setting varying slowest; S1 is the base case (each setting's first value)."""
    combos = list(itertools.product(*(s.values for s in settings)))
    if len(combos) > MAX_SCENARIOS:
        raise ScenarioError([Problem("--vary", None, None, None, f"{len(combos)} scenarios; at most {MAX_SCENARIOS} "
                                     "in one grid: vary fewer settings or give fewer values")])  # fmt: skip
    return [
        Case(f"S{i}", tuple((s.key, v) for s, v in zip(settings, combo, strict=True)))
        for i, combo in enumerate(combos, start=1)
    ]


# --- Applying a case ------------------------------------------------------------------------------------------

# The queues a scoped target applies to: a scope naming none of them is an error.
# Shrinkage too: it inflates live requirements only (deferred work is planned to its deadlines).
SCOPE_KINDS = {
    "service_level": QueueKind.LIVE,
    "answer_seconds": QueueKind.LIVE,
    "sla_hours": QueueKind.DEFERRED,
    "shrinkage": QueueKind.LIVE,
}


def queues_in(scenario: Scenario, scope: str | None, key: str, kind: QueueKind | None = None) -> set[str]:
    """The queues `scope` names (an office or a queue id; every queue without one), of `kind` if given."""
    queues = [q for q in scenario.site.queues if kind is None or q.kind is kind]
    chosen = {q.id for q in queues if scope is None or scope in (q.id, q.office.value)}
    if not chosen:
        offices = [o.value for o in Office if o in {q.office for q in scenario.site.queues}]
        what = f"{kind.value} queue" if kind else "queue"
        names = ", ".join([*offices, *(q.id for q in queues)])
        raise ScenarioError([Problem("--vary", None, None, None, f"{key}: '{scope}' names no {what} of "
                                     f"{scenario.site.name}; name an office or a {what}: {names}")])  # fmt: skip
    return chosen


def check_scopes(scenario: Scenario, settings: Sequence[Setting], knobs: Mapping[str, Knob]) -> None:
    """Every scope names something its setting applies to, and every value is one the site accepts (a service
    level of 0, 20.5 answer seconds), checked before anything is planned."""
    for setting in settings:
        if knobs[setting.name].scoped:
            queues_in(scenario, setting.scope, setting.key, SCOPE_KINDS.get(setting.name))
        for value in setting.values:
            apply_to_scenario(scenario, Case("check", ((setting.key, value),)))


def scale_forecast(forecast: pd.DataFrame, scenario: Scenario, case: Case) -> pd.DataFrame:
    """The forecast with `volume` (and its P10-P90 band, where given) and `aht` factors applied to the queues in
    their scope."""
    forecast = forecast.copy()
    for key, value in case.values:
        name, _, scope = key.partition(".")
        if name not in ("volume", "aht"):
            continue
        rows = forecast["queue"].isin(queues_in(scenario, scope or None, key))
        columns = [c for c in forecast.columns if c == "volume" or c.startswith("volume_")]
        for column in columns if name == "volume" else ["aht_seconds"]:
            forecast.loc[rows, column] = forecast.loc[rows, column] * value
    return forecast


def apply_to_scenario(scenario: Scenario, case: Case) -> Scenario:
    """The scenario with the case's targets (`service_level`, `answer_seconds`, `sla_hours`), `shrinkage` and
    `cross_training`; other settings are the caller's."""
    queues = {q.id: q for q in scenario.site.queues}
    site_update: dict[str, Any] = {}
    for key, value in case.values:
        name, _, scope_text = key.partition(".")
        scope = scope_text or None
        if name in SCOPE_KINDS:
            for queue_id in queues_in(scenario, scope, key, SCOPE_KINDS[name]):
                queues[queue_id] = _validated(queues[queue_id], {name: value}, key, value)
            if name == "shrinkage" and scope is None:
                site_update["shrinkage"] = value
    site_update["queues"] = tuple(queues[q.id] for q in scenario.site.queues)
    site = _validated(scenario.site, site_update, "shrinkage", site_update.get("shrinkage"))
    scenario = scenario.model_copy(update={"site": site})
    return home_office_only(scenario) if case.get("cross_training", True) is False else scenario


_Model = TypeVar("_Model", bound=BaseModel)


def _validated(model: _Model, update: dict[str, Any], key: str, value: Any) -> _Model:
    """`model` with `update`, checked as the input files are (model_copy alone would not check it)."""
    try:
        return type(model).model_validate({**model.model_dump(), **update})
    except ValidationError as exc:
        message = str(exc.errors()[0]["msg"]).removeprefix("Value error, ")
        raise ScenarioError([Problem("--vary", None, None, None, f"{key} {show(value)}: {message}")]) from None


def home_office_only(scenario: Scenario) -> Scenario:
    """The same operation with cross-training switched off: each agent keeps only their home office's queues.

    An agent whose every skill is in another office would keep them, so nobody is dropped.
    """
    office_of = {q.id: q.office for q in scenario.site.queues}
    kept = []
    for agent in scenario.agents:
        skills = [s for s in scenario.skills if s.agent_id == agent.agent_id]
        home = [s for s in skills if office_of[s.queue] == agent.office]
        kept.extend(home or skills)
    return scenario.model_copy(update={"skills": tuple(kept)})
