"""Shift-based demand (shift_requirements.csv) and the shift-pattern rules (issue 21): each rule with its audit
and an exact expected cost, the cover term's exact cost, unpaid days off, and the loader's errors."""

from __future__ import annotations

import datetime as dt
import itertools
from pathlib import Path

import pandas as pd
import pytest
from openpyxl import load_workbook
from ortools.sat.python import cp_model
from plan_validator import validate_result
from scheduling_fixtures import EARLY, FULL_TIME, LATE, START, site

from wfm.domain import Agent, Scenario, ShiftRequirement, Site, TimeOff, Weights
from wfm.io import ScenarioError, load_scenario
from wfm.scheduling import schedule
from wfm.scheduling.kpis import shift_cover, shift_cover_table
from wfm.scheduling.model import build_model
from wfm.scheduling.pattern_rules import MaxShiftsPerHorizon, NotFollowedBy
from wfm.scheduling.problem import build_problem
from wfm.scheduling.result import ScheduleResult, ShiftAssignment, SolveStatus

# Only the cover and the rules under test cost anything.
QUIET = Weights(
    understaffing_per_agent_hour=0, weekend_fairness=0, late_shift_fairness=0, idle_paid_hour=0,
    late_work_per_hour=0, backlog_per_work_hour=0, overtime_per_hour=0, undertime_per_hour=0,
)  # fmt: skip
# A contract wide open but for what a test sets: any day, a shift every day within the week's hours (a part
# week gets its share of them: 2 days of 7 are 16 of 56 hours).
OPEN = FULL_TIME.model_copy(
    update={
        "min_hours_week": 0, "contracted_hours_week": 56, "max_hours_week": 60, "days_off_per_week": 0,
        "max_consecutive_days": 7,
    }
)  # fmt: skip


def shift_site(days: int = 2, **contract: object) -> Site:
    late = LATE.model_copy(update={"not_followed_by": ("early",)})
    # No minimum rest, so that only not_followed_by keeps a late shift from an early one the next day.
    return site(days=days, queues=(), min_rest_hours=0).model_copy(
        update={
            "shift_templates": (EARLY, late),
            "contracts": (OPEN.model_copy(update=contract),),
            "weights": QUIET,
        }
    )


def shift_scenario(
    the_site: Site, agents: int, needs: list[tuple[int, str, int, float, float]], time_off: tuple[TimeOff, ...] = ()
) -> Scenario:
    """`needs`: (day, template, required, weight_under, weight_over)."""
    return Scenario(
        site=the_site,
        agents=tuple(Agent(agent_id=f"a{i}", name=f"A{i}", office="back", contract="ft") for i in range(agents)),
        skills=(),
        time_off=time_off,
        shift_requirements=tuple(
            ShiftRequirement(date=START + dt.timedelta(days=d), template=t, required=r, weight_under=u, weight_over=o)
            for d, t, r, u, o in needs
        ),
        history=pd.DataFrame(columns=["interval_start", "queue", "volume", "aht_seconds"]),
    )


def test_each_person_short_or_over_a_shifts_requirement_costs_its_weight() -> None:
    # One person, who can work one shift a day: day 0 needs two lates (one short: 100), day 1 needs no early
    # but the person's only way to avoid being over (weight 3) is not to work it; nothing forces them to.
    result = schedule(shift_scenario(shift_site(), 1, [(0, "late", 2, 100, 1), (1, "early", 0, 100, 3)]), None)
    assert result.status is SolveStatus.OPTIMAL
    assert result.objective == pytest.approx(100)
    assert [(s.date, s.template_id) for s in result.shifts] == [(START, "late")]


def test_a_late_shift_is_never_followed_by_an_early_one() -> None:
    # Day 0 needs a late and day 1 an early, 100 each short: one person cannot do both (late then early is
    # forbidden), so one requirement goes short: 100. Without the succession rule both are covered: 0.
    needs = [(0, "late", 1, 100, 0), (1, "early", 1, 100, 0)]
    ruled = shift_scenario(shift_site(), 1, needs)
    result = schedule(ruled, None)
    assert result.objective == pytest.approx(100)
    assert validate_result(ruled, result) == []
    # The independent validator sees the succession too.
    assert any(v.rule == "succession" for v in validate_result(ruled, _plan([(0, "late"), (1, "early")])))
    free = shift_site().model_copy(update={"shift_templates": (EARLY, LATE)})
    assert schedule(shift_scenario(free, 1, needs), None).objective == pytest.approx(0)


