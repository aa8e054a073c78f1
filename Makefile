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

# llama.cpp is compiled for AVX2 without AMX: its AMX kernels crash on these machines (SIGSEGV in
# ggml_backend_amx_mul_mat) and a -march=native binary is not portable. The wheel is built once (~8-15 min on
# 2 cores) into a cache of our own, keyed by these flags, so pip's wheel cache can never hand back a native build.
LLAMA_VERSION    := 0.3.36
LLAMA_CMAKE_ARGS := -DGGML_NATIVE=OFF -DGGML_AVX=ON -DGGML_AVX2=ON -DGGML_FMA=ON -DGGML_F16C=ON -DGGML_BMI2=ON \
                    -DGGML_AVX512=OFF -DGGML_AMX_TILE=OFF -DGGML_AMX_INT8=OFF -DGGML_AMX_BF16=OFF -DLLAMA_CURL=OFF
LLAMA_WHEELS     := $(HOME)/.cache/steward/wheels/llama-$(LLAMA_VERSION)-avx2-noamx
LLAMA_WHEEL      := $(LLAMA_WHEELS)/.built

$(LLAMA_WHEEL):
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip wheel
	CMAKE_ARGS="$(LLAMA_CMAKE_ARGS)" $(BIN)/python -m pip wheel --no-deps --no-cache-dir \
	  --no-binary llama-cpp-python -w $(LLAMA_WHEELS) llama-cpp-python==$(LLAMA_VERSION)
	touch $@

$(STAMP): pyproject.toml constraints.txt $(LLAMA_WHEEL)
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip wheel
	$(BIN)/python -m pip install --no-deps --force-reinstall $(LLAMA_WHEELS)/llama_cpp_python-$(LLAMA_VERSION)-*.whl
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
