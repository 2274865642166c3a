#!/usr/bin/env bash
# Run the whole test suite on this machine: the same set-up as the demo (virtualenv,
# PostgreSQL, Redis), plus Debian's Chromium for the browser tests. Extra arguments go
# to pytest (e.g. scripts/test.sh -k locator).
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/bootstrap.sh"

ensure_venv
ensure_postgres
ensure_redis
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

step "Running the tests"
exec "$VENV/bin/pytest" -p no:cacheprovider "$@"
