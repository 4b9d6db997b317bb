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
from wfm.domain import Agent, BacklogItem, BreakRule, Contract, Horizon, Queue, Scenario, ShiftTemplate, Site
from wfm.domain.capacity_plan import CapacityPlan, HiringClass, SuggestedClasses
from wfm.forecast.history import normalize_history
from wfm.forecast.long_range import daily_forecast, damped_steps, long_range_forecast
from wfm.io import ScenarioError
from wfm.io.capacity_file import read_volume_plan
from wfm.pipeline import EXIT_BAD_INPUT, EXIT_NO_PLAN
from wfm.pipeline_capacity import capacity_case, check_deadlines, padding_weeks, requirements_over
from wfm.staffing.capacity import (
    CapacityFigures,
    attrition_factor,
    capacity_figures,
    class_fte,
    contract_on_floor_share,
    on_floor_shares,
    suggest_classes,
)

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


def hand_forecast(weeks: int, start: dt.date = START) -> pd.DataFrame:
    """Every half hour of `weeks` weeks: 1 call (60 s) and 10 letters (360 s) at 08:00 and 08:30 on weekdays."""
    starts = pd.date_range(pd.Timestamp(start), periods=weeks * 7 * 48, freq="30min")
    busy = (starts.day_of_week < 5) & (starts.hour == 8)
    return pd.concat([
        pd.DataFrame({"interval_start": starts, "queue": "calls", "volume": np.where(busy, 1.0, 0.0),
                      "aht_seconds": 60.0}),
        pd.DataFrame({"interval_start": starts, "queue": "letters", "volume": np.where(busy, 10.0, 0.0),
                      "aht_seconds": 360.0}),
    ], ignore_index=True)  # fmt: skip


def hand_figures(
    weeks: int, plan: CapacityPlan | None = None, scenario: Scenario = CENTRE, start: dt.date = START
) -> CapacityFigures:
    pad = padding_weeks(scenario)
    requirements = requirements_over(hand_forecast(weeks + pad, start), scenario, start, weeks, pad)
    return capacity_figures(requirements, scenario, plan or CapacityPlan(), start, weeks)


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


def test_work_carried_over_a_weekend_into_the_second_chunk_is_staffed_in_it() -> None:
    # Letters with a 24-hour SLA, 10 of 6 minutes at 17:30 on weekdays: 1 hour of work a day, half of it done in
    # the last half hour (17:30-18:00) and half the next open day; Friday's half on Monday. 5 hours a week,
    # / (1 - 0.2) = 6.25 agent-hours. The Friday before the plan leaves 5 letters on hand (the backlog).
    # Before chunks started early, week 27 (the second chunk's first) lost Friday's 0.5 hours: 5.625.
    evening = LETTERS.model_copy(update={"sla_hours": 24})
    scenario = CENTRE.model_copy(update={
        "site": SITE.model_copy(update={"queues": (evening,)}),
        "backlog": (BacklogItem(queue="letters", items=5, oldest_arrival=dt.datetime(2026, 2, 27, 17, 30)),),
    })  # fmt: skip
    pad = padding_weeks(scenario)
    starts = pd.date_range(pd.Timestamp(START), periods=(28 + pad) * 7 * 48, freq="30min")
    arriving = (starts.day_of_week < 5) & (starts.hour == 17) & (starts.minute == 30)
    forecast = pd.DataFrame({"interval_start": starts, "queue": "letters", "volume": np.where(arriving, 10.0, 0.0),
                             "aht_seconds": 360.0})  # fmt: skip
    figures = capacity_figures(requirements_over(forecast, scenario, START, 28, pad), scenario, CapacityPlan(),
                               START, 28)  # fmt: skip
    assert figures.queues["required_agent_hours"].to_numpy() == pytest.approx(np.full(28, 6.25))


