"""Reading scenarios (folder or workbook) with planner-grade errors, and writing outputs atomically."""

from wfm.io.atomic import atomic_directory, atomic_write_bytes, atomic_write_text
from wfm.io.errors import Problem, ScenarioError
from wfm.io.scenario import ForecastInputs, is_forecast_only, load_forecast_inputs, load_scenario, load_site

__all__ = [
    "ForecastInputs",
    "Problem",
    "ScenarioError",
    "atomic_directory",
    "atomic_write_bytes",
    "atomic_write_text",
    "is_forecast_only",
    "load_forecast_inputs",
    "load_scenario",
    "load_site",
]
