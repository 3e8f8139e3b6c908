# Every target installs first when needed, so each works on a fresh clone.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: install lock demo test bench lint format messages

install: $(STAMP)

$(STAMP): requirements.lock
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements.lock
	touch $(STAMP)

# Resolve requirements.in into exact versions in a throwaway venv.
lock:
	rm -rf var/lock-venv
	$(PYTHON) -m venv var/lock-venv
	var/lock-venv/bin/python -m pip install --quiet --upgrade pip
	var/lock-venv/bin/python -m pip install --quiet -r requirements.in
	echo '# Exact versions installed by `make install`; regenerate with `make lock`.' > requirements.lock
	var/lock-venv/bin/python -m pip freeze >> requirements.lock
	rm -rf var/lock-venv

# Compiled catalogues are committed; run this after editing a .po file.
messages: install
	$(BIN)/python manage.py compilemessages --ignore=.venv --ignore=var

# The demo starts from an empty database under var/demo each time, because the
# simulator generates its orders anew at every start.
demo: install
	rm -rf var/demo
	PONTE_VAR_DIR=var/demo $(BIN)/python manage.py demo $(DEMO_ARGS)

test: install
	$(BIN)/python -m pytest $(PYTEST_ARGS)

# The benchmark runs on PostgreSQL; the database is created when missing.
BENCH_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/ponte_bench
# The period-close benchmark empties the finance ledger of that database;
# FINANCE_BENCH_ORDERS=0 skips it.
FINANCE_BENCH_ORDERS ?= 1000000
# The API benchmark loads its own network (stores api-bench-*) once and
# reuses it on later runs.
API_BENCH_ORDERS ?= 1000000
# The dashboard benchmark needs a database of its own: it loads its network
# once and reuses it on later runs.
MONITORING_BENCH_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/ponte_bench_monitoring
bench: install
	DJANGO_DEBUG=false DATABASE_URL=$${DATABASE_URL:-$(BENCH_DATABASE_URL)} $(BIN)/python manage.py bench $(BENCH_ARGS)
	DJANGO_DEBUG=false DATABASE_URL=$${DATABASE_URL:-$(BENCH_DATABASE_URL)} $(BIN)/python manage.py bench_finance --orders=$(FINANCE_BENCH_ORDERS)
	DJANGO_DEBUG=false DATABASE_URL=$${DATABASE_URL:-$(BENCH_DATABASE_URL)} $(BIN)/python manage.py bench_api --orders=$(API_BENCH_ORDERS)
	DJANGO_DEBUG=false $(BIN)/python manage.py collectstatic --noinput --verbosity=0
	DJANGO_DEBUG=false DATABASE_URL=$(MONITORING_BENCH_DATABASE_URL) $(BIN)/python manage.py monitoring_bench --reuse --output=docs/benchmarks.md

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	DJANGO_SETTINGS_MODULE=config.settings.test $(BIN)/python manage.py makemigrations --check --dry-run

format: install
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .
