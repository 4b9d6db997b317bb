"""Files as European and US Excel exports write them, and the faults found trying wfm with them (issue 15).

Semicolon-separated files with decimal commas are read as they are; day-first or month-first dates are read once
site.toml says which (`[input] date_format`), and otherwise named once for the whole column with that setting; a
row with a value too many is named, never shifting every column of the file; no bad row is dropped unasked; a
duplicate contract id and implausible values are reported instead of passing silently.
"""

from __future__ import annotations

from pathlib import Path

import openpyxl
import pandas as pd
import pytest
from test_io_loader import SITE_TOML, STAFF, history_csv, make_scenario, only_problem, problems_of

from wfm.io import load_scenario

TWO_WEEKS = history_csv(days=14)  # 2026-02-23 .. 2026-03-08, voice with AHT 300, claims without


def day_first(history: str) -> str:
    """The same history with every interval_start written 23/02/2026 08:15, as European Excel saves it."""
    lines = history.splitlines()
    out = [lines[0]]
    for line in lines[1:]:
        moment, rest = line.split(",", 1)
        stamp = pd.Timestamp(moment)
        out.append(f"{stamp:%d/%m/%Y %H:%M},{rest}")
    return "\n".join(out) + "\n"


def semicolons(history: str) -> str:
    """The same history as a European Excel 'CSV' export: ';' between columns, a decimal comma in the AHT."""
    return "\n".join(line.replace(",", ";") for line in history.splitlines()).replace(";300", ";329,5") + "\n"


# ----------------------------------------------------------------------------------------------------------------
# Dates


def test_a_history_written_day_first_is_one_problem_naming_the_setting_not_a_crash(tmp_path: Path) -> None:
    # Used to end in "internal error: IndexError" (no row parsed) with exit 4.
    problem = only_problem(make_scenario(tmp_path / "s", history_csv=day_first(TWO_WEEKS)))

    assert str(problem) == (
        "history.csv, row 2, column 'interval_start': '23/02/2026 08:00' is not a date and time written year first, "
        "like 2026-03-02T08:15, as site.toml expects. 224 rows are written as DD/MM/YYYY. Set date_format = "
        '"DD/MM/YYYY" under [input] in site.toml, or write the dates year first (2026-03-02T08:15).'
    )


def test_with_date_format_set_a_day_first_history_reads_as_the_iso_one(tmp_path: Path) -> None:
    european = SITE_TOML + '\n[input]\ndate_format = "DD/MM/YYYY"\n'
    iso = load_scenario(make_scenario(tmp_path / "iso", history_csv=TWO_WEEKS))
    read = load_scenario(make_scenario(tmp_path / "eu", history_csv=day_first(TWO_WEEKS), site_toml=european))

    assert read.warnings == ()
    pd.testing.assert_frame_equal(read.history, iso.history)


def test_month_first_dates_in_time_off_read_with_their_setting(tmp_path: Path) -> None:
    american = SITE_TOML + '\n[input]\ndate_format = "MM/DD/YYYY"\n'
    time_off = "agent_id,start,end,reason\nA1,03/03/2026 00:00,03/04/2026 00:00,vacation\n"
    scenario = load_scenario(make_scenario(tmp_path / "s", time_off_csv=time_off, site_toml=american))

    (absence,) = scenario.time_off
    assert (absence.start.isoformat(), absence.end.isoformat()) == ("2026-03-03T00:00:00", "2026-03-04T00:00:00")


def test_an_unknown_date_format_is_a_site_problem_listing_the_known_ones(tmp_path: Path) -> None:
    problems = problems_of(make_scenario(tmp_path / "s", site_toml=SITE_TOML + '\n[input]\ndate_format = "D/M/Y"\n'))

    assert problems[0].section == "[input], field 'date_format'"
    assert "'DD/MM/YYYY'" in problems[0].expected and "'MM/DD/YYYY'" in problems[0].expected


# ----------------------------------------------------------------------------------------------------------------
# Separators and decimal commas


def test_a_semicolon_separated_history_with_decimal_commas_is_read_as_it_is(tmp_path: Path) -> None:
    scenario = load_scenario(make_scenario(tmp_path / "s", history_csv=semicolons(TWO_WEEKS)))

    assert scenario.warnings == ()
    voice = scenario.history[scenario.history["queue"] == "voice"]
    assert len(voice) == 14 * 8
    assert (voice["aht_seconds"] == 329.5).all()


