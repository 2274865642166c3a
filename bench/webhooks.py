#!/usr/bin/env python
"""Webhook benchmark: delivery throughput, and what the outbox adds to a mutation.

Prints two things, on 127.0.0.1 with one Celery worker process (``--concurrency 1``,
on the machine's Redis, database 14) and a receiver process that checks every
request's ``X-Saleor-HMAC-SHA256`` signature:

* events per second from state change to verified receipt: N events recorded one per
  transaction (each commit kicks the worker), and N recorded in one transaction (a
  backlog); with the p50/p95 of the time from each commit to its verified receipt;
* the latency of a pickup status change (``pickup_status_update``, RECEIVED to
  PREPARING, called in-process as a staff user) with a subscribed webhook (event,
  delivery row, on-commit kick to Redis) against the same change with no
  subscription (delivery disabled: the event row only) and, for reference, with
  event recording switched off altogether. The three run interleaved, in the same
  process, on fresh pickups, while the worker delivers in the background.

Run it from outside the checkout (its graphql/ folder would hide graphql-core)::

    cd /tmp && /work/main/.venv/bin/python /work/main/bench/webhooks.py [--quick]

It uses a database of its own (created and migrated on the first run) and refuses
one holding stores or orders it did not create.
"""

import argparse
import hashlib
import hmac
import json
import multiprocessing
import os
import random
import string
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Dict, List, Optional, Sequence

# Shared with the other benchmarks (same folder): database and Django set-up,
# percentiles. Importing it also keeps the checkout root off sys.path.
import locator

DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/saleor_o2o_bench_webhooks"
BROKER_URL = "redis://127.0.0.1:6379/14"
SECRET = "bench-webhook-secret"
SLUG_PREFIX = locator.SLUG_PREFIX
ORDER_EMAIL_DOMAIN = "@bench.example"
APP_NAME = "bench webhooks"
#: The lines with the ratios the benchmark is for, as regular expressions: every
#: run prints them, quick or full (tests/test_benchmarks.py runs it with --quick
#: and looks for each).
RATIO_LINES = (
    r"^one per transaction +[\d,]+ +[\d,]+ ",
    r"^all in one transaction +[\d,]+ +[\d,]+ ",
    r"^subscribed +\d+ +\S+ +\S+ +\S+x +\S+x$",
    r"^no event recording +\d+ +\S+ +\S+ +\S+x +\S+x$",
)

log = locator.log
percentile = locator.percentile


def parse_args(argv: Optional[Sequence[str]] = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--database-url", default=DEFAULT_DATABASE_URL)
    parser.add_argument("--broker-url", default=BROKER_URL)
    parser.add_argument("--quick", action="store_true", help="few events and runs")
    parser.add_argument("--events", type=int, help="events per throughput run (2000)")
    parser.add_argument("--runs", type=int, help="mutations per variant (300)")
    return parser.parse_args(argv)


# The receiver: a process of its own, so it takes no GIL from the timed code. -----


def receiver_main(conn, secret: bytes) -> None:
    """Serve POSTs on a free port; answer the parent's "snapshot" and "stop"."""
    receipts: Dict[int, List] = {}
    lock = threading.Lock()

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args):
            pass

        def do_POST(self):
            body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
            expected = "sha1=" + hmac.new(secret, body, hashlib.sha256).hexdigest()
            verified = hmac.compare_digest(
                self.headers.get("X-Saleor-HMAC-SHA256", ""), expected
            )
            [data] = json.loads(body)
            with lock:
                receipts.setdefault(data["event_id"], []).append(
                    (
                        time.monotonic(),
                        verified,
                        self.headers.get("X-O2O-Idempotency-Key"),
                    )
                )
            self.send_response(200 if verified else 403)
            self.send_header("Content-Length", "0")
            self.end_headers()

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    conn.send(server.server_address[1])
    while True:
        command = conn.recv()
        if command == "snapshot":
            with lock:
                conn.send({k: list(v) for k, v in receipts.items()})
        elif command == "clear":
            with lock:
                receipts.clear()
            conn.send(True)
        else:
            break
    server.shutdown()


class Receiver:
    def __init__(self) -> None:
        context = multiprocessing.get_context("fork")
        self.conn, child = context.Pipe()
        self.process = context.Process(
            target=receiver_main, args=(child, SECRET.encode()), daemon=True
        )
        self.process.start()
        self.port = self.conn.recv()
        self.url = f"http://127.0.0.1:{self.port}/o2o"

    def snapshot(self) -> Dict[int, List]:
        self.conn.send("snapshot")
        return self.conn.recv()

    def clear(self) -> None:
        self.conn.send("clear")
        self.conn.recv()

    def stop(self) -> None:
        try:
            self.conn.send("stop")
        except OSError:
            pass
        self.process.join(5)
        if self.process.is_alive():
            self.process.kill()


