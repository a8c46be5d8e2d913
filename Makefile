# Mintbook: `make dev` runs the local stack, `make test` the whole test suite, from a fresh clone.
#
# Each virtualenv is rebuilt only when its requirements file changes (a stamp file records the
# last install). A venv for a tool with clashing pins (localstripe: .venv-stripe from
# requirements-stripe.txt; gcloud-tasks-emulator: .venv-tasks from requirements-tasks.txt) is one
# more $(call venv,...) line.

PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PYTEST_ARGS ?=

.DEFAULT_GOAL := help
.PHONY: help dev dev-reset test bench clean ts-client ts-client-check

help:
	@echo "make dev     the web app, the Firestore and Auth emulators, localstripe, the dev server"
	@echo "             and demo data"
	@echo "             (Ctrl-C stops all); the data is kept in .dev-data/ between runs"
	@echo "             (MINTBOOK_KEEP_DATA=0: not kept)"
	@echo "make dev-reset  make dev from empty: deletes the kept data first"
	@echo "make test    every test suite (unit, emulator, rules, e2e); PYTEST_ARGS=... to filter"
	@echo "make bench   list the benchmark modules"
	@echo "make ts-client        regenerate clients/ts from functions/openapi.json"
	@echo "make ts-client-check  fail if clients/ts is not current; typecheck it"
	@echo "make deploy PROJECT=id       stage functions/ + shared/ and deploy everything (gcloud)"
	@echo "make deploy-plan PROJECT=id  print every deploy command, run nothing"
	@echo "make clean   remove virtualenvs, caches and logs"

# $(call venv,DIR,REQUIREMENTS): DIR/.installed is up to date once DIR holds REQUIREMENTS.
define venv
$(1)/.installed: $(2)
	test -x $(1)/bin/python || $(PYTHON) -m venv $(1)
	$(1)/bin/python -m pip install --quiet --disable-pip-version-check -r $(2)
	touch $$@
endef

$(eval $(call venv,$(VENV),requirements.txt))
$(eval $(call venv,.venv-stripe,requirements-stripe.txt))
$(eval $(call venv,.venv-tasks,requirements-tasks.txt))

# The Firebase Auth emulator: firebase-tools pinned in dev/auth-emulator/package-lock.json.
AUTH_EMULATOR := dev/auth-emulator/node_modules/.installed

# The web app (web/: Next.js), its packages pinned in web/package-lock.json; make dev builds
# and serves it (dev/web.py).
WEB_APP := web/node_modules/.installed

# Debian's chromium, which Playwright (PyPI) drives in the browser tests; Playwright's own
# browser download is never used (`playwright install` is not part of any setup).
CHROMIUM := /usr/bin/chromium
SUDO := $(if $(filter 0,$(shell id -u)),,sudo)

$(CHROMIUM):
	$(SUDO) apt-get install -y --no-install-recommends chromium \
		|| ($(SUDO) apt-get update && $(SUDO) apt-get install -y --no-install-recommends chromium)

dev: $(VENV)/.installed .venv-stripe/.installed $(AUTH_EMULATOR) $(WEB_APP)
	NEXT_TELEMETRY_DISABLED=1 $(PY) -m dev.stack

dev-reset: $(VENV)/.installed .venv-stripe/.installed $(AUTH_EMULATOR) $(WEB_APP)
	NEXT_TELEMETRY_DISABLED=1 $(PY) -m dev.stack --reset

# make test runs the test files on two workers (pytest-xdist; each file whole on one worker, each
# worker with its own emulators and servers on free ports): most of a test's time is spent waiting
# on the emulator, a server or a browser, so two share 2 cores well. TEST_WORKERS=0 runs in one.
TEST_WORKERS ?= 2

test: $(VENV)/.installed .venv-stripe/.installed .venv-tasks/.installed $(AUTH_EMULATOR) \
		$(WEB_APP) $(CHROMIUM)
	NEXT_TELEMETRY_DISABLED=1 $(PY) -m pytest -n $(TEST_WORKERS) --dist loadfile $(PYTEST_ARGS)

# An npm project's node_modules (clients/ts, clients/web-sdk-test, dev/auth-emulator, web), reinstalled
# with `npm ci` only when its package-lock.json changes; tests/support/npm.py applies the same
# stamp rule.
%/node_modules/.installed: %/package-lock.json
	cd $* && npm ci --no-audit --no-fund
	touch $@

# The typed TypeScript client: types generated from functions/openapi.json by openapi-typescript.
ts-client: clients/ts/node_modules/.installed
	cd clients/ts && npm run --silent generate

ts-client-check: clients/ts/node_modules/.installed
	cd clients/ts && npm run --silent check

bench: $(VENV)/.installed
	@echo "benchmark modules (run one with $(PY) -m bench.NAME):"
	@ls bench/*.py 2>/dev/null | grep -v '/__init__.py$$' | sed 's|^bench/|  bench.|; s|\.py$$||' \
		|| echo "  none yet"

clean:
	rm -rf $(VENV) .venv-* .pytest_cache .hypothesis .stack clients/*/node_modules \
		dev/auth-emulator/node_modules web/node_modules web/.next* .screenshots
	find . -name __pycache__ -type d -prune -exec rm -rf {} +

# Deployment (dev/deploy.py): REGION and DEPLOY_ARGS (e.g. --env MINTBOOK_CORS_ORIGINS=https://app)
# pass through; PROJECT is required.
.PHONY: deploy deploy-plan
REGION ?= us-central1
DEPLOY_ARGS ?=
deploy-project = $(if $(PROJECT),--project=$(PROJECT) --region=$(REGION) $(DEPLOY_ARGS),\
	$(error usage: make $@ PROJECT=your-gcp-project [REGION=us-central1]))

deploy: $(VENV)/.installed
	$(PY) -m dev.deploy $(deploy-project)

deploy-plan: $(VENV)/.installed
	@$(PY) -m dev.deploy --plan $(deploy-project)
