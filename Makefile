# bwmo — the two commands a newcomer needs are `make demo` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
# axe-core for the accessibility checks of the browser tests (pinned in package-lock.json).
NODE_STAMP := node_modules/.installed

.PHONY: install demo test test-fast typecheck lint bench lock clean bench-postgres loadtest

# `make lock` compiles requirements/*.in into hashed pins with a pinned uv in a throw-away venv.
# It keeps the versions pinned today; to move one on: make lock LOCK_FLAGS="--upgrade-package NAME"
UV_VERSION := 0.13.8
LOCK_VENV := /tmp/bwmo-lock
LOCK_FLAGS ?=
UV_COMPILE = $(LOCK_VENV)/bin/uv pip compile --quiet --no-config --generate-hashes --universal \
	--python-version 3.11 --custom-compile-command "make lock" $(LOCK_FLAGS)

install: $(STAMP) $(NODE_STAMP)

$(STAMP): requirements/base.txt requirements/dev.txt pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet --require-hashes -r requirements/dev.txt
	$(BIN)/python -m pip install --quiet --no-deps -e .
	touch $(STAMP)

# Without npm the accessibility checks skip locally (and fail in CI, which installs npm).
$(NODE_STAMP): package.json package-lock.json
	@if command -v npm >/dev/null; then \
		npm ci --no-audit --no-fund --silent && touch $(NODE_STAMP); \
	else echo "npm not found: the accessibility checks of the browser tests will skip"; fi

demo: install
	$(BIN)/bwmo demo

test: install
	$(BIN)/ruff check src tests
	$(BIN)/ruff format --check src tests
	$(BIN)/mypy
	$(BIN)/lint-imports
	$(BIN)/python -m pytest

test-fast: install
	$(BIN)/python -m pytest -m "not browser"

typecheck: install
	$(BIN)/mypy
	$(BIN)/lint-imports

bench: install
	$(BIN)/python -m bwmo.benchmarks

# The same on a throw-away PostgreSQL cluster (BWMO_BENCH_PROFILE=national once it exists).
bench-postgres: install
	bench/with-postgres $(BIN)/python -m bwmo.benchmarks

# 50 simulated users for 60 s against a running `bwmo serve` (BWMO_URL); see docs/performance.md.
BWMO_URL ?= http://127.0.0.1:8000
loadtest:
	mkdir -p var/bench
	$(PYTHON) bench/loadtest.py --url $(BWMO_URL) --users 50 --duration 60 --json var/bench/loadtest.json

lint: install
	$(BIN)/ruff check --fix src tests
	$(BIN)/ruff format src tests

lock:
	rm -rf $(LOCK_VENV)
	$(PYTHON) -m venv $(LOCK_VENV)
	$(LOCK_VENV)/bin/python -m pip install --quiet uv==$(UV_VERSION)
	UV_CACHE_DIR=$(LOCK_VENV)/cache $(UV_COMPILE) requirements/base.in -o requirements/base.txt
	UV_CACHE_DIR=$(LOCK_VENV)/cache $(UV_COMPILE) requirements/dev.in -o requirements/dev.txt
	rm -rf $(LOCK_VENV)

clean:
	rm -rf $(VENV) *.sqlite3 .pytest_cache node_modules
