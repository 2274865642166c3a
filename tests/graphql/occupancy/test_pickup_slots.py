"""Pickup slots while a store is crowded, and their typical level."""

import pytest
from django.utils import timezone
from saleor.warehouse.models import Stock

from saleor_o2o.occupancy import history, services

from helpers.api import content, gid
from helpers.slots import local, new_checkout

SLOTS = """
query($id: ID!, $date: Date!) {
  store(id: $id) { pickupSlots(date: $date) { start capacity remaining typicalLevel } }
}
"""

CHOOSE = """
mutation($checkout: ID!, $store: ID!, $slot: DateTime) {
  checkoutPickupStoreUpdate(checkoutId: $checkout, storeId: $store, slot: $slot) {
    pickupErrors { field code }
  }
}
"""


@pytest.fixture
def busy_store(store, variant, monkeypatch):
    """Slots of an hour for 3 pickups, no lead time; it is 10:00 on the Tuesday."""
    store.pickup_slot_minutes = 60
    store.pickup_slot_capacity = 3
    store.pickup_lead_time_minutes = 0
    store.save()
    Stock.objects.create(warehouse=store.warehouse, product_variant=variant, quantity=9)
    monkeypatch.setattr(timezone, "now", lambda: local(10))
    services.occupancy_settings_update(
        store_id=store.pk, data={"capacity": 10, "crowded_slot_capacity": 1}
    )
    return store


def slots(client, store):
    answer = client.post_graphql(
        SLOTS, {"id": gid("Store", store.pk), "date": "2026-11-24"}
    )
    return content(answer)["store"]["pickupSlots"]


def choose(client, checkout, store, slot):
    answer = client.post_graphql(
        CHOOSE,
        {
            "checkout": gid("Checkout", checkout.pk),
            "store": gid("Store", store.pk),
            "slot": slot.isoformat(),
        },
    )
    return content(answer)["checkoutPickupStoreUpdate"]["pickupErrors"]


def test_slots_of_the_next_hour_shrink_while_the_store_is_crowded(
    api_client, o2o_active, busy_store, variant, pickup_factory
):
    assert [s["capacity"] for s in slots(api_client, busy_store)][:2] == [3, 3]

    services.store_occupancy_update(store_id=busy_store.pk, count=9)

    found = slots(api_client, busy_store)
    assert (found[0]["start"], found[0]["capacity"]) == (local(10).isoformat(), 1)
    assert [s["capacity"] for s in found[1:]] == [3] * (len(found) - 1)
    pickup_factory(slot=local(10))  # Books the one place left at 10:00.
    assert slots(api_client, busy_store)[0]["remaining"] == 0
    assert choose(api_client, new_checkout(variant), busy_store, local(10)) == [
        {"field": "slot", "code": "SLOT_FULL"}
    ]
    assert choose(api_client, new_checkout(variant), busy_store, local(11)) == []

    services.store_occupancy_update(store_id=busy_store.pk, count=2)  # Eased.
    assert slots(api_client, busy_store)[0]["capacity"] == 3


def test_each_slot_shows_how_busy_the_store_typically_is_then(
    api_client, o2o_active, busy_store
):
    # Tuesdays: quiet at 10:00, crowded at 12:00 (Paris), a week before.
    history.samples_add(
        [(busy_store.pk, busy_store.timezone, 1)], at=local(10).replace(day=17)
    )
    history.samples_add(
        [(busy_store.pk, busy_store.timezone, 9)], at=local(12).replace(day=17)
    )

    found = {s["start"]: s["typicalLevel"] for s in slots(api_client, busy_store)}

    assert found[local(10).isoformat()] == "QUIET"
    assert found[local(11).isoformat()] is None
    assert found[local(12).isoformat()] == "CROWDED"
