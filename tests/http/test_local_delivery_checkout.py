"""Local delivery over HTTP: shoppers racing uwsgi's workers for a store's last
window places and last units.

Whatever the interleaving, a window takes no more deliveries than its capacity and
a store sells no more than it has; the others get a typed refusal before any
payment, and what they held is free again once the answers are in.
"""

import pytest
from saleor.order.models import Order
from saleor.warehouse.models import Allocation, Stock

from saleor_o2o.local_delivery.models import CheckoutLocalDelivery, LocalDelivery
from saleor_o2o.store.models import PickupReservation

from helpers.checkouts import (
    GATEWAY,
    assert_money_is_safe,
    complete_all,
    shoppers_prepare,
)
from helpers.deliveries import delivering, first_window
from helpers.storefront import HttpStorefront, outcome

pytestmark = [pytest.mark.slow]


@pytest.fixture
def shop(transactional_db, o2o_active, site_settings, variant, store_factory):
    """A published variant stocked only in a Paris store delivering to 75004."""
    product = variant.product
    product.is_published = True
    product.save(update_fields=["is_published"])
    store = store_factory("Paris Rivoli", 48.8606, 2.3376)
    delivering(store, variant, stock=50, window_capacity=3)
    return store, variant


def test_shoppers_racing_for_the_last_places_of_a_window(
    saleor_server, shop, race, parallel
):
    """12 shoppers choose the same window of 3 places, 50 units in stock."""
    store, variant = shop
    window = first_window(store, room=3).start
    shoppers = shoppers_prepare(
        saleor_server,
        parallel,
        12,
        lines=[(variant.pk, 1)],
        store_id=store.pk,
        local_window=window.isoformat(),
    )

    outcomes = complete_all(race, shoppers)

    assert outcomes == {"order": 3, "SHIPPING_METHOD_NOT_APPLICABLE": 9}, outcomes
    assert LocalDelivery.objects.filter(store=store, window_start=window).count() == 3
    assert_money_is_safe()
    assert not PickupReservation.objects.exists()
    assert not CheckoutLocalDelivery.objects.filter(held_until__isnull=False).exists()
    assert "deadlock" not in saleor_server.log()


def test_shoppers_racing_for_the_last_units(saleor_server, shop, race, parallel):
    """16 shoppers, 4 units, windows wide enough for all: the best store each."""
    store, variant = shop
    delivering(store, variant, stock=4, window_capacity=100)
    window = first_window(store).start
    shoppers = shoppers_prepare(
        saleor_server,
        parallel,
        16,
        lines=[(variant.pk, 1)],
        local_window=window.isoformat(),
    )

    outcomes = complete_all(race, shoppers)

    assert outcomes == {"order": 4, "INSUFFICIENT_STOCK": 12}, outcomes
    assert Order.objects.count() == LocalDelivery.objects.count() == 4
    allocated = Allocation.objects.filter(stock__warehouse=store.warehouse)
    assert sum(allocated.values_list("quantity_allocated", flat=True)) == 4
    assert Stock.objects.get(warehouse=store.warehouse).quantity == 4
    assert_money_is_safe()
    assert not PickupReservation.objects.exists()
    assert "deadlock" not in saleor_server.log()


def test_declined_payments_free_their_window_places(
    saleor_server, shop, race, parallel
):
    store, variant = shop
    window = first_window(store, room=3).start
    shoppers = shoppers_prepare(
        saleor_server,
        parallel,
        3,
        lines=[(variant.pk, 1)],
        store_id=store.pk,
        local_window=window.isoformat(),
        payment_token="declined",
    )

    assert complete_all(race, shoppers) == {"PAYMENT_ERROR": 3}
    assert first_window(store, room=3).start == window
    storefront = HttpStorefront(saleor_server.url)
    checkout_id = storefront.checkout_prepare(
        lines=[(variant.pk, 1)],
        store_id=store.pk,
        local_window=window.isoformat(),
        gateway=GATEWAY,
    )
    assert outcome(storefront.checkout_complete(checkout_id)) == "order"
    assert_money_is_safe()
