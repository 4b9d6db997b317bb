"""The scenario loader: a valid folder loads; each kind of mistake is reported with file, row, column, value."""

from __future__ import annotations

import datetime as dt
import time
from pathlib import Path

import openpyxl
import pandas as pd
import pytest

from wfm.io import Problem, ScenarioError, load_scenario, load_site

SITE_TOML = """\
name = "Test site"
timezone = "Europe/London"
interval_minutes = 15
shrinkage = 0.3

[horizon]
start = 2026-03-02
days = 7

[[queues]]
id = "voice"
name = "Voice service"
office = "front"
channel = "voice"
kind = "live"
service_level = 0.8
answer_seconds = 20
open = "08:00"
close = "20:00"
days = ["mon", "tue", "wed", "thu", "fri"]

[[queues]]
id = "claims"
office = "back"
channel = "case"
kind = "deferred"
sla_hours = 24
open = "08:00"
close = "18:00"

[[shift_templates]]
id = "early"
start_times = ["08:00", "08:30"]
length_minutes = 510

[[shift_templates.breaks]]
kind = "lunch"
minutes = 30
paid = false
earliest_after_minutes = 180
latest_after_minutes = 300

[[shift_templates]]
id = "late"
start_times = ["11:30"]
length_minutes = 510

[[contracts]]
id = "ft40"
contracted_hours_week = 40
max_hours_week = 44
shift_templates = ["early", "late"]
"""

STAFF = """\
agent_id,name,office,team,contract,hourly_cost
A1,Ann,front,T1,ft40,21.5
A2,Bob,front,T1,ft40,
A3,Cat,back,T2,ft40,19
"""

SKILLS = """\
agent_id,queue,proficiency,priority
A1,voice,1.0,1
A2,voice,0.8,1
A2,claims,0.6,2
A3,claims,1.0,
"""

AVAILABILITY = """\
agent_id,day,start,end
A2,mon,08:00,16:00
A2,2026-03-04,12:00,24:00
"""

TIME_OFF = """\
agent_id,start,end,reason
A1,2026-03-03T00:00,2026-03-04T00:00,vacation
"""

FIXED_ACTIVITIES = """\
agent_id,start,end,activity
A3,2026-03-05 10:00,2026-03-05 11:00,training
"""

PREVIOUS_SHIFTS = """\
agent_id,start,end
A1,2026-03-01T08:00,2026-03-01T16:30
"""

BACKLOG = """\
queue,items,oldest_arrival
claims,42,2026-02-27T09:00
"""

EVENTS = """\
date,queue,multiplier,closed
2026-03-06,*,1.2,
2026-03-07,claims,,true
"""


def history_csv(days: int = 2) -> str:
    """Two queues, every 15 minutes from 08:00 to 10:00 on `days` days; claims has no AHT."""
    lines = ["interval_start,queue,volume,aht_seconds"]
    for day in range(days):
        for quarter in range(8):
            moment = dt.datetime(2026, 2, 23, 8) + dt.timedelta(days=day, minutes=15 * quarter)
            lines.append(f"{moment:%Y-%m-%dT%H:%M:%S},voice,{10 + quarter},300")
            lines.append(f"{moment:%Y-%m-%dT%H:%M},claims,{quarter},")
    return "\n".join(lines) + "\n"


FILES = {
    "site.toml": SITE_TOML,
    "staff.csv": STAFF,
    "skills.csv": SKILLS,
    "history.csv": history_csv(),
    "availability.csv": AVAILABILITY,
    "time_off.csv": TIME_OFF,
    "fixed_activities.csv": FIXED_ACTIVITIES,
    "previous_shifts.csv": PREVIOUS_SHIFTS,
    "backlog.csv": BACKLOG,
    "events.csv": EVENTS,
}


def make_scenario(folder: Path, **changes: str | None) -> Path:
    """Write the valid scenario, with files replaced (`staff_csv="..."`) or removed (`staff_csv=None`)."""
    folder.mkdir(parents=True, exist_ok=True)
    files = dict(FILES)
    for key, text in changes.items():
        name = key.replace("_csv", ".csv").replace("_toml", ".toml")
        assert name in files, name
        files[name] = text  # type: ignore[assignment]
    for name, text in files.items():
        if text is not None:
            (folder / name).write_text(text, encoding="utf-8")
    return folder