def test_thousands_separators_are_read_where_the_column_or_the_setting_shows_the_decimal_mark(tmp_path: Path) -> None:
    us_site = SITE_TOML + '\n[input]\ndecimal_separator = "."\n'
    us = TWO_WEEKS.replace("2026-02-23T08:00:00,voice,10,300", '2026-02-23T08:00:00,voice,"1,010",300')
    # 1.010,5 carries its own decimal comma: the dot can only be a thousands separator.
    eu = semicolons(TWO_WEEKS).replace("2026-02-23T08:00:00;voice;10;", "2026-02-23T08:00:00;voice;1.010,5;")

    us_volume = load_scenario(make_scenario(tmp_path / "us", history_csv=us, site_toml=us_site)).history["volume"]
    eu_volume = load_scenario(make_scenario(tmp_path / "eu", history_csv=eu)).history["volume"]

    assert us_volume.max() == 1010.0
    assert eu_volume.max() == 1010.5


@pytest.mark.parametrize(
    ("history", "value", "reading"),
    [
        (
            semicolons(TWO_WEEKS).replace(";329,5", ";329.250"),
            "329.250",
            "329250 with '.' between thousands, or 329.250",
        ),
        (TWO_WEEKS.replace(",300\n", ',"1,010"\n'), "1,010", "1010 with ',' between thousands, or 1.010"),
    ],
    ids=["semicolon file, dot and three digits", "comma file, quoted comma and three digits"],
)
def test_a_number_that_reads_two_ways_is_one_problem_for_the_column_never_a_guess(
    tmp_path: Path, history: str, value: str, reading: str
) -> None:
    # A ';' export with 329.250 used to load as an AHT of 329,250 s (the dot taken for a thousands separator).
    problem = only_problem(make_scenario(tmp_path / "s", history_csv=history))

    assert (problem.row, problem.column, problem.value) == (2, "aht_seconds", value)
    assert problem.expected == f"a number in one convention: '{value}' is {reading}"


def test_a_dot_decimal_column_in_a_semicolon_file_is_read_as_dot_decimal(tmp_path: Path) -> None:
    # 0.125 and 329.25 cannot be thousands: the column shows its decimal mark, so 329.250 is 329.25 too.
    history = semicolons(TWO_WEEKS).replace(";329,5", ";329.250")
    history = history.replace("2026-02-23T08:00:00;voice;10;329.250", "2026-02-23T08:00:00;voice;10;329.25")
    scenario = load_scenario(make_scenario(tmp_path / "s", history_csv=history))

    assert set(scenario.history["aht_seconds"].dropna()) == {329.25}


def test_a_workbooks_numbers_are_numbers_whatever_the_decimal_setting(tmp_path: Path) -> None:
    site = SITE_TOML + '\n[input]\ndecimal_separator = ","\n'
    folder = make_scenario(tmp_path / "s", site_toml=site)
    book = openpyxl.Workbook()
    book.active.title = "site"
    book["site"]["A1"] = site
    for name in ("staff", "skills", "history"):
        frame = pd.read_csv(folder / f"{name}.csv", dtype=str, keep_default_na=False)
        sheet = book.create_sheet(name)
        sheet.append(list(frame.columns))
        for row in frame.itertuples(index=False):
            sheet.append([19.125 if column == "hourly_cost" and value == "21.5" else value
                          for column, value in zip(frame.columns, row, strict=True)])  # fmt: skip
    book.save(tmp_path / "plan.xlsx")

    scenario = load_scenario(tmp_path / "plan.xlsx")

    assert scenario.agents[0].hourly_cost == 19.125  # not 19125


def test_a_declared_date_order_the_dates_contradict_is_one_problem_naming_both(tmp_path: Path) -> None:
    # Day-first dates under MM/DD/YYYY: days above 12 failed row by row, and --skip-bad-rows then kept the rest
    # with day and month swapped.
    american = SITE_TOML + '\n[input]\ndate_format = "MM/DD/YYYY"\n'
    problem = only_problem(make_scenario(tmp_path / "s", history_csv=day_first(TWO_WEEKS), site_toml=american))

    assert str(problem) == (
        "history.csv, row 2, column 'interval_start': '23/02/2026 08:00' is not a date and time written year first, "
        "like 2026-03-02T08:15 or as MM/DD/YYYY, as site.toml says. 96 rows cannot be MM/DD/YYYY (date_format): "
        'they are written as DD/MM/YYYY. Set date_format = "DD/MM/YYYY" under [input] in site.toml, or write the '
        "dates year first (2026-03-02T08:15)."
    )


