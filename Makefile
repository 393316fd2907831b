# K8s AIOps Copilot. `make run` and `make test` create .venv on first use.
SHELL := /bin/bash
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000
VERSION := $(shell cat VERSION)
REGISTRY ?= docker.io/example
IMAGE ?= $(REGISTRY)/k8s-aiops-copilot
NAMESPACE ?= aiops
DEMO_SNAPSHOT := examples/demo-snapshot
DOCKER ?= docker
KUBECTL ?= kubectl
HELM ?= helm
DEPLOYMENT := k8s-aiops-copilot
# Applied by `make deploy`, in order (deploy/rbac-remediation.yaml is opt-in: `make deploy-remediation`).
MANIFESTS := deploy/rbac.yaml deploy/configmap/config.yaml deploy/configmap/runbooks.yaml deploy/k8s-simple.yaml

.PHONY: install run test lint format clean bench bench-classify bench-tokens bench-latency bench-load \
	build push manifests deploy deploy-remediation \
	delete-remediation delete restart logs runbooks-configmap helm-template helm-lint helm-deploy

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

# Benchmarks (BENCHMARKS.md): all of them, or one each; each ends with one JSON line of its figures.
bench: install
	$(BIN)/python -m bench.run_all

bench-classify: install
	$(BIN)/python -m bench.classify

bench-tokens: install
	$(BIN)/python -m bench.tokens

bench-latency: install
	$(BIN)/python -m bench.latency

bench-load: install
	$(BIN)/python -m bench.load

# --- image ------------------------------------------------------------------------------------------
build:
	$(DOCKER) build --build-arg VERSION=$(VERSION) -t $(IMAGE):$(VERSION) .

push:
	$(DOCKER) push $(IMAGE):$(VERSION)

# --- plain manifests (namespace aiops) -------------------------------------------------------------
# The manifests as applied: one YAML stream, the image set to $(IMAGE):$(VERSION).
RENDER_MANIFESTS = for f in $(MANIFESTS); do echo "---"; cat "$$f"; done \
	| sed -E 's\#^([[:space:]]*image:[[:space:]]*).*/k8s-aiops-copilot:.*$$\#\1$(IMAGE):$(VERSION)\#'

manifests:
	@$(RENDER_MANIFESTS)

deploy:
	$(KUBECTL) apply -f deploy/namespace.yaml
	@if [ -f deploy/secrets/core.yaml ]; then $(KUBECTL) apply -f deploy/secrets/core.yaml; \
	  else echo "deploy/secrets/core.yaml not found: no LLM keys (copy deploy/secrets/core.yaml.example)"; fi
	$(RENDER_MANIFESTS) | $(KUBECTL) apply -f -
	$(KUBECTL) -n $(NAMESPACE) rollout status deploy/$(DEPLOYMENT) --timeout=180s

deploy-remediation:
	$(KUBECTL) apply -f deploy/rbac-remediation.yaml

delete-remediation:
	$(KUBECTL) delete --ignore-not-found -f deploy/rbac-remediation.yaml

# Removes what `make deploy` created except the namespace and the Secret in it.
delete: delete-remediation
	$(RENDER_MANIFESTS) | $(KUBECTL) delete --ignore-not-found -f -

restart:
	$(KUBECTL) -n $(NAMESPACE) rollout restart deploy/$(DEPLOYMENT)
	$(KUBECTL) -n $(NAMESPACE) rollout status deploy/$(DEPLOYMENT) --timeout=180s

logs:
	$(KUBECTL) -n $(NAMESPACE) logs -f deploy/$(DEPLOYMENT)

# deploy/configmap/runbooks.yaml and the chart's copy (deploy/chart/files/runbooks) from runbooks/.
runbooks-configmap: install
	$(BIN)/python deploy/gen_runbooks_configmap.py

# --- Helm chart (deploy/chart) -----------------------------------------------------------------------
# With a `helm` binary on PATH, helm itself; otherwise Helm's engine through helm-python-sdk.
helm-template: install
	@if command -v $(HELM) >/dev/null 2>&1; then \
	  $(HELM) template $(DEPLOYMENT) deploy/chart -n $(NAMESPACE) --set image.repository=$(IMAGE); \
	else $(BIN)/python deploy/render_chart.py --namespace $(NAMESPACE) --set image.repository=$(IMAGE); fi

helm-lint: install
	@if command -v $(HELM) >/dev/null 2>&1; then $(HELM) lint --strict deploy/chart; \
	else $(BIN)/python deploy/render_chart.py --lint; fi

helm-deploy:
	$(HELM) upgrade --install $(DEPLOYMENT) deploy/chart -n $(NAMESPACE) --create-namespace \
	  --set image.repository=$(IMAGE) --set image.tag=$(VERSION)
	$(KUBECTL) -n $(NAMESPACE) rollout status deploy/$(DEPLOYMENT) --timeout=180s