# The worker --------------------------------------------------------------------


class Worker:
    def __init__(self, database_url: str, broker_url: str) -> None:
        self.directory = tempfile.mkdtemp(prefix="o2o-bench-webhooks-")
        self.log_path = os.path.join(self.directory, "worker.log")
        env = dict(os.environ)
        env.update(
            {
                "DJANGO_SETTINGS_MODULE": locator.SETTINGS_MODULE,
                "DATABASE_URL": database_url,
                "CELERY_BROKER_URL": broker_url,
                "DEBUG": "False",
            }
        )
        celery = os.path.join(os.path.dirname(sys.executable), "celery")
        with open(self.log_path, "wb") as out:
            self.process = subprocess.Popen(
                [
                    celery,
                    "-A",
                    "saleor",
                    "worker",
                    "-B",
                    "-s",
                    os.path.join(self.directory, "beat-schedule"),
                    "-n",
                    "bench-webhooks@%h",
                    "-l",
                    "info",
                    "--concurrency",
                    "1",
                    "--without-gossip",
                    "--without-mingle",
                    "--without-heartbeat",
                ],
                cwd=self.directory,
                env=env,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        deadline = time.monotonic() + 60
        while " ready." not in self.log():
            if self.process.poll() is not None or time.monotonic() > deadline:
                self.stop()
                raise SystemExit(f"The worker did not start:\n{self.log()[-3000:]}")
            time.sleep(0.1)

    def log(self) -> str:
        with open(self.log_path, errors="replace") as log_file:
            return log_file.read()

    def stop(self) -> None:
        import signal

        for sig, wait in ((signal.SIGTERM, 15), (signal.SIGKILL, 5)):
            try:
                os.killpg(self.process.pid, sig)
            except ProcessLookupError:
                break
            try:
                self.process.wait(wait)
            except subprocess.TimeoutExpired:
                pass


# Data --------------------------------------------------------------------------


def refuse_foreign_data() -> None:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT (SELECT count(*) FROM saleor_o2o_store WHERE slug NOT LIKE %s),"
            " (SELECT count(*) FROM order_order WHERE user_email NOT LIKE %s)",
            [SLUG_PREFIX + "%", "%" + ORDER_EMAIL_DOMAIN],
        )
        stores, orders = cursor.fetchone()
    if stores or orders:
        raise SystemExit(
            f"The database holds {stores} stores and {orders} orders the benchmark"
            " did not create; give it a database of its own (--database-url)."
        )


def reset_data(receiver_url: str):
    """Remove earlier runs' events and pickups; return (webhook, store, staff)."""
    from django.contrib.auth.models import Permission
    from django.contrib.sites.models import Site
    from saleor.account.models import User
    from saleor.app.models import App
    from saleor.order.models import Order
    from saleor.webhook.models import Webhook

    from saleor_o2o.pickup.models import Pickup
    from saleor_o2o.store import services as store_services
    from saleor_o2o.store.models import Store
    from saleor_o2o.webhook.events import O2OEventType
    from saleor_o2o.webhook.models import O2OEvent, WebhookSubscription

    Pickup.objects.all().delete()
    Order.objects.all().delete()
    O2OEvent.objects.all().delete()  # Deliveries and attempts go with them.
    App.objects.filter(name=APP_NAME).delete()
    Site.objects.update_or_create(
        pk=1, defaults={"domain": "bench.example", "name": "bench"}
    )
    app = App.objects.create(name=APP_NAME, is_active=True)
    # Pickup events go only to apps holding MANAGE_ORDERS.
    app.permissions.add(
        Permission.objects.get(
            content_type__app_label="order", codename="manage_orders"
        )
    )
    webhook = Webhook.objects.create(
        app=app, target_url=receiver_url, is_active=True, secret_key=SECRET
    )
    WebhookSubscription.objects.bulk_create(
        WebhookSubscription(webhook=webhook, event_type=event_type)
        for event_type in (O2OEventType.PICKUP_READY, O2OEventType.PICKUP_PREPARING)
    )
    store = Store.objects.filter(slug=SLUG_PREFIX + "webhooks").first()
    if store is None:
        store = store_services.store_create(
            data={
                "name": "Bench webhooks",
                "slug": SLUG_PREFIX + "webhooks",
                "address": {
                    "street_address_1": "1 Rue de Test",
                    "city": "Paris",
                    "postal_code": "75001",
                    "country": "FR",
                    "country_area": "",
                },
                "latitude": 48.86,
                "longitude": 2.34,
                "timezone": "Europe/Paris",
                "opening_hours": [],
            }
        )
    staff, _ = User.objects.get_or_create(
        email="staff" + ORDER_EMAIL_DOMAIN, defaults={"is_staff": True}
    )
    return webhook, store, staff


