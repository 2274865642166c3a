"""Settings for the demo server and the test suite: Saleor's own, plus the extension.

A merchant's project makes the same three changes to its settings (see README).
"""

import os
import sys

os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/saleor_o2o")
os.environ.setdefault("SECRET_KEY", "saleor-o2o-sandbox-not-for-production")
# Saleor defaults to DEBUG on, which answers every error with a stack trace; the demo
# runs as a shop would (DEBUG=True in the environment turns it back on).
os.environ.setdefault("DEBUG", "False")
os.environ.setdefault("ALLOWED_CLIENT_HOSTS", "localhost,127.0.0.1")
# The demo has no storefront to send account confirmation links to.
os.environ.setdefault("ENABLE_ACCOUNT_CONFIRMATION_BY_EMAIL", "False")

from saleor.settings import *  # noqa: E402,F401,F403
from saleor.settings import INSTALLED_APPS, PLUGINS  # noqa: E402


def _is_checkout_root(path: str) -> bool:
    path = os.path.abspath(path or ".")
    return os.path.isfile(os.path.join(path, "setup.cfg")) and os.path.isfile(
        os.path.join(path, "graphql", "__init__.py")
    )


# Importing Saleor creates its Celery app, whose Django fix-up puts the working
# directory first on sys.path. Started from this repository's root, that lets the
# top-level graphql/ folder hide the graphql-core library: take it off again.
sys.path[:] = [path for path in sys.path if not _is_checkout_root(path)]

# 1. The app (models, migrations, tasks, templates, commands).
INSTALLED_APPS = [*INSTALLED_APPS, "saleor_o2o"]
# 2. The plugin: merchants switch it on and configure it on the Plugins page.
PLUGINS = [*PLUGINS, "saleor_o2o.plugin.O2OPlugin"]
# 3. The URLconf: /graphql/ serves Saleor's schema extended with the O2O fields.
ROOT_URLCONF = "saleor_o2o.urls"

CELERY_BEAT_SCHEDULE = {
    "o2o-geocode-pending-stores": {
        "task": "saleor_o2o.tasks.geocode_pending_stores_task",
        "schedule": 600.0,
    },
    "o2o-purge-pickup-reservations": {
        "task": "saleor_o2o.tasks.purge_pickup_reservations_task",
        "schedule": 300.0,
    },
    "o2o-send-pending-pickup-emails": {
        "task": "saleor_o2o.tasks.send_pending_pickup_emails_task",
        "schedule": 120.0,
    },
    "o2o-send-pending-local-delivery-emails": {
        "task": "saleor_o2o.tasks.send_pending_local_delivery_emails_task",
        "schedule": 120.0,
    },
    "o2o-send-pending-store-event-emails": {
        "task": "saleor_o2o.tasks.send_pending_store_event_emails_task",
        "schedule": 120.0,
    },
    "o2o-purge-webhook-deliveries": {
        "task": "saleor_o2o.tasks.purge_webhook_deliveries_task",
        "schedule": 24 * 3600.0,
    },
    # A completion whose process died after the payment: refund it.
    "o2o-refund-orphaned-payments": {
        "task": "saleor_o2o.tasks.refund_orphaned_payments_task",
        "schedule": 600.0,
    },
    # Product views past their retention (30 days), impression marks of past days.
    "o2o-purge-shopper-signals": {
        "task": "saleor_o2o.tasks.purge_shopper_signals_task",
        "schedule": 3600.0,
    },
    "o2o-expire-pickups": {
        "task": "saleor_o2o.tasks.expire_pickups_task",
        "schedule": 300.0,
    },
    # Try-on holds whose time is up: closed, the shopper told (their units stopped
    # counting at the end of the hold already).
    "o2o-expire-try-ons": {
        "task": "saleor_o2o.tasks.expire_try_ons_task",
        "schedule": 300.0,
    },
    "o2o-send-pending-try-on-emails": {
        "task": "saleor_o2o.tasks.send_pending_try_on_emails_task",
        "schedule": 300.0,
    },
    # Appointment reminders (24 h before) and no-shows (15 min after the start).
    "o2o-sweep-appointments": {
        "task": "saleor_o2o.tasks.sweep_appointments_task",
        "schedule": 60.0,
    },
    "o2o-send-pending-appointment-emails": {
        "task": "saleor_o2o.tasks.send_pending_appointment_emails_task",
        "schedule": 120.0,
    },
    # Checked-in shoppers leave the occupancy figure after the store's dwell time.
    "o2o-occupancy-departures": {
        "task": "saleor_o2o.tasks.occupancy_departures_task",
        "schedule": 60.0,
    },
    # Occupancy history and busy hours: one sample of every store a quarter hour.
    "o2o-occupancy-samples": {
        "task": "saleor_o2o.tasks.occupancy_samples_task",
        "schedule": 900.0,
    },
    # Retries, and deliveries whose hand-over to Celery failed (broker down).
    "o2o-deliver-webhooks": {
        "task": "saleor_o2o.tasks.deliver_webhooks_task",
        "schedule": float(os.environ.get("O2O_WEBHOOK_SWEEP_SECONDS", "10")),
    },
}

# When the broker is down, publishing a task gives up after about a second instead of
# retrying for minutes while the request that queued it waits (Saleor's tasks too).
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "max_retries": 3,
    "interval_start": 0,
    "interval_step": 0.2,
    "interval_max": 0.5,
}

#: How long a worker owns a webhook delivery it is sending (see webhook.delivery).
O2O_WEBHOOK_LEASE_SECONDS = float(os.environ.get("O2O_WEBHOOK_LEASE_SECONDS", "60"))
#: First retry of a failed webhook delivery after this long, then doubling.
O2O_WEBHOOK_RETRY_BASE_SECONDS = float(
    os.environ.get("O2O_WEBHOOK_RETRY_BASE_SECONDS", "10")
)
#: The demo's webhook receiver and the tests' receivers listen on 127.0.0.1: let O2O
#: webhooks reach private addresses here. A shop leaves this unset (False), so that
#: webhooks reach public addresses only (see README).
O2O_WEBHOOK_ALLOW_PRIVATE_TARGETS = os.environ.get(
    "O2O_WEBHOOK_ALLOW_PRIVATE_TARGETS", "true"
).lower() in ("1", "true", "yes")
