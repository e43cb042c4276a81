# Two entry points for a fresh machine: `make demo` and `make test`. Both create .venv first.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
DEMO_DB ?= demo.duckdb
WEB := src/flashpoint/serve/web
ASSETS := $(WEB)/node_modules/.package-lock.json

.PHONY: demo test lint check clean assets fast

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(VENV)/.run-installed: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e .
	touch $@

$(VENV)/.dev-installed: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e '.[dev]'
	touch $@ $(VENV)/.run-installed

## assets: the dashboard's browser libraries (d3, topojson-client, world-atlas) from npm, once
assets: $(ASSETS)

$(ASSETS): $(WEB)/package.json $(WEB)/package-lock.json
	@if command -v npm >/dev/null 2>&1; then \
	  npm ci --prefix $(WEB) --no-audit --no-fund --loglevel=error && touch $@ \
	  || echo "warning: npm ci failed: the dashboard page will say what to run (the API works)"; \
	else echo "warning: npm not found: the dashboard's assets are not installed (the API works)"; fi

## demo: install, ingest the bundled sample corpus into $(DEMO_DB), print a summary
demo: $(VENV)/.run-installed $(ASSETS)
	rm -f $(DEMO_DB) $(DEMO_DB).wal
	$(BIN)/flashpoint ingest examples/corpus --db $(DEMO_DB); status=$$?; \
	  if [ $$status -ne 0 ] && [ $$status -ne 3 ]; then exit $$status; fi
	$(BIN)/flashpoint summary --db $(DEMO_DB)
	@echo "Query it: $(BIN)/flashpoint events --db $(DEMO_DB) --actor CHN --type COERCE"
	@echo "Open the dashboard: $(BIN)/flashpoint serve --db $(DEMO_DB)  then http://127.0.0.1:8000/"
	@echo "Alerts the sample corpus triggers (examples/watchlists.yaml, replayed day by day):"
	$(BIN)/flashpoint backtest --db $(DEMO_DB) --watchlists examples/watchlists.yaml --store-alerts

## fast: a second environment, $(FAST_VENV), with the hot path compiled by mypyc (needs a C
## compiler; same events, less CPU: docs/scale.md, "The compiled build")
FAST_VENV ?= .venv-fast
fast: $(FAST_VENV)/.installed

$(FAST_VENV)/.installed: pyproject.toml setup.py $(shell find src -name '*.py')
	$(PYTHON) -m venv $(FAST_VENV)
	$(FAST_VENV)/bin/python -m pip install --quiet --disable-pip-version-check setuptools wheel mypy
	FLASHPOINT_COMPILE=1 $(FAST_VENV)/bin/python -m pip install --quiet --disable-pip-version-check \
	  --no-build-isolation .
	touch $@

## test: install with dev extras and run the whole test suite
test: $(VENV)/.dev-installed $(ASSETS)
	$(BIN)/python -m pytest

## lint: ruff and mypy
lint: $(VENV)/.dev-installed
	$(BIN)/ruff check src tests
	$(BIN)/mypy src

check: lint test

clean:
	rm -rf $(VENV) $(FAST_VENV) $(DEMO_DB) $(DEMO_DB).wal .pytest_cache .mypy_cache .ruff_cache .hypothesis
	rm -rf $(WEB)/node_modules
