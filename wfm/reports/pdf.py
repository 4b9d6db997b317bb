"""roster.xlsx as LibreOffice prints it: a headless conversion to PDF (used by the tests, the report bench and
the screenshots in docs/outputs.md; LibreOffice is optional for wfm itself)."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

INSTALL_HINT = "install LibreOffice (Debian/Ubuntu: apt-get install libreoffice-calc-nogui)"


def soffice() -> str | None:
    """The LibreOffice command on PATH, if any."""
    return shutil.which("soffice") or shutil.which("libreoffice")


def to_pdf(workbook: Path, out_dir: Path, *, timeout_seconds: float = 600) -> Path:
    """Convert `workbook` to `out_dir/<stem>.pdf` with LibreOffice headless, in a private profile so that a
    LibreOffice the user has open does not take the job (or lock the profile)."""
    command = soffice()
    if command is None:
        raise FileNotFoundError(f"LibreOffice (soffice) is not on PATH: {INSTALL_HINT}")
    profile = (out_dir / ".lo-profile").resolve()
    subprocess.run(
        [command, f"-env:UserInstallation={profile.as_uri()}", "--headless", "--convert-to", "pdf",
         "--outdir", str(out_dir), str(workbook)],
        check=True, capture_output=True, timeout=timeout_seconds,
    )  # fmt: skip
    shutil.rmtree(profile, ignore_errors=True)
    pdf = out_dir / f"{workbook.stem}.pdf"
    if not pdf.exists():
        raise FileNotFoundError(f"LibreOffice wrote no {pdf.name} for {workbook}")
    return pdf


def pdf_pages(pdf: bytes) -> int:
    """Pages of a PDF: its /Type /Page objects (not the /Pages tree nodes)."""
    return len(re.findall(rb"/Type\s*/Page(?![a-zA-Z])", pdf))
