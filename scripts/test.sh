#!/usr/bin/env bash
# Run the whole test suite on this machine: the same set-up as the demo (virtualenv,
# PostgreSQL, Redis), plus Debian's Chromium for the browser tests. Extra arguments go
# to pytest (e.g. scripts/test.sh -k locator).
set -euo pipefail
# The tests never use the demo's database: the run creates its own and drops it, so
# it passes on a database server that has never seen the project. Its name is
# derived from the checkout's path, so runs from two clones do not collide.
_repo_dir="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
TEST_DB="o2o_test_$(printf '%s' "$_repo_dir" | sha256sum | cut -c1-10)"
export DATABASE_URL="postgres://postgres@127.0.0.1:5432/$TEST_DB"
source "$(dirname "${BASH_SOURCE[0]}")/bootstrap.sh"

ensure_venv
ensure_postgres
ensure_redis

drop_test_databases() {
  # pytest-django's test_ database too, in case an earlier run was killed, and the
  # benchmarks' (tests/test_benchmarks.py), whose names start with either name.
  local name
  for name in $(psql -h 127.0.0.1 -U postgres -d postgres -Atc \
      "SELECT datname FROM pg_database WHERE datname LIKE '${TEST_DB}\\_%bench%'
       OR datname LIKE 'test\\_${TEST_DB}\\_%bench%'" 2>/dev/null); do
    dropdb -h 127.0.0.1 -U postgres --if-exists --force "$name" 2>/dev/null || true
  done
  dropdb -h 127.0.0.1 -U postgres --if-exists "test_$TEST_DB" 2>/dev/null || true
  dropdb -h 127.0.0.1 -U postgres --if-exists "$TEST_DB" 2>/dev/null || true
}
drop_test_databases
createdb -h 127.0.0.1 -U postgres "$TEST_DB"
trap drop_test_databases EXIT
if [ -x "$REPO/scripts/ensure-chromium.sh" ]; then
  step "Making sure Chromium is installed (browser tests)"
  "$REPO/scripts/ensure-chromium.sh"
fi

step "Lint: black, isort, flake8"
cd "$REPO"
code_dirs=(saleor_o2o graphql migrations tests)
[ -d bench ] && code_dirs+=(bench)
"$VENV/bin/black" --check -q "${code_dirs[@]}"
"$VENV/bin/isort" --check-only -q "${code_dirs[@]}"
"$VENV/bin/flake8" "${code_dirs[@]}"

step "Checking that the models and migrations agree"
django_admin makemigrations --check --dry-run saleor_o2o >/dev/null \
  || { echo "Models changed without a migration: run 'make migrations'." >&2; exit 1; }

step "Running the tests (database $TEST_DB)"
"$VENV/bin/pytest" -p no:cacheprovider "$@"
