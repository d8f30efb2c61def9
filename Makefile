# custrel developer commands. Only python3 is needed: everything else is installed into .venv.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-dev
DOCS_STAMP := $(VENV)/.installed-docs
OUT ?= custrel-demo

.PHONY: help venv demo test lint typecheck pytest docs bench clean

help:
	@echo "make demo   - run the main job on the bundled CDNOW data"
	@echo "make test   - lint (ruff), type-check (mypy --strict src/), tests and doctests (pytest)"
	@echo "make docs   - build the documentation site into docs/_build/html"
	@echo "make bench  - run the benchmarks against lifetimes (slow)"

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	@touch $(STAMP)

$(DOCS_STAMP): pyproject.toml $(STAMP)
	$(BIN)/python -m pip install --quiet -e '.[dev,docs]'
	@touch $(DOCS_STAMP)

venv: $(STAMP)

demo: $(STAMP)
	$(BIN)/custrel demo --out $(OUT)

lint: $(STAMP)
	$(BIN)/ruff check src tests benchmarks docs
	$(BIN)/ruff format --check src tests benchmarks docs

typecheck: $(STAMP)
	$(BIN)/mypy --strict src/custrel

pytest: $(STAMP)
	$(BIN)/python -m pytest

test: lint typecheck pytest

docs: $(DOCS_STAMP)
	$(BIN)/sphinx-build -W --keep-going -b html docs docs/_build/html

bench: $(STAMP)
	$(BIN)/python benchmarks/run_all.py

clean:
	rm -rf $(VENV) docs/_build custrel-demo
