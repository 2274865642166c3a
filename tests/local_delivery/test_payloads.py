"""Delivery webhooks: an event per move, what it says, and who receives it."""

import pytest

from saleor_o2o.core.ids import global_id
from saleor_o2o.local_delivery import rules as lc
from saleor_o2o.local_delivery.payloads import EVENT_FOR_STATUS
from saleor_o2o.store.models import AppStore
from saleor_o2o.webhook.events import O2OEventType
from saleor_o2o.webhook.models import O2OEvent, WebhookDelivery

from helpers.deliveries import move


def test_every_status_has_its_own_event_type():
    assert set(EVENT_FOR_STATUS) == {
        value for value, _ in lc.LocalDeliveryStatus.CHOICES
    }
    assert len(set(EVENT_FOR_STATUS.values())) == len(EVENT_FOR_STATUS)
    assert set(EVENT_FOR_STATUS.values()) == {
        value for value, _ in O2OEventType.CHOICES if value.startswith("local_")
    }


def test_the_payload_says_what_a_dispatch_app_needs_and_never_the_code(
    local_delivery_factory, clerk, staff_user
):
    delivery = local_delivery_factory()
    move(delivery, lc.PREPARING, actor=clerk)
    delivery = move(delivery, lc.OUT_FOR_DELIVERY, actor=clerk, courier="Lou")

    payload = O2OEvent.objects.get(
        type=O2OEventType.LOCAL_DELIVERY_OUT_FOR_DELIVERY
    ).payload

    assert payload == {
        "type": "LocalDelivery",
        "id": global_id("LocalDelivery", delivery.pk),
        "status": "OUT_FOR_DELIVERY",
        "window": {
            "start": delivery.window_start.isoformat(),
            "end": delivery.window_end.isoformat(),
        },
        "distance_km": 2.5,
        "courier_name": "Lou",
        "tracking_reference": "",
        "attempts": 1,
        "delivered_at": None,
        "order": {
            "id": global_id("Order", delivery.order_id),
            "number": str(delivery.order_id),
            "user_email": "shopper@example.com",
        },
        "store": {
            "id": global_id("Store", delivery.store_id),
            "name": delivery.store.name,
            "slug": delivery.store.slug,
            "warehouse_id": global_id("Warehouse", delivery.store.warehouse_id),
        },
        "transition": {
            "from": "PREPARING",
            "to": "OUT_FOR_DELIVERY",
            "actor_type": "STAFF",
            "user_id": global_id("User", staff_user.pk),
            "app_id": None,
            "note": "",
        },
    }
    move(delivery, lc.DELIVERED, actor=clerk)
    for event in O2OEvent.objects.all():
        assert delivery.code not in str(event.payload)


def test_a_move_reaches_a_subscriber_signed(
    local_delivery_factory, clerk, o2o_webhook, webhook_receiver, on_commit
):
    o2o_webhook(
        O2OEventType.LOCAL_DELIVERY_OUT_FOR_DELIVERY,
        O2OEventType.LOCAL_DELIVERY_DELIVERED,
    )
    delivery = move(local_delivery_factory(), lc.PREPARING, actor=clerk)

    with on_commit():
        delivery = move(delivery, lc.OUT_FOR_DELIVERY, actor=clerk)
    with on_commit():
        move(delivery, lc.DELIVERED, actor=clerk)

    received = webhook_receiver.requests
    assert [r["event"] for r in received] == [
        "local_delivery_out_for_delivery",
        "local_delivery_delivered",
    ]
    assert all(r["verified"] for r in received)
    assert received[0]["data"]["id"] == global_id("LocalDelivery", delivery.pk)
    assert received[1]["data"]["status"] == "DELIVERED"
    assert received[1]["data"]["delivered_at"]


@pytest.fixture
def two_stores(store, store_factory, local_delivery_factory, pickup_factory):
    other = store_factory("Lyon Bellecour", 45.7578, 4.8320, city="Lyon")
    return store, other


@pytest.mark.parametrize(
    "narrowed_to,heard",
    [((), 1), (("own",), 1), (("other",), 0), (("own", "other"), 1)],
)
def test_an_app_narrowed_to_stores_hears_only_of_their_deliveries(
    two_stores, local_delivery_factory, clerk, o2o_webhook, app, narrowed_to, heard
):
    store, other = two_stores
    webhook = o2o_webhook(O2OEventType.LOCAL_DELIVERY_PREPARING)
    for name in narrowed_to:
        AppStore.objects.create(app=app, store=store if name == "own" else other)

    move(local_delivery_factory(from_store=store), lc.PREPARING, actor=clerk)

    assert WebhookDelivery.objects.filter(webhook=webhook).count() == heard


def test_pickup_events_are_scoped_to_the_store_as_well(
    two_stores, pickup_factory, o2o_webhook, app
):
    store, other = two_stores
    webhook = o2o_webhook(O2OEventType.PICKUP_CREATED)
    AppStore.objects.create(app=app, store=other)

    pickup_factory(in_store=store)
    assert WebhookDelivery.objects.filter(webhook=webhook).count() == 0
    pickup_factory(in_store=other)
    assert WebhookDelivery.objects.filter(webhook=webhook).count() == 1