def test_forbidden_successions_take_one_row_per_distinct_set_and_ban_exactly_their_pairs() -> None:
    # Early, day and late; day not followed by early, late by early or day (Curtois & Qu instance 7). Two
    # distinct sets, so two rows for a pair of days (one per pair would be three), and exactly the three
    # forbidden pairs have no plan.
    day = EARLY.model_copy(update={"id": "day", "start_times": ("10:00",), "not_followed_by": ("early",)})
    late = LATE.model_copy(update={"not_followed_by": ("early", "day")})
    the_site = shift_site(shift_templates=("early", "day", "late")).model_copy(
        update={"shift_templates": (EARLY, day, late)}
    )
    data = build_problem(shift_scenario(the_site, 1, []), None)
    ctx = build_model(data)
    rows = len(ctx.model.proto.constraints)
    NotFollowedBy().add_to_model(ctx)
    assert len(ctx.model.proto.constraints) - rows == 2
    option = {(o.day, o.template_id): i for i, o in enumerate(data.agents[0].options)}
    banned = set()
    for first, then in itertools.product(("early", "day", "late"), repeat=2):
        model = ctx.model.clone()
        for picked in (option[0, first], option[1, then]):
            model.add(model.get_int_var_from_proto_index(ctx.x[0, picked].index) == 1)
        if cp_model.CpSolver().solve(model) == cp_model.INFEASIBLE:
            banned.add((first, then))
    assert banned == {("day", "early"), ("late", "early"), ("late", "day")}


def test_the_audit_names_a_forbidden_succession() -> None:
    the_site = shift_site()
    data = build_problem(shift_scenario(the_site, 1, []), None)
    plan = _plan([(0, "late"), (1, "early")])
    assert [str(v) for v in NotFollowedBy().audit(data, plan)] == [
        "[not_followed_by] agent a0 on Tue 03 Mar: a early shift the day after a late shift"
    ]


def test_the_most_shifts_of_a_template_over_the_horizon_holds() -> None:
    # Four days each needing a late (100 short); the contract allows 2 lates over the horizon: 200.
    the_site = shift_site(days=4, max_shifts_horizon={"late": 2})
    result = schedule(shift_scenario(the_site, 1, [(d, "late", 1, 100, 0) for d in range(4)]), None)
    assert result.objective == pytest.approx(200)
    assert sum(s.template_id == "late" for s in result.shifts) == 2
    data = build_problem(shift_scenario(the_site, 1, []), None)
    assert [str(v) for v in MaxShiftsPerHorizon().audit(data, _plan([(0, "late"), (1, "late"), (3, "late")]))] == [
        "[max_shifts_horizon] agent a0: 3 late shifts over the horizon (max 2)"
    ]


def test_an_unpaid_day_off_earns_no_hours() -> None:
    # At least 16 paid hours over two days (two 8-hour shifts). A paid day off on day 0 counts as the contract's
    # daily rate (56 h / 5 days = 11.2 h), so one shift is enough; an unpaid one counts nothing, and with day 0
    # off the 16 hours cannot be reached: no plan.
    day_off = (START, START + dt.timedelta(days=1))
    the_site = shift_site(min_hours_horizon=16, days_off_per_week=2)
    for paid, has_plan in ((True, True), (False, False)):
        leave = (TimeOff(agent_id="a0", start=_midnight(day_off[0]), end=_midnight(day_off[1]), paid=paid),)
        result = schedule(shift_scenario(the_site, 1, [(1, "early", 1, 100, 0)], leave), None)
        assert result.status.has_plan is has_plan, (paid, result.message)


def _midnight(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time())


def _plan(days: list[tuple[int, str]]) -> ScheduleResult:
    hours = {"early": (8, 16.5), "late": (13, 21.5)}
    shifts = []
    for day, template in days:
        date = START + dt.timedelta(days=day)
        first, last = hours[template]
        start = _midnight(date) + dt.timedelta(hours=first)
        shifts.append(ShiftAssignment("a0", date, template, start, _midnight(date) + dt.timedelta(hours=last), 480))
    return ScheduleResult(SolveStatus.FEASIBLE, 0, 0, 0, tuple(shifts))


# --- the loader ------------------------------------------------------------------------------------------------

SITE_TOML = """name = "Branch"
interval_minutes = 30

[horizon]
start = 2026-03-02
days = 2

[[shift_templates]]
id = "early"
start_times = ["08:00"]
length_minutes = 480

[[contracts]]
id = "ft"
contracted_hours_week = 40
max_hours_week = 48
shift_templates = ["early"]
"""


