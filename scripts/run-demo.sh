#!/usr/bin/env bash
# Run Saleor 2.10 with the O2O extension and demo data at http://127.0.0.1:8000/graphql/
# (with a Celery worker and beat). Safe to run again; Ctrl-C stops everything.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/bootstrap.sh"

PORT="${PORT:-8000}"
export CELERY_BROKER_URL="${CELERY_BROKER_URL:-redis://127.0.0.1:6379/0}"
export ALLOWED_HOSTS="${ALLOWED_HOSTS:-127.0.0.1,localhost}"

ensure_venv
ensure_postgres
ensure_redis

DB_NAME="${DATABASE_URL##*/}"
if ! psql -h 127.0.0.1 -U postgres -tAc "SELECT 1 FROM pg_database WHERE datname='$DB_NAME'" | grep -q 1; then
  step "Creating database $DB_NAME"
  createdb -h 127.0.0.1 -U postgres "$DB_NAME"
fi
step "Migrating (the first time applies Saleor's 441 migrations, about 40 s)"
django_admin migrate --no-input -v 1 | grep -E "Applying|No migrations" | sed 's/^/  /' || true
step "Loading demo data (Saleor's catalogue the first time, then O2O stores)"
django_admin o2o_populatedb --with-saleor-catalogue

pids=()
cleanup() {
  trap - INT TERM EXIT
  echo
  step "Stopping"
  for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
  echo "Stopped."
}
trap cleanup INT TERM EXIT

step "Starting the demo webhook receiver on 127.0.0.1:8765 (.o2o/logs/webhooks.log)"
(cd "$RUN_DIR" && exec "$VENV/bin/django-admin" o2o_webhook_receiver --port 8765 \
  --secret demo-secret >"$RUN_DIR/logs/webhooks.log" 2>&1) &
pids+=($!)

step "Starting the Celery worker and beat (logs in .o2o/logs/)"
(cd "$RUN_DIR" && exec "$VENV/bin/celery" -A saleor.celeryconf:app worker --beat \
  --loglevel INFO --concurrency 2 --schedule "$RUN_DIR/celerybeat-schedule" \
  >"$RUN_DIR/logs/celery.log" 2>&1) &
pids+=($!)

step "Starting Saleor with the O2O extension on http://127.0.0.1:$PORT/graphql/"
(cd "$RUN_DIR" && exec "$VENV/bin/uwsgi" --http "127.0.0.1:$PORT" --module saleor.wsgi:application \
  --master --processes 2 --threads 2 --die-on-term --need-app --disable-logging \
  --env "DJANGO_SETTINGS_MODULE=$DJANGO_SETTINGS_MODULE" \
  >"$RUN_DIR/logs/uwsgi.log" 2>&1) &
pids+=($!)

for _ in $(seq 60); do
  curl -fsS -o /dev/null -H 'Content-Type: application/json' \
    -d '{"query":"{ shop { name } }"}' "http://127.0.0.1:$PORT/graphql/" && break
  sleep 1
done
if ! curl -fsS -o /dev/null -H 'Content-Type: application/json' \
    -d '{"query":"{ shop { name } }"}' "http://127.0.0.1:$PORT/graphql/"; then
  echo "The server did not start; see $RUN_DIR/logs/uwsgi.log:" >&2
  tail -20 "$RUN_DIR/logs/uwsgi.log" >&2
  exit 1
fi

cat <<MSG

  Saleor + O2O is running.
    GraphQL API and playground:  http://127.0.0.1:$PORT/graphql/
    Admin login (tokenCreate):   admin@example.com / admin
    Logs:                        $RUN_DIR/logs/

  Try the stores nearest the Louvre, Paris:
    curl -s http://127.0.0.1:$PORT/graphql/ -H 'Content-Type: application/json' \\
      -d '{"query":"{ stores(near: {latitude: 48.8606, longitude: 2.3376}, radiusKm: 25, first: 5) { edges { node { name distanceKm isOpenNow nextOpening } } } }"}'

  Walk a pickup order from RECEIVED to COLLECTED and watch its signed webhooks:
    make demo-pickup

  Press Ctrl-C to stop.
MSG
status=0
wait -n "${pids[@]}" || status=$?
# 130/143: stopped by Ctrl-C or a TERM signal, as asked.
if [ "$status" -ne 0 ] && [ "$status" -ne 130 ] && [ "$status" -ne 143 ]; then
  echo "A process stopped unexpectedly (status $status); see $RUN_DIR/logs/." >&2
  exit "$status"
fi
