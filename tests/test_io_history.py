"""history.csv: a row that cannot be used as written stops the load (leaving it out would lose data) unless the
planner asks to skip such rows; then each is a warning and the rest of the history is still used.

Each bad row is named by file, row and column, says what was expected and what was done with it; a forecast
is still made where it honestly can be. Times are site-local wall-clock times, including the 23- and 25-hour
days of a daylight-saving change, or carry a UTC offset and are converted.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pandas as pd
import pytest
from test_io_loader import (
    SITE_TOML,
    history_csv,
    make_scenario,
    only_problem,
    problems_of,
    write_workbook,
)

from wfm.domain import Event, Scenario
from wfm.io import ForecastInputs, ScenarioError, load_forecast_inputs, load_scenario

TWO_WEEKS = history_csv(days=14)  # 2026-02-23 .. 2026-03-08, 08:00-10:00: no short-history warning
HEADER = "interval_start,queue,volume,aht_seconds\n"


def voice_row(day: int, quarter: int) -> int:
    """The spreadsheet row of voice at 08:00 + 15 min * quarter on 2026-02-23 + day in `history_csv`."""
    return 2 + 16 * day + 2 * quarter


# These histories are a few hundred rows: one bad row is more than the 1 % a skip may leave out by default.
SKIP_ANY_SHARE = "\n[input]\nmax_dropped_share = 1.0\n"


def load(tmp_path: Path, history: str, site: str = SITE_TOML, skip: bool = False) -> Scenario:
    site = site + SKIP_ANY_SHARE if skip else site
    return load_scenario(make_scenario(tmp_path / "s", history_csv=history, site_toml=site), skip_bad_rows=skip)


def volume_at(scenario: Scenario, moment: str, queue: str = "voice") -> list[float]:
    history = scenario.history
    rows = history[(history["interval_start"] == pd.Timestamp(moment)) & (history["queue"] == queue)]
    return rows["volume"].tolist()


def test_a_clean_history_has_no_warnings_and_fold_zero_everywhere(tmp_path: Path) -> None:
    scenario = load(tmp_path, TWO_WEEKS)

    assert scenario.warnings == ()
    assert list(scenario.history.columns) == ["interval_start", "queue", "volume", "aht_seconds", "fold"]
    assert len(scenario.history) == 14 * 16
    assert scenario.history["fold"].dtype == "int8"
    assert (scenario.history["fold"] == 0).all()


# ----------------------------------------------------------------------------------------------------------------
# Bad cells, skipped on request: warned about, the row dropped (the interval is then unknown, not zero) or only
# the AHT forgotten


def test_volume_not_a_number_blank_or_infinite_drops_the_row(tmp_path: Path) -> None:
    history = (
        TWO_WEEKS.replace("2026-02-23T08:15:00,voice,11,", '2026-02-23T08:15:00,voice,"12,5",')
        .replace("2026-02-23T08:30:00,voice,12,", "2026-02-23T08:30:00,voice,,")
        .replace("2026-02-23T08:45:00,voice,13,", "2026-02-23T08:45:00,voice,inf,")
    )
    scenario = load(tmp_path, history, skip=True)

    assert scenario.warnings == (
        "history.csv, row 4, column 'volume': '12,5' is not a number >= 0 (contacts or items that arrived in "
        'the interval). It has a decimal comma: write 12.5, or set decimal_separator = "," under [input] in '
        "site.toml to read decimal commas (a semicolon-separated file is read that way already). Row dropped: "
        "the interval is treated as unknown, not as zero.",
        "history.csv, row 6, column 'volume': blank, expected a number >= 0 (contacts or items that arrived in "
        "the interval). Row dropped: the interval is treated as unknown, not as zero.",
        "history.csv, row 8, column 'volume': 'inf' is not a number >= 0 (contacts or items that arrived in "
        "the interval). Row dropped: the interval is treated as unknown, not as zero.",
    )
    assert len(scenario.history) == 14 * 16 - 3
    assert volume_at(scenario, "2026-02-23 08:15") == []  # no row, not a zero
    assert volume_at(scenario, "2026-02-23 08:15", "claims") == [1.0]  # the other queue's interval is untouched


def test_negative_volume_drops_the_row(tmp_path: Path) -> None:
    history = TWO_WEEKS.replace("2026-02-23T08:30:00,voice,12,", "2026-02-23T08:30:00,voice,-3,")
    scenario = load(tmp_path, history, skip=True)

    assert scenario.warnings == (
        "history.csv, row 6, column 'volume': '-3' is not a number >= 0 (a volume cannot be negative). "
        "Row dropped: the interval is treated as unknown, not as zero.",
    )
    assert volume_at(scenario, "2026-02-23 08:30") == []


def test_bad_or_negative_aht_keeps_the_row_with_aht_unknown(tmp_path: Path) -> None:
    history = TWO_WEEKS.replace("2026-02-23T08:15:00,voice,11,300", "2026-02-23T08:15:00,voice,11,slow")
    history = history.replace("2026-02-23T08:30:00,voice,12,300", "2026-02-23T08:30:00,voice,12,-5")
    scenario = load(tmp_path, history, skip=True)

    assert scenario.warnings == (
        "history.csv, row 4, column 'aht_seconds': 'slow' is not a number of seconds (or blank when unknown). "
        "The row is kept with its AHT unknown.",
        "history.csv, row 6, column 'aht_seconds': '-5' is not a number of seconds >= 0 (or blank when unknown). "
        "The row is kept with its AHT unknown.",
    )
    history_frame = scenario.history.set_index(["interval_start", "queue"])
    kept = history_frame.loc[[(pd.Timestamp("2026-02-23 08:15"), "voice"), (pd.Timestamp("2026-02-23 08:30"), "voice")]]
    assert kept["volume"].tolist() == [11.0, 12.0]
    assert kept["aht_seconds"].isna().all()


def test_unparseable_interval_start_drops_the_row(tmp_path: Path) -> None:
    history = TWO_WEEKS.replace("2026-02-23T08:15:00,voice", "23/02/2026 08:15,voice")
    history = history.replace("2026-02-23T08:30:00,voice", "2026-02-23,voice")
    scenario = load(tmp_path, history, skip=True)

    assert scenario.warnings == (
        "history.csv, row 4, column 'interval_start': '23/02/2026 08:15' is not a date and time like "
        "2026-03-02T08:15 (YYYY-MM-DDTHH:MM, site-local, or with a UTC offset like +01:00). Write dates year "
        "first (2026-03-02T08:15): 02/03/2026 means different days in different countries. Row dropped.",
        "history.csv, row 6, column 'interval_start': '2026-02-23' is not a date and time like 2026-03-02T08:15 "
        "(YYYY-MM-DDTHH:MM, site-local, or with a UTC offset like +01:00). Add the time of day, e.g. "
        "2026-03-02T00:00. Row dropped.",
    )
    assert len(scenario.history) == 14 * 16 - 2


def test_times_with_seconds_are_dropped_and_point_contact_level_exports_to_wfm_import(tmp_path: Path) -> None:
    history = TWO_WEEKS.replace("2026-02-23T08:30:00,voice", "2026-02-23T08:30:30,voice")
    scenario = load(tmp_path, history, skip=True)

    assert scenario.warnings == (
        "history.csv, row 6, column 'interval_start': '2026-02-23T08:30:30' is not the start of an export slot, on "
        "a whole minute (seconds :00). Each row is the volume of one slot of the export (5, 6, 10, 15 or 30 "
        "minutes ...), summed into the site's intervals. A contact-level export (one row per contact) becomes "
        "history with `wfm import`. Row dropped.",
    )
    assert len(scenario.history) == 14 * 16 - 1


def test_more_than_one_percent_of_the_rows_left_out_stops_the_load_even_when_skipping(tmp_path: Path) -> None:
    # 3 of the 224 rows (1.3 %) cannot be read; skip_bad_rows alone may leave out at most 1 %.
    history = (
        TWO_WEEKS.replace("2026-02-23T08:15:00,voice,11,", "2026-02-23T08:15:00,voice,x,")
        .replace("2026-02-23T08:30:00,voice,12,", "2026-02-23T08:30:00,voice,y,")
        .replace("2026-02-23T08:45:00,voice,13,", "2026-02-23T08:45:00,voice,z,")
    )
    problems = problems_of(make_scenario(tmp_path / "s", history_csv=history), skip_bad_rows=True)

    assert [(p.row, p.value) for p in problems] == [(4, "x"), (6, "y"), (8, "z"), (None, None)]
    assert str(problems[-1]) == (
        "history.csv: 3 of 224 rows (1.3%), 0.0% of the volume (and 3 whose volume cannot be read), cannot be "
        "used as written (listed above): leaving out more than 1.0% loses too much data, even when bad rows are "
        "skipped. Fix the export (the problems above usually share one cause), or, to plan without them all the "
        "same, raise max_dropped_share under [input] in site.toml."
    )


def test_finer_5_minute_rows_are_kept_as_they_are(tmp_path: Path) -> None:
    site = SITE_TOML.replace("interval_minutes = 15", "interval_minutes = 30")
    history = TWO_WEEKS + "2026-02-23T10:05:00,voice,2,300\n2026-02-23T10:10:00,voice,3,300\n"
    scenario = load(tmp_path, history, site)

    assert scenario.warnings == ()
    assert volume_at(scenario, "2026-02-23 10:05") == [2.0]  # the forecast adds them up into 10:00-10:30
    assert volume_at(scenario, "2026-02-23 10:10") == [3.0]
    assert volume_at(scenario, "2026-02-23 08:15") == [11.0]  # 15-minute rows on a 30-minute site, likewise


def test_30_minute_history_on_a_15_minute_site_is_an_error_naming_a_row(tmp_path: Path) -> None:
    history = "".join(
        line + "\n" for line in TWO_WEEKS.splitlines() if not (",voice," in line and (":15:" in line or ":45:" in line))
    )
    problem = only_problem(make_scenario(tmp_path / "s", history_csv=history))

    assert str(problem) == (
        "history.csv, column 'interval_start': history for queue 'voice' has 30-minute rows but interval_minutes = "
        "15 in site.toml. Row 2: the slot 2026-02-23 08:00-08:30 straddles two intervals (56 of its 56 rows do); "
        "splitting it would invent a pattern. Export the history in slots that divide 15 minutes (5, 15), or plan "
        "in 30-minute intervals (interval_minutes = 30)."
    )


def six_minute_export(day_count: int, site_interval: int) -> str:
    """voice in 6-minute slots 08:00-10:00 (20 a day, 1, 2, 3 ... calls), claims in 15-minute rows."""
    lines = [HEADER]
    for day in range(day_count):
        date = dt.date(2026, 2, 23) + dt.timedelta(days=day)
        for slot in range(20):
            moment = dt.datetime.combine(date, dt.time(8)) + dt.timedelta(minutes=6 * slot)
            lines.append(f"{moment:%Y-%m-%dT%H:%M},voice,{slot + 1},300\n")
        for quarter in range(8):
            moment = dt.datetime.combine(date, dt.time(8)) + dt.timedelta(minutes=15 * quarter)
            lines.append(f"{moment:%Y-%m-%dT%H:%M},claims,1,\n")
    return "".join(lines)


def test_a_6_minute_export_adds_up_into_30_minute_intervals(tmp_path: Path) -> None:
    site = SITE_TOML.replace("interval_minutes = 15", "interval_minutes = 30")
    scenario = load(tmp_path, six_minute_export(14, 30), site)

    assert scenario.warnings == ()
    assert len(scenario.history) == 14 * (20 + 8)  # every row kept, none dropped
    inputs = load_forecast_inputs(tmp_path / "s")
    from wfm.forecast.history import normalize_history

    summed = normalize_history(inputs.history, inputs.site)
    voice = summed[summed["queue"] == "voice"].set_index("interval_start")["volume"]
    # 08:00-08:30 holds slots 1..5, 08:30 slots 6..10: 1+2+3+4+5 = 15, 6+...+10 = 40
    assert voice[pd.Timestamp("2026-02-23 08:00")] == 15.0
    assert voice[pd.Timestamp("2026-02-23 08:30")] == 40.0
    assert voice.sum() == 14 * sum(range(1, 21))


def test_a_6_minute_export_on_a_15_minute_site_names_a_straddling_slot(tmp_path: Path) -> None:
    problem = only_problem(make_scenario(tmp_path / "s", history_csv=six_minute_export(14, 15)))

    assert str(problem) == (
        "history.csv, column 'interval_start': history for queue 'voice' has 6-minute rows, which do not add up "
        "into the 15-minute intervals of site.toml. Row 4: the slot 2026-02-23 08:12-08:18 straddles two "
        "intervals (56 of its 280 rows do); splitting it would invent a pattern. Export the history in slots that "
        "divide 15 minutes (5, 15), or plan in 30-minute intervals (interval_minutes = 30)."
    )


def test_one_stray_row_does_not_hide_slots_that_straddle(tmp_path: Path) -> None:
    # A 30-minute export with one row at :15 (a correction, or an ACD that changed its grid): judged row by row,
    # the 30-minute rows still straddle the 15-minute intervals.
    history = "".join(
        line + "\n" for line in TWO_WEEKS.splitlines() if not (",voice," in line and (":15:" in line or ":45:" in line))
    )
    history += "2026-02-24T09:15:00,voice,3,300\n"
    problem = only_problem(make_scenario(tmp_path / "s", history_csv=history))
    assert "history for queue 'voice' has 30-minute rows but interval_minutes = 15" in str(problem)


# ----------------------------------------------------------------------------------------------------------------
# The same interval twice


def test_a_repeated_identical_row_is_dropped(tmp_path: Path) -> None:
    scenario = load(tmp_path, TWO_WEEKS + "2026-02-23T08:00,voice,10,300.0\n")

    assert scenario.warnings == (
        "history.csv, row 226, column 'interval_start': '2026-02-23T08:00' is not a new interval for queue "
        "'voice' (row 2 has the same interval_start, queue, volume and aht_seconds). Repeated row dropped.",
    )
    assert volume_at(scenario, "2026-02-23 08:00") == [10.0]


def test_a_later_row_with_other_values_replaces_the_earlier_one(tmp_path: Path) -> None:
    history = TWO_WEEKS + "2026-02-23T08:15:00,voice,14,300\n2026-02-23T08:30,voice,12,280\n"
    scenario = load(tmp_path, history, skip=True)

    assert scenario.warnings == (
        "history.csv, row 4, column 'interval_start': '2026-02-23T08:15:00' is not a new interval for queue "
        "'voice' (row 226 has it again, with volume 14 instead of 11). Row 226 is kept, as the later row in the "
        "file: a later export corrects an earlier one. This row is dropped.",
        "history.csv, row 6, column 'interval_start': '2026-02-23T08:30:00' is not a new interval for queue "
        "'voice' (row 227 has it again, with aht_seconds 280 instead of 300). Row 227 is kept, as the later row "
        "in the file: a later export corrects an earlier one. This row is dropped.",
    )
    assert volume_at(scenario, "2026-02-23 08:15") == [14.0]
    at_0830 = scenario.history[scenario.history["interval_start"] == pd.Timestamp("2026-02-23 08:30")]
    assert at_0830.set_index("queue").loc["voice", "aht_seconds"] == 280.0


# ----------------------------------------------------------------------------------------------------------------
# Whole queues: short, missing, or nothing usable at all


def test_a_history_shorter_than_two_weeks_warns_once_per_queue(tmp_path: Path) -> None:
    scenario = load(tmp_path, history_csv(days=2))

    assert scenario.warnings == (
        "history.csv, column 'queue': queue 'claims' has only 2 days of history (2026-02-23 to 2026-02-24). "
        "Its forecast is still made but less reliable: 14 days or more show each weekday at least twice.",
        "history.csv, column 'queue': queue 'voice' has only 2 days of history (2026-02-23 to 2026-02-24). "
        "Its forecast is still made but less reliable: 14 days or more show each weekday at least twice.",
    )
    assert len(scenario.history) == 32


def test_a_queue_without_history_is_a_warning(tmp_path: Path) -> None:
    only_voice = "".join(line + "\n" for line in TWO_WEEKS.splitlines() if ",claims," not in line)
    scenario = load(tmp_path, only_voice)

    assert scenario.warnings == (
        "history.csv, column 'queue': queue 'claims' of site.toml has no rows. It cannot be forecast from "
        "history; add its past volumes to forecast it.",
    )


def test_a_queue_whose_rows_are_all_dropped_says_so(tmp_path: Path) -> None:
    scenario = load(tmp_path, TWO_WEEKS.replace(",claims,", ",claims,n/a"), skip=True)  # volumes n/a0, n/a1, ...

    assert scenario.warnings[-1] == (
        "history.csv, column 'queue': queue 'claims' has no usable rows (all 112 are dropped, see above). It "
        "cannot be forecast from history; add its past volumes to forecast it."
    )
    assert set(scenario.history["queue"]) == {"voice"}


def test_no_usable_row_at_all_is_an_error_listing_why(tmp_path: Path) -> None:
    history = HEADER + "2026-02-23T08:00,voice,n/a,\n2026-02-23T08:15,voice,-1,\n2026-02-23T08:30,voice,,\n"
    problems = problems_of(make_scenario(tmp_path / "s", history_csv=history))

    assert [(p.row, p.column, p.value) for p in problems] == [
        (2, "volume", "n/a"),
        (4, "volume", ""),
        (3, "volume", "-1"),
        (None, None, None),
    ]
    assert str(problems[-1]) == (
        "history.csv: 3 problems above: those rows cannot be used as written, and leaving them out would lose data. "
        "Fix them in the export, or plan without them: add --skip-bad-rows to the command, or set "
        "skip_bad_rows = true under [input] in site.toml (each row left out is then listed as a warning)."
    )


def test_an_unknown_queue_is_still_an_error(tmp_path: Path) -> None:
    problem = only_problem(make_scenario(tmp_path / "s", history_csv=TWO_WEEKS.replace(",claims,", ",claim,")))

    assert (problem.row, problem.column, problem.value) == (3, "queue", "claim")


def test_many_warnings_of_one_kind_are_summarised(tmp_path: Path) -> None:
    scenario = load(tmp_path, TWO_WEEKS.replace(",300", ",slow"), skip=True)  # 112 voice rows with a non-numeric AHT

    assert len(scenario.warnings) == 21
    assert scenario.warnings[0] == (
        "history.csv, row 2, column 'aht_seconds': 'slow' is not a number of seconds (or blank when unknown). "
        "The row is kept with its AHT unknown."
    )
    assert all("column 'aht_seconds': 'slow'" in warning for warning in scenario.warnings[:20])
    assert scenario.warnings[20] == (
        "history.csv, column 'aht_seconds': 92 more rows have the same problem (only the first 20 are listed)."
    )
    assert len(scenario.history) == 14 * 16


# ----------------------------------------------------------------------------------------------------------------
# Time zones: UTC offsets, and the days the clocks change (Europe/London in the test site)


def test_times_with_a_utc_offset_are_converted_to_site_time(tmp_path: Path) -> None:
    history = TWO_WEEKS + (
        "2026-03-09T08:15:00Z,voice,1,\n"  # winter: London is on UTC
        "2026-07-01T08:15:00+00:00,voice,2,\n"  # summer: 09:15 in London
        "2026-07-01T09:30:00+02:00,voice,3,\n"  # 07:30 UTC, 08:30 in London
        "2026-07-01 10:00+0100,voice,4,\n"
    )
    later_horizon = SITE_TOML.replace("start = 2026-03-02", "start = 2026-08-03")  # the rows are all history
    scenario = load(tmp_path, history, later_horizon)

    assert scenario.warnings == ()
    tail = scenario.history.tail(4)
    assert tail["interval_start"].tolist() == [
        pd.Timestamp("2026-03-09 08:15"),
        pd.Timestamp("2026-07-01 08:30"),
        pd.Timestamp("2026-07-01 09:15"),
        pd.Timestamp("2026-07-01 10:00"),
    ]
    assert tail["volume"].tolist() == [1.0, 3.0, 2.0, 4.0]
    assert scenario.history["interval_start"].dt.tz is None


def fall_back_day() -> pd.DatetimeIndex:
    """Every quarter hour of 2026-10-25 in London, in time order: 25 hours, 01:00-01:45 twice."""
    return pd.date_range("2026-10-25 00:00", periods=100, freq="15min", tz="Europe/London")


def test_the_repeated_hour_of_a_fall_back_day_is_two_intervals_not_duplicates(tmp_path: Path) -> None:
    moments = fall_back_day()
    history = HEADER + "".join(f"{t:%Y-%m-%dT%H:%M},voice,{i},\n" for i, t in enumerate(moments))
    frame = load(tmp_path, history).history

    assert len(frame) == 100
    repeated = frame[frame["interval_start"].dt.hour == 1]
    assert repeated["interval_start"].dt.strftime("%H:%M").tolist() == ["01:00", "01:15", "01:30", "01:45"] * 2
    assert repeated["fold"].tolist() == [0, 0, 0, 0, 1, 1, 1, 1]  # in time order: the second pass comes after
    assert repeated["volume"].tolist() == [4.0, 5.0, 6.0, 7.0, 8.0, 9.0, 10.0, 11.0]
    assert frame["fold"].sum() == 4


def test_a_third_row_for_a_repeated_time_is_a_duplicate(tmp_path: Path) -> None:
    moments = fall_back_day()
    history = HEADER + "".join(f"{t:%Y-%m-%dT%H:%M},voice,{i},\n" for i, t in enumerate(moments))
    scenario = load(tmp_path, history + "2026-10-25T01:15,voice,99,\n", skip=True)

    assert scenario.warnings[0] == (
        "history.csv, row 11, column 'interval_start': '2026-10-25T01:15' is not a new interval for queue 'voice' "
        "(row 102 has it again, with volume 99 instead of 9). Row 102 is kept, as the later row in the file: a "
        "later export corrects an earlier one. This row is dropped."
    )
    second_pass = scenario.history[scenario.history["fold"] == 1]
    assert second_pass["volume"].tolist() == [8.0, 99.0, 10.0, 11.0]


def test_with_offsets_the_fold_comes_from_the_offset_not_the_file_order(tmp_path: Path) -> None:
    moments = fall_back_day()
    lines = [f"{t.isoformat()},voice,{i},\n" for i, t in enumerate(moments)]
    assert lines[8].startswith("2026-10-25T01:00:00+00:00")
    frame = load(tmp_path, HEADER + "".join(reversed(lines))).history

    assert len(frame) == 100
    repeated = frame[frame["interval_start"].dt.hour == 1]
    assert repeated["fold"].tolist() == [0, 0, 0, 0, 1, 1, 1, 1]
    assert repeated["volume"].tolist() == [4.0, 5.0, 6.0, 7.0, 8.0, 9.0, 10.0, 11.0]


def test_times_the_spring_forward_jump_skips_are_dropped(tmp_path: Path) -> None:
    history = HEADER + "".join(
        f"2026-03-29T{clock},voice,1,\n" for clock in ("00:45", "01:00", "01:15", "01:30", "01:45", "02:00")
    )
    scenario = load(tmp_path, history, skip=True)

    assert scenario.warnings[:4] == tuple(
        f"history.csv, row {row}, column 'interval_start': '2026-03-29T{clock}' is not a time that exists in "
        "Europe/London: clocks go forward from 01:00 to 02:00 on 2026-03-29. A site-local export cannot contain "
        "it; was it written in another time zone? Row dropped."
        for row, clock in ((3, "01:00"), (4, "01:15"), (5, "01:30"), (6, "01:45"))
    )
    assert scenario.history["interval_start"].dt.strftime("%H:%M").tolist() == ["00:45", "02:00"]


# ----------------------------------------------------------------------------------------------------------------
# events.csv


def test_events_are_loaded(tmp_path: Path) -> None:
    scenario = load(tmp_path, TWO_WEEKS)

    assert scenario.events == (
        Event(date=dt.date(2026, 3, 6), queue="*", multiplier=1.2),
        Event(date=dt.date(2026, 3, 7), queue="claims", closed=True),
    )


@pytest.mark.parametrize(
    ("row", "message"),
    [
        (
            "2026-03-06,*,1.2,yes",
            "events.csv, row 2: either a multiplier (e.g. 1.3) or closed = true, not both. "
            "A closed day has no volume for a multiplier to scale; keep one of the two.",
        ),
        (
            "2026-03-06,*,,no",
            "events.csv, row 2: either a multiplier (e.g. 1.3) or closed = true; this row has neither. "
            "1.3 means 30% more volume than a normal day, 0.5 half; closed = true means no volume at all.",
        ),
    ],
)
def test_an_event_needs_exactly_one_of_multiplier_and_closed(tmp_path: Path, row: str, message: str) -> None:
    events = f"date,queue,multiplier,closed\n{row}\n"
    problem = only_problem(make_scenario(tmp_path / "s", history_csv=TWO_WEEKS, events_csv=events))

    assert str(problem) == message


# ----------------------------------------------------------------------------------------------------------------
# The forecast's own inputs, without staff


def forecast_folder(folder: Path, **files: str) -> Path:
    folder.mkdir(parents=True)
    for name, text in files.items():
        (folder / name.replace("_csv", ".csv").replace("_toml", ".toml")).write_text(text, encoding="utf-8")
    return folder


def test_forecast_inputs_need_only_site_and_history(tmp_path: Path) -> None:
    folder = forecast_folder(tmp_path / "real", site_toml=SITE_TOML, history_csv=TWO_WEEKS)
    inputs = load_forecast_inputs(folder)

    assert isinstance(inputs, ForecastInputs)
    assert inputs.site.name == "Test site"
    assert inputs.events == ()
    assert inputs.warnings == ()
    pd.testing.assert_frame_equal(inputs.history, load(tmp_path, TWO_WEEKS).history)


def test_forecast_inputs_carry_events_and_warnings_and_ignore_the_planning_files(tmp_path: Path) -> None:
    folder = make_scenario(tmp_path / "s", history_csv=history_csv(days=2), staff_csv="agent_id\nA1\n")
    inputs = load_forecast_inputs(folder)

    assert [e.date for e in inputs.events] == [dt.date(2026, 3, 6), dt.date(2026, 3, 7)]
    assert len(inputs.warnings) == 2 and "has only 2 days of history" in inputs.warnings[0]


def test_forecast_inputs_report_problems_like_the_scenario(tmp_path: Path) -> None:
    folder = forecast_folder(tmp_path / "real", site_toml=SITE_TOML)

    with pytest.raises(ScenarioError) as caught:
        load_forecast_inputs(folder)

    [problem] = caught.value.problems
    assert str(problem) == (
        f"history.csv: this required file is missing from {folder} (it holds past volume per interval and "
        "queue). Add it with the header row: interval_start,queue,volume,aht_seconds"
    )


def test_forecast_inputs_from_a_workbook(tmp_path: Path) -> None:
    folder = make_scenario(tmp_path / "s", history_csv=TWO_WEEKS)
    inputs = load_forecast_inputs(write_workbook(folder, tmp_path / "plan.xlsx"))

    pd.testing.assert_frame_equal(inputs.history, load_scenario(folder).history)
    assert inputs.events == load_scenario(folder).events
