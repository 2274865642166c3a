import datetime as dt

import graphene
from django.db import transaction
from saleor.warehouse.models import Stock

from saleor_o2o.pickup import checkout as pickup_checkout
from saleor_o2o.pickup.models import Pickup, PickupStatus

from helpers.slots import local, new_checkout

SLOTS = """
query($slug: String, $date: Date!) {
  store(slug: $slug) { pickupSlots(date: $date) { start end capacity remaining } }
}
"""

CHOOSE = """
mutation($checkout: ID!, $store: ID!, $slot: DateTime) {
  checkoutPickupStoreUpdate(checkoutId: $checkout, storeId: $store, slot: $slot) {
    checkout { pickup { slotStart } }
    pickupErrors { field code }
  }
}
"""


def choose(client, checkout, store, slot):
    return client.post_graphql(
        CHOOSE,
        {
            "checkout": graphene.Node.to_global_id("Checkout", checkout.pk),
            "store": graphene.Node.to_global_id("Store", store.pk),
            "slot": slot.isoformat() if slot else None,
        },
    ).json()["data"]["checkoutPickupStoreUpdate"]


def slots_of(client, store):
    response = client.post_graphql(SLOTS, {"slug": store.slug, "date": "2026-11-24"})
    return response.json()["data"]["store"]["pickupSlots"]


def test_slots_start_once_the_order_can_be_ready(
    api_client, o2o_active, slotted_store, frozen
):
    slots = slots_of(api_client, slotted_store)
    # Opens 09:00; two hours of preparation: the first slot starts at 11:00 Paris.
    assert slots[0] == {
        "start": "2026-11-24T10:00:00+00:00",
        "end": "2026-11-24T11:00:00+00:00",
        "capacity": 1,
        "remaining": 1,
    }
    assert len(slots) == 8  # 11:00 to 19:00.


def test_a_slot_fills_while_a_checkout_completes(
    api_client, o2o_active, slotted_store, variant, frozen
):
    first = new_checkout(variant)
    data = choose(api_client, first, slotted_store, local(11))
    assert data["pickupErrors"] == []
    assert data["checkout"]["pickup"]["slotStart"] == "2026-11-24T10:00:00+00:00"
    # The checkout starts completing: its reservation books the slot.
    first.refresh_from_db()
    with transaction.atomic():
        pickup_checkout.checkout_pickup_reserve(checkout=first)
    assert slots_of(api_client, slotted_store)[0]["remaining"] == 0
    second = new_checkout(variant)
    assert choose(api_client, second, slotted_store, local(11))["pickupErrors"] == [
        {"field": "slot", "code": "SLOT_FULL"}
    ]


def test_slots_that_are_not_offered(
    api_client, o2o_active, slotted_store, store_factory, variant, frozen
):
    checkout = new_checkout(variant)
    for slot in (local(9), local(20), local(11) + dt.timedelta(minutes=30)):
        data = choose(api_client, checkout, slotted_store, slot)
        assert data["pickupErrors"] == [{"field": "slot", "code": "SLOT_UNAVAILABLE"}]
    no_slots = store_factory("No slots", 48.86, 2.35)
    Stock.objects.create(
        warehouse=no_slots.warehouse, product_variant=variant, quantity=9
    )
    data = choose(api_client, checkout, no_slots, local(11))
    assert data["pickupErrors"] == [{"field": "slot", "code": "SLOT_UNAVAILABLE"}]


def test_slot_settings_are_validated(
    staff_api_client, permission_manage_products, store
):
    response = staff_api_client.post_graphql(
        """mutation($id: ID!) { storeUpdate(id: $id, input: {pickupSlotMinutes: 2}) {
             storeErrors { field code } } }""",
        {"id": graphene.Node.to_global_id("Store", store.pk)},
        permissions=[permission_manage_products],
    ).json()["data"]["storeUpdate"]
    assert response["storeErrors"] == [
        {"field": "pickupSlotMinutes", "code": "OUT_OF_RANGE"}
    ]


STORE_LIST_SLOTS = """
query($date: Date!) {
  stores(first: 20, near: {latitude: 48.8606, longitude: 2.3376}, radiusKm: 50) {
    edges { node { name pickupSlots(date: $date) { start remaining } } }
  }
}
"""


def test_slots_of_a_store_list_cost_the_same_queries_for_any_number_of_stores(
    api_client, o2o_active, store_factory, frozen, variant
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def queries_for(count):
        for index in range(count):
            made = store_factory(f"Slots {count}-{index}", 48.86 + index / 1000, 2.33)
            made.pickup_slot_minutes, made.pickup_slot_capacity = 60, 2
            made.save()
        with CaptureQueriesContext(connection) as captured:
            response = api_client.post_graphql(STORE_LIST_SLOTS, {"date": "2026-11-24"})
        edges = response.json()["data"]["stores"]["edges"]
        assert all(edge["node"]["pickupSlots"] for edge in edges), edges
        return len(edges), len(captured)

    few_stores, few_queries = queries_for(2)
    many_stores, many_queries = queries_for(8)

    assert (few_stores, many_stores) == (2, 10)
    assert many_queries == few_queries


def test_a_booked_slot_shows_in_a_store_list(
    api_client, o2o_active, slotted_store, frozen, variant
):
    with transaction.atomic():
        Pickup.objects.create(
            order=_order(),
            store=slotted_store,
            slot_start=local(11),
            code="ABCDEF",
            status=PickupStatus.READY,
        )

    response = api_client.post_graphql(STORE_LIST_SLOTS, {"date": "2026-11-24"})

    [edge] = response.json()["data"]["stores"]["edges"]
    remaining = {
        slot["start"]: slot["remaining"] for slot in edge["node"]["pickupSlots"]
    }
    assert remaining[local(11).isoformat()] == 0
    assert remaining[local(12).isoformat()] == 1


def _order():
    from saleor.order.models import Order

    return Order.objects.create(user_email="shopper@example.com", currency="USD")
