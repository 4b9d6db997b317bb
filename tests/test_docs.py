"""The user docs stay true to the code: the configuration reference is generated from the models, the README is
a guide of reasonable length, and the tutorial's folder validates and plans."""

from __future__ import annotations

import re
from pathlib import Path

from typer.testing import CliRunner

from wfm.cli import app
from wfm.domain import models
from wfm.io.reference import SECTIONS, render_configuration
from wfm.io.sources import _TABLES

REPO = Path(__file__).resolve().parent.parent


def test_the_configuration_reference_is_the_one_the_code_generates() -> None:
    committed = (REPO / "docs" / "configuration.md").read_text(encoding="utf-8")
    assert committed == render_configuration(), (
        "docs/configuration.md is out of date: run .venv/bin/python -m wfm.io.reference > docs/configuration.md"
    )


def test_every_site_key_and_csv_column_is_in_the_reference_with_a_meaning() -> None:
    reference = render_configuration()
    for _, model, _ in SECTIONS:
        for name in model.model_fields:
            tables = {"horizon", "queues", "shift_templates", "contracts", "rules", "weights", "solver", "forecast",
                      "input", "simulation", "requests"}  # fmt: skip
            if model is models.Site and name in tables:
                continue
            row = re.search(rf"^\| `{name}` \|.*$", reference, re.MULTILINE)
            assert row is not None, f"{model.__name__}.{name} missing"
    for line in reference.splitlines():
        if line.startswith("| `") and line.count("|") == 6:
            assert not line.rstrip().endswith("|  |"), f"no meaning for {line.split('|')[1].strip()}"
    for name, spec in _TABLES.items():
        assert f"`{name}.csv`" in reference
        for column in spec.required + spec.optional:
            assert f"`{column}`" in reference


def test_the_readme_is_a_guide_and_its_links_resolve() -> None:
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    assert len(readme) <= 15_000
    for target in re.findall(r"\]\(([^)#]+)", readme):
        if not target.startswith("http"):
            assert (REPO / target).exists(), f"README links to {target}, which does not exist"
    for doc in (REPO / "docs").glob("*.md"):
        for target in re.findall(r"\]\(([^)#]+)", doc.read_text(encoding="utf-8")):
            if not target.startswith("http"):
                assert (doc.parent / target).exists(), f"{doc.name} links to {target}, which does not exist"


def test_the_tutorials_operation_validates_and_plans(tmp_path: Path) -> None:
    runner = CliRunner()
    folder = REPO / "data" / "examples" / "minimal"
    validated = runner.invoke(app, ["validate", str(folder)])
    assert validated.exit_code == 0, validated.output
    assert "OK Harbour Street Contact Centre: 6 agents, 2 queues, 1,664 history rows" in " ".join(
        validated.output.split()
    )
    planned = runner.invoke(app, ["run", str(folder), "--out", str(tmp_path), "--seed", "1", "--time-limit", "10"])
    assert planned.exit_code == 0, planned.output
    assert (tmp_path / "2026-03-02" / "roster.xlsx").is_file()
    # Step 7: the plan simulated (the run folder names its scenario, so the command needs nothing else).
    simulated = runner.invoke(app, ["simulate", str(tmp_path / "2026-03-02"), "--replications", "5"])
    assert simulated.exit_code == 0, simulated.output
    assert (tmp_path / "2026-03-02" / "simulation.csv").is_file()
