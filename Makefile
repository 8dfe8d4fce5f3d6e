# Two commands on a fresh machine with Python >= 3.11 and make: `make demo` and `make test`.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
SERVE ?= 1
PYTEST_ARGS ?=

.DEFAULT_GOAL := help
.PHONY: help demo test install dev kafka kafka-stop bench clean screenshot docs

help: ## list the commands
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-12s %s\n", $$1, $$2}'

$(BIN)/python:
	$(PYTHON) -c 'import sys; sys.exit("Python >= 3.11 is needed, found " + sys.version.split()[0]) if sys.version_info < (3, 11) else None'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

# pip's own lines and download bars show the install's progress (it was --quiet: a silent minute).
$(VENV)/.installed: pyproject.toml | $(BIN)/python
	@echo "installing spotify-mds and its dependencies into $(VENV)… (about a minute on a fresh machine)"
	$(BIN)/python -m pip install --progress-bar on -e ".[dashboard]"
	@touch $@

$(VENV)/.installed-dev: pyproject.toml | $(BIN)/python
	@echo "installing spotify-mds with its test dependencies and Airflow into $(VENV)… (about two minutes on a fresh machine)"
	$(BIN)/python -m pip install --progress-bar on -e ".[dev,airflow]"
	@touch $@ $(VENV)/.installed

install: $(VENV)/.installed ## create .venv and install the project

dev: $(VENV)/.installed-dev ## create .venv and install the project with its test dependencies

demo: $(VENV)/.installed ## run the whole pipeline on embedded components, then serve the dashboard (SERVE=0: exit)
	$(BIN)/spotify-mds demo $(if $(filter 0,$(SERVE)),--no-serve,--serve)

docs: $(VENV)/.installed ## dbt's docs and lineage for every pipeline, served on http://127.0.0.1:8580
	$(BIN)/spotify-mds docs

screenshot: $(VENV)/.installed-dev ## docs/dashboard.png from a real demo run (in data/screenshot; headless Chromium)
	$(BIN)/python -m spotify_mds.presentation.dashboard.screenshot --data-dir data/screenshot --out docs/dashboard.png

test: $(VENV)/.installed-dev ## run the whole test suite
	$(BIN)/python -m pytest $(PYTEST_ARGS)

kafka: $(VENV)/.installed ## start a local single-node Apache Kafka (KRaft) on 127.0.0.1:9092 (needs Java >= 17)
	$(BIN)/python -m spotify_mds.operations.kafka_local start

kafka-stop: $(VENV)/.installed ## stop the local Kafka broker
	$(BIN)/python -m spotify_mds.operations.kafka_local stop

.PHONY: stack stack-down stack-status
stack: $(VENV)/.installed-dev ## the compose stack as local processes, no Docker (Kafka, S3, PostgreSQL, Airflow, producer, lander, dashboard)
	$(BIN)/python -m spotify_mds.cli stack up

stack-status: $(VENV)/.installed-dev ## the local stack's status table
	$(BIN)/python -m spotify_mds.cli stack status

stack-down: $(VENV)/.installed-dev ## stop the local stack (reverse dependency order, nothing lost)
	$(BIN)/python -m spotify_mds.cli stack down

.PHONY: stack-secrets
stack-secrets: ## write the docker stack's missing secrets into .env (never overwrites or prints one)
	$(PYTHON) docker/stack_secrets.py

bench: $(VENV)/.installed-dev ## measure every stage at 1M and 10M events next to its baselines; rewrites BENCHMARKS.md
	$(BIN)/python -m bench.run

clean: ## remove generated data (the lake, the warehouse, dbt's target)
	rm -rf data dbt/target dbt/logs
