"""docs/configuration.md, generated from the models that read the input: every site.toml key and CSV column.

One source of truth: a key's type and default come from its pydantic field, its meaning from the comments on
and above the field in `wfm/domain/models.py`, and the CSV columns from the loader's table specs. A test
compares the committed file with `render_configuration()`, so the reference cannot drift from the code.

    .venv/bin/python -m wfm.io.reference > docs/configuration.md
"""

from __future__ import annotations

import ast
import inspect
import io
import tokenize
import types
import typing
from enum import Enum
from typing import Any

from pydantic import BaseModel
from pydantic.fields import FieldInfo
from pydantic_core import PydanticUndefined

from wfm.domain import models
from wfm.io.sources import _TABLES

# site.toml's tables, in the order a site.toml is written, with the model that reads each.
SECTIONS: tuple[tuple[str, type[BaseModel], str], ...] = (
    ("top level", models.Site, "The site itself."),
    ("[horizon]", models.Horizon, "The days to plan."),
    ("[[queues]]", models.Queue, "One table per queue (a phone line, a chat queue, a case or item queue)."),
    ("[[shift_templates]]", models.ShiftTemplate, "One table per kind of shift people can work."),
    ("[[shift_templates.breaks]]", models.BreakRule, "The breaks inside a shift template, one table each."),
    ("[[contracts]]", models.Contract, "One table per kind of contract; staff.csv names one per person."),
    ("[rules]", models.Rules, "Hard rules for every plan."),
    ("[weights]", models.Weights, "What the plan trades off: the cost of each kind of shortfall."),
    ("[solver]", models.SolverSettings, "How long and how the optimiser searches."),
    ("[forecast]", models.ForecastSettings, "How the forecast is made."),
    ("[input]", models.InputSettings, "How the CSV files are written."),
    ("[simulation]", models.SimulationSettings, "How `wfm simulate` replays a plan (docs/simulation.md)."),
    ("[requests]", models.RequestSettings, "How `wfm requests` decides time off and swaps (docs/requests.md)."),
)
# Site fields that are sections of their own above, not top-level keys.
_SITE_TABLES = {
    "horizon",
    "queues",
    "shift_templates",
    "contracts",
    "rules",
    "weights",
    "solver",
    "forecast",
    "input",
    "simulation",
    "requests",
}


def _comments_by_line(source: str) -> dict[int, str]:
    comments: dict[int, str] = {}
    for token in tokenize.generate_tokens(io.StringIO(source).readline):
        if token.type == tokenize.COMMENT:
            comments[token.start[0]] = token.string.lstrip("#").strip()
    return comments


def field_notes(model: type[BaseModel]) -> dict[str, str]:
    """Per field of `model`: the comment lines right above it and the comment on its own line, joined."""
    source_lines, first_line = inspect.getsourcelines(model)
    source = "".join(source_lines)
    comments = _comments_by_line(source)
    tree = ast.parse(source)
    notes: dict[str, str] = {}
    body = tree.body[0].body if tree.body and isinstance(tree.body[0], ast.ClassDef) else []
    for node in body:
        if not (isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name)):
            continue
        above: list[str] = []
        line = node.lineno - 1
        while line in comments and source_lines[line - 1].lstrip().startswith("#"):
            above.insert(0, comments[line])
            line -= 1
        inline = [
            comments[n]
            for n in range(node.lineno, (node.end_lineno or node.lineno) + 1)
            if n in comments and not comments[n].startswith(("type:", "noqa"))
        ]
        notes[node.target.id] = " ".join([*above, *inline])
    del first_line
    return notes


def type_name(annotation: Any) -> str:
    """A planner's name for a field's type: number, whole number, text, one of "a", "b", list of ..."""
    origin = typing.get_origin(annotation)
    args = typing.get_args(annotation)
    if origin is typing.Annotated:
        return type_name(args[0])
    if origin in (typing.Union, types.UnionType):
        names = [type_name(a) for a in args if a is not type(None)]
        optional = " (optional)" if type(None) in args else ""
        return " or ".join(names) + optional
    if origin is typing.Literal:
        return "one of " + ", ".join(f'"{a}"' if isinstance(a, str) else str(a) for a in args)
    if origin is tuple:
        return "list of " + type_name(args[0]) if args else "list"
    if origin is dict:
        return f"table of {type_name(args[0])} = {type_name(args[1])}"
    if isinstance(annotation, type):
        if issubclass(annotation, Enum):
            return "one of " + ", ".join(f'"{m.value}"' for m in annotation)
        if issubclass(annotation, BaseModel):
            return f"[{annotation.__name__}] table"
        return {
            bool: "true or false",
            int: "whole number",
            float: "number",
            str: "text",
        }.get(annotation, annotation.__name__)
    return str(annotation).replace("typing.", "")


def _limits(field: FieldInfo) -> str:
    """The field's bounds in words (">= 0, < 1"), from its annotated constraints."""
    words = []
    for item in field.metadata:
        for attribute, sign in (("ge", ">="), ("gt", ">"), ("le", "<="), ("lt", "<"), ("min_length", "at least")):
            value = getattr(item, attribute, None)
            if value is None:
                continue
            if attribute == "min_length":
                words.append("not empty" if field.annotation is str or value == 1 else f"at least {value}")
            else:
                words.append(f"{sign} {value}")
    return ", ".join(words)


