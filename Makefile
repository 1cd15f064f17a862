# alicloud.sae: build, test and docs machinery.
#
#   make test          every gate (what CI runs, through .ci/run); summary at the end
#   make help          the list of targets
#
# Everything make installs lives under .venv/ (venvs) and .tmp/ (scratch HOME, the
# ansible_collections layout, logs, build output); both are git-ignored and safe to delete.

SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help
.DELETE_ON_ERROR:
MAKEFLAGS += --no-builtin-rules --no-builtin-variables

ROOT := $(CURDIR)
TMP := $(ROOT)/.tmp
VENVS := $(ROOT)/.venv
TOOLS := $(VENVS)/tools
COLLECTIONS := $(TMP)/collections
COLL := $(COLLECTIONS)/ansible_collections/alicloud/sae

# --- the environment of every recipe -------------------------------------------------
# pyenv (used to find the matrix Pythons) must keep working after HOME moves.
export PYENV_ROOT := $(or $(PYENV_ROOT),$(HOME)/.pyenv)
# The tools venv's Python: 3.11 (the tools lock's own) when the machine has it, else 3.12 or
# 3.13 (tools/tools-python.sh); `make TOOLS_PYTHON_VERSION=3.13 ...` picks one. Empty when the
# machine has none: the venv target then says so.
ifndef TOOLS_PYTHON_VERSION
TOOLS_PYTHON_VERSION := $(shell tools/tools-python.sh 2>/dev/null)
endif
export TOOLS_PYTHON_VERSION
# the first line of a recipe that needs it: fails, saying why, when there is no such Python
REQUIRE_TOOLS_PYTHON = $(if $(TOOLS_PYTHON_VERSION),@:,@tools/tools-python.sh >/dev/null; exit 1)
# A scratch HOME: no real credential or config file is read, caches stay in .tmp.
export HOME := $(TMP)/home
export XDG_CONFIG_HOME := $(HOME)/.config
export XDG_CACHE_HOME := $(HOME)/.cache
export XDG_DATA_HOME := $(HOME)/.local/share
export ALIBABA_CLOUD_ECS_METADATA_DISABLED := true
export ANSIBLE_COLLECTIONS_PATH := $(COLLECTIONS)
export ANSIBLE_NOCOLOR := 1
export PY_COLORS := 0
export UV_PYTHON_DOWNLOADS := never
# No real credential (nor any other inherited Alibaba Cloud / Ansible / Python setting)
# reaches a recipe.
unexport $(filter-out ALIBABA_CLOUD_ECS_METADATA_DISABLED,$(filter ALIBABA_CLOUD_% ALICLOUD_%,$(.VARIABLES)))
unexport $(filter-out ANSIBLE_COLLECTIONS_PATH ANSIBLE_NOCOLOR,$(filter ANSIBLE_%,$(.VARIABLES)))
unexport PYTHONPATH PYTHONHOME VIRTUAL_ENV PIP_REQUIRE_VIRTUALENV
# Bytecode is written: with PYTHONDONTWRITEBYTECODE (set on some machines) every ansible-playbook,
# ansible-inventory and emulator the tests start compiled ansible-core from source again (about 1 s
# of CPU each). uv installs no bytecode, so the first import writes it; __pycache__ is git-ignored
# and left out of the build (galaxy.yml build_ignore).
unexport PYTHONDONTWRITEBYTECODE

# The tools venv first on PATH, then .tmp/pybin (python3.X for ansible-test --python).
TOOLS_PATH := $(TOOLS)/bin:$(TMP)/pybin:$(PATH)
WITH_TOOLS := env PATH="$(TOOLS_PATH)"

# ansible-test runs in a copy of the collection (tools/sync_copy.py), refreshed before each
# ansible-test command: it works from the physical working directory, which for the
# symlinked layout is the checkout itself, outside any ansible_collections/ tree.
AT_COPY := $(TMP)/ansible-test/ansible_collections/alicloud/sae

# Lint and format scope (the directories that exist).
PY_DIRS = $(wildcard plugins tests emulator benchmarks tools)

MATRIX_CELLS = $(shell tools/matrix.sh cells)
# the oldest series on its oldest Python and the newest on its newest, of those this machine has
MATRIX_TEST_CELLS = $(shell tools/matrix.sh test-cells)
EMPTY :=
SPACE := $(EMPTY) $(EMPTY)
COMMA := ,

# The Python of the one-python gate: the newest the tools support that this machine has (not
# the tools lock's own 3.11 when there is another).
ONE_PYTHON = $(lastword $(shell tools/tools-python.sh present))

