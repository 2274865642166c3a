"""O2O webhook delivery in one process: a real HTTP receiver on 127.0.0.1.

Celery runs eagerly here; tests/webhook/test_tasks.py runs real workers on a
real Redis that is stopped and restarted.
"""

from datetime import timedelta

import pytest
from django.db import transaction
from django.utils import timezone
from freezegun import freeze_time
from saleor.plugins.webhook import create_webhook_headers

from saleor_o2o.core import settings as conf
from saleor_o2o.webhook import delivery as webhook_delivery
from saleor_o2o.webhook import sender
from saleor_o2o.webhook import services as webhook_services
from saleor_o2o.webhook.events import O2OEventType, events_record
from saleor_o2o.webhook.models import (
    DeliveryStatus,
    O2OEvent,
    WebhookAttempt,
    WebhookDelivery,
)

READY = O2OEventType.PICKUP_READY


def test_an_event_reaches_its_subscriber_signed_like_saleor(
    o2o_webhook, webhook_receiver, record
):
    o2o_webhook(READY)

    [event] = record(READY, {"type": "Pickup", "id": "UGlja3VwOjE=", "status": "READY"})

    [received] = webhook_receiver.requests
    assert received["verified"]
    headers = received["headers"]
    body = webhook_delivery.delivery_body(O2OEvent.objects.get(pk=event.pk))
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
        assert sender.deliveries_send_due() == 0
    with freeze_time(start + timedelta(seconds=10)):
        assert sender.deliveries_send_due() == 1  # Still down: 20 s more.
    delivery.refresh_from_db()
    assert delivery.next_attempt_at == start + timedelta(seconds=30)

    webhook_receiver.answer = 200
    with freeze_time(start + timedelta(seconds=30)):
        assert sender.deliveries_send_due() == 1

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
    assert attempt.error == "connection refused"


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
        sender.deliveries_send_due()

    delivery = WebhookDelivery.objects.get()
    assert delivery.status == DeliveryStatus.DEAD and delivery.attempts == 2
    with freeze_time(start + timedelta(days=1)):
        assert sender.deliveries_send_due() == 0  # Dead ones are left alone.

    webhook_receiver.answer = 200
    webhook_services.delivery_retry(delivery=delivery)
    sender.deliveries_send_due()

    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.DELIVERED
    assert delivery.attempt_records.count() == 3
    assert len(webhook_receiver.accepted()) == 1


def test_a_leased_delivery_is_not_taken_by_another_worker(o2o_webhook, site_settings):
    o2o_webhook(READY)
    with transaction.atomic():
        events_record(type=READY, payloads=[{"n": 1}])  # Not committed: no kick.
    now = timezone.now()

    assert len(webhook_delivery.deliveries_claim(now=now)) == 1
    assert webhook_delivery.deliveries_claim(now=now + timedelta(seconds=30)) == []
    # A worker killed mid-send leaves its lease: it runs out, another takes over.
    assert len(webhook_delivery.deliveries_claim(now=now + timedelta(seconds=61))) == 1


def test_a_worker_that_lost_its_lease_sends_nothing_and_decides_nothing(
    o2o_webhook, webhook_receiver, site_settings
):
    o2o_webhook(READY)
    start = timezone.now() - timedelta(minutes=5)
    with freeze_time(start), transaction.atomic():
        events_record(type=READY, payloads=[{"n": 1}])  # Not committed: no kick.
    [slow_worker_copy] = webhook_delivery.deliveries_claim(now=start)
    # Its lease ran out while it sent other deliveries: another worker took over.
    [new_holder_copy] = webhook_delivery.deliveries_claim(
        now=start + timedelta(seconds=61)
    )

    assert webhook_delivery.delivery_attempt(slow_worker_copy, max_attempts=3) is None
    assert webhook_receiver.requests == []

    attempt = webhook_delivery.delivery_attempt(new_holder_copy, max_attempts=3)
    assert attempt.succeeded and len(webhook_receiver.requests) == 1
    assert WebhookDelivery.objects.get().status == DeliveryStatus.DELIVERED


def test_the_lease_holder_alone_records_the_outcome(
    o2o_webhook, webhook_receiver, site_settings
):
    o2o_webhook(READY)
    with transaction.atomic():
        events_record(type=READY, payloads=[{"n": 1}])
    [delivery] = webhook_delivery.deliveries_claim()
    webhook_receiver.answer = 503

    class TakenOverMidSend:
        """Another worker takes the delivery over while this one waits."""

        def post(self, *args, **kwargs):
            WebhookDelivery.objects.filter(pk=delivery.pk).update(
                status=DeliveryStatus.DELIVERED, leased_until=None
            )
            import requests

            return requests.post(*args, **kwargs)

    attempt = webhook_delivery.delivery_attempt(
        delivery, max_attempts=3, session=TakenOverMidSend()
    )

    assert attempt is not None and not attempt.succeeded  # Recorded: it happened.
    assert WebhookDelivery.objects.get().status == DeliveryStatus.DELIVERED


