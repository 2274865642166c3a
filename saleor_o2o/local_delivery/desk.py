"""Reads of local deliveries for store staff and shoppers: the desk's list, and
deliveries by ID and by order, with their audit trails."""

from typing import Dict, List, Optional, Sequence

from django.db.models import QuerySet

from saleor_o2o.local_delivery.models import LocalDelivery, LocalDeliveryTransition
from saleor_o2o.store.access import store_check, stores_within
from saleor_o2o.store.reach import Reach


def local_delivery_for_id(*, pk) -> Optional[LocalDelivery]:
    """Return the delivery with its order and store, or None."""
    return LocalDelivery.objects.select_related("order", "store").filter(pk=pk).first()


def local_deliveries_by_order(order_ids: Sequence[int]) -> Dict[int, LocalDelivery]:
    """Return the deliveries of these orders (with order and store) by order ID."""
    deliveries = LocalDelivery.objects.filter(order_id__in=order_ids).select_related(
        "order", "store"
    )
    return {delivery.order_id: delivery for delivery in deliveries}


def transitions_by_delivery(
    delivery_ids: Sequence[int],
) -> Dict[int, List[LocalDeliveryTransition]]:
    """Return the audit trail of each delivery, oldest first, in one query."""
    trails: Dict[int, List[LocalDeliveryTransition]] = {pk: [] for pk in delivery_ids}
    rows = LocalDeliveryTransition.objects.filter(delivery_id__in=delivery_ids)
    for transition in rows.select_related("user", "app").order_by("created_at", "pk"):
        trails[transition.delivery_id].append(transition)
    return trails


def local_deliveries_for_desk(
    *,
    reach: Reach,
    store_id: Optional[int] = None,
    statuses: Optional[Sequence[str]] = None,
) -> QuerySet:
    """Return the deliveries of the stores `reach` works in (or of one of them), by
    window, earliest first: the order to prepare them and hand them to couriers.

    A store outside `reach` raises as `store_check` does, on the field `storeId`.
    """
    qs = LocalDelivery.objects.select_related("order__user", "store")
    if store_id is not None:
        store_check(reach, store_id, field="storeId")
        qs = qs.filter(store_id=store_id)
    else:
        qs = qs.filter(store__in=stores_within(reach))
    if statuses:
        qs = qs.filter(status__in=statuses)
    return qs.order_by("window_start", "pk")
