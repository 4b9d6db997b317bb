"""Report benchmark: how long a real plan of a generated operation takes to export, and whether LibreOffice opens it.

    .venv/bin/python bench/report_bench.py                          # 1,000 agents, 12 queues, 7 days, 15-min
    .venv/bin/python bench/report_bench.py --agents 150 --time-limit 30

The plan comes from the full pipeline (forecast, staffing, schedule) with the given solver time limit; only the
export is timed: the run folder's files (CSVs, kpis.json) and roster.xlsx, then `wfm export` in each format.
"LibreOffice opens it" is measured by converting the workbook to PDF headless (`soffice --convert-to pdf`), and the
PDF's page count is printed.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from typer.testing import CliRunner

from wfm.cli import app
from wfm.demo import generate_operation
from wfm.io import load_scenario
from wfm.pipeline import RunOptions, plan
from wfm.reports import write_roster, write_run_files
from wfm.reports.pdf import pdf_pages, to_pdf


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--agents", type=int, default=1000)
    parser.add_argument("--queues", type=int, default=12)
    parser.add_argument("--time-limit", type=float, default=120.0, help="solver seconds for the plan to export")
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args(argv)

    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        generate_operation(root / "scenario", agents=args.agents, queues=args.queues, seed=args.seed)
        scenario = load_scenario(root / "scenario")
        began = time.monotonic()
        outcome = plan(scenario, RunOptions(seed=args.seed, time_limit_seconds=args.time_limit))
        plan_seconds = time.monotonic() - began
        result = outcome.result
        if not result.status.has_plan or outcome.coverage is None or outcome.kpis is None:
            print(f"no plan to export: {result.status.value} {result.message}")
            return 1
        run = root / "run"
        run.mkdir()
        began = time.monotonic()
        write_run_files(
            run, scenario=scenario, forecast=outcome.forecast, requirements=outcome.requirements,
            coverage=outcome.coverage, kpis=outcome.kpis, result=result,
        )  # fmt: skip
        all_files = time.monotonic() - began
        began = time.monotonic()
        write_roster(
            root / "roster_only.xlsx", scenario=scenario, result=result, coverage=outcome.coverage,
            kpis=outcome.kpis, forecast=outcome.forecast,
        )  # fmt: skip
        roster_seconds = time.monotonic() - began
        exports = {}
        runner = CliRunner()
        for fmt in ("csv", "json", "xlsx"):
            began = time.monotonic()
            answer = runner.invoke(app, ["export", str(run), "--format", fmt, "--out", str(root / f"plan.{fmt}")])
            exports[fmt] = time.monotonic() - began
            if answer.exit_code != 0:
                print(f"wfm export --format {fmt} failed: {answer.output}")
                return 1
        size_mb = (run / "roster.xlsx").stat().st_size / 1e6
        try:
            began = time.monotonic()
            pdf = to_pdf(run / "roster.xlsx", root)
            office = f"opens: converted to PDF in {time.monotonic() - began:.1f} s, {pdf_pages(pdf.read_bytes())} pages"
        except (FileNotFoundError, subprocess.SubprocessError) as error:
            office = f"not checked ({error})"

    print(f"{args.agents} agents, {args.queues} queues, 7 days: plan {plan_seconds:.0f} s ({result.status.value}), "
          f"{len(result.shifts):,} shifts, {len(result.segments):,} activity segments")  # fmt: skip
    print("| export | seconds |")
    print("| --- | --- |")
    print(f"| run folder: 5 CSVs, kpis.json, roster.xlsx ({size_mb:.1f} MB) | {all_files:.1f} |")
    print(f"| roster.xlsx alone | {roster_seconds:.1f} |")
    for fmt, seconds in exports.items():
        print(f"| wfm export --format {fmt} | {seconds:.1f} |")
    print(f"LibreOffice: {office}")
    print(json.dumps({"roster_seconds": round(roster_seconds, 2), "run_files_seconds": round(all_files, 2)}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
