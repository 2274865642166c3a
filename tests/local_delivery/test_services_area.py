"""A store's delivery area and Saleor's shipping zones."""

from saleor.warehouse.models import Warehouse

from saleor_o2o.local_delivery.method import local_delivery_method
from saleor_o2o.local_delivery.services_area import delivery_area_update
from saleor_o2o.store.services import store_update


def test_a_store_that_starts_delivering_joins_the_local_delivery_zone(
    o2o_active, store
):
    """Saleor counts its stock for shoppers in the countries it delivers to, from
    the moment its area is saved; switched off, it leaves the zone."""
    delivery_area_update(
        store=store, data={"radius_km": 5.0, "postal_codes": {"BE": ["1000"]}}
    )

    zone = local_delivery_method().shipping_zone
    assert [country.code for country in zone.countries] == ["BE", "FR"]
    assert Warehouse.objects.filter(shipping_zones=zone).get() == store.warehouse

    delivery_area_update(store=store, data={"is_active": False})

    zone.refresh_from_db()
    assert not Warehouse.objects.filter(shipping_zones=zone).exists()
    assert list(zone.countries) == []


def test_a_delivering_store_switched_off_leaves_the_zone_and_rejoins(o2o_active, store):
    """Saleor stops counting a closed store's stock for delivery shoppers."""
    delivery_area_update(store=store, data={"radius_km": 5.0})
    zone = local_delivery_method().shipping_zone

    store_update(store=store, data={"is_active": False})

    zone.refresh_from_db()
    assert not Warehouse.objects.filter(shipping_zones=zone).exists()
    assert list(zone.countries) == []

    store_update(store=store, data={"is_active": True})

    zone.refresh_from_db()
    assert Warehouse.objects.filter(shipping_zones=zone).get() == store.warehouse
    assert [country.code for country in zone.countries] == ["FR"]
