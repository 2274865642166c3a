"""The desk sells the items a shopper tried: the hold becomes a paid, fulfilled
order in one transaction.

The shopper pays at the store's till, then the clerk converts the reservation
(``tryOnConvert``): a Saleor order for the shopper with the items bought is created
as Saleor's draft orders are (``add_variant_to_draft_order``, ``recalculate_order``,
``order_created``), its lines are allocated from exactly the stock rows the holds
kept, the holds are dropped, the order is marked as paid by the clerk (Saleor's
``mark_order_as_paid``: a manual payment) and fulfilled from the store at once
(`core.orders.order_fulfil`), because the shopper leaves with the items. Items held
and not bought go back to stock in the same transaction. No unit is ever counted
twice (held and allocated) or not at all (released before it is allocated).

Locks: the reservation's stock rows in primary-key order, then the reservation row
(docs/design/click-and-collect.md: stock rows before the rows written under them).
"""

from datetime import datetime
from typing import Dict, List, Optional, Sequence

from django.db import transaction
from django.utils import timezone
from saleor.discount.utils import fetch_active_discounts
from saleor.order.actions import mark_order_as_paid, order_created
from saleor.order.models import Order
from saleor.order.utils import add_variant_to_draft_order, recalculate_order
from saleor.warehouse.models import Allocation, Stock

from saleor_o2o.core.actors import Actor
from saleor_o2o.core.db import rows_lock
from saleor_o2o.core.errors import NotFound
from saleor_o2o.core.orders import order_fulfil
from saleor_o2o.core.validation import NOTE_MAX_LENGTH, text_clean
from saleor_o2o.store import supply
from saleor_o2o.store.models import StockHold
from saleor_o2o.visits.try_on import rules
from saleor_o2o.visits.try_on.models import TryOnLine, TryOnReservation
from saleor_o2o.visits.try_on.services import try_on_close, try_on_locked

#: The order's delivery, as Saleor's dashboard shows it.
SOLD_IN_STORE = "Sold in store"


def _order_create(
    reservation: TryOnReservation, lines: List[TryOnLine], sold: Dict[int, int]
) -> Order:
    store = reservation.store
    # Saleor's payments need a billing address: the shopper's, else the store's
    # (where the sale is made).
    user = reservation.user
    billing = (user.default_billing_address if user else None) or store.address
    order = Order.objects.create(
        user=user,
        user_email=reservation.email,
        billing_address=billing.get_copy(),
        shipping_address=store.address.get_copy(),
        shipping_method_name=SOLD_IN_STORE,
    )
    discounts = fetch_active_discounts()
    for line in lines:
        quantity = sold.get(line.variant_id, 0)
        if quantity:
            add_variant_to_draft_order(order, line.variant, quantity, discounts)
    recalculate_order(order)
    return order


def _allocate_from_holds(
    order: Order, lines: List[TryOnLine], sold: Dict[int, int]
) -> None:
    """Allocate the order's lines from the stock rows the holds kept."""
    order_line_of = dict(order.lines.values_list("variant_id", "pk"))
    Allocation.objects.bulk_create(
        Allocation(
            order_line_id=order_line_of[line.variant_id],
            stock_id=line.hold.stock_id,
            quantity_allocated=sold[line.variant_id],
        )
        for line in lines
        if sold.get(line.variant_id)
    )


def try_on_convert(
    reservation: TryOnReservation,
    actor: Actor,
    *,
    lines: Optional[Sequence[supply.Line]] = None,
    note: Optional[str] = None,
    now: Optional[datetime] = None,
) -> TryOnReservation:
    """Sell the held items (all, or ``lines`` of them) to the reservation's shopper,
    paid in store and handed over now; the rest goes back to stock."""
    note = text_clean(note, limit=NOTE_MAX_LENGTH, name="note")
    now = now or timezone.now()
    with transaction.atomic():
        stock_ids = StockHold.objects.filter(
            try_on_line__reservation_id=reservation.pk
        ).values_list("stock_id", flat=True)
        rows_lock(Stock._meta.db_table, sorted(set(stock_ids)))
        locked = try_on_locked(reservation.pk)
        if locked is None:
            raise NotFound("No such reservation.", field="id")
        rules.check_transition(locked.status, rules.CONVERTED, actor=actor.kind)
        rules.check_held(status=locked.status, held_until=locked.held_until, now=now)
        held = list(
            locked.lines.filter(hold__isnull=False, variant__isnull=False)
            .select_related("hold", "variant__product")
            .order_by("pk")
        )
        sold = rules.sale_lines(
            {line.variant_id: line.hold.quantity for line in held}, lines
        )
        order = _order_create(locked, held, sold)
        _allocate_from_holds(order, held, sold)
        try_on_close(locked, rules.CONVERTED, actor, now=now, note=note, order=order)
        # Saleor's own steps, as its draft orders and "mark as paid" take them.
        order_created(order, user=actor.user, from_draft=True)
        mark_order_as_paid(order, actor.user)
        order_fulfil(
            order,
            warehouse_id=locked.store.warehouse_id,
            user=actor.user,
            store_name=locked.store.name,
        )
    return locked
