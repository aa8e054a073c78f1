# Steward: `make run` serves the demo on the embedded defaults; `make test` runs the whole suite.
# Both create the virtualenv and install everything on a fresh machine (no internet beyond PyPI needed).

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
export HF_HUB_OFFLINE := 1
export TRANSFORMERS_OFFLINE := 1
export TLDEXTRACT_PUBLIC_SUFFIX_LIST_URLS :=
export TOKENIZERS_PARALLELISM := false
export PIP_DISABLE_PIP_VERSION_CHECK := 1

.PHONY: run test check lint types models bench clean help

help:
	@echo "make run    - install, fetch + verify the default model, serve the demo app on http://127.0.0.1:8080"
	@echo "make test   - install with test extras and run the whole test suite"
	@echo "make check  - lint (ruff), types (mypy on the core) and tests"
	@echo "make bench  - run the benchmarks in bench/ (figures go to BENCHMARKS.md by hand)"

$(STAMP): pyproject.toml constraints.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip wheel
	# llama-cpp-python compiles from source the first time (~8 min on 2 cores); pip caches the wheel.
	$(BIN)/python -m pip install -c constraints.txt -e ".[test,dev]"
	touch $(STAMP)

models: $(STAMP)
	$(BIN)/steward models fetch

run: $(STAMP) models
	$(BIN)/steward serve

test: $(STAMP)
	$(BIN)/python -m pytest

lint: $(STAMP)
	$(BIN)/ruff check src tests bench scripts
	$(BIN)/ruff format --check src tests bench scripts

types: $(STAMP)
	$(BIN)/mypy

check: lint types test

bench: $(STAMP)
	$(BIN)/python bench/gateway.py
	$(BIN)/python bench/guardrails.py
	$(BIN)/python bench/retrieval.py
	$(BIN)/python bench/evals.py

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