# The gates of `make test`, in order (a+b: a and b run at the same time; a+b,c,d: b, c and d
# one after the other while a runs; SERIAL=1 runs every gate one after the other). After
# setup, three lanes share the two cores: each matrix cell, and every other gate in turn
# (most of them wait on one process, pip downloads or timers; alone they left a core idle).
# tests/unit runs in `units` (ansible-test, the tools venv) and in each cell; pytest-unit,
# the same tests on the same ansible-core as `units`, is `make check`'s. The matrix cells this
# machine lacks a Python for are named in the summary (tools/matrix.sh skipped), and fail the
# run under CI=true.
OTHER_GATES = ruff changelog sanity units ansible-lint docs-check galaxy pytest-benchmarks pytest-emulator integration \
	demo-one-python
TEST_GATES = setup $(subst $(SPACE),+,$(addprefix matrix-,$(MATRIX_TEST_CELLS)) $(subst $(SPACE),$(COMMA),$(OTHER_GATES)))

.PHONY: help
help: ## this list
	@grep -hE '^[a-zA-Z0-9_.%-]+:.*## ' $(MAKEFILE_LIST) | sed 's/:.*## /\t/' | expand -t 22

# --- venvs and the scratch layout ------------------------------------------------------

.PHONY: venv
venv: ## the tools venv (.venv/tools: Python 3.11, 3.12 or 3.13, ansible-core 2.19, linters, docs, galaxy-importer)
	$(REQUIRE_TOOLS_PYTHON)
	@tools/venv.sh tools $(TOOLS_PYTHON_VERSION) tests/requirements-tools.txt tests/unit/requirements.txt

.PHONY: prepare
prepare: venv ## scratch HOME, .tmp/collections layout, offline pip bootstrap for ansible-test
	@tools/prepare.sh $(TOOLS)/bin/python

.PHONY: venv-matrix-%
venv-matrix-%: ## a matrix venv, e.g. venv-matrix-2.16-py3.10
	@series='$(word 1,$(subst -py, ,$*))'; python='$(word 2,$(subst -py, ,$*))'; \
	tools/venv.sh "matrix-$*" "$$python" "ansible-core==$$(tools/matrix.sh pin $$series)" tests/requirements-test.txt tests/unit/requirements.txt

.PHONY: setup
setup: ## every venv `make test` needs (built in parallel)
	@$(MAKE) --no-print-directory -j3 venv $(addprefix venv-matrix-,$(MATRIX_TEST_CELLS))
	@$(MAKE) --no-print-directory prepare

.PHONY: lock
lock: ## re-resolve tests/requirements-tools.txt from tests/requirements-tools.in (one lock for Python 3.11+)
	$(REQUIRE_TOOLS_PYTHON)
	@tools/venv.sh uv $(TOOLS_PYTHON_VERSION) -r tests/requirements-uv.txt
	$(VENVS)/uv/bin/uv pip compile --quiet --universal --python-version $$(tools/tools-python.sh lock) --no-header \
		--annotation-style line tests/requirements-tools.in -o tests/requirements-tools.txt

# --- gates -----------------------------------------------------------------------------

.PHONY: ruff
ruff: venv ## ruff check + ruff format --check (both run; either failing fails the gate)
	@status=0; \
	echo "ruff check $(PY_DIRS)"; $(TOOLS)/bin/ruff check --no-cache $(PY_DIRS) || status=1; \
	echo "ruff format --check $(PY_DIRS)"; $(TOOLS)/bin/ruff format --no-cache --check --diff $(PY_DIRS) || status=1; \
	exit $$status

.PHONY: format
format: venv ## ruff format + ruff check --fix (rewrites files)
	$(TOOLS)/bin/ruff format $(PY_DIRS)
	$(TOOLS)/bin/ruff check --fix $(PY_DIRS)

.PHONY: changelog
changelog: venv ## antsibull-changelog lint (fragments and changelog.yaml)
	$(TOOLS)/bin/antsibull-changelog lint

.PHONY: changelog-release
changelog-release: venv ## antsibull-changelog release (version from galaxy.yml) and CHANGELOG.rst
	cd $(COLL) && $(WITH_TOOLS) antsibull-changelog release

.PHONY: ansible-lint
ansible-lint: prepare ## ansible-lint --profile production
	cd $(COLL) && $(WITH_TOOLS) ansible-lint --profile production

.PHONY: ansible-test-copy
ansible-test-copy: prepare
	@$(TOOLS)/bin/python tools/sync_copy.py $(AT_COPY)

