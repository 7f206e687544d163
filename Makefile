# fokus: make install | make run | make test   (see README.md)
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin

.PHONY: install run test lint bench clean

install: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml Makefile
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Python 3.11+ is needed")'
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev,bench]'
	touch $@

run: install
	$(BIN)/fokus serve

test: install
	@.ci/ensure-chromium
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy service workflows tests bench
	$(BIN)/pytest -n auto --dist loadfile

# every goal of issue 16 in one run, SQLite and PostgreSQL (about 10 minutes): peers and HTTP
# medians of 3 rounds, then write path, mail and overview once per database; one summary table.
# BENCH_ARGS=--quick: smoke run; --only peers,http,write,mail,overview picks parts;
# the peers (SpiffWorkflow, python-statemachine) come with make install (the bench extra)
bench: install
	$(BIN)/python bench/run_all.py $(BENCH_ARGS)

clean:
	rm -rf var .pytest_cache .mypy_cache .ruff_cache
