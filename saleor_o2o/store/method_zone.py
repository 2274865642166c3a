"""Shipping methods the extension owns, each in a shipping zone of its own.

Saleor 2.10 offers shipping methods only from zones covering the address's country,
and counts the stock of the warehouses in those zones when shoppers fill carts. So
each service the extension adds to Saleor's checkout (click-and-collect, local
delivery) is one ``ShippingMethod`` in a zone of its own, pointed at by a marker row
(one row of a model with a one-to-one ``shipping_method``). The zone holds the
warehouses of the stores offering the service and lists the countries they serve.

Method and zone are created and renamed under an advisory lock per service, so that
concurrent first uses create one of each.
"""

from dataclasses import dataclass
from decimal import Decimal
from typing import Callable, Iterable, List, Optional, Type

from django.conf import settings as django_settings
from django.db import models, transaction
from django.db.models import Q
from saleor.shipping import ShippingMethodType
from saleor.shipping.models import ShippingMethod, ShippingZone
from saleor.warehouse.models import Warehouse

from saleor_o2o.core.db import transaction_lock

#: Reverse names, on Saleor's ``ShippingMethod``, of every marker model: the zones
#: of these methods never ship ordinary orders (`own_zone_ids`).
OWN_METHOD_RELATIONS = ("o2o_pickup_method", "o2o_local_delivery")


@dataclass(frozen=True)
class OwnMethod:
    """One service offered as a Saleor shipping method of the extension's."""

    #: The name the zone is created with (merchants may rename it).
    zone_name: str
    #: The advisory lock serialising changes to the method and its zone.
    lock: str
    #: The model whose one row points at the method (``shipping_method``).
    marker: Type[models.Model]


def own_method(kind: OwnMethod) -> Optional[ShippingMethod]:
    """Return the service's shipping method, if created."""
    row = kind.marker.objects.select_related("shipping_method").first()
    return row.shipping_method if row else None


def _method_locked(kind: OwnMethod, *, name: str, price: Decimal) -> ShippingMethod:
    """Return the method, created or renamed; the caller holds the service's lock."""
    method = own_method(kind)
    if method is None:
        zone = ShippingZone.objects.create(name=kind.zone_name, countries=[])
        method = ShippingMethod.objects.create(
            name=name,
            type=ShippingMethodType.PRICE_BASED,
            price_amount=price,
            currency=django_settings.DEFAULT_CURRENCY,
            minimum_order_price_amount=0,
            shipping_zone=zone,
        )
        kind.marker.objects.create(shipping_method=method)
    elif (method.name, method.price_amount) != (name, price):
        method.name = name
        method.price_amount = price
        method.save(update_fields=["name", "price_amount"])
    return method


@transaction.atomic
def own_method_ensure(kind: OwnMethod, *, name: str, price: Decimal) -> ShippingMethod:
    """Return the service's method with this name and price, created if need be."""
    method = own_method(kind)
    if method is not None and (method.name, method.price_amount) == (name, price):
        return method
    transaction_lock(kind.lock)
    return _method_locked(kind, name=name, price=price)


@transaction.atomic
def own_zone_sync(
    kind: OwnMethod,
    *,
    warehouse: Warehouse,
    offered: bool,
    name: str,
    price: Decimal,
    countries: Callable[[ShippingZone], Iterable[str]],
) -> None:
    """Put the warehouse in the service's zone while its store offers it, or not,
    then list in the zone the countries ``countries(zone)`` answers (read once the
    warehouse moved)."""
    if not offered and own_method(kind) is None:
        return
    transaction_lock(kind.lock)
    zone = _method_locked(kind, name=name, price=price).shipping_zone
    if offered:
        warehouse.shipping_zones.add(zone)
    else:
        warehouse.shipping_zones.remove(zone)
    wanted = sorted(set(countries(zone)))
    if [country.code for country in zone.countries] != wanted:
        zone.countries = wanted
        zone.save(update_fields=["countries"])


def own_methods_q(prefix: str = "") -> Q:
    """Match the extension's own shipping methods (``prefix`` leads to the method)."""
    owned = Q()
    for relation in OWN_METHOD_RELATIONS:
        owned |= Q(**{f"{prefix}{relation}__isnull": False})
    return owned


def own_zone_ids() -> List[int]:
    """Return the zones of the extension's own methods (they ship no ordinary order)."""
    owned = own_methods_q("shipping_methods__")
    return list(
        ShippingZone.objects.filter(owned).values_list("pk", flat=True).distinct()
    )