def make_pickups(store, count: int) -> list:
    from saleor.order.models import Order

    from saleor_o2o.pickup.models import Pickup

    orders = Order.objects.bulk_create(
        Order(
            token=str(uuid.uuid4()),
            user_email=f"shopper{n}{ORDER_EMAIL_DOMAIN}",
            currency="USD",
        )
        for n in range(count)
    )
    rng = random.Random(7)
    return Pickup.objects.bulk_create(
        Pickup(
            order=order,
            store=store,
            code="".join(rng.choice(string.ascii_uppercase) for _ in range(6)),
        )
        for order in orders
    )


# Throughput --------------------------------------------------------------------


def wait_for_receipts(receiver: Receiver, event_ids, timeout: float) -> Dict:
    wanted = set(event_ids)
    deadline = time.monotonic() + timeout
    while True:
        receipts = receiver.snapshot()
        verified = {k for k, v in receipts.items() if any(r[1] for r in v)}
        if wanted <= verified:
            return receipts
        if time.monotonic() > deadline:
            raise SystemExit(
                f"Only {len(wanted & verified)} of {len(wanted)} events arrived in"
                f" {timeout:.0f}s."
            )
        time.sleep(0.05)


def throughput(receiver: Receiver, count: int, *, one_transaction: bool) -> dict:
    from django.db import transaction

    from saleor_o2o.webhook.events import O2OEventType, events_record

    receiver.clear()
    committed: Dict[int, float] = {}

    def payload(n):
        return {"type": "Pickup", "id": f"bench-{n}", "n": n}

    started = time.monotonic()
    if one_transaction:
        with transaction.atomic():
            events = events_record(
                type=O2OEventType.PICKUP_READY,
                payloads=[payload(n) for n in range(count)],
            )
        now = time.monotonic()
        committed = {event.pk: now for event in events}
    else:
        for n in range(count):
            with transaction.atomic():
                [event] = events_record(
                    type=O2OEventType.PICKUP_READY, payloads=[payload(n)]
                )
            committed[event.pk] = time.monotonic()
    recorded = time.monotonic() - started
    receipts = wait_for_receipts(receiver, committed, timeout=120 + count / 20)
    last = max(receipts[pk][0][0] for pk in committed)
    latencies = [receipts[pk][0][0] - at for pk, at in committed.items()]
    return {
        "events": count,
        "recorded_s": recorded,
        "total_s": last - started,
        "rate": count / (last - started),
        "p50_ms": percentile(latencies, 50) * 1000,
        "p95_ms": percentile(latencies, 95) * 1000,
        "duplicates": sum(len(receipts[pk]) - 1 for pk in committed),
        "unverified": sum(1 for pk in committed if not receipts[pk][0][1]),
    }


# Mutation latency --------------------------------------------------------------


def mutation_latency(webhook, store, staff, runs: int) -> Dict[str, List[float]]:
    from unittest import mock

    from saleor_o2o.pickup import services as pickup_services
    from saleor_o2o.pickup.models import PickupStatus
    from saleor_o2o.pickup.services import Actor, pickup_status_update
    from saleor_o2o.webhook.events import O2OEventType
    from saleor_o2o.webhook.models import WebhookDelivery, WebhookSubscription

    variants = ["subscribed", "no subscription", "no event recording"]
    pickups = make_pickups(store, runs * len(variants) + 10)
    actor = Actor(kind="staff", user=staff)
    samples: Dict[str, List[float]] = {name: [] for name in variants}
    deliveries_before = WebhookDelivery.objects.count()

    def subscribe(on: bool) -> None:
        subscriptions = WebhookSubscription.objects.filter(
            webhook=webhook, event_type=O2OEventType.PICKUP_PREPARING
        )
        if on and not subscriptions.exists():
            WebhookSubscription.objects.create(
                webhook=webhook, event_type=O2OEventType.PICKUP_PREPARING
            )
        elif not on:
            subscriptions.delete()

    def change(pickup) -> float:
        started = time.perf_counter()
        pickup_status_update(pickup=pickup, status=PickupStatus.PREPARING, actor=actor)
        return time.perf_counter() - started

    # Warm-up: connections, plugin manager, first queries.
    subscribe(True)
    for pickup in pickups[-10:]:
        change(pickup)
    rng = random.Random(11)
    index = 0
    for _ in range(runs):
        order = list(variants)
        rng.shuffle(order)
        for name in order:
            pickup = pickups[index]
            index += 1
            subscribe(name == "subscribed")
            if name == "no event recording":
                with mock.patch.object(
                    pickup_services, "events_record", lambda **kwargs: []
                ):
                    samples[name].append(change(pickup))
            else:
                samples[name].append(change(pickup))
    subscribe(True)
    made = WebhookDelivery.objects.count() - deliveries_before
    if made != runs + 10:
        raise SystemExit(f"Expected {runs + 10} deliveries, found {made}.")
    return samples