def test_the_office_rows_add_up_and_the_site_is_their_sum() -> None:
    figures = hand_figures(2, CapacityPlan(attrition_per_month=0.0))
    offices = figures.offices.set_index(["week_start", "office"])
    front, back, site = (offices.loc[(START, o)] for o in ("front", "back", "site"))
    assert front["available_fte"] == pytest.approx(3.0)
    assert back["available_fte"] == pytest.approx(2.0)  # 37.5 h + 2 x 18.75 h
    assert front["gap_fte"] == pytest.approx(3.0 - 10 / 0.88 / 37.5)
    assert site["required_fte"] == pytest.approx(front["required_fte"] + back["required_fte"])
    assert site["gap_fte"] == pytest.approx(front["gap_fte"] + back["gap_fte"])


# Paid breaks: 15 minutes twice in a paid day of 8 hours (the unpaid lunch is not paid time): 450 of 480 paid
# minutes on the floor, 93.75 %.
BREAKS = ShiftTemplate(id="breaks", start_times=("08:00",), length_minutes=510, breaks=(
    BreakRule(minutes=15, paid=True, earliest_after_minutes=90, latest_after_minutes=150),
    BreakRule(kind="lunch", minutes=30, paid=False, earliest_after_minutes=210, latest_after_minutes=300),
    BreakRule(minutes=15, paid=True, earliest_after_minutes=360, latest_after_minutes=420),
))  # fmt: skip


def test_required_fte_is_grossed_up_for_paid_breaks_by_each_office_s_share_of_paid_time_on_the_floor() -> None:
    site = SITE.model_copy(update={
        "shift_templates": (DAY, BREAKS),
        "contracts": (FULL.model_copy(update={"shift_templates": ("breaks",)}),  # 0.9375
                      HALF.model_copy(update={"shift_templates": ("day", "breaks")})),  # (1 + 0.9375) / 2
    })  # fmt: skip
    scenario = CENTRE.model_copy(update={"site": site})
    assert contract_on_floor_share(site.contract_by_id["ft"], site) == pytest.approx(0.9375)
    assert contract_on_floor_share(site.contract_by_id["pt"], site) == pytest.approx(0.96875)
    # front: 3 full-timers; back: 37.5 h at 0.9375 and 2 x 18.75 h at 0.96875, weighted by hours: 0.953125
    assert on_floor_shares(scenario) == pytest.approx({"front": 0.9375, "back": 0.953125})
    figures = hand_figures(2, CapacityPlan(attrition_per_month=0.0), scenario)
    assert figures.on_floor_share == pytest.approx({"front": 0.9375, "back": 0.953125})
    queues = figures.queues.set_index(["week_start", "queue"])
    assert queues.loc[(START, "calls"), "required_agent_hours"] == pytest.approx(10.0)  # hours on the queue
    assert queues.loc[(START, "calls"), "required_fte"] == pytest.approx(10 / 0.88 / 0.9375 / 37.5)  # 0.323232
    assert queues.loc[(START, "letters"), "required_fte"] == pytest.approx(0.397417, abs=1e-6)  # 12.5/.88/.953125/37.5
    offices = figures.offices.set_index(["week_start", "office"])
    assert offices.loc[(START, "back"), "available_fte"] == pytest.approx(2.0)  # paid FTE, as before
    assert offices.loc[(START, "front"), "gap_fte"] == pytest.approx(3.0 - 0.323232, abs=1e-6)


# --- Available FTE: attrition and classes -------------------------------------------------------------------------


def test_attrition_is_compounded_monthly_on_the_weeks_elapsed() -> None:
    assert attrition_factor(0, 0.015) == 1.0
    assert attrition_factor(26, 0.015) == pytest.approx(0.985**6)  # half a year: 0.913308
    assert attrition_factor(26, 0.015) == pytest.approx(0.913308, abs=1e-6)
    figures = hand_figures(27, CapacityPlan(attrition_per_month=0.015))
    back = figures.offices[figures.offices["office"] == "back"]["available_fte"].to_numpy()
    assert back[0] == pytest.approx(2.0)
    assert back[26] == pytest.approx(2 * 0.913308, abs=1e-6)  # week 27, 26 weeks elapsed