def branch(tmp_path: Path, requirements: str | None) -> Path:
    tmp_path.mkdir(parents=True, exist_ok=True)
    (tmp_path / "site.toml").write_text(SITE_TOML)
    (tmp_path / "staff.csv").write_text("agent_id,name,office,contract\nb1,Bea,back,ft\n")
    if requirements is not None:
        (tmp_path / "shift_requirements.csv").write_text(requirements)
    return tmp_path


def test_a_site_without_queues_plans_to_shift_requirements_alone(tmp_path: Path) -> None:
    text = "date,template,required,weight_under,weight_over\n2026-03-02,early,1,50,2\n2026-03-03,early,0,,\n"
    loaded = load_scenario(branch(tmp_path, text))
    assert loaded.site.queues == ()
    assert loaded.shift_requirements == (
        ShiftRequirement(date=dt.date(2026, 3, 2), template="early", required=1, weight_under=50, weight_over=2),
        ShiftRequirement(date=dt.date(2026, 3, 3), template="early", required=0),
    )


def test_a_site_with_neither_queues_nor_shift_requirements_is_told_so_once(tmp_path: Path) -> None:
    with pytest.raises(ScenarioError) as caught:
        load_scenario(branch(tmp_path, None))
    assert [p.expected for p in caught.value.problems] == [
        "there is no [[queues]] table and no shift_requirements.csv: nothing to plan people to"
    ]


@pytest.mark.parametrize(
    ("line", "column", "expected"),
    [
        ("2026-03-02,late,1", "template", "a shift template in site.toml (expected one of: early)"),
        ("2026-03-09,early,1", "date", "a date in the planning horizon (2026-03-02 to 2026-03-03)"),
        ("2026-03-02,early,1.5", "required", "a whole number >= 0 (people on the shift)"),
        ("2026-03-02,early,-1", "required", "a whole number >= 0 (people on the shift)"),
    ],
)
def test_a_bad_shift_requirement_names_its_row_and_column(
    tmp_path: Path, line: str, column: str, expected: str
) -> None:
    with pytest.raises(ScenarioError) as caught:
        load_scenario(branch(tmp_path, f"date,template,required\n2026-03-03,early,1\n{line}\n"))
    problems = caught.value.problems
    assert [(p.row, p.column, p.expected) for p in problems] == [(3, column, expected)]


def test_two_lines_for_one_date_and_template_are_one_error(tmp_path: Path) -> None:
    with pytest.raises(ScenarioError) as caught:
        load_scenario(branch(tmp_path, "date,template,required\n2026-03-02,early,1\n2026-03-02,early,2\n"))
    assert [(p.row, p.expected) for p in caught.value.problems] == [
        (3, "one line per date and template (row 2 has it too)")
    ]


def test_wfm_run_plans_a_site_without_queues_end_to_end(tmp_path: Path) -> None:
    import json

    from typer.testing import CliRunner

    from wfm.cli import app

    folder = branch(tmp_path / "branch", "date,template,required\n2026-03-02,early,1\n2026-03-03,early,1\n")
    (folder / "requests.csv").write_text("agent_id,date,shift_template,on,weight\nb1,2026-03-03,off,on,30\n")
    result = CliRunner().invoke(app, ["run", str(folder), "--out", str(tmp_path / "out"), "--seed", "1", "--quiet"])
    assert result.exit_code == 0, result.output
    assert "0 people short and 0 over of 2 needed; requests granted 0 of 1" in " ".join(result.output.split())
    kpis = json.loads((tmp_path / "out" / "2026-03-02" / "kpis.json").read_text())
    assert kpis["overall"]["shift_cover"] == {
        "people_required": 2,
        "people_short": 0,
        "people_over": 0,
        "shifts_without_a_requirement": 0,
    }
    # Bea's request for Tuesday off (30) against one person short on Tuesday (100): she works, the request
    # goes ungranted, and the plan costs exactly 30.
    assert kpis["solver"]["objective"] == pytest.approx(30)
    run = tmp_path / "out" / "2026-03-02"
    assert (run / "shift_cover.csv").read_text().splitlines() == [
        "date,template,required,scheduled,short,over,weight_under,weight_over",
        "2026-03-02,early,1,1,0,0,100,0",
        "2026-03-03,early,1,1,0,0,100,0",
    ]
    sheet = load_workbook(run / "roster.xlsx")["Shift cover"]
    rows = [[cell for cell in row if cell is not None] for row in sheet.iter_rows(values_only=True)]
    # Week of Monday 2 March: the two planned days, the rest of the week outside the horizon (blank).
    assert rows[4] == ["Shift", dt.datetime(2026, 3, 2), dt.datetime(2026, 3, 3), "Short", "Over"]
    assert rows[5:7] == [["early needed", 1, 1], ["early planned", 1, 1, 0, 0]]


