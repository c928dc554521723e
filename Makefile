# Two commands matter: `make serve` and `make test`. Everything else supports them.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
STORE ?= $(if $(QANTAR_STORE),$(QANTAR_STORE),var/store)
# apt-get needs root; CI and the project's machines run as root, elsewhere sudo is used.
SUDO := $(if $(filter 0,$(shell id -u)),,sudo)
APT_INSTALL := $(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y -q
UI_STAMP := service/static/yasgui/.built
YASGUI_BUILD := ui/node_modules/@triply/yasgui/build
CHROMIUM := /usr/bin/chromium
WRK := /usr/bin/wrk
VIRTUOSO := /usr/bin/virtuoso-t

.PHONY: venv ui browser seccomp virtuoso test lint serve bench clean

venv: $(STAMP)

# The stamp makes `make venv` idempotent: reinstall only when pyproject.toml changes.
$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PY) -m venv $(VENV)
	$(BIN)/pip install -e '.[test]'
	touch $@

# The query UI's YASGUI, from the npm registry as pinned by ui/package-lock.json, copied into
# service/static/yasgui/ (build output, not in git) so the page never needs a CDN.
ui: $(UI_STAMP)

$(UI_STAMP): ui/package.json ui/package-lock.json
	cd ui && npm ci --no-audit --no-fund
	mkdir -p service/static/yasgui
	cp $(YASGUI_BUILD)/yasgui.min.js $(YASGUI_BUILD)/yasgui.min.css \
	   $(YASGUI_BUILD)/yasgui.min.js.LICENSE.txt service/static/yasgui/
	touch $@

# Debian's Chromium for the browser tests (Playwright drives it; it never downloads a browser).
browser: $(CHROMIUM)

$(CHROMIUM):
	$(SUDO) apt-get update -q
	$(APT_INSTALL) chromium

# libseccomp: the sandbox of the processes that evaluate SPARQL (service/sandbox.py). Debian's
# base system has it; install it where it is missing.
seccomp:
	@ldconfig -p | grep -q libseccomp.so.2 || { $(SUDO) apt-get update -q && $(APT_INSTALL) libseccomp2; }

# Debian's Virtuoso 7 (virtuoso-t, isql-vt: no service is set up), the second SPARQL server the
# remote-store tests start from a private directory (tests/virtuoso.py).
virtuoso: $(VIRTUOSO)

$(VIRTUOSO):
	$(SUDO) apt-get update -q
	$(APT_INSTALL) virtuoso-opensource-7-bin

$(WRK):
	$(SUDO) apt-get update -q
	$(APT_INSTALL) wrk

lint: venv
	$(BIN)/ruff check .

test: venv ui browser seccomp virtuoso
	$(BIN)/ruff check .
	$(BIN)/pytest

serve: venv ui seccomp
	$(BIN)/qantar serve --store $(STORE)

# This endpoint against the native Oxigraph server, on the bundled graph and a generated one
# (not part of the test suite). BENCH_ARGS passes options to bench/run.py (see --help).
BENCH_ARGS ?=
bench: venv $(WRK)
	$(BIN)/python -m bench.run $(BENCH_ARGS)

clean:
	rm -rf var .pytest_cache .ruff_cache build *.egg-info test-artifacts service/static/yasgui
	find . -name __pycache__ -not -path './$(VENV)/*' -prune -exec rm -rf {} +
