"""Routing a shipped checkout by distance, as its completion runs.

The plugin option "route shipped orders by distance" (`O2OSettings.
route_by_distance`): an ordinary order (not collected, not delivered locally) is
reserved and allocated from the warehouses that ship to its address, nearest
first (``saleor_o2o.routing``). Off, those warehouses keep Saleor's order.
"""

import logging

from saleor.checkout.models import Checkout

from saleor_o2o.core.settings import get_o2o_settings
from saleor_o2o.local_delivery import checkout as local_delivery_checkout
from saleor_o2o.routing import services as routing_services
from saleor_o2o.store import pickup_zone, reservations

logger = logging.getLogger(__name__)


def _is_shipped(shipping_method_id) -> bool:
    """Return whether a checkout or order with this method is an ordinary shipment."""
    return not (
        pickup_zone.is_pickup(shipping_method_id)
        or local_delivery_checkout.is_local_delivery(shipping_method_id)
    )


def checkout_route_prepare(token) -> None:
    """Place a shipped checkout's address before its completion takes any lock.

    When the merchant routes shipped orders by distance, the geocoding provider is
    asked here (bounded, cached per address), outside every transaction: the
    reservation and the allocation then read the answer from the cache. Never
    raises: an address that cannot be placed is routed from its country's centre.
    """
    try:
        settings = get_o2o_settings()
        if not (settings.active and settings.route_by_distance):
            return
        checkout = (
            Checkout.objects.select_related("shipping_address")
            .filter(token=token)
            .first()
        )
        if (
            checkout is None
            or checkout.shipping_address is None
            or not _is_shipped(checkout.shipping_method_id)
        ):
            return
        address = checkout.shipping_address
        routing_services.origin_locate(address, settings=settings.geocoder)
        source = reservations.shipping_source(address.country.code)
        routing_services.warehouse_locations_request(source.warehouse_ids)
    except Exception:
        logger.exception("Could not place checkout %s for routing", token)


def shipping_source(country: str, address) -> reservations.Source:
    """Return where a shipped order comes from: routed by distance when the
    merchant chose so, else the shipping warehouses in Saleor's order."""
    settings = get_o2o_settings()
    if settings.active and settings.route_by_distance and address is not None:
        return routing_services.shipping_source_routed(
            address=address, settings=settings.geocoder
        )
    return reservations.shipping_source(country)
