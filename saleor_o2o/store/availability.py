"""What stores can supply: units available for pickup, the stores that can supply
a cart, nearest first, and the lines of a checkout they must supply."""

from typing import Dict, List, Sequence, Tuple

from django.db.models import QuerySet, Sum
from django.db.models.functions import Coalesce
from saleor.warehouse.models import Stock

from saleor_o2o.core.errors import NotFound
from saleor_o2o.core.geo import Point
from saleor_o2o.store import holds, reservations, supply
from saleor_o2o.store.selectors import stores_near

#: The most nearby stores whose stock is compared for one cart or variant: enough
#: for any shopper to page through, and it keeps the stock lookup near 10 ms at
#: 10,000 stores x 1,000 variants (bench/availability.py).
MAX_SUPPLY_CANDIDATES = 100


def pickup_availability(
    *, store_ids: Sequence[int], variant_ids: Sequence[int]
) -> Dict[Tuple[int, int], int]:
    """Return units available for pickup by (store ID, variant ID), from Saleor's stock.

    Available = stock quantity - allocated - units reserved by checkouts about to
    complete and held for try-on (`holds`) - the store's pickup safety stock, never
    below zero. Pairs without a stock row are absent (nothing available).
    """
    if not store_ids or not variant_ids:
        return {}
    rows = (
        Stock.objects.filter(
            warehouse__o2o_store__in=store_ids, product_variant_id__in=variant_ids
        )
        .annotate(
            allocated=Coalesce(Sum("allocations__quantity_allocated"), 0),
            reserved=holds.withheld_subquery(),
        )
        .values_list(
            "warehouse__o2o_store__id",
            "product_variant_id",
            "quantity",
            "allocated",
            "reserved",
            "warehouse__o2o_store__pickup_safety_stock",
        )
    )
    return {
        (store_id, variant_id): supply.available_for_pickup(
            quantity=quantity, allocated=allocated + reserved, safety_stock=safety
        )
        for store_id, variant_id, quantity, allocated, reserved, safety in rows
    }


def _nearest_candidates(
    *, queryset: QuerySet, point: Point, radius_km: float
) -> List[Tuple[int, float]]:
    near = stores_near(queryset=queryset, point=point, radius_km=radius_km)
    return list(
        near.order_by("distance_key").values_list("pk", "distance_km")[
            :MAX_SUPPLY_CANDIDATES
        ]
    )


def stores_supplying(
    *,
    queryset: QuerySet,
    point: Point,
    radius_km: float,
    lines: Sequence[supply.Line],
) -> List[supply.StoreSupply]:
    """Return the stores near `point` ranked by how much of `lines` they can supply.

    At most `MAX_SUPPLY_CANDIDATES` nearest stores are compared: two queries in all,
    whatever the number of lines.
    """
    candidates = _nearest_candidates(
        queryset=queryset, point=point, radius_km=radius_km
    )
    available = pickup_availability(
        store_ids=[pk for pk, _ in candidates],
        variant_ids=[line.variant_id for line in lines],
    )
    return supply.rank_supplies(
        supply.store_supply(
            store_id=pk,
            distance_km=distance,
            lines=lines,
            available={
                line.variant_id: available.get((pk, line.variant_id), 0)
                for line in lines
            },
        )
        for pk, distance in candidates
    )


def checkout_lines(*, token) -> Tuple[supply.Line, ...]:
    """Return the lines of a checkout a store must supply, or raise `NotFound`.

    The same lines as a reservation takes (`reservations.checkout_lines`): physical,
    stock-tracked products; a product Saleor does not track needs no stock.
    """
    lines = reservations.checkout_lines(token)
    if not lines:
        raise NotFound(
            "No checkout with physical products has this token.",
            field="checkoutToken",
        )
    return lines