def problems_of(folder: Path, skip_bad_rows: bool = False) -> list[Problem]:
    with pytest.raises(ScenarioError) as caught:
        load_scenario(folder, skip_bad_rows=skip_bad_rows)
    return caught.value.problems


def only_problem(folder: Path) -> Problem:
    problems = problems_of(folder)
    assert len(problems) == 1, "\n".join(str(p) for p in problems)
    return problems[0]


# ----------------------------------------------------------------------------------------------------------------
# The valid scenario


def test_valid_folder_loads_every_table(tmp_path: Path) -> None:
    scenario = load_scenario(make_scenario(tmp_path / "s"))

    assert scenario.site.name == "Test site"
    assert [q.id for q in scenario.site.queues] == ["voice", "claims"]
    assert [a.agent_id for a in scenario.agents] == ["A1", "A2", "A3"]
    assert scenario.agent_by_id["A1"].hourly_cost == 21.5
    assert scenario.agent_by_id["A2"].hourly_cost is None
    assert [(s.agent_id, s.queue, s.proficiency, s.priority) for s in scenario.skills] == [
        ("A1", "voice", 1.0, 1),
        ("A2", "voice", 0.8, 1),
        ("A2", "claims", 0.6, 2),
        ("A3", "claims", 1.0, 1),  # blank priority means 1
    ]
    monday, wednesday = scenario.availability
    assert (monday.weekday, monday.date, monday.start_minute, monday.end_minute) == (0, None, 480, 960)
    assert (wednesday.weekday, wednesday.date, wednesday.end_minute) == (None, dt.date(2026, 3, 4), 1440)
    assert scenario.time_off[0].start == dt.datetime(2026, 3, 3)
    assert scenario.time_off[0].reason == "vacation"
    assert scenario.fixed_activities[0].end == dt.datetime(2026, 3, 5, 11)  # a space instead of T is accepted
    assert scenario.previous_shifts[0].end == dt.datetime(2026, 3, 1, 16, 30)
    assert (scenario.backlog[0].queue, scenario.backlog[0].items) == ("claims", 42)
    assert [(e.date, e.queue, e.multiplier, e.closed) for e in scenario.events] == [
        (dt.date(2026, 3, 6), "*", 1.2, False),
        (dt.date(2026, 3, 7), "claims", None, True),
    ]
    # Two days of history load, with a warning per queue that its forecast is less reliable.
    assert scenario.warnings == tuple(
        f"history.csv, column 'queue': queue '{queue}' has only 2 days of history (2026-02-23 to 2026-02-24). "
        "Its forecast is still made but less reliable: 14 days or more show each weekday at least twice."
        for queue in ("claims", "voice")
    )


def test_history_is_a_typed_frame_sorted_by_interval_and_queue(tmp_path: Path) -> None:
    history = load_scenario(make_scenario(tmp_path / "s")).history

    assert list(history.columns) == ["interval_start", "queue", "volume", "aht_seconds", "fold"]
    assert len(history) == 32
    assert pd.api.types.is_datetime64_dtype(history["interval_start"])
    assert history["interval_start"].dt.tz is None
    assert history["volume"].dtype == float and history["aht_seconds"].dtype == float
    assert history["fold"].dtype == "int8" and (history["fold"] == 0).all()  # no clock change in these days
    first = history.iloc[0]
    assert (first["interval_start"], first["queue"], first["volume"]) == (
        pd.Timestamp("2026-02-23 08:00"),
        "claims",
        0.0,
    )
    assert pd.isna(first["aht_seconds"])  # blank AHT is unknown, not zero
    assert history.iloc[1]["aht_seconds"] == 300.0


def test_load_site_reads_the_toml_alone(tmp_path: Path) -> None:
    folder = make_scenario(tmp_path / "s")
    assert load_site(folder / "site.toml").contract_by_id["ft40"].shift_templates == ("early", "late")
    assert load_site(folder).horizon.days == 7


# ----------------------------------------------------------------------------------------------------------------
# One mistake each


