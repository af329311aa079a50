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

.PHONY: help setup browser run build test test-spark lint manifest synth-sample ui docs bench drills clean

help:
	@echo "make setup         create .venv from uv.lock (idempotent)"
	@echo "make run           run the whole pipeline on the bundled sample (fanops run)"
	@echo "make build         rebuild the dbt models of the last run's warehouse (fanops build)"
	@echo "make test          lint, then the test suite"
	@echo "make test-spark    the dbt project on a local Spark session equals the DuckDB build (.venv-spark, Java 17+)"
	@echo "make lint          ruff check + mypy (+ sqlfluff on the dbt models when configured)"
	@echo "make manifest      prepare the dbt manifest (dbt parse when missing or stale)"
	@echo "make docs          generate the dbt docs and serve them on 127.0.0.1:8080"
	@echo "make synth-sample  regenerate the committed sample under data/sample"
	@echo "make ui            start the Dagster UI on 127.0.0.1:3000"
	@echo "make bench         the benchmark suite bench/suite.py: S, M, L (BENCH_SIZES=S,M), not part of test"
	@echo "make drills        the heavy failure drills: seeded SIGKILL trials, two runs with --wait (~20 min)"
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

# --compile-bytecode: every fanops command imports Dagster, dbt and GX; without .pyc files (a read-only
# site-packages, or PYTHONDONTWRITEBYTECODE) each start compiles them again (~4-7 s)
$(STAMP): pyproject.toml uv.lock | $(UV)
	$(UV) sync --frozen --extra dev --compile-bytecode
	@touch $@

# `fanops run|build|docs` and the test session prepare the dbt manifest themselves (orchestration.dbt.project).
run: setup
	$(BIN)/fanops run

build: setup
	$(BIN)/fanops build

# loadfile: a module's tests share one worker, so the one in-process build of the sample that
# tests/orchestration/test_pipeline_run.py shares is made once (xdist's loadgroup is broken with pytest 9)
# Debian's Chromium renders the HTML report in a test (screenshot artefact) and prints its PDF; the test
# skips with its reason when no browser can be installed (not root, no apt-get, registry unreachable).
browser:
	@command -v chromium >/dev/null 2>&1 || command -v chromium-browser >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	    echo "installing Debian chromium (report rendering test, PDF export)"; \
	    ( apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
	      chromium fonts-wqy-zenhei >/dev/null ) || echo "chromium could not be installed: the browser test will skip"; \
	  else echo "no chromium and no root apt-get: the browser test will skip"; fi; }

test: setup browser
	$(MAKE) --no-print-directory lint
	$(BIN)/pytest -n 2 --dist loadfile

# Its own venv (.venv-spark: the locked set plus the `spark` extra), so `make setup`'s exact sync of .venv
# never has to add or remove PySpark. Not part of `make test`: ~6 min on 2 cores (README "Scale out").
SPARK_VENV := .venv-spark
SPARK_STAMP := $(SPARK_VENV)/.fanops-setup.stamp

$(SPARK_STAMP): pyproject.toml uv.lock | $(UV)
	UV_PROJECT_ENVIRONMENT=$(SPARK_VENV) $(UV) sync --frozen --extra dev --extra spark --compile-bytecode
	@touch $@

test-spark: $(SPARK_STAMP)
	@command -v java >/dev/null 2>&1 || { echo "make test-spark needs Java 17+ (PySpark): apt-get install openjdk-17-jre-headless"; exit 1; }
	$(SPARK_VENV)/bin/pytest -m spark tests/spark -s
	@echo "result: build/spark_equivalence.md"

lint: setup
	$(BIN)/ruff check ingestion orchestration expectations tests bench
	$(BIN)/mypy ingestion orchestration expectations
	@if [ -f dbt_project/.sqlfluff ] || [ -f .sqlfluff ]; then \
	  echo "sqlfluff lint dbt_project/models"; \
	  cd dbt_project && ../$(BIN)/sqlfluff lint models --processes 2 --disable-progress-bar; \
	fi

manifest: setup
	$(BIN)/python -m orchestration.dbt.project

synth-sample: setup
	rm -rf data/sample/landing.new
	$(BIN)/fanops synth --out data/sample/landing.new --days 184 --seed 7
	rm -rf data/sample/landing
	mv data/sample/landing.new data/sample/landing

ui: setup
	$(BIN)/fanops ui

docs: setup
	$(BIN)/fanops docs

# The issue-8 suite (bench/suite.py): S = the bundled sample, M and L = `fanops synth` trees in $(BENCH_TREES)
# (generated when absent); per stage wall/CPU/peak RSS, +1 day and nothing-new reruns, the DuckDB and pandas
# baselines, docs/bench/scaling.png. The other bench/*.py scripts run on their own (bench/suite.py --help).
BENCH_SIZES ?= S,M,L
BENCH_TREES ?= /tmp/bench/trees
BENCH_WORK ?= /tmp/bench/work
BENCH_JSON ?= build/bench/suite.json
BENCH_ARGS ?=
bench: setup
	$(UV) sync --frozen --extra dev --extra bench --compile-bytecode
	$(BIN)/python bench/suite.py --sizes $(BENCH_SIZES) --trees $(BENCH_TREES) --work $(BENCH_WORK) \
	  --json $(BENCH_JSON) --gen $(BENCH_ARGS)

# The failure drills marked `drill` (tests/drills): seeded SIGKILL trials during ingestion, dbt and publish, two
# runs with --wait; each trial's kill point and rerun time go to build/drills.jsonl (the light variant runs in
# `make test`).
drills: setup
	rm -f build/drills.jsonl
	FANOPS_DRILL_LOG=$(CURDIR)/build/drills.jsonl $(BIN)/pytest -m drill tests/drills
	@cat build/drills.jsonl

clean:
	rm -rf warehouse .venv-spark .dagster_home .mypy_cache .ruff_cache .pytest_cache .hypothesis build bench/out \
	  dbt_project/target dbt_project/logs
	find . -path ./$(VENV) -prune -o -name __pycache__ -type d -prune -exec rm -rf {} +
