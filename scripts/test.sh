#!/usr/bin/env bash
# Installs the test dependencies and runs every check and test: lint, formatting, migrations,
# then the whole suite on SQLite and on PostgreSQL. Usage: bash scripts/test.sh [pytest args]
set -euo pipefail
cd "$(dirname "$0")/.."

PY=${PYTHON:-python3}
if [ ! -x .venv/bin/python ]; then
  "$PY" -m venv .venv
fi
.venv/bin/python -m pip install --quiet --upgrade pip >/dev/null
.venv/bin/python -m pip install --quiet -e ".[test]"

echo "== ruff"
.venv/bin/ruff check .
.venv/bin/ruff format --check .

echo "== migrations"
REPLYTIME_DATA=$(mktemp -d) .venv/bin/python -m django makemigrations --check --dry-run \
  --settings=replytime.settings

# PostgreSQL runs on the CI machine; start it if it is installed but stopped. The IMAP tests
# need Debian's Dovecot and the browser tests Debian's Chromium: installed here if missing
# (the tests start their own private instances).
PG_URL=${REPLYTIME_TEST_POSTGRES_URL:-postgres://postgres@127.0.0.1:5432/postgres}
PG_KEYSTORE_URL=${PG_URL%/*}/keystore
bash scripts/services.sh postgres
bash scripts/dovecot.sh
bash scripts/chromium.sh

echo "== tests on SQLite"
REPLYTIME_DATA=$(mktemp -d) DATABASE_URL= KEYSTORE_DATABASE_URL= .venv/bin/python -m pytest -n 2 \
  --dist=loadfile "$@"

echo "== tests on PostgreSQL"
REPLYTIME_DATA=$(mktemp -d) DATABASE_URL="$PG_URL" KEYSTORE_DATABASE_URL="$PG_KEYSTORE_URL" \
  .venv/bin/python -m pytest -n 2 --dist=loadfile "$@"
