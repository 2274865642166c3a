"""Webhook delivery survives a receiver down, a broker restart and a dead worker.

Everything here is real: an HTTP receiver on 127.0.0.1 that checks each request's
``X-Saleor-HMAC-SHA256`` signature, a redis-server of the test's own (on a free port,
so that it can be stopped and started again without touching the machine's Redis),
and Celery worker processes with embedded beat (the periodic sweep), run against the
committed rows of the test database. The test process only records events: its
Celery app sends the on-commit "kick" to the same Redis, and a signal handler checks
that no task ever runs in the test process itself.

Select them with ``-m slow``; they take about a minute together.
"""

import os
import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from pathlib import Path
from typing import Callable, Dict, List, Optional

import pytest
from celery import signals
from django.conf import settings
from django.contrib.sites.models import Site
from django.db import connection, transaction
from saleor.app.models import App
from saleor.webhook.models import Webhook

from saleor_o2o.webhook.events import O2OEventType, events_record
from saleor_o2o.webhook.models import (
    DeliveryStatus,
    O2OEvent,
    WebhookAttempt,
    WebhookDelivery,
    WebhookSubscription,
)

from helpers.api import event_permissions
from helpers.broker import drop_broker_connections
from helpers.servers import RedisServer, database_url, wait_until
from helpers.webhooks import WebhookReceiver

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]

SECRET = "o2o-reliability-secret"
PATH = "/o2o-events"
DOMAIN = "shop.o2o.test"
EVENT_TYPE = O2OEventType.PICKUP_READY
#: The worker's settings: a fast sweep, short leases and a short retry backoff.
SWEEP_SECONDS = 1.0
RETRY_BASE_SECONDS = 0.5
LEASE_SECONDS = 3.0
CELERY = str(Path(sys.executable).with_name("celery"))


# Redis ---------------------------------------------------------------------------


@pytest.fixture
def redis_server(tmp_path):
    server = RedisServer(tmp_path)
    server.start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def test_process_on_broker(redis_server):
    """Send this process's Celery messages (the on-commit kicks) to ``redis_server``.

    Saleor's app reads its configuration from Django's settings under CELERY_ names;
    with no broker configured it runs tasks eagerly, which would deliver from this
    process. Fails the test if a task runs here anyway.
    """
    from saleor.celeryconf import app

    changed = {"CELERY_BROKER_URL": redis_server.url, "CELERY_TASK_ALWAYS_EAGER": False}
    saved = {name: app.conf.get(name) for name in changed}
    ran_here: List[str] = []

    def record(task=None, **_kwargs):
        ran_here.append(task.name)

    signals.task_prerun.connect(record, weak=False)
    app.conf.update(changed)
    drop_broker_connections(app)
    try:
        assert app.conf.task_always_eager is False
        assert app.pool.connection.as_uri() == redis_server.url
        yield
    finally:
        signals.task_prerun.disconnect(record)
        app.conf.update(saved)
        drop_broker_connections(app)
    assert ran_here == [], "tasks ran in the test process, not in the worker"


# The receiver --------------------------------------------------------------------


@pytest.fixture
def receiver():
    receiver = WebhookReceiver(SECRET, path=PATH)
    try:
        yield receiver
    finally:
        receiver.release()
        receiver.close()


@pytest.fixture
def webhook(transactional_db, receiver):
    """A Saleor webhook of an active app, subscribed to PICKUP_READY only."""
    Site.objects.update_or_create(
        pk=settings.SITE_ID, defaults={"domain": DOMAIN, "name": "O2O"}
    )
    app = App.objects.create(name="Pickup screen", is_active=True)
    app.permissions.add(*event_permissions(EVENT_TYPE))
    hook = Webhook.objects.create(
        app=app, target_url=receiver.url, is_active=True, secret_key=SECRET
    )
    WebhookSubscription.objects.create(webhook=hook, event_type=EVENT_TYPE)
    return hook


# Workers -------------------------------------------------------------------------


