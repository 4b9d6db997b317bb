"""The nightly job's requests inbox (issue 22): requests dropped in <inbox>/requests are decided against the plan
published the night before, filed with their decisions, and approved time off is kept by every later re-plan; and,
on the same nights, each published forecast kept and scored by `wfm accuracy` once its day has actuals."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pandas as pd
import pytest
from batch_fixtures import SITE, run_night, tiny_site
from openpyxl import load_workbook
from typer.testing import CliRunner

from wfm.batch.request_inbox import approved_time_off
from wfm.batch.store import HistoryStore
from wfm.cli import app


def test_a_night_decides_the_requests_inbox_and_its_re_plan_keeps_the_approved_time_off(tmp_path: Path) -> None:
    root = tiny_site(tmp_path, horizon_days=2, settings="time_limit_seconds = 1\ndeterministic = false")
    # Allowances wide open: the decisions rest on the rules alone.
    with (root / "site" / "site.toml").open("a") as toml:
        toml.write("\n[requests]\nservice_level_drop = 1.0\nitems_late = 100000\n")
    first = run_night(root, dt.date(2026, 2, 28))  # plans Sun 1 and Mon 2 March
    assert first.folder is not None
    shifts = pd.read_csv(first.folder / "shifts.csv")
    training = set(pd.read_csv(root / "site" / "fixed_activities.csv")["agent_id"])
    monday = sorted(set(shifts.loc[shifts["date"] == "2026-03-02", "agent_id"]) - training)
    who = monday[0]
    inbox = root / "inbox" / "requests"
    inbox.mkdir()
    (inbox / "week10.csv").write_text(f"kind,agent_id,date,reason\ntime_off,{who},2026-03-02,wedding\n")
    (inbox / "broken.csv").write_text("kind,agent_id,date\nholiday,nobody,2026-03-02\n")

    second = run_night(root, dt.date(2026, 3, 1))  # plans Mon 2 and Tue 3, Monday kept as published
    assert second.folder is not None, second.summary
    decisions = pd.read_csv(inbox / "processed" / "week10.decisions.csv")
    assert decisions[["agent_id", "decision"]].values.tolist() == [[who, "approved"]]
    assert (inbox / "rejected" / "broken.csv.error.txt").is_file()
    assert any("rejected requests file broken.csv" in w for w in second.warnings)
    tonight = pd.read_csv(second.folder / "shifts.csv")
    assert not ((tonight["agent_id"] == who) & (tonight["date"] == "2026-03-02")).any()
    assignments = pd.read_csv(second.folder / "assignments.csv")
    assert ((assignments["agent_id"] == who) & (assignments["reason"] == "wedding")).any()
    [kept] = approved_time_off(next(root.rglob("*.sqlite")))
    assert (kept.agent_id, kept.start, kept.reason) == (who, dt.datetime(2026, 3, 2), "wedding")
    assert not list(inbox.glob("*.csv"))
    assert SITE in str(second.folder)

    # Each night kept its forecast; Tuesday's actuals come in 10 % above the second night's forecast.
    with HistoryStore(next(root.rglob("*.sqlite"))) as store:
        kept = store.published_forecasts()
        assert set(kept["night"]) == {dt.date(2026, 2, 28), dt.date(2026, 3, 1)}
        tuesday = kept[(kept["night"] == dt.date(2026, 3, 1)) & (kept["interval_start"].dt.date == dt.date(2026, 3, 3))]
        store.ingest(tuesday.assign(volume=tuesday["volume"] * 1.1, aht_seconds=float("nan"))[
            ["interval_start", "queue", "volume", "aht_seconds", "fold"]], source="test")  # fmt: skip
    result = CliRunner().invoke(app, ["accuracy", "--config", str(root / "batch.toml")])
    assert result.exit_code == 0, result.output
    weekly = pd.read_csv(root / "schedules" / SITE / "accuracy" / "accuracy_weekly.csv")
    busy = weekly[weekly["actual"] > 0]
    assert not busy.empty
    # Forecast = actual / 1.1 everywhere: bias -1/11, WAPE 1/11.
    assert busy["bias"].tolist() == pytest.approx([-1 / 11] * len(busy), abs=1e-4)
    assert busy["wape"].tolist() == pytest.approx([1 / 11] * len(busy), abs=1e-4)
    assert load_workbook(root / "schedules" / SITE / "accuracy" / "accuracy.xlsx").sheetnames == ["Accuracy", "Daily"]
