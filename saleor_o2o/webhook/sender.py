"""Sending due deliveries in lanes, one per webhook: a slow receiver delays itself."""

import logging
import queue
import threading
import time
from typing import Dict, Iterable, List, Optional, Sequence, Set, Tuple

from django.db import connection, transaction

from saleor_o2o.core.settings import get_o2o_settings, webhook_deployment
from saleor_o2o.webhook import http as webhook_http
from saleor_o2o.webhook.delivery import (
    ACCESS_SECONDS,
    BATCH_SIZE,
    DeliveryAccess,
    deliveries_claim,
    deliveries_release,
    delivery_attempt,
)
from saleor_o2o.webhook.models import WebhookDelivery

logger = logging.getLogger(__name__)


#: At most this many deliveries of one webhook are leased to one lane at a time.
LANE_SIZE = 10


#: While lanes run, newly due deliveries of other webhooks are looked for this often.
POLL_SECONDS = 0.25


#: One run claims new work this long, then finishes what it holds (Celery task).
RUN_SECONDS = 60.0


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
    access = DeliveryAccess(deliveries[0].webhook, max_age=ACCESS_SECONDS)
    with webhook_http.session() as http:
        for index, delivery in enumerate(deliveries):
            if stop is not None and stop.is_set():
                deliveries_release(deliveries[index:])
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
    return webhook_deployment().send_threads


def deliveries_send_due(*, max_batches: int = 20) -> int:
    """Send due deliveries; return how many attempts were made.

    Each webhook's deliveries go out in order on a thread of their own (a lane, at
    most ``O2O_WEBHOOK_SEND_THREADS`` at once, each with its own database
    connection), so a slow or dead receiver holds up nothing but its own events.
    While lanes run, newly due deliveries of the other webhooks are claimed every
    `POLL_SECONDS`. A run leases at most ``max_batches`` times `BATCH_SIZE`
    deliveries, then lets its lanes finish; after `RUN_SECONDS` its lanes end their
    current attempt and hand the rest back for the next run (a kick or the periodic
    sweep).

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
    """Send due deliveries on up to ``O2O_WEBHOOK_SEND_THREADS`` threads, one webhook
    per thread.

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
