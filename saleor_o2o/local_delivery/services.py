"""Local deliveries: created when their order is placed, then moved along their
lifecycle (`local_delivery.rules`) by the store's staff, apps and the system."""

from datetime import datetime
from typing import Optional

from saleor.order.models import Order

from saleor_o2o.core import codes
from saleor_o2o.local_delivery.models import LocalDelivery
from saleor_o2o.local_delivery.rules import OPEN_STATUSES
from saleor_o2o.store.models import Store

#: Handover codes the shopper gives the courier (`core.codes`, as for pickups).
CODE_LENGTH = 6


def _new_code() -> str:
    while True:
        code = codes.new_code(CODE_LENGTH)
        if not LocalDelivery.objects.filter(
            code=code, status__in=OPEN_STATUSES
        ).exists():
            return code


def local_delivery_create(
    *,
    order: Order,
    store: Store,
    window_start: datetime,
    window_end: datetime,
    distance_km: Optional[float],
) -> LocalDelivery:
    """Create the delivery of a new order (RECEIVED), inside its order transaction."""
    return LocalDelivery.objects.create(
        order=order,
        store=store,
        window_start=window_start,
        window_end=window_end,
        distance_km=distance_km,
        code=_new_code(),
    )
