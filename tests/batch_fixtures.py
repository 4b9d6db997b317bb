"""The small generated site the nightly job's tests run on: 20 agents, 3 queues, 4 weeks of history ending on
Sat 28 Feb 2026, and a batch.toml with relative paths (a copy of the folder is self-contained)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from wfm.batch.config import load_batch_config
from wfm.batch.nightly import SiteOutcome, run_site
from wfm.demo import generate_operation

SITE = "tiny"


def tiny_site(root: Path, *, horizon_days: int, settings: str) -> Path:
    """Write the site and its batch.toml under `root`; `settings` are extra [batch] lines."""
    generate_operation(root / "site", agents=20, queues=3, weeks_history=4)
    (root / "inbox").mkdir()
    (root / "batch.toml").write_text(
        f'[batch]\nschedules = "schedules"\n{settings}\n\n'
        f'[[sites]]\nname = "{SITE}"\nscenario = "site"\ninbox = "inbox"\nhorizon_days = {horizon_days}\n'
    )
    return root


def run_night(root: Path, day: dt.date, reseed: bool = False) -> SiteOutcome:
    config = load_batch_config(root / "batch.toml")
    return run_site(config, config.sites[0], day, ["test"], reseed=reseed)
