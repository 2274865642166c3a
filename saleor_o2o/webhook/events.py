"""O2O events, recorded in the same transaction as the change that causes them.

Rows of `O2OEvent` form an outbox: recording an event also creates one
`WebhookDelivery` per subscribed webhook, in the same transaction, so an event is
delivered exactly when its change is committed, whatever happens to the broker or the
receiver afterwards (see `webhook.delivery`). Payloads follow Saleor's webhooks:
JSON with global IDs.

Each event type needs a permission, as Saleor's own events do
(`O2OEventType.PERMISSIONS`): a webhook's app must hold it to subscribe, and to have
the event delivered.
"""

from typing import Any, Dict, List, Optional, Sequence

from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from saleor.core.permissions import (
    AccountPermissions,
    BasePermissionEnum,
    DiscountPermissions,
    OrderPermissions,
    ProductPermissions,
)

from saleor_o2o.core.tasks import DELIVER_WEBHOOKS, enqueue
from saleor_o2o.webhook.models import O2OEvent, WebhookDelivery, WebhookSubscription


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
    LOCAL_DELIVERY_CREATED = "local_delivery_created"
    LOCAL_DELIVERY_PREPARING = "local_delivery_preparing"
    LOCAL_DELIVERY_OUT_FOR_DELIVERY = "local_delivery_out_for_delivery"
    LOCAL_DELIVERY_DELIVERED = "local_delivery_delivered"
    LOCAL_DELIVERY_FAILED_ATTEMPT = "local_delivery_failed_attempt"
    LOCAL_DELIVERY_RETURNED_TO_STORE = "local_delivery_returned_to_store"
    LOCAL_DELIVERY_CANCELLED = "local_delivery_cancelled"
    TRY_ON_RESERVED = "try_on_reserved"
    TRY_ON_RELEASED = "try_on_released"
    TRY_ON_EXPIRED = "try_on_expired"
    TRY_ON_CONVERTED = "try_on_converted"
    TRY_ON_CANCELLED = "try_on_cancelled"
    STORE_EVENT_RSVP_CREATED = "store_event_rsvp_created"
    STORE_EVENT_RSVP_CANCELLED = "store_event_rsvp_cancelled"
    APPOINTMENT_BOOKED = "appointment_booked"
    APPOINTMENT_RESCHEDULED = "appointment_rescheduled"
    APPOINTMENT_CANCELLED = "appointment_cancelled"
    APPOINTMENT_CHECKED_IN = "appointment_checked_in"
    APPOINTMENT_NO_SHOW = "appointment_no_show"
    STORE_CROWDED = "store_crowded"
    STORE_EASED = "store_eased"

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
        (LOCAL_DELIVERY_CREATED, "A local delivery order was placed (RECEIVED)"),
        (LOCAL_DELIVERY_PREPARING, "Staff started preparing a local delivery"),
        (
            LOCAL_DELIVERY_OUT_FOR_DELIVERY,
            "A local delivery left the store with a courier",
        ),
        (LOCAL_DELIVERY_DELIVERED, "A local delivery was handed to the shopper"),
        (LOCAL_DELIVERY_FAILED_ATTEMPT, "A local delivery attempt failed"),
        (
            LOCAL_DELIVERY_RETURNED_TO_STORE,
            "A local delivery came back to the store; its stock is released",
        ),
        (LOCAL_DELIVERY_CANCELLED, "A local delivery was cancelled"),
        (TRY_ON_RESERVED, "A shopper reserved items at a store to try them"),
        (TRY_ON_RELEASED, "The store released the items held for a shopper"),
        (TRY_ON_EXPIRED, "A try-on hold ended; its items are back in stock"),
        (TRY_ON_CONVERTED, "The desk sold the items held for a shopper"),
        (TRY_ON_CANCELLED, "A shopper cancelled their try-on reservation"),
        (STORE_EVENT_RSVP_CREATED, "A shopper took a place at a store event"),
        (STORE_EVENT_RSVP_CANCELLED, "A shopper gave their place at an event back"),
        (APPOINTMENT_BOOKED, "A shopper booked an appointment at a store"),
        (APPOINTMENT_RESCHEDULED, "An appointment was moved to another time"),
        (APPOINTMENT_CANCELLED, "An appointment was cancelled"),
        (APPOINTMENT_CHECKED_IN, "The shopper of an appointment checked in"),
        (
            APPOINTMENT_NO_SHOW,
            "The shopper did not come to an appointment (after the grace period)",
        ),
        (STORE_CROWDED, "A store's occupancy reached its crowded threshold"),
        (STORE_EASED, "A crowded store's occupancy eased below its threshold"),
    ]

    #: The permission an app needs to receive each event, as Saleor's
    #: ``WebhookEventType.PERMISSIONS``: the one that reads what the payload is about.
    PERMISSIONS: Dict[str, BasePermissionEnum] = {
        PICKUP_CREATED: OrderPermissions.MANAGE_ORDERS,
        PICKUP_PREPARING: OrderPermissions.MANAGE_ORDERS,
        PICKUP_READY: OrderPermissions.MANAGE_ORDERS,
        PICKUP_CUSTOMER_ARRIVED: OrderPermissions.MANAGE_ORDERS,
        PICKUP_COLLECTED: OrderPermissions.MANAGE_ORDERS,
        PICKUP_EXPIRY_REMINDER: OrderPermissions.MANAGE_ORDERS,
        PICKUP_EXPIRED: OrderPermissions.MANAGE_ORDERS,
        PICKUP_CANCELLED: OrderPermissions.MANAGE_ORDERS,
        STORE_STOCK_LOW: ProductPermissions.MANAGE_PRODUCTS,
        OFFER_CLAIMED: DiscountPermissions.MANAGE_DISCOUNTS,
        OFFER_REDEEMED: DiscountPermissions.MANAGE_DISCOUNTS,
        LOCAL_DELIVERY_CREATED: OrderPermissions.MANAGE_ORDERS,
        LOCAL_DELIVERY_PREPARING: OrderPermissions.MANAGE_ORDERS,
        LOCAL_DELIVERY_OUT_FOR_DELIVERY: OrderPermissions.MANAGE_ORDERS,
        LOCAL_DELIVERY_DELIVERED: OrderPermissions.MANAGE_ORDERS,
        LOCAL_DELIVERY_FAILED_ATTEMPT: OrderPermissions.MANAGE_ORDERS,
        LOCAL_DELIVERY_RETURNED_TO_STORE: OrderPermissions.MANAGE_ORDERS,
        LOCAL_DELIVERY_CANCELLED: OrderPermissions.MANAGE_ORDERS,
        TRY_ON_RESERVED: OrderPermissions.MANAGE_ORDERS,
        TRY_ON_RELEASED: OrderPermissions.MANAGE_ORDERS,
        TRY_ON_EXPIRED: OrderPermissions.MANAGE_ORDERS,
        TRY_ON_CONVERTED: OrderPermissions.MANAGE_ORDERS,
        TRY_ON_CANCELLED: OrderPermissions.MANAGE_ORDERS,
        # The payload names a shopper (their e-mail): for apps that read customers.
        STORE_EVENT_RSVP_CREATED: AccountPermissions.MANAGE_USERS,
        STORE_EVENT_RSVP_CANCELLED: AccountPermissions.MANAGE_USERS,
        # Appointments are read at the desk with MANAGE_ORDERS, as pickups are.
        APPOINTMENT_BOOKED: OrderPermissions.MANAGE_ORDERS,
        APPOINTMENT_RESCHEDULED: OrderPermissions.MANAGE_ORDERS,
        APPOINTMENT_CANCELLED: OrderPermissions.MANAGE_ORDERS,
        APPOINTMENT_CHECKED_IN: OrderPermissions.MANAGE_ORDERS,
        APPOINTMENT_NO_SHOW: OrderPermissions.MANAGE_ORDERS,
        STORE_CROWDED: ProductPermissions.MANAGE_PRODUCTS,
        STORE_EASED: ProductPermissions.MANAGE_PRODUCTS,
    }


