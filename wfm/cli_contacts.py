"""`wfm import`: a contact-level export turned into history.csv."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from wfm.cli_common import err, error, out, warn
from wfm.io import ScenarioError, atomic_write_text
from wfm.pipeline import EXIT_BAD_INPUT


def import_contacts(
    contacts: Annotated[Path, typer.Argument(help="Contact-level export: arrived_at, queue[, handle_seconds]")],
    out_file: Annotated[Path, typer.Option("--out", help="history.csv to write (e.g. data/mysite/history.csv)")],
    interval_minutes: Annotated[
        int, typer.Option("--interval-minutes", help="The site's interval_minutes: 15 or 30")
    ] = 15,
    timezone: Annotated[
        str | None,
        typer.Option(
            "--timezone", help="The site's time zone (e.g. Europe/London), to convert times with a UTC offset"
        ),
    ] = None,
    force: Annotated[bool, typer.Option("--force", help="Replace --out when it exists")] = False,
) -> None:
    """Turn a contact-level export (one row per call, chat or item) into history.csv: volume and AHT per interval.

    Each contact counts in the interval its arrival falls in; the AHT is the mean handle time of the contacts
    that have one (an abandoned call counts in the volume only). Every interval of the days the export covers
    gets a row, 0 where nothing arrived.

    Example: wfm import contacts.csv --interval-minutes 30 --out data/mysite/history.csv
    """
    from wfm.io.contacts import HANDLE_COLUMN, contacts_to_history, history_csv_text

    if not contacts.is_file():
        error(f"{contacts} does not exist or is not a file. Give the contact-level export (CSV).")
        raise typer.Exit(EXIT_BAD_INPUT)
    if out_file.is_dir():
        error(f"--out {out_file} is a folder; give the file to write, e.g. {out_file / 'history.csv'}")
        raise typer.Exit(EXIT_BAD_INPUT)
    if out_file.exists() and out_file.resolve() == contacts.resolve():
        error(f"--out {out_file} is the export being imported; give another file")
        raise typer.Exit(EXIT_BAD_INPUT)
    if out_file.exists() and not force:
        error(f"{out_file} exists; give another --out, or --force to replace it")
        raise typer.Exit(EXIT_BAD_INPUT)
    try:
        history = contacts_to_history(contacts, interval_minutes, timezone)
    except ScenarioError as exc:
        err.print(exc.report().replace("The scenario could not be loaded", f"{contacts} cannot be imported"),
                  markup=False, highlight=False)  # fmt: skip
        raise typer.Exit(EXIT_BAD_INPUT) from None
    except (ValueError, KeyError) as exc:  # an unknown time zone, an interval the site cannot have
        error(str(exc).strip("'\""))
        raise typer.Exit(EXIT_BAD_INPUT) from None
    atomic_write_text(out_file, history_csv_text(history))
    contacts_count = int(history["volume"].sum())
    out.print(
        f"wrote {out_file}: {contacts_count:,} contacts in {len(history):,} intervals of {interval_minutes} minutes, "
        f"{history['queue'].nunique()} queue(s)",
        markup=False,
    )
    if history["aht_seconds"].isna().all():
        warn([f"no {HANDLE_COLUMN}: volume only; set default_aht_seconds for each queue in site.toml"])
