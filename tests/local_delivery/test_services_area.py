"""A store's delivery area and Saleor's shipping zones."""

from saleor.warehouse.models import Warehouse

from saleor_o2o.local_delivery.method import local_delivery_method
from saleor_o2o.local_delivery.services_area import delivery_area_update


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