def test_a_date_column_does_not_drop_a_time_of_day(tmp_path: Path) -> None:
    european = SITE_TOML + '\n[input]\ndate_format = "DD/MM/YYYY"\n'
    availability = "agent_id,day,start,end\nA2,mon,08:00,16:00\nA2,04/03/2026 09:30,12:00,24:00\n"
    problem = only_problem(make_scenario(tmp_path / "s", availability_csv=availability, site_toml=european))

    assert (problem.file, problem.row, problem.column, problem.value) == (
        "availability.csv",
        3,
        "day",
        "04/03/2026 09:30",
    )


def test_a_decimal_comma_in_a_comma_file_stops_the_load_naming_the_row_and_the_setting(tmp_path: Path) -> None:
    # Used to pass validate, then plan every AHT as unknown (300 s): an email queue's workload came out 29 % low.
    history = TWO_WEEKS.replace("2026-02-23T08:15:00,voice,11,300", '2026-02-23T08:15:00,voice,11,"329,5"')
    problems = problems_of(make_scenario(tmp_path / "s", history_csv=history))

    assert [(p.row, p.column, p.value) for p in problems] == [(4, "aht_seconds", "329,5"), (None, None, None)]
    assert str(problems[0]) == (
        "history.csv, row 4, column 'aht_seconds': '329,5' is not a number of seconds (or blank when unknown). It "
        'has a decimal comma: write 12.5, or set decimal_separator = "," under [input] in site.toml to read '
        "decimal commas (a semicolon-separated file is read that way already)."
    )


def test_with_decimal_separator_comma_a_comma_file_reads_quoted_decimal_commas(tmp_path: Path) -> None:
    site = SITE_TOML + '\n[input]\ndecimal_separator = ","\n'
    history = TWO_WEEKS.replace(",300\n", ',"329,5"\n')
    scenario = load_scenario(make_scenario(tmp_path / "s", history_csv=history, site_toml=site))

    assert set(scenario.history["aht_seconds"].dropna()) == {329.5}


def test_a_find_and_replace_of_semicolons_names_the_first_row_and_the_decimal_commas(tmp_path: Path) -> None:
    # ';' -> ',' on a file with 329,5 splits every AHT in two: one problem for the first row, not a crash.
    broken = semicolons(TWO_WEEKS).replace(";", ",")
    problem = only_problem(make_scenario(tmp_path / "s", history_csv=broken))

    assert str(problem) == (
        "history.csv, row 2: this row has 5 values but the header row has 4 columns. Text containing a comma must "
        "be in double quotes. Many rows have a value too many beside a number: if the numbers have decimal commas "
        "(329,5), the file was meant to be separated by semicolons: export it again from Excel as it was, rather "
        "than replacing ';' by ','."
    )


def test_an_unquoted_comma_in_the_first_data_row_names_that_row_and_nothing_else(tmp_path: Path) -> None:
    # Used to shift every column of the file (pandas took column 1 as an index): 112 problems, row 2 never named.
    staff = STAFF.replace("A1,Ann,front,T1,ft40,21.5", "A1,Ann, Jr,front,T1,ft40,21.5")
    problem = only_problem(make_scenario(tmp_path / "s", staff_csv=staff))

    assert (problem.file, problem.row) == ("staff.csv", 2)
    assert problem.expected == "this row has 7 values but the header row has 6 columns"
    assert problem.hint == "Text containing a comma must be in double quotes."  # not a decimal comma (pt20,19.66)


# ----------------------------------------------------------------------------------------------------------------
# Silent replacements and implausible values


def test_a_duplicate_contract_id_is_an_error_naming_both_definitions(tmp_path: Path) -> None:
    twice = SITE_TOML + (
        '\n[[contracts]]\nid = "ft40"\ncontracted_hours_week = 20\nmax_hours_week = 24\nshift_templates = ["early"]\n'
    )
    problem = only_problem(make_scenario(tmp_path / "s", site_toml=twice))

    assert str(problem) == (
        "site.toml, line 55, [[contracts]] #2 'ft40', field 'id': 'ft40' is not a new contract id (line 49 "
        "already defines contract 'ft40'). Give each [[contracts]] its own id, or delete the definition that is "
        "not meant."
    )


