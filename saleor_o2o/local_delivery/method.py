"""The Saleor shipping method "Local delivery" and the zone of the stores delivering.

One of the extension's own methods (`store.method_zone`), as click-and-collect is:
the zone holds the warehouses of the stores with an active delivery area, so Saleor
counts their stock when shoppers fill carts, and lists the countries they deliver
to (their own, and those of the postal codes their areas list), so Saleor accepts
the method for an address there. The method's own price is 0: what a checkout pays
is the chosen store's fee, through the plugin's price hook (`pricing`).
"""

from decimal import Decimal
from typing import Iterable, Optional

from saleor.shipping.models import ShippingMethod, ShippingZone

from saleor_o2o.core.settings import O2OSettings, get_o2o_settings
from saleor_o2o.local_delivery.models import (
    DeliveryArea,
    DeliveryPostalCode,
    LocalDeliveryMethod,
)
from saleor_o2o.store import method_zone
from saleor_o2o.store.models import Store

LOCAL_DELIVERY_ZONE_NAME = "Local delivery (O2O)"

LOCAL_DELIVERY = method_zone.OwnMethod(
    zone_name=LOCAL_DELIVERY_ZONE_NAME,
    lock="local-delivery-zone",
    marker=LocalDeliveryMethod,
)

#: The method's own price; the fee is computed per checkout.
METHOD_PRICE = Decimal("0")


def local_delivery_method() -> Optional[ShippingMethod]:
    """Return the shipping method meaning "delivered by a local store", if created."""
    return method_zone.own_method(LOCAL_DELIVERY)


def local_delivery_method_ensure(*, settings: O2OSettings) -> ShippingMethod:
    """Return the local delivery method, created or renamed as the settings say."""
    return method_zone.own_method_ensure(
        LOCAL_DELIVERY, name=settings.local_delivery_method_name, price=METHOD_PRICE
    )


def delivers(store: Store) -> bool:
    """Return whether the store delivers locally now (active, with an active area)."""
    area = DeliveryArea.objects.filter(store=store).first()
    return bool(store.is_active and area is not None and area.is_active)


def _delivery_countries(zone: ShippingZone) -> Iterable[str]:
    areas = DeliveryArea.objects.filter(
        is_active=True, store__is_active=True, store__warehouse__shipping_zones=zone
    )
    own = areas.values_list("store__warehouse__address__country", flat=True)
    postal = DeliveryPostalCode.objects.filter(area__in=areas).values_list(
        "country", flat=True
    )
    return list(own) + list(postal.distinct())


def local_delivery_zone_sync(*, store: Store, settings: O2OSettings) -> None:
    """Put the store's warehouse in the local delivery zone while it delivers, or
    not, and list the countries the delivering stores serve.

    Call it whenever a store's delivery area, its postal codes or the store's
    activity change.
    """
    method_zone.own_zone_sync(
        LOCAL_DELIVERY,
        warehouse=store.warehouse,
        offered=delivers(store),
        name=settings.local_delivery_method_name,
        price=METHOD_PRICE,
        countries=_delivery_countries,
    )


def store_saved(sender, instance, raw=False, **kwargs) -> None:
    """Resync the zone when a store with a delivery area is saved.

    Connected to ``post_save`` of `Store`: a store switched off (or moved to another
    country) stops delivering without its area changing, and the store package
    knows nothing of local delivery.
    """
    if raw or not DeliveryArea.objects.filter(store_id=instance.pk).exists():
        return
    local_delivery_zone_sync(store=instance, settings=get_o2o_settings())


def zone_covers(method: ShippingMethod, country: str) -> bool:
    """Return whether the method's zone lists ``country``."""
    return country in [c.code for c in method.shipping_zone.countries]


def is_local_delivery_method(shipping_method_id) -> bool:
    """Return whether a checkout or order with this method is delivered locally."""
    if shipping_method_id is None:
        return False
    return LocalDeliveryMethod.objects.filter(
        shipping_method_id=shipping_method_id
    ).exists()