.PHONY: sanity
sanity: ansible-test-copy ## ansible-test sanity --venv --python <tools Python> (+ compile/import of plugins/ on 3.9)
	@status=0; cd $(AT_COPY); \
	echo "ansible-test sanity --venv --python $(TOOLS_PYTHON_VERSION)"; \
	$(WITH_TOOLS) ansible-test sanity --venv --python $(TOOLS_PYTHON_VERSION) --color no || status=1; \
	if [ -x $(TMP)/pybin/python3.9 ]; then \
		echo "module-side floor: ansible-test sanity --local --python 3.9 --test compile --test import plugins/"; \
		$(WITH_TOOLS) ansible-test sanity --local --python 3.9 --color no --test compile --test import plugins/ \
			|| status=1; \
	else \
		echo "NOTE: no Python 3.9 on this machine: the module-side 3.9 compile/import check did not run"; \
	fi; \
	exit $$status

.PHONY: units
units: ansible-test-copy ## ansible-test units --venv --python <tools Python> (installs tests/unit/requirements.txt)
	cd $(AT_COPY) && $(WITH_TOOLS) ansible-test units --venv --python $(TOOLS_PYTHON_VERSION) --color no

.PHONY: pytest-unit
pytest-unit: prepare ## plain pytest over tests/unit (and the benchmark report, benchmarks/tests) in the tools venv
	cd $(COLL) && $(WITH_TOOLS) PYTHONPATH=$(COLLECTIONS) tools/pytest.sh tests/unit benchmarks/tests

.PHONY: pytest-benchmarks
pytest-benchmarks: prepare ## plain pytest over benchmarks/tests (the benchmark report) in the tools venv
	cd $(COLL) && $(WITH_TOOLS) PYTHONPATH=$(COLLECTIONS) tools/pytest.sh benchmarks/tests

.PHONY: pytest-emulator
pytest-emulator: prepare ## pytest emulator/tests in the tools venv (stdlib emulator, no ansible-core: once per run, not per cell)
	cd $(COLL) && $(WITH_TOOLS) PYTHONPATH=$(COLLECTIONS) tools/pytest.sh emulator/tests

.PHONY: pytest-integration
pytest-integration: prepare ## pytest over tests/integration in the tools venv, on the source tree (no build), one worker per core
	cd $(COLL) && $(WITH_TOOLS) PYTHONPATH=$(COLLECTIONS) tools/pytest.sh tests/integration -- -n auto --dist loadfile

.PHONY: check
check: ## the inner loop: ruff, tests/unit, tests/integration on the tools venv (no matrix, sanity, importer)
	@tools/run-gates.sh ruff pytest-unit+pytest-integration

.PHONY: integration
integration: ansible-test-copy ## ansible-test integration --local (tools venv and its Python; emulator importable)
	@targets=$$(find tests/integration/targets -mindepth 1 -maxdepth 1 -type d 2>/dev/null | wc -l); \
	if [ "$$targets" -eq 0 ]; then echo "integration: no targets under tests/integration/targets" >&2; exit 1; fi
	cd $(AT_COPY) && $(WITH_TOOLS) ansible-test integration --local --python $(TOOLS_PYTHON_VERSION) --color no

.PHONY: matrix-%
matrix-%: venv-matrix-% prepare ## units and integration tests (on the collection built and installed) on one cell
	tools/build-collection.sh $(VENVS)/matrix-$* $(TMP)/installed/matrix-$* install
	cd $(COLL) && env PATH="$(VENVS)/matrix-$*/bin:$(TMP)/pybin:$(PATH)" PYTHONPATH=$(COLLECTIONS) \
		ANSIBLE_PYTHON_INTERPRETER=$(VENVS)/matrix-$*/bin/python \
		SAE_TEST_COLLECTIONS_PATH=$(TMP)/installed/matrix-$*/collections \
		SAE_TEST_TARBALL="$$(echo $(TMP)/installed/matrix-$*/alicloud-sae-*.tar.gz)" \
		tools/pytest.sh tests/unit tests/integration

.PHONY: test-matrix
test-matrix: ## units + integration on every ansible-core series x (oldest, newest) Python
	@SKIPPED_GATES="$$(tools/matrix.sh skipped all)" tools/run-gates.sh setup-matrix $(shell tools/matrix.sh gates)

.PHONY: setup-matrix
setup-matrix:
	@$(MAKE) --no-print-directory -j3 $(addprefix venv-matrix-,$(MATRIX_CELLS))
	@$(MAKE) --no-print-directory prepare

.PHONY: docs-lint
docs-lint: prepare ## antsibull-docs lint-collection-docs --plugin-docs
	cd $(COLL) && $(WITH_TOOLS) antsibull-docs lint-collection-docs --plugin-docs .

