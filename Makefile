# The two commands of the README, and their helpers. Every target sets up what it needs.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PORT ?= 8000
HOST ?= 127.0.0.1
# the tests use these for real: containerd and shellcheck on this host; debootstrap, systemd-container and
# apt-utils make and boot the real Debian nodes of tests/node.py (cached in /var/cache/kubeedge-runtime-tests)
APT_PACKAGES := containerd shellcheck chromium fonts-noto-cjk zstd debootstrap systemd-container apt-utils skopeo docker-registry openssl

.PHONY: serve test setup apt wheel site clean bench

# Set up everything, build the site and serve it on $(HOST):$(PORT).
serve: site
	@echo "Serving on http://$(HOST):$(PORT)/"
	$(PY) -m http.server $(PORT) --bind $(HOST) --directory site

# Set up everything and run every test (the browser tests use the built site).
test: setup apt site
	$(PY) -m pytest -q tests

setup: $(VENV)/.ready

$(VENV)/.ready: pycore/pyproject.toml requirements-dev.txt
	@$(PYTHON) -c 'import venv, ensurepip' 2>/dev/null || { echo "apt-get install python3 python3-venv"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3 python3-venv >/dev/null; }
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -r requirements-dev.txt
	$(PY) -m pip install -q -e pycore
	touch $@

apt:
	@missing=""; for p in $(APT_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
	  echo "apt-get install$$missing"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing >/dev/null; \
	fi

wheel: setup
	rm -rf dist pycore/build
	$(PY) -m build --wheel --no-isolation --outdir dist pycore

node_modules/pyodide/pyodide.mjs: package.json
	@command -v npm >/dev/null || { echo "apt-get install nodejs npm"; apt-get update -qq && \
	  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nodejs npm >/dev/null; }
	npm install --no-audit --no-fund --no-package-lock
	touch $@

# The docs site: wheel, Pyodide from npm, the Python bundle, then mkdocs build --strict.
site: wheel node_modules/pyodide/pyodide.mjs
	$(PY) tools/build_assets.py --wheel-dir dist
	NO_MKDOCS_2_WARNING=1 $(PY) -m mkdocs build --strict --quiet

clean:
	rm -rf $(VENV) dist site build pycore/build pycore/src/*.egg-info

# Measure the page and the CLI; writes bench/results.json and prints a table.
bench: site apt
	$(PY) bench/run.py
