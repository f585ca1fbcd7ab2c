# Touchline — the two commands: `make run` and `make test`. See README.md.
SHELL := /bin/bash
PYTHON ?= python3.11
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-stamp

export DJANGO_SETTINGS_MODULE := wms.settings

.PHONY: run demo-reset test lint typecheck pytest services browser install lock bench clean

$(STAMP): pyproject.toml constraints.txt
	@command -v $(PYTHON) >/dev/null || { echo "Python 3.11 is required ($(PYTHON) not found). Install it, or run: make PYTHON=/path/to/python3.11 ..."; exit 1; }
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -c constraints.txt -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

## make run: set up and start the web server, a Celery worker and the demo data.
run: $(STAMP)
	DJANGO_DEBUG=$${DJANGO_DEBUG:-1} ./scripts/run.sh

## make demo-reset: delete the demo database and load fresh demo data (asks first), then make run.
demo-reset: $(STAMP)
	DJANGO_DEBUG=$${DJANGO_DEBUG:-1} ./scripts/demo_reset.sh

## make test: set up and run ruff, mypy and the whole pytest suite on PostgreSQL and Redis (plus
## the SQLite leg, tests/sqlite/).
test: $(STAMP) services browser lint typecheck pytest

services: $(STAMP)
	@$(PY) scripts/check_services.py

## The RF screen tests drive the operating system's Chromium (Playwright's own download is not used).
browser:
	@command -v chromium >/dev/null 2>&1 || { \
	  echo "Installing Chromium from the operating system's packages (for the RF browser tests)..."; \
	  if [ "$$(id -u)" = 0 ]; then SUDO=; else SUDO=sudo; fi; \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq chromium >/dev/null; }
	@command -v chromium >/dev/null 2>&1 || { echo "Chromium could not be installed: apt-get install chromium, then make test."; exit 1; }

lint: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

typecheck: $(STAMP)
	TOUCHLINE_TESTING=1 $(VENV)/bin/mypy .

## Two legs: tests/sqlite/ on SQLite (DATABASE_URL unset, as `make run` runs: the paths chosen by
## connection.vendor; a few seconds, PYTEST_ARGS not applied), then the whole suite on PostgreSQL,
## whose closing line and exit code end the run. Either leg failing fails `make test`.
pytest: $(STAMP)
	TOUCHLINE_TESTING=1 REDIS_URL=$${REDIS_URL:-redis://127.0.0.1:6379/0} \
	env -u DATABASE_URL $(VENV)/bin/pytest tests/sqlite -q
	TOUCHLINE_TESTING=1 DATABASE_URL=$${DATABASE_URL:-postgres://postgres@127.0.0.1:5432/touchline} \
	REDIS_URL=$${REDIS_URL:-redis://127.0.0.1:6379/0} \
	$(VENV)/bin/pytest $(PYTEST_ARGS)

bench: $(STAMP)
	$(PY) bench/touch_throughput.py
	$(PY) bench/verify_ledger_scale.py
	$(PY) bench/reservations.py
	$(PY) bench/rf_scans.py
	$(PY) bench/outbox_drain.py
	$(PY) bench/amazon_availability.py

## make lock: re-pin every dependency after changing pyproject.toml.
lock:
	rm -rf /tmp/touchline-lock && $(PYTHON) -m venv /tmp/touchline-lock
	/tmp/touchline-lock/bin/pip install --quiet -e '.[dev]'
	(echo "# pinned with: pip freeze (Python 3.11) — regenerate with 'make lock'"; \
	 /tmp/touchline-lock/bin/pip freeze --exclude-editable | sort -f) > constraints.txt

clean:
	rm -rf $(VENV) .run .pytest_cache .mypy_cache .ruff_cache artifacts