def test_a_deadline_too_long_for_the_staffing_grid_is_refused_naming_the_queue() -> None:
    slow = LETTERS.model_copy(update={"sla_hours": 24 * 7 * 24 + 1})  # 24 weeks and an hour
    scenario = CENTRE.model_copy(update={"site": SITE.model_copy(update={"queues": (CALLS, slow)})})
    with pytest.raises(ScenarioError) as caught:
        check_deadlines(scenario)
    assert [str(p) for p in caught.value.problems] == [
        "site.toml, [[queues]] 'letters', key 'sla_hours': the capacity plan staffs deadlines of at most 24 weeks "
        "(4032 hours); give a shorter sla_hours or leave the queue out."
    ]
    check_deadlines(CENTRE)  # 8 hours: fine


def test_attrition_counts_from_the_staff_snapshot_not_from_a_later_start() -> None:
    # staff.csv is the staff on the horizon's start (START); a plan starting 26 weeks later has lost 8.67 % already.
    later = START + dt.timedelta(weeks=26)
    figures = hand_figures(2, CapacityPlan(attrition_per_month=0.015), start=later)
    back = figures.offices[figures.offices["office"] == "back"].set_index("week_start")
    assert back.loc[later, "available_fte"] == pytest.approx(2 * 0.913308, abs=1e-6)
    assert back.loc[later + dt.timedelta(weeks=1), "staff_fte"] == pytest.approx(2 * 0.985 ** (27 * 12 / 52))


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


def test_a_plan_past_a_year_continues_the_trend_at_week_53_without_a_drop() -> None:
    # 70 weeks of letters growing by one a day each week (100, 101, ..., 169 a weekday): weekly totals rise by 5,
    # no season. With more than a year + 8 weeks the season is measured: each year-ago week over the year-ago
    # level with the trend between them taken out is exactly 1, weeks 53-56 (the year-ago weeks again) too.
    history = _history(70, lambda week, weekday: 100 + week)
    site = SITE.model_copy(update={"queues": (LETTERS,)})
    rows = normalize_history(history[history["queue"] == "letters"], site)
    forecast, _, _ = daily_forecast(rows, site, START, 56)
    (model,) = forecast.models
    assert model.seasonal and model.trend_weeks == 52
    assert model.weekly_level == pytest.approx(827.5)  # 5 x 165.5, the last 8 weeks' mean
    assert model.growth_used == pytest.approx(5 / 827.5)
    weekly = forecast.weekly()[0]
    assert weekly == pytest.approx(827.5 + 5 * np.minimum(4 + damped_steps(np.arange(56) + 0.5), 52))
    # Weeks 52 and 53: 1005.94 and 1007.67. Week 53's year-ago week is week 1's; when its trend was taken out over
    # 56.5 weeks instead of 4.5, week 53 fell to 781.0 from 1121.7 (the season was also detrended relative to
    # today's level instead of the year-ago one's, which lifted the first year: week 1 was 860.3 for a true 850).
    assert weekly[51:53] == pytest.approx([1005.94, 1007.67], abs=0.01)
    assert weekly[52] > weekly[51]


def test_a_start_after_the_history_says_how_far_it_extrapolates_and_one_without_a_week_before_it_is_refused() -> None:
    history = _history(10, lambda week, weekday: 10)
    site = SITE.model_copy(update={"queues": (LETTERS,)})
    rows = normalize_history(history[history["queue"] == "letters"], site)
    later = START + dt.timedelta(weeks=30)
    forecast, _, _ = daily_forecast(rows, site, later, 2)
    assert (forecast.history_end, forecast.weeks_past_history) == (dt.date(2026, 2, 27), 30)
    assert forecast.warnings[0].startswith(
        "the history ends 2026-02-27, 30 whole week(s) before the plan's start "
        "2026-09-28: the forecast extrapolates 30 weeks past the last history"
    )
    assert forecast.warnings[0] in forecast.notes
    with pytest.raises(ScenarioError) as caught:
        daily_forecast(rows, site, START - dt.timedelta(weeks=10), 2)
    (problem,) = caught.value.problems
    assert "at least 1 whole week (7 days) of history before the plan's start 2025-12-22" in str(problem)
    assert "it runs 2025-12-22 to 2026-02-27: start on or after 2025-12-29" in str(problem)


