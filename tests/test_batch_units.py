"""The nightly job's parts on their own: the store, the inbox's filing, publishing and the lock."""

from __future__ import annotations

import datetime as dt
import json
import os
from pathlib import Path

import pandas as pd
import pytest

from wfm.batch.inbox import InboxReport, ingest_inbox
from wfm.batch.nightly import site_lock
from wfm.batch.run_folders import _point_latest, _remove_leftovers
from wfm.batch.store import HistoryStore
from wfm.io import load_site

SAMPLE = Path(__file__).resolve().parents[1] / "data" / "sample"


def rows(volume: float, aht: float | None = 300.0) -> pd.DataFrame:
    return pd.DataFrame(
        {"interval_start": ["2026-03-02T08:00:00", "2026-03-02T08:15:00"], "queue": ["chat", "chat"],
         "volume": [volume, volume], "aht_seconds": [aht, aht]}
    )  # fmt: skip


def ingest_sample(inbox: Path, store: HistoryStore, last_day: dt.date) -> InboxReport:
    """The inbox ingested for the sample site, accepting rows from 2025-01-01 to `last_day`."""
    return ingest_inbox(inbox, store, SAMPLE / "site.toml", load_site(SAMPLE), (dt.date(2025, 1, 1), last_day))


def test_a_later_export_wins_and_the_replaced_values_are_audited_once(tmp_path: Path) -> None:
    with HistoryStore(tmp_path / "h.sqlite") as store:
        assert store.ingest(rows(5), source="a.csv").changed == 2
        again = store.ingest(rows(5), source="a-again.csv")
        assert (again.changed, again.replaced, store.audit_rows()) == (0, 0, 0)  # the same values change nothing
        corrected = store.ingest(rows(6), source="b.csv")
        assert (corrected.changed, corrected.replaced, store.audit_rows()) == (2, 2, 2)
        assert store.history()["volume"].tolist() == [6.0, 6.0]


def test_a_volume_only_export_keeps_the_stored_handle_time(tmp_path: Path) -> None:
    with HistoryStore(tmp_path / "h.sqlite") as store:
        store.ingest(rows(5, 300.0), source="a.csv")
        assert store.ingest(rows(5, None), source="volumes.csv").changed == 0
        assert store.history()["aht_seconds"].tolist() == [300.0, 300.0]


def test_a_file_the_loader_cannot_parse_is_rejected_not_raised(tmp_path: Path) -> None:
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    (inbox / "chat_0302.csv").write_text("interval_start,volume\n2026-02-30T08:00:00,5\n")
    (inbox / "old.csv").write_text("interval_start,queue,volume\n1999-03-02T08:00:00,chat,5\n")
    with HistoryStore(tmp_path / "h.sqlite") as store:
        report = ingest_sample(inbox, store, dt.date(2026, 3, 3))
        assert store.rows() == 0
    assert sorted(name for name, _, _ in report.rejected) == ["chat_0302.csv", "old.csv"]
    assert all(error_file.exists() for _, _, error_file in report.rejected)
    assert "outside 2025-01-01 to 2026-03-03" in (inbox / "rejected" / "old.csv.error.txt").read_text()
    assert not list(inbox.glob("*.csv"))


def test_a_run_killed_between_the_two_renames_of_publishing_gets_its_old_folder_back(tmp_path: Path) -> None:
    old = tmp_path / ".2026-03-02.old-1a2b3c4d"
    old.mkdir()
    (old / "manifest.json").write_text("{}")
    staging = tmp_path / ".2026-03-02.tmp-xyz"
    staging.mkdir()
    _remove_leftovers(tmp_path, lambda _: None)  # type: ignore[arg-type]
    assert (tmp_path / "2026-03-02" / "manifest.json").exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["2026-03-02"]


def test_latest_only_moves_forward(tmp_path: Path) -> None:
    for name in ("2026-03-01", "2026-03-02"):
        (tmp_path / name).mkdir()
    _point_latest(tmp_path, tmp_path / "2026-03-02")
    _point_latest(tmp_path, tmp_path / "2026-03-01")  # an earlier night re-run
    assert os.readlink(tmp_path / "latest") == "2026-03-02"


def test_a_lock_file_is_left_empty_after_a_failed_run(tmp_path: Path) -> None:
    lock = tmp_path / ".lock"
    try:
        with site_lock(lock, lambda _: None):  # type: ignore[arg-type]
            raise RuntimeError("the night failed")
    except RuntimeError:
        pass
    assert lock.read_text() == ""  # the next run does not mistake it for a crashed run's