def _examples() -> dict[tuple[str, str], str]:
    """(section title, key) -> the value the bundled sample (or the tutorial's site) writes there."""
    import tomllib
    from pathlib import Path

    found: dict[tuple[str, str], str] = {}
    root = Path(__file__).resolve().parents[2] / "data"
    for path in (root / "sample" / "site.toml", root / "examples" / "minimal" / "site.toml"):
        if not path.is_file():
            continue
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
        tables: list[tuple[str, list[dict[str, Any]]]] = [
            ("top level", [raw]),
            *[
                (f"[{name}]", [raw.get(name, {})])
                for name in ("horizon", "rules", "weights", "solver", "forecast", "input")
            ],
            ("[[queues]]", raw.get("queues", [])),
            ("[[shift_templates]]", raw.get("shift_templates", [])),
            ("[[shift_templates.breaks]]", [b for t in raw.get("shift_templates", []) for b in t.get("breaks", [])]),
            ("[[contracts]]", raw.get("contracts", [])),
        ]
        for title, items in tables:
            for item in items:
                for key, value in item.items():
                    nested_tables = isinstance(value, list) and value and isinstance(value[0], dict)
                    section = isinstance(value, dict) and title == "top level"
                    if not nested_tables and not section:
                        found.setdefault((title, key), _toml(value))
    return found


def _toml(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return f'"{value}"'
    if isinstance(value, list):
        return "[" + ", ".join(_toml(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k} = {_toml(v)}" for k, v in value.items()) + "}"
    return str(value)


def _default(field: FieldInfo) -> str:
    if field.is_required():
        return "**required**"
    value = field.get_default(call_default_factory=True) if field.default is PydanticUndefined else field.default
    if value is None:
        return "none"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, Enum):
        return f'"{value.value}"'
    if isinstance(value, str):
        return f'"{value}"'
    if isinstance(value, tuple | list):
        return "[" + ", ".join(f'"{v}"' if isinstance(v, str) else str(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{}" if not value else str(value)
    if isinstance(value, BaseModel):
        return "(its defaults)"
    return str(value)


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def render_configuration() -> str:
    lines = [
        "# Configuration reference",
        "",
        "Every `site.toml` key and CSV column wfm reads, with its type, default and meaning. Generated from the code",
        "(`.venv/bin/python -m wfm.io.reference > docs/configuration.md`); a test fails when it drifts. How the",
        "pieces fit together: the tutorial in the [README](../README.md) and [input.md](input.md).",
        "",
        "## site.toml",
    ]
    examples = _examples()
    for title, model, about in SECTIONS:
        notes = field_notes(model)
        lines += [
            "",
            f"### {title}",
            "",
            about,
            "",
            "| key | type | default | example | meaning |",
            "| --- | --- | --- | --- | --- |",
        ]
        for name, field in model.model_fields.items():
            if model is models.Site and name in _SITE_TABLES:
                continue
            kind = type_name(field.annotation) + (f" ({_limits(field)})" if _limits(field) else "")
            example = f"`{examples[title, name]}`" if (title, name) in examples else ""
            cells = [f"`{name}`", kind, _default(field), example, notes.get(name, "")]
            lines.append("| " + " | ".join(_cell(c) for c in cells) + " |")
    lines += [
        "",
        "## CSV files",
        "",
        "One header row, then one row per record; comma, semicolon or tab separated (read from the header row).",
        "Dates are `YYYY-MM-DD` and times `YYYY-MM-DDTHH:MM` in the site's clock unless `[input] date_format` says",
        "otherwise. `staff.csv`, `skills.csv` and `history.csv` are needed to plan (a site without queues, planned to",
        "`shift_requirements.csv` alone, needs `staff.csv` only); `history.csv` alone to forecast.",
        "",
        "| file | needed | required columns | optional columns | typed columns |",
        "| --- | --- | --- | --- | --- |",
    ]
    for name, spec in _TABLES.items():
        typed = [f"`{c}` date and time" for c in spec.datetimes] + [f"`{c}` date" for c in spec.dates]
        typed += [f"`{c}` {WHOLE.get(c, 'number')}" for c in spec.numbers]
        typed += [f"`{c}` yes or no" for c in spec.optional if c in YES_NO]
        lines.append(
            f"| `{name}.csv` | {'yes' if spec.needed else 'no'} | "
            + ", ".join(f"`{c}`" for c in spec.required)
            + " | "
            + (", ".join(f"`{c}`" for c in spec.optional) or "-")
            + f" | {', '.join(typed) or '-'} |"
        )
    lines += ["", "What each column means and what is done with a row that cannot be used: [input.md](input.md).", ""]
    return "\n".join(lines)


# Columns whose numbers must be whole, and columns read as yes / no.
WHOLE = {"required": "whole number", "priority": "whole number"}
YES_NO = ("paid", "closed")


if __name__ == "__main__":
    print(render_configuration(), end="")
