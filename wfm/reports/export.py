"""`wfm export`: a run folder's plan for another system, or one person's week, in csv, json or xlsx.

Every problem is an `ExportError` whose message says what to do (the command exits 2 with it): a folder that is
not a complete run, a hand-edited file that no longer reads, an agent id the run does not know (with the close
ones), an --out that exists. An agent id never becomes a path as it is.
"""

from __future__ import annotations

import datetime as dt
import difflib
import hashlib
import json
import re
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from wfm.io import atomic_write_text
from wfm.reports.excel import write_tables_xlsx
from wfm.reports.files import horizon_days, read_roster_agents
from wfm.reports.tables import agent_week_table

FORMATS = ("csv", "json", "xlsx")


class ExportError(ValueError):
    """The export cannot be made as asked; the message names the file and what to do."""


@dataclass(frozen=True)
class Exported:
    target: Path
    shifts: int
    activities: int
    note: str  # e.g. "; A0042 has no shifts in this run"


def export_plan(run_folder: Path, fmt: str, agent: str | None, out_file: Path | None, force: bool) -> Exported:
    """Write the run's plan (or `agent`'s) as `fmt` to `out_file`, or beside the run (RUN/plan[_<agent>].FMT)."""
    if fmt not in FORMATS:
        raise ExportError(f"--format must be csv, json or xlsx, not {fmt!r}")
    needed = [run_folder / "shifts.csv", run_folder / "assignments.csv", run_folder / "kpis.json"]
    missing = [p.name for p in needed if not p.exists()]
    if missing:
        raise ExportError(
            f"{run_folder} is not a complete run folder (missing {', '.join(missing)}); "
            "give a folder written by `wfm run`."
        )
    if out_file is not None and out_file.exists() and not force:
        raise ExportError(f"{out_file} exists; give another --out, or --force to replace it")
    try:
        # Ids stay text as written ("007", "NA", "0101" are ids, not numbers or missing values).
        shifts = pd.read_csv(needed[0], dtype=str, keep_default_na=False)
        for column in ("paid_hours", "overtime_hours"):
            shifts[column] = pd.to_numeric(shifts[column])
        segments = pd.read_csv(needed[1], dtype=str, keep_default_na=False)
        segments["queue"] = segments["queue"].replace("", None)
        kpis = json.loads(needed[2].read_text())
        # The run's days from kpis.json, else the days its shifts start on.
        days = horizon_days(kpis) or sorted({dt.date.fromisoformat(d) for d in shifts["date"]})
        for frame, columns in ((shifts, ("shift_start", "shift_end")), (segments, ("start", "end"))):
            for column in columns:
                pd.to_datetime(frame[column])
    except (OSError, ValueError, KeyError, TypeError, AttributeError, pd.errors.ParserError) as exc:
        # A hand-edited or damaged run file is bad input, not a bug.
        what = f"missing column {exc}" if isinstance(exc, KeyError) else str(exc)
        raise ExportError(
            f"{run_folder} cannot be read as a run folder ({what}); give a folder written by `wfm run`"
        ) from None
    note = ""
    if agent is not None:
        # The Roster sheet lists every agent of the run, shifts or not.
        known = read_roster_agents(run_folder) | set(shifts["agent_id"]) | set(segments["agent_id"])
        if agent not in known:
            raise ExportError(unknown_agent(agent, known, run_folder))
        shifts = shifts[shifts["agent_id"] == agent]
        segments = segments[segments["agent_id"] == agent]
        if shifts.empty:
            note = f"; {agent} has no shifts in this run"
    if "reason" not in segments.columns:  # a run written before assignments.csv had reasons
        segments = segments.assign(reason="")
    target = out_file or export_path(run_folder, agent, fmt)
    week = agent_week_table(shifts, segments, days) if agent is not None else None
    if fmt == "json":
        document = {
            "run": run_folder.name,
            "kpis": kpis,
            "shifts": json.loads(shifts.to_json(orient="records")),
            "activities": json.loads(segments.to_json(orient="records")),
        }
        if week is not None:
            document["week"] = json.loads(week.to_json(orient="records"))
        atomic_write_text(target, json.dumps(document, indent=2) + "\n")
    elif fmt == "csv":
        atomic_write_text(target, segments.to_csv(index=False))
    else:
        for frame, columns in ((shifts, ("shift_start", "shift_end")), (segments, ("start", "end"))):
            for column in columns:
                frame[column] = pd.to_datetime(frame[column])
        tables = [("Shifts", shifts), ("Activities", segments)]
        title = None
        if week is not None:
            tables.insert(0, ("Week", week))
            title = f"Plan for {agent}, run {run_folder.name}"
        write_tables_xlsx(target, tables, title=title)
    return Exported(target, len(shifts), len(segments), note)


# An agent id used as it is in a file name: letters, digits, '.', '_' and '-', not starting with '.' or '-'.
_SAFE_ID = re.compile(r"[A-Za-z0-9_][A-Za-z0-9._-]{0,63}")


def export_path(run_folder: Path, agent: str | None, fmt: str) -> Path:
    """RUN/plan.FMT, or RUN/plan_<agent>.FMT: an id outside the safe characters (a '/', '..', a space) is
    never a path; it becomes its safe characters plus a hash of the whole id, and the file stays in RUN."""
    stem = "plan"
    if agent is not None:
        if _SAFE_ID.fullmatch(agent):
            stem = f"plan_{agent}"
        else:
            safe = re.sub(r"[^A-Za-z0-9_-]+", "_", agent).strip("_")[:40]
            stem = "_".join(["plan", *([safe] if safe else []), hashlib.sha256(agent.encode()).hexdigest()[:8]])
    target = run_folder / f"{stem}.{fmt}"
    if target.resolve().parent != run_folder.resolve():  # e.g. a symlink planted in the run folder
        raise ExportError(f"{target} leads outside {run_folder}; give the file with --out")
    return target


def unknown_agent(agent: str, known: set[str], run_folder: Path) -> str:
    """'unknown agent 'a0042' in RUN; did you mean A0042?': the same id but for case and look-alike characters
    (O for 0, l or I for 1) first, else the closest ones."""

    def folded(text: str) -> str:
        return text.casefold().translate(str.maketrans("oil", "011"))

    by_folded = {folded(k): k for k in sorted(known)}
    if folded(agent) in by_folded:
        matches = [by_folded[folded(agent)]]
    else:
        matches = [by_folded[m] for m in difflib.get_close_matches(folded(agent), list(by_folded), n=3)]
    message = f"unknown agent {agent!r} in {run_folder}"
    if matches:
        return f"{message}; did you mean {' or '.join(matches)}?"
    if known:
        first, last = min(known), max(known)
        return f"{message}: its {len(known)} agents are {first} to {last}"
    return f"{message}: it plans no agents"
