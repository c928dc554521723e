# Two commands matter: `make serve` and `make test`. Everything else supports them.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
STORE ?= $(if $(QANTAR_STORE),$(QANTAR_STORE),var/store)

.PHONY: venv test lint serve clean

venv: $(STAMP)

# The stamp makes `make venv` idempotent: reinstall only when pyproject.toml changes.
$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PY) -m venv $(VENV)
	$(BIN)/pip install -e '.[test]'
	touch $@

lint: venv
	$(BIN)/ruff check .

test: venv
	$(BIN)/ruff check .
	$(BIN)/pytest

serve: venv
	$(BIN)/qantar serve --store $(STORE)

clean:
	rm -rf var .pytest_cache .ruff_cache build *.egg-info
	find . -name __pycache__ -not -path './$(VENV)/*' -prune -exec rm -rf {} +
