"""Money over HTTP: shoppers racing ``checkoutComplete`` against uwsgi's workers.

Whatever the interleaving, each shopper gets an order or a typed refusal, no
payment is captured without an order or twice, and what a refused shopper reserved
is free again as soon as the answers are in.
"""

import datetime as dt
from decimal import Decimal

import pytest
from django.db.models import Sum
from saleor.order.models import Order
from saleor.shipping import ShippingMethodType
from saleor.shipping.models import ShippingMethod, ShippingZone
from saleor.warehouse.models import Allocation, Stock, Warehouse

from saleor_o2o.pickup import selectors as pickup_selectors
from saleor_o2o.pickup.models import Pickup
from saleor_o2o.store.availability import pickup_availability
from saleor_o2o.store.models import PickupReservation

from helpers.checkouts import (
    GATEWAY,
    assert_money_is_safe,
    complete_all,
    shoppers_prepare,
)
from helpers.storefront import HttpStorefront, outcome

pytestmark = [pytest.mark.slow]


@pytest.fixture
def shop(transactional_db, o2o_active, site_settings, variant, store_factory):
    """A published variant stocked only in one Paris store (5 units)."""
    product = variant.product
    product.is_published = True
    product.save(update_fields=["is_published"])
    store = store_factory("Paris Rivoli", 48.8606, 2.3376)
    Stock.objects.create(warehouse=store.warehouse, product_variant=variant, quantity=5)
    return store, variant


def available(store, variant) -> int:
    return pickup_availability(store_ids=[store.pk], variant_ids=[variant.pk]).get(
        (store.pk, variant.pk), 0
    )


def test_shoppers_racing_for_the_last_units_of_a_store(
    saleor_server, shop, race, parallel
):
    """32 shoppers, 5 units, three rounds: five orders a round, the rest typed."""
    store, variant = shop
    for round_number in range(3):
        Stock.objects.filter(warehouse=store.warehouse).update(
            quantity=5 * (round_number + 1)
        )
        assert available(store, variant) == 5
        shoppers = shoppers_prepare(
            saleor_server,
            parallel,
            32,
            lines=[(variant.pk, 1)],
            store_id=store.pk,
            payment_token="fully_charged",
        )

        outcomes = complete_all(race, shoppers)

        assert outcomes == {"order": 5, "INSUFFICIENT_STOCK": 27}, outcomes
        assert Pickup.objects.count() == 5 * (round_number + 1)
        assert_money_is_safe()
        assert not PickupReservation.objects.exists()
        assert available(store, variant) == 0
    assert "deadlock" not in saleor_server.log()


def test_declined_payments_free_their_units_at_once(
    saleor_server, shop, race, parallel
):
    store, variant = shop
    shoppers = shoppers_prepare(
        saleor_server,
        parallel,
        5,
        lines=[(variant.pk, 1)],
        store_id=store.pk,
        payment_token="declined",
    )

    outcomes = complete_all(race, shoppers)

    assert outcomes == {"PAYMENT_ERROR": 5}, outcomes
    assert not PickupReservation.objects.exists()
    assert available(store, variant) == 5
    # A paying shopper can take all five straight away.
    storefront = HttpStorefront(saleor_server.url)
    checkout_id = storefront.checkout_prepare(
        lines=[(variant.pk, 5)], store_id=store.pk, gateway=GATEWAY
    )
    assert outcome(storefront.checkout_complete(checkout_id)) == "order"
    assert_money_is_safe()


