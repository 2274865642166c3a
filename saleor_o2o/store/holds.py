"""Units of a store's stock that no one else may be promised, besides Saleor's
allocations: checkouts' live reservations and try-on holds.

The one place that says so. Every count of what a stock row can still promise
reads it: the locked counts of reservations and allocations
(`stock_rows.stock_units`: pickup, local delivery and routed orders; in SQL,
`WITHHELD_SQL`, for the routed snapshot and the delivery search), the
availability shoppers see (`availability.pickup_availability`: the store locator,
local delivery options, low-stock events) and Saleor's own stock checks
(`saleor_stock.available_quantity`: ``checkoutLinesAdd``, ``checkoutComplete``).

* A checkout's reservation (`PickupReservation`) withholds its units until it
  expires; Saleor's checks do not count it (a checkout's own reservation must not
  refuse its own completion).
* A hold (`StockHold`, `visits.try_on`) withholds its units until ``held_until``,
  from everyone: once its time is up it counts for nothing, even before the beat
  task closes its reservation.

Holds are written only by the holder of their stock rows' locks (stock rows are
locked in primary-key order first, docs/design/click-and-collect.md), so a hold and
a checkout racing for the last unit are serialised on the stock row.
"""

from datetime import datetime
from typing import Dict, Iterable, List, Optional, Sequence

from django.db.models import IntegerField, OuterRef, Subquery, Sum
from django.db.models.functions import Coalesce
from django.utils import timezone

from saleor_o2o.store import supply
from saleor_o2o.store.models import PickupReservation, StockHold

#: In SQL, the units withheld from a stock row (SQL alias ``s``) at ``%(now)s``:
#: live reservations of checkouts other than ``%(checkout)s`` (a token or None),
#: and live holds. The raw statements' form of `withheld_by_stock`.
WITHHELD_SQL = (
    "COALESCE((SELECT SUM(r.quantity)"
    f" FROM {PickupReservation._meta.db_table} r WHERE r.stock_id = s.id"
    " AND r.expires_at > %(now)s"
    " AND r.checkout_id IS DISTINCT FROM %(checkout)s::uuid), 0)::bigint"
    " + COALESCE((SELECT SUM(h.quantity)"
    f" FROM {StockHold._meta.db_table} h WHERE h.stock_id = s.id"
    " AND h.held_until > %(now)s), 0)::bigint"
)


def _reservations(now: datetime):
    return PickupReservation.objects.filter(expires_at__gt=now)


def _holds(now: datetime):
    return StockHold.objects.filter(held_until__gt=now)


def _by_stock(queryset, stock_ids: Sequence[int]) -> Dict[int, int]:
    return dict(
        queryset.filter(stock_id__in=list(stock_ids))
        .order_by()
        .values("stock")
        .annotate(total=Sum("quantity"))
        .values_list("stock", "total")
    )


def _per_stock_subquery(queryset):
    total = (
        queryset.filter(stock=OuterRef("pk"))
        .order_by()
        .values("stock")
        .annotate(total=Sum("quantity"))
        .values("total")
    )
    return Coalesce(Subquery(total, output_field=IntegerField()), 0)


def held_subquery(*, now: Optional[datetime] = None):
    """Return an expression of a ``Stock`` queryset: the units live holds take."""
    return _per_stock_subquery(_holds(now or timezone.now()))


def withheld_subquery(*, now: Optional[datetime] = None):
    """Return an expression of a ``Stock`` queryset: the units live reservations
    and holds take."""
    now = now or timezone.now()
    return _per_stock_subquery(_reservations(now)) + _per_stock_subquery(_holds(now))


def withheld_by_stock(
    stock_ids: Sequence[int],
    *,
    now: Optional[datetime] = None,
    exclude_checkout=None,
) -> Dict[int, int]:
    """Return the units live reservations and holds take, by stock row ID.

    A checkout's own reservation (``exclude_checkout``) does not count against it.
    """
    now = now or timezone.now()
    reservations = _reservations(now)
    if exclude_checkout is not None:
        reservations = reservations.exclude(checkout_id=exclude_checkout)
    withheld = _by_stock(reservations, stock_ids)
    for stock_id, units in _by_stock(_holds(now), stock_ids).items():
        withheld[stock_id] = withheld.get(stock_id, 0) + units
    return withheld


def holds_create(
    takes: Iterable[supply.Take], *, held_until: datetime
) -> List[StockHold]:
    """Hold the units of ``takes`` until ``held_until``.

    The caller holds the lock of every stock row taken from, and planned the takes
    from what those rows can promise (`reservations.stock_units`).
    """
    return StockHold.objects.bulk_create(
        StockHold(stock_id=take.stock_id, quantity=take.quantity, held_until=held_until)
        for take in takes
    )


def holds_release(hold_ids: Sequence[int]) -> int:
    """Drop these holds (their units can be promised again); return how many."""
    if not hold_ids:
        return 0
    deleted, _ = StockHold.objects.filter(pk__in=list(hold_ids)).delete()
    return deleted
