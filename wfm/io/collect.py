"""Problem collection for the loaders: every problem is kept (up to a cap per kind) and raised once."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable

from wfm.io.errors import Problem

# Beyond this many problems of one kind in one column, the rest are counted, not listed: a wrong export
# format breaks every row alike and 400,000 identical lines help nobody.
MAX_LISTED_PER_KIND = 20

# --------------------------------------------------------------------------------------------------------------
# Problem collection


class _Bad(ValueError):
    """A cell that does not parse; carries the planner-facing description of what was expected."""

    def __init__(self, expected: str, hint: str = "") -> None:
        super().__init__(expected)
        self.expected = expected
        self.hint = hint


_Key = tuple[str, str | None, str]


class _Collector:
    def __init__(self) -> None:
        self._items: list[tuple[_Key, Problem]] = []
        self._listed: Counter[_Key] = Counter()
        self._hidden: Counter[_Key] = Counter()

    def add(self, problem: Problem, kind: str | None = None) -> None:
        key = (problem.file, problem.column, kind or problem.expected)
        if self._listed[key] >= MAX_LISTED_PER_KIND:
            self._hidden[key] += 1
            return
        self._listed[key] += 1
        self._items.append((key, problem))

    def add_hidden(self, file: str, column: str | None, kind: str, count: int) -> None:
        self._hidden[(file, column, kind)] += count

    def extend(self, other: _Collector, edit: Callable[[Problem], Problem] | None = None) -> None:
        """Take over another collector's problems, listed and counted (warnings that turned out to be fatal),
        each passed through `edit` first if given."""
        for key, problem in other._items:
            self.add(edit(problem) if edit else problem, key[2])
        self._hidden.update(other._hidden)

    def __bool__(self) -> bool:
        return bool(self._items)

    @property
    def count(self) -> int:
        return len(self._items) + sum(self._hidden.values())

    def problems(self) -> list[Problem]:
        # The "N more" line goes right after the last listed problem of its kind.
        last_index = {key: i for i, (key, _) in enumerate(self._items)}
        out: list[Problem] = []
        for i, (key, problem) in enumerate(self._items):
            out.append(problem)
            if last_index[key] == i and self._hidden[key]:
                count = self._hidden[key]
                rows = "row has" if count == 1 else "rows have"
                out.append(
                    Problem(
                        file=key[0],
                        row=None,
                        column=key[1],
                        value=None,
                        expected=f"{count:,} more {rows} the same problem "
                        f"(only the first {MAX_LISTED_PER_KIND} are listed)",
                    )
                )
        return out