def test_status_lists_runs_newest_first_and_only_unpruned_nights_without_a_run_as_failed(tmp_path: Path) -> None:
    from wfm.batch.config import BatchConfig, SiteJob
    from wfm.batch.nightly import recent_runs

    root = tmp_path / "schedules" / "s1"
    (root / "logs").mkdir(parents=True)
    for night in ("2026-03-01", "2026-03-02", "2026-03-03", "2026-03-04"):
        (root / "logs" / f"{night}.log").write_text("...")
    for night, exit_code in (("2026-03-02", 0), ("2026-03-04", 1)):  # 03-01 pruned, 03-03 failed
        (root / night).mkdir()
        manifest = {
            "status": "FEASIBLE",
            "batch": {"exit_code": exit_code, "warnings": [], "batch_seconds": {"total": 9}},
        }
        (root / night / "manifest.json").write_text(json.dumps(manifest))
        (root / night / "kpis.json").write_text('{"overall": {"service_level": 0.9, "overtime_hours": 1.5}}')
    _point_latest(root, root / "2026-03-04")
    config = BatchConfig.model_validate(
        {"batch": {"schedules": tmp_path / "schedules"}, "sites": [{"name": "s1", "scenario": "x", "inbox": "y"}]}
    )
    assert isinstance(config.sites[0], SiteJob)
    rows = recent_runs(config)
    assert [(r["run"], r.get("latest"), r.get("exit_code")) for r in rows if "failed_log" not in r] == [
        ("2026-03-04", True, 1),
        ("2026-03-02", False, 0),
    ]
    assert [r["run"] for r in rows if "failed_log" in r] == ["2026-03-03"]


def test_an_export_dated_after_the_scenarios_own_horizon_is_loaded(tmp_path: Path) -> None:
    # site.toml's [horizon] ends on 2026-03-09; the nightly job plans later weeks from the same site.toml, so an
    # export of 2026-03-10 is tonight's actuals, not a year typo (the inbox checks dates against the night).
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    (inbox / "chat_2026-03-10.csv").write_text("interval_start,volume\n2026-03-10T08:00:00,5\n2026-03-10T08:15:00,6\n")
    with HistoryStore(tmp_path / "h.sqlite") as store:
        report = ingest_sample(inbox, store, dt.date(2026, 3, 11))
        assert report.rejected == [] and store.rows() == 2


def test_a_european_export_with_semicolons_and_decimal_commas_is_loaded(tmp_path: Path) -> None:
    # Issue 15 case 3: a ';' export was rejected as "has no 'queue' column"; its decimal commas are read as such.
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    (inbox / "chat_0302.csv").write_text("interval_start;volume;aht_seconds\n2026-03-02T08:00:00;5;329,5\n")
    (inbox / "all.csv").write_text("interval_start;queue;volume;aht_seconds\n2026-03-02T08:15:00;chat;6;310,25\n")
    with HistoryStore(tmp_path / "h.sqlite") as store:
        report = ingest_sample(inbox, store, dt.date(2026, 3, 3))
        assert report.rejected == []
        assert store.history()["aht_seconds"].tolist() == [329.5, 310.25]


def test_an_export_with_a_quoted_header_or_a_value_too_many_is_read_or_named(tmp_path: Path) -> None:
    # A quoted header was rejected ("has no 'queue' column"); a queue-less export with a value too many in its first
    # row shifted every column ("'1' is not a date" on every row) and never named the row.
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    (inbox / "quoted.csv").write_text('"interval_start","queue","volume"\n"2026-03-02T08:00:00","chat","5"\n')
    (inbox / "chat_0302.csv").write_text("interval_start,volume,aht_seconds\n2026-03-02T08:15:00,1,234,300\n")
    (inbox / "bad_row.csv").write_text("interval_start,queue,volume\n2026-03-02T08:30:00,chat,abc\n")
    with HistoryStore(tmp_path / "h.sqlite") as store:
        report = ingest_sample(inbox, store, dt.date(2026, 3, 3))
        assert store.history()["volume"].tolist() == [5.0]
    rejected = {name: why for name, why, _ in report.rejected}
    assert set(rejected) == {"chat_0302.csv", "bad_row.csv"}
    assert "chat_0302.csv, row 2: this row has 4 values but the header row has 3 columns" in rejected["chat_0302.csv"]
    assert "--skip-bad-rows" not in rejected["bad_row.csv"]
    assert "an export is loaded whole or not at all" in rejected["bad_row.csv"]


def test_retention_hides_a_run_before_deleting_it_and_the_next_night_removes_what_a_kill_left(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Issue 16 case 2: a kill during retention left a visible run folder without manifest.json for ever.
    from wfm.batch import run_folders

    for name in ("2026-03-01", "2026-03-02", "2026-03-03"):
        (tmp_path / name).mkdir()
        (tmp_path / name / "manifest.json").write_text("{}")
    _point_latest(tmp_path, tmp_path / "2026-03-03")
    deleted: list[str] = []
    monkeypatch.setattr(run_folders.shutil, "rmtree", lambda path, **_: deleted.append(Path(path).name))  # killed
    run_folders._keep_recent(tmp_path, dt.date(2026, 3, 3), 2, lambda _: None)  # type: ignore[arg-type]
    assert [name.split(".deleting-")[0] for name in deleted] == [".2026-03-01"]  # hidden before deleting
    assert sorted(p.name for p in tmp_path.iterdir() if not p.name.startswith(".")) == [
        "2026-03-02", "2026-03-03", "latest",
    ]  # fmt: skip
    monkeypatch.undo()

    (tmp_path / "2026-02-28").mkdir()  # what the old, visible deletion left when killed
    (tmp_path / "2026-02-28" / "coverage.csv").write_text("x")
    (tmp_path / "logs").mkdir()
    _remove_leftovers(tmp_path, lambda _: None)  # type: ignore[arg-type]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["2026-03-02", "2026-03-03", "latest", "logs"]
