# Everything a fresh Debian 12 machine needs, as root: `make run` and `make test`.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
SUITE ?= all
PROFILE ?= local

.PHONY: run test install venv lint unit integration down clean

## run: install everything, start the sandbox, check every endpoint, run the suites into reports/
run: install
	$(BIN)/stagetests sandbox up --suite $(SUITE) --profile $(PROFILE)
	$(BIN)/stagetests check --suite $(SUITE) --profile $(PROFILE)
	$(BIN)/stagetests run --suite $(SUITE) --profile $(PROFILE)

## test: install everything, lint, then unit and integration tests against the real sandbox
test: install lint
	$(BIN)/pytest tests

install: venv
	$(BIN)/stagetests sandbox install

venv: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV) || { apt-get install -y -q python3-venv && $(PYTHON) -m venv $(VENV); }
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e '.[dev]'
	touch $@

lint: venv
	$(BIN)/ruff check stagetests tests
	$(BIN)/mypy

unit: venv
	$(BIN)/pytest tests/unit

integration: install
	$(BIN)/pytest tests/integration

down: venv
	$(BIN)/stagetests sandbox down --suite all

clean: down
	rm -rf $(VENV)
