# Two commands set everything up on a fresh machine with Python 3.11+:
#   make serve   -- run the sandbox on its defaults (http://127.0.0.1:8000)
#   make test    -- run the whole test suite
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: serve test bench soak fuzz contract clean

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

# Overload targets (20 heavy requests at once, huge Prefer and e-mail values): docs/robustness.md
soak: $(STAMP)
	$(BIN)/python bench/soak.py

# The whole bad-input campaign (make test runs its quick subset), then the soak
fuzz: $(STAMP)
	$(BIN)/python -m tests.fuzz
	$(BIN)/python bench/soak.py

contract: $(STAMP)
	$(BIN)/mockserver check --base-url $(URL) $(ARGS)
