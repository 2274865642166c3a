"""Saleor's stock checks count every warehouse of a country, equal quantities too."""

import pytest
from saleor.core.exceptions import InsufficientStock
from saleor.order.models import Order
from saleor.shipping.models import ShippingZone
from saleor.warehouse.availability import check_stock_quantity, get_available_quantity
from saleor.warehouse.models import Allocation, Stock, Warehouse


@pytest.fixture
def two_warehouses(store, variant):
    """The store and a depot in France, 4 units each, the store's all allocated."""
    zone = ShippingZone.objects.create(name="France", countries=["FR"])
    depot = Warehouse.objects.create(
        name="Depot", slug="depot", address=store.address.get_copy()
    )
    for warehouse in (store.warehouse, depot):
        warehouse.shipping_zones.add(zone)
    in_store = Stock.objects.create(
        warehouse=store.warehouse, product_variant=variant, quantity=4
    )
    Stock.objects.create(warehouse=depot, product_variant=variant, quantity=4)
    order = Order.objects.create(user_email="a@example.com", currency="USD")
    line = order.lines.create(
        variant=variant,
        product_name="Trail shoe",
        product_sku=variant.sku,
        is_shipping_required=True,
        quantity=4,
        unit_price_net_amount=50,
        unit_price_gross_amount=50,
        currency="USD",
    )
    Allocation.objects.create(order_line=line, stock=in_store, quantity_allocated=4)
    return variant


def test_equal_quantities_in_two_warehouses_both_count(two_warehouses):
    variant = two_warehouses

    assert get_available_quantity(variant, "FR") == 4
    check_stock_quantity(variant, "FR", 4)
    with pytest.raises(InsufficientStock):
        check_stock_quantity(variant, "FR", 5)


def test_a_country_no_warehouse_serves_has_nothing(two_warehouses):
    assert get_available_quantity(two_warehouses, "DE") == 0
