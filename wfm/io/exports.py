"""History-format files other than history.csv (the nightly inbox's exports, intraday actuals), checked with
history.csv's rules and loaded whole or not at all."""

from __future__ import annotations

import dataclasses
import shutil
import tempfile
from pathlib import Path

import pandas as pd

from wfm.domain import Site
from wfm.io.errors import Problem, ScenarioError
from wfm.io.history import AFTER_THE_HORIZON
from wfm.io.scenario import load_forecast_inputs
from wfm.io.sources import read_text_table


def read_history_export(path: Path, site_toml: Path, site: Site, *, all_or_nothing: str) -> pd.DataFrame:
    """A file in the history format (`interval_start, queue, volume[, aht_seconds]`; an export of one queue may
    leave out `queue` when its name starts with the queue id) as history rows, checked like history.csv but all
    or nothing: any row-level problem is an error. Raises ScenarioError naming this file; `all_or_nothing` is the
    hint for a row history.csv would have skipped."""
    with tempfile.TemporaryDirectory() as folder:
        staged = Path(folder)
        shutil.copy(site_toml, staged / "site.toml")
        frame, separator = read_text_table(path)  # a quoted header, ';' separators, a row with a value too many
        if frame.empty and {"interval_start", "volume"} <= set(frame.columns):
            # a header and no rows: a quiet day (a queue closed on Sundays) is filed, nothing to load
            return pd.DataFrame(columns=["interval_start", "queue", "volume", "aht_seconds", "fold"])
        if len(frame.columns) and "queue" not in frame.columns:
            # the longest id that starts the name: "chat_vip_0302.csv" is chat_vip's, not chat's
            ids = sorted((q.id for q in site.queues), key=len, reverse=True)
            queue = next((q for q in ids if path.stem.startswith(q)), None)
            if queue is None:
                raise ScenarioError([_problem(path, "has no 'queue' column and its name does not start with a queue "
                                              f"id ({', '.join(q.id for q in site.queues)})")])  # fmt: skip
            frame.insert(1, "queue", queue)
            frame.to_csv(staged / "history.csv", index=False, sep=separator)
        else:
            shutil.copy(path, staged / "history.csv")
        try:
            inputs = load_forecast_inputs(staged)
        except ScenarioError as error:
            raise ScenarioError(
                [dataclasses.replace(p, file=path.name, hint=all_or_nothing if "--skip-bad-rows" in p.hint else p.hint)
                 if p.file == "history.csv" else p
                 for p in error.problems]
            ) from None  # fmt: skip
    # history.csv drops a bad row with a warning and forecasts from the rest; an export is all or nothing, so a
    # row-level warning (a value that is not a number, a duplicate interval, an implausible volume...) rejects
    # the file. Rows after site.toml's [horizon] are the exception: the night moves the horizon past them, and
    # `ingest_inbox` checks the export's dates against the night itself.
    dropped = [
        w
        for w in inputs.warnings
        if ", row " in w.split(":", 1)[0] and f"{AFTER_THE_HORIZON} ({site.horizon.end})" not in w
    ]
    if dropped:
        raise ScenarioError([Problem(path.name, None, None, None, w.removeprefix("history.csv, ")) for w in dropped])
    return inputs.history


def _problem(path: Path, text: str) -> Problem:
    return Problem(path.name, None, None, None, text)
