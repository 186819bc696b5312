# Cohesion: `make run` for a local demo, `make test` for the whole suite.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
HOST ?= 127.0.0.1:8000

.PHONY: run test lint fmt install lock lock-upgrade audit messages compilemessages \
	migrations-check clean bench icons weight vendor-workbox

# Everything is installed from the lock files, every file checked against its hash: the
# versions CI passed with, whatever has been released since. requirements.lock is what
# production runs (the Dockerfile installs it); requirements-dev.lock adds the tools.
$(STAMP): requirements.lock requirements-dev.lock
	test -d $(VENV) || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --require-hashes -r requirements-dev.lock
	touch $(STAMP)

install: $(STAMP)

# After editing pyproject.toml's dependencies: pins what changed, keeps every other pin.
# `make lock-upgrade` moves every pin to the newest release within pyproject.toml's bounds,
# `make lock-upgrade PACKAGES="django celery"` only those; then `make test` and commit both.
PIP_COMPILE = $(BIN)/pip-compile --quiet --generate-hashes --allow-unsafe --strip-extras \
	--no-emit-index-url --no-emit-find-links
UPGRADE = $(if $(PACKAGES),$(addprefix --upgrade-package ,$(PACKAGES)),--upgrade)
lock: $(STAMP)
	$(PIP_COMPILE) -o requirements.lock pyproject.toml
	$(PIP_COMPILE) --extra dev -c requirements.lock -o requirements-dev.lock pyproject.toml

lock-upgrade: $(STAMP)
	$(PIP_COMPILE) $(UPGRADE) -o requirements.lock pyproject.toml
	$(PIP_COMPILE) $(UPGRADE) --extra dev -c requirements.lock -o requirements-dev.lock \
	  pyproject.toml

# The locked set against the advisories of PyPI and OSV (.ci/audit.py says when it cannot).
audit: $(STAMP)
	$(BIN)/python .ci/audit.py

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

# The icon font holds only the icons the templates, Python and scripts name (cohesion/icons.py):
# after using a new `bi-*` icon, run this and commit the two files it writes.
icons: $(STAMP)
	DEBUG=true $(BIN)/python manage.py build_icons

# A leader's first load of the group page as production serves it (hashed, compressed static
# files, collected into a temporary directory), file by file; part of `make test`, which holds
# it under 150 KB.
weight: $(STAMP)
	$(BIN)/pytest tests/project/test_page_weight.py -q -s

migrations-check: $(STAMP)
	DEBUG=true $(BIN)/python manage.py makemigrations --check --dry-run

# National-scale benchmark of the pages that grow with a programme, driven by wrk (PostgreSQL
# and Redis on 127.0.0.1); not part of `make test`. BENCH_ARGS= skips the seeding when the bench
# database is already there.
BENCH_ARGS ?= --seed
bench: $(STAMP)
	$(BIN)/python bench/run.py $(BENCH_ARGS)

# The service worker's Workbox modules (static/vendor/workbox, committed): the IIFE builds each
# package ships in build/, loaded by importScripts in that order. Run by hand to update, then
# change the version in static/vendor/README.md; `make test` never needs npm.
WORKBOX_VERSION ?= 7.4.1
WORKBOX_MODULES := core routing strategies expiration precaching
vendor-workbox:
	rm -rf .workbox && mkdir .workbox
	cd .workbox && for m in $(WORKBOX_MODULES); do npm pack --silent workbox-$$m@$(WORKBOX_VERSION) \
	  && mkdir $$m && tar xzf workbox-$$m-$(WORKBOX_VERSION).tgz -C $$m; done
	for m in $(WORKBOX_MODULES); do cp .workbox/$$m/package/build/workbox-$$m.prod.js \
	  .workbox/$$m/package/build/workbox-$$m.prod.js.map static/vendor/workbox/; done
	cp .workbox/core/package/LICENSE static/vendor/workbox/LICENSE
	rm -rf .workbox

clean:
	rm -rf $(VENV) staticfiles db.sqlite3
