# propdesk — `make help` lists the targets.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PIP := $(VENV)/bin/pip
HOST ?= 127.0.0.1
PORT ?= 8000
PG_URL ?= postgres://postgres@127.0.0.1:5432/test

.DEFAULT_GOAL := help
.PHONY: help install install-dev run serve test test-sqlite test-pg lint format browser bench clean

help: ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-12s %s\n", $$1, $$2}'

$(VENV)/.installed: requirements.txt package.json package-lock.json
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PIP) install -q --upgrade pip
	$(PIP) install -q -r requirements.txt
	npm ci --no-audit --no-fund --loglevel=error
	@touch $@

$(VENV)/.installed-dev: $(VENV)/.installed requirements-dev.txt
	$(PIP) install -q -r requirements-dev.txt
	@touch $@

install: $(VENV)/.installed ## create .venv and install propdesk and its front-end assets
	$(PY) manage.py migrate --noinput -v0
	$(PY) manage.py createcachetable -v0
	$(PY) manage.py collectstatic --noinput -v0

install-dev: $(VENV)/.installed-dev

run: install ## install, migrate, seed the demo data and its history, serve http://$(HOST):$(PORT) (gunicorn + scheduler)
	$(PY) manage.py seed_demo --activity
	PROPDESK_SHOW_DEMO_LOGINS=1 $(PY) manage.py serve --host $(HOST) --port $(PORT)

serve: ## serve without reinstalling (after `make install`): gunicorn + the scheduler
	$(PY) manage.py serve --host $(HOST) --port $(PORT)

browser: ## install Debian's Chromium and CJK fonts for the browser tests, if missing
	@if [ ! -x /usr/bin/chromium ]; then \
	  echo "Installing chromium and fonts-noto-cjk (apt-get)"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-noto-cjk >/dev/null; \
	fi
	@test -x /usr/bin/chromium || { echo "Chromium is required for the browser tests and could not be installed"; exit 1; }

test: install-dev browser ## run the whole suite on SQLite, then on PostgreSQL when one is reachable
	$(MAKE) --no-print-directory lint
	$(MAKE) --no-print-directory test-sqlite
	@if $(PY) bin/pg_reachable "$(PG_URL)"; then \
	  $(MAKE) --no-print-directory test-pg; \
	else \
	  echo "PostgreSQL at $(PG_URL) is not reachable: PostgreSQL leg skipped"; \
	  if [ -n "$$CI" ]; then echo "CI must run the PostgreSQL leg"; exit 1; fi; \
	fi

test-sqlite: install-dev ## the suite on SQLite only
	env -u DATABASE_URL $(PY) -m pytest -p no:cacheprovider -q

test-pg: install-dev ## the suite on PostgreSQL only
	DATABASE_URL=$(PG_URL) $(PY) -m pytest -p no:cacheprovider -q

lint: install-dev ## ruff check, ruff format --check, mypy (django-stubs) on the shared layer propdesk/common
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	@# Tolerated only until the shared layer lands (issue 7); from then on mypy always runs.
	@if [ -d propdesk/common ]; then $(VENV)/bin/mypy; else echo "propdesk/common does not exist yet: mypy skipped"; fi

format: install-dev ## ruff format
	$(VENV)/bin/ruff format .

bench: install ## print the benchmark figures (see bench/README.md)
	@for s in bench/*.py; do echo "== $$s"; $(PY) $$s || exit 1; done

clean: ## remove the virtualenv, node_modules and local data under var/
	rm -rf $(VENV) node_modules var