def test_missing_required_column(tmp_path: Path) -> None:
    staff = STAFF.replace("contract,", "contracts,")
    problem = only_problem(make_scenario(tmp_path / "s", staff_csv=staff))

    assert (problem.file, problem.row, problem.column) == ("staff.csv", None, "contract")
    assert str(problem) == (
        "staff.csv, column 'contract': this required column is missing (the header row has: agent_id, name, "
        "office, team, contracts, hourly_cost). Is 'contracts' meant to be 'contract'? "
        "The header row should be: agent_id,name,office,contract,team,hourly_cost"
    )


def test_missing_required_file(tmp_path: Path) -> None:
    problem = only_problem(make_scenario(tmp_path / "s", skills_csv=None))

    assert problem.file == "skills.csv"
    assert "this required file is missing" in problem.expected
    assert problem.hint == "Add it with the header row: agent_id,queue,proficiency,priority"


def test_bad_datetime_in_time_off(tmp_path: Path) -> None:
    time_off = "agent_id,start,end,reason\nA1,03/03/2026 08:00,2026-03-04T00:00,vacation\n"
    problem = only_problem(make_scenario(tmp_path / "s", time_off_csv=time_off))

    assert (problem.file, problem.row, problem.column, problem.value) == (
        "time_off.csv",
        2,
        "start",
        "03/03/2026 08:00",
    )
    # One of the two date columns is written day first: one problem for the column, with the setting that reads it.
    assert str(problem) == (
        "time_off.csv, row 2, column 'start': '03/03/2026 08:00' is not a date and time written year first, like "
        "2026-03-02T08:15, as site.toml expects. This row is written day or month first (DD/MM/YYYY or MM/DD/YYYY: "
        'no value shows which). Set date_format = "DD/MM/YYYY" or date_format = "MM/DD/YYYY" under [input] in '
        "site.toml, or write the dates year first (2026-03-02T08:15)."
    )


def test_bad_clock_time_in_availability(tmp_path: Path) -> None:
    availability = "agent_id,day,start,end\nA2,mon,8h00,16:00\nA2,funday,08:00,16:00\n"
    problems = problems_of(make_scenario(tmp_path / "s", availability_csv=availability))

    assert [(p.row, p.column, p.value) for p in problems] == [(2, "start", "8h00"), (3, "day", "funday")]
    assert problems[0].expected == "a clock time like 08:30 (HH:MM, 24:00 allowed as an end)"


def test_unknown_queue_in_skills(tmp_path: Path) -> None:
    skills = SKILLS.replace("A1,voice,1.0,1", "A1,Voice,1.0,1")
    problem = only_problem(make_scenario(tmp_path / "s", skills_csv=skills))

    assert str(problem) == (
        "skills.csv, row 2, column 'queue': 'Voice' is not a queue in site.toml (expected one of: claims, voice). "
        "Did you mean 'voice' (ids are case-sensitive)? Fix the value or add the queue to site.toml."
    )


def test_unknown_contract_in_staff_suggests_the_close_one(tmp_path: Path) -> None:
    staff = STAFF.replace("A2,Bob,front,T1,ft40", "A2,Bob,front,T1,FT-40")
    problem = only_problem(make_scenario(tmp_path / "s", staff_csv=staff))

    assert str(problem) == (
        "staff.csv, row 3, column 'contract': 'FT-40' is not a contract in site.toml (expected one of: ft40). "
        "Did you mean 'ft40'? Fix the value or add the contract."
    )


def test_unknown_agent_in_time_off(tmp_path: Path) -> None:
    time_off = "agent_id,start,end,reason\nA9,2026-03-03T00:00,2026-03-04T00:00,vacation\n"
    problem = only_problem(make_scenario(tmp_path / "s", time_off_csv=time_off))

    assert (problem.file, problem.row, problem.column, problem.value) == ("time_off.csv", 2, "agent_id", "A9")
    assert problem.expected == "an agent_id in staff.csv (expected one of: A1, A2, A3)"


def test_proficiency_above_one(tmp_path: Path) -> None:
    skills = SKILLS.replace("A2,voice,0.8,1", "A2,voice,1.7,1")
    problem = only_problem(make_scenario(tmp_path / "s", skills_csv=skills))

    assert (problem.file, problem.row, problem.column, problem.value) == ("skills.csv", 3, "proficiency", "1.7")
    assert str(problem) == (
        "skills.csv, row 3, column 'proficiency': '1.7' is not a proficiency in (0, 1]. "
        "1.0 works at the queue's AHT, 0.5 takes twice as long. 1.0 is the most: a full-speed expert."
    )


