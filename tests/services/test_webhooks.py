"""O2O webhook delivery in one process: a real HTTP receiver on 127.0.0.1.

Celery runs eagerly here; tests/test_webhook_reliability.py runs real workers on a
real Redis that is stopped and restarted.
"""

from datetime import timedelta

import pytest
from django.db import transaction
from django.utils import timezone
from freezegun import freeze_time
from saleor.plugins.webhook import create_webhook_headers

from saleor_o2o import conf, webhooks
from saleor_o2o.events import O2OEventType, events_record
from saleor_o2o.models import DeliveryStatus, O2OEvent, WebhookAttempt, WebhookDelivery

READY = O2OEventType.PICKUP_READY


@pytest.fixture
def record(on_commit, site_settings):
    """Record events in a transaction and run what it queues on commit."""

    def record_events(type_name, *payloads):
        with on_commit(), transaction.atomic():
            return events_record(type=type_name, payloads=list(payloads))

    return record_events


def test_an_event_reaches_its_subscriber_signed_like_saleor(
    o2o_webhook, webhook_receiver, record
):
    o2o_webhook(READY)

    [event] = record(READY, {"type": "Pickup", "id": "UGlja3VwOjE=", "status": "READY"})

    [received] = webhook_receiver.requests
    assert received["verified"]
    headers = received["headers"]
    body = webhooks.delivery_body(O2OEvent.objects.get(pk=event.pk))
    expected = create_webhook_headers(READY, body, webhook_receiver.secret)
    for name, value in expected.items():
        assert headers[name] == value
    assert headers["X-Saleor-Event"] == "pickup_ready"
    delivery = WebhookDelivery.objects.get()
    assert headers["X-O2O-Idempotency-Key"] == str(delivery.key)
    assert headers["X-O2O-Attempt"] == "1"
    assert received["body"] == [
        {
            "event_id": event.pk,
            "event_type": "pickup_ready",
            "occurred_at": event.created_at.isoformat(),
            "type": "Pickup",
            "id": "UGlja3VwOjE=",
            "status": "READY",
        }
    ]
    assert delivery.status == DeliveryStatus.DELIVERED and delivery.delivered_at
    [attempt] = delivery.attempt_records.all()
    assert attempt.succeeded and attempt.response_status_code == 200
    assert attempt.duration_ms >= 0


def test_only_subscribers_of_the_event_get_it(o2o_webhook, webhook_receiver, record):
    o2o_webhook(O2OEventType.PICKUP_COLLECTED)

    record(READY, {"n": 1})

    assert webhook_receiver.requests == []
    assert not WebhookDelivery.objects.exists()


def test_inactive_webhooks_and_apps_get_nothing(
    o2o_webhook, webhook_receiver, record, app
):
    inactive = o2o_webhook(READY)
    inactive.is_active = False
    inactive.save()
    record(READY, {"n": 1})
    inactive.is_active = True
    inactive.save()
    app.is_active = False
    app.save()
    record(READY, {"n": 2})

    assert webhook_receiver.requests == []


def test_each_subscriber_gets_its_own_delivery(o2o_webhook, webhook_receiver, record):
    o2o_webhook(READY)
    o2o_webhook(READY)

    record(READY, {"n": 1}, {"n": 2})

    keys = {r["headers"]["X-O2O-Idempotency-Key"] for r in webhook_receiver.requests}
    assert len(webhook_receiver.requests) == 4 and len(keys) == 4


def test_events_are_recorded_only_inside_the_changes_transaction():
    with pytest.raises(RuntimeError):
        events_record(type=READY, payloads=[{"n": 1}])


