# b12ms: two commands do everything on a fresh machine.
#   make run   - create .venv, install, run the main job
#   make test  - install what the tests need, then lint, format check, type check, all tests
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
PIP    := $(BIN)/python -m pip --disable-pip-version-check -q

.PHONY: run system-deps-run test system-deps lint typecheck unit docs docs-check bench clean

$(BIN)/python:
	$(PYTHON) -c 'import sys; assert sys.version_info >= (3, 11), "b12ms needs Python 3.11 or newer"'
	$(PYTHON) -m venv $(VENV)
	$(PIP) install --upgrade pip

# Reinstall only when the package metadata changes.
$(VENV)/.installed-run: pyproject.toml | $(BIN)/python
	$(PIP) install -e '.[web]'
	touch $@

$(VENV)/.installed-dev: pyproject.toml | $(BIN)/python
	$(PIP) install -e '.[dev]'
	touch $@

# The web app on 127.0.0.1:8000 with the history in the user's data folder (embedded SQLite).
# PORT=8080 make run to change the port.
PORT ?= 8000
run: $(VENV)/.installed-run system-deps-run
	$(BIN)/b12ms serve --port $(PORT)

# WeasyPrint's libraries for the PDF report (the only system packages the app itself needs).
system-deps-run:
	bash scripts/system-deps.sh --run

lint: $(VENV)/.installed-dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: $(VENV)/.installed-dev
	$(BIN)/mypy

docs: $(VENV)/.installed-dev
	$(BIN)/python scripts/generate_docs.py

docs-check: $(VENV)/.installed-dev
	$(BIN)/python scripts/generate_docs.py --check

unit: $(VENV)/.installed-dev
	$(BIN)/pytest

# Debian packages the tests need (Chromium, poppler, WeasyPrint's libraries, Java), when missing.
system-deps:
	bash scripts/system-deps.sh

test: system-deps lint typecheck docs-check unit

bench: $(VENV)/.installed-dev
	$(BIN)/python benchmarks/engine_speed.py
	$(BIN)/python benchmarks/cli_startup.py

clean:
	rm -rf $(VENV) build .pytest_cache .mypy_cache .ruff_cache .hypothesis
