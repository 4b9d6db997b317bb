"""Writers that leave either the old file (folder) or the complete new one, never a half-written one.

A nightly run killed mid-write, or a planner opening roster.xlsx while it is written, must never see a
truncated file: everything is written to a temporary sibling, flushed to disk, then renamed into place
(a rename within one directory is atomic on POSIX and on Windows via os.replace).
"""

from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
import uuid
from collections.abc import Iterator
from pathlib import Path

from wfm.faults import kill_point

__all__ = ["atomic_directory", "atomic_write_bytes", "atomic_write_text", "fsync_directory"]


def _current_umask() -> int:
    # os.umask can only be read by setting it; do it once at import, before any worker threads exist.
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


_UMASK = _current_umask()


def fsync_directory(directory: Path) -> None:
    """Make a rename durable. Windows cannot open a directory for fsync; it has no need to."""
    if os.name != "posix":
        return
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def atomic_write_bytes(path: Path, data: bytes) -> None:
    """Write `data` to `path` so that readers see the old content or all of the new, nothing in between."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, temp_name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    temp = Path(temp_name)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        # mkstemp creates the file private (0600); give it the permissions a plain open() would have.
        os.chmod(temp, 0o666 & ~_UMASK)
        os.replace(temp, path)
    except BaseException:
        temp.unlink(missing_ok=True)
        raise
    fsync_directory(path.parent)


def atomic_write_text(path: Path, text: str, encoding: str = "utf-8") -> None:
    """`atomic_write_bytes` for text; newlines are written as given (no platform translation)."""
    atomic_write_bytes(path, text.encode(encoding))


def _fsync_tree(root: Path) -> None:
    for directory, _, files in os.walk(root):
        for name in files:
            fd = os.open(Path(directory) / name, os.O_RDONLY)
            try:
                os.fsync(fd)
            finally:
                os.close(fd)
        fsync_directory(Path(directory))


@contextlib.contextmanager
def atomic_directory(final_dir: Path) -> Iterator[Path]:
    """Build a folder in a temporary sibling and swap it into place only if the block finishes.

    On an exception the temporary folder is removed and `final_dir` is untouched. On success an existing
    `final_dir` is first renamed aside, the new folder renamed into place, then the old one deleted: a crash
    at any moment leaves the old or the new complete folder (the old one possibly under its hidden
    `.name.old-*` name), never a mixture.
    """
    final_dir = Path(final_dir)
    final_dir.parent.mkdir(parents=True, exist_ok=True)
    temp = Path(tempfile.mkdtemp(dir=final_dir.parent, prefix=f".{final_dir.name}.tmp-"))
    try:
        os.chmod(temp, 0o777 & ~_UMASK)
        yield temp
        _fsync_tree(temp)
    except BaseException:
        shutil.rmtree(temp, ignore_errors=True)
        raise

    kill_point("atomic_directory:staged")
    old: Path | None = None
    # An empty folder (a name reserved for this write) is replaced by the rename itself: no moment without it.
    if final_dir.exists() and not _empty_directory(final_dir):
        old = final_dir.with_name(f".{final_dir.name}.old-{uuid.uuid4().hex[:8]}")
        os.rename(final_dir, old)
    try:
        os.rename(temp, final_dir)
    except BaseException:
        if old is not None:
            os.rename(old, final_dir)
        shutil.rmtree(temp, ignore_errors=True)
        raise
    fsync_directory(final_dir.parent)
    kill_point("atomic_directory:placed")
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)


def _empty_directory(path: Path) -> bool:
    return path.is_dir() and not path.is_symlink() and next(path.iterdir(), None) is None