def test_a_receiver_down_for_a_while_gets_the_event_later_with_the_same_key(
    o2o_webhook, webhook_receiver, record
):
    o2o_webhook(READY)
    webhook_receiver.answer = 503
    start = timezone.now()

    with freeze_time(start):
        record(READY, {"n": 1})

    delivery = WebhookDelivery.objects.get()
    assert delivery.status == DeliveryStatus.PENDING and delivery.attempts == 1
    assert delivery.next_attempt_at == start + timedelta(seconds=10)
    # Not due yet: nothing is sent.
    with freeze_time(start + timedelta(seconds=9)):
        assert webhooks.deliveries_send_due() == 0
    with freeze_time(start + timedelta(seconds=10)):
        assert webhooks.deliveries_send_due() == 1  # Still down: 20 s more.
    delivery.refresh_from_db()
    assert delivery.next_attempt_at == start + timedelta(seconds=30)

    webhook_receiver.answer = 200
    with freeze_time(start + timedelta(seconds=30)):
        assert webhooks.deliveries_send_due() == 1

    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.DELIVERED and delivery.attempts == 3
    keys = [r["headers"]["X-O2O-Idempotency-Key"] for r in webhook_receiver.requests]
    assert keys == [str(delivery.key)] * 3
    attempts = [r["headers"]["X-O2O-Attempt"] for r in webhook_receiver.requests]
    assert attempts == ["1", "2", "3"]
    assert all(r["verified"] for r in webhook_receiver.requests)
    assert [
        (a.succeeded, a.response_status_code) for a in delivery.attempt_records.all()
    ] == [(False, 503), (False, 503), (True, 200)]
    assert len(webhook_receiver.accepted()) == 1


def test_a_receiver_that_refuses_connections_is_recorded_as_a_network_error(
    o2o_webhook, webhook_receiver, record
):
    webhook_receiver.close()  # Nothing listens on that port any more.
    o2o_webhook(READY)

    record(READY, {"n": 1})

    [attempt] = WebhookAttempt.objects.all()
    assert not attempt.succeeded and attempt.response_status_code is None
    assert "ConnectionError" in attempt.error


def test_after_the_last_attempt_the_delivery_is_dead_until_staff_retry(
    o2o_webhook, webhook_receiver, record, configure_o2o
):
    configure_o2o(
        active=True, **{conf.GEOCODER_PROVIDER: "none", conf.WEBHOOK_MAX_ATTEMPTS: "2"}
    )
    o2o_webhook(READY)
    webhook_receiver.answer = 500
    start = timezone.now()
    with freeze_time(start):
        record(READY, {"n": 1})
    with freeze_time(start + timedelta(seconds=10)):
        webhooks.deliveries_send_due()

    delivery = WebhookDelivery.objects.get()
    assert delivery.status == DeliveryStatus.DEAD and delivery.attempts == 2
    with freeze_time(start + timedelta(days=1)):
        assert webhooks.deliveries_send_due() == 0  # Dead ones are left alone.

    webhook_receiver.answer = 200
    webhooks.delivery_retry(delivery=delivery)
    webhooks.deliveries_send_due()

    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.DELIVERED
    assert delivery.attempt_records.count() == 3
    assert len(webhook_receiver.accepted()) == 1


def test_retrying_a_delivery_that_is_not_dead_is_refused(
    o2o_webhook, webhook_receiver, record
):
    o2o_webhook(READY)
    record(READY, {"n": 1})

    with pytest.raises(webhooks.InvalidInput) as refused:
        webhooks.delivery_retry(delivery=WebhookDelivery.objects.get())
    assert refused.value.code == "NOT_DEAD"


def test_a_leased_delivery_is_not_taken_by_another_worker(o2o_webhook, site_settings):
    o2o_webhook(READY)
    with transaction.atomic():
        events_record(type=READY, payloads=[{"n": 1}])  # Not committed: no kick.
    now = timezone.now()

    assert len(webhooks.deliveries_claim(now=now)) == 1
    assert webhooks.deliveries_claim(now=now + timedelta(seconds=30)) == []
    # A worker killed mid-send leaves its lease: it runs out, another takes over.
    assert len(webhooks.deliveries_claim(now=now + timedelta(seconds=61))) == 1


