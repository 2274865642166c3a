"""Stock held for a checkout from the moment it completes until its order exists.

Saleor 2.10 captures the payment before it creates the order. So when
``checkoutComplete`` starts (the plugin's ``preprocess_order_creation``), the units
are reserved where the order will be allocated from, or the checkout is refused
before any payment; inside Saleor's order transaction (``order_created``) the order
is allocated from exactly there and the reservation is dropped. A completion that
fails releases its reservation at once (`checkout.completion`); one whose process
died leaves it to expire.

Where an order is allocated from, its *source*:

* a pickup or local delivery order: the chosen store's warehouse, less the
  store's safety stock;
* any other order: the warehouses that ship to its country, i.e. those in one of
  Saleor's shipping zones covering it other than the extension's own (pickup,
  local delivery), in Saleor's own order (by primary key), or nearest first when
  the merchant routes shipped orders by distance (`Source.nearest_first`, filled by
  ``saleor_o2o.routing``). Stores join those zones so that Saleor counts their stock
  when shoppers fill their carts; they ship only if the merchant also puts them in
  a shipping zone.

A routed order is allocated exactly as it was reserved (`supply.reserved_plan`);
only when the reservation no longer fits (it expired and its units went, staff
lowered the stock) is it planned again, in the same order of warehouses. A routed
order is planned on an unlocked read of its nearest locations and locks only the
stock rows of the locations it takes from (`store.routed`), so that routing over
thousands of locations does not lock them all.

Locks follow docs/design/click-and-collect.md: stock rows are locked in one
statement in primary-key order, and reservation rows are written only by the holder
of their stock rows' locks.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Dict, Iterable, List, Optional, Sequence, Tuple

from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from saleor.checkout.models import Checkout, CheckoutLine
from saleor.order.models import Order
from saleor.shipping.models import ShippingZone
from saleor.warehouse.models import Allocation, Stock, Warehouse

from saleor_o2o.store import method_zone, routed, stock_rows, supply
from saleor_o2o.store.models import PickupReservation
from saleor_o2o.store.stock_rows import stock_units

#: How long units stay reserved for a completing checkout.
RESERVATION_MINUTES = 15


class Unavailable(Exception):
    """The source cannot supply the lines (`short` says what is missing)."""

    def __init__(self, short: Sequence[supply.Line]):
        super().__init__(f"{len(short)} line(s) short")
        self.short = tuple(short)


@dataclass(frozen=True)
class Source:
    """Where an order's stock comes from."""

    #: Every warehouse of the source, by primary key: the order stock rows are
    #: locked in, whatever the order of preference.
    warehouse_ids: Tuple
    #: Units of each variant held back (a store's safety stock for pickup).
    safety_stock: int = 0
    #: The same warehouses in the order an order is routed to them (nearest
    #: first); empty: fill from the first stock rows by primary key, as Saleor does.
    nearest_first: Tuple = ()

    @property
    def is_routed(self) -> bool:
        return bool(self.nearest_first)


def store_source(store) -> Source:
    """Return a store's warehouse as a source, less the store's safety stock (the
    units it keeps for customers in the shop)."""
    return Source(
        warehouse_ids=(store.warehouse_id,), safety_stock=store.pickup_safety_stock
    )


def stock_taking_lines(rows: Iterable[Tuple[int, int]]) -> Tuple[supply.Line, ...]:
    """Return ``(variant_id, quantity)`` rows as merged lines, or () if none."""
    lines = [supply.Line(variant_id, quantity) for variant_id, quantity in rows]
    return supply.merge_lines(lines) if lines else ()


#: The lines Saleor allocates stock for and a courier or a store hands over.
_PHYSICAL = Q(variant__track_inventory=True) & Q(
    variant__product__product_type__is_shipping_required=True
)


def checkout_lines(checkout_token) -> Tuple[supply.Line, ...]:
    """Return the checkout's physical, stock-tracked lines."""
    rows = CheckoutLine.objects.filter(_PHYSICAL, checkout_id=checkout_token)
    return stock_taking_lines(rows.values_list("variant_id", "quantity"))


def order_lines(order: Order) -> Tuple[supply.Line, ...]:
    """Return the order's physical, stock-tracked lines."""
    rows = order.lines.filter(_PHYSICAL)
    return stock_taking_lines(rows.values_list("variant_id", "quantity"))


def shipping_zones(country: str):
    """Return Saleor's shipping zones covering ``country`` (a queryset), the zones
    of the extension's own methods (pickup, local delivery) excepted."""
    return ShippingZone.objects.filter(countries__contains=country).exclude(
        pk__in=method_zone.own_zone_ids()
    )