def test_the_shift_cover_table_counts_people_short_over_and_unasked_per_date_and_template() -> None:
    the_site = shift_site(days=2)
    scenario = shift_scenario(the_site, 2, [(0, "late", 2, 100, 1), (1, "early", 0, 100, 3)])
    plan = _plan([(0, "late"), (1, "early")])
    # A second person on an early shift on day 0, which no line asks for.
    extra = ShiftAssignment("a1", START, "early", _midnight(START) + dt.timedelta(hours=8),
                            _midnight(START) + dt.timedelta(hours=16.5), 480)  # fmt: skip
    plan = ScheduleResult(SolveStatus.FEASIBLE, 0, 0, 0, (*plan.shifts, extra))
    table = shift_cover_table(scenario, plan)
    day0, day1 = START, START + dt.timedelta(days=1)
    assert table.astype(object).where(table.notna(), None).values.tolist() == [
        [day0, "early", None, 1, 0, 0, None, None],
        [day0, "late", 2, 1, 1, 0, 100, 1],
        [day1, "early", 0, 1, 0, 1, 100, 3],
    ]
    assert shift_cover(scenario, plan) == {
        "people_required": 2, "people_short": 1, "people_over": 1, "shifts_without_a_requirement": 1,
    }  # fmt: skip


def test_a_template_nobody_may_work_is_a_warning_before_planning(tmp_path: Path) -> None:
    folder = branch(tmp_path, "date,template,required\n2026-03-02,early,1\n")
    toml = (folder / "site.toml").read_text()
    (folder / "site.toml").write_text(
        toml.replace(
            "[[contracts]]",
            '[[shift_templates]]\nid = "night"\nstart_times = ["22:00"]\nlength_minutes = 480\n\n[[contracts]]',
        )
    )
    (folder / "shift_requirements.csv").write_text("date,template,required\n2026-03-02,early,1\n2026-03-02,night,2\n")
    warnings = load_scenario(folder).warnings
    assert any("'night' is not a template some agent's contract allows: nobody's does, so all 2 people" in w
               for w in warnings)  # fmt: skip


def _warm_start_shifts(scenario: Scenario) -> list[tuple[str, int, str]]:
    """(agent, day, template) of every shift in the warm start's hint."""
    from wfm.scheduling.model import build_model
    from wfm.scheduling.warm_start import warm_start

    ctx = build_model(build_problem(scenario, None))
    assert warm_start(ctx, seed=0) == []
    hint = dict(zip(ctx.model.proto.solution_hint.vars, ctx.model.proto.solution_hint.values, strict=True))
    return sorted((ctx.data.agents[a].agent.agent_id, option.day, option.template_id)
                  for (a, o), var in ctx.x.items() if hint[var.index]
                  for option in [ctx.data.agents[a].options[o]])  # fmt: skip


def test_the_warm_start_covers_shift_requirements_and_grants_requests_before_the_search() -> None:
    """The first plan the solver gets already puts people where the requirements and requests are (a warm start
    blind to them gave Curtois & Qu instance 12 a first plan of 55,936 against 6,769 with them)."""
    from wfm.domain import ShiftRequest

    # Three people, a shift a day at most, nothing else to gain: day 0 needs two lates, day 1 one early, and a
    # person over a requirement costs 5. The first plan staffs exactly that.
    needs = [(0, "late", 2, 100, 5), (0, "early", 0, 100, 5), (1, "early", 1, 100, 5), (1, "late", 0, 100, 5)]
    shifts = _warm_start_shifts(shift_scenario(shift_site(), 3, needs))
    assert [s[1:] for s in shifts].count((0, "late")) == 2
    assert [s[1:] for s in shifts].count((1, "early")) == 1 and len(shifts) == 3
    # One person, no requirement: only requests make a shift worth working. a0 wants the early on day 0 (7) and
    # day 1 off (3): the first plan is that early alone.
    alone = shift_scenario(shift_site(), 1, []).model_copy(update={"requests": (
        ShiftRequest(agent_id="a0", date=START, shift_template="early", wanted=True, weight=7),
        ShiftRequest(agent_id="a0", date=START + dt.timedelta(days=1), shift_template="off", wanted=True, weight=3),
    )})  # fmt: skip
    assert _warm_start_shifts(alone) == [("a0", 0, "early")]
