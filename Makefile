# Developer entry points. Everything runs from a fresh clone: the venv is created on first use.
SHELL := /bin/bash
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-stamp
export PYTHONDONTWRITEBYTECODE := 1

.PHONY: help venv test test-unit test-fast lint typecheck cfn-lint format run token openapi bench soak lock clean

help:
	@echo "make run | test | test-unit | lint | token TENANT=acme ROLE=admin | bench [QUICK=1] [ONLY=xml] | lock | clean"

$(STAMP): requirements-dev.txt shared/requirements.txt tools/bootstrap_venv.sh
	@bash tools/bootstrap_venv.sh $(VENV)
	@touch $(STAMP)

venv: $(STAMP)

test: $(STAMP) lint
	$(PY) -m pytest -n 4 --dist loadfile

test-unit: $(STAMP)
	$(PY) -m pytest -q -m "not integration and not slow"

test-fast: $(STAMP)
	$(PY) -m pytest -x -q

lint: $(STAMP)
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .
	$(PY) -m mypy
	PYTHONPATH=shared $(VENV)/bin/lint-imports --no-cache --no-logo
	$(VENV)/bin/cfn-lint template.yaml -a cfn_lint_serverless.rules

run: $(STAMP)
	@PYTHONPATH=shared:tools:. $(PY) -m local_stack run

openapi: $(STAMP)
	@PYTHONPATH=shared:tools:. $(PY) -m local_stack openapi

token: $(STAMP)
	@PYTHONPATH=shared:tools:. $(PY) -m local_stack token --tenant "$(or $(TENANT),acme)" --role "$(or $(ROLE),admin)"

format: $(STAMP)
	$(PY) -m ruff check --fix .
	$(PY) -m ruff format .

bench: $(STAMP)
	@PYTHONPATH=shared:tools:. $(PY) -m tests.benchmarks $(if $(QUICK),--quick) $(if $(ONLY),--only $(ONLY))

soak: $(STAMP)
	@PYTHONPATH=shared:tools:. $(PY) -m tests.soak

lock:
	uv pip compile requirements-dev.in -o requirements-dev.txt --python-version 3.11 --no-header -q
	uv pip compile shared/requirements.in -c requirements-dev.txt -o shared/requirements.txt --python-version 3.11 --no-header -q

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache .aws-sam
