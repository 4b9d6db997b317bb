"""Atomic writers: readers see the old or the complete new file/folder, never a half-written one."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from wfm.io import atomic_directory, atomic_write_bytes, atomic_write_text


def siblings(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir())


def test_write_text_creates_and_replaces_without_leftovers(tmp_path: Path) -> None:
    target = tmp_path / "out" / "kpis.json"  # the parent folder is created

    atomic_write_text(target, '{"service_level": 0.8}\n')
    atomic_write_text(target, '{"service_level": 0.82}\n')

    assert target.read_text() == '{"service_level": 0.82}\n'
    assert siblings(target.parent) == ["kpis.json"]


def test_write_bytes_gives_ordinary_file_permissions(tmp_path: Path) -> None:
    target = tmp_path / "roster.xlsx"
    atomic_write_bytes(target, b"PK\x03\x04")

    assert target.read_bytes() == b"PK\x03\x04"
    mask = os.umask(0o022)
    os.umask(mask)
    assert stat.S_IMODE(target.stat().st_mode) == 0o666 & ~mask  # not the 0600 of a temp file


def test_failed_write_keeps_the_old_file(tmp_path: Path) -> None:
    target = tmp_path / "coverage.csv"
    atomic_write_text(target, "old\n")

    with pytest.raises(TypeError):
        atomic_write_bytes(target, "not bytes")  # type: ignore[arg-type]

    assert target.read_text() == "old\n"
    assert siblings(tmp_path) == ["coverage.csv"]


def test_directory_appears_complete_on_success(tmp_path: Path) -> None:
    final = tmp_path / "schedules" / "2026-03-02"

    with atomic_directory(final) as work:
        assert work.parent == final.parent and work != final
        assert not final.exists()  # nothing visible while the run is being written
        (work / "shifts.csv").write_text("agent_id,date\n")
        (work / "detail").mkdir()
        (work / "detail" / "kpis.json").write_text("{}")

    assert sorted(p.relative_to(final).as_posix() for p in final.rglob("*")) == [
        "detail",
        "detail/kpis.json",
        "shifts.csv",
    ]
    assert siblings(final.parent) == ["2026-03-02"]


def test_directory_replaces_the_previous_run(tmp_path: Path) -> None:
    final = tmp_path / "run"
    with atomic_directory(final) as work:
        (work / "old.csv").write_text("old")

    with atomic_directory(final) as work:
        (work / "new.csv").write_text("new")

    assert siblings(final) == ["new.csv"]  # a replacement, not a merge
    assert siblings(tmp_path) == ["run"]  # the moved-aside old folder is gone


def test_exception_inside_keeps_the_previous_folder_and_leaves_no_temp(tmp_path: Path) -> None:
    final = tmp_path / "run"
    with atomic_directory(final) as work:
        (work / "roster.xlsx").write_bytes(b"complete")

    with pytest.raises(RuntimeError, match="solver crashed"), atomic_directory(final) as work:
        (work / "roster.xlsx").write_bytes(b"half")
        raise RuntimeError("solver crashed")

    assert (final / "roster.xlsx").read_bytes() == b"complete"
    assert siblings(tmp_path) == ["run"]


def test_exception_on_first_run_leaves_nothing(tmp_path: Path) -> None:
    with pytest.raises(ValueError), atomic_directory(tmp_path / "run") as work:
        (work / "partial.csv").write_text("x")
        raise ValueError("bad input")

    assert siblings(tmp_path) == []
