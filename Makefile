# Two commands set everything up on a fresh machine with Python 3.11+:
#   make serve   -- run the sandbox on its defaults (http://127.0.0.1:8000)
#   make test    -- run the whole test suite
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: serve test bench contract clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $(STAMP)

serve: $(STAMP)
	$(BIN)/mockserver serve $(ARGS)

test: $(STAMP)
	$(BIN)/python -m pytest $(PYTEST_ARGS)

clean:
	rm -rf $(VENV) *.egg-info

bench: $(STAMP)
	$(BIN)/python bench/run.py

contract: $(STAMP)
	$(BIN)/mockserver check --base-url $(URL) $(ARGS)
