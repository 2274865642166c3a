"""The pickup shipping method and the zone of the stores offering click-and-collect."""

from typing import Optional

from django.conf import settings as django_settings
from django.db import transaction
from saleor.shipping import ShippingMethodType
from saleor.shipping.models import ShippingMethod, ShippingZone

from saleor_o2o.core.db import transaction_lock
from saleor_o2o.core.settings import O2OSettings
from saleor_o2o.store.models import PickupMethod, Store

PICKUP_ZONE_NAME = "Click and collect (O2O)"


#: Serialises changes to the pickup method and its zone across processes.
_PICKUP_ZONE_LOCK = "pickup-zone"


def pickup_method() -> Optional[ShippingMethod]:
    """Return the shipping method that means "collect in a store", if created."""
    row = PickupMethod.objects.select_related("shipping_method").first()
    return row.shipping_method if row else None


def _pickup_method_locked(settings: O2OSettings) -> ShippingMethod:
    """Return the pickup method, created or renamed as the settings say.

    The caller holds the pickup zone's lock.
    """
    method = pickup_method()
    if method is None:
        zone = ShippingZone.objects.create(name=PICKUP_ZONE_NAME, countries=[])
        method = ShippingMethod.objects.create(
            name=settings.pickup_method_name,
            type=ShippingMethodType.PRICE_BASED,
            price_amount=settings.pickup_fee,
            currency=django_settings.DEFAULT_CURRENCY,
            minimum_order_price_amount=0,
            shipping_zone=zone,
        )
        PickupMethod.objects.create(shipping_method=method)
    elif (method.name, method.price_amount) != (
        settings.pickup_method_name,
        settings.pickup_fee,
    ):
        method.name = settings.pickup_method_name
        method.price_amount = settings.pickup_fee
        method.save(update_fields=["name", "price_amount"])
    return method


@transaction.atomic
def pickup_method_ensure(*, settings: O2OSettings) -> ShippingMethod:
    """Return the shipping method meaning "collect in a store", as configured."""
    method = pickup_method()
    if method is not None and (method.name, method.price_amount) == (
        settings.pickup_method_name,
        settings.pickup_fee,
    ):
        return method
    transaction_lock(_PICKUP_ZONE_LOCK)
    return _pickup_method_locked(settings)


def offers_pickup(store: Store) -> bool:
    return store.is_active and store.is_click_and_collect


@transaction.atomic
def pickup_zone_sync(*, store: Store, settings: O2OSettings) -> None:
    """Put the store's warehouse in the pickup zone while it offers pickup, or not.

    Saleor offers shipping methods by zone and counts stock of the warehouses in the
    zones covering the shopper's country: the zone lists the countries of the
    stores offering pickup and holds their warehouses, so a variant stocked only in
    a store can be put in a cart from the moment the store offers it. Home delivery
    is never allocated from this zone's warehouses (`reservations.shipping_source`).
    """
    if not offers_pickup(store) and pickup_method() is None:
        return
    transaction_lock(_PICKUP_ZONE_LOCK)
    zone = _pickup_method_locked(settings).shipping_zone
    if offers_pickup(store):
        store.warehouse.shipping_zones.add(zone)
    else:
        store.warehouse.shipping_zones.remove(zone)
    wanted = sorted(
        set(
            Store.objects.filter(
                is_active=True,
                is_click_and_collect=True,
                warehouse__shipping_zones=zone,
            ).values_list("warehouse__address__country", flat=True)
        )
    )
    if [country.code for country in zone.countries] != wanted:
        zone.countries = wanted
        zone.save(update_fields=["countries"])


def is_pickup(shipping_method_id) -> bool:
    """Return whether a checkout or order with this method is collected in store."""
    method = pickup_method()
    return method is not None and shipping_method_id == method.pk
