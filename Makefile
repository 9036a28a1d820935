# Carbon Ledger — run `make help` for the list of targets.
SHELL := /bin/bash
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
SCALE ?= M
BENCH_ARGS ?=

export GX_ANALYTICS_ENABLED := false
export DAGSTER_DISABLE_TELEMETRY := 1
export DO_NOT_TRACK := 1
# Some machines set PYTHONDONTWRITEBYTECODE=1: every Python process (each `carbon` command,
# each dbt invocation, each test worker) would then compile Dagster, dbt and GX from source,
# seconds every time. The install compiles .venv/ once; this lets the project's own modules
# be cached too.
unexport PYTHONDONTWRITEBYTECODE

.DEFAULT_GOAL := help

help: ## Show this help
	@grep -hE '^[a-zA-Z_-]+:.*?## ' $(MAKEFILE_LIST) | awk 'BEGIN {FS = ":.*?## "}; {printf "  \033[36m%-10s\033[0m %s\n", $$1, $$2}'

$(STAMP): pyproject.toml constraints.txt
	@command -v $(PYTHON) >/dev/null || { echo "Python 3.11 is required ($(PYTHON) not found); set PYTHON=/path/to/python3.11"; exit 1; }
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	@echo "Installing pinned dependencies into $(VENV)/ ..."
	@$(BIN)/python -m pip install -q uv==$$(grep -E '^uv==' constraints.txt | cut -d= -f3 || echo 0.13.9) 2>/dev/null || $(BIN)/python -m pip install -q uv
	@$(BIN)/python -m uv pip install -q --compile-bytecode -p $(BIN)/python -c constraints.txt -e '.[dev]' \
	  || $(BIN)/python -m pip install -q -c constraints.txt -e '.[dev]'
	@touch $(STAMP)

setup: $(STAMP) ## Create .venv/ with the pinned dependencies (run automatically)

run: $(STAMP) ## Build the warehouse from the bundled sample group, print the inventory, write dbt docs
	$(BIN)/carbon run
	@# After the run has closed the warehouse: DuckDB allows one writer, and dbt-duckdb opens it read-write.
	$(BIN)/carbon docs

docs: $(STAMP) ## dbt docs (model lineage) of build/carbon.duckdb into build/dbt_docs/
	$(BIN)/carbon docs

test: $(STAMP) ## Run the whole test suite
	$(BIN)/python -m pytest

ui: $(STAMP) ## Open the Dagster UI on this project
	$(BIN)/carbon ui

lint: $(STAMP) ## Lint and check formatting with ruff
	$(BIN)/ruff check pipelines tests
	$(BIN)/ruff format --check pipelines tests

format: $(STAMP) ## Format the code with ruff
	$(BIN)/ruff check --fix pipelines tests
	$(BIN)/ruff format pipelines tests

generate: $(STAMP) ## Regenerate the bundled sample group (sample_group/landing)
	$(BIN)/carbon generate --out sample_group/landing --scale S

bench: $(STAMP) ## Benchmarks (separate from tests): carbon run end to end at scale M beside a hand-written DuckDB floor (SCALE=L: 100 M readings; BENCH_ARGS=--full-only)
	$(BIN)/python -m pipelines.bench --scale $(SCALE) $(BENCH_ARGS)

freeze: $(STAMP) ## Rewrite constraints.txt from the current environment
	$(BIN)/python -m uv pip freeze -p $(BIN)/python --exclude-editable | sed '/^carbon-ledger/d' > constraints.txt.new && mv constraints.txt.new constraints.txt

clean: ## Remove build outputs (keeps .venv)
	rm -rf build dbt_project/target dbt_project/logs

.PHONY: help setup run docs test ui lint format generate bench freeze clean
