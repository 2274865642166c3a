"""Stock rows an order takes from: locked, and what each can give it.

Locks follow docs/design/click-and-collect.md: the stock rows one plan needs are
locked in one statement, in primary-key order.
"""

from typing import Dict, Hashable, Iterable, List, Sequence

from django.db.models import Sum
from django.utils import timezone
from saleor.warehouse.models import Allocation, Stock

from saleor_o2o.store import holds, supply
from saleor_o2o.store.models import PickupReservation

#: What a stock row (SQL alias ``s``) can give, in SQL, as `stock_units` counts it:
#: its quantity, its units allocated, and the units withheld from it at ``%(now)s``
#: (`holds.WITHHELD_SQL`: live reservations of checkouts other than
#: ``%(checkout)s``, a token or None, and live try-on holds). Pass the three to
#: `supply.available_for_pickup` with the safety stock.
UNITS_SQL = (
    "s.quantity::bigint",
    f"COALESCE((SELECT SUM(a.quantity_allocated) FROM {Allocation._meta.db_table} a"
    " WHERE a.stock_id = s.id), 0)::bigint",
    holds.WITHHELD_SQL,
)
STOCK_TABLE = Stock._meta.db_table


def units_params(*, exclude_checkout=None, now=None) -> dict:
    """Return the parameters of `UNITS_SQL`."""
    return {
        "now": now or timezone.now(),
        "checkout": None if exclude_checkout is None else str(exclude_checkout),
    }


def stocks_lock(warehouse_ids: Iterable, variant_ids: Iterable[int]) -> List[Stock]:
    """Lock these warehouses' stock rows of these variants, in primary-key order."""
    # PostgreSQL locks the rows in the order of ORDER BY, and returns each one as
    # it is once locked.
    return list(
        Stock.objects.select_for_update(of=("self",))
        .filter(
            warehouse_id__in=list(warehouse_ids),
            product_variant_id__in=list(variant_ids),
        )
        .order_by("pk")
    )


def stock_units(
    stocks: Sequence[Stock], *, safety_stock: int, exclude_checkout=None
) -> List[supply.StockUnits]:
    """Return what each stock row can give: on hand, less allocations, other
    checkouts' live reservations, try-on holds (`holds`) and the safety stock,
    never below zero."""
    # By ID: Django turns each model instance of an `__in` list into its key
    # slowly (some 20 us each), which counts when thousands of rows are locked.
    stock_ids = [stock.pk for stock in stocks]
    allocated = dict(
        Allocation.objects.filter(stock_id__in=stock_ids)
        .order_by()
        .values("stock")
        .annotate(total=Sum("quantity_allocated"))
        .values_list("stock", "total")
    )
    reserved = holds.withheld_by_stock(stock_ids, exclude_checkout=exclude_checkout)
    return [
        supply.StockUnits(
            stock_id=stock.pk,
            variant_id=stock.product_variant_id,
            available=supply.available_for_pickup(
                quantity=stock.quantity,
                allocated=(allocated.get(stock.pk) or 0)
                + (reserved.get(stock.pk) or 0),
                safety_stock=safety_stock,
            ),
        )
        for stock in stocks
    ]


def per_variant(units: Sequence[supply.StockUnits]) -> Dict[int, int]:
    """Return the units available per variant."""
    available: Dict[int, int] = {}
    for unit in units:
        available[unit.variant_id] = available.get(unit.variant_id, 0) + unit.available
    return available


def by_location(
    nearest_first: Sequence[Hashable],
    stocks: Sequence[Stock],
    units: Sequence[supply.StockUnits],
) -> List[supply.LocationUnits]:
    """Return the stock units by warehouse, in the order of preference (warehouses
    it does not rank last, by primary key as text)."""
    warehouse_of = {stock.pk: stock.warehouse_id for stock in stocks}
    grouped: Dict[Hashable, List[supply.StockUnits]] = {}
    for unit in units:
        grouped.setdefault(warehouse_of[unit.stock_id], []).append(unit)
    rank = {warehouse_id: i for i, warehouse_id in enumerate(nearest_first)}
    last = len(rank)
    return [
        supply.LocationUnits(warehouse_id, tuple(grouped[warehouse_id]))
        for warehouse_id in sorted(
            grouped,
            key=lambda warehouse_id: (rank.get(warehouse_id, last), str(warehouse_id)),
        )
    ]


def reserved_takes(
    checkout_token, units: Sequence[supply.StockUnits]
) -> List[supply.Take]:
    """Return the checkout's reservation as takes (variant 0: a row not locked)."""
    variant_of = {unit.stock_id: unit.variant_id for unit in units}
    rows = PickupReservation.objects.filter(checkout_id=checkout_token).order_by("pk")
    return [
        supply.Take(stock_id, variant_of.get(stock_id, 0), quantity)
        for stock_id, quantity in rows.values_list("stock_id", "quantity")
    ]
