"""Input problems a planner can act on: which file, which row, which column, what was there, what was expected."""

from __future__ import annotations

import tomllib
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError


@dataclass(frozen=True)
class Problem:
    """One thing wrong with the input, located the way a spreadsheet user would find it.

    `row` counts like a spreadsheet: the header is row 1, the first data row is row 2. TOML problems use
    `line` (the line in site.toml) and `section` (e.g. "[[queues]] #3 'chat', field 'concurrency'") instead.
    With a `value`, the message reads "'<value>' is not <expected>"; without one, `expected` is the whole message.
    """

    file: str
    row: int | None
    column: str | None
    value: str | None
    expected: str
    hint: str = ""
    section: str | None = None
    line: int | None = None

    @property
    def location(self) -> str:
        parts = [self.file]
        if self.line is not None:
            parts.append(f"line {self.line}")
        if self.section:
            parts.append(self.section)
        if self.row is not None:
            parts.append(f"row {self.row}")
        if self.column is not None:
            parts.append(f"column '{self.column}'")
        return ", ".join(parts)

    def __str__(self) -> str:
        expected = self.expected.rstrip(". ")
        if self.value is None:
            message = f"{self.location}: {expected}."
        elif self.value.strip() == "":
            message = f"{self.location}: blank, expected {expected}."
        else:
            message = f"{self.location}: '{_shorten(self.value)}' is not {expected}."
        if self.hint:
            message += f" {self.hint.strip()}"
        return message


def _shorten(value: str, limit: int = 80) -> str:
    # A runaway cell (a whole pasted paragraph) must not drown the report.
    return value if len(value) <= limit else value[: limit - 1] + "…"


class ScenarioError(Exception):
    """The scenario could not be loaded; `problems` lists every problem found, in file order."""

    def __init__(self, problems: Iterable[Problem]) -> None:
        self.problems: list[Problem] = list(problems)
        super().__init__(self.report())

    def report(self, what: str = "The scenario could not be loaded") -> str:
        count = len(self.problems)
        noun = "problem" if count == 1 else "problems"
        lines = [f"{what} ({count} {noun}):"]
        lines.extend(f"  - {problem}" for problem in self.problems)
        return "\n".join(lines)


_Model = TypeVar("_Model", bound=BaseModel)


def validated(model: type[_Model], raw: object, label: str) -> _Model:
    """`raw` (a TOML file's tables) as `model`; each problem reported as the file and key, never a traceback."""
    try:
        return model.model_validate(raw)
    except ValidationError as exc:
        raise ScenarioError(
            Problem(
                label, None, None, None, str(error["msg"]), section="key '" + ".".join(map(str, error["loc"])) + "'"
            )
            for error in exc.errors()
        ) from None


def read_toml(path: Path) -> dict[str, Any]:
    """A TOML file's tables; a file that cannot be read or is not TOML is one problem naming the file."""
    label = path.name
    try:
        return tomllib.loads(path.read_text(encoding="utf-8-sig"))
    except OSError as exc:
        raise ScenarioError([Problem(label, None, None, None, f"the file could not be read ({exc})")]) from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ScenarioError([Problem(label, None, None, None, f"this is not valid TOML: {exc}")]) from None