def _holiday_notes(history: pd.DataFrame) -> list[str]:
    site = SITE.model_copy(update={"queues": (LETTERS,), "country": "GB"})
    rows = normalize_history(history[history["queue"] == "letters"], site)
    forecast, _, _ = daily_forecast(rows, site, START, 6)
    return [n for n in forecast.notes if n.startswith("2026-04-03")]


def test_holiday_notes_say_whether_the_history_had_holidays_to_go_by() -> None:
    # 8 weeks from 5 January: no public holiday in the history, so Good Friday is forecast closed as a fallback.
    assert _holiday_notes(_history(8, lambda week, weekday: 10)) == [
        "2026-04-03 Good Friday: every queue 0% of a normal day (closed: no holiday in the history to go by; an "
        "events.csv line if it opens)"
    ]
    # 12 weeks from 8 December with nothing on Christmas, Boxing Day and New Year's Day: like those.
    history = _history(12, lambda week, weekday: 10)
    shut = history["interval_start"].dt.date.isin([dt.date(2025, 12, 25), dt.date(2025, 12, 26), dt.date(2026, 1, 1)])
    assert _holiday_notes(history[~shut]) == [
        "2026-04-03 Good Friday: every queue 0% of a normal day (like the other holidays in the history)"
    ]


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


def test_a_volume_plan_row_with_too_many_columns_is_reported_with_its_row(tmp_path: Path) -> None:
    path = tmp_path / "volume_plan.csv"
    path.write_text("week_start,queue,volume\n2026-03-16,letters,1,200\n2026-03-23,letters,90\n", encoding="utf-8")
    with pytest.raises(ScenarioError) as caught:
        read_volume_plan(path, SITE, START, 4)
    (problem,) = caught.value.problems
    assert str(problem) == ("volume_plan.csv, row 2: this row has 4 values but the header row has 3 columns. Text "
                            "containing a comma must be in double quotes.")  # fmt: skip


def test_a_volume_plan_saved_by_european_excel_is_read_as_the_scenario_files_are(tmp_path: Path) -> None:
    """Semicolons between columns, decimal commas and thousands dots; day-first dates once site.toml says so."""
    path = tmp_path / "volume_plan.csv"
    path.write_text("week_start;queue;volume\n16/03/2026;letters;1.234,5\n23/03/2026;letters;90\n", encoding="utf-8")
    with pytest.raises(ScenarioError) as caught:
        read_volume_plan(path, SITE, START, 4)
    (problem,) = caught.value.problems  # one problem for the column, not one per row
    assert (problem.row, problem.column) == (2, "week_start")
    assert 'Set date_format = "DD/MM/YYYY" under [input]' in str(problem)
    day_first = SITE.model_copy(update={"input": SITE.input.model_copy(update={"date_format": "DD/MM/YYYY"})})
    plan, notes = read_volume_plan(path, day_first, START, 4)
    assert plan.to_dict("records") == [
        {"week_start": dt.date(2026, 3, 16), "queue": "letters", "volume": 1234.5},
        {"week_start": dt.date(2026, 3, 23), "queue": "letters", "volume": 90.0},
    ]
    assert notes == []


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
    summary = json.loads((folder / "summary.json").read_text(encoding="utf-8"))
    assert summary["start"] == "2026-03-02" and summary["weeks"] == 26
    # Paid breaks: 2 x 15 min in every paid shift of the sample (ft40 450/480; ft35 also "short", 390/420; pt20
    # 225/240 and 255/270; pt24 also 345/360), weighted by the office's contracted hours: front 0.938676, middle
    # 0.938514, back 0.938565 (summary.json has 4 decimals).
    assert summary["on_floor_share"] == {"front": 0.9387, "middle": 0.9385, "back": 0.9386}
    share = queues["office"].map({"front": 0.938676, "middle": 0.938514, "back": 0.938565})
    assert (queues["required_fte"] - queues["required_agent_hours"] / 0.88 / share / 37.5).abs().max() < 1e-3
    assert summary["forecast"]["weeks_past_history"] == 0
    book = load_workbook(folder / "capacity.xlsx")
    assert book.sheetnames == ["Site", "Front", "Middle", "Back", "Queues", "Hiring", "Forecast"]
    assert len(book["Front"]._charts) == 2
    assert "93.9% of a paid hour" in " ".join(str(row[0].value) for row in book["Back"].iter_rows(max_row=4))
    assert book["Queues"].print_title_rows == "$6:$6"  # "Week starting" and the queues, on every printed page
    assert [c.value for c in book["Queues"][6][:2]] == ["Week starting", "voice_service"]
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


