# bwmo — the two commands a newcomer needs are `make demo` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: install demo test test-fast lint bench lock clean

install: $(STAMP)

$(STAMP): requirements/base.txt requirements/dev.txt pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements/dev.txt
	$(BIN)/python -m pip install --quiet --no-deps -e .
	touch $(STAMP)

demo: install
	$(BIN)/bwmo demo

test: install
	$(BIN)/ruff check src tests
	$(BIN)/ruff format --check src tests
	$(BIN)/python -m pytest

test-fast: install
	$(BIN)/python -m pytest -m "not browser"

bench: install
	$(BIN)/python -m bwmo.benchmarks

lint: install
	$(BIN)/ruff check --fix src tests
	$(BIN)/ruff format src tests

lock:
	$(PYTHON) -m venv /tmp/bwmo-lock && /tmp/bwmo-lock/bin/pip install -q -r requirements/dev.in && /tmp/bwmo-lock/bin/pip freeze

clean:
	rm -rf $(VENV) *.sqlite3 .pytest_cache