class Worker:
    """``celery worker -B`` in a process group of its own, logging to a file."""

    def __init__(self, directory: Path, name: str, env: Dict[str, str], args=()):
        self.name = name
        self.log_path = directory / f"{name}.log"
        self.process: Optional[subprocess.Popen] = None
        self.ready_at: Optional[float] = None
        command = [
            CELERY,
            "-A",
            "saleor",
            "worker",
            "-B",
            "-s",
            str(directory / f"{name}-beat-schedule"),
            "-n",
            f"{name}@%h",
            "-l",
            "info",
            "--concurrency",
            "1",
            "--without-gossip",
            "--without-mingle",
            "--without-heartbeat",
            *args,
        ]
        with open(self.log_path, "wb") as log:
            self.process = subprocess.Popen(
                command,
                cwd=directory,  # Never the checkout root: see tests/conftest.py.
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")

    def wait_ready(self, timeout: float = 30) -> None:
        def ready():
            if self.process.poll() is not None:
                raise AssertionError(f"worker {self.name} exited:\n{self.log()}")
            return " ready." in self.log() and "beat: Starting" in self.log()

        wait_until(ready, timeout=timeout, what=f"worker {self.name} to start")
        self.ready_at = time.monotonic()

    def _signal_group(self, sig: int) -> None:
        try:
            os.killpg(self.process.pid, sig)
        except ProcessLookupError:
            pass

    def kill(self) -> None:
        """SIGKILL the worker, its pool process and its beat, all at once."""
        self._signal_group(signal.SIGKILL)
        self.process.wait(timeout=10)

    def stop(self) -> None:
        if self.process.poll() is None:
            self._signal_group(signal.SIGTERM)
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                pass
        # Whatever is left of the group (pool or beat processes) goes too.
        self._signal_group(signal.SIGKILL)
        if self.process.poll() is None:
            self.process.wait(timeout=10)


@pytest.fixture
def start_worker(transactional_db, redis_server, tmp_path):
    """Return a function starting a worker process on the test database and Redis."""
    database = database_url(connection.settings_dict)
    workers: List[Worker] = []

    def start(*, lease: float = LEASE_SECONDS, args=()) -> Worker:
        env = dict(os.environ)
        env.update(
            {
                "DJANGO_SETTINGS_MODULE": "saleor_o2o.sandbox.settings",
                "DATABASE_URL": database,
                "CELERY_BROKER_URL": redis_server.url,
                "O2O_WEBHOOK_SWEEP_SECONDS": str(SWEEP_SECONDS),
                "O2O_WEBHOOK_LEASE_SECONDS": str(lease),
                "O2O_WEBHOOK_RETRY_BASE_SECONDS": str(RETRY_BASE_SECONDS),
                "PYTHONUNBUFFERED": "1",
            }
        )
        env.pop("PYTHONPATH", None)
        worker = Worker(tmp_path, f"worker{len(workers) + 1}", env, args)
        workers.append(worker)
        worker.wait_ready()
        return worker

    try:
        yield start
    finally:
        for worker in workers:
            worker.stop()
        for worker in workers:  # Shown by pytest when the test failed.
            print(f"----- {worker.name} log -----\n{worker.log()[-6000:]}")


# Recording and checking ----------------------------------------------------------


def record_events(count: int, *, start: int = 0) -> List[O2OEvent]:
    """Record ``count`` events in one transaction, as one state change would."""
    with transaction.atomic():
        return events_record(
            type=EVENT_TYPE,
            payloads=[
                {"type": "Pickup", "id": f"UGlja3VwOj{n}=", "n": n}
                for n in range(start, start + count)
            ],
        )


def deliveries() -> List[WebhookDelivery]:
    return list(WebhookDelivery.objects.select_related("event").order_by("pk"))


def all_delivered(expected: int) -> Callable[[], bool]:
    def done() -> bool:
        statuses = Counter(WebhookDelivery.objects.values_list("status", flat=True))
        assert statuses[DeliveryStatus.DEAD] == 0, statuses
        return statuses[DeliveryStatus.DELIVERED] == expected

    return done


def assert_every_event_arrived_verified(
    receiver: WebhookReceiver, *, redelivered: frozenset = frozenset()
) -> Dict[str, List[Dict]]:
    """Check what the receiver got against the outbox; return its requests by key.

    Every request is signed with the webhook's secret and carries its event's body;
    every delivery's key was accepted (2xx) exactly once. Keys sent more than once
    are only those of retried deliveries (one request per recorded failed attempt)
    and those in ``redelivered``.
    """
    requests = receiver.snapshot()
    assert requests, "the receiver got nothing"
    assert all(r["verified"] for r in requests), [
        r["key"] for r in requests if not r["verified"]
    ]
    assert {r["path"] for r in requests} == {"/o2o-events"}
    assert {r["domain"] for r in requests} == {DOMAIN}
    assert {r["event"] for r in requests} == {EVENT_TYPE}

    outbox = deliveries()
    assert outbox, "no deliveries were recorded"
    by_key: Dict[str, List[Dict]] = {}
    for request in requests:
        by_key.setdefault(request["key"], []).append(request)
    assert set(by_key) == {str(d.key) for d in outbox}
    assert receiver.accepted_keys() == Counter({str(d.key): 1 for d in outbox})

    for delivery in outbox:
        sent = by_key[str(delivery.key)]
        attempts = list(delivery.attempt_records.order_by("pk"))
        assert delivery.status == DeliveryStatus.DELIVERED
        assert delivery.delivered_at is not None
        assert delivery.leased_until is None
        # The same signed body every time, with the event's own data.
        assert len({(r["raw_body"], r["signature"]) for r in sent}) == 1
        data = sent[0]["data"]
        assert data["event_id"] == delivery.event_id
        assert data["event_type"] == EVENT_TYPE
        assert data["n"] == delivery.event.payload["n"]
        # The accepted request was the last, and the last attempt recorded.
        assert sent[-1]["answered"] == 200
        assert sent[-1]["attempt"] == delivery.attempts == len(attempts)
        assert [a.succeeded for a in attempts] == [False] * (len(attempts) - 1) + [True]
        assert attempts[-1].response_status_code == 200
        reached = [a for a in attempts if a.response_status_code is not None]
        if str(delivery.key) in redelivered:
            assert len(sent) == len(reached) + 1
        else:
            # Never twice unless retried: one request per attempt that reached it.
            assert len(sent) == len(reached)
            assert [r["attempt"] for r in sent] == [
                n for n, a in enumerate(attempts, 1) if a.response_status_code
            ]
    return by_key


# Scenarios -----------------------------------------------------------------------


def test_receiver_down_for_a_while(
    webhook, receiver, test_process_on_broker, start_worker
):
    """Refused, then 503, then up: retried with backoff until each arrives once."""
    start_worker()
    receiver.close()  # Connection refused.

    record_events(10)

    def every_delivery_attempted(times: int) -> Callable[[], bool]:
        return lambda: (WebhookDelivery.objects.filter(attempts__lt=times).count() == 0)

    wait_until(every_delivery_attempted(2), timeout=20, what="two refused attempts")
    assert receiver.snapshot() == []
    receiver.answer = 503
    receiver.open()
    wait_until(
        lambda: {r["key"] for r in receiver.snapshot()}
        == {str(d.key) for d in deliveries()},
        timeout=20,
        what="an attempt of each delivery answered 503",
    )
    assert not WebhookDelivery.objects.filter(status=DeliveryStatus.DELIVERED).exists()
    receiver.answer = 200

    wait_until(all_delivered(10), timeout=40, what="all 10 events delivered")

    assert_every_event_arrived_verified(receiver)
    for delivery in deliveries():
        attempts = list(delivery.attempt_records.order_by("pk"))
        codes = [a.response_status_code for a in attempts]
        assert codes[:2] == [None, None] and "refused" in attempts[0].error.lower()
        assert codes[-1] == 200 and 503 in codes
        assert len(attempts) >= 4
        # Backoff: each pause is at least the policy's, base 0.5 s doubling.
        for number, (before, after) in enumerate(zip(attempts, attempts[1:]), 1):
            pause = (after.created_at - before.created_at).total_seconds()
            assert pause >= RETRY_BASE_SECONDS * 2 ** (number - 1) - 0.05, (
                number,
                pause,
            )
    assert not WebhookAttempt.objects.filter(
        succeeded=True, response_status_code=503
    ).exists()


def test_redis_stopped_and_restarted(
    webhook, receiver, redis_server, test_process_on_broker, start_worker
):
    """Events committed while the broker is down go out once it is back: the sweep.

    The state changes must neither fail nor hang while Redis is down: the on-commit
    kick runs in the request that made the change.
    """
    worker = start_worker()
    record_events(5)
    wait_until(all_delivered(5), timeout=20, what="the first 5 events delivered")
    problems = []
    durations: List[float] = []

    def state_changes():
        try:
            for n in range(5, 15):  # Ten state changes, each in its own transaction.
                started = time.monotonic()
                record_events(1, start=n)  # The on-commit kick fails, quietly.
                durations.append(time.monotonic() - started)
        except Exception as error:  # pragma: no cover - reported below
            problems.append(f"recording failed: {error!r}")
        finally:
            connection.close()

    redis_server.stop()
    changes = threading.Thread(target=state_changes, daemon=True)
    changes.start()
    changes.join(timeout=10)
    if changes.is_alive():
        problems.append(
            f"with Redis down, {len(durations)} of 10 state changes returned in 10 s:"
            " the on-commit kick (deliver_webhooks_task.delay) blocks while kombu"
            " retries the connection"
        )
    else:
        assert O2OEvent.objects.count() == WebhookDelivery.objects.count() == 15
        # Nothing can tell the worker while Redis is down.
        time.sleep(2 * SWEEP_SECONDS)
        pending = WebhookDelivery.objects.filter(status=DeliveryStatus.PENDING)
        assert pending.count() == 10
        assert len(receiver.snapshot()) == 5

    redis_server.start()  # Empty: the kicks sent before it stopped are gone too.
    changes.join(timeout=60)
    assert not changes.is_alive()

    wait_until(all_delivered(15), timeout=60, what="all 15 events delivered")
    assert worker.process.poll() is None, "the worker should have reconnected"
    by_key = assert_every_event_arrived_verified(receiver)
    assert all(len(sent) == 1 for sent in by_key.values())
    assert WebhookAttempt.objects.filter(succeeded=True).count() == 15
    assert WebhookAttempt.objects.count() == 15
    assert problems == []
    # The failed kick cost each commit little (kombu's publish retries).
    assert max(durations) < 5, durations


def test_worker_killed_mid_delivery(
    webhook, receiver, test_process_on_broker, start_worker
):
    """A delivery in flight when its worker dies is sent again, with the same key.

    The lease is long enough for the second worker to be up well before it runs out
    even on a busy machine (a worker takes 3-10 s to start on two loaded cores).
    """
    lease = 15.0
    first = start_worker(lease=lease)
    receiver.hang = 1

    record_events(5)

    assert receiver.hanging.wait(20), "no delivery reached the receiver"
    first.kill()
    receiver.release()
    [in_flight] = receiver.snapshot()
    assert in_flight["answered"] is None
    # All five were leased as one batch; none finished.
    assert (
        WebhookDelivery.objects.filter(
            status=DeliveryStatus.PENDING, attempts=0, leased_until__isnull=False
        ).count()
        == 5
    )
    assert not WebhookAttempt.objects.exists()

    second = start_worker(lease=lease)
    wait_until(all_delivered(5), timeout=30, what="all 5 events delivered")

    by_key = assert_every_event_arrived_verified(
        receiver, redelivered=frozenset({in_flight["key"]})
    )
    assert [len(sent) for sent in by_key.values()].count(2) == 1
    assert all(
        len(sent) == 1 for key, sent in by_key.items() if key != in_flight["key"]
    )
    [killed, resent] = by_key[in_flight["key"]]
    assert killed is in_flight
    # The killed attempt was never recorded, so the attempt number repeats: receivers
    # recognise the redelivery by its idempotency key.
    assert resent["attempt"] == killed["attempt"] == 1
    assert resent["answered"] == 200
    # The new worker was up well before the lease ran out, and left it alone.
    assert second.ready_at < killed["at"] + lease - 1
    assert resent["at"] - killed["at"] >= lease - 0.5
    delivery = WebhookDelivery.objects.get(key=in_flight["key"])
    assert delivery.attempts == 1
    assert delivery.attempt_records.count() == 1


def test_slow_receiver_and_two_worker_processes_send_each_event_once(
    webhook, receiver, test_process_on_broker, start_worker
):
    """A receiver taking 0.6 s an answer, 10 events, a lease of 2 s, two processes.

    Sending a leased batch takes longer than the lease: each send renews the lease
    only if it is still this worker's, so the other process's takeover wins.
    """
    slow = 0.6
    original = receiver.handle

    def slow_handle(handler):
        time.sleep(slow)
        original(handler)

    receiver.handle = slow_handle
    start_worker(lease=2.0, args=("--concurrency", "2", "-O", "fair"))

    record_events(10)

    wait_until(all_delivered(10), timeout=40, what="all 10 events delivered")
    by_key = assert_every_event_arrived_verified(receiver)
    assert all(len(sent) == 1 for sent in by_key.values())


def test_a_slow_receiver_does_not_delay_a_fast_one(
    webhook, receiver, test_process_on_broker, start_worker
):
    """Two apps' webhooks, one worker process: one answers in 8 s, the other at once.

    The slow one answers within the 10 s timeout, so its deliveries succeed; the
    fast one gets the first event, and two more recorded while the slow one is still
    busy with the first, before the slow one has answered anything. Each receiver
    gets its events in the order they were recorded.
    """
    slow = receiver
    slow.delay = 8.0
    fast = WebhookReceiver(SECRET, path=PATH)
    try:
        app = App.objects.create(name="Marketing", is_active=True)
        app.permissions.add(*event_permissions(EVENT_TYPE))
        fast_webhook = Webhook.objects.create(
            app=app, target_url=fast.url, is_active=True, secret_key=SECRET
        )
        WebhookSubscription.objects.create(webhook=fast_webhook, event_type=EVENT_TYPE)
        start_worker(lease=30.0)  # One process (--concurrency 1).

        record_events(1)
        wait_until(
            lambda: len(slow.snapshot()) == 1 and len(fast.snapshot()) == 1,
            timeout=20,
            what="the first event at both receivers",
        )
        record_events(1, start=1)  # Each in its own transaction, while the slow
        record_events(1, start=2)  # receiver still holds the first.
        wait_until(all_delivered(6), timeout=60, what="3 events at both receivers")
    finally:
        fast.close()

    slow_requests, fast_requests = slow.snapshot(), fast.snapshot()
    assert [r["data"]["n"] for r in slow_requests] == [0, 1, 2]
    assert [r["data"]["n"] for r in fast_requests] == [0, 1, 2]
    assert all(r["verified"] and r["answered"] == 200 for r in slow_requests)
    assert all(r["verified"] and r["answered"] == 200 for r in fast_requests)
    first_slow_answer = slow_requests[0]["answered_at"]
    # The last two were recorded after the slow receiver had the first ...
    assert all(r["at"] > slow_requests[0]["at"] for r in fast_requests[1:])
    # ... and the fast receiver had all three before the slow one answered it.
    assert all(r["at"] < first_slow_answer for r in fast_requests)
    assert WebhookAttempt.objects.count() == 6
