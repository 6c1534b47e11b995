# One documented command per task; CI runs `make test`.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV   := .venv
PY     := $(VENV)/bin/python
HUB    := $(VENV)/bin/hub

.PHONY: run test setup lint typecheck bench schema clean

setup: $(VENV)/.installed node_modules/.installed

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	touch $@

node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

## Set everything up and serve the demo hub on http://127.0.0.1:8000 (Ctrl-C stops it).
run: setup
	HUB_DEV_ISSUER=true $(HUB) serve --migrate --seed-if-empty small --print-tokens

## Set everything up and run the whole test suite.
test: setup
	$(PY) -m pytest -q

lint: setup
	$(VENV)/bin/ruff check hub connectors tests bench
	$(VENV)/bin/mypy hub connectors

bench: setup
	$(PY) -m bench

schema: setup
	$(HUB) export-schema

clean:
	rm -rf $(VENV) node_modules var .pytest_cache .mypy_cache .ruff_cache
