# Two commands set everything up on a fresh machine with Python 3.11+:
#   make serve   -- run the sandbox on its defaults (http://127.0.0.1:8000)
#   make test    -- run the whole test suite
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
RUNTIME := $(VENV)/.runtime
TOOLS := $(VENV)/.tools

.PHONY: serve test bench soak fuzz contract clean replicas wheel-check

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

# make serve installs what the server needs; make test, bench, soak and fuzz add the test extra.
$(RUNTIME): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e .
	touch $(RUNTIME)

$(TOOLS): $(RUNTIME)
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $(TOOLS)

serve: $(RUNTIME)
	$(BIN)/mockserver serve $(ARGS)

test: $(TOOLS)
	$(BIN)/python -m pytest $(PYTEST_ARGS)

clean:
	rm -rf $(VENV) *.egg-info

bench: $(TOOLS)
	$(BIN)/python bench/run.py

# Overload targets (20 heavy requests at once, huge Prefer and e-mail values): docs/robustness.md
soak: $(TOOLS)
	$(BIN)/python bench/soak.py

# The whole bad-input campaign (make test runs its quick subset), then the soak
fuzz: $(TOOLS)
	$(BIN)/python -m tests.fuzz
	$(BIN)/python bench/soak.py

contract: $(RUNTIME)
	$(BIN)/mockserver check --base-url $(URL) $(ARGS)

# Three replicas behind nginx (apt-get install nginx-light) answer byte for byte alike (tests/replicas.py)
replicas: $(TOOLS)
	$(BIN)/python -m tests.replicas

# The built wheel installed with its dependencies into a fresh environment, used outside the checkout
wheel-check: $(TOOLS)
	$(BIN)/python -m tests.wheel_check