def deliveries_kick() -> None:
    """Ask a worker to send due deliveries now; the periodic sweep covers failures."""
    enqueue(DELIVER_WEBHOOKS)


def _require_transaction() -> None:
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("Record events inside the transaction of their change.")


def permission_lookup(event_type: str, prefix: str = "") -> Dict[str, str]:
    """Return the ORM lookup "holds the event's permission" for ``<prefix>permissions``.

    E.g. ``Webhook.objects.filter(**permission_lookup(event_type, "app__"))``.
    """
    app_label, codename = O2OEventType.PERMISSIONS[event_type].value.split(".")
    return {
        f"{prefix}permissions__content_type__app_label": app_label,
        f"{prefix}permissions__codename": codename,
    }


def _subscribed_webhooks(
    event_type: str, store_ids: Optional[Sequence[int]]
) -> List[int]:
    """Active webhooks subscribed to the event whose active app holds its permission
    (and, for an event about a store, acts in that store)."""
    subscriptions = WebhookSubscription.objects.filter(
        event_type=event_type,
        webhook__is_active=True,
        webhook__app__is_active=True,
        **permission_lookup(event_type, "webhook__app__"),
    )
    if store_ids is not None:
        # An app narrowed to some stores (`store.access`: rows of `AppStore`, the
        # app's ``o2o_stores``) hears only of those; an app with none, of every store.
        subscriptions = subscriptions.filter(
            Q(webhook__app__o2o_stores__isnull=True)
            | Q(webhook__app__o2o_stores__store_id__in=list(store_ids))
        )
    return list(
        subscriptions.order_by("webhook_id")
        .values_list("webhook_id", flat=True)
        .distinct()
    )


def events_record(
    *,
    type: str,
    payloads: Sequence[Dict[str, Any]],
    store_id: Optional[int] = None,
    store_ids: Optional[Sequence[int]] = None,
) -> List[O2OEvent]:
    """Record events of one type and their deliveries, in the caller's transaction.

    Events about one store's order (``store_id``) go only to apps acting there;
    events about several stores (``store_ids``), to apps acting in one of them.

    Receivers get each payload with ``event_id``, ``event_type`` and ``occurred_at``
    added (see `webhook.delivery.delivery_body`). The deliveries are handed to
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
    if store_id is not None:
        store_ids = [store_id, *(store_ids or ())]
    webhook_ids = _subscribed_webhooks(type, store_ids)
    if webhook_ids:
        WebhookDelivery.objects.bulk_create(
            [
                WebhookDelivery(event=event, webhook_id=webhook_id, next_attempt_at=now)
                for event in events
                for webhook_id in webhook_ids
            ],
            batch_size=1000,
        )
        transaction.on_commit(deliveries_kick)
    return events
