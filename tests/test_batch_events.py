"""One person's change never stops the night for everybody (issue 16, case 3).

A small generated site (20 agents, 3 queues, 3-day horizon, the next 2 days frozen, 1 s solver limit) publishes
the night of 1 March once. Each test copies it, makes one single-agent change a real site sees between two
nights, and runs the night of 2 March: it must publish (exit 1, warnings naming the person and what changed),
keep everybody else's frozen days exactly as published, and pass the independent validator.

Before: a sick call on a day with a training booked, a partial sick call, an availability change, a contract
change, a new starter without skills yet and a leaver each stopped the night (exit 3 "The rules cannot all
hold", or exit 2 for rows naming an agent no longer in staff.csv).
"""

from __future__ import annotations

import datetime as dt
import json
import re
import shutil
from collections.abc import Callable
from pathlib import Path

import pandas as pd
import pytest
from batch_fixtures import SITE, run_night, tiny_site
from plan_validator import validate_run_folder

from wfm.batch.nightly import EXIT_BAD_INPUT, EXIT_WARNINGS, SiteOutcome
from wfm.io import load_scenario
from wfm.reports import read_plan

FIRST_NIGHT = dt.date(2026, 3, 1)  # publishes Mon 2 - Wed 4 March
NIGHT = dt.date(2026, 3, 2)  # plans Tue 3 - Thu 5 March; Tue 3 and Wed 4 are frozen
FROZEN = (dt.date(2026, 3, 3), dt.date(2026, 3, 4))


