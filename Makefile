# Two commands matter (README's quick start): `make demo` and `make test`.
# Each creates the virtual environment and installs what it needs first.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV   ?= .venv
BIN     = $(VENV)/bin

.PHONY: demo test lint typecheck unit bench clean browser

$(BIN)/python:
	$(PYTHON) -c 'import sys; assert sys.version_info >= (3, 11), "onrecord needs Python 3.11 or newer"'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e .
	touch $@

$(VENV)/.installed-dev: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $@ $(VENV)/.installed

demo: $(VENV)/.installed
	$(BIN)/onrecord demo

lint: $(VENV)/.installed-dev
	$(BIN)/ruff format --check src tests bench tools
	$(BIN)/ruff check src tests bench tools

typecheck: $(VENV)/.installed-dev
	$(BIN)/mypy src

browser:
	tools/ensure-chromium

unit: $(VENV)/.installed-dev browser
	$(BIN)/pytest

test: lint typecheck unit

bench: $(VENV)/.installed-dev browser
	$(BIN)/python -m pip install --quiet -e '.[dev,bench]'
	$(BIN)/python bench/bench_vault.py
	$(BIN)/python bench/bench_import.py
	$(BIN)/python bench/bench_triage_model.py
	$(BIN)/python bench/bench_triage.py
	$(BIN)/python bench/bench_case_file.py
	$(BIN)/python bench/bench_capture.py
	$(BIN)/python bench/bench_ocr.py
	$(BIN)/python bench/bench_review_queue.py

clean:
	rm -rf $(VENV) .mypy_cache .ruff_cache .pytest_cache
