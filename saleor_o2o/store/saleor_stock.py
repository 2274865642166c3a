"""A correction to Saleor 2.10's count of a variant's units in a country.

Saleor's ``warehouse.availability._get_available_quantity`` sums the stock rows'
quantities with ``DISTINCT`` (to undo the join with allocations), so two warehouses
holding the same quantity count once: 4 units in a store and 4 in a depot make 4,
not 8. ``check_stock_quantity`` then refuses carts and ``checkoutComplete`` with
"Insufficient product stock" while units remain. Stores join the pickup zone
(`store.pickup_zone`), so equal quantities in several warehouses of one country are
common with this extension. `saleor_available_quantity_fix` puts a correct count in
its place when Django starts; it also leaves out the units held for shoppers coming
to try them (`store.holds`), so Saleor never lets a cart take them.
"""

from django.db.models import QuerySet, Sum
from django.db.models.functions import Coalesce

from saleor_o2o.store import holds


def available_quantity(stocks: QuerySet) -> int:
    """Return the units of `stocks` not allocated nor held for try-on, all rows
    together, never below 0.

    One row per stock (grouped by stock), so neither quantities nor allocations are
    counted twice. A row's holds (`holds`) take only what the row has left, so a
    store whose stock was lowered below its holds never hides another warehouse's
    units.
    """
    rows = (
        stocks.order_by()
        .annotate(
            allocated=Coalesce(Sum("allocations__quantity_allocated"), 0),
            held=holds.held_subquery(),
        )
        .values_list("quantity", "allocated", "held")
    )
    total = sum(
        quantity - allocated - min(held, max(quantity - allocated, 0))
        for quantity, allocated, held in rows
    )
    return max(total, 0)


def saleor_available_quantity_fix() -> None:
    """Make Saleor's stock checks count every warehouse's units (see the module)."""
    from saleor.warehouse import availability

    availability._get_available_quantity = available_quantity
