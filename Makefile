# The two commands a newcomer needs: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
SEED ?= 7

.PHONY: run test lint typecheck unit bench clean install

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

## make run: forecast -> staffing -> schedule -> simulation -> reports on the bundled sample, into schedules/
run: $(STAMP)
	$(BIN)/wfm run data/sample --out schedules --seed $(SEED) --force --simulate

## make test: lint, type check, then the test suite
test: lint typecheck unit

lint: $(STAMP)
	$(BIN)/ruff check wfm tests bench
	$(BIN)/ruff format --check wfm tests bench

typecheck: $(STAMP)
	$(BIN)/mypy

unit: $(STAMP)
	$(BIN)/pytest

bench: $(STAMP)
	$(BIN)/python bench/forecast_bench.py
	$(BIN)/python bench/staffing_bench.py
	$(BIN)/python bench/schedule_bench.py
	$(BIN)/python bench/report_bench.py
	$(BIN)/python bench/batch_bench.py
	$(BIN)/python bench/simulation_bench.py
	$(BIN)/python bench/shift_benchmark.py

clean:
	rm -rf $(VENV) .mypy_cache .pytest_cache .ruff_cache
