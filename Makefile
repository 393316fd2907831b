# K8s AIOps Copilot. `make run` and `make test` create .venv on first use.
SHELL := /bin/bash
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 0.0.0.0
PORT ?= 8000
VERSION := $(shell cat VERSION)
REGISTRY ?= docker.io/example
IMAGE ?= $(REGISTRY)/k8s-aiops-copilot
NAMESPACE ?= aiops
DEMO_SNAPSHOT := examples/demo-snapshot

.PHONY: install run test lint format clean

install: $(VENV)/.installed

$(VENV)/.installed: requirements.txt requirements-dev.txt pyproject.toml VERSION
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -r requirements-dev.txt
	$(BIN)/pip install --quiet --no-deps -e .
	@touch $@

# With no cluster configured (no CLUSTER_SNAPSHOT, KUBECONFIG, ~/.kube/config or in-cluster account),
# serve the bundled demo snapshot so a newcomer sees a real investigation.
run: install
	@if [ -z "$$CLUSTER_SNAPSHOT$$KUBECONFIG$$KUBERNETES_SERVICE_HOST" ] && [ ! -f "$$HOME/.kube/config" ]; then \
	  echo "No cluster configured: serving the demo snapshot $(DEMO_SNAPSHOT)"; \
	  export CLUSTER_SNAPSHOT=$(DEMO_SNAPSHOT); fi; \
	exec $(BIN)/python -m app serve --host $(HOST) --port $(PORT)

test: install
	$(BIN)/pytest -q

lint: install
	$(BIN)/ruff check .
	$(BIN)/mypy app

format: install
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format app tests bench

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache data
