"""Delivering O2O events to Saleor webhooks, reliably.

`events_record` writes each event and one `WebhookDelivery` per subscribed webhook in
the transaction of the change. From there:

* on commit, `deliveries_kick` asks Celery to send what is due; if the broker is down
  the periodic sweep (Celery beat) does it later;
* a worker *leases* due deliveries (`deliveries_claim`, ``SKIP LOCKED``), so two
  workers never send the same one at once; a worker killed mid-send leaves a lease
  that runs out, and the delivery is sent again;
* each attempt is a POST signed exactly as Saleor signs its own webhooks
  (`create_webhook_headers`), plus an idempotency key that is the same on every
  attempt; each attempt is recorded (`WebhookAttempt`);
* failures are retried with exponential backoff; after the plugin's maximum number
  of attempts the delivery is DEAD, for staff to list and retry.
"""

import json
import logging
import time
from datetime import datetime, timedelta
from typing import Iterable, List, Optional, Sequence

import requests
from django.conf import settings as django_settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction
from django.utils import timezone
from saleor.plugins.webhook import create_webhook_headers
from saleor.webhook.models import Webhook

from .conf import get_o2o_settings
from .domain import delivery as policy
from .errors import InvalidInput, NotFound
from .models import (
    DeliveryStatus,
    O2OEvent,
    WebhookAttempt,
    WebhookDelivery,
    WebhookSubscription,
)

logger = logging.getLogger(__name__)

#: Header carrying the delivery's idempotency key.
IDEMPOTENCY_HEADER = "X-O2O-Idempotency-Key"
#: Header carrying the attempt number (1 for the first).
ATTEMPT_HEADER = "X-O2O-Attempt"
#: How many deliveries a worker leases at a time.
BATCH_SIZE = 50


def delivery_body(event: O2OEvent) -> str:
    """Return the JSON sent for an event: a list of one object, as Saleor sends."""
    data = {
        "event_id": event.pk,
        "event_type": event.type,
        "occurred_at": event.created_at.isoformat(),
        **event.payload,
    }
    return json.dumps([data], cls=DjangoJSONEncoder)


def deliveries_kick() -> None:
    """Ask a worker to send due deliveries now; the periodic sweep covers failures."""
    from .tasks import deliver_webhooks_task, enqueue

    enqueue(deliver_webhooks_task)


def _lease() -> timedelta:
    return timedelta(
        seconds=getattr(
            django_settings, "O2O_WEBHOOK_LEASE_SECONDS", policy.LEASE.total_seconds()
        )
    )


def _renew_lease(delivery: WebhookDelivery) -> bool:
    """Extend this worker's lease on a delivery; False if another worker took it.

    A worker leases a batch, then sends it one by one: before each send the lease is
    renewed, on the condition that it is still the one this worker holds, so a
    delivery whose lease ran out meanwhile is left to the worker that took it over.
    """
    renewed_until = timezone.now() + _lease()
    renewed = WebhookDelivery.objects.filter(
        pk=delivery.pk,
        status=DeliveryStatus.PENDING,
        leased_until=delivery.leased_until,
    ).update(leased_until=renewed_until)
    if renewed:
        delivery.leased_until = renewed_until
    return bool(renewed)


def deliveries_claim(
    *, limit: int = BATCH_SIZE, now: Optional[datetime] = None
) -> List[WebhookDelivery]:
    """Lease up to ``limit`` due deliveries to this worker, oldest due first."""
    now = now or timezone.now()
    lease = _lease()
    with transaction.atomic():
        ids = list(
            WebhookDelivery.objects.select_for_update(skip_locked=True)
            .filter(status=DeliveryStatus.PENDING, next_attempt_at__lte=now)
            .exclude(leased_until__gt=now)
            .order_by("next_attempt_at", "pk")
            .values_list("pk", flat=True)[:limit]
        )
        if ids:
            WebhookDelivery.objects.filter(pk__in=ids).update(leased_until=now + lease)
    deliveries = WebhookDelivery.objects.select_related("event", "webhook").in_bulk(ids)
    return [deliveries[pk] for pk in ids]


