"""How roster cells look: one frozen description per look, turned into an openpyxl style array once per workbook."""

from __future__ import annotations

from dataclasses import dataclass

HEADER_FILL = "D9E1F2"


@dataclass(frozen=True)
class Look:
    """How a cell looks; turned into one openpyxl style array per workbook."""

    bold: bool = False
    italic: bool = False
    size: float | None = None
    color: str | None = None
    fill: str | None = None
    number_format: str | None = None
    horizontal: str | None = None
    wrap: bool = False
    border: bool = False
    rotation: int = 0  # text rotation in degrees (90: reads bottom to top), for narrow time columns


PLAIN = Look()
HEADER = Look(bold=True, fill=HEADER_FILL, wrap=True, horizontal="center", border=True)
TITLE = Look(bold=True, size=14)
SECTION = Look(bold=True, size=12)
LABEL = Look(bold=True)
OFF_LOOK = Look(color="808080", horizontal="center")
