#!/usr/bin/env bash
# Shared set-up for scripts/run-demo.sh and scripts/test.sh: a CPython 3.8 virtualenv
# with Saleor 2.10.1, the extension and its pins, and PostgreSQL and Redis running.
# Sourced, not run: it exports VENV, PY, REPO and the settings module.
set -euo pipefail

REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENV="${O2O_VENV:-$REPO/.venv}"
PY="$VENV/bin/python"
export DJANGO_SETTINGS_MODULE="${DJANGO_SETTINGS_MODULE:-saleor_o2o.sandbox.settings}"
export DATABASE_URL="${DATABASE_URL:-postgres://postgres@127.0.0.1:5432/saleor_o2o}"
# Commands run from here, never from the repository root: its graphql/ folder would
# hide the graphql-core library if the root landed on sys.path.
RUN_DIR="$REPO/.o2o"
mkdir -p "$RUN_DIR/logs"

_t0=$SECONDS
step() { printf '\033[1m==> %s\033[0m (%ds)\n' "$*" $((SECONDS - _t0)); }

find_python38() {
  local candidate
  if command -v pyenv >/dev/null 2>&1; then
    for candidate in "$(pyenv root)"/versions/3.8.*/bin/python; do
      [ -x "$candidate" ] && { echo "$candidate"; return; }
    done
  fi
  for candidate in python3.8 /usr/bin/python3.8 /usr/local/bin/python3.8; do
    if command -v "$candidate" >/dev/null 2>&1 \
       && "$candidate" -c 'import sys; assert sys.version_info[:2] == (3, 8)' 2>/dev/null; then
      command -v "$candidate"; return
    fi
  done
  echo "CPython 3.8 not found: Saleor 2.10.1 needs it (e.g. 'pyenv install 3.8.18')." >&2
  return 1
}

ensure_venv() {
  if [ ! -x "$PY" ]; then
    step "Creating the CPython 3.8 virtualenv in $VENV"
    "$(find_python38)" -m venv "$VENV"
  fi
  # The install is redone only when what it depends on changed.
  local stamp="$VENV/.o2o-installed" want
  want="$(cat "$REPO/setup.cfg" "$REPO/constraints.txt" "$REPO/pyproject.toml" | sha256sum | cut -c1-16)"
  if [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
    step "Installing Saleor 2.10.1, the extension and the test tools (about a minute)"
    # pip 24.1+ refuses Celery 4.4's metadata ("pytz (>dev)").
    "$PY" -m pip install -q --disable-pip-version-check "pip<24.1" "setuptools>=64,<70" wheel
    "$PY" -m pip install -q --disable-pip-version-check -c "$REPO/constraints.txt" \
      -e "$REPO[test,dev]" 2>&1 | grep -v -E "^(WARNING: Location|DEPRECATION: celery)" || true
    (cd "$RUN_DIR" && "$PY" -c 'import saleor_o2o, saleor') 2>/dev/null || { echo "Install failed." >&2; return 1; }
    echo "$want" > "$stamp"
  fi
}

# "host:port" of a URL such as postgres://user:password@host:port/name, for messages.
url_address() { local rest="${1#*://}"; rest="${rest##*@}"; echo "${rest%%/*}"; }

# The server of DATABASE_URL (its host, port and user), through its postgres database.
postgres_admin_url() { echo "${DATABASE_URL%/*}/postgres"; }

ensure_postgres() {
  local admin_url
  admin_url="$(postgres_admin_url)"
  if ! pg_isready -q -d "$admin_url"; then
    step "Starting PostgreSQL"
    local version
    version="$(ls /etc/postgresql | sort -n | tail -1)"
    pg_ctlcluster --skip-systemctl-redirect "$version" main start
    for _ in $(seq 30); do pg_isready -q -d "$admin_url" && break; sleep 1; done
  fi
  pg_isready -q -d "$admin_url" || {
    echo "PostgreSQL is not answering at $(url_address "$DATABASE_URL") (DATABASE_URL)." >&2
    return 1
  }
}

ensure_redis() {
  # The broker the demo's Celery uses (CELERY_BROKER_URL), else Redis's default port.
  local url="${CELERY_BROKER_URL:-redis://127.0.0.1:6379/0}" port=6379
  [[ "$(url_address "$url")" =~ :([0-9]+)$ ]] && port="${BASH_REMATCH[1]}"
  if ! redis-cli -u "$url" ping >/dev/null 2>&1; then
    step "Starting Redis"
    mkdir -p /var/lib/redis /var/log/redis
    redis-server --daemonize yes --bind 127.0.0.1 -::1 --port "$port" --save "" \
      --appendonly no --dir /var/lib/redis --logfile /var/log/redis/ci.log
    for _ in $(seq 20); do redis-cli -u "$url" ping >/dev/null 2>&1 && break; sleep 0.5; done
  fi
  redis-cli -u "$url" ping >/dev/null 2>&1 || {
    echo "Redis is not answering at $(url_address "$url") (CELERY_BROKER_URL)." >&2
    return 1
  }
}

django_admin() { (cd "$RUN_DIR" && "$VENV/bin/django-admin" "$@"); }