# Output ------------------------------------------------------------------------


def print_report(rates: List[dict], latency: Dict[str, List[float]], facts) -> None:
    print()
    print("Webhook delivery, one worker (--concurrency 1), receiver on 127.0.0.1")
    print(facts)
    print()
    header = (
        f"{'recording':<28}{'events':>8}{'events/s':>10}{'record s':>10}"
        f"{'total s':>9}{'p50 ms':>9}{'p95 ms':>9}{'dupes':>7}{'bad sig':>8}"
    )
    print(header)
    print("-" * len(header))
    for label, row in rates:
        print(
            f"{label:<28}{row['events']:>8,}{row['rate']:>10,.0f}"
            f"{row['recorded_s']:>10.2f}{row['total_s']:>9.2f}"
            f"{row['p50_ms']:>9.1f}{row['p95_ms']:>9.1f}"
            f"{row['duplicates']:>7}{row['unverified']:>8}"
        )
    print(
        "  events/s: events / (first commit to last verified receipt);"
        " p50/p95: each event's commit to its verified receipt"
    )
    print()
    base = latency["no subscription"]
    base50, base95 = percentile(base, 50), percentile(base, 95)
    header = (
        f"{'pickup_status_update (in-process)':<36}{'runs':>6}{'p50 ms':>9}"
        f"{'p95 ms':>9}{'p50 ratio':>11}{'p95 ratio':>11}"
    )
    print(header)
    print("-" * len(header))
    for name, samples in latency.items():
        p50, p95 = percentile(samples, 50), percentile(samples, 95)
        print(
            f"{name:<36}{len(samples):>6}{p50 * 1000:>9.2f}{p95 * 1000:>9.2f}"
            f"{p50 / base50:>10.2f}x{p95 / base95:>10.2f}x"
        )
    extra = percentile(latency["subscribed"], 50) - base50
    print(
        f"  outbox + delivery row + on-commit kick add {extra * 1000:.2f} ms at p50"
        " to a status change, against the same change with delivery disabled"
        " (ratios are to 'no subscription')"
    )


def server_facts() -> str:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        (version,) = cursor.fetchone()
    return (
        f"PostgreSQL {version}, Python {sys.version.split()[0]}, {os.cpu_count()} CPUs"
    )


def main(argv: Optional[Sequence[str]] = None) -> int:
    args = parse_args(argv)
    count = args.events or (100 if args.quick else 2000)
    runs = args.runs or (30 if args.quick else 300)
    # Before Django: Saleor's settings read the broker from the environment.
    os.environ["CELERY_BROKER_URL"] = args.broker_url
    receiver = Receiver()  # Forked before Django and its connections exist.
    worker = None
    try:
        locator.ensure_database(args.database_url)
        locator.setup_django(args.database_url)
        locator.migrate()
        refuse_foreign_data()
        locator.activate_plugin()
        from saleor.celeryconf import app

        app.control.purge()
        webhook, store, staff = reset_data(receiver.url)
        worker = Worker(args.database_url, args.broker_url)
        log(f"worker up; {count:,} events per throughput run, {runs} mutations each")
        warm = throughput(receiver, 20, one_transaction=False)
        log(f"warm-up: {warm['events']} events at {warm['rate']:.0f}/s")
        rates = []
        for label, one in (
            ("one per transaction", False),
            ("all in one transaction", True),
        ):
            row = throughput(receiver, count, one_transaction=one)
            log(f"{label}: {row['rate']:.0f} events/s")
            rates.append((label, row))
        latency = mutation_latency(webhook, store, staff, runs)
        log("mutations timed")
        print_report(rates, latency, server_facts())
        failures = sum(row["duplicates"] + row["unverified"] for _, row in rates)
        return 1 if failures else 0
    finally:
        if worker is not None:
            worker.stop()
        receiver.stop()


if __name__ == "__main__":
    sys.exit(main())
