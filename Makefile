# Cohesion: `make run` for a local demo, `make test` for the whole suite.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
HOST ?= 127.0.0.1:8000

.PHONY: run test lint fmt install messages compilemessages migrations-check clean bench

$(STAMP): pyproject.toml
	test -d $(VENV) || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

# The embedded default: SQLite, eager Celery tasks, console email, DEBUG on. MFA is switched off
# for this demo only, so a first look needs no authenticator app; production requires it.
run: export DEBUG ?= true
run: export MFA_REQUIRED_FOR_STAFF ?= false
run: $(STAMP) compilemessages
	$(BIN)/python manage.py migrate --noinput
	$(BIN)/python manage.py load_katotth
	$(BIN)/python manage.py seed_demo
	$(BIN)/python manage.py runserver $(HOST)

test: $(STAMP) compilemessages
	$(BIN)/pytest $(PYTEST_ARGS)

# The compiled catalogues are committed; recompile when gettext is there to catch stale ones.
# Each is written beside and renamed into place, so that a suite already running (CI runs two
# at once) never reads a half-written catalogue.
CATALOGUES := $(wildcard locale/*/LC_MESSAGES/django.po)
compilemessages:
	@if command -v msgfmt >/dev/null; then \
	  for po in $(CATALOGUES); do \
	    mo="$${po%.po}.mo"; msgfmt --check-format -o "$$mo.$$$$" "$$po" && mv "$$mo.$$$$" "$$mo" || exit 1; \
	  done; \
	else echo "gettext not installed: using the committed .mo catalogues"; fi

messages: $(STAMP)
	DEBUG=true $(BIN)/python manage.py makemessages -l uk -l en --no-obsolete \
	  --ignore '.venv/*' --ignore 'staticfiles/*' --ignore 'static/vendor/*' --ignore 'tests/*'

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

fmt: $(STAMP)
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

migrations-check: $(STAMP)
	DEBUG=true $(BIN)/python manage.py makemigrations --check --dry-run

# National-scale benchmark of the dashboard (PostgreSQL and Redis on 127.0.0.1); not part of
# `make test`. BENCH_ARGS= skips the seeding when the bench database is already there.
BENCH_ARGS ?= --seed
bench: $(STAMP)
	$(BIN)/python bench/run.py $(BENCH_ARGS)

clean:
	rm -rf $(VENV) staticfiles db.sqlite3
