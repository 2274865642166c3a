"""Pickup slots as bookings fill them: pickups and checkouts holding a slot."""

import datetime as dt

from saleor_o2o.pickup import checkout as pickup_checkout
from saleor_o2o.pickup import selectors as pickup_selectors
from saleor_o2o.pickup.models import Pickup, PickupStatus

from helpers.slots import NOW, local, new_checkout


def test_cancelled_pickups_free_their_slot(o2o_active, slotted_store, variant, frozen):
    from saleor.order.models import Order

    order = Order.objects.create(user_email="a@example.com", currency="USD")
    pickup = Pickup.objects.create(
        order=order, store=slotted_store, slot_start=local(11), code="ABCDEF"
    )
    booked = pickup_selectors.store_pickup_slots(
        store=slotted_store, day=dt.date(2026, 11, 24)
    )
    assert booked[0].remaining == 0
    pickup.status = PickupStatus.CANCELLED
    pickup.save()
    freed = pickup_selectors.store_pickup_slots(
        store=slotted_store, day=dt.date(2026, 11, 24)
    )
    assert freed[0].remaining == 1


def test_each_completing_checkout_counts_against_the_slot(
    o2o_active, slotted_store, variant, frozen
):
    """Two checkouts holding one slot while they complete count twice, not once."""
    from saleor_o2o.core.settings import O2OSettings
    from saleor_o2o.pickup.models import CheckoutPickup

    for _ in range(2):
        checkout = new_checkout(variant)
        pickup_checkout.checkout_pickup_set(
            checkout=checkout,
            store=slotted_store,
            curbside=False,
            settings=O2OSettings(active=True),
        )
        CheckoutPickup.objects.filter(checkout=checkout).update(
            slot_start=local(11), held_until=NOW + dt.timedelta(minutes=10)
        )

    booked = pickup_selectors.slot_bookings(
        store=slotted_store, start=local(0), end=local(23)
    )

    assert booked == {local(11): 2}
