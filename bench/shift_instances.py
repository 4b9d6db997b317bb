"""Curtois & Qu's shift scheduling benchmark instances: the file format read, and the benchmark's objective
evaluated on a roster, written from the format's definition (data/shift_benchmark/README.md), not from wfm's model.

A roster is `{employee id: [shift id or "" for a day off, one per day]}`.

The definition, as the instance files and schedulingbenchmarks.org state it:
- at most one shift a day; the days off listed (SECTION_DAYS_OFF) are not worked;
- a shift may not be followed the next day by the shifts its line lists (the day before the horizon is off);
- per employee: at most MaxShifts[t] shifts of each type; total minutes between MinTotalMinutes and
  MaxTotalMinutes; at most MaxConsecutiveShifts working days in a row (days outside the horizon are off); every
  run of working days at least MinConsecutiveShifts long and every run of days off at least
  MinConsecutiveDaysOff long, except a run touching either end of the horizon (the days beyond count as
  worked, respectively off, for ever); at most MaxWeekends weekends worked (a Saturday or Sunday or both; days
  5 and 6 of each week, the horizon starting on a Monday);
- objective: the weight of every shift-on request not granted (the employee does not work that shift that
  day), of every shift-off request not granted (they do), and per day and shift type the under weight times the
  people missing and the over weight times the people too many.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path


@dataclass(frozen=True)
class Employee:
    id: str
    max_shifts: dict[str, int]
    max_total_minutes: int
    min_total_minutes: int
    max_consecutive_shifts: int
    min_consecutive_shifts: int
    min_consecutive_days_off: int
    max_weekends: int


@dataclass(frozen=True)
class Request:
    employee: str
    day: int
    shift: str
    weight: int


@dataclass(frozen=True)
class Cover:
    day: int
    shift: str
    requirement: int
    weight_under: int
    weight_over: int


@dataclass(frozen=True)
class Instance:
    name: str
    days: int
    shift_minutes: dict[str, int]
    cannot_follow: dict[str, tuple[str, ...]]  # shift -> shifts that may not be worked the next day
    employees: tuple[Employee, ...]
    days_off: dict[str, tuple[int, ...]] = field(default_factory=dict)
    on_requests: tuple[Request, ...] = ()
    off_requests: tuple[Request, ...] = ()
    cover: tuple[Cover, ...] = ()


def _sections(text: str) -> dict[str, list[list[str]]]:
    sections: dict[str, list[list[str]]] = {}
    current = None
    for raw in text.splitlines():
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        if line.startswith("SECTION_"):
            current = line
            sections[current] = []
            continue
        if current is None:
            raise ValueError(f"a line before the first SECTION_: {line!r}")
        sections[current].append([part.strip() for part in line.split(",")])
    return sections


def read_instance(path: Path) -> Instance:
    """One instance file (InstanceN.txt). Raises ValueError naming the section and line for what it cannot read."""
    sections = _sections(path.read_text(encoding="utf-8"))
    try:
        days = int(sections["SECTION_HORIZON"][0][0])
        shift_minutes, cannot_follow = {}, {}
        for row in sections["SECTION_SHIFTS"]:
            shift_minutes[row[0]] = int(row[1])
            cannot_follow[row[0]] = tuple(s for s in (row[2].split("|") if len(row) > 2 else []) if s)
        employees = []
        for row in sections["SECTION_STAFF"]:
            limits = dict(part.split("=") for part in row[1].split("|") if part)
            employees.append(
                Employee(
                    id=row[0],
                    max_shifts={shift: int(count) for shift, count in limits.items()},
                    max_total_minutes=int(row[2]),
                    min_total_minutes=int(row[3]),
                    max_consecutive_shifts=int(row[4]),
                    min_consecutive_shifts=int(row[5]),
                    min_consecutive_days_off=int(row[6]),
                    max_weekends=int(row[7]),
                )
            )
        days_off = {row[0]: tuple(int(d) for d in row[1:] if d) for row in sections.get("SECTION_DAYS_OFF", [])}

        def requests(name: str) -> tuple[Request, ...]:
            return tuple(Request(r[0], int(r[1]), r[2], int(r[3])) for r in sections.get(name, []))

        cover = tuple(Cover(int(r[0]), r[1], int(r[2]), int(r[3]), int(r[4])) for r in sections["SECTION_COVER"])
    except (KeyError, IndexError, ValueError) as exc:
        raise ValueError(f"{path}: not an instance of the shift scheduling benchmark format ({exc})") from None
    return Instance(
        name=path.stem,
        days=days,
        shift_minutes=shift_minutes,
        cannot_follow=cannot_follow,
        employees=tuple(employees),
        days_off=days_off,
        on_requests=requests("SECTION_SHIFT_ON_REQUESTS"),
        off_requests=requests("SECTION_SHIFT_OFF_REQUESTS"),
        cover=cover,
    )


def _runs(working: list[bool]) -> list[tuple[int, int, bool]]:
    """(first day, length, worked) of each run of equal days."""
    runs: list[tuple[int, int, bool]] = []
    for day, worked in enumerate(working):
        if runs and runs[-1][2] == worked:
            first, length, _ = runs[-1]
            runs[-1] = (first, length + 1, worked)
        else:
            runs.append((day, 1, worked))
    return runs


def violations(instance: Instance, roster: dict[str, list[str]]) -> list[str]:
    """Every hard rule the roster breaks, in words (empty: feasible)."""
    found: list[str] = []
    weekends = [(d, d + 1) for d in range(5, instance.days - 1, 7)]
    for employee in instance.employees:
        days = roster.get(employee.id, [""] * instance.days)
        who = employee.id
        if len(days) != instance.days:
            found.append(f"{who}: {len(days)} days in the roster, not {instance.days}")
            continue
        for shift in set(days) - {""}:
            if shift not in instance.shift_minutes:
                found.append(f"{who}: unknown shift {shift!r}")
        for day in instance.days_off.get(who, ()):
            if days[day]:
                found.append(f"{who}: works day {day}, a day off")
        for day in range(instance.days - 1):
            if days[day] and days[day + 1] in instance.cannot_follow.get(days[day], ()):
                found.append(f"{who}: {days[day + 1]} on day {day + 1} follows {days[day]}")
        for shift, most in employee.max_shifts.items():
            if days.count(shift) > most:
                found.append(f"{who}: {days.count(shift)} {shift} shifts, most {most}")
        minutes = sum(instance.shift_minutes.get(s, 0) for s in days if s)
        if not employee.min_total_minutes <= minutes <= employee.max_total_minutes:
            found.append(
                f"{who}: {minutes} minutes, not in [{employee.min_total_minutes}, {employee.max_total_minutes}]"
            )
        for first, length, worked in _runs([bool(s) for s in days]):
            touches_end = first == 0 or first + length == instance.days
            if worked and length > employee.max_consecutive_shifts:
                found.append(f"{who}: {length} days worked in a row from day {first}")
            if worked and not touches_end and length < employee.min_consecutive_shifts:
                found.append(f"{who}: only {length} days worked in a row from day {first}")
            if not worked and not touches_end and length < employee.min_consecutive_days_off:
                found.append(f"{who}: only {length} days off in a row from day {first}")
        worked_weekends = sum(1 for saturday, sunday in weekends if days[saturday] or days[sunday])
        if worked_weekends > employee.max_weekends:
            found.append(f"{who}: {worked_weekends} weekends worked, most {employee.max_weekends}")
    return found


def objective(instance: Instance, roster: dict[str, list[str]]) -> int:
    """The benchmark's objective of a roster (the hard rules are not checked here: see `violations`)."""
    total = 0
    for request in instance.on_requests:
        if roster[request.employee][request.day] != request.shift:
            total += request.weight
    for request in instance.off_requests:
        if roster[request.employee][request.day] == request.shift:
            total += request.weight
    for cover in instance.cover:
        staffed = sum(1 for days in roster.values() if days[cover.day] == cover.shift)
        total += cover.weight_under * max(0, cover.requirement - staffed)
        total += cover.weight_over * max(0, staffed - cover.requirement)
    return total