def delivery_attempt(
    delivery: WebhookDelivery,
    *,
    max_attempts: int,
    session: Optional[requests.Session] = None,
) -> Optional[WebhookAttempt]:
    """POST a leased delivery once and record the attempt and its outcome.

    Returns None, sending nothing, if the lease was lost to another worker.
    """
    if not _renew_lease(delivery):
        return None
    webhook = delivery.webhook
    body = delivery_body(delivery.event)
    attempt_number = delivery.attempts + 1
    headers = {
        "Content-Type": "application/json",
        **create_webhook_headers(delivery.event.type, body, webhook.secret_key),
        IDEMPOTENCY_HEADER: str(delivery.key),
        ATTEMPT_HEADER: str(attempt_number),
    }
    status_code = None
    error = ""
    started = time.monotonic()
    if not webhook.target_url.lower().startswith(("http://", "https://")):
        error = "Only http:// and https:// target URLs can receive O2O events."
    else:
        try:
            response = (session or requests).post(
                webhook.target_url,
                data=body.encode("utf-8"),
                headers=headers,
                timeout=policy.TIMEOUT_SECONDS,
                allow_redirects=False,
            )
            status_code = response.status_code
            if not policy.is_success(status_code):
                error = response.text[:500]
        except requests.RequestException as exc:
            error = f"{type(exc).__name__}: {exc}"[:500]
    duration_ms = int((time.monotonic() - started) * 1000)
    now = timezone.now()
    outcome = policy.after_attempt(
        status_code=status_code,
        attempts=attempt_number,
        max_attempts=max_attempts,
        now=now,
        base=timedelta(
            seconds=getattr(
                django_settings,
                "O2O_WEBHOOK_RETRY_BASE_SECONDS",
                policy.BASE_DELAY.total_seconds(),
            )
        ),
    )
    with transaction.atomic():
        attempt = WebhookAttempt.objects.create(
            delivery=delivery,
            succeeded=outcome.status == DeliveryStatus.DELIVERED,
            response_status_code=status_code,
            duration_ms=duration_ms,
            error=error,
        )
        # Only the lease holder decides the delivery's state: a worker that lost its
        # lease mid-send records its attempt but leaves the state to the new holder.
        WebhookDelivery.objects.filter(
            pk=delivery.pk, leased_until=delivery.leased_until
        ).update(
            status=outcome.status,
            attempts=attempt_number,
            next_attempt_at=outcome.next_attempt_at or now,
            leased_until=None,
            delivered_at=now if outcome.status == DeliveryStatus.DELIVERED else None,
        )
    if outcome.status == DeliveryStatus.DEAD:
        logger.error(
            "O2O webhook delivery %s to %s is dead after %d attempts: %s",
            delivery.key,
            webhook.target_url,
            attempt_number,
            error or status_code,
        )
    return attempt


def deliveries_send_due(*, max_batches: int = 20) -> int:
    """Send due deliveries in leased batches; return how many attempts were made."""
    max_attempts = get_o2o_settings().webhook_max_attempts
    sent = 0
    with requests.Session() as session:
        for _ in range(max_batches):
            batch = deliveries_claim()
            if not batch:
                break
            for delivery in batch:
                attempt = delivery_attempt(
                    delivery, max_attempts=max_attempts, session=session
                )
                sent += attempt is not None
    return sent


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


def webhook_subscriptions_set(
    *, webhook: Webhook, event_types: Iterable[str]
) -> List[str]:
    """Make the webhook subscribe to exactly these O2O event types; return them."""
    from .events import O2OEventType

    known = {value for value, _ in O2OEventType.CHOICES}
    wanted = sorted(set(event_types))
    unknown = [value for value in wanted if value not in known]
    if unknown:
        raise NotFound(f"Unknown O2O event types: {', '.join(unknown)}.")
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


def webhook_event_types(webhook_ids: Sequence[int]) -> dict:
    """Return ``{webhook_id: [event types]}`` for these webhooks."""
    result: dict = {pk: [] for pk in webhook_ids}
    rows = WebhookSubscription.objects.filter(webhook_id__in=webhook_ids).order_by(
        "event_type"
    )
    for webhook_id, event_type in rows.values_list("webhook_id", "event_type"):
        result[webhook_id].append(event_type)
    return result


def signature_valid(body: bytes, secret: str, header: str) -> bool:
    """Check an ``X-Saleor-HMAC-SHA256`` header as a receiver should (constant time).

    Saleor 2.10 writes the SHA-256 HMAC of the body as hex after a ``sha1=`` prefix.
    """
    import hashlib
    import hmac

    digest = hmac.new(secret.encode("utf-8"), body, hashlib.sha256).hexdigest()
    return hmac.compare_digest((header or "").encode(), f"sha1={digest}".encode())


#: Delivered deliveries, their attempts and their events are kept this long.
RETENTION = timedelta(days=30)


def deliveries_purge(*, before: Optional[datetime] = None) -> int:
    """Delete delivered deliveries older than `RETENTION`, and events left with none.

    Pending and dead deliveries are kept, whatever their age, with their events.
    Returns how many deliveries were deleted.
    """
    cutoff = before or timezone.now() - RETENTION
    _, deleted = WebhookDelivery.objects.filter(
        status=DeliveryStatus.DELIVERED, delivered_at__lt=cutoff
    ).delete()
    O2OEvent.objects.filter(created_at__lt=cutoff, deliveries__isnull=True).delete()
    return deleted.get(WebhookDelivery._meta.label, 0)
