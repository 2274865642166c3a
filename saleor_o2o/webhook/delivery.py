"""Delivering one O2O webhook: claim, sign, post, record the attempt."""

import json
import logging
import time
from datetime import datetime, timedelta
from typing import Collection, Dict, Iterable, List, Optional, Tuple

from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone
from saleor.app.models import App
from saleor.plugins.webhook import create_webhook_headers
from saleor.webhook.models import Webhook

from saleor_o2o.core.settings import webhook_deployment
from saleor_o2o.webhook import http as webhook_http
from saleor_o2o.webhook import policy, targets
from saleor_o2o.webhook.events import permission_lookup
from saleor_o2o.webhook.models import (
    DeliveryStatus,
    O2OEvent,
    WebhookAttempt,
    WebhookDelivery,
)
from saleor_o2o.webhook.policy import AttemptError

logger = logging.getLogger(__name__)


#: Header carrying the delivery's idempotency key.
IDEMPOTENCY_HEADER = "X-O2O-Idempotency-Key"


#: Header carrying the attempt number (1 for the first).
ATTEMPT_HEADER = "X-O2O-Attempt"


#: How many deliveries a worker leases at a time.
BATCH_SIZE = 50


#: A lane reads whether its webhook may still receive events at most this often.
ACCESS_SECONDS = 1.0


def delivery_body(event: O2OEvent) -> str:
    """Return the JSON sent for an event: a list of one object, as Saleor sends."""
    data = {
        "event_id": event.pk,
        "event_type": event.type,
        "occurred_at": event.created_at.isoformat(),
        **event.payload,
    }
    return json.dumps([data], cls=DjangoJSONEncoder)


def _lease() -> timedelta:
    return timedelta(seconds=webhook_deployment().lease_seconds)


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


def deliveries_release(deliveries: Iterable[WebhookDelivery]) -> None:
    """Give back leases this worker still holds, unsent, for the next run to take."""
    for delivery in deliveries:
        WebhookDelivery.objects.filter(
            pk=delivery.pk,
            status=DeliveryStatus.PENDING,
            leased_until=delivery.leased_until,
        ).update(leased_until=None)


def deliveries_claim(
    *,
    limit: int = BATCH_SIZE,
    now: Optional[datetime] = None,
    exclude_webhook_ids: Collection[int] = (),
    max_webhooks: Optional[int] = None,
    per_webhook: Optional[int] = None,
) -> List[WebhookDelivery]:
    """Lease up to ``limit`` due deliveries to this worker, oldest due first.

    Deliveries of ``exclude_webhook_ids`` (webhooks this worker is sending to) are
    left alone; at most ``max_webhooks`` webhooks and ``per_webhook`` deliveries of
    each are taken, when given.
    """
    now = now or timezone.now()
    lease = _lease()
    capped = max_webhooks is not None or per_webhook is not None
    with transaction.atomic():
        due = (
            WebhookDelivery.objects.select_for_update(skip_locked=True)
            .filter(status=DeliveryStatus.PENDING, next_attempt_at__lte=now)
            .exclude(leased_until__gt=now)
        )
        if exclude_webhook_ids:
            due = due.exclude(webhook_id__in=list(exclude_webhook_ids))
        rows = due.order_by("next_attempt_at", "pk").values_list("pk", "webhook_id")
        ids: List[int] = []
        taken: Dict[int, int] = {}
        for pk, webhook_id in rows[: limit * 4 if capped else limit]:
            if len(ids) == limit:
                break
            if webhook_id not in taken:
                if max_webhooks is not None and len(taken) >= max_webhooks:
                    continue
                taken[webhook_id] = 0
            if per_webhook is not None and taken[webhook_id] >= per_webhook:
                continue
            taken[webhook_id] += 1
            ids.append(pk)
        if ids:
            WebhookDelivery.objects.filter(pk__in=ids).update(leased_until=now + lease)
    deliveries = WebhookDelivery.objects.select_related(
        "event", "webhook", "webhook__app"
    ).in_bulk(ids)
    return [deliveries[pk] for pk in ids]


class DeliveryAccess:
    """Whether a webhook may receive an event type now, read at most every ``max_age``.

    It may while the webhook and its app are active and the app holds the event's
    permission; otherwise `refusal` says why (an AttemptError). A lane reads it
    once a second at most; a single attempt reads it afresh.
    """

    def __init__(self, webhook: Webhook, *, max_age: float = 0.0):
        self.webhook = webhook
        self.max_age = max_age
        self._read: Dict[str, Tuple[float, str]] = {}

    def refusal(self, event_type: str) -> str:
        now = time.monotonic()
        read_at, answer = self._read.get(event_type, (0.0, ""))
        if event_type not in self._read or now - read_at > self.max_age:
            answer = self._refusal(event_type)
            self._read[event_type] = (now, answer)
        return answer

    def _refusal(self, event_type: str) -> str:
        state = (
            Webhook.objects.filter(pk=self.webhook.pk)
            .annotate(
                holds=Exists(
                    App.objects.filter(
                        pk=OuterRef("app_id"), **permission_lookup(event_type)
                    )
                )
            )
            .values("is_active", "app__is_active", "holds")
            .first()
        )
        if state is None or not state["is_active"]:
            return AttemptError.WEBHOOK_INACTIVE
        if not state["app__is_active"]:
            return AttemptError.APP_INACTIVE
        if not state["holds"]:
            return AttemptError.PERMISSION_MISSING
        return ""


def delivery_attempt(
    delivery: WebhookDelivery,
    *,
    max_attempts: int,
    session=None,
    access: Optional[DeliveryAccess] = None,
) -> Optional[WebhookAttempt]:
    """POST a leased delivery once and record the attempt and its outcome.

    Returns None, sending nothing, if the lease was lost to another worker. A
    delivery that may not go out (webhook or app inactive, permission taken away,
    not an http(s) URL), or whose target is not public (unless allowed), is not
    sent: the attempt is recorded with its error class and the delivery is DEAD,
    to be retried once the cause is fixed.
    """
    if not _renew_lease(delivery):
        return None
    webhook = delivery.webhook
    event = delivery.event
    error = (access or DeliveryAccess(webhook)).refusal(event.type)
    if not error and targets.http_target(webhook.target_url) is None:
        error = AttemptError.INVALID_URL
    attempt_number = delivery.attempts + 1
    status_code = None
    started = time.monotonic()
    if not error:
        body = delivery_body(event)
        headers = {
            "Content-Type": "application/json",
            **create_webhook_headers(event.type, body, webhook.secret_key),
            IDEMPOTENCY_HEADER: str(delivery.key),
            ATTEMPT_HEADER: str(attempt_number),
        }
        http = session or webhook_http.session()
        try:
            status_code = webhook_http.post(
                http,
                webhook.target_url,
                body=body.encode("utf-8"),
                headers=headers,
                timeout=policy.TIMEOUT_SECONDS,
            )
        except Exception as exc:  # Whatever went wrong, it is one failed attempt.
            error = webhook_http.error_class(exc)
        finally:
            if session is None:
                http.close()
        if status_code is not None and not policy.is_success(status_code):
            error = AttemptError.for_status(status_code)
    duration_ms = int((time.monotonic() - started) * 1000)
    now = timezone.now()
    outcome = policy.after_attempt(
        status_code=status_code,
        attempts=attempt_number,
        max_attempts=max_attempts,
        now=now,
        base=timedelta(seconds=webhook_deployment().retry_base_seconds),
        error=error,
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
            targets.without_credentials(webhook.target_url),
            attempt_number,
            error,
        )
    return attempt


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
