"""Screenshots of roster.xlsx's main sheets for the README, as LibreOffice prints them.

    make run && .venv/bin/python bench/screenshots.py                 # the newest run under schedules/
    .venv/bin/python bench/screenshots.py schedules/2026-03-02/roster.xlsx --out bench/screenshots

Needs LibreOffice (`soffice`) and poppler's `pdftotext` / `pdftoppm` (Debian: apt-get install
libreoffice-calc-nogui poppler-utils). The workbook is converted to PDF headless; each page's footer names its
sheet (`&A` in the page setup), so the first page of each main sheet is found by its text and rendered to PNG.
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from wfm.reports.pdf import pdf_pages, to_pdf

ROOT = Path(__file__).resolve().parents[1]
MAIN_SHEETS = ("Summary", "Roster", "Coverage", "Simulation", "Overtime")  # plus the first day sheet


def first_pages(pdf: Path, sheet_names: list[str]) -> dict[str, int]:
    """The first page (1-based) each sheet prints on, read from the sheet name in each page's footer."""
    found: dict[str, int] = {}
    for page in range(1, pdf_pages(pdf.read_bytes()) + 1):
        text = subprocess.run(
            ["pdftotext", "-layout", "-f", str(page), "-l", str(page), str(pdf), "-"],
            check=True, capture_output=True, text=True,
        ).stdout  # fmt: skip
        footer = [line for line in text.splitlines() if "Page " in line and " of " in line]
        for name in sheet_names:
            if name not in found and footer and footer[-1].strip().startswith(name):
                found[name] = page
    return found


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("workbook", nargs="?", type=Path, help="roster.xlsx (default: the newest under schedules/)")
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "screenshots")
    parser.add_argument("--dpi", type=int, default=110)
    args = parser.parse_args(argv)
    workbook = args.workbook
    if workbook is None:
        runs = sorted((ROOT / "schedules").glob("*/roster.xlsx"))
        if not runs:
            print("no schedules/*/roster.xlsx: run `make run` first, or name a workbook", file=sys.stderr)
            return 2
        workbook = runs[-1]
    missing = [tool for tool in ("pdftotext", "pdftoppm") if shutil.which(tool) is None]
    if missing:
        print(f"{', '.join(missing)} not found: apt-get install poppler-utils", file=sys.stderr)
        return 2
    import openpyxl

    names = openpyxl.load_workbook(workbook, read_only=True).sheetnames
    wanted = [n for n in names if n in MAIN_SHEETS] + [names[2]]  # the first day sheet follows the Roster
    args.out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as folder:
        pdf = to_pdf(workbook, Path(folder))
        pages = first_pages(pdf, wanted)
        for name, page in pages.items():
            stem = "day" if name == names[2] else name.lower()
            target = args.out / stem
            subprocess.run(
                ["pdftoppm", "-png", "-r", str(args.dpi), "-f", str(page), "-l", str(page), "-singlefile",
                 str(pdf), str(target)],
                check=True,
            )  # fmt: skip
            print(f"{target}.png  ({name}, page {page})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
