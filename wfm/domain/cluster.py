"""`[cluster]` of batch.toml, a what-if file or capacity.toml: where independent tasks run (wfm.cluster)."""

from __future__ import annotations

import re

from pydantic import BaseModel, ConfigDict, field_validator

# The transports a Dask scheduler listens on over a network, with a host and a numeric port.
_ADDRESS = re.compile(r"(tcp|tls)://(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9][A-Za-z0-9.-]*):([0-9]{1,5})")


class ClusterSettings(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")
    # A Dask distributed scheduler, e.g. "tcp://planner-01:8786"; none: this machine.
    address: str | None = None

    @field_validator("address")
    @classmethod
    def _scheduler_address(cls, value: str | None) -> str | None:
        if value is None:
            return None
        match = _ADDRESS.fullmatch(value.strip())
        if not match or not 0 < int(match.group(3)) < 65536:
            raise ValueError(f"{value!r} is not a scheduler address; write it as tcp://host:8786 (or tls://)")
        return value.strip()
