"""Pickups moved along their lifecycle, and what their orders hold."""

from saleor.warehouse.models import Allocation

from saleor_o2o.pickup import services as pickup_services


def move(pickup, *statuses, actor):
    """Move `pickup` through `statuses` in turn as `actor`; return it."""
    for status in statuses:
        pickup = pickup_services.pickup_status_update(
            pickup=pickup, status=status, actor=actor
        )
    return pickup


def allocated(order):
    """Return how many units Saleor holds allocated for `order`."""
    rows = Allocation.objects.filter(order_line__order=order)
    return sum(rows.values_list("quantity_allocated", flat=True))
