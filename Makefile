# Two commands for a newcomer: `make run` and `make test`. See README.md.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 8000
STAMP := $(VENV)/.installed

export DJANGO_SETTINGS_MODULE := alliance.settings

.PHONY: run test install seed editor lint format migrations-check bench backup restore clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check pip==26.3
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --group dev
	touch $(STAMP)

# The browser tests inject axe-core from npm; `npm ci` installs the locked version.
NODE_STAMP := node_modules/.package-lock.json
$(NODE_STAMP): package.json package-lock.json
	@command -v npm >/dev/null || { echo "npm is needed for the browser tests (apt-get install npm)"; exit 1; }
	npm ci --no-audit --no-fund --silent
	touch $(NODE_STAMP)

install: $(STAMP) $(if $(wildcard package.json),$(NODE_STAMP))

# The local demo: DEBUG on, embedded SQLite unless DATABASE_URL says otherwise.
run: export DJANGO_DEBUG ?= 1
run: install
	$(BIN)/python manage.py migrate --no-input -v0
	$(MAKE) --no-print-directory seed
	$(BIN)/python manage.py create_editor
	@echo "Serving on http://127.0.0.1:$(PORT)/  (admin: http://127.0.0.1:$(PORT)/admin/)"
	$(BIN)/python manage.py runserver 127.0.0.1:$(PORT)

seed: install
	$(BIN)/python manage.py import_corpus data/corpus --state published -v0
	$(BIN)/python manage.py load_seed data/seed.yaml

test: install
	$(BIN)/python -m pytest $(PYTEST_ARGS)

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: install
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

# Backups of whatever DATABASE_URL names (default: the local SQLite file) into
# backups/. KEEP=14 keeps only the 14 newest. Settings need no secret key for
# this, hence DEBUG's default here; nothing is served.
backup: export DJANGO_DEBUG ?= 1
backup: install
	$(BIN)/python manage.py backup $(if $(KEEP),--keep $(KEEP))

# Replaces everything in the database with FILE, after asking. Stop the site first.
restore: export DJANGO_DEBUG ?= 1
restore: install
	@test -n "$(FILE)" || { echo "Usage: make restore FILE=backups/alliance-<timestamp>.dump"; exit 2; }
	$(BIN)/python manage.py restore $(FILE)

migrations-check: export DJANGO_DEBUG ?= 1
migrations-check: install
	$(BIN)/python manage.py makemigrations --check --dry-run

# Benchmark on the local PostgreSQL (database alliance_bench) under gunicorn; see bench/run.py.
bench: install
	command -v wrk >/dev/null || (apt-get update -qq && apt-get install -y -qq wrk)
	$(BIN)/python -m bench.run

clean:
	rm -rf $(VENV) db.sqlite3 staticfiles .editor-password