def test_more_shoppers_than_a_pickup_slot_holds(saleor_server, shop, race, parallel):
    store, variant = shop
    Stock.objects.filter(warehouse=store.warehouse).update(quantity=50)
    store.pickup_slot_capacity = 3
    store.save(update_fields=["pickup_slot_capacity"])
    today = dt.date.today()
    slot = next(
        found
        for offset in range(8)
        for found in pickup_selectors.store_pickup_slots(
            store=store, day=today + dt.timedelta(days=offset)
        )
        if found.remaining == 3
    )
    shoppers = shoppers_prepare(
        saleor_server,
        parallel,
        12,
        lines=[(variant.pk, 1)],
        store_id=store.pk,
        slot=slot.start.isoformat(),
    )

    outcomes = complete_all(race, shoppers)

    assert outcomes == {"order": 3, "SHIPPING_METHOD_NOT_APPLICABLE": 9}, outcomes
    assert Pickup.objects.filter(slot_start=slot.start).count() == 3
    assert_money_is_safe()
    assert not PickupReservation.objects.exists()


def test_one_checkout_completed_six_times_at_once(saleor_server, shop, race, parallel):
    """A double-clicking shopper: one order, one capture, typed answers for the rest."""
    store, variant = shop
    Stock.objects.filter(warehouse=store.warehouse).update(quantity=50)
    for _ in range(3):
        storefront = HttpStorefront(saleor_server.url)
        checkout_id = storefront.checkout_prepare(
            lines=[(variant.pk, 2)],
            store_id=store.pk,
            gateway=GATEWAY,
            # The payment takes a while, as real ones do: the others arrive meanwhile.
            payment_token="slow:0.5",
        )

        outcomes = complete_all(race, [(storefront, checkout_id)] * 6)

        assert outcomes["order"] == 1, outcomes
        assert set(outcomes) <= {"order", "UNIQUE", "NOT_FOUND"}, outcomes
        assert_money_is_safe()
    assert Order.objects.count() == 3
    assert Allocation.objects.aggregate(total=Sum("quantity_allocated")) == {"total": 6}


@pytest.fixture
def depot(shop):
    """A warehouse that ships to France by courier, next to the pickup store."""
    store, variant = shop
    zone = ShippingZone.objects.create(name="France", countries=["FR"])
    courier = ShippingMethod.objects.create(
        name="Courier",
        type=ShippingMethodType.PRICE_BASED,
        shipping_zone=zone,
        price_amount=Decimal(5),
        minimum_order_price_amount=0,
        currency=variant.currency,
    )
    warehouse = Warehouse.objects.create(
        name="Depot", slug="depot", address=store.address.get_copy()
    )
    warehouse.shipping_zones.add(zone)
    return warehouse, courier


def test_pickup_and_delivery_carts_with_lines_in_any_order(
    saleor_server, shop, depot, race, parallel
):
    """Two-line carts, lines in both orders, collected and delivered, all at once.

    Saleor locks stock line by line; the extension takes every stock lock in one
    order, so no two completions wait for each other in a circle.
    """
    store, first = shop
    warehouse, courier = depot
    second = type(first).objects.create(
        product=first.product, sku="SKU-2", price_override_amount=50, currency="USD"
    )
    for variant in (first, second):
        Stock.objects.update_or_create(
            warehouse=store.warehouse, product_variant=variant, defaults={"quantity": 4}
        )
        Stock.objects.create(warehouse=warehouse, product_variant=variant, quantity=4)
    forwards = [(first.pk, 1), (second.pk, 1)]
    backwards = list(reversed(forwards))
    shoppers = []
    for lines in (forwards, backwards):
        shoppers += shoppers_prepare(
            saleor_server, parallel, 4, lines=lines, store_id=store.pk
        )
        shoppers += shoppers_prepare(
            saleor_server, parallel, 4, lines=lines, method_id=courier.pk
        )

    outcomes = complete_all(race, shoppers)

    assert outcomes == {"order": 8, "INSUFFICIENT_STOCK": 8}, outcomes
    assert Pickup.objects.count() == 4
    by_warehouse = dict(
        Allocation.objects.order_by()
        .values("stock__warehouse")
        .annotate(total=Sum("quantity_allocated"))
        .values_list("stock__warehouse", "total")
    )
    # Pickups only from the store, deliveries only from the depot, none oversold.
    assert by_warehouse == {store.warehouse_id: 8, warehouse.pk: 8}
    assert_money_is_safe()
    assert "deadlock" not in saleor_server.log()