def test_proficiency_written_as_a_percentage_gets_the_fraction_suggested(tmp_path: Path) -> None:
    skills = SKILLS.replace("A2,voice,0.8,1", "A2,voice,85,1")
    problem = only_problem(make_scenario(tmp_path / "s", skills_csv=skills))

    assert str(problem).endswith("Write percentages as fractions: 0.85 for 85%.")


def test_duplicate_agent_id(tmp_path: Path) -> None:
    staff = STAFF + "A2,Bob again,front,T1,ft40,\n"
    problem = only_problem(make_scenario(tmp_path / "s", staff_csv=staff))

    assert str(problem) == (
        "staff.csv, row 5, column 'agent_id': 'A2' is not a unique agent_id (row 3 has the same id). "
        "Each agent appears once in staff.csv."
    )


def test_duplicate_skill(tmp_path: Path) -> None:
    skills = SKILLS + "A1,voice,0.5,2\n"
    problem = only_problem(make_scenario(tmp_path / "s", skills_csv=skills))

    assert (problem.row, problem.column, problem.value) == (6, "queue", "voice")
    assert problem.expected == "a new skill for agent 'A1' (row 2 already gives them this queue)"


def test_time_off_ending_before_it_starts(tmp_path: Path) -> None:
    time_off = "agent_id,start,end,reason\nA1,2026-03-04T00:00,2026-03-03T00:00,vacation\n"
    problem = only_problem(make_scenario(tmp_path / "s", time_off_csv=time_off))

    assert str(problem) == (
        "time_off.csv, row 2, column 'end': '2026-03-03T00:00' is not after start 2026-03-04T00:00. "
        "Check the order of start and end."
    )


def test_cross_references_in_the_optional_files(tmp_path: Path) -> None:
    folder = make_scenario(
        tmp_path / "s",
        backlog_csv="queue,items,oldest_arrival\nvoice,42,2026-02-27T09:00\n",
        events_csv="date,queue,multiplier,closed\n2026-03-06,sales,1.2,\n2026-03-07,claims,,maybe\n",
        previous_shifts_csv="agent_id,start,end\nA4,2026-03-01T08:00,2026-03-01T16:30\n",
        availability_csv="agent_id,day,start,end\nA2,mon,16:00,08:00\n",
    )
    problems = problems_of(folder)

    assert [(p.file, p.row, p.column, p.value) for p in problems] == [
        ("availability.csv", 2, "end", "08:00"),
        ("previous_shifts.csv", 2, "agent_id", "A4"),
        ("backlog.csv", 2, "queue", "voice"),
        ("events.csv", 2, "queue", "sales"),
        ("events.csv", 3, "closed", "maybe"),
    ]
    assert problems[0].hint == "A window cannot cross midnight; split it in two rows."
    assert problems[2].expected == "a deferred queue in site.toml (expected one of: claims)"


def test_agent_without_skills(tmp_path: Path) -> None:
    skills = "agent_id,queue,proficiency,priority\nA1,voice,1.0,1\nA2,voice,0.8,1\n"
    problem = only_problem(make_scenario(tmp_path / "s", skills_csv=skills))

    assert (problem.file, problem.row) == ("staff.csv", 4)
    assert problem.expected == "agent 'A3' has no rows in skills.csv, so they could never be scheduled"


def test_unknown_history_queue_is_reported_once_per_name(tmp_path: Path) -> None:
    history = history_csv().replace(",claims,", ",claim,")
    problem = only_problem(make_scenario(tmp_path / "s", history_csv=history))

    assert (problem.row, problem.column, problem.value) == (3, "queue", "claim")
    assert (
        problem.hint
        == "16 rows use it, this is the first. Did you mean 'claims'? Fix the value or add the queue to site.toml."
    )


