"""Local deliveries moved along their lifecycle, and the stock they hold."""

from saleor.warehouse.models import Stock

from saleor_o2o.local_delivery import handover
from saleor_o2o.local_delivery import services as delivery_services
from saleor_o2o.local_delivery.rules import DELIVERED, OUT_FOR_DELIVERY


def move(delivery, *statuses, actor, courier="Sam (bike)"):
    """Move `delivery` through `statuses` in turn as `actor` (going out with
    `courier`; DELIVERED with the delivery's code); return it."""
    for status in statuses:
        if status == DELIVERED:
            delivery = handover.local_delivery_deliver(delivery, delivery.code, actor)
            continue
        delivery = delivery_services.local_delivery_status_update(
            delivery,
            status,
            actor,
            courier_name=courier if status == OUT_FOR_DELIVERY else "",
        )
    return delivery


def stock_at(store, variant):
    """Return the store's stock row of `variant`, fresh from the database."""
    return Stock.objects.get(warehouse=store.warehouse, product_variant=variant)
