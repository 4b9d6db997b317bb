"""`wfm capacity`: the long-range forecast, FTE required and available, the gap and the hiring classes it suggests,
held to numbers worked out by hand; then the command on the bundled sample, and bad input."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from openpyxl import load_workbook
from typer.testing import CliRunner

from wfm.cli import app
from wfm.domain import Agent, Contract, Horizon, Queue, Scenario, ShiftTemplate, Site
from wfm.domain.capacity_plan import CapacityPlan, HiringClass, SuggestedClasses
from wfm.forecast.history import normalize_history
from wfm.forecast.long_range import daily_forecast, damped_steps, long_range_forecast, read_volume_plan
from wfm.io import ScenarioError
from wfm.pipeline import EXIT_BAD_INPUT, EXIT_NO_PLAN
from wfm.pipeline_capacity import capacity_case, padding_weeks, requirements_over
from wfm.staffing.capacity import CapacityFigures, attrition_factor, capacity_figures, class_fte, suggest_classes

REPO = Path(__file__).resolve().parents[1]
SAMPLE = REPO / "data" / "sample"
EXAMPLE_PLAN = REPO / "data" / "examples" / "capacity" / "capacity.toml"
START = dt.date(2026, 3, 2)  # a Monday
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri")
runner = CliRunner()

# A hand-made centre on a 30-minute grid in UTC (no clock changes), 20 % unplanned absence:
# - calls: live, open 08:00-09:00 on weekdays, 1 call per half hour of 60 s. The load (1/30 Erlang) is met by one
#   agent (80 % within 20 s: 1 - (1/30) e^(-(29/30) 20/60) = 97.6 %), grossed up for absence: ceil(1 / 0.8) = 2
#   agents in each of the 2 half hours, 5 days: 2 x 0.5 h x 2 x 5 = 10 agent-hours a week.
# - letters: deferred, 8-hour SLA, 10 letters of 6 minutes in each of 08:00 and 08:30: 2 hours of work a day,
#   all due the same afternoon (so each day's work is that day's), 10 hours a week, / (1 - 0.2) = 12.5 hours.
CALLS = Queue(id="calls", office="front", channel="voice", kind="live", service_level=0.8, answer_seconds=20,
              open="08:00", close="09:00", days=WEEKDAYS)  # fmt: skip
LETTERS = Queue(id="letters", office="back", channel="case", kind="deferred", sla_hours=8, open="08:00",
                close="18:00", days=WEEKDAYS)  # fmt: skip
DAY = ShiftTemplate(id="day", start_times=("08:00",), length_minutes=480)
FULL = Contract(id="ft", contracted_hours_week=37.5, max_hours_week=40, shift_templates=("day",))
HALF = Contract(id="pt", contracted_hours_week=18.75, max_hours_week=20, shift_templates=("day",))
SITE = Site(name="Hand-made centre", timezone="UTC", interval_minutes=30, shrinkage=0.2,
            horizon=Horizon(start=START, days=7), queues=(CALLS, LETTERS), shift_templates=(DAY,),
            contracts=(FULL, HALF))  # fmt: skip
EMPTY_HISTORY = pd.DataFrame({"interval_start": pd.to_datetime([]), "queue": [], "volume": [], "aht_seconds": []})


def agent(agent_id: str, office: str, contract: str = "ft") -> Agent:
    return Agent(agent_id=agent_id, name=agent_id, office=office, contract=contract)


# front: 3 full-timers = 3 FTE; back: 1 full-timer and 2 half-timers = 2 FTE
CENTRE = Scenario(site=SITE, agents=(agent("F1", "front"), agent("F2", "front"), agent("F3", "front"),
                                     agent("B1", "back"), agent("B2", "back", "pt"), agent("B3", "back", "pt")),
                  skills=(), history=EMPTY_HISTORY)  # fmt: skip


def hand_forecast(weeks: int) -> pd.DataFrame:
    """Every half hour of `weeks` weeks: 1 call (60 s) and 10 letters (360 s) at 08:00 and 08:30 on weekdays."""
    starts = pd.date_range(pd.Timestamp(START), periods=weeks * 7 * 48, freq="30min")
    busy = (starts.day_of_week < 5) & (starts.hour == 8)
    return pd.concat([
        pd.DataFrame({"interval_start": starts, "queue": "calls", "volume": np.where(busy, 1.0, 0.0),
                      "aht_seconds": 60.0}),
        pd.DataFrame({"interval_start": starts, "queue": "letters", "volume": np.where(busy, 10.0, 0.0),
                      "aht_seconds": 360.0}),
    ], ignore_index=True)  # fmt: skip


def hand_figures(weeks: int, plan: CapacityPlan | None = None) -> CapacityFigures:
    pad = padding_weeks(CENTRE)
    requirements = requirements_over(hand_forecast(weeks + pad), CENTRE, START, weeks, pad)
    return capacity_figures(requirements, CENTRE, plan or CapacityPlan(), START, weeks)


# --- Required FTE ------------------------------------------------------------------------------------------------


def test_required_hours_and_fte_of_a_live_and_a_deferred_queue_are_the_hand_computed_ones() -> None:
    figures = hand_figures(3)
    queues = figures.queues.set_index(["week_start", "queue"])
    for week in (START, START + dt.timedelta(weeks=2)):
        assert queues.loc[(week, "calls"), "required_agent_hours"] == pytest.approx(10.0)
        assert queues.loc[(week, "letters"), "required_agent_hours"] == pytest.approx(12.5)
        # FTE = agent-hours / (1 - 12 % planned absence) / 37.5 h
        assert queues.loc[(week, "calls"), "required_fte"] == pytest.approx(10 / 0.88 / 37.5)  # 0.30303
        assert queues.loc[(week, "letters"), "required_fte"] == pytest.approx(0.378788, abs=1e-6)
        assert queues.loc[(week, "letters"), "volume"] == pytest.approx(100.0)
        assert queues.loc[(week, "letters"), "aht_seconds"] == pytest.approx(360.0)


def test_a_plan_longer_than_26_weeks_is_computed_in_chunks_without_losing_work_at_their_seams() -> None:
    figures = hand_figures(28)
    letters = figures.queues[figures.queues["queue"] == "letters"]["required_agent_hours"]
    assert len(letters) == 28
    assert letters.to_numpy() == pytest.approx(np.full(28, 12.5))


def test_the_office_rows_add_up_and_the_site_is_their_sum() -> None:
    figures = hand_figures(2, CapacityPlan(attrition_per_month=0.0))
    offices = figures.offices.set_index(["week_start", "office"])
    front, back, site = (offices.loc[(START, o)] for o in ("front", "back", "site"))
    assert front["available_fte"] == pytest.approx(3.0)
    assert back["available_fte"] == pytest.approx(2.0)  # 37.5 h + 2 x 18.75 h
    assert front["gap_fte"] == pytest.approx(3.0 - 10 / 0.88 / 37.5)
    assert site["required_fte"] == pytest.approx(front["required_fte"] + back["required_fte"])
    assert site["gap_fte"] == pytest.approx(front["gap_fte"] + back["gap_fte"])


# --- Available FTE: attrition and classes -------------------------------------------------------------------------


def test_attrition_is_compounded_monthly_on_the_weeks_elapsed() -> None:
    assert attrition_factor(0, 0.015) == 1.0
    assert attrition_factor(26, 0.015) == pytest.approx(0.985**6)  # half a year: 0.913308
    assert attrition_factor(26, 0.015) == pytest.approx(0.913308, abs=1e-6)
    figures = hand_figures(27, CapacityPlan(attrition_per_month=0.015))
    back = figures.offices[figures.offices["office"] == "back"]["available_fte"].to_numpy()
    assert back[0] == pytest.approx(2.0)
    assert back[26] == pytest.approx(2 * 0.913308, abs=1e-6)  # week 27, 26 weeks elapsed


def test_a_class_counts_nothing_in_training_then_ramps_linearly_then_counts_whole_less_attrition() -> None:
    plan = CapacityPlan(attrition_per_month=0.0)
    hiring = HiringClass(office="front", start=START, people=8, training_weeks=4, ramp_weeks=4)
    weekly = [class_fte(hiring, START + dt.timedelta(weeks=w), plan) for w in range(10)]
    assert weekly == pytest.approx([0, 0, 0, 0, 1.6, 3.2, 4.8, 6.4, 8, 8])
    part_time = hiring.model_copy(update={"hours_week": 30.0})
    assert class_fte(part_time, START + dt.timedelta(weeks=8), plan) == pytest.approx(8 * 30 / 37.5)  # 6.4
    leaving = CapacityPlan(attrition_per_month=0.015)
    assert class_fte(hiring, START + dt.timedelta(weeks=26), leaving) == pytest.approx(8 * 0.985**6)
    # A class starting on a Wednesday counts from the next Monday: that week is its first week of training.
    midweek = hiring.model_copy(update={"start": START + dt.timedelta(days=2)})
    assert class_fte(midweek, START + dt.timedelta(weeks=4), plan) == 0.0
    assert class_fte(midweek, START + dt.timedelta(weeks=5), plan) == pytest.approx(1.6)


# --- Suggested classes ---------------------------------------------------------------------------------------------


def test_a_class_is_suggested_in_time_for_the_first_week_short_and_sized_for_the_look_ahead() -> None:
    plan = CapacityPlan(attrition_per_month=0.0, suggested=SuggestedClasses(training_weeks=4, ramp_weeks=4))
    required = np.full(30, 10.0)
    available = np.where(np.arange(30) < 12, 10.0, 7.0)  # 3 FTE short from week 13 (index 12)
    classes, suggested = suggest_classes("back", required, available, START, plan)
    assert len(classes) == 1
    (suggestion,) = classes
    assert suggestion.start == START + dt.timedelta(weeks=4)  # 4 training + 4 ramp weeks before week 13
    assert suggestion.full_from == START + dt.timedelta(weeks=12)
    assert suggestion.people == 3  # the 3.0 short, to within the 0.5 tolerance: ceil(2.5)
    assert suggestion.too_late is None
    assert suggested[12:] == pytest.approx(np.full(18, 3.0))
    assert suggested[8:12] == pytest.approx([0.6, 1.2, 1.8, 2.4])  # the ramp, before it is needed


def test_a_shortfall_too_soon_for_any_class_starts_one_in_week_1_and_says_which_weeks_it_cannot_cover() -> None:
    plan = CapacityPlan(attrition_per_month=0.0)
    required = np.full(20, 10.0)
    available = 10.0 - 0.25 * np.arange(20)  # a quarter FTE fewer each week: 0.75 short in week 4
    classes, _ = suggest_classes("middle", required, available, START, plan)
    assert len(classes) == 1
    (suggestion,) = classes
    assert suggestion.start == START  # 8 weeks of lead time do not fit: week 1
    assert suggestion.short_from == START + dt.timedelta(weeks=3)
    # Sized for the worst week of the 13 from its first full week (week 9), within the plan: week 20, 4.75 short.
    assert suggestion.people == 5  # ceil(4.75 - 0.5)
    assert suggestion.largest_shortfall_fte == pytest.approx(4.75)
    # Its ramp (1, 2, 3, 4 FTE in weeks 5-8) covers all but week 4.
    assert suggestion.too_late == (START + dt.timedelta(weeks=3), START + dt.timedelta(weeks=3))
    assert suggestion.note(START) == "too late for week 4 (2026-03-23 to 2026-03-29): overtime or cross-office help"


def test_attrition_shrinks_a_suggested_class_and_the_walk_goes_on_after_it() -> None:
    plan = CapacityPlan(attrition_per_month=0.015, lookahead_weeks=4)
    required = np.full(40, 10.0)
    # 2 FTE short from week 11, 4 from week 26
    available = np.where(np.arange(40) < 10, 10.0, 8.0) - np.where(np.arange(40) >= 25, 2.0, 0.0)
    classes, suggested = suggest_classes("front", required, available, START, plan)
    assert [c.short_from for c in classes] == [START + dt.timedelta(weeks=10), START + dt.timedelta(weeks=25)]
    # First: (2 - 0.5) / 0.985 ** (11 x 12/52) = 1.56 -> 2 people. At week 26 they are 2 x 0.9229 = 1.85 FTE, so
    # 2.15 short; the second is sized on week 29: (4 - 2 x 0.985 ** 6 - 0.5) / 0.985 ** (11 x 12/52) = 1.74 -> 2.
    assert [c.people for c in classes] == [2, 2]
    assert suggested[25] == pytest.approx(2 * 0.985 ** (23 * 12 / 52) + 2 * 0.985 ** (8 * 12 / 52))
    assert suggested[28] == pytest.approx(2 * 0.985**6 + 2 * 0.985 ** (11 * 12 / 52))
    assert (required - available - suggested)[10:].max() == pytest.approx(
        4 - 2 * 0.985 ** (37 * 12 / 52) - 2 * 0.985 ** (22 * 12 / 52)
    )  # 0.39, within the tolerance


# --- The long-range forecast --------------------------------------------------------------------------------------


def _history(weeks: int, letters_per_day: Callable[[int, int], float]) -> pd.DataFrame:
    """Weekday history before START: calls 1 at 08:00 (60 s) and 3 at 08:30 (120 s); letters at 08:00 as given
    per (week, weekday) by `letters_per_day`."""
    rows = []
    for day in pd.date_range(pd.Timestamp(START) - pd.Timedelta(weeks=weeks), pd.Timestamp(START), inclusive="left"):
        if day.day_of_week >= 5:
            continue
        week = (day - (pd.Timestamp(START) - pd.Timedelta(weeks=weeks))).days // 7
        rows += [(day + pd.Timedelta(hours=8), "calls", 1, 60.0), (day + pd.Timedelta(hours=8.5), "calls", 3, 120.0),
                 (day + pd.Timedelta(hours=8), "letters", letters_per_day(week, day.day_of_week), 300.0)]  # fmt: skip
    return pd.DataFrame(rows, columns=["interval_start", "queue", "volume", "aht_seconds"])


def test_a_steady_history_is_carried_forward_with_its_weekdays_intraday_shape_and_handle_times() -> None:
    history = _history(10, lambda week, weekday: 20 if weekday == 0 else 10)
    scenario = CENTRE.model_copy(update={"history": history})
    forecast = long_range_forecast(scenario, START, 4)
    calls, letters = (m for m in forecast.models)
    assert calls.weekday_level == pytest.approx((4, 4, 4, 4, 4, 0, 0))
    assert letters.weekday_level == pytest.approx((20, 10, 10, 10, 10, 0, 0))
    assert calls.growth_measured == 0.0 and letters.growth_used == 0.0
    weekly = forecast.weekly.set_index(["week_start", "queue"])
    assert weekly.loc[(START + dt.timedelta(weeks=3), "letters"), "volume"] == pytest.approx(60.0)
    monday = forecast.intervals[(forecast.intervals["queue"] == "calls") & (forecast.intervals["volume"] > 0)].head(2)
    assert monday["volume"].tolist() == pytest.approx([1.0, 3.0])  # the shape: a quarter, then three quarters
    assert monday["aht_seconds"].tolist() == pytest.approx([60.0, 120.0])
    assert weekly.loc[(START, "calls"), "aht_seconds"] == pytest.approx((60 + 3 * 120) / 4)


def test_growth_is_theil_sen_over_the_level_capped_shrunk_to_the_year_it_covers_and_damped() -> None:
    # Letters grow by one a day each week (10, 11, ..., 21): weekly totals rise by 5 a week.
    history = _history(12, lambda week, weekday: 10 + week)
    site = SITE.model_copy(update={"queues": (LETTERS,)})
    rows = normalize_history(history[history["queue"] == "letters"], site)
    forecast, _, _ = daily_forecast(rows, site, START, 26)
    (model,) = forecast.models
    level = 5 * np.mean(np.arange(14, 22))  # the last 8 weeks' days: 14..21 letters, 87.5 a week
    assert model.weekly_level == pytest.approx(level)
    assert model.growth_measured == pytest.approx(5 / level)  # 5.7 % a week ...
    assert model.growth_used == pytest.approx(0.01 * 12 / 52)  # ... capped at 1 %, x 12/52 weeks of a year
    # Week h is 4 weeks (the level's middle to the start) + damped weeks ahead from the level, at most 12.
    steps = np.minimum(4 + damped_steps(np.arange(26) + 0.5), 12)
    expected = level * (1 + model.growth_used * steps)
    assert forecast.weekly()[0] == pytest.approx(expected)
    assert forecast.weekly()[0][0] == pytest.approx(88.407, abs=1e-3)
    assert forecast.weekly()[0][-1] == pytest.approx(level * (1 + 0.01 * 12 / 52 * 12))  # 89.92: the cap


def test_a_volume_plan_replaces_the_weeks_it_gives_keeping_the_shape_of_the_week(tmp_path: Path) -> None:
    history = _history(10, lambda week, weekday: 20 if weekday == 0 else 10)
    scenario = CENTRE.model_copy(update={"history": history})
    path = tmp_path / "volume_plan.csv"
    path.write_text("week_start,queue,volume\n2026-03-16,letters,120\n2027-01-04,letters,5\n", encoding="utf-8")
    plan, notes = read_volume_plan(path, SITE, START, 4)
    assert notes == ["volume_plan.csv: 1 row(s) for weeks outside the plan left out"]
    forecast = long_range_forecast(scenario, START, 4, plan)
    weekly = forecast.weekly.set_index(["week_start", "queue"])
    assert weekly.loc[(START + dt.timedelta(weeks=2), "letters"), "volume"] == pytest.approx(120.0)
    assert weekly.loc[(START + dt.timedelta(weeks=2), "letters"), "source"] == "volume plan"
    assert weekly.loc[(START + dt.timedelta(weeks=1), "letters"), "volume"] == pytest.approx(60.0)
    days = forecast.intervals[forecast.intervals["queue"] == "letters"].set_index("interval_start")["volume"]
    assert days.loc["2026-03-16"].sum() == pytest.approx(40.0)  # Monday stays twice a weekday
    bad = tmp_path / "bad.csv"
    bad.write_text("week_start,queue,volume\n2026-03-17,letters,1\n2026-03-16,parcels,1\n2026-03-16,calls,-1\n",
                   encoding="utf-8")  # fmt: skip
    with pytest.raises(ScenarioError) as caught:
        read_volume_plan(bad, SITE, START, 4)
    assert [(p.row, p.column) for p in caught.value.problems] == [(2, "week_start"), (3, "queue"), (4, "volume")]


# --- The command ------------------------------------------------------------------------------------------------


def test_the_sample_plan_writes_every_file_and_its_figures_hold_together(tmp_path: Path) -> None:
    result = runner.invoke(app, ["capacity", str(SAMPLE), "--weeks", "26", "--plan", str(EXAMPLE_PLAN), "--out",
                                 str(tmp_path)])  # fmt: skip
    assert result.exit_code == 0, result.output
    folder = tmp_path / "capacity" / "2026-03-02"
    names = {"capacity.csv", "capacity_queues.csv", "hiring_suggestions.csv", "summary.json", "capacity.xlsx"}
    assert names <= {p.name for p in folder.iterdir()}
    offices = pd.read_csv(folder / "capacity.csv")
    assert list(offices.columns[:8]) == ["scenario", "week_start", "office", "required_fte", "available_fte",
                                         "planned_hires_fte", "suggested_hires_fte", "gap_fte"]  # fmt: skip
    assert set(offices["office"]) == {"front", "middle", "back", "site"}
    assert len(offices) == 26 * 4
    assert (offices["gap_fte"] - (offices["available_fte"] - offices["required_fte"])).abs().max() < 1e-3
    front = offices[offices["office"] == "front"]
    assert front["planned_hires_fte"].iloc[:9].max() == 0  # the class of 6 April is in training until 4 May
    assert front["planned_hires_fte"].iloc[9] == pytest.approx(8 / 5 * 0.985 ** (4 * 12 / 52), abs=1e-3)
    queues = pd.read_csv(folder / "capacity_queues.csv")
    assert list(queues.columns[:8]) == ["scenario", "week_start", "queue", "office", "volume", "aht_seconds",
                                        "required_agent_hours", "required_fte"]  # fmt: skip
    assert (queues["required_fte"] - queues["required_agent_hours"] / 0.88 / 37.5).abs().max() < 1e-3
    summary = json.loads((folder / "summary.json").read_text(encoding="utf-8"))
    assert summary["start"] == "2026-03-02" and summary["weeks"] == 26
    book = load_workbook(folder / "capacity.xlsx")
    assert book.sheetnames == ["Site", "Front", "Middle", "Back", "Queues", "Hiring", "Forecast"]
    assert len(book["Front"]._charts) == 2
    assert "capacity" in result.output and str(folder) in result.output.replace("\n", "")


def test_scenarios_run_as_tasks_a_failed_one_is_reported_and_the_others_written(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import wfm.pipeline_capacity as pipeline

    def flaky(*args):  # type: ignore[no-untyped-def]
        if args[3].name == "S2":
            raise RuntimeError("the worker ran out of memory")
        return capacity_case(*args)

    monkeypatch.setattr(pipeline, "capacity_case", flaky)
    plan = tmp_path / "capacity.toml"  # a class name that a spreadsheet would read as a formula
    plan.write_text('[[hiring]]\noffice = "back"\nstart = 2026-03-02\npeople = 2\nname = "=HYPERLINK(1)"\n',
                    encoding="utf-8")  # fmt: skip
    result = runner.invoke(app, ["capacity", str(SAMPLE), "--weeks", "4", "--out", str(tmp_path), "--plan",
                                 str(plan), "--vary", "volume.back=1.0,1.3,1.6"])  # fmt: skip
    assert result.exit_code == EXIT_NO_PLAN, result.output
    assert "S2 failed: RuntimeError: the worker ran out of memory" in result.output.replace("\n", " ")
    folder = tmp_path / "capacity" / "2026-03-02"
    offices = pd.read_csv(folder / "capacity.csv")
    assert sorted(set(offices["scenario"])) == ["S1", "S3"]
    back = offices[offices["office"] == "back"].groupby("scenario")["required_fte"].mean()
    assert back["S3"] > 1.4 * back["S1"]  # 1.6 x the back office's volume; front unchanged
    front = offices[offices["office"] == "front"].groupby("scenario")["required_fte"].mean()
    assert front["S3"] == pytest.approx(front["S1"])
    summary = json.loads((folder / "summary.json").read_text(encoding="utf-8"))
    assert summary["failed"] == [{"scenario": "S2", "error": "RuntimeError: the worker ran out of memory"}]
    book = load_workbook(folder / "capacity.xlsx")
    assert "Scenarios" in book.sheetnames
    (name,) = [row[1] for row in book["Hiring"].iter_rows() if row[0].value == "back" and isinstance(row[1].value, str)]
    assert (name.value, name.data_type) == ("=HYPERLINK(1)", "s")  # stored as text, never as a formula


@pytest.mark.parametrize(
    ("toml", "vary", "message"),
    [
        ('[[hiring]]\noffice = "frnt"\nstart = 2026-04-06\npeople = 8\n', [],
         "key 'hiring.0.office': 'frnt' is not an office of this site; its offices: front, middle, back."),
        ('[[hiring]]\noffice = "front"\nstart = 2026-04-06\npeople = -3\n', [],
         "key 'hiring.0.people': Input should be greater than or equal to 1."),
        ("", ["overtime=1,2"], "'overtime' cannot be varied; the settings that can: absence_shrinkage, aht, "
         "attrition_per_month, service_level, volume."),
    ],
)  # fmt: skip
def test_bad_input_exits_2_with_one_clear_message_and_writes_nothing(
    tmp_path: Path, toml: str, vary: list[str], message: str
) -> None:
    plan = tmp_path / "capacity.toml"
    plan.write_text(toml, encoding="utf-8")
    args = ["capacity", str(SAMPLE), "--plan", str(plan), "--out", str(tmp_path / "out")]
    result = runner.invoke(app, [*args, *(a for v in vary for a in ("--vary", v))])
    assert result.exit_code == EXIT_BAD_INPUT, result.output
    output = " ".join(result.output.split())
    assert "(1 problem)" in output and message in output
    assert "Traceback" not in output
    assert not (tmp_path / "out").exists()


def test_a_start_that_is_not_a_monday_and_a_scope_that_names_nothing_are_refused(tmp_path: Path) -> None:
    out = tmp_path / "out"
    wednesday = runner.invoke(app, ["capacity", str(SAMPLE), "--start", "2026-03-04", "--out", str(out)])
    assert wednesday.exit_code == EXIT_BAD_INPUT
    assert "give 2026-03-02 or 2026-03-09" in " ".join(wednesday.output.split())
    scope = runner.invoke(app, ["capacity", str(SAMPLE), "--weeks", "2", "--vary", "service_level.back=0.8,0.9",
                                "--out", str(out)])  # fmt: skip
    assert scope.exit_code == EXIT_BAD_INPUT
    assert "'back' names no live queue" in " ".join(scope.output.split())
    assert not out.exists()
