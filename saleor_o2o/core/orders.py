"""Saleor's order actions as the pickup and delivery lifecycles use them: the locks
they take, fulfilling a whole order from one warehouse, telling Saleor's plugins."""

import logging
from typing import Optional

from saleor.core.exceptions import InsufficientStock
from saleor.order.actions import create_fulfillments
from saleor.order.models import Order
from saleor.plugins.manager import get_plugins_manager
from saleor.warehouse.models import Allocation, Stock

from saleor_o2o.core.db import rows_lock
from saleor_o2o.core.errors import O2OError

logger = logging.getLogger(__name__)


def order_action_lock(*, order_id: int, warehouse_id: int) -> None:
    """Lock what Saleor's order actions lock, in their order.

    Saleor cancels and fulfils by locking the order's allocations, then stock rows,
    then writing the order, and calls the plugins (which lock the pickup or
    delivery) last. A move that calls those actions takes the same locks in the same
    order before locking its own row, so a clerk and Saleor's dashboard acting on one
    order wait for each other instead of deadlocking
    (docs/design/click-and-collect.md).
    """
    allocations = Allocation.objects.filter(order_line__order_id=order_id)
    rows_lock(
        Allocation._meta.db_table,
        sorted(allocations.values_list("pk", flat=True)),
    )
    stock_ids = set(allocations.values_list("stock_id", flat=True)) | set(
        Stock.objects.filter(
            warehouse_id=warehouse_id,
            product_variant__order_lines__order_id=order_id,
        ).values_list("pk", flat=True)
    )
    rows_lock(Stock._meta.db_table, sorted(stock_ids))
    rows_lock(Order._meta.db_table, [order_id], mode="NO KEY UPDATE")


def order_fulfil(
    order: Order, *, warehouse_id: int, user, store_name: str, field: str = "id"
) -> None:
    """Fulfil the whole order from one warehouse through Saleor's own fulfilment.

    Saleor decreases the stock, releases the allocations, sets the order's status
    and calls its plugins (``order_updated``, ``order_fulfilled``). The shopper's
    e-mail is the extension's own, so Saleor's is not sent.
    """
    lines = [
        {"order_line": line, "quantity": line.quantity_unfulfilled}
        for line in order.lines.select_related("variant").order_by("pk")
        if line.quantity_unfulfilled > 0
    ]
    if not lines:
        return
    try:
        create_fulfillments(user, order, {warehouse_id: lines}, notify_customer=False)
    except InsufficientStock as error:
        raise O2OError(
            f"{store_name} no longer holds the order's stock ({error}); "
            "check the store's stock before handing it over.",
            field=field,
            code="INSUFFICIENT_STOCK",
        )


def order_updated_notify(order_id: int) -> None:
    """Tell Saleor's plugins (its webhooks among them) that the order changed.

    Called after commit: the change is made, and a plugin's failure must not undo it.
    """
    order: Optional[Order] = Order.objects.filter(pk=order_id).first()
    if order is None:
        return
    try:
        get_plugins_manager().order_updated(order)
    except Exception:  # Logged: the change is committed whatever a plugin does.
        logger.exception("Saleor's order_updated failed for order %s", order_id)
