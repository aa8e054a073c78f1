# Steward: `make run` serves the demo on the embedded defaults; `make test` runs the whole suite.
# Both create the virtualenv on a fresh machine (no internet beyond PyPI needed): `make run` installs only what
# serving needs (stamp .venv/.installed-serve), `make test`/`check`/`lint`/`types` add the test and dev tools
# (stamp .venv/.installed, which CI builds with `make .venv/.installed`). pip runs quietly; each step says one line.

PYTHON ?= python3
comma  := ,
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
SERVE_STAMP := $(VENV)/.installed-serve
# a venv that already has everything serves as it is; otherwise `make run` installs the serving set only
SERVE  := $(if $(wildcard $(STAMP)),$(STAMP),$(SERVE_STAMP))
export HF_HUB_OFFLINE := 1
export TRANSFORMERS_OFFLINE := 1
export TLDEXTRACT_PUBLIC_SUFFIX_LIST_URLS :=
export TOKENIZERS_PARALLELISM := false
export PIP_DISABLE_PIP_VERSION_CHECK := 1

.PHONY: run test check lint types models bench bench-evidently-venv bench-agentdojo-venv clean help

help:
	@echo "make run    - install what serving needs, fetch + verify the default model, serve the demo on http://127.0.0.1:8080"
	@echo "make test   - install with the test and dev tools and run the whole test suite"
	@echo "make check  - lint (ruff), types (mypy on all of src/steward) and tests"
	@echo "make bench  - run the benchmarks in bench/ (figures go to BENCHMARKS.md by hand)"

# llama.cpp is compiled for AVX2 without AMX: its AMX kernels crash on these machines (SIGSEGV in
# ggml_backend_amx_mul_mat) and a -march=native binary is not portable. The wheel is built once (~8-15 min on
# 2 cores) into a cache of our own, keyed by these flags, so pip's wheel cache can never hand back a native build.
LLAMA_VERSION    := 0.3.36
LLAMA_CMAKE_ARGS := -DGGML_NATIVE=OFF -DGGML_AVX=ON -DGGML_AVX2=ON -DGGML_FMA=ON -DGGML_F16C=ON -DGGML_BMI2=ON \
                    -DGGML_AVX512=OFF -DGGML_AMX_TILE=OFF -DGGML_AMX_INT8=OFF -DGGML_AMX_BF16=OFF -DLLAMA_CURL=OFF
LLAMA_WHEELS     := $(HOME)/.cache/steward/wheels/llama-$(LLAMA_VERSION)-avx2-noamx
LLAMA_WHEEL      := $(LLAMA_WHEELS)/.built

# The virtualenv with llama.cpp installed, then steward with the extras given ("" for serving only).
define install
	@echo "==> virtualenv $(VENV) (pip, wheel)"
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	@$(BIN)/python -m pip install -q --upgrade pip wheel
	@echo "==> llama-cpp-python $(LLAMA_VERSION) (the AVX2 wheel built once)"
	@$(BIN)/python -m pip install -q --no-deps --force-reinstall $(LLAMA_WHEELS)/llama_cpp_python-$(LLAMA_VERSION)-*.whl
	@echo "==> steward$(if $(1), with the $(1) tools,) and its dependencies (a few minutes the first time)"
	@$(BIN)/python -m pip install -q -c constraints.txt -e ".$(if $(1),[$(1)])"
endef

$(LLAMA_WHEEL):
	@echo "==> building llama-cpp-python $(LLAMA_VERSION) for AVX2 (once, ~8-15 min on 2 cores)"
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	@$(BIN)/python -m pip install -q --upgrade pip wheel
	@CMAKE_ARGS="$(LLAMA_CMAKE_ARGS)" $(BIN)/python -m pip wheel -q --no-deps --no-cache-dir \
	  --no-binary llama-cpp-python -w $(LLAMA_WHEELS) llama-cpp-python==$(LLAMA_VERSION)
	@touch $@

# What serving needs: `make run`.
$(SERVE_STAMP): pyproject.toml constraints.txt $(LLAMA_WHEEL)
	$(call install,)
	@touch $@

# Everything, test and dev tools included: `make test`, `check`, `lint`, `types`, `bench` and CI. A full install
# also serves, so it stamps the serving set as installed too.
$(STAMP): pyproject.toml constraints.txt $(LLAMA_WHEEL)
	$(call install,test$(comma)dev)
	@touch $(SERVE_STAMP) $(STAMP)

models: $(SERVE)
	@echo "==> models: fetch and verify the demo's models"
	@$(BIN)/steward models fetch

run: $(SERVE) models
	@echo "==> serving the demo (Ctrl-C stops it)"
	@$(BIN)/steward serve

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

# Evidently in its own virtualenv (its pins differ from the gateway's), for bench/monitor_drift.py --evidently
bench-evidently-venv:
	python3 -m venv bench/.venv-evidently
	bench/.venv-evidently/bin/pip install -q -c constraints.txt evidently "pandas<2.3"  # evidently 0.7 imports a pandas 2 internal

# AgentDojo in its own virtualenv (it pulls langchain, anthropic, google-genai …), for bench/agents.py
bench-agentdojo-venv:
	python3 -m venv bench/.venv-agentdojo
	bench/.venv-agentdojo/bin/pip install -q -c constraints.txt agentdojo==0.1.35

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
