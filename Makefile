# fabtrust — two commands do everything on a fresh machine:
#   make demo   set up, compile, run the end-to-end story on an embedded local chain
#   make test   set up, compile, lint, type-check and run the whole test suite
# Needs: Python 3.10+, Node 18+ (with npm), make. Only the PyPI and npm registries are used.
# A second run is fast: installs are keyed on the lock files, compilation on the sources.

SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help

PYTHON ?= python3
VENV := .venv
# Relative paths in targets and recipes (recipes run in the checkout): make cannot name a target
# whose path contains a space, and a checkout may live in "~/src/fabtrust.v2 copy".
BIN := $(VENV)/bin
STAMPS := .stamps
export PATH := $(CURDIR)/$(VENV)/bin:$(PATH)
export PYTHONDONTWRITEBYTECODE := 1

# Pure-SDK/CLI tests run without Brownie's pytest plugin; contract tests run under it.
PYTEST_PURE := $(BIN)/pytest -p no:pytest-brownie
PURE_TESTS := tests/toolchain tests/sdk tests/cli tests/agent tests/web tests/bench

.PHONY: help setup toolchain compile test test-pure test-contracts test-ganache lint format \
        typecheck slither invariants coverage demo deploy bench abi docs lock clean distclean web \
        web-browser mqtt-broker

help:
	@echo "make demo          set up and run the end-to-end demo on an embedded Anvil"
	@echo "make test          set up and run lint, type checks and every test (contracts on Anvil)"
	@echo "make test-ganache  the contract suite on Ganache 7.9"
	@echo "make slither       static analysis; fails on findings not triaged in slither-triage.json"
	@echo "make invariants    forge invariant campaigns (tests/forge/), runs and depth in foundry.toml"
	@echo "make coverage      contract coverage (forge), written to reports/coverage/"
	@echo "make bench         gas and speed benchmarks, written to docs/benchmarks.md"
	@echo "make web           build the buyer's verification page (build/web/index.html)"
	@echo "make clean         remove build output (keeps .venv and node_modules)"

# ---- set-up ---------------------------------------------------------------------------------

$(BIN)/python:
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 10) else "fabtrust needs Python 3.10 or newer, found " + sys.version.split()[0])'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip setuptools wheel

# eth-brownie is installed pure-Python: its compiled wheel breaks hypothesis stateful tests,
# some brownie-config network keys and coverage.
$(STAMPS)/python: pyproject.toml requirements/constraints.txt sdk/fabtrust/_version.py | $(BIN)/python
	BROWNIE_NOCOMPILE=1 $(BIN)/python -m pip install --quiet --no-binary eth-brownie \
	    -c requirements/constraints.txt -e '.[dev,fast,bench]'
	@mkdir -p $(STAMPS) && touch $@

$(STAMPS)/node: package.json package-lock.json
	@command -v node >/dev/null || { echo "node not found: install Node.js 18+ (Debian: apt-get install nodejs npm)" >&2; exit 2; }
	@command -v npm >/dev/null || { echo "npm not found: install npm (Debian: apt-get install npm)" >&2; exit 2; }
	@# npm ci is the first choice (the lock lists every platform's optional @foundry-rs binary
	@# since forge was added with npm 11, so npm 11 accepts it); a lock without them made npm 11
	@# refuse, hence the fallback: the locked versions with npm install --no-save (lock unchanged).
	npm ci --no-audit --no-fund --loglevel=error 2>/dev/null || \
	    npm install --no-audit --no-fund --no-save --loglevel=error
	@mkdir -p $(STAMPS) && touch $@

# amqtt, the embedded MQTT broker of the bench demo and tests, needs psutil>=7 while eth-brownie pins
# psutil 5.9.8: it gets its own small virtualenv and runs as a subprocess (fabtrust.testing finds it).
BROKER_VENV := .venv-broker
$(STAMPS)/broker: requirements/broker.txt | $(BIN)/python
	$(PYTHON) -m venv $(BROKER_VENV)
	$(BROKER_VENV)/bin/python -m pip install --quiet -r requirements/broker.txt
	@mkdir -p $(STAMPS) && touch $@

# Registers the offline solc front and links anvil/cast/ganache-cli (idempotent, ~0.2 s).
toolchain: $(STAMPS)/python $(STAMPS)/node $(STAMPS)/broker
	@$(BIN)/python scripts/toolchain.py

setup: toolchain

# Brownie recompiles only what changed.
compile: toolchain
	@$(BIN)/brownie compile | grep -v '^Brownie v' || true
	@test -d build/contracts

