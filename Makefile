# The README's quick start: `make run` and `make test`. Both bootstrap .venv themselves.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
FLASK := $(BIN)/flask --app corrections
PYTEST_ARGS ?=

.PHONY: run test bench widget clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip

# One stamp per extra, remade when pyproject.toml changes.
$(VENV)/.installed-%: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install -q -e '.[$*]'
	touch $@

instance/config.py:
	$(PYTHON) -c 'import secrets; print(f"SECRET_KEY = {secrets.token_hex(32)!r}")' > $@

run: $(VENV)/.installed-dev instance/config.py
	$(FLASK) db upgrade
	$(FLASK) demo
	@echo "Emails:         sent over SMTP to a local sink; read them in $(CURDIR)/instance/mail/ (one .eml file each)"
	@trap 'kill $$sink $$worker 2>/dev/null; wait' EXIT INT TERM; \
	$(BIN)/python -m corrections.mail.sink --port 8025 --directory instance/mail & sink=$$!; \
	CORRECTIONS_DEMO=true $(FLASK) mail worker & worker=$$!; \
	CORRECTIONS_DEMO=true $(FLASK) run --host 127.0.0.1 --port 5000

test: $(VENV)/.installed-test
	$(BIN)/python -m pytest $(PYTEST_ARGS)

bench: $(VENV)/.installed-test
	$(BIN)/python -m tests.bench

# Rebuild the served widget (corrections/static/*.min.js) after changing its sources; needs npm.
widget: $(VENV)/.installed-test
	$(BIN)/python -m corrections.widget_build --npm-prefix $(VENV)/esbuild

clean:
	rm -rf $(VENV) .pytest_cache test-artifacts