def test_nan_and_infinite_volumes_stop_the_load(tmp_path: Path) -> None:
    history = TWO_WEEKS.replace("2026-02-23T08:15:00,voice,11,", "2026-02-23T08:15:00,voice,NaN,").replace(
        "2026-02-23T08:30:00,voice,12,", "2026-02-23T08:30:00,voice,inf,"
    )
    problems = problems_of(make_scenario(tmp_path / "s", history_csv=history))

    assert [(p.row, p.column, p.value) for p in problems] == [(4, "volume", "NaN"), (6, "volume", "inf"), (None,) * 3]


def test_implausible_values_are_warnings_naming_file_row_and_value(tmp_path: Path) -> None:
    history = (
        TWO_WEEKS.replace("2026-02-23T08:15:00,voice,11,300", "2026-02-23T08:15:00,voice,1e12,300")
        .replace("2026-02-23T08:30:00,voice,12,300", "2026-02-23T08:30:00,voice,12,0")
        .replace("2026-02-24T08:00:00,voice,10,300", "2036-02-24T08:00:00,voice,10,300")
    )
    scenario = load_scenario(make_scenario(tmp_path / "s", history_csv=history))

    assert scenario.warnings == (
        "history.csv, row 6, column 'aht_seconds': '0' is not a handle time for the contacts of this interval (an "
        "AHT of 0 s with contacts is not possible). The AHT is treated as unknown, as an export writes 0 where "
        "nothing was measured.",
        "history.csv, row 4, column 'volume': '1e12' is not a plausible volume for queue 'voice' (99 % of its "
        "intervals have at most 17). Check the export: it is kept as written, and a forecast fitted on it would plan "
        "for it.",
        "history.csv, row 18, column 'interval_start': '2036-02-24T08:00:00' is not a time before the planning "
        "horizon ends (2026-03-09): history is what has happened. A typo in the year, or [horizon] start in "
        "site.toml out of date? The forecast only uses history before the horizon, so this row is not used.",
    )
    at_0830 = scenario.history[scenario.history["interval_start"] == pd.Timestamp("2026-02-23 08:30")]
    assert at_0830.set_index("queue")["aht_seconds"].isna().all()


def test_a_queue_open_on_no_day_and_an_agent_only_skilled_for_it_are_warnings(tmp_path: Path) -> None:
    site = SITE_TOML.replace('days = ["mon", "tue", "wed", "thu", "fri"]', "days = []")
    skills = "agent_id,queue,proficiency,priority\nA1,voice,1.0,1\nA2,voice,0.8,1\nA2,claims,0.6,2\nA3,claims,1.0,\n"
    scenario = load_scenario(make_scenario(tmp_path / "s", site_toml=site, skills_csv=skills, history_csv=TWO_WEEKS))

    assert scenario.warnings == (
        "site.toml, [[queues]] #1 'voice': queue 'voice' is open on no day of the horizon (2026-03-02 + 7 days): "
        "it opens on no weekday (days, hours). Nothing is forecast or planned for it; check days under its "
        "[[queues]] and events.csv.",
        "staff.csv: agent 'A1' is skilled only for queue(s) open on no day of the horizon (voice). They would be "
        "paid with no work to do; give them a skill on an open queue.",
    )


@pytest.mark.parametrize("skip", [False, True], ids=["strict", "skip-bad-rows"])
def test_a_bad_history_row_is_an_error_unless_skipping_is_asked_for(tmp_path: Path, skip: bool) -> None:
    history = TWO_WEEKS.replace("2026-02-23T08:15:00,voice,11,", "2026-02-23T08:15:00,voice,abc,")
    folder = make_scenario(tmp_path / "s", history_csv=history)
    if not skip:
        assert [p.row for p in problems_of(folder)] == [4, None]
        return
    scenario = load_scenario(folder, skip_bad_rows=True)
    assert len(scenario.history) == 14 * 16 - 1
    assert scenario.warnings[0].startswith("history.csv, row 4, column 'volume': 'abc' is not a number >= 0")
