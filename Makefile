# fanops developer commands. `make run` and `make test` are the two that matter.
SHELL := /bin/bash
.DEFAULT_GOAL := help

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.fanops-setup.stamp
BOOT := .fanops/bootstrap
export DAGSTER_DISABLE_TELEMETRY := 1
export GX_ANALYTICS_ENABLED := false
export UV_NO_PROGRESS := 1

.PHONY: help setup run test lint synth-sample ui bench clean

help:
	@echo "make setup         create .venv from uv.lock (idempotent)"
	@echo "make run           run the whole pipeline on the bundled sample (fanops run)"
	@echo "make test          lint, then the test suite"
	@echo "make lint          ruff check + mypy"
	@echo "make synth-sample  regenerate the committed sample under data/sample"
	@echo "make ui            start the Dagster UI on 127.0.0.1:3000"
	@echo "make bench         run the benchmarks in bench/ (not part of test)"
	@echo "make clean         remove the local warehouse, caches and build output"

# uv: from PATH, else a bootstrap venv with uv from PyPI (no global installs needed).
UV := $(shell command -v uv 2>/dev/null)
ifeq ($(UV),)
UV := $(BOOT)/bin/uv
endif

$(BOOT)/bin/uv:
	@echo "uv not found: installing it from PyPI into $(BOOT)"
	( $(PYTHON) -m venv $(BOOT) && $(BOOT)/bin/pip install --quiet uv ) || \
	( $(PYTHON) -m pip install --quiet --target $(BOOT)/pip uv && mkdir -p $(BOOT)/bin && \
	  ln -sf ../pip/bin/uv $(BOOT)/bin/uv )

setup: $(STAMP)

$(STAMP): pyproject.toml uv.lock | $(UV)
	$(UV) sync --frozen --extra dev
	@touch $@

run: setup
	$(BIN)/fanops run

test: setup
	$(MAKE) --no-print-directory lint
	$(BIN)/pytest -n 2

lint: setup
	$(BIN)/ruff check ingestion orchestration tests bench
	$(BIN)/mypy ingestion orchestration

synth-sample: setup
	rm -rf data/sample/landing.new
	$(BIN)/fanops synth --out data/sample/landing.new --days 184 --seed 7
	rm -rf data/sample/landing
	mv data/sample/landing.new data/sample/landing

ui: setup
	$(BIN)/fanops ui

bench: setup
	@set -e; shopt -s nullglob; files=(bench/*.py); \
	if [ $${#files[@]} -eq 0 ]; then echo "no benchmarks in bench/"; fi; \
	for f in "$${files[@]}"; do echo "== $$f"; $(BIN)/python "$$f"; done

clean:
	rm -rf warehouse .dagster_home .mypy_cache .ruff_cache .pytest_cache .hypothesis build bench/out
	find . -path ./$(VENV) -prune -o -name __pycache__ -type d -prune -exec rm -rf {} +
