"""O2O events, recorded in the same transaction as the change that causes them.

Rows of `O2OEvent` form an outbox: recording an event also creates one
`WebhookDelivery` per subscribed webhook, in the same transaction, so an event is
delivered exactly when its change is committed, whatever happens to the broker or the
receiver afterwards (see `saleor_o2o.webhooks`). Payloads follow Saleor's webhooks:
JSON with global IDs.
"""

from typing import Any, Dict, List, Sequence

import graphene
from django.db import transaction
from django.utils import timezone

from .models import O2OEvent, WebhookDelivery, WebhookSubscription


class O2OEventType:
    """Event types, as sent in ``X-Saleor-Event``."""

    PICKUP_CREATED = "pickup_created"
    PICKUP_PREPARING = "pickup_preparing"
    PICKUP_READY = "pickup_ready"
    PICKUP_CUSTOMER_ARRIVED = "pickup_customer_arrived"
    PICKUP_COLLECTED = "pickup_collected"
    PICKUP_EXPIRY_REMINDER = "pickup_expiry_reminder"
    PICKUP_EXPIRED = "pickup_expired"
    PICKUP_CANCELLED = "pickup_cancelled"
    STORE_STOCK_LOW = "store_stock_low"
    OFFER_CLAIMED = "offer_claimed"
    OFFER_REDEEMED = "offer_redeemed"

    CHOICES = [
        (PICKUP_CREATED, "A pickup order was placed (status RECEIVED)"),
        (PICKUP_PREPARING, "Staff started preparing a pickup order"),
        (PICKUP_READY, "A pickup order is ready to collect"),
        (PICKUP_CUSTOMER_ARRIVED, "The shopper checked in at the store"),
        (PICKUP_COLLECTED, "The shopper collected the order"),
        (PICKUP_EXPIRY_REMINDER, "A ready pickup order will expire soon"),
        (PICKUP_EXPIRED, "A pickup order was not collected in time and expired"),
        (PICKUP_CANCELLED, "A pickup order was cancelled"),
        (STORE_STOCK_LOW, "A variant's stock for pickup at a store is low"),
        (OFFER_CLAIMED, "A shopper claimed an in-store offer"),
        (OFFER_REDEEMED, "An offer was redeemed in a store"),
    ]

    #: The event sent when a pickup reaches a status.
    FOR_STATUS = {
        "received": PICKUP_CREATED,
        "preparing": PICKUP_PREPARING,
        "ready": PICKUP_READY,
        "customer_arrived": PICKUP_CUSTOMER_ARRIVED,
        "collected": PICKUP_COLLECTED,
        "expired": PICKUP_EXPIRED,
        "cancelled": PICKUP_CANCELLED,
    }


def global_id(type_name: str, pk: Any) -> str:
    return graphene.Node.to_global_id(type_name, pk)


def _require_transaction() -> None:
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("Record events inside the transaction of their change.")


def _subscribed_webhooks(event_type: str) -> List[int]:
    return list(
        WebhookSubscription.objects.filter(
            event_type=event_type,
            webhook__is_active=True,
            webhook__app__is_active=True,
        )
        .order_by("webhook_id")
        .values_list("webhook_id", flat=True)
    )


def events_record(*, type: str, payloads: Sequence[Dict[str, Any]]) -> List[O2OEvent]:
    """Record events of one type and their deliveries, in the caller's transaction.

    Receivers get each payload with ``event_id``, ``event_type`` and ``occurred_at``
    added (see `saleor_o2o.webhooks.delivery_body`). The deliveries are handed to
    Celery once the transaction commits; if the broker is down then, the periodic
    sweep sends them later.
    """
    _require_transaction()
    if not payloads:
        return []
    now = timezone.now()
    events = O2OEvent.objects.bulk_create(
        [O2OEvent(type=type, payload=p, created_at=now) for p in payloads],
        batch_size=1000,
    )
    webhook_ids = _subscribed_webhooks(type)
    if webhook_ids:
        WebhookDelivery.objects.bulk_create(
            [
                WebhookDelivery(event=event, webhook_id=webhook_id, next_attempt_at=now)
                for event in events
                for webhook_id in webhook_ids
            ],
            batch_size=1000,
        )
        from .webhooks import deliveries_kick

        transaction.on_commit(deliveries_kick)
    return events