DOCS_DEST := docs/reference
.PHONY: docs
docs: prepare ## render the plugin reference (Markdown) into docs/reference/; commit the result
	cd $(COLL) && $(WITH_TOOLS) python tools/render_docs.py $(ROOT)/$(DOCS_DEST)

.PHONY: docs-check
docs-check: prepare ## docs lint, and docs/reference/ is what `make docs` renders now (both run)
	@status=0; \
	echo "antsibull-docs lint-collection-docs --plugin-docs ."; \
	(cd $(COLL) && $(WITH_TOOLS) antsibull-docs lint-collection-docs --plugin-docs .) || status=1; \
	rm -rf $(TMP)/docs-check; \
	echo "tools/render_docs.py: compare with $(DOCS_DEST)"; \
	(cd $(COLL) && $(WITH_TOOLS) python tools/render_docs.py $(TMP)/docs-check) || status=1; \
	if ! diff -ru $(DOCS_DEST) $(TMP)/docs-check; then \
		echo "docs/reference/ is out of date: run 'make docs' and commit the result" >&2; status=1; fi; \
	exit $$status

BUILD_DIR := $(TMP)/build
.PHONY: build
build: prepare ## ansible-galaxy collection build into .tmp/build/ (reused while its inputs are unchanged)
	tools/build-collection.sh $(TOOLS) $(BUILD_DIR)

.PHONY: galaxy
galaxy: build ## build, check the tarball's file list, galaxy-importer (no errors, no warnings)
	$(TOOLS)/bin/python tools/check_tarball.py $(BUILD_DIR)/alicloud-sae-*.tar.gz
	cd $(BUILD_DIR) && GALAXY_IMPORTER_CONFIG=$(ROOT)/tools/galaxy-importer.cfg \
		$(WITH_TOOLS) python -m galaxy_importer.main $(BUILD_DIR)/alicloud-sae-*.tar.gz \
		2>&1 | tee $(BUILD_DIR)/importer.log
	@if grep -E '(WARNING|ERROR|CRITICAL)' $(BUILD_DIR)/build.log $(BUILD_DIR)/importer.log; then \
		echo "ansible-galaxy collection build / galaxy-importer reported the lines above" >&2; exit 1; fi

.PHONY: test
test: ## every gate; one summary line per gate; non-zero exit when any gate failed
	@SKIPPED_GATES="$$(tools/matrix.sh skipped test)" tools/run-gates.sh $(TEST_GATES)

ONE_PYTHON_DIR := $(TMP)/one-python
.PHONY: demo-one-python
demo-one-python: ## `make demo` in a fresh copy of the checkout with one Python only (ONE_PYTHON=3.X) and no pyenv
	$(REQUIRE_TOOLS_PYTHON)
	UV_CACHE_DIR=$(XDG_CACHE_HOME)/uv PIP_CACHE_DIR=$(XDG_CACHE_HOME)/pip \
		tools/one-python.sh $(ONE_PYTHON) $(ONE_PYTHON_DIR)/$(ONE_PYTHON) make demo
	@venv_python="$$($(ONE_PYTHON_DIR)/$(ONE_PYTHON)/clone/.venv/tools/bin/python -c 'import sys; print("%d.%d" % sys.version_info[:2])')"; \
	if [ "$$venv_python" != "$(ONE_PYTHON)" ]; then echo "demo-one-python: the tools venv has Python $$venv_python" >&2; exit 1; fi

# --- other -----------------------------------------------------------------------------

.PHONY: demo
demo: venv ## start the emulator with the demo data set and run playbooks/demo.yml against it
	@tools/prepare.sh
	$(WITH_TOOLS) tools/demo.sh

.PHONY: bench
BENCH_ARGS ?=
bench: venv ## requests, round trips at 1 s, warm cache, growth, memory -> docs/performance.md (BENCH_ARGS=--quick: dry run)
	@tools/prepare.sh
	@if [ -f benchmarks/run.py ]; then \
		$(WITH_TOOLS) PYTHONPATH=$(COLLECTIONS) ANSIBLE_PYTHON_INTERPRETER=$(TOOLS)/bin/python \
			python benchmarks/run.py $(BENCH_ARGS); \
	else echo "bench: benchmarks/run.py does not exist yet"; fi

.PHONY: clean
clean: ## remove .tmp/ (scratch, logs, build output) and test output; keeps .venv/
	rm -rf $(TMP) tests/output tests/integration/inventory .ansible .pytest_cache .ruff_cache .hypothesis

.PHONY: distclean
distclean: clean ## also remove the venvs
	rm -rf $(VENVS)
