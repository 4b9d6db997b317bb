"""A small generated operation planned by `wfm run`, for the commands that work on a finished run folder."""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from wfm.cli import app
from wfm.demo import generate_operation


def tiny_run(root: Path) -> tuple[Path, Path]:
    """20 agents, 3 queues, Mon 2 and Tue 3 March 2026 planned (seed 7, 2 s): (scenario folder, run folder)."""
    folder = root / "scenario"
    generate_operation(folder, agents=20, queues=3, weeks_history=3, horizon_days=2)
    ran = CliRunner().invoke(app, ["run", str(folder), "--out", str(root / "out"), "--seed", "7", "--time-limit",
                                   "2", "--quiet"])  # fmt: skip
    assert ran.exit_code == 0, ran.output
    return folder, root / "out" / "2026-03-02"