# The buyer's verification page: one self-contained HTML file bundled by the pinned esbuild from
# web/, the SDK's ABIs and the shared checks list; rebuilt only when one of them changed.
WEB_PAGE := build/web/index.html
WEB_SOURCES := $(wildcard web/*.html web/*.css web/*.mjs web/src/*.js) \
    sdk/fabtrust/checks.json $(wildcard sdk/fabtrust/abi/*.json)

web: $(WEB_PAGE)

$(WEB_PAGE): $(WEB_SOURCES) $(STAMPS)/node
	node web/build.mjs $@

# Headless Chromium for the page's browser tests (Debian packages; Selenium drives it through
# /usr/bin/chromedriver, nothing is downloaded elsewhere). Installed when missing and root;
# otherwise the command is printed and those tests skip with it.
web-browser:
	@if [ -x /usr/bin/chromium ] && [ -x /usr/bin/chromedriver ]; then :; \
	elif [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	    echo "installing headless Chromium (Debian chromium, chromium-driver)"; \
	    { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-driver >/dev/null; } || \
	    echo "could not install Chromium, the page's browser tests will skip: apt-get install -y chromium chromium-driver" >&2; \
	else \
	    echo "headless Chromium is missing, the page's browser tests will skip: sudo apt-get install -y chromium chromium-driver" >&2; \
	fi

# Mosquitto, the MQTT broker a plant runs (Debian package; the bench tests use it when it is on
# PATH, else the embedded amqtt of .venv-broker, and say which). Installed when missing and root;
# otherwise the command is printed and the bench tests run on amqtt.
mqtt-broker:
	@if command -v mosquitto >/dev/null || [ -x /usr/sbin/mosquitto ]; then :; \
	elif [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	    echo "installing Mosquitto (Debian mosquitto) for the bench tests"; \
	    { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq mosquitto >/dev/null; } || \
	    echo "could not install Mosquitto, the bench tests use the embedded amqtt: apt-get install -y mosquitto" >&2; \
	else \
	    echo "Mosquitto is missing, the bench tests use the embedded amqtt: sudo apt-get install -y mosquitto" >&2; \
	fi

# ---- quality gates and tests ------------------------------------------------------------------

# Solidity: solhint (rules in .solhint.json, warnings fail too) and forge fmt (style in foundry.toml
# [fmt]; `forge fmt contracts` rewrites). The same checks run as pre-commit hooks (.pre-commit-config.yaml).
# forge is the binary linked by the toolchain: npm's node_modules/.bin/forge wrapper exits 0 always.
lint: toolchain
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	node_modules/.bin/solhint --max-warnings 0 --disc 'contracts/**/*.sol'
	$(BIN)/forge fmt --check contracts

format: $(STAMPS)/python
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

typecheck: $(STAMPS)/python
	$(BIN)/mypy

test-pure: compile web web-browser mqtt-broker
	$(PYTEST_PURE) $(wildcard $(PURE_TESTS)) -q

test-contracts: compile
	$(BIN)/brownie test tests/contracts --network fabtrust-anvil

test: lint typecheck test-pure test-contracts slither invariants

# slither (PyPI) through crytic-compile's Foundry platform: forge with foundry.toml, i.e. the
# offline solc front. New findings fail; triaged ones are listed with reasons in slither-triage.json.
slither: toolchain
	$(BIN)/python scripts/slither_check.py

# Handler-based invariant fuzzing with forge (npm @foundry-rs/forge) over the contracts in
# contracts/, compiled by the solc front (see foundry.toml and docs/security.md).
invariants: toolchain
	$(BIN)/python scripts/invariants.py

# Contract coverage (forge coverage over the invariant campaigns, offline solc front): the table is
# printed and written to reports/coverage/summary.md, LCOV to reports/coverage/lcov.info.
coverage: toolchain
	$(BIN)/python scripts/contract_coverage.py

test-ganache: compile
	$(BIN)/brownie test tests/contracts --network fabtrust-ganache

# ---- the main job --------------------------------------------------------------------------------

demo: compile web
	$(BIN)/fabtrust demo

deploy: compile
	$(BIN)/python scripts/deploy.py --network $${NETWORK:-fabtrust-anvil}

# Generated files: the ABIs and bytecode shipped inside the SDK, and the contracts reference
# (docs/contracts/reference.md, from NatSpec). Tests fail when they drift from contracts/.
abi: compile
	$(BIN)/python scripts/gen_abi.py
	$(BIN)/python scripts/gen_contract_docs.py

# The CLI reference, generated by typer from the commands (a test keeps it in sync).
docs: $(STAMPS)/python
	COLUMNS=100 $(BIN)/typer fabtrust.cli._tree utils docs --name fabtrust --output docs/cli.md

bench: compile
	$(BIN)/python scripts/bench_bench.py
	$(BIN)/python scripts/bench_verify.py
	$(BIN)/python scripts/bench.py

# Regenerate the constraints from a fresh resolution (then review the diff).
lock: $(BIN)/python
	rm -rf $(VENV)-lock && $(PYTHON) -m venv $(VENV)-lock
	BROWNIE_NOCOMPILE=1 $(VENV)-lock/bin/pip install --quiet --no-binary eth-brownie -e '.[dev,fast,bench]'
	{ sed -n '1,3p' requirements/constraints.txt; $(VENV)-lock/bin/pip freeze --exclude-editable; } > requirements/constraints.txt.new
	mv requirements/constraints.txt.new requirements/constraints.txt && rm -rf $(VENV)-lock

clean:
	rm -rf build reports .pytest_cache .hypothesis .mypy_cache .ruff_cache demo-output

distclean: clean
	rm -rf $(VENV) $(BROKER_VENV) node_modules $(STAMPS)
