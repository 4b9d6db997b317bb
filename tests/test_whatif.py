"""`wfm whatif`: the grid a planner asks for, each setting applied exactly, and one comparison of the plans."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
from openpyxl import load_workbook
from typer.testing import CliRunner

from wfm.cli import app
from wfm.demo import generate_operation
from wfm.domain import Scenario
from wfm.forecast import run_forecast
from wfm.io import ScenarioError, load_scenario
from wfm.io.variations import check_scopes, grid, parse_vary, read_vary_file
from wfm.pipeline import EXIT_BAD_INPUT
from wfm.pipeline_whatif import KNOBS, apply_case

SAMPLE = Path(__file__).resolve().parents[1] / "data" / "sample"
runner = CliRunner()


@pytest.fixture(scope="module")
def tiny(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """20 agents; voice_service (front, live), collections (middle), account_maintenance (back); 2 days."""
    folder = tmp_path_factory.mktemp("whatif") / "scenario"
    generate_operation(folder, agents=20, queues=3, weeks_history=3, horizon_days=2)
    return folder


@pytest.fixture(scope="module")
def tiny_scenario(tiny: Path) -> Scenario:
    return load_scenario(tiny)


def test_every_combination_is_a_scenario_in_the_order_given_the_first_values_being_the_base_case() -> None:
    settings = parse_vary(["volume=1.0,1.15,130%", "cross_training=on,off"], KNOBS)
    cases = grid(settings)
    assert [c.name for c in cases] == ["S1", "S2", "S3", "S4", "S5", "S6"]
    assert [c.label for c in cases] == [
        "volume 1, cross_training on", "volume 1, cross_training off", "volume 1.15, cross_training on",
        "volume 1.15, cross_training off", "volume 1.3, cross_training on", "volume 1.3, cross_training off",
    ]  # fmt: skip
    assert cases[5].values == (("volume", 1.3), ("cross_training", False))


def test_the_same_grid_from_a_toml_file_with_a_scoped_setting(tmp_path: Path) -> None:
    file = tmp_path / "whatif.toml"
    file.write_text('[vary]\nvolume = [1.0, 1.2]\n"service_level.front" = ["80%", 0.9]\n\n[whatif]\nseed = 3\n')
    settings, rest = read_vary_file(file, KNOBS)
    assert [(s.key, s.values) for s in settings] == [("volume", (1.0, 1.2)), ("service_level.front", (0.8, 0.9))]
    assert rest == {"whatif": {"seed": 3}}


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("headcount=10,12", "'headcount' cannot be varied; the settings that can: aht, answer_seconds, cross_training"),
        ("volume=1.0,lots", "volume: 'lots' is not a factor, e.g. 1.15 for 15 % more (or 115%)"),
        ("volume=0,1", "volume: '0' is not a factor above 0 and at most 10"),
        ("service_level=1.2", "service_level: '1.2' is not a share from 0 to below 1, e.g. 0.9 or 90%"),
        ("cross_training=maybe", "cross_training: 'maybe' is not on or off"),
        ("cross_training.front=off", "'cross_training.front': cross_training applies to the whole site"),
        ("volume=1.0,1.0", "volume: 1 given twice"),
        ("volume", "'volume' is not NAME=VALUE,VALUE,...; e.g. --vary volume=1.0,1.15,1.3"),
    ],
)
def test_a_setting_that_cannot_be_read_is_one_problem_saying_what_to_write(text: str, message: str) -> None:
    with pytest.raises(ScenarioError) as caught:
        parse_vary([text], KNOBS)
    assert len(caught.value.problems) == 1
    assert message in str(caught.value.problems[0])


def test_a_grid_of_more_than_64_plans_is_refused_before_anything_is_planned() -> None:
    settings = parse_vary(["volume=" + ",".join(f"1.{i:02d}" for i in range(9)), "aht=1,1.1,1.2,1.3,1.4,1.5,1.6,1.7"],
                          KNOBS)  # fmt: skip
    with pytest.raises(ScenarioError, match="72 scenarios; at most 64"):
        grid(settings)


def test_a_scope_must_name_an_office_or_queue_the_setting_applies_to(tiny_scenario: Scenario) -> None:
    with pytest.raises(ScenarioError, match=r"'claims' names no queue of .*: front, middle, back"):
        check_scopes(tiny_scenario, parse_vary(["volume.claims=1.1"], KNOBS), KNOBS)
    with pytest.raises(ScenarioError, match="'front' names no deferred queue"):
        check_scopes(tiny_scenario, parse_vary(["sla_hours.front=4"], KNOBS), KNOBS)
    check_scopes(tiny_scenario, parse_vary(["volume.back=1.3", "service_level.voice_service=0.9"], KNOBS), KNOBS)


def test_volume_and_handle_time_scale_only_the_queues_in_scope(tiny_scenario: Scenario) -> None:
    forecast = run_forecast(tiny_scenario.history, tiny_scenario.site).forecast
    (case,) = grid(parse_vary(["volume.back=1.3", "aht.voice_service=0.9"], KNOBS))
    _, changed = apply_case(tiny_scenario, forecast, case)
    before = forecast.groupby("queue")[["volume", "volume_p90", "aht_seconds"]].sum()
    after = changed.groupby("queue")[["volume", "volume_p90", "aht_seconds"]].sum()
    assert after.at["account_maintenance", "volume"] == pytest.approx(1.3 * before.at["account_maintenance", "volume"])
    assert after.at["account_maintenance", "volume_p90"] == pytest.approx(
        1.3 * before.at["account_maintenance", "volume_p90"]
    )
    assert after.at["voice_service", "aht_seconds"] == pytest.approx(0.9 * before.at["voice_service", "aht_seconds"])
    for queue in ("voice_service", "collections"):
        assert after.at[queue, "volume"] == before.at[queue, "volume"]
    assert after.at["collections", "aht_seconds"] == before.at["collections", "aht_seconds"]


def test_targets_shrinkage_and_cross_training_change_the_scenario_and_nothing_else(tiny_scenario: Scenario) -> None:
    forecast = pd.DataFrame(columns=["interval_start", "queue", "volume", "aht_seconds"])
    settings = parse_vary(["service_level=0.9", "answer_seconds=30", "sla_hours.back=12", "shrinkage=0.2",
                           "cross_training=off"], KNOBS)  # fmt: skip
    (case,) = grid(settings)
    changed, _ = apply_case(tiny_scenario, forecast, case)
    queues = {q.id: q for q in changed.site.queues}
    assert (queues["voice_service"].service_level, queues["voice_service"].answer_seconds) == (0.9, 30)
    assert (queues["collections"].sla_hours, queues["account_maintenance"].sla_hours) == (8.0, 12.0)
    # shrinkage inflates live requirements only: the live queue gets it, deferred ones keep the site's rule
    assert changed.site.shrinkage == 0.2 and queues["voice_service"].shrinkage == 0.2
    assert queues["collections"].shrinkage is None
    # 29 skills, 9 of them in another office than the agent's own: off leaves 20, one home queue each
    assert (len(tiny_scenario.skills), len(changed.skills)) == (29, 20)
    office = {q.id: q.office for q in changed.site.queues}
    assert all(office[s.queue] == changed.agent_by_id[s.agent_id].office for s in changed.skills)
    assert tiny_scenario.site.queues[0].service_level == 0.8  # the given scenario is unchanged


def test_whatif_writes_one_comparison_of_every_scenario(tiny: Path, tmp_path: Path) -> None:
    ran = runner.invoke(app, ["whatif", str(tiny), "--vary", "volume=1,1.2", "--vary", "service_level=0.9", "--days",
                              "1", "--time-limit", "1", "--out", str(tmp_path)])  # fmt: skip
    assert ran.exit_code == 0, ran.output
    folder = tmp_path / "whatif" / "2026-03-02"
    assert {p.name for p in folder.iterdir()} == {"whatif.csv", "whatif_queues.csv", "whatif.xlsx", "summary.json"}
    rows = pd.read_csv(folder / "whatif.csv")
    assert list(rows["scenario"]) == ["S1", "S2"]
    # a column per varied setting, then what the plan achieved under its own name
    assert list(rows.columns[:4]) == ["scenario", "label", "volume", "service_level"]
    assert list(rows["volume"]) == [1.0, 1.2] and list(rows["service_level"]) == [0.9, 0.9]
    assert {"live_service_level", "items_past_sla", "overtime_hours", "labour_cost", "front_agent_hours",
            "middle_agent_hours", "back_agent_hours", "plan_gap"} <= set(rows.columns)  # fmt: skip
    queues = pd.read_csv(folder / "whatif_queues.csv").set_index(["scenario", "queue"])
    assert queues.at[("S1", "voice_service"), "service_level_target"] == 0.9
    arrived = queues["items_arrived"]
    for queue in ("voice_service", "collections", "account_maintenance"):  # 20 % more of every queue's work
        assert arrived[("S2", queue)] == pytest.approx(1.2 * arrived[("S1", queue)], abs=0.02)
    summary = json.loads((folder / "summary.json").read_text())
    assert summary["horizon"] == {"start": "2026-03-02", "days": 1}
    assert summary["options"]["deterministic"] is True and summary["failed"] == []
    book = load_workbook(folder / "whatif.xlsx")
    assert book.sheetnames == ["Comparison", "Queues", "Scenarios"]
    comparison = book["Comparison"]
    assert [c.value for c in comparison[4]][:4] == ["Scenario", "volume", "service_level", "Service level (live)"]
    assert len(comparison._charts) == 3
    again = runner.invoke(app, ["whatif", str(tiny), "--vary", "volume=1", "--days", "1", "--time-limit", "1",
                                "--out", str(tmp_path)])  # fmt: skip
    assert again.exit_code == 0, again.output
    assert (tmp_path / "whatif" / "2026-03-02.2" / "whatif.csv").exists()  # never over an earlier comparison
    assert len(pd.read_csv(folder / "whatif.csv")) == 2


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--vary", "headcount=1,2"], "'headcount' cannot be varied"),
        ([], "nothing to vary"),
        (["--vary", "volume.claims=1.2"], "'claims' names no queue"),
        (["--vary", "volume=1", "--cluster", "planner-01"], "'planner-01' is not a scheduler address"),
        (["--vary", "volume=1", "--cluster", "tcp://127.0.0.1:9"], "could not reach the Dask scheduler"),
        (["--vary", "volume=1", "--cluster", "garbage://x"], "'garbage://x' is not a scheduler address"),
        (["--vary", "volume=1", "--cluster", "tcp://localhost:abc"], "is not a scheduler address"),
        (["--vary", "service_level=0,0.9"], "service_level 0: Input should be greater than 0"),
        (["--vary", "answer_seconds=20.5"], "answer_seconds 20.5: Input should be a valid integer"),
        (["--vary", "shrinkage.back=0.1"], "'back' names no live queue"),
        (["--vary", "volume=1", "--days", "5"], "5 is more than the 2 days of site.toml's [horizon]"),
    ],
)
def test_bad_whatif_input_is_one_clear_error_and_nothing_written(
    tiny: Path, tmp_path: Path, args: list[str], message: str
) -> None:
    ran = runner.invoke(app, ["whatif", str(tiny), *args, "--out", str(tmp_path / "out")])
    assert ran.exit_code == EXIT_BAD_INPUT
    assert message in " ".join(ran.output.split())
    assert "Traceback" not in ran.output
    assert not (tmp_path / "out").exists()


def test_a_bad_whatif_file_names_the_file_and_key(tiny: Path, tmp_path: Path) -> None:
    file = tmp_path / "whatif.toml"
    file.write_text("[vary]\nvolume = [1.0]\n\n[whatif]\ndays = 0\n")
    ran = runner.invoke(app, ["whatif", str(tiny), "--config", str(file), "--out", str(tmp_path / "out")])
    assert ran.exit_code == EXIT_BAD_INPUT
    assert "whatif.toml, key 'whatif.days': Input should be greater than or equal to 1" in " ".join(ran.output.split())


def test_six_scenarios_on_the_sample_as_the_readme_runs_them(tmp_path: Path) -> None:
    """The README's command, over the horizon's first day and a short search to keep the test quick."""
    grid = ["--vary", "volume=1.0,1.15,1.3", "--vary", "cross_training=on,off"]
    ran = runner.invoke(app, ["whatif", str(SAMPLE), *grid, "--days", "1", "--time-limit", "1", "--out", str(tmp_path)])
    assert ran.exit_code == 0, ran.output
    rows = pd.read_csv(tmp_path / "whatif" / "2026-03-02" / "whatif.csv")
    assert len(rows) == 6 and set(rows["status"]) <= {"OPTIMAL", "FEASIBLE"}
    queues = pd.read_csv(tmp_path / "whatif" / "2026-03-02" / "whatif_queues.csv")
    arrived = queues.groupby("scenario")["items_arrived"].sum()
    assert arrived["S5"] == pytest.approx(1.3 * arrived["S1"], rel=1e-3)
    # cross-training off moves work between offices: the offices' hours are not those of the blended plan
    offices = ["front_agent_hours", "middle_agent_hours", "back_agent_hours"]
    assert (rows.loc[0, offices] != rows.loc[1, offices]).any()
