"""Planning a routed order: on an unlocked snapshot of its nearest locations, then
under the lock of only the stock rows it takes.

Routing an order over thousands of shipping locations by locking every stock row of
its lines in all of them takes seconds (bench/delivery.py: 4.1 s at 10,000 stores).
Most orders are shipped whole by one of the nearest few dozen locations, so the
locations are read without locks, nearest first, in batches that grow, until one of
them has the whole order (`supply.routed_plan` ships it alone, whatever lies
further away) or every location was read (the order is split, as the rule says).
`plan_routed` then locks only the stock rows of the locations the plan takes from,
plans again over them under the lock, and reads again if the snapshot went stale.
"""

from typing import Dict, Hashable, List, Sequence, Tuple

from django.db import connection, transaction
from django.db.transaction import TransactionManagementError

from saleor_o2o.store import stock_rows, supply
from saleor_o2o.store.models import PickupReservation

#: Locations read in the first batch; each later batch is `BATCH_GROWTH` times the
#: one before (32, 128, 512, ...): a few round trips even when every location of a
#: large network must be read.
FIRST_BATCH = 32
BATCH_GROWTH = 4
#: Unlocked snapshots tried before every location of the source is locked at once
#: (a snapshot fails when the stock it planned on went meanwhile).
SNAPSHOT_ATTEMPTS = 3


def ranked_locations(
    warehouse_ids: Sequence[Hashable], nearest_first: Sequence[Hashable]
) -> Tuple[Hashable, ...]:
    """Return every warehouse of a source in its order of preference: nearest first,
    then any it does not rank, as `stock_rows.by_location` orders them."""
    ranked = set(nearest_first)
    rest = sorted((pk for pk in warehouse_ids if pk not in ranked), key=str)
    return tuple(nearest_first) + tuple(rest)


_LOCATIONS_UNITS_SQL = f"""
    SELECT s.id, s.warehouse_id, s.product_variant_id, {", ".join(stock_rows.UNITS_SQL)}
    FROM {stock_rows.STOCK_TABLE} s
    WHERE s.warehouse_id = ANY(%(warehouses)s)
      AND s.product_variant_id = ANY(%(variants)s)
    ORDER BY s.id
"""


def locations_units(
    warehouse_ids: Sequence[Hashable],
    variant_ids: Sequence[int],
    *,
    safety_stock: int = 0,
    exclude_checkout=None,
) -> List[supply.LocationUnits]:
    """Read, without locks, what each warehouse can give of these variants (as
    `stock_rows.stock_units` counts it), in the order of `warehouse_ids`.

    One query. Warehouses with no stock row of the variants are left out.
    """
    if not warehouse_ids or not variant_ids:
        return []
    params = stock_rows.units_params(exclude_checkout=exclude_checkout)
    params.update(warehouses=list(warehouse_ids), variants=list(variant_ids))
    with connection.cursor() as cursor:
        cursor.execute(_LOCATIONS_UNITS_SQL, params)
        rows = cursor.fetchall()
    by_warehouse: Dict[Hashable, List[supply.StockUnits]] = {}
    for pk, warehouse_id, variant_id, quantity, allocated, reserved in rows:
        by_warehouse.setdefault(warehouse_id, []).append(
            supply.StockUnits(
                stock_id=pk,
                variant_id=variant_id,
                available=supply.available_for_pickup(
                    quantity=quantity,
                    allocated=allocated + reserved,
                    safety_stock=safety_stock,
                ),
            )
        )
    return [
        supply.LocationUnits(warehouse_id, tuple(by_warehouse[warehouse_id]))
        for warehouse_id in warehouse_ids
        if warehouse_id in by_warehouse
    ]


def snapshot_plan(
    ranked: Sequence[Hashable],
    lines: Sequence[supply.Line],
    *,
    safety_stock: int = 0,
    exclude_checkout=None,
    first_batch: int = FIRST_BATCH,
) -> Tuple[supply.AllocationPlan, Tuple[Hashable, ...]]:
    """Plan the lines nearest first (`supply.routed_plan`) over the locations in
    `ranked` order, reading them in growing batches without locks.

    Reading stops at the first batch where a location has the whole order: the
    plan over the locations read so far is then the plan over all of them (the
    nearest location with everything ships it alone). An order no location has
    whole is planned over every location. Also returns the warehouses the plan
    takes from, in its order.
    """
    variant_ids = [line.variant_id for line in lines]
    read: List[supply.LocationUnits] = []
    start, size = 0, first_batch
    while start < len(ranked):
        batch = locations_units(
            ranked[start : start + size],
            variant_ids,
            safety_stock=safety_stock,
            exclude_checkout=exclude_checkout,
        )
        read.extend(batch)
        if any(supply.supplies_whole(lines, location) for location in batch):
            break
        start, size = start + size, size * BATCH_GROWTH
    plan = supply.routed_plan(lines, read)
    warehouse_of = {
        unit.stock_id: location.location_id
        for location in read
        for unit in location.stocks
    }
    taken_from: List[Hashable] = []
    for take in plan.takes:
        if warehouse_of[take.stock_id] not in taken_from:
            taken_from.append(warehouse_of[take.stock_id])
    return plan, tuple(taken_from)