def test_a_volume_plan_with_too_many_columns_exits_2_and_writes_nothing(tmp_path: Path) -> None:
    (tmp_path / "volume_plan.csv").write_text("week_start,queue,volume\n2026-03-16,chat,1,200\n", encoding="utf-8")
    plan = tmp_path / "capacity.toml"
    plan.write_text('volume_plan = "volume_plan.csv"\n', encoding="utf-8")
    out = tmp_path / "out"
    result = runner.invoke(app, ["capacity", str(SAMPLE), "--weeks", "2", "--plan", str(plan), "--out", str(out)])
    assert result.exit_code == EXIT_BAD_INPUT, result.output
    output = " ".join(result.output.split())
    assert "(1 problem)" in output
    assert "volume_plan.csv, row 2: this row has 4 values but the header row has 3" in output
    assert "Traceback" not in output and not out.exists()


def test_a_start_without_a_week_of_history_before_it_is_refused_and_one_years_on_is_noted(tmp_path: Path) -> None:
    out = tmp_path / "out"
    early = runner.invoke(app, ["capacity", str(SAMPLE), "--weeks", "2", "--start", "2025-12-01", "--out", str(out)])
    assert early.exit_code == EXIT_BAD_INPUT, early.output
    output = " ".join(early.output.split())
    assert "history.csv: the long-range forecast needs at least 1 whole week (7 days) of history before the plan's " \
           "start 2025-12-01" in output  # fmt: skip
    assert "it runs 2025-12-01 to 2026-02-28: start on or after 2025-12-08" in output
    assert "Traceback" not in output and not out.exists()
    late = runner.invoke(app, ["capacity", str(SAMPLE), "--weeks", "2", "--start", "2031-01-06", "--out", str(out)])
    assert late.exit_code == 0, late.output
    output = " ".join(late.output.split())
    assert "the forecast extrapolates 253 weeks past the last history" in output
    summary = json.loads((out / "capacity" / "2031-01-06" / "summary.json").read_text(encoding="utf-8"))
    assert summary["forecast"]["weeks_past_history"] == 253
    assert any("extrapolates 253 weeks" in note for note in summary["forecast"]["notes"])
    # staff.csv is the staff of 2 March 2026: 253 weeks of attrition by week 1. The back office's 1,190 contracted
    # hours are 31.73 FTE then, 31.73 x 0.985 ** (253 x 12/52) = 13.13 FTE in January 2031.
    offices = pd.read_csv(out / "capacity" / "2031-01-06" / "capacity.csv")
    back = offices[(offices["office"] == "back") & (offices["week_start"] == "2031-01-06")]
    assert back["available_fte"].iloc[0] == pytest.approx(13.1308, abs=1e-3)


def test_reports_import_nothing_from_the_pipeline_or_the_command() -> None:
    import ast

    for module in ("wfm/reports/capacity_book.py", "wfm/staffing/capacity.py", "wfm/forecast/long_range.py"):
        tree = ast.parse((REPO / module).read_text(encoding="utf-8"))
        imported = {n.module for n in ast.walk(tree) if isinstance(n, ast.ImportFrom) and n.module}
        later = ("wfm.pipeline", "wfm.cli", "wfm.reports", "wfm.scheduling", "wfm.cluster")
        allowed_reports = module.startswith("wfm/reports")
        assert not [
            m for m in imported if m.startswith(later) and not (allowed_reports and m.startswith("wfm.reports"))
        ], module


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
