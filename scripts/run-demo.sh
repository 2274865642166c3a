#!/usr/bin/env bash
# Run Saleor 2.10 with the O2O extension and demo data at http://127.0.0.1:8000/graphql/
# (with a Celery worker and beat). Safe to run again; Ctrl-C stops everything.
#
# Ports and addresses, each an environment variable (README, "Set up"):
#   PORT               the GraphQL API and playground (8000)
#   WEBHOOK_PORT       the demo webhook receiver (8765)
#   DATABASE_URL       PostgreSQL (postgres://postgres@127.0.0.1:5432/saleor_o2o)
#   CELERY_BROKER_URL  Redis, Celery's broker (redis://127.0.0.1:6379/0)
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/bootstrap.sh"
source "$(dirname "${BASH_SOURCE[0]}")/servers.sh"
servers_signals_reset "$@"

PORT="${PORT:-8000}"
WEBHOOK_PORT="${WEBHOOK_PORT:-8765}"
export CELERY_BROKER_URL="${CELERY_BROKER_URL:-redis://127.0.0.1:6379/0}"
export ALLOWED_HOSTS="${ALLOWED_HOSTS:-127.0.0.1,localhost}"
# cryptography's notice that Python 3.8 is old, printed by every command.
export PYTHONWARNINGS="${PYTHONWARNINGS:-ignore:Python 3.8 is no longer supported}"

for variable in PORT WEBHOOK_PORT; do
  port="${!variable}"
  if ! [[ "$port" =~ ^[0-9]+$ ]] || [ "$port" -lt 1 ] || [ "$port" -gt 65535 ]; then
    echo "$variable must be a port number; got '$port'." >&2
    exit 1
  fi
  if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
    echo "Port $port is in use: choose another with $variable=... (see README, \"Set up\")." >&2
    exit 1
  fi
done
if [ "$PORT" = "$WEBHOOK_PORT" ]; then
  echo "PORT and WEBHOOK_PORT must differ." >&2
  exit 1
fi

trap 'echo; echo "Interrupted."; exit 130' INT TERM HUP

ensure_venv
ensure_postgres
ensure_redis

DB_NAME="${DATABASE_URL##*/}"
DB_NAME="${DB_NAME%%\?*}"
if ! psql "$(postgres_admin_url)" -tAc "SELECT 1 FROM pg_database WHERE datname='$DB_NAME'" | grep -q 1; then
  step "Creating database $DB_NAME"
  psql "$(postgres_admin_url)" -qc "CREATE DATABASE \"$DB_NAME\""
fi

step "Migrating (the first time: some 460 migrations, about a minute)"
migrate_log="$RUN_DIR/logs/migrate.log"
# One line counting the migrations applied (rewritten in place on a terminal).
if [ -t 1 ]; then count_every=1; else count_every=0; fi
if ! django_admin migrate --no-input -v 1 2>&1 | tee "$migrate_log" | awk -v live="$count_every" '
    /^  Applying / { applied++; if (live) { printf "\r  %d applied", applied; fflush() } }
    END {
      if (live && applied) printf "\r"
      if (applied) printf "  %d migrations applied\n", applied
      else print "  The database is up to date."
    }'; then
  echo "Migrating failed; the end of $migrate_log:" >&2
  tail -n 30 "$migrate_log" | sed 's/^/    /' >&2
  exit 1
fi

step "Loading demo data (Saleor's catalogue the first time, then O2O stores)"
# Saleor's populatedb prints a line per object: those go to the log only.
populate_log="$RUN_DIR/logs/populatedb.log"
if ! django_admin o2o_populatedb --with-saleor-catalogue \
    --webhook-url "http://127.0.0.1:$WEBHOOK_PORT/" 2>&1 | tee "$populate_log" \
    | { grep -E '^(  |Demo stores)' || true; }; then
  echo "Loading the demo data failed; the end of $populate_log:" >&2
  tail -n 30 "$populate_log" | sed 's/^/    /' >&2
  exit 1
fi

trap servers_interrupted INT TERM HUP
trap servers_stop EXIT

step "Starting the demo webhook receiver on 127.0.0.1:$WEBHOOK_PORT (.o2o/logs/webhooks.log)"
server_start "webhook receiver" "$RUN_DIR/logs/webhooks.log" "$RUN_DIR" \
  "$VENV/bin/django-admin" o2o_webhook_receiver --port "$WEBHOOK_PORT" --secret demo-secret

step "Starting the Celery worker and beat (logs in .o2o/logs/)"
server_start "Celery worker" "$RUN_DIR/logs/celery.log" "$RUN_DIR" \
  "$VENV/bin/celery" -A saleor.celeryconf:app worker --beat \
  --loglevel INFO --concurrency 2 --schedule "$RUN_DIR/celerybeat-schedule"

step "Starting Saleor with the O2O extension on http://127.0.0.1:$PORT/graphql/"
server_start "GraphQL server (uwsgi)" "$RUN_DIR/logs/uwsgi.log" "$RUN_DIR" \
  "$VENV/bin/uwsgi" --http "127.0.0.1:$PORT" --module saleor.wsgi:application \
  --master --processes 2 --threads 2 --die-on-term --need-app --disable-logging \
  --env "DJANGO_SETTINGS_MODULE=$DJANGO_SETTINGS_MODULE"

api_answers() {
  curl -fs -o /dev/null -H 'Content-Type: application/json' \
    -d '{"query":"{ shop { name } }"}' "http://127.0.0.1:$PORT/graphql/"
}
for _ in $(seq 60); do
  servers_check
  api_answers && break
  sleep 1
done
if ! api_answers; then
  echo "The server did not answer within a minute; see $RUN_DIR/logs/uwsgi.log:" >&2
  tail -20 "$RUN_DIR/logs/uwsgi.log" >&2
  exit 1
fi

cat <<MSG

  Saleor + O2O is running.
    GraphQL API and playground:  http://127.0.0.1:$PORT/graphql/
    Admin login (tokenCreate):   admin@example.com / admin
    Webhook receiver:            http://127.0.0.1:$WEBHOOK_PORT/ (events in .o2o/logs/webhooks.log)
    Logs:                        $RUN_DIR/logs/

  Try the stores nearest the Louvre, Paris:
    curl -s http://127.0.0.1:$PORT/graphql/ -H 'Content-Type: application/json' \\
      -d '{"query":"{ stores(near: {latitude: 48.8606, longitude: 2.3376}, radiusKm: 25, first: 5) { edges { node { name distanceKm isOpenNow nextOpening } } } }"}'

  Walk a pickup order from RECEIVED to COLLECTED and watch its signed webhooks:
    make demo-pickup

  Press Ctrl-C to stop.
MSG
servers_watch