class _Stale(Exception):
    """What was planned no longer fits under the lock."""


def _locked_plan(
    warehouse_ids,
    lines: Sequence[supply.Line],
    *,
    nearest_first: Sequence[Hashable],
    safety_stock: int,
    checkout_token,
    as_reserved: bool = False,
) -> Tuple[supply.AllocationPlan, Dict[int, int]]:
    """Lock the lines' stock rows in these warehouses and plan over them (the
    reservation as it is, or nearest first), or raise `_Stale` if that falls short."""
    stocks = stock_rows.stocks_lock(warehouse_ids, [line.variant_id for line in lines])
    units = stock_rows.stock_units(
        stocks, safety_stock=safety_stock, exclude_checkout=checkout_token
    )
    if as_reserved:
        plan = supply.reserved_plan(
            lines, units, stock_rows.reserved_takes(checkout_token, units)
        )
    else:
        plan = supply.routed_plan(
            lines, stock_rows.by_location(nearest_first, stocks, units)
        )
    if plan is None or not plan.is_complete:
        raise _Stale()
    return plan, stock_rows.per_variant(units)


def plan_routed(
    lines: Sequence[supply.Line],
    *,
    warehouse_ids: Sequence[Hashable],
    nearest_first: Sequence[Hashable],
    safety_stock: int = 0,
    checkout_token=None,
    as_reserved: bool = False,
) -> Tuple[supply.AllocationPlan, Dict[int, int]]:
    """Plan a routed order nearest first, locking only the stock rows it takes.

    With `as_reserved`, the checkout's reservation is the plan while it still fits
    (its rows locked). Otherwise the order is planned on an unlocked snapshot
    (`snapshot_plan`), the lines' stock rows in the locations that plan takes from
    are locked in one statement, by primary key, and the plan is made again over
    them. If stock went meanwhile, those locks are released (a savepoint rolled
    back, so the transaction never holds rows locked out of order) and a new
    snapshot is read; after `SNAPSHOT_ATTEMPTS`, every location is locked at once.
    An order no location can supply is answered from the snapshot, short. Also
    returns the units available per variant in the locations locked.
    """
    if not connection.in_atomic_block:
        # Locks taken in the savepoints below would go with them.
        raise TransactionManagementError(
            "A routed plan locks stock rows: call it inside a transaction."
        )
    locked = dict(
        nearest_first=nearest_first,
        safety_stock=safety_stock,
        checkout_token=checkout_token,
    )
    if as_reserved:
        reserved_at = set(warehouse_ids).intersection(
            PickupReservation.objects.filter(checkout_id=checkout_token).values_list(
                "stock__warehouse_id", flat=True
            )
        )
        if reserved_at:
            try:
                with transaction.atomic():
                    return _locked_plan(
                        sorted(reserved_at), lines, as_reserved=True, **locked
                    )
            except _Stale:
                pass  # The reservation no longer fits: planned again.
    ranked = ranked_locations(warehouse_ids, nearest_first)
    for _attempt in range(SNAPSHOT_ATTEMPTS):
        planned, taken_from = snapshot_plan(
            ranked, lines, safety_stock=safety_stock, exclude_checkout=checkout_token
        )
        if not planned.is_complete:
            return planned, {}
        try:
            with transaction.atomic():
                return _locked_plan(taken_from, lines, **locked)
        except _Stale:
            continue
    stocks = stock_rows.stocks_lock(warehouse_ids, [line.variant_id for line in lines])
    units = stock_rows.stock_units(
        stocks, safety_stock=safety_stock, exclude_checkout=checkout_token
    )
    plan = supply.routed_plan(
        lines, stock_rows.by_location(nearest_first, stocks, units)
    )
    return plan, stock_rows.per_variant(units)
