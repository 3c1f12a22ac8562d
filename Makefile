# CongVu: `make up` runs the whole system on one machine; `make test` runs the tests.
SHELL := /bin/bash
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
PACKAGES := libs/contracts libs/eventbus libs/servicekit libs/devstack[embedded] \
	services/plans services/visits services/citizen-feedback services/reporting gateway
STAMP := $(VENV)/.installed
PYTEST_WORKERS ?= 2
# Where embedded mode keeps its SQLite databases.
export VAR ?= var

.PHONY: setup not-running up migrate reference-data keys token demo test fuzz test-postgres lint lint-openapi format asyncapi validate-deploy bench clean

setup: $(STAMP)

$(STAMP): constraints.txt requirements-dev.txt $(foreach p,$(subst [embedded],,$(PACKAGES)),$(p)/pyproject.toml)
	@command -v $(PYTHON) >/dev/null || { echo "CongVu needs Python 3.11 ($(PYTHON) not found; set PYTHON=...)"; exit 1; }
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade "pip==26.3"
	$(BIN)/python -m pip install --quiet -c constraints.txt -r requirements-dev.txt $(foreach p,$(PACKAGES),-e "$(p)")
	touch $(STAMP)

migrate: setup
	@mkdir -p $(VAR)
	@for s in plans visits citizen-feedback reporting; do \
		DATABASE_URL=sqlite+aiosqlite:///$(VAR)/$$s.db \
			$(BIN)/alembic -c services/$$s/alembic.ini upgrade head || exit 1; \
	done

# Reference data into the plans database (safe to re-run): the official provinces and
# communes/wards, and the default checklist.
reference-data: migrate
	@DATABASE_URL=sqlite+aiosqlite:///$(VAR)/plans.db $(BIN)/python -m plans.registry_import
	@DATABASE_URL=sqlite+aiosqlite:///$(VAR)/plans.db $(BIN)/python -m plans.checklists.defaults

keys: setup
	@$(BIN)/python -m devstack.keys --dir $(VAR)/keys

# A second `make up` while one runs stops here, before touching the databases.
not-running: setup
	@$(BIN)/python -m devstack.up --check -f Procfile

up: setup not-running migrate reference-data keys
	IDENTITY_PRIVATE_KEY_FILE=$(VAR)/keys/identity-private.pem \
	IDENTITY_PUBLIC_KEY_FILE=$(VAR)/keys/identity-public.pem \
	OIDC_JWKS_FILE=$(VAR)/keys/oidc-jwks.json \
	PATH="$(CURDIR)/$(BIN):$$PATH" $(BIN)/python -m devstack.up -f Procfile

# make token ROLE=inspector UNIT=22 [SUBJECT=nguyen.van.an]: a bearer token for the embedded gateway.
token: keys
	@$(BIN)/python -m devstack.token --dir $(VAR)/keys --role "$(ROLE)" --unit "$(UNIT)" --subject "$(SUBJECT)"

demo: keys
	$(BIN)/python -m devstack.demo --keys $(VAR)/keys

test: setup
	$(BIN)/pytest -n $(PYTEST_WORKERS) --dist loadfile $(PYTEST_ARGS)

# The API's contract under generated requests, with a longer budget than `make test` gives.
fuzz: setup
	CONGVU_FUZZ_SECONDS=$${CONGVU_FUZZ_SECONDS:-600} $(BIN)/pytest -n 0 tests/system/test_schemathesis.py

test-postgres:
	CONGVU_REQUIRE_POSTGRES=1 $(MAKE) test

lint: setup
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

# The merged OpenAPI document, linted by the Spectral pinned in tools/openapi-lint (its own
# node_modules, installed on first use): any warning fails.
lint-openapi: setup
	PYTHON=$(BIN)/python tools/openapi-lint/run $(VAR)/openapi.json

format: setup
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

asyncapi: setup
	$(BIN)/python -m contracts.asyncapi > docs/asyncapi.yaml

validate-deploy: setup
	$(BIN)/python -m devstack.validate_deploy

bench: setup
	$(BIN)/python bench/stack.py
	$(BIN)/python bench/gateway_overhead.py
	$(BIN)/python bench/registry.py
	$(BIN)/python bench/consumer_apply.py
	$(BIN)/python bench/relay_publish.py
	$(BIN)/python bench/evidence_upload.py
	$(BIN)/python bench/visit_sync.py

clean:
	rm -rf $(VENV) var
