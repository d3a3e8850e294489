# Closeloop: `make run` starts Kafka, the database, the SMTP sink, all five services and the console (http://127.0.0.1:8000);
# `make test` runs the whole suite. Both install what is missing first.
SHELL := /bin/bash
.DEFAULT_GOAL := help
export UV_PYTHON_DOWNLOADS := never
export UV_PYTHON ?= python3
UV ?= $(shell command -v uv 2>/dev/null || echo $(HOME)/.local/bin/uv)
RUN := $(UV) run --frozen
PYTEST_ARGS ?=
TEST_DIRS := shared/tests devstack/tests cli/tests $(wildcard services/*/tests) \
	$(sort $(dir $(wildcard tests/*/*.py)))

.PHONY: help setup database tools report-fonts run test test-unit mutation lint format schemas bench clean

help: ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-10s %s\n", $$1, $$2}'

setup: ## install uv, the locked Python environment, and check Java / Maven
	@command -v java >/dev/null || { echo "Java 17+ is required: apt-get install -y openjdk-17-jre-headless"; exit 1; }
	@command -v mvn >/dev/null || { echo "Maven is required to fetch the pinned Kafka jars: apt-get install -y maven"; exit 1; }
	@test -x "$(UV)" || python3 -m pip install --quiet --user uv || python3 -m pip install --quiet uv
	@$(UV) sync --frozen --quiet

database: setup ## compile the local database server (secantusd-rs) once per machine, cached
	@command -v cmake >/dev/null || { echo "CMake is required to compile secantusd-rs: apt-get install -y cmake"; exit 1; }
	@$(RUN) python -m closeloop_devstack database-build >/dev/null

tools: setup ## install the validators of tests/ops (kustomize, kubeconform, promtool, ...) and chromium (browser tests)
	@bash tools/ops/install_tools.sh

report-fonts: ## install the service report's CJK font (fonts-noto-cjk) and pdftotext
	@bash tools/ops/install_tools.sh report-fonts

run: setup database report-fonts ## start Kafka, SecantusDB, the SMTP sink, the five services and the console (Ctrl-C stops all)
	@$(RUN) python -m closeloop_devstack run

test: setup tools database ## run unit, integration, ops and end-to-end tests
	@$(RUN) pytest $(PYTEST_ARGS)

test-unit: setup ## unit tests only (no servers)
	@$(RUN) pytest -m "not integration and not e2e" $(PYTEST_ARGS)

mutation: setup ## mutmut over every service's domain/ package against its unit tests (slow; not in make test)
	@$(RUN) python tools/mutation.py $(MUTATION_ARGS)

lint: setup ## ruff and mypy --strict
	@$(RUN) ruff check .
	@$(RUN) ruff format --check .
	@$(RUN) mypy shared/src devstack/src cli/src services/intake/src services/routing/src \
		services/sla/src services/feedback/src services/audit/src services/console/src bench tools
	@# Test folders one at a time: each has its own conftest module.
	@for d in $(TEST_DIRS); do $(RUN) mypy $$d >/dev/null || { $(RUN) mypy $$d; exit 1; }; done

format: setup ## apply ruff's fixes and formatting
	@$(RUN) ruff check --fix .
	@$(RUN) ruff format .

schemas: setup ## regenerate the committed JSON Schemas and the AsyncAPI document
	@$(RUN) python -m closeloop_shared.contracts write

bench: setup database ## benchmarks at full scale (writes bench/results/<date>.json)
	@$(RUN) python -m bench $(BENCH_ARGS)

clean: ## remove the local run's data (keeps the download cache)
	rm -rf .run
