# The README's two commands: `make run` curates raw/ into curated/, `make test` runs the tests.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
export PREFECT_SERVER_ANALYTICS_ENABLED ?= false
export DO_NOT_TRACK ?= 1

.PHONY: install run test lint bench demo lock clean

# The package's bytecode is compiled here as pip compiles an installed package's (an editable
# install is not): where PYTHONDONTWRITEBYTECODE is set, as on some CI machines and containers,
# every command would otherwise compile pipeline/ again (~0.3 s of each run's start, and of each
# worker's). Up to date, it costs a stat per file.
install: $(STAMP)
	$(PY) -m compileall -q pipeline spiders bench >/dev/null

# Reinstalls only when the dependency list changes; safe to run any number of times.
$(STAMP): pyproject.toml requirements.lock
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check --upgrade pip 2>/dev/null
	$(PY) -m pip install --quiet --disable-pip-version-check -c requirements.lock -e '.[dev]' 2>&1 | grep -v "^WARNING: Location" || true
	$(PY) -c "import pipeline, prefect, scrapy, trafilatura, pyarrow, duckdb"
	touch $(STAMP)

run: install
	$(PY) -m pipeline run

test: install
	$(PY) -m pytest -q

lint: install
	$(VENV)/bin/ruff check .

# The whole pipeline offline: a local mirror of the three sites, a crawl, the curate run, a query.
demo: install
	$(PY) -m pipeline.cli.demo --out demo-output

# Issue 16's figures (9-17 min on 2 cores); options through BENCH_ARGS, e.g. BENCH_ARGS="--rss-pages 0".
bench: install
	$(PY) -m bench $(BENCH_ARGS)

# Re-resolve the dependency tree into requirements.lock (after changing pyproject.toml).
lock:
	rm -rf .lock-venv && $(PYTHON) -m venv .lock-venv
	.lock-venv/bin/python -m pip install --quiet --disable-pip-version-check -e '.[dev]' 2>&1 | grep -v "^WARNING: Location" || true
	{ head -3 requirements.lock; .lock-venv/bin/python -m pip freeze --exclude-editable; } > requirements.lock.new
	mv requirements.lock.new requirements.lock && rm -rf .lock-venv

clean:
	rm -rf curated .pytest_cache