@pytest.fixture(scope="module")
def first_night(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tiny_site(
        tmp_path_factory.mktemp("events"),
        horizon_days=3,
        settings="time_limit_seconds = 1\ndeterministic = false\nfreeze_days = 2",
    )
    assert run_night(root, FIRST_NIGHT).exit_code == EXIT_WARNINGS  # the generated backlog is already past SLA
    return root


def night_after(first_night: Path, tmp_path: Path, change: Callable[[Path], None]) -> tuple[Path, SiteOutcome]:
    root = tmp_path / "copy"
    shutil.copytree(first_night, root, symlinks=True)
    change(root / "site")
    return root, run_night(root, NIGHT)


def append(path: Path, line: str) -> None:
    with path.open("a", encoding="utf-8") as handle:
        handle.write(line + "\n")


def replace(path: Path, old: str, new: str) -> None:
    text = path.read_text()
    assert old in text
    path.write_text(text.replace(old, new, 1))


def remove_rows(path: Path, agent_id: str) -> None:
    lines = path.read_text().splitlines()
    path.write_text("\n".join(line for line in lines if not line.startswith(f"{agent_id},")) + "\n")


def shifts_on_frozen_days(folder: Path) -> pd.DataFrame:
    shifts = pd.read_csv(folder / "shifts.csv", parse_dates=["date"])
    return shifts[shifts["date"].dt.date.isin(FROZEN)].sort_values(["agent_id", "date"]).reset_index(drop=True)


def about(outcome: SiteOutcome, agent_id: str) -> list[str]:
    return [w for w in outcome.warnings if agent_id in w]


def check_published(root: Path, outcome: SiteOutcome, changed: set[str]) -> None:
    """Published with warnings; every other agent's frozen days as published; every hard rule kept."""
    assert outcome.exit_code == EXIT_WARNINGS, outcome.summary
    assert outcome.folder is not None and outcome.folder.name == NIGHT.isoformat()
    before = shifts_on_frozen_days(root / "schedules" / SITE / FIRST_NIGHT.isoformat())
    after = shifts_on_frozen_days(outcome.folder)
    columns = ["agent_id", "date", "template", "shift_start"]
    keep = before[~before["agent_id"].isin(changed)][columns].reset_index(drop=True)
    assert after[~after["agent_id"].isin(changed)][columns].reset_index(drop=True).equals(keep)
    first = json.loads((root / "schedules" / SITE / FIRST_NIGHT.isoformat() / "manifest.json").read_text())
    scenario = load_scenario(root / "site", published=first["batch"]["agents"])
    horizon = scenario.site.horizon.model_copy(update={"start": NIGHT + dt.timedelta(days=1), "days": 3})
    planned = scenario.model_copy(update={"site": scenario.site.model_copy(update={"horizon": horizon})})
    # the changed agents' rows were settled for the night (their warnings say how): the others' must all hold
    assert [v for v in validate_run_folder(outcome.folder, planned) if v.agent_id not in changed] == []


def test_a_sick_call_on_a_frozen_day_with_a_training_drops_that_shift_and_the_training(
    first_night: Path, tmp_path: Path
) -> None:
    root, outcome = night_after(
        first_night, tmp_path,
        lambda site: append(site / "time_off.csv", "A0001,2026-03-03T00:00:00,2026-03-04T00:00:00,sick"),
    )  # fmt: skip
    check_published(root, outcome, {"A0001"})
    assert about(outcome, "A0001") == [
        "agent A0001: the published shift on Tue 03 Mar (10:00-17:30, short) is no longer possible (time off or "
        "availability); that day was re-planned",
        "A0001 (Ibrahim Kingsley): training Tue 03 Mar 10:00-12:00 is left out of the plan: no shift they may work "
        "holds it any more (time off, availability, contract, or the day's published shift). Rebook it",
    ]
    assert outcome.folder is not None
    shifts, segments = read_plan(outcome.folder)
    assert not [s for s in shifts if s.agent_id == "A0001" and s.date == FROZEN[0]]
    assert not [s for s in segments if s.agent_id == "A0001" and s.activity == "training"]


def test_a_partial_sick_call_plans_the_most_hours_the_person_can_still_work(first_night: Path, tmp_path: Path) -> None:
    root, outcome = night_after(
        first_night, tmp_path,
        lambda site: append(site / "time_off.csv", "A0001,2026-03-03T09:00:00,2026-03-03T13:00:00,sick"),
    )  # fmt: skip
    check_published(root, outcome, {"A0001"})
    assert (
        "A0001 (Ibrahim Kingsley): the contract's minimum (32 h a week, contract ft35) cannot be reached in the week "
        "from Tue 03 Mar: at most 15.0 h (time off, availability); planned to the most they can work"
    ) in outcome.warnings
    assert outcome.folder is not None
    shifts, _ = read_plan(outcome.folder)
    # Wed 4 as published (7.5 h shift, 7 h paid) and one more day: 15 h is exactly what is reachable
    assert sum(s.paid_minutes for s in shifts if s.agent_id == "A0001") == 15 * 60


def test_an_availability_change_that_rules_out_a_training_and_the_contract_minimum(
    first_night: Path, tmp_path: Path
) -> None:
    root, outcome = night_after(
        first_night, tmp_path, lambda site: append(site / "availability.csv", "A0003,wed,08:00,18:00")
    )
    check_published(root, outcome, {"A0003"})
    lines = about(outcome, "A0003")
    assert any(w.startswith("agent A0003: the published shift on Tue 03 Mar") for w in lines)  # re-planned
    assert sum("training Tue 03 Mar 10:00-12:00 is left out of the plan" in w for w in lines) == 1  # to rebook
    # planned to the most they can still work: their one Wednesday (7 or 8 h, by what was published that day)
    assert sum(bool(re.search(r"at most [78]\.0 h .*planned to the most they can work", w)) for w in lines) == 1


def test_a_contract_change_re_plans_the_published_shifts_it_rules_out(first_night: Path, tmp_path: Path) -> None:
    root, outcome = night_after(
        first_night, tmp_path,
        lambda site: replace(site / "staff.csv", "A0002,Nia Coulthard,front,Service A,ft35", "A0002,Nia Coulthard,"
                             "front,Service A,pt20"),
    )  # fmt: skip
    check_published(root, outcome, {"A0002"})
    assert [w.split(":")[0] for w in about(outcome, "A0002")] == ["agent A0002", "agent A0002", "A0002 (Nia Coulthard)"]
    assert "training Wed 04 Mar 14:00-16:00 is left out of the plan" in about(outcome, "A0002")[2]


def test_a_contract_change_the_frozen_days_break_releases_that_persons_frozen_days(
    first_night: Path, tmp_path: Path
) -> None:
    def one_day_a_week(site: Path) -> None:
        append(
            site / "site.toml",
            '\n[[contracts]]\nid = "one_day"\nname = "One day"\ncontracted_hours_week = 7\nmin_hours_week = 0\n'
            "max_hours_week = 9\nmax_overtime_hours_week = 2\nmax_hours_day = 9\ndays_off_per_week = 6\n"
            'shift_templates = ["short", "early", "day", "late"]',
        )
        replace(site / "staff.csv", "A0002,Nia Coulthard,front,Service A,ft35", "A0002,Nia Coulthard,front,Service "
                "A,one_day")  # fmt: skip

    root, outcome = night_after(first_night, tmp_path, one_day_a_week)
    check_published(root, outcome, {"A0002"})
    assert [w for w in about(outcome, "A0002") if "could not be kept" in w] == [
        "A0002: the published shifts on Tue 03 Mar, Wed 04 Mar could not be kept and were planned again (these "
        "rules could not all hold: days_off (6 days off a week); published_days (published shifts kept on Tue 03, "
        "Wed 04)); tell them"
    ]
    assert outcome.folder is not None
    shifts, _ = read_plan(outcome.folder)
    assert len([s for s in shifts if s.agent_id == "A0002"]) == 1


def test_a_new_starter_is_planned_and_one_without_skills_yet_is_not(first_night: Path, tmp_path: Path) -> None:
    def starters(site: Path) -> None:
        append(site / "staff.csv", "A0099,Noor Haddad,front,Service A,ft35,20.00")
        append(site / "skills.csv", "A0099,voice_service,0.8,1")
        append(site / "staff.csv", "A0098,Sam Obi,front,Service A,ft35,20.00")

    root, outcome = night_after(first_night, tmp_path, starters)
    check_published(root, outcome, {"A0099", "A0098"})
    assert about(outcome, "A0099") == []
    assert about(outcome, "A0098") == [
        "staff.csv, row 23: A0098 (Sam Obi) is new and has no rows in skills.csv yet: not planned tonight. Add "
        "their skills (e.g. A0098,<queue>,1.0) to plan them."
    ]
    assert outcome.folder is not None
    shifts, _ = read_plan(outcome.folder)
    assert {s.agent_id for s in shifts} >= {"A0099"} and "A0098" not in {s.agent_id for s in shifts}


def test_a_leaver_removed_from_staff_only_is_left_out_with_their_published_shifts_named(
    first_night: Path, tmp_path: Path
) -> None:
    root, outcome = night_after(first_night, tmp_path, lambda site: remove_rows(site / "staff.csv", "A0003"))
    check_published(root, outcome, {"A0003"})
    published = shifts_on_frozen_days(root / "schedules" / SITE / FIRST_NIGHT.isoformat())
    theirs = published[published["agent_id"] == "A0003"]
    times = ", ".join(
        f"{pd.Timestamp(s):%a %d %b %H:%M}-{pd.Timestamp(e):%H:%M}"
        for s, e in zip(theirs["shift_start"], theirs["shift_end"], strict=True)
    )
    assert about(outcome, "A0003") == [
        f"A0003 is no longer in staff.csv but was published to work {times}: "
        "those shifts are not covered by them any more (the rest of the plan is unchanged)",
        "staff.csv: A0003 was in the published plan and is no longer in staff.csv (a leaver?): their rows were left "
        "out (skills.csv rows 4, 5; fixed_activities.csv rows 3, 7). Remove those rows.",
    ]


def test_an_agent_id_never_planned_is_still_an_error_a_typo_not_a_leaver(first_night: Path, tmp_path: Path) -> None:
    _, outcome = night_after(
        first_night, tmp_path,
        lambda site: append(site / "time_off.csv", "A0O01,2026-03-03T00:00:00,2026-03-04T00:00:00,sick"),
    )  # fmt: skip
    assert outcome.exit_code == EXIT_BAD_INPUT
    assert "'A0O01' is not an agent_id in staff.csv" in outcome.summary
