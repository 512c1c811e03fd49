# The commands a newcomer needs. `make run` then `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
# The magazine's first real article, imported as demo content.
SEEDS ?= ../shared/seeds
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: run install migrate demo serve test lint format check clean

run: install migrate demo serve

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed: $(BIN)/python requirements.txt requirements-dev.txt
	$(BIN)/pip install --quiet -r requirements-dev.txt
	touch $@

install: $(VENV)/.installed

migrate: install
	$(BIN)/python manage.py migrate --no-input

demo: migrate
	@if [ -d "$(SEEDS)" ]; then $(BIN)/python manage.py import_articles $(SEEDS); \
	else echo "No demo content at $(SEEDS); set SEEDS=path/to/articles to import some."; fi
	$(BIN)/python manage.py demo_editor

serve: install
	$(BIN)/python manage.py runserver $(HOST):$(PORT)

test: install
	$(BIN)/pytest -n auto

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: install
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

check: install lint
	$(BIN)/python manage.py check
	$(BIN)/python manage.py makemigrations --check --dry-run

clean:
	rm -rf $(VENV) staticfiles .pytest_cache .ruff_cache

# The benchmark (docs/benchmarks.md): PostgreSQL on 127.0.0.1:5432 as postgres, wrk from Debian.
ARTICLES ?= 10000
.PHONY: bench bench-import bench-search

bench: install
	$(BIN)/python -m bench.run --articles $(ARTICLES)

# import_articles on a generated archive (plain text, JSON) into SQLite and PostgreSQL: articles/s, peak memory.
bench-import: install
	$(BIN)/python -m bench.import_bench --articles 1000,$(ARTICLES)

# Search timed in-process on an existing archive: DATABASE_URL=postgres://…/db make bench-search (add EXPLAIN=1 for plans).
bench-search: install
	$(BIN)/python -m bench.search_bench $(if $(EXPLAIN),--explain)
