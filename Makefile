# zhudai: `make run` to try it, `make test` to check it. Both set everything up on a fresh machine.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
export ZHUDAI_HOME ?= $(CURDIR)/var

.PHONY: install run test test-sqlite test-postgres bench clean

install: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e ".[dev]"
	@touch $@

# Development server on http://127.0.0.1:8000: migrate, demo data into an empty database,
# then web + worker + scheduler in one process tree.
run: install
	DEBUG=$${DEBUG:-1} $(BIN)/zhudai migrate --noinput
	DEBUG=$${DEBUG:-1} $(BIN)/zhudai demo --if-empty
	DEBUG=$${DEBUG:-1} $(BIN)/zhudai serve

# The whole suite on SQLite, then on PostgreSQL (with Redis) when a server is reachable.
test: install
	@scripts/test

bench: install
	$(BIN)/pip install --quiet -e ".[dev,bench]"
	$(BIN)/python bench/customers_list.py
	$(BIN)/python bench/import_customers.py
	$(BIN)/python bench/flow.py
	$(BIN)/python bench/rules_tick.py

clean:
	rm -rf $(VENV) *.egg-info
