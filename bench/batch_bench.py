"""Nightly batch benchmark: one night of the bundled sample site, and the ingest of a million history rows.

    .venv/bin/python bench/batch_bench.py                 # both
    .venv/bin/python bench/batch_bench.py --rows 1000000 --skip-night

The night runs `wfm batch run` with the documented defaults (60 s solver limit, deterministic, 7-day horizon,
freeze window 2 days) twice in a row on a fresh store: the first night seeds the store and publishes, the second
ingests a day of actuals and re-plans with the first night's days frozen. The ingest drops one CSV of `--rows`
rows (every queue of the sample, 15-minute intervals, going back as many days as it takes) into an inbox and
times checking, loading and filing it.
"""

from __future__ import annotations

import argparse
import datetime as dt
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

from wfm.batch.inbox import ingest_inbox
from wfm.batch.store import HistoryStore
from wfm.io import load_site

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "data" / "sample"


def night(folder: Path) -> list[tuple[str, float, int]]:
    config = folder / "batch.toml"
    config.write_text(
        f'[batch]\nschedules = "schedules"\n\n[[sites]]\nname = "northbridge"\nscenario = "{SAMPLE.as_posix()}"\n'
        'inbox = "inbox"\n'
    )
    (folder / "inbox").mkdir()
    timings = []
    for date in ("2026-03-01", "2026-03-02"):
        if date == "2026-03-02":
            history = pd.read_csv(SAMPLE / "history.csv")
            day = history[history["interval_start"].str.startswith("2026-02-23")].copy()
            day["interval_start"] = day["interval_start"].str.replace("2026-02-23", "2026-03-02")
            day.to_csv(folder / "inbox" / "actuals_2026-03-02.csv", index=False)
        began = time.monotonic()
        done = subprocess.run(
            [sys.executable, "-c", "from wfm.cli import main; main()", "batch", "run", "--config", str(config),
             "--date", date],
            capture_output=True, text=True,
        )  # fmt: skip
        timings.append((date, time.monotonic() - began, done.returncode))
        print(done.stdout.strip() or done.stderr.strip())
    return timings


def ingest(folder: Path, rows: int) -> tuple[float, int]:
    site = load_site(SAMPLE)
    queues = [q.id for q in site.queues]
    intervals = -(-rows // len(queues))
    # Real site-local clock times: the spring-forward hour does not exist, the fall-back hour comes twice.
    end = pd.Timestamp("2026-03-01", tz=site.timezone)
    starts = pd.date_range(end=end - pd.Timedelta(minutes=15), periods=intervals, freq="15min").tz_localize(None)
    rng = np.random.default_rng(7)
    frame = pd.DataFrame(
        {
            "interval_start": np.repeat(starts.strftime("%Y-%m-%dT%H:%M:%S"), len(queues))[:rows],
            "queue": np.tile(queues, intervals)[:rows],
            "volume": rng.integers(0, 40, intervals * len(queues))[:rows],
            "aht_seconds": rng.integers(200, 600, intervals * len(queues))[:rows],
        }
    )
    inbox = folder / "inbox"
    inbox.mkdir(exist_ok=True)
    frame.to_csv(inbox / "big_export.csv", index=False)
    began = time.monotonic()
    with HistoryStore(folder / "store.sqlite") as store:
        report = ingest_inbox(inbox, store, SAMPLE / "site.toml", site)
        stored = store.rows()
    seconds = time.monotonic() - began
    if report.rejected:
        print(f"rejected: {report.rejected[0][1][:500]}")
    return seconds, stored


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--skip-night", action="store_true")
    parser.add_argument("--skip-ingest", action="store_true")
    args = parser.parse_args(argv)
    print(f"{dt.datetime.now():%Y-%m-%d %H:%M}, 2 cores")
    print("| measure | bar | measured |")
    print("| --- | --- | --- |")
    if not args.skip_night:
        with tempfile.TemporaryDirectory() as folder:
            for date, seconds, code in night(Path(folder)):
                print(f"| nightly run of the sample site, night {date} (exit {code}) | ≤ 180 s | {seconds:.0f} s |")
    if not args.skip_ingest:
        with tempfile.TemporaryDirectory() as folder:
            seconds, stored = ingest(Path(folder), args.rows)
            print(f"| ingest of {args.rows:,} history rows (checked, loaded: {stored:,} in the store) | ≤ 60 s "
                  f"| {seconds:.1f} s |")  # fmt: skip
    return 0


if __name__ == "__main__":
    sys.exit(main())
