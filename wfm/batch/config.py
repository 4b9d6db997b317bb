"""batch.toml: which sites the nightly job plans, where their files live, and how it runs.

    [batch]
    schedules = "schedules"     # run folders: <schedules>/<site>/<run date>/, and <schedules>/<site>/latest
    max_workers = 2             # sites planned in parallel processes
    keep_runs = 14              # nights kept per site, the newest run of each (`latest` is never removed)
    freeze_days = 2             # the next days of the previous plan are kept exactly as published
    time_limit_seconds = 60
    deterministic = true        # same inputs, same plan (a night run twice changes nothing)
    seed = 7
    max_history_age_days = 7    # warn (exit 1) when the newest history is older than this on the night
    store_backups = 3           # <store>.<night>.bak copies kept, each taken before a night's ingest
    bias_warning = 0.10         # warn when a queue's published forecasts ran 10 % high or low ...
    bias_days = 7               # ... over the last 7 days (wfm accuracy shows the trend)

    [cluster]                   # optional: plan the sites on a Dask cluster (docs/cluster.md)
    address = "tcp://planner-01:8786"

    [[sites]]
    name = "northbridge"
    scenario = "data/sample"    # site.toml, staff.csv, ... (its history.csv seeds an empty store)
    inbox = "inbox/northbridge" # new history exports; processed/ and rejected/ are made inside it
    # store = "schedules/northbridge/history.sqlite"   (the default)
    # requests_inbox = "inbox/northbridge/requests"     (the default: time off and swaps, as `wfm requests` reads)
    # horizon_days = 7                                   (default: site.toml's)
    # max_history_age_days = 7                           (default: [batch]'s)

Relative paths are read from the folder of batch.toml.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, field_validator

from wfm.domain.cluster import ClusterSettings
from wfm.io.errors import Problem, ScenarioError, read_toml, validated


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class SiteJob(_Frozen):
    name: str = Field(min_length=1)
    scenario: Path
    inbox: Path
    store: Path | None = None
    # Time-off requests and shift swaps to decide each night (default: <inbox>/requests).
    requests_inbox: Path | None = None
    horizon_days: Annotated[int, Field(ge=1, le=56)] | None = None
    max_history_age_days: Annotated[int, Field(ge=1, le=3660)] | None = None

    @field_validator("name")
    @classmethod
    def _folder_name(cls, value: str) -> str:
        if not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9_.-]*", value):
            raise ValueError("a site name is a folder name: letters, digits, '_', '-', '.' (e.g. northbridge)")
        return value


class BatchSettings(_Frozen):
    schedules: Path = Path("schedules")
    max_workers: Annotated[int, Field(ge=1, le=64)] = 2
    keep_runs: Annotated[int, Field(ge=2)] = 14  # at least tonight's and the one it froze against
    freeze_days: Annotated[int, Field(ge=0, le=14)] = 2
    time_limit_seconds: Annotated[float, Field(gt=0)] = 60.0
    deterministic: bool = True
    seed: int = 7
    workers: Annotated[int, Field(ge=1)] | None = None  # CP-SAT workers per site (default: site.toml's)
    # the newest history older than this many days before the night: the night warns (the exports stopped?)
    max_history_age_days: Annotated[int, Field(ge=1, le=3660)] = 7
    store_backups: Annotated[int, Field(ge=1, le=366)] = 3  # <store>.<night>.bak files kept beside the store
    # The night warns when a queue's published forecasts ran further above or below the actual volume than this
    # share over the last `bias_days` days (wfm accuracy shows the trend).
    bias_warning: Annotated[float, Field(gt=0, le=10)] = 0.10
    bias_days: Annotated[int, Field(ge=1, le=366)] = 7


class BatchConfig(_Frozen):
    batch: BatchSettings = BatchSettings()
    cluster: ClusterSettings = ClusterSettings()
    sites: tuple[SiteJob, ...] = Field(min_length=1)

    def store_of(self, site: SiteJob) -> Path:
        return site.store or self.batch.schedules / site.name / "history.sqlite"

    def max_history_age_of(self, site: SiteJob) -> int:
        return site.max_history_age_days or self.batch.max_history_age_days


def load_batch_config(path: Path) -> BatchConfig:
    """Read batch.toml; every problem is reported as file, key and what to do (never a traceback)."""
    path = Path(path)
    label = path.name
    raw = read_toml(path)
    config = validated(BatchConfig, raw, label)
    base = path.resolve().parent

    def resolved(value: Path) -> Path:
        return value if value.is_absolute() else base / value

    names = [s.name for s in config.sites]
    duplicated = sorted({n for n in names if names.count(n) > 1})
    if duplicated:
        raise ScenarioError(
            [
                Problem(
                    label,
                    None,
                    None,
                    None,
                    f"site names must differ; repeated: {', '.join(duplicated)}",
                    section="[[sites]] name",
                )
            ]
        )
    sites = tuple(
        site.model_copy(
            update={
                "scenario": resolved(site.scenario),
                "inbox": resolved(site.inbox),
                "store": resolved(site.store) if site.store else None,
                "requests_inbox": resolved(site.requests_inbox)
                if site.requests_inbox
                else resolved(site.inbox) / "requests",
            }
        )
        for site in config.sites
    )
    batch = config.batch.model_copy(update={"schedules": resolved(config.batch.schedules)})
    return BatchConfig(batch=batch, cluster=config.cluster, sites=sites)