def test_toml_syntax_error_names_the_line(tmp_path: Path) -> None:
    site = SITE_TOML.replace('name = "Voice service"', "name = Voice service")
    problem = only_problem(make_scenario(tmp_path / "s", site_toml=site))

    assert (problem.file, problem.line, problem.value) == ("site.toml", 12, "name = Voice service")
    assert str(problem).startswith(
        "site.toml, line 12: 'name = Voice service' is not valid TOML (invalid value at column 8). "
        'Text values need double quotes (name = "Voice service")'
    )


def test_site_validation_error_names_the_table_and_field(tmp_path: Path) -> None:
    site = SITE_TOML.replace("answer_seconds = 20", "answer_seconds = 20\nconcurrency = 12")
    problem = only_problem(make_scenario(tmp_path / "s", site_toml=site))

    assert str(problem) == (
        "site.toml, line 18, [[queues]] #1 'voice', field 'concurrency': input should be less than or equal to 10 "
        "(got 12)."
    )


def test_site_unknown_setting_suggests_the_real_one(tmp_path: Path) -> None:
    site = SITE_TOML.replace("days = 7", "day = 7")
    problem = only_problem(make_scenario(tmp_path / "s", site_toml=site))

    assert (
        str(problem) == "site.toml, line 8, [horizon], field 'day': this is not a known setting. Did you mean 'days'?"
    )


def test_contract_with_unknown_shift_template(tmp_path: Path) -> None:
    site = SITE_TOML.replace('shift_templates = ["early", "late"]', 'shift_templates = ["early", "lates"]')
    problem = only_problem(make_scenario(tmp_path / "s", site_toml=site))

    assert str(problem) == (
        "site.toml, line 52, [[contracts]] #1 'ft40', field 'shift_templates': 'lates' is not a shift template "
        "defined in [[shift_templates]] (expected one of: early, late). Did you mean 'late'? "
        "Fix the contract or add a [[shift_templates]] with that id."
    )


def test_a_shift_template_without_an_id_is_one_problem_naming_what_refers_to_it(tmp_path: Path) -> None:
    # Without its id the template's name is unknown, so both references to "early" would fail too: one cause,
    # one problem, where it is.
    site = SITE_TOML.replace('[[shift_templates]]\nid = "early"\n', "[[shift_templates]]\n", 1)
    problem = only_problem(make_scenario(tmp_path / "s", site_toml=site))

    assert str(problem).startswith("site.toml, line ")
    assert "[[shift_templates]] #1: an id for this shift template: it has none." in str(problem)
    assert "('early' by ft40" in str(problem) and 'add id = "early" to it.' in str(problem)


def test_a_contract_without_an_id_is_one_problem_not_one_per_staff_row(tmp_path: Path) -> None:
    site = SITE_TOML.replace('[[contracts]]\nid = "ft40"\n', "[[contracts]]\n", 1)
    problem = only_problem(make_scenario(tmp_path / "s", site_toml=site))

    assert "[[contracts]] #1, field 'id': this required setting is missing." in str(problem)


def test_several_errors_are_reported_together(tmp_path: Path) -> None:
    staff = STAFF.replace("A3,Cat,back,T2,ft40", "A3,Cat,backoffice,T2,ft40")
    skills = SKILLS.replace("A2,claims,0.6,2", "A2,claims,1.7,2")
    history = history_csv().replace("2026-02-24T09:45:00,voice,17", "2026-02-24T09:45:00,voicemail,17")
    folder = make_scenario(tmp_path / "s", staff_csv=staff, skills_csv=skills, history_csv=history)

    with pytest.raises(ScenarioError) as caught:
        load_scenario(folder)

    assert [(p.file, p.row, p.column, p.value) for p in caught.value.problems] == [
        ("staff.csv", 4, "office", "backoffice"),
        ("skills.csv", 4, "proficiency", "1.7"),
        ("history.csv", 32, "queue", "voicemail"),
    ]
    report = caught.value.report()
    assert report.splitlines()[0] == "The scenario could not be loaded (3 problems):"
    assert (
        "staff.csv, row 4, column 'office': 'backoffice' is not an office (expected one of: front, middle, back)."
        in report
    )


def test_missing_folder(tmp_path: Path) -> None:
    problem = only_problem(tmp_path / "nowhere")
    assert problem.expected == "this scenario folder or workbook does not exist"


