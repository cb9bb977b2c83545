# Development tasks for slaportal (GNU make).
#
#   make run     set up .venv, migrate, seed demo data, serve http://127.0.0.1:8000
#   make test    set up .venv, run the whole test suite (PYTEST_ARGS="-k signoff -x" to narrow)
#   make lint    ruff check, ruff format --check, mypy
#   make serve   production: migrate, createcachetable (when CACHE_URL is dbcache://),
#                collectstatic, gunicorn (settings from the environment)
#   make worker  production: the background worker that sends the emails (TASKS_BACKEND=database)
#   make bench   pages under load on PostgreSQL against Django's floor (BENCH_ARGS="--size tiny")
#
# PYTHON=/path/to/python3.12 picks the interpreter used to create .venv.

SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help
.DELETE_ON_ERROR:

VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
PYTEST_ARGS ?=
BENCH_ARGS ?=
HOST_PORT ?= 127.0.0.1:8000

# The development server and the type checker need DEBUG=true to accept the built-in
# development SECRET_KEY. A DEBUG set in the environment or in .env wins (settings.py reads
# .env only for variables the environment leaves unset).
dev_debug = if [ -z "$${DEBUG+set}" ] && ! grep -qsE '^[[:space:]]*(export[[:space:]]+)?DEBUG[[:space:]]*=' .env; then export DEBUG=true; fi
# The address the demo logins and emails name: the one `make run` serves on, unless set.
dev_site_url = if [ -z "$${SITE_URL+set}" ] && ! grep -qsE '^[[:space:]]*(export[[:space:]]+)?SITE_URL[[:space:]]*=' .env; then export SITE_URL=http://$(HOST_PORT); fi

.PHONY: help venv install run serve worker bench test lint browsers clean

help:
	@echo "make run       set up .venv, migrate, seed demo data, serve http://$(HOST_PORT)"
	@echo "make test      set up .venv and run the whole test suite (PYTEST_ARGS=...)"
	@echo "make lint      ruff check, ruff format --check, mypy"
	@echo "make serve     production server: migrate, collectstatic, gunicorn on http://$(HOST_PORT)"
	@echo "make worker    background worker: runs the queued tasks (emails) from the database"
	@echo "make bench     pages under load (wrk, PostgreSQL) against the floor; BENCH_ARGS=..."
	@echo "make browsers  install Debian's Chromium for the browser tests (as root)"
	@echo "make clean     remove .venv and tool caches (keeps db.sqlite3)"

# Candidates in order of preference; the first that runs, is >= 3.12 and has venv wins.
$(PY):
	@set -u; \
	is_usable() { \
		"$$1" -c 'import sys, venv, ensurepip; sys.exit(sys.version_info < (3, 12))' >/dev/null 2>&1; \
	}; \
	candidates=(); \
	if [ -n "$(PYTHON)" ]; then \
		candidates=("$(PYTHON)"); \
	else \
		for name in python3.13 python3.12; do \
			if found=$$(command -v "$$name"); then candidates+=("$$found"); fi; \
		done; \
		for found in $$(ls -d "$(HOME)"/.pyenv/versions/3.1[23]*/bin/python 2>/dev/null | sort -rV); do \
			candidates+=("$$found"); \
		done; \
		if command -v pyenv >/dev/null 2>&1 && found=$$(pyenv which python 2>/dev/null); then \
			candidates+=("$$found"); \
		fi; \
		if found=$$(command -v python3); then candidates+=("$$found"); fi; \
	fi; \
	python=""; \
	for candidate in "$${candidates[@]}"; do \
		if is_usable "$$candidate"; then \
			python=$$("$$candidate" -c 'import sys; print(sys.executable)'); break; \
		fi; \
	done; \
	if [ -z "$$python" ]; then \
		echo "error: slaportal needs Python 3.12 or newer (with the venv module)." >&2; \
		echo "Tried: $${candidates[*]:-nothing found}" >&2; \
		echo "Install one (e.g. 'pyenv install 3.12', 'apt-get install python3.12-venv')" >&2; \
		echo "or name it: make PYTHON=/path/to/python3.12 $(MAKECMDGOALS)" >&2; \
		exit 1; \
	fi; \
	echo "Creating $(VENV) with $$python ($$("$$python" -c 'import platform; print(platform.python_version())'))"; \
	if ! "$$python" -m venv "$(VENV)"; then rm -rf "$(VENV)"; exit 1; fi

venv: $(PY)

# The stamp makes repeated runs quick; editing pyproject.toml reinstalls.
$(STAMP): pyproject.toml | $(PY)
	$(PY) -m pip install --quiet --disable-pip-version-check --upgrade pip
	$(PY) -m pip install --quiet --disable-pip-version-check -e ".[dev]"
	@touch $@

install: $(STAMP)

run: install
	@$(dev_debug); \
	$(dev_site_url); \
	set -x; \
	$(PY) manage.py migrate --noinput; \
	$(PY) manage.py createcachetable; \
	$(PY) manage.py seed_demo; \
	exec $(PY) manage.py runserver $(HOST_PORT)

# Production serving: no DEBUG default here; SECRET_KEY, AUDIT_SIGNING_KEYS, ALLOWED_HOSTS and
# DATABASE_URL come from the environment or .env (see README, "Serving in production").
serve: install
	$(PY) manage.py migrate --noinput
	$(PY) manage.py createcachetable
	$(PY) manage.py collectstatic --noinput --verbosity 0
	HOST_PORT=$(HOST_PORT) exec $(VENV)/bin/gunicorn --config gunicorn.conf.py slaportal.wsgi

# The worker runs the tasks that the app queues in its own database (django-tasks-db): every
# email. It needs TASKS_BACKEND=database, which it sets unless the environment or .env says
# otherwise; the app servers must be given the same (see README, "Serving in production").
# SIGTERM lets the task at hand finish; check_sla recovers a task whose worker was killed.
worker: install
	@if [ -z "$${TASKS_BACKEND+set}" ] && ! grep -qsE '^[[:space:]]*(export[[:space:]]+)?TASKS_BACKEND[[:space:]]*=' .env; then export TASKS_BACKEND=database; fi; \
	set -x; \
	exec $(PY) manage.py db_worker --no-reload --interval $${WORKER_INTERVAL:-1}

# Seeds and serves its own PostgreSQL databases (slaportal_bench_tiny, slaportal_bench_full) at
# 127.0.0.1:5432 as postgres; --database-prefix in BENCH_ARGS points elsewhere.
bench: install
	$(PY) benchmarks/pages.py $(BENCH_ARGS)

# Uses whatever DATABASE_URL the environment holds (SQLite when unset).
test: install
	$(PY) -m pytest $(PYTEST_ARGS)

lint: install
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .
	@$(dev_debug); set -x; $(PY) -m mypy .

browsers:
	@if [ -x /usr/bin/chromium ]; then \
		echo "Chromium is installed: $$(/usr/bin/chromium --version 2>/dev/null || echo /usr/bin/chromium)"; \
	elif [ "$$(id -u)" = 0 ]; then \
		apt-get update; \
		DEBIAN_FRONTEND=noninteractive apt-get install -y chromium; \
	else \
		echo "error: /usr/bin/chromium is missing; as root run: apt-get install -y chromium" >&2; \
		exit 1; \
	fi

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache staticfiles test-artifacts *.egg-info
	find . -path ./.git -prune -o -type d -name __pycache__ -prune -exec rm -rf {} +
