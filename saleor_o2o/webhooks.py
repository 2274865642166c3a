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

import json
import logging
import queue
import threading
import time
from datetime import datetime, timedelta
from typing import Collection, Dict, Iterable, List, Optional, Sequence, Set, Tuple

from django.conf import settings as django_settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import connection, transaction
from django.db.models import Exists, OuterRef, QuerySet
from django.utils import timezone
from saleor.app.models import App
from saleor.core.permissions import WebhookPermissions
from saleor.plugins.webhook import create_webhook_headers
from saleor.webhook.models import Webhook

from saleor_o2o import webhook_http
from saleor_o2o.conf import get_o2o_settings
from saleor_o2o.domain import delivery as policy
from saleor_o2o.domain import targets
from saleor_o2o.domain.delivery import AttemptError
from saleor_o2o.errors import InvalidInput, NotFound, O2OError
from saleor_o2o.events import O2OEventType, permission_lookup
from saleor_o2o.models import (
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
#: At most this many deliveries of one webhook are leased to one lane at a time.
LANE_SIZE = 10
#: Django setting: how many lanes (threads) one worker process runs at once.
SEND_THREADS = "O2O_WEBHOOK_SEND_THREADS"
DEFAULT_SEND_THREADS = 8
#: While lanes run, newly due deliveries of other webhooks are looked for this often.
POLL_SECONDS = 0.25
#: One run claims new work this long, then finishes what it holds (Celery task).
RUN_SECONDS = 60.0
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


def deliveries_kick() -> None:
    """Ask a worker to send due deliveries now; the periodic sweep covers failures."""
    from saleor_o2o.tasks import deliver_webhooks_task, enqueue

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


def _release(deliveries: Iterable[WebhookDelivery]) -> None:
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


class _Access:
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
    access: Optional[_Access] = None,
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
    error = (access or _Access(webhook)).refusal(event.type)
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
        base=timedelta(
            seconds=getattr(
                django_settings,
                "O2O_WEBHOOK_RETRY_BASE_SECONDS",
                policy.BASE_DELAY.total_seconds(),
            )
        ),
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


def _send_lane(
    deliveries: Sequence[WebhookDelivery],
    *,
    max_attempts: int,
    stop: Optional[threading.Event] = None,
) -> int:
    """Send one webhook's leased deliveries in order; return the attempts made.

    Once ``stop`` is set, the deliveries not yet sent are handed back.
    """
    sent = 0
    access = _Access(deliveries[0].webhook, max_age=ACCESS_SECONDS)
    with webhook_http.session() as http:
        for index, delivery in enumerate(deliveries):
            if stop is not None and stop.is_set():
                _release(deliveries[index:])
                break
            attempt = delivery_attempt(
                delivery, max_attempts=max_attempts, session=http, access=access
            )
            sent += attempt is not None
    return sent


def _by_webhook(batch: Iterable[WebhookDelivery]) -> Dict[int, List[WebhookDelivery]]:
    lanes: Dict[int, List[WebhookDelivery]] = {}
    for delivery in batch:  # Claimed oldest due first: each lane keeps that order.
        lanes.setdefault(delivery.webhook_id, []).append(delivery)
    return lanes


def _send_threads() -> int:
    return max(1, int(getattr(django_settings, SEND_THREADS, DEFAULT_SEND_THREADS)))


def deliveries_send_due(*, max_batches: int = 20) -> int:
    """Send due deliveries; return how many attempts were made.

    Each webhook's deliveries go out in order on a thread of their own (a lane, at
    most `SEND_THREADS` at once, each with its own database connection), so a slow
    or dead receiver holds up nothing but its own events. While lanes run, newly
    due deliveries of the other webhooks are claimed every `POLL_SECONDS`. A run
    leases at most ``max_batches`` times `BATCH_SIZE` deliveries, then lets its
    lanes finish; after `RUN_SECONDS` its lanes end their current attempt and hand
    the rest back for the next run (a kick or the periodic sweep).

    Called inside a transaction (as tests do), it sends from this thread, one
    webhook after the other: other connections could not see uncommitted rows.
    """
    max_attempts = get_o2o_settings().webhook_max_attempts
    if transaction.get_connection().in_atomic_block:
        sent = 0
        for _ in range(max_batches):
            batch = deliveries_claim()
            if not batch:
                break
            for lane in _by_webhook(batch).values():
                sent += _send_lane(lane, max_attempts=max_attempts)
        return sent
    return _send_in_lanes(max_batches=max_batches, max_attempts=max_attempts)


def _send_in_lanes(*, max_batches: int, max_attempts: int) -> int:
    """Send due deliveries on up to `SEND_THREADS` threads, one webhook per thread.

    A thread keeps its database connection from lane to lane and closes it when the
    run ends (connecting is the dearest part of a short lane).
    """
    size = _send_threads()
    deadline = time.monotonic() + RUN_SECONDS
    stop = threading.Event()
    lanes: "queue.Queue[Optional[List[WebhookDelivery]]]" = queue.Queue()
    finished: "queue.Queue[Tuple[int, int]]" = queue.Queue()
    threads: List[threading.Thread] = []
    busy: Set[int] = set()  # Webhooks a lane is sending to.
    sent = leased = 0

    def send_lanes() -> None:
        try:
            while True:
                lane = lanes.get()
                if lane is None:
                    return
                count = 0
                try:
                    count = _send_lane(lane, max_attempts=max_attempts, stop=stop)
                except Exception:  # Its leases run out; the other lanes go on.
                    logger.exception(
                        "Sending to O2O webhook %s failed", lane[0].webhook_id
                    )
                finally:
                    finished.put((lane[0].webhook_id, count))
        finally:
            connection.close()

    try:
        while True:
            if (
                not stop.is_set()
                and len(busy) < size
                and leased < max_batches * BATCH_SIZE
            ):
                batch = deliveries_claim(
                    limit=min(BATCH_SIZE, max_batches * BATCH_SIZE - leased),
                    exclude_webhook_ids=busy,
                    max_webhooks=size - len(busy),
                    per_webhook=LANE_SIZE,
                )
                leased += len(batch)
                for webhook_id, lane in _by_webhook(batch).items():
                    busy.add(webhook_id)
                    if len(threads) < len(busy):  # Every lane has a thread at once.
                        thread = threading.Thread(
                            target=send_lanes, name=f"o2o-webhooks-{len(threads)}"
                        )
                        thread.start()
                        threads.append(thread)
                    lanes.put(lane)
            if not busy:
                break
            try:
                done = [finished.get(timeout=POLL_SECONDS)]
                while not finished.empty():
                    done.append(finished.get_nowait())
            except queue.Empty:
                done = []
            for webhook_id, count in done:
                busy.discard(webhook_id)
                sent += count
            if time.monotonic() >= deadline:
                stop.set()
    finally:
        stop.set()  # After an error, lanes still sending hand back what is left.
        for _ in threads:
            lanes.put(None)
        for thread in threads:
            thread.join()
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


def webhook_event_types(webhook_ids: Sequence[int]) -> dict:
    """Return ``{webhook_id: [event types]}`` for these webhooks."""
    result: dict = {pk: [] for pk in webhook_ids}
    rows = WebhookSubscription.objects.filter(webhook_id__in=webhook_ids).order_by(
        "event_type"
    )
    for webhook_id, event_type in rows.values_list("webhook_id", "event_type"):
        result[webhook_id].append(event_type)
    return result


# Reads, answered for the requestor ------------------------------------------------
#
# A requestor is an app (``app``) or a user (``user``), as Saleor's API sees them.
# An app manages its own webhooks only, as Saleor's ``webhook(id)`` answers; staff
# with MANAGE_WEBHOOKS manage all of them, as in Saleor's dashboard.


def _staff_sees_all(app: Optional[App], user) -> bool:
    return (
        app is None
        and user is not None
        and user.has_perm(WebhookPermissions.MANAGE_WEBHOOKS)
    )


def webhooks_visible_to(*, app: Optional[App], user) -> QuerySet:
    """Return the webhooks whose O2O subscriptions the requestor may see and change."""
    if app is not None:
        return Webhook.objects.filter(app=app)
    if _staff_sees_all(app, user):
        return Webhook.objects.all()
    return Webhook.objects.none()


def webhook_visible_to(webhook: Webhook, *, app: Optional[App], user) -> bool:
    """Return whether the requestor may see this webhook's O2O subscriptions."""
    if app is not None:
        return webhook.app_id == app.pk
    return _staff_sees_all(app, user)


def deliveries_visible_to(*, app: Optional[App], user) -> QuerySet:
    """Return the deliveries the requestor may list and retry."""
    if app is not None:
        return WebhookDelivery.objects.filter(webhook__app=app)
    if _staff_sees_all(app, user):
        return WebhookDelivery.objects.all()
    return WebhookDelivery.objects.none()


def delivery_payload_visible_to(event_type: str, *, requestor) -> bool:
    """Return whether the requestor may read a payload of this event type.

    The payload is what the event's permission lets one read (see
    `O2OEventType.PERMISSIONS`): only holders of that permission see it, as Saleor
    shows its own sample payloads.
    """
    return bool(requestor) and requestor.has_perm(O2OEventType.PERMISSIONS[event_type])


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
