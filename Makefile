# The two commands: `make run` serves the demo event, `make test` runs the whole suite.
# Both set everything up first (a virtual environment in .venv with pinned packages).

PYTHON ?= $(shell command -v python3.11 2>/dev/null || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
FLASK := $(BIN)/flask --app wsgi

.PHONY: run test bench messages lint format install install-dev clean

$(VENV)/.python-ok:
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Python 3.11 or newer is needed (found " + sys.version.split()[0] + ")")'
	$(PYTHON) -m venv $(VENV)
	@touch $@

$(VENV)/.runtime: $(VENV)/.python-ok requirements.txt
	$(BIN)/python -m pip install --disable-pip-version-check --quiet -r requirements.txt
	@touch $@

$(VENV)/.dev: $(VENV)/.runtime requirements-dev.txt
	$(BIN)/python -m pip install --disable-pip-version-check --quiet -r requirements-dev.txt
	@touch $@

# DAISY Ace checks the e-book in the tests; it runs Debian's Chromium, so no browser of its
# own is downloaded (--ignore-scripts). Skipped where npm is missing (the tests then say so).
ACE_DIR := tests/support/ace
$(ACE_DIR)/node_modules/.installed: $(ACE_DIR)/package-lock.json
	@if command -v npm >/dev/null 2>&1; then \
		npm ci --prefix $(ACE_DIR) --ignore-scripts --no-audit --no-fund --silent && touch $@; \
	else echo "npm not found: the DAISY Ace test will not run"; fi

install: $(VENV)/.runtime
install-dev: $(VENV)/.dev $(ACE_DIR)/node_modules/.installed

## Create or upgrade the schema, load the demo on first run, print the demo accounts, serve.
run: $(VENV)/.runtime
	$(FLASK) init-db
	$(FLASK) seed-demo
	$(BIN)/python wsgi.py

## Run the whole test suite (SQLite and PostgreSQL, real server, real clients), with one
## worker process per core; TEST_WORKERS=0 runs it in this process, one test after another.
TEST_WORKERS ?= auto
test: $(VENV)/.dev $(ACE_DIR)/node_modules/.installed
	$(BIN)/python -m pytest -n $(TEST_WORKERS) $(PYTEST_ARGS)

## Measure the exchange against the bare Flask-SocketIO stack; a whole run writes docs/performance.md,
## one with BENCH_ARGS changing what it measures writes instance/bench/performance.md.
bench: $(VENV)/.dev
	$(BIN)/python -m bench $(BENCH_ARGS)

## Extract the interface's strings, update every catalogue, compile them.
## A new language: pybabel init -i exchange/translations/messages.pot -d exchange/translations -l CODE
messages: $(VENV)/.dev
	$(BIN)/pybabel extract -F babel.cfg -k _l -k lazy_gettext -k _nl:1,2 -k lazy_ngettext:1,2 --no-location --sort-output \
		--project "Spazio Virtuale" -o exchange/translations/messages.pot .
	@if ls exchange/translations/*/LC_MESSAGES/messages.po >/dev/null 2>&1; then \
		$(BIN)/pybabel update -i exchange/translations/messages.pot -d exchange/translations \
			--no-fuzzy-matching --ignore-obsolete; \
		$(BIN)/pybabel compile -d exchange/translations --statistics; \
	fi

## Check the code without running it: ruff's rules, ruff's format, mypy --strict on exchange/.
lint: $(VENV)/.dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

format: $(VENV)/.dev
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache .mypy_cache