def test_subscriptions_are_replaced_and_unknown_events_refused(app, o2o_webhook):
    webhook = o2o_webhook(READY, O2OEventType.STORE_STOCK_LOW)

    assert webhooks.webhook_subscriptions_set(
        webhook=webhook, event_types=[O2OEventType.PICKUP_EXPIRED, READY]
    ) == ["pickup_expired", "pickup_ready"]
    assert webhooks.webhook_event_types([webhook.pk]) == {
        webhook.pk: ["pickup_expired", "pickup_ready"]
    }
    with pytest.raises(webhooks.NotFound):
        webhooks.webhook_subscriptions_set(webhook=webhook, event_types=["order_paid"])


def test_a_worker_that_lost_its_lease_sends_nothing_and_decides_nothing(
    o2o_webhook, webhook_receiver, site_settings
):
    o2o_webhook(READY)
    start = timezone.now() - timedelta(minutes=5)
    with freeze_time(start), transaction.atomic():
        events_record(type=READY, payloads=[{"n": 1}])  # Not committed: no kick.
    [slow_worker_copy] = webhooks.deliveries_claim(now=start)
    # Its lease ran out while it sent other deliveries: another worker took over.
    [new_holder_copy] = webhooks.deliveries_claim(now=start + timedelta(seconds=61))

    assert webhooks.delivery_attempt(slow_worker_copy, max_attempts=3) is None
    assert webhook_receiver.requests == []

    attempt = webhooks.delivery_attempt(new_holder_copy, max_attempts=3)
    assert attempt.succeeded and len(webhook_receiver.requests) == 1
    assert WebhookDelivery.objects.get().status == DeliveryStatus.DELIVERED


def test_the_lease_holder_alone_records_the_outcome(
    o2o_webhook, webhook_receiver, site_settings
):
    o2o_webhook(READY)
    with transaction.atomic():
        events_record(type=READY, payloads=[{"n": 1}])
    [delivery] = webhooks.deliveries_claim()
    webhook_receiver.answer = 503

    class TakenOverMidSend:
        """Another worker takes the delivery over while this one waits."""

        def post(self, *args, **kwargs):
            WebhookDelivery.objects.filter(pk=delivery.pk).update(
                status=DeliveryStatus.DELIVERED, leased_until=None
            )
            import requests

            return requests.post(*args, **kwargs)

    attempt = webhooks.delivery_attempt(
        delivery, max_attempts=3, session=TakenOverMidSend()
    )

    assert attempt is not None and not attempt.succeeded  # Recorded: it happened.
    assert WebhookDelivery.objects.get().status == DeliveryStatus.DELIVERED


def test_old_delivered_deliveries_are_purged_but_pending_and_dead_ones_kept(
    o2o_webhook, webhook_receiver, record
):
    from saleor_o2o.tasks import purge_webhook_deliveries_task

    o2o_webhook(READY)
    start = timezone.now() - webhooks.RETENTION - timedelta(days=1)
    with freeze_time(start):
        record(READY, {"n": "delivered"})
        webhook_receiver.answer = 500
        record(READY, {"n": "pending"}, {"n": "dead"})
    WebhookDelivery.objects.filter(event__payload__n="dead").update(
        status=DeliveryStatus.DEAD
    )
    with transaction.atomic():
        events_record(type=O2OEventType.STORE_STOCK_LOW, payloads=[{"n": "unsent"}])

    assert purge_webhook_deliveries_task.delay().get() == 1

    left = {d.event.payload["n"]: d.status for d in WebhookDelivery.objects.all()}
    assert left == {"pending": "pending", "dead": "dead"}
    assert not WebhookAttempt.objects.filter(delivery__event__payload__n="delivered")
    kept = set(O2OEvent.objects.values_list("payload__n", flat=True))
    assert kept == {"pending", "dead", "unsent"}  # Recent events stay too.
