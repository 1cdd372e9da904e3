# Two commands: `make run` and `make test`. Everything else is set up by them.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
export FLASK_APP := app

.PHONY: run test setup setup-dev catalogs db browser lint bench security clean

$(VENV)/.runtime: requirements.txt
	@$(PYTHON) -c 'import sys; sys.exit("Python 3.11+ is required") if sys.version_info < (3, 11) else None'
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements.txt
	touch $@

$(VENV)/.dev: $(VENV)/.runtime requirements-dev.txt
	$(BIN)/python -m pip install --quiet -r requirements-dev.txt
	touch $@

# Security scanners live in their own venv: wapiti pins its own httpx and friends.
SECURITY_VENV := .venv-security

$(SECURITY_VENV)/.installed: requirements-security.txt
	test -x $(SECURITY_VENV)/bin/python || $(PYTHON) -m venv $(SECURITY_VENV)
	$(SECURITY_VENV)/bin/python -m pip install --quiet --upgrade pip
	$(SECURITY_VENV)/bin/python -m pip install --quiet -r requirements-security.txt
	touch $@

setup: $(VENV)/.runtime catalogs

setup-dev: $(VENV)/.dev catalogs

# Compiled catalogs (.mo) are build products, made from the committed .po files.
catalogs: $(VENV)/.runtime
	$(BIN)/flask translate compile

# A new database gets the demo content and two years of synthetic stays (about a minute; fewer
# stays would leave the 1,000 synthetic establishments nearly empty); the warehouse is then
# brought up to date (incrementally, so a second `make run` takes a moment).
DEMO_STAYS ?= 200000

db: setup
	$(BIN)/flask db upgrade
	$(BIN)/flask demo-data --if-empty --stays $(DEMO_STAYS)
	$(BIN)/flask warehouse refresh

run: db
	@echo "Serving the portal at http://127.0.0.1:5000"
	$(BIN)/flask run --host 127.0.0.1 --port 5000

# Browser tests drive Debian's Chromium; install it when we can (root with apt-get).
browser:
	@command -v chromium >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	    DEBIAN_FRONTEND=noninteractive apt-get update -qq && \
	    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; \
	  else echo "Chromium is missing: install Debian's 'chromium' package for the browser tests." >&2; fi; }

test: setup-dev browser
	$(BIN)/python -m pytest

# bandit, sqlmap and wapiti against the app in production mode with demo data (security/README.md).
security: setup $(SECURITY_VENV)/.installed
	$(BIN)/python security/scan.py

lint: $(VENV)/.dev
	$(BIN)/ruff check .

bench: setup-dev
	@command -v wrk >/dev/null 2>&1 || { [ "$$(id -u)" = 0 ] && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk >/dev/null; } || true
	$(BIN)/python bench/portal.py
	$(BIN)/python -m bench.map
	$(BIN)/python -m bench.lodging
	$(BIN)/python -m bench.warehouse

clean:
	rm -rf $(VENV) $(SECURITY_VENV) security/reports instance/tourism.db translations/*/LC_MESSAGES/*.mo .pytest_cache
