# The README's quick start: `make run` and `make test`. Both bootstrap .venv themselves.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
FLASK := $(BIN)/flask --app corrections
PYTEST_ARGS ?=
# make run PORT=5050 SMTP_PORT=8026: the web server's and the local mail sink's ports.
PORT ?= 5000
SMTP_PORT ?= 8025
RUN_ENV := CORRECTIONS_PUBLIC_URL=http://127.0.0.1:$(PORT) CORRECTIONS_MAIL_PORT=$(SMTP_PORT)
PORT_OPEN = $(BIN)/python -c 'import socket; socket.create_connection(("127.0.0.1", $(SMTP_PORT)), 1).close()' 2>/dev/null

.PHONY: run test bench widget clean translations-extract translations-update translations

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip

# One stamp per extra, remade when pyproject.toml changes.
$(VENV)/.installed-%: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install -q -e '.[$*]'
	touch $@

instance/config.py:
	$(PYTHON) -c 'import secrets; print(f"SECRET_KEY = {secrets.token_hex(32)!r}")' > $@

run: $(VENV)/.installed-dev instance/config.py translations
	$(FLASK) db upgrade
	$(RUN_ENV) $(FLASK) demo
	@echo "Emails:         sent over SMTP to a local sink; read them in $(CURDIR)/instance/mail/ (one .eml file each)"
	@if $(PORT_OPEN); then \
	  echo "make run: stopped, port $(SMTP_PORT) is already in use; choose another: make run SMTP_PORT=8026" >&2; exit 1; fi
	@trap 'kill $$sink $$worker 2>/dev/null; wait' EXIT INT TERM; \
	$(BIN)/python -m corrections.mail.sink --port $(SMTP_PORT) --directory instance/mail & sink=$$!; \
	until $(PORT_OPEN); do \
	  if ! kill -0 $$sink 2>/dev/null; then echo "make run: stopped, the mail sink could not start (see above)." >&2; exit 1; fi; \
	  sleep 0.2; \
	done; \
	$(RUN_ENV) CORRECTIONS_DEMO=true $(FLASK) mail worker & worker=$$!; \
	$(RUN_ENV) CORRECTIONS_DEMO=true $(FLASK) run --host 127.0.0.1 --port $(PORT)

test: $(VENV)/.installed-test translations
	$(BIN)/python -m tests.parallel $(PYTEST_ARGS)

bench: $(VENV)/.installed-test
	$(BIN)/python -m tests.bench

# Rebuild the served widget (corrections/static/*.min.js) after changing its sources; needs npm.
widget: $(VENV)/.installed-test
	$(BIN)/python -m corrections.widget.build --npm-prefix $(VENV)/esbuild

# Translations (pybabel, from Babel, installed with Flask-Babel). The compiled catalogues (.mo) are
# committed so a checkout and the wheel work without this step; `make translations` rebuilds them.
BABEL := $(BIN)/pybabel
CATALOGUES := corrections/translations
POT := $(CATALOGUES)/messages.pot
# After changing strings in code or templates: extract, then merge into every language's .po.
translations-extract: $(VENV)/.installed-dev
	$(BABEL) -q extract -F babel.cfg -k _l -k lazy_gettext --sort-by-file --no-location \
	  --project corrections --copyright-holder "corrections" --msgid-bugs-address "" -o $(POT) .
translations-update: translations-extract
	$(BABEL) -q update -i $(POT) -d $(CATALOGUES) --no-wrap --ignore-obsolete
# Compile every catalogue whose .po is newer than its .mo (run by `make run` and `make test`).
translations: $(VENV)/.installed-dev
	$(BABEL) -q compile --statistics -d $(CATALOGUES) 2>&1 | grep -v "^$$" || true

clean:
	rm -rf $(VENV) .pytest_cache test-artifacts