# ----------------------------------------------------------------------------------------------------------------
# The workbook form


def write_workbook(folder: Path, path: Path) -> Path:
    """The same scenario as one workbook, with typed cells as Excel stores them (datetimes, numbers, times)."""
    book = openpyxl.Workbook()
    site_sheet = book.active
    assert site_sheet is not None
    site_sheet.title = "site"
    site_sheet["A1"] = (folder / "site.toml").read_text()
    for csv in sorted(folder.glob("*.csv")):
        frame = pd.read_csv(csv, dtype=str, keep_default_na=False)
        sheet = book.create_sheet(csv.stem)
        sheet.append(list(frame.columns))
        for record in frame.itertuples(index=False):
            sheet.append([_typed(column, str(value)) for column, value in zip(frame.columns, record, strict=True)])
    book.save(path)
    return path


def _typed(column: str, value: str) -> object:
    if value == "":
        return None
    if column in ("interval_start", "oldest_arrival") or (column in ("start", "end") and "-" in value):
        return dt.datetime.fromisoformat(value.replace(" ", "T"))
    if column in ("start", "end"):
        hours, minutes = value.split(":")
        # Excel has no time 24:00; a planner types it as text.
        return value if hours == "24" else dt.time(int(hours), int(minutes))
    if column in ("volume", "proficiency", "hourly_cost", "items", "aht_seconds", "multiplier"):
        return float(value)
    return value


def test_workbook_loads_the_same_scenario_as_the_folder(tmp_path: Path) -> None:
    folder = make_scenario(tmp_path / "s")
    workbook = write_workbook(folder, tmp_path / "plan.xlsx")

    from_folder, from_workbook = load_scenario(folder), load_scenario(workbook)

    for name in (
        "site",
        "agents",
        "skills",
        "availability",
        "time_off",
        "fixed_activities",
        "previous_shifts",
        "backlog",
        "events",
    ):
        assert getattr(from_workbook, name) == getattr(from_folder, name), name
    pd.testing.assert_frame_equal(from_workbook.history, from_folder.history)


def test_workbook_problems_name_the_sheet(tmp_path: Path) -> None:
    folder = make_scenario(tmp_path / "s", skills_csv=SKILLS.replace("A2,voice,0.8,1", "A2,voice,1.7,1"))
    problem = only_problem(write_workbook(folder, tmp_path / "plan.xlsx"))

    assert (problem.file, problem.row, problem.column, problem.value) == (
        "plan.xlsx, sheet 'skills'",
        3,
        "proficiency",
        "1.7",
    )


# ----------------------------------------------------------------------------------------------------------------
# Size


def test_half_a_million_history_rows_load_in_seconds(tmp_path: Path) -> None:
    intervals = pd.date_range("2025-12-01", periods=96 * 7 * 13, freq="15min")  # 13 weeks
    queues = [f"q{i:02d}" for i in range(50)]
    frame = pd.DataFrame(
        {
            "interval_start": pd.Series(intervals.strftime("%Y-%m-%dT%H:%M:%S")).repeat(len(queues)).to_numpy(),
            "queue": queues * len(intervals),
            "volume": 7,
            "aht_seconds": 240,
        }
    )
    site = SITE_TOML + "".join(
        f'\n[[queues]]\nid = "{q}"\noffice = "front"\nchannel = "voice"\nkind = "live"\n'
        "service_level = 0.8\nanswer_seconds = 20\n"
        for q in queues
    )
    folder = make_scenario(tmp_path / "s", site_toml=site, history_csv=frame.to_csv(index=False))

    started = time.process_time()
    history = load_scenario(folder).history
    seconds = time.process_time() - started

    assert len(history) == 436_800
    assert history["volume"].sum() == 7 * 436_800
    assert seconds < 5, seconds


def test_the_shipped_sample_loads_cleanly_and_quickly() -> None:
    sample = Path(__file__).resolve().parent.parent / "data" / "sample"

    started = time.process_time()
    scenario = load_scenario(sample)
    seconds = time.process_time() - started

    assert scenario.agents and scenario.skills and len(scenario.history) > 0
    assert set(scenario.history["queue"]) <= set(scenario.site.queue_by_id)
    assert scenario.warnings == ()
    assert seconds < 3, seconds