def shipping_warehouses(country: str):
    """Return the warehouses that ship to ``country``, those of its
    `shipping_zones` (a queryset, by primary key)."""
    zoned = Warehouse.shipping_zones.through.objects.filter(
        shippingzone__in=shipping_zones(country)
    )
    return Warehouse.objects.filter(pk__in=zoned.values("warehouse_id")).order_by("pk")


def shipping_source(country: str) -> Source:
    """Return the warehouses that ship to ``country`` (`shipping_warehouses`)."""
    return Source(
        warehouse_ids=tuple(shipping_warehouses(country).values_list("pk", flat=True))
    )


def stocks_lock(source: Source, variant_ids: Iterable[int]) -> List[Stock]:
    """Lock the source's stock rows of these variants, in primary-key order."""
    return stock_rows.stocks_lock(source.warehouse_ids, variant_ids)


def plan_locked(
    source: Source,
    lines: Sequence[supply.Line],
    *,
    checkout_token,
    as_reserved: bool = False,
) -> Tuple[supply.AllocationPlan, Dict[int, int]]:
    """Lock the source's stock rows for ``lines`` and plan where each unit comes from.

    Units the checkout itself reserved count as available to it. A routed source
    fills the lines nearest first and locks only the rows of the locations it
    takes from (`routed.plan_routed`); `as_reserved` takes the checkout's
    reservation as the plan while it still fits. Also returns the units available
    per variant before the plan (of a routed source: in the locations locked).
    """
    if source.is_routed:
        return routed.plan_routed(
            lines,
            warehouse_ids=source.warehouse_ids,
            nearest_first=source.nearest_first,
            safety_stock=source.safety_stock,
            checkout_token=checkout_token,
            as_reserved=as_reserved,
        )
    stocks = stocks_lock(source, [line.variant_id for line in lines])
    units = stock_units(
        stocks, safety_stock=source.safety_stock, exclude_checkout=checkout_token
    )
    return supply.allocation_plan(lines, units), stock_rows.per_variant(units)


def checkout_reserve(
    *,
    checkout: Checkout,
    source: Source,
    lines: Sequence[supply.Line],
    now: Optional[datetime] = None,
) -> supply.AllocationPlan:
    """Reserve ``lines`` of the checkout at ``source`` or raise `Unavailable`.

    Replaces the checkout's earlier reservation, if any.
    """
    plan, _available = plan_locked(source, lines, checkout_token=checkout.pk)
    if not plan.is_complete:
        raise Unavailable(plan.short)
    expires = (now or timezone.now()) + timedelta(minutes=RESERVATION_MINUTES)
    PickupReservation.objects.filter(checkout=checkout).delete()
    PickupReservation.objects.bulk_create(
        PickupReservation(
            checkout=checkout,
            stock_id=take.stock_id,
            quantity=take.quantity,
            expires_at=expires,
        )
        for take in plan.takes
    )
    return plan


def order_allocate(
    *, order: Order, source: Source
) -> Tuple[supply.AllocationPlan, Dict[int, int]]:
    """Allocate the order's physical lines from ``source`` only, or raise
    `Unavailable`; the checkout's reservation is then dropped.

    Runs inside Saleor's order transaction, after Saleor allocated by country: those
    allocations of the physical lines are replaced. A routed order is allocated as
    its checkout reserved it, while that still fits. Returns the plan and the units
    available per variant before it.
    """
    lines = order_lines(order)
    order_line_ids: Dict[int, int] = dict(
        order.lines.filter(_PHYSICAL).values_list("variant_id", "pk")
    )
    # Saleor's own allocations of these lines must not count against them.
    Allocation.objects.filter(order_line_id__in=order_line_ids.values()).delete()
    plan, available = plan_locked(
        source,
        lines,
        checkout_token=order.checkout_token,
        as_reserved=source.is_routed,
    )
    if not plan.is_complete:
        raise Unavailable(plan.short)
    Allocation.objects.bulk_create(
        Allocation(
            order_line_id=order_line_ids[take.variant_id],
            stock_id=take.stock_id,
            quantity_allocated=take.quantity,
        )
        for take in plan.takes
    )
    checkout_release(checkout_token=order.checkout_token)
    return plan, available


def checkout_release(*, checkout_token) -> int:
    """Drop the checkout's reservation; return how many rows."""
    if not checkout_token:
        return 0
    deleted, _ = PickupReservation.objects.filter(checkout_id=checkout_token).delete()
    return deleted


def reservations_purge(*, before: Optional[datetime] = None) -> int:
    """Delete expired reservations (they count for nothing); return how many.

    Rows another transaction holds are skipped, for the next run.
    """
    with transaction.atomic():
        ids = list(
            PickupReservation.objects.select_for_update(skip_locked=True)
            .filter(expires_at__lte=before or timezone.now())
            .values_list("pk", flat=True)[:10_000]
        )
        deleted, _ = PickupReservation.objects.filter(pk__in=ids).delete()
    return deleted
