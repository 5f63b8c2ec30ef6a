# Kobai: `make run` serves the demo shop, `make test` runs the suite.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
MANAGE := $(BIN)/python manage.py
export PIP_DISABLE_PIP_VERSION_CHECK := 1

.DEFAULT_GOAL := help
.PHONY: help install setup run test test-e2e lint bench bench-partner messages clean

help: ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-10s %s\n", $$1, $$2}'

install: $(VENV)/.installed ## create .venv and install the pinned dependencies

$(VENV)/.installed: requirements.lock
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip setuptools wheel
	$(BIN)/pip install -q -r requirements.lock
	touch $@

# The demo, the development server and the translation tools run with DEBUG on; without it the
# settings refuse to start on a missing secret key (see .env.example). DJANGO_DEBUG=0 make run overrides.
setup run messages: export DJANGO_DEBUG ?= 1

setup: install ## migrate the SQLite database and load the demo (idempotent)
	$(MANAGE) migrate --noinput
	$(MANAGE) load_demo

# The worker (emails from the outbox, periodic jobs) runs in the background beside runserver and is
# stopped when runserver ends (Ctrl-C).
run: setup ## serve the shop at http://127.0.0.1:8000 (and the background worker)
	$(MANAGE) run_worker & worker=$$!; \
	trap 'kill $$worker 2>/dev/null; wait $$worker 2>/dev/null' EXIT; \
	trap 'exit 130' INT TERM; \
	$(MANAGE) runserver 127.0.0.1:8000

# The suite runs on both cores (pytest-xdist); TEST_WORKERS=0 runs it in one process.
TEST_WORKERS ?= 2

test: install ## lint, then the whole test suite (DATABASE_URL=postgres://... for PostgreSQL)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/pytest -n $(TEST_WORKERS) --durations=10 $(PYTEST_ARGS)

lint: install ## ruff lint and format check
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

test-e2e: install ## only the browser tests (Playwright + Debian chromium)
	$(BIN)/pytest tests/e2e $(PYTEST_ARGS)

bench: install ## benchmark under gunicorn with a 10k catalogue; writes bench/out/results.json
	$(BIN)/python bench/run.py $(BENCH_ARGS)

# Both benchmarks: make bench bench-partner
bench-partner: install ## a slow payment partner (2 s) must not hold up a colleague's order; bench/out/partner_lock.json
	$(BIN)/python bench/partner_lock.py $(BENCH_PARTNER_ARGS)

messages: install ## refresh and compile the Japanese translations (needs gettext)
	$(MANAGE) makemessages -l ja --ignore=.venv --ignore=bench --ignore=tests --ignore=var
	$(MANAGE) compilemessages --ignore=.venv

clean: ## remove the local database, index and media (not the venv)
	rm -rf db.sqlite3 var bench/out
