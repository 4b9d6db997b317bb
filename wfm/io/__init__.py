"""Reading scenarios (folder or workbook) with planner-grade errors, and writing outputs atomically."""

from wfm.io.atomic import atomic_directory, atomic_write_bytes, atomic_write_text
from wfm.io.errors import Problem, ScenarioError
from wfm.io.scenario import load_scenario, load_site

__all__ = [
    "Problem",
    "ScenarioError",
    "atomic_directory",
    "atomic_write_bytes",
    "atomic_write_text",
    "load_scenario",
    "load_site",
]
