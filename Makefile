# Two commands set everything up on a fresh machine: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
BUF := $(VENV)/bin/buf
# `buf breaking` compares the contract with this git ref.
BREAKING_AGAINST ?= main

.PHONY: venv run test lint lint-protos breaking generate check-generated migrate bench bench-tools clean

$(VENV)/.installed: pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e ".[dev]"
	touch $@

venv: $(VENV)/.installed

generate: $(VENV)/.installed
	$(PY) protos/generate.py

# Fails when the committed generated/ differs from what the protos produce.
check-generated: generate
	@git diff --exit-code --stat -- generated/ || \
		(echo "generated/ is stale: run 'make generate' and commit the result" && exit 1)
	@test -z "$$(git status --porcelain --untracked-files=all -- generated/)" || \
		(echo "generated/ has uncommitted files: run 'make generate' and commit" && exit 1)

lint-protos: $(VENV)/.installed
	$(BUF) lint generated/huntaze.binpb --path huntaze/v1

breaking: $(VENV)/.installed
	$(PY) protos/breaking.py $(BREAKING_AGAINST)

lint: $(VENV)/.installed lint-protos
	$(VENV)/bin/openapi-spec-validator generated/openapi.json
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/lint-imports

migrate: $(VENV)/.installed
	$(VENV)/bin/alembic upgrade head

run: generate migrate
	$(PY) -m server.launcher

test: check-generated lint breaking
	$(VENV)/bin/pytest -q

# Suites (bench/README.md): GetMe against FastAPI (bare and behind Envoy) and the echo ceiling,
# with server CPU per request, on SQLite and PostgreSQL; AI (time to first streamed event through
# Envoy vs direct gRPC, content-ideas req/s); faults, webhooks, vault, analytics. Needs wrk and
# h2load (Debian: apt-get install wrk nghttp2-client). Migrates its own temporary databases; uses
# the committed generated/. Flags: make bench BENCH_ARGS="--suites ai --rounds 1".
# The load generators run as their own processes: wrk (HTTP) and h2load (gRPC over h2c), from
# Debian's packages; installed on first use where we may (root), else bench/run.py says how.
bench-tools:
	@command -v wrk >/dev/null && command -v h2load >/dev/null || \
		{ [ "$$(id -u)" = 0 ] && apt-get update -qq && apt-get install -y -qq wrk nghttp2-client; } || true

bench: $(VENV)/.installed bench-tools
	$(PY) bench/run.py $(BENCH_ARGS)

clean:
	rm -rf $(VENV) var .pytest_cache
