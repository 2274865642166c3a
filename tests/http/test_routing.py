"""Routed shipped orders over HTTP: shoppers racing ``checkoutComplete`` with routing
by distance on, against uwsgi's workers.

Paris shoppers; a store in Lille and warehouses in Lyon and Marseille ship to
France, nearest in that order. Whatever the interleaving: no unit is sold twice,
no payment is captured without an order, no completion deadlocks, and each order
is allocated exactly where the routing rule says once the others are counted.
"""

from decimal import Decimal

import pytest
from django.db.models import Sum
from saleor.account.models import Address
from saleor.order.models import Order
from saleor.shipping import ShippingMethodType
from saleor.shipping.models import ShippingMethod, ShippingZone
from saleor.warehouse.models import Allocation, Stock, Warehouse

from saleor_o2o.core import settings as conf
from saleor_o2o.routing.models import WarehouseLocation
from saleor_o2o.store.models import PickupReservation

from fixtures.store import make_store
from helpers.checkouts import assert_money_is_safe, complete_all, shoppers_prepare

pytestmark = [pytest.mark.slow]

PARIS = (48.857, 2.352)
LYON = (45.764, 4.836)
MARSEILLE = (43.296, 5.370)
LILLE = (50.630, 3.060)


@pytest.fixture
def france(transactional_db, site_settings, variant, configure_o2o, fake_geocoder):
    """Lille (a store), Lyon and Marseille ship to France by courier; routing on."""
    product = variant.product
    product.is_published = True
    product.save(update_fields=["is_published"])
    fake_geocoder.add("75004 Paris", *PARIS)
    fake_geocoder.add("69001 Lyon", *LYON)
    fake_geocoder.add("13001 Marseille", *MARSEILLE)
    configure_o2o(
        active=True,
        **{
            conf.GEOCODER_PROVIDER: "nominatim",
            conf.GEOCODER_DOMAIN: fake_geocoder.domain,
            conf.GEOCODER_SCHEME: "http",
            conf.ROUTE_BY_DISTANCE: True,
        },
    )
    zone = ShippingZone.objects.create(name="France", countries=["FR"])
    courier = ShippingMethod.objects.create(
        name="Courier",
        type=ShippingMethodType.PRICE_BASED,
        shipping_zone=zone,
        price_amount=Decimal(5),
        minimum_order_price_amount=0,
        currency=variant.currency,
    )
    lille = make_store("Lille", *LILLE, city="Lille", postal_code="59000")
    lille.warehouse.shipping_zones.add(zone)
    places = {"lille": lille.warehouse}
    for city, postal_code in (("Lyon", "69001"), ("Marseille", "13001")):
        address = Address.objects.create(
            street_address_1="1 Quai du Port",
            city=city,
            postal_code=postal_code,
            country="FR",
        )
        # Committed at once: its location is geocoded as it is created.
        places[city.lower()] = Warehouse.objects.create(
            name=city, slug=city.lower(), address=address
        )
        places[city.lower()].shipping_zones.add(zone)
    assert WarehouseLocation.objects.filter(latitude__isnull=False).count() == 2
    return places, courier


def stock(places, variant, quantity):
    # Furthest first: Saleor's own order (by stock row) is the opposite of routing's.
    for place in reversed(list(places.values())):
        Stock.objects.update_or_create(
            warehouse=place, product_variant=variant, defaults={"quantity": quantity}
        )


def allocated(places):
    """Return {place name: units allocated there}, and assert none is oversold."""
    names = {warehouse.pk: name for name, warehouse in places.items()}
    totals = {}
    for row in Stock.objects.annotate(taken=Sum("allocations__quantity_allocated")):
        assert (row.taken or 0) <= row.quantity, (row.warehouse_id, row.quantity)
        if row.taken:
            name = names[row.warehouse_id]
            totals[name] = totals.get(name, 0) + row.taken
    return totals


def test_shoppers_racing_for_routed_orders(
    saleor_server, france, variant, race, parallel
):
    """Eight shoppers want two units each; three places hold three units each.

    Whatever the order they are served in, the first three orders each come whole
    from one place (Lille, then Lyon, then Marseille: the nearest with two left),
    the fourth is split between the nearest two with one left each (Lille, Lyon),
    and the four others are refused before paying.
    """
    places, courier = france
    stock(places, variant, 3)
    shoppers = shoppers_prepare(
        saleor_server, parallel, 8, lines=[(variant.pk, 2)], method_id=courier.pk
    )

    outcomes = complete_all(race, shoppers)

    assert outcomes == {"order": 4, "INSUFFICIENT_STOCK": 4}, outcomes
    assert allocated(places) == {"lille": 3, "lyon": 3, "marseille": 2}
    split = [
        order
        for order in Order.objects.all()
        if Allocation.objects.filter(order_line__order=order)
        .values("stock__warehouse")
        .distinct()
        .count()
        > 1
    ]
    assert len(split) == 1
    assert_money_is_safe()
    assert not PickupReservation.objects.exists()
    assert "deadlock" not in saleor_server.log()


def test_routed_carts_with_lines_in_any_order(
    saleor_server, france, variant, race, parallel
):
    """Two-line carts, lines in both orders, all at once: stock locks are taken in
    one order whatever the order of preference, so nobody waits in a circle."""
    places, courier = france
    second = type(variant).objects.create(
        product=variant.product, sku="SKU-2", price_override_amount=50, currency="USD"
    )
    stock(places, variant, 2)
    stock(places, second, 2)
    forwards = [(variant.pk, 1), (second.pk, 1)]
    shoppers = []
    for lines in (forwards, list(reversed(forwards))):
        shoppers += shoppers_prepare(
            saleor_server, parallel, 6, lines=lines, method_id=courier.pk
        )

    outcomes = complete_all(race, shoppers)

    # Each place has two whole carts: six orders, none split.
    assert outcomes == {"order": 6, "INSUFFICIENT_STOCK": 6}, outcomes
    assert allocated(places) == {"lille": 4, "lyon": 4, "marseille": 4}
    for order in Order.objects.all():
        assert (
            Allocation.objects.filter(order_line__order=order)
            .values("stock__warehouse")
            .distinct()
            .count()
            == 1
        )
    assert_money_is_safe()
    assert "deadlock" not in saleor_server.log()
