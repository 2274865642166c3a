"""The pickup shipping method and the zone of the stores offering click-and-collect
(one of the extension's own methods, `method_zone`)."""

from typing import Optional

from saleor.shipping.models import ShippingMethod, ShippingZone

from saleor_o2o.core.settings import O2OSettings
from saleor_o2o.store import method_zone
from saleor_o2o.store.models import PickupMethod, Store

PICKUP_ZONE_NAME = "Click and collect (O2O)"

PICKUP = method_zone.OwnMethod(
    zone_name=PICKUP_ZONE_NAME, lock="pickup-zone", marker=PickupMethod
)


def pickup_method() -> Optional[ShippingMethod]:
    """Return the shipping method that means "collect in a store", if created."""
    return method_zone.own_method(PICKUP)


def pickup_method_ensure(*, settings: O2OSettings) -> ShippingMethod:
    """Return the shipping method meaning "collect in a store", as configured."""
    return method_zone.own_method_ensure(
        PICKUP, name=settings.pickup_method_name, price=settings.pickup_fee
    )


def offers_pickup(store: Store) -> bool:
    return store.is_active and store.is_click_and_collect


def _pickup_countries(zone: ShippingZone):
    return Store.objects.filter(
        is_active=True, is_click_and_collect=True, warehouse__shipping_zones=zone
    ).values_list("warehouse__address__country", flat=True)


def pickup_zone_sync(*, store: Store, settings: O2OSettings) -> None:
    """Put the store's warehouse in the pickup zone while it offers pickup, or not.

    Saleor offers shipping methods by zone and counts stock of the warehouses in the
    zones covering the shopper's country: the zone lists the countries of the
    stores offering pickup and holds their warehouses, so a variant stocked only in
    a store can be put in a cart from the moment the store offers it. Home delivery
    is never allocated from this zone's warehouses (`reservations.shipping_source`).
    """
    method_zone.own_zone_sync(
        PICKUP,
        warehouse=store.warehouse,
        offered=offers_pickup(store),
        name=settings.pickup_method_name,
        price=settings.pickup_fee,
        countries=_pickup_countries,
    )


def is_pickup(shipping_method_id) -> bool:
    """Return whether a checkout or order with this method is collected in store."""
    method = pickup_method()
    return method is not None and shipping_method_id == method.pk
