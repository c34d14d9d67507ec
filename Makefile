# Two commands for a newcomer:
#   make demo   install Marsad in .venv and run it on the bundled example article
#   make test   install Marsad with its test tools (and Chromium) and run every check
PYTHON ?= python3
VENV ?= .venv
BIN = $(VENV)/bin

.PHONY: demo test install install-dev lint typecheck unit bench

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

install: $(BIN)/python
	$(BIN)/pip install --quiet -e .

install-dev: $(BIN)/python
	$(BIN)/pip install --quiet -e '.[dev]'
	bash scripts/install-system-deps.sh

demo: install
	$(BIN)/marsad extract examples/sirte_2024-03-12.txt --date 2024-03-12 --format table

lint:
	$(BIN)/ruff check src tests benchmarks

typecheck:
	$(BIN)/mypy

unit:
	$(BIN)/pytest -q

test: install-dev lint typecheck unit

bench: install
	$(BIN)/python benchmarks/run.py --articles 500
