# Two entry points for a fresh machine: `make demo` and `make test`. Both create .venv first.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
DEMO_DB ?= demo.duckdb

.PHONY: demo test lint check clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(VENV)/.run-installed: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e .
	touch $@

$(VENV)/.dev-installed: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e '.[dev]'
	touch $@ $(VENV)/.run-installed

## demo: install, ingest the bundled sample corpus into $(DEMO_DB), print a summary
demo: $(VENV)/.run-installed
	rm -f $(DEMO_DB) $(DEMO_DB).wal
	$(BIN)/flashpoint ingest examples/corpus --db $(DEMO_DB); status=$$?; \
	  if [ $$status -ne 0 ] && [ $$status -ne 3 ]; then exit $$status; fi
	$(BIN)/flashpoint summary --db $(DEMO_DB)
	@echo "Query it: $(BIN)/flashpoint events --db $(DEMO_DB) --actor CHN --type COERCE"

## test: install with dev extras and run the whole test suite
test: $(VENV)/.dev-installed
	$(BIN)/python -m pytest

## lint: ruff and mypy
lint: $(VENV)/.dev-installed
	$(BIN)/ruff check src tests
	$(BIN)/mypy src

check: lint test

clean:
	rm -rf $(VENV) $(DEMO_DB) $(DEMO_DB).wal .pytest_cache .mypy_cache .ruff_cache .hypothesis
