"""Delivering O2O events to Saleor webhooks, reliably, to those allowed to have them.

`events_record` writes each event and one `WebhookDelivery` per subscribed webhook in
the transaction of the change. From there:

* on commit, `deliveries_kick` asks Celery to send what is due; if the broker is down
  the periodic sweep (Celery beat) does it later;
* a worker *leases* due deliveries (`deliveries_claim`, ``SKIP LOCKED``), so two
  workers never send the same one at once; a worker killed mid-send leaves a lease
  that runs out, and the delivery is sent again;
* each webhook's leased deliveries are sent in order on a thread of their own (a
  *lane*, `deliveries_send_due`), so a slow or dead receiver delays only its own;
* each attempt is a POST signed exactly as Saleor signs its own webhooks
  (`create_webhook_headers`), plus an idempotency key that is the same on every
  attempt, to a public address only (`webhook_http`), and only while the webhook
  and its app are active and the app holds the event's permission; each attempt is
  recorded (`WebhookAttempt`: status code, timing, an error class, never the answer);
* failures are retried with exponential backoff; after the plugin's maximum number
  of attempts, or at once when a retry cannot help, the delivery is DEAD, for its
  app or staff to list and retry.

Apps see and change only their own webhooks' subscriptions and deliveries; staff
with MANAGE_WEBHOOKS see every delivery (`deliveries_visible_to`).
"""

import logging
from typing import Dict, Iterable, List

from django.db import transaction
from django.utils import timezone
from saleor.app.models import App
from saleor.webhook.models import Webhook

from saleor_o2o.core.errors import InvalidInput, NotFound, O2OError
from saleor_o2o.webhook import http as webhook_http
from saleor_o2o.webhook.events import O2OEventType, deliveries_kick
from saleor_o2o.webhook.models import (
    DeliveryStatus,
    WebhookDelivery,
    WebhookSubscription,
)

logger = logging.getLogger(__name__)


def delivery_retry(*, delivery: WebhookDelivery) -> WebhookDelivery:
    """Give a dead delivery a new round of attempts, starting now."""
    with transaction.atomic():
        delivery = WebhookDelivery.objects.select_for_update().get(pk=delivery.pk)
        if delivery.status != DeliveryStatus.DEAD:
            raise InvalidInput(
                "Only dead deliveries can be retried; this one is "
                f"{delivery.status.upper()}.",
                field="id",
                code="NOT_DEAD",
            )
        delivery.status = DeliveryStatus.PENDING
        delivery.attempts = 0
        delivery.next_attempt_at = timezone.now()
        delivery.leased_until = None
        delivery.save(
            update_fields=["status", "attempts", "next_attempt_at", "leased_until"]
        )
        transaction.on_commit(deliveries_kick)
    return delivery


def _permissions_missing(app: App, event_types: Iterable[str]) -> Dict[str, List[str]]:
    """Return ``{permission name: [event types]}`` the app would need and lacks."""
    granted = {
        f"{app_label}.{codename}"
        for app_label, codename in app.permissions.values_list(
            "content_type__app_label", "codename"
        )
    }
    missing: Dict[str, List[str]] = {}
    for event_type in event_types:
        permission = O2OEventType.PERMISSIONS[event_type]
        if permission.value not in granted:
            missing.setdefault(permission.name, []).append(event_type)
    return missing


def webhook_subscriptions_set(
    *, webhook: Webhook, event_types: Iterable[str]
) -> List[str]:
    """Make the webhook subscribe to exactly these O2O event types; return them.

    The webhook's app must hold each event's permission, and its target must be
    able to receive events (http(s), and public unless private targets are
    allowed); unsubscribing from everything is always possible.
    """
    known = {value for value, _ in O2OEventType.CHOICES}
    wanted = sorted(set(event_types))
    unknown = [value for value in wanted if value not in known]
    if unknown:
        raise NotFound(f"Unknown O2O event types: {', '.join(unknown)}.")
    if wanted:
        missing = _permissions_missing(webhook.app, wanted)
        if missing:
            needs = "; ".join(
                f"{name} for {', '.join(types)}" for name, types in missing.items()
            )
            raise O2OError(
                f"The webhook's app lacks the permissions these events need: {needs}.",
                field="events",
                code="OUT_OF_SCOPE_PERMISSION",
            )
        webhook_http.target_check(webhook.target_url, field="webhookId")
    with transaction.atomic():
        Webhook.objects.select_for_update().filter(pk=webhook.pk).first()
        WebhookSubscription.objects.filter(webhook=webhook).exclude(
            event_type__in=wanted
        ).delete()
        have = set(
            WebhookSubscription.objects.filter(webhook=webhook).values_list(
                "event_type", flat=True
            )
        )
        WebhookSubscription.objects.bulk_create(
            WebhookSubscription(webhook=webhook, event_type=value)
            for value in wanted
            if value not in have
        )
    return wanted


# Reads, answered for the requestor ------------------------------------------------
#
# A requestor is an app (``app``) or a user (``user``), as Saleor's API sees them.
# An app manages its own webhooks only, as Saleor's ``webhook(id)`` answers; staff
# with MANAGE_WEBHOOKS manage all of them, as in Saleor's dashboard.