def test_old_delivered_deliveries_are_purged_but_pending_and_dead_ones_kept(
    o2o_webhook, webhook_receiver, record
):
    from saleor_o2o.webhook.tasks import purge_webhook_deliveries_task

    o2o_webhook(READY)
    start = timezone.now() - webhook_delivery.RETENTION - timedelta(days=1)
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


# Who gets the events ------------------------------------------------------------


@pytest.mark.parametrize(
    "change,error",
    [
        ("permission", "permission missing"),
        ("webhook", "webhook inactive"),
        ("app", "app inactive"),
    ],
)
def test_an_event_recorded_before_access_was_lost_is_not_sent(
    app, o2o_webhook, webhook_receiver, site_settings, change, error
):
    webhook = o2o_webhook(READY)
    with transaction.atomic():
        events_record(type=READY, payloads=[{"n": 1}])  # Not committed: no kick.
    if change == "permission":
        app.permissions.clear()
    elif change == "webhook":
        webhook.is_active = False
        webhook.save()
    else:
        app.is_active = False
        app.save()

    assert sender.deliveries_send_due() == 1

    assert webhook_receiver.requests == []
    delivery = WebhookDelivery.objects.get()
    assert delivery.status == DeliveryStatus.DEAD  # Retried once it is fixed.
    [attempt] = delivery.attempt_records.all()
    assert (attempt.response_status_code, attempt.error) == (None, error)


# Private targets -----------------------------------------------------------------


@pytest.mark.parametrize("host", ["127.0.0.1", "localhost"])
def test_a_target_resolving_to_a_private_address_is_not_contacted(
    o2o_webhook, webhook_receiver, record, settings, host
):
    port = webhook_receiver.server.server_address[1]
    o2o_webhook(READY, url=f"http://{host}:{port}/hooks")  # Allowed when subscribed.
    settings.O2O_WEBHOOK_ALLOW_PRIVATE_TARGETS = False

    record(READY, {"n": 1})

    assert webhook_receiver.requests == []
    delivery = WebhookDelivery.objects.get()
    assert delivery.status == DeliveryStatus.DEAD  # No retry reaches it either.
    [attempt] = delivery.attempt_records.all()
    assert (attempt.response_status_code, attempt.error) == (
        None,
        "non-public address",
    )

    settings.O2O_WEBHOOK_ALLOW_PRIVATE_TARGETS = True  # A local receiver, on purpose.
    webhook_services.delivery_retry(delivery=delivery)
    sender.deliveries_send_due()

    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.DELIVERED
    assert len(webhook_receiver.accepted()) == 1


# What an attempt records ---------------------------------------------------------


@pytest.fixture
def talkative_receiver():
    """A receiver answering 500 with an internal page, as a private service might."""
    import threading
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args):
            pass

        def do_POST(self):
            self.rfile.read(int(self.headers.get("Content-Length") or 0))
            body = b"<h1>Admin console</h1> db_password=hunter2 " + b"x" * 100_000
            self.send_response(500)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}/hooks"
    server.shutdown()
    server.server_close()


def test_an_attempt_keeps_the_status_never_the_answer(
    o2o_webhook, talkative_receiver, record
):
    o2o_webhook(READY, url=talkative_receiver)

    record(READY, {"n": 1})

    [attempt] = WebhookAttempt.objects.all()
    assert (attempt.succeeded, attempt.response_status_code, attempt.error) == (
        False,
        500,
        "HTTP 500",
    )
    assert not WebhookAttempt.objects.filter(error__contains="hunter2").exists()


@pytest.fixture
def silent_server():
    """A TCP port that accepts connections and never answers."""
    import socket

    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(8)
    yield f"127.0.0.1:{server.getsockname()[1]}"
    server.close()


def test_a_receiver_that_never_answers_is_a_timeout(
    o2o_webhook, silent_server, record, monkeypatch
):
    from saleor_o2o.webhook import policy

    monkeypatch.setattr(policy, "TIMEOUT_SECONDS", 0.5)
    o2o_webhook(READY, url=f"http://{silent_server}/hooks")

    record(READY, {"n": 1})

    [attempt] = WebhookAttempt.objects.all()
    assert (attempt.response_status_code, attempt.error) == (None, "timeout")
    assert WebhookDelivery.objects.get().status == DeliveryStatus.PENDING  # Retried.


def test_a_tls_failure_is_a_tls_error(o2o_webhook, webhook_receiver, record):
    port = webhook_receiver.server.server_address[1]
    o2o_webhook(READY, url=f"https://127.0.0.1:{port}/hooks")  # Speaks plain HTTP.

    record(READY, {"n": 1})

    [attempt] = WebhookAttempt.objects.all()
    assert (attempt.response_status_code, attempt.error) == (None, "TLS error")


def test_a_name_that_does_not_resolve_is_a_dns_error():
    """urllib3 wraps the resolver's error; the class is read from inside."""
    import socket

    import requests
    from urllib3.exceptions import MaxRetryError, NewConnectionError

    from saleor_o2o.webhook.http import error_class

    try:
        try:
            raise socket.gaierror(-2, "Name or service not known")
        except socket.gaierror as resolver_error:
            raise NewConnectionError(None, f"Failed: {resolver_error}")
    except NewConnectionError as connect_error:
        wrapped = requests.ConnectionError(MaxRetryError(None, "/", connect_error))

    assert error_class(wrapped) == "DNS error"


def test_old_attempts_get_error_classes_instead_of_bodies(o2o_webhook, site_settings):
    import importlib

    from django.apps import apps

    migration = importlib.import_module(
        "saleor_o2o.migrations.0015_webhook_attempt_error_class"
    )
    o2o_webhook(READY)
    with transaction.atomic():
        events_record(type=READY, payloads=[{"n": 1}])
    delivery = WebhookDelivery.objects.get()
    old = {
        "<html>Internal page</html>": (False, 502, "HTTP 502"),
        "": (True, 200, ""),
        "ok": (True, 200, ""),
        "ReadTimeout: HTTPConnectionPool(host='x', port=80): Read timed out.": (
            False,
            None,
            "timeout",
        ),
        "ConnectionError: HTTPConnectionPool(host='u:pw@x'): Max retries exceeded "
        "(Caused by NewConnectionError('[Errno 111] Connection refused'))": (
            False,
            None,
            "connection refused",
        ),
        "ConnectionError: ... [Errno -2] Name or service not known": (
            False,
            None,
            "DNS error",
        ),
        "SSLError: HTTPSConnectionPool(host='x'): certificate verify failed": (
            False,
            None,
            "TLS error",
        ),
        "Only http:// and https:// target URLs can receive O2O events.": (
            False,
            None,
            "invalid URL",
        ),
        "ChunkedEncodingError: Connection broken": (False, None, "connection error"),
        "timeout": (False, None, "timeout"),  # Already a class: unchanged.
    }
    rows = {
        text: WebhookAttempt.objects.create(
            delivery=delivery,
            succeeded=succeeded,
            response_status_code=status,
            duration_ms=1,
            error=text,
        )
        for text, (succeeded, status, _) in old.items()
    }

    migration.forwards(apps, None)

    for text, row in rows.items():
        row.refresh_from_db()
        assert row.error == old[text][2], text


# Each webhook on its own lane ----------------------------------------------------


def _backend_connections() -> int:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()"
        )
        return cursor.fetchone()[0]


@pytest.mark.django_db(transaction=True)
def test_a_slow_receiver_does_not_hold_up_another(
    app, o2o_webhook, webhook_receiver, more_webhook_receivers, site_settings
):
    """Deliveries go out on a thread per webhook; each thread closes its connection.

    Committed for real (no test transaction), so the sending threads see the rows;
    Celery runs eagerly in this process (tests/webhook/test_tasks.py has the
    same with a real worker).
    """
    from helpers.servers import wait_until

    fast = more_webhook_receivers()
    webhook_receiver.delay = 2.0  # Answers slowly, though within the timeout.
    o2o_webhook(READY)
    o2o_webhook(READY, url=fast.url)
    connections_before = _backend_connections()

    with transaction.atomic():  # On commit, the eager task sends everything.
        events = events_record(type=READY, payloads=[{"n": n} for n in range(3)])

    slow_answered = [r["answered_at"] for r in webhook_receiver.requests]
    assert len(slow_answered) == 3 and None not in slow_answered
    assert [r["body"][0]["event_id"] for r in fast.requests] == [e.pk for e in events]
    # The fast receiver had all three before the slow one answered the first.
    assert max(r["at"] for r in fast.requests) < min(slow_answered)
    # The slow receiver got them in order too, one at a time.
    assert [r["body"][0]["event_id"] for r in webhook_receiver.requests] == [
        e.pk for e in events
    ]
    assert WebhookDelivery.objects.filter(status=DeliveryStatus.DELIVERED).count() == 6
    wait_until(
        lambda: _backend_connections() == connections_before,
        timeout=10,
        what="the sending threads' database connections to close",
    )
