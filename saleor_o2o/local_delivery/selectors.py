"""Reads of local delivery: the areas serving an address, the windows of a store
with the places taken, and the stores that can deliver a cart, best first.

`stores_delivering` answers in one query whatever the number of stores and lines
(`delivering.covering_candidates`: the areas covering the address, on the store
location index and the postal-code index, with their stores' hours exceptions,
window places taken and stock), then ranks in Python.
"""

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Dict, Iterable, List, Optional, Sequence, Tuple

import pytz
from django.utils import timezone

from saleor_o2o.core.geo import Point
from saleor_o2o.local_delivery import delivering, fees, windows
from saleor_o2o.local_delivery.models import (
    CheckoutLocalDelivery,
    DeliveryArea,
    LocalDelivery,
)
from saleor_o2o.local_delivery.rules import OPEN_STATUSES
from saleor_o2o.store import slots, supply
from saleor_o2o.store.models import Store

Bookings = Dict[Tuple[int, dt.datetime], int]


def fee_rule(area: DeliveryArea) -> fees.FeeRule:
    """Return the fee rule an area's columns hold."""
    return fees.FeeRule(
        base=area.fee_base_amount,
        per_km=area.fee_per_km_amount,
        free_above=area.free_above_amount,
        minimum_order=area.minimum_order_amount,
    )


def area_postal_codes(area: DeliveryArea) -> Dict[str, Tuple[str, ...]]:
    """Return an area's postal codes and prefixes by country, sorted."""
    codes: Dict[str, List[str]] = {}
    for row in area.postal_codes.all():
        codes.setdefault(row.country, []).append(row.prefix)
    return {country: tuple(sorted(codes[country])) for country in sorted(codes)}


def delivery_areas_by_store(store_ids: Sequence[int]) -> Dict[int, DeliveryArea]:
    """Return the delivery areas of these stores, with their postal codes, by store
    ID (two queries whatever the number of stores)."""
    found = DeliveryArea.objects.filter(store_id__in=store_ids).prefetch_related(
        "postal_codes"
    )
    return {area.store_id: area for area in found}


def window_bookings(
    *,
    store_ids: Iterable[int],
    since: dt.datetime,
    until: dt.datetime,
    now: Optional[dt.datetime] = None,
    exclude_checkout=None,
) -> Bookings:
    """Count the places taken per (store, window start) for windows starting in
    [since, until): open deliveries, plus checkouts completing right now (they hold
    their window until their order exists). One query."""
    store_ids = list(store_ids)
    if not store_ids:
        return {}
    now = now or timezone.now()
    deliveries = LocalDelivery.objects.filter(
        store_id__in=store_ids,
        status__in=OPEN_STATUSES,
        window_start__gte=since,
        window_start__lt=until,
    )
    completing = CheckoutLocalDelivery.objects.filter(
        store_id__in=store_ids,
        window_start__gte=since,
        window_start__lt=until,
        held_until__gt=now,
    )
    if exclude_checkout is not None:
        completing = completing.exclude(checkout_id=exclude_checkout)
    rows = (
        deliveries.order_by()
        .values_list("store_id", "window_start")
        .union(completing.order_by().values_list("store_id", "window_start"), all=True)
    )
    counts: Bookings = {}
    for store_id, start in rows:
        counts[(store_id, start)] = counts.get((store_id, start), 0) + 1
    return counts


def _per_store(booked: Bookings) -> Dict[int, Dict[dt.datetime, int]]:
    grouped: Dict[int, Dict[dt.datetime, int]] = {}
    for (store_id, start), count in booked.items():
        grouped.setdefault(store_id, {})[start] = count
    return grouped


def _windows(
    *,
    store: Store,
    area: DeliveryArea,
    days: int,
    now: dt.datetime,
    booked,
) -> List[slots.Slot]:
    return list(
        windows.delivery_windows(
            store.schedule(),
            now=now,
            days=days,
            lead_time_minutes=area.lead_time_minutes,
            window_minutes=area.window_minutes,
            capacity=area.window_capacity,
            booked=booked,
        )
    )


def store_delivery_windows(
    *,
    store: Store,
    area: DeliveryArea,
    days: int = 7,
    now: Optional[dt.datetime] = None,
    exclude_checkout=None,
) -> List[slots.Slot]:
    """Return the store's delivery windows over the next `days` local days, with the
    places left (full windows included, with none remaining)."""
    windows.check_days(days)
    now = now or timezone.now()
    since, until = windows.span(now, days)
    booked = window_bookings(
        store_ids=[store.pk],
        since=since,
        until=until,
        now=now,
        exclude_checkout=exclude_checkout,
    )
    return _windows(
        store=store,
        area=area,
        days=days,
        now=now,
        booked=_per_store(booked).get(store.pk, {}),
    )


def stores_delivery_windows(
    *, requests: Sequence[Tuple[Store, int]], now: Optional[dt.datetime] = None
) -> List[List[slots.Slot]]:
    """Return the delivery windows of several ``(store, days)`` pairs, in order: none
    for a store without an active area. Four queries whatever the number of stores
    (areas, hours exceptions, bookings)."""
    from django.db.models import prefetch_related_objects

    now = now or timezone.now()
    for _store, days in requests:
        windows.check_days(days)
    by_store = delivery_areas_by_store([store.pk for store, _days in requests])
    serving = [store for store, _days in requests if _serves(by_store, store)]
    # Skips the stores whose exceptions the store list prefetched already.
    prefetch_related_objects(serving, "hours_exceptions")
    since, until = windows.span(
        now, max((days for _store, days in requests), default=1)
    )
    booked = _per_store(
        window_bookings(
            store_ids={store.pk for store in serving}, since=since, until=until, now=now
        )
    )
    return [
        (
            _windows(
                store=store,
                area=by_store[store.pk],
                days=days,
                now=now,
                booked=booked.get(store.pk, {}),
            )
            if _serves(by_store, store)
            else []
        )
        for store, days in requests
    ]


def _serves(by_store: Dict[int, DeliveryArea], store: Store) -> bool:
    area = by_store.get(store.pk)
    return area is not None and area.is_active and store.is_active


@dataclass(frozen=True)
class DeliveryOption:
    store_id: int
    #: Straight-line (great-circle) km from the store; None when the address or the
    #: store has no coordinates (a postal-code match).
    distance_km: Optional[float]
    supplies_all: bool
    #: What the store lacks of each line it cannot supply in full.
    short: Tuple[supply.Line, ...]
    fee: Decimal
    below_minimum: bool
    #: The first window with a place left; None when every window is full.
    earliest_window: Optional[slots.Slot]
    windows: Tuple[slots.Slot, ...]


def option_rank(option: DeliveryOption):
    """Return the sort key of an option: whole cart, earliest window, distance, ID."""
    earliest = option.earliest_window
    return (
        not option.supplies_all,
        earliest is None,
        earliest.start if earliest else dt.datetime.max.replace(tzinfo=pytz.utc),
        option.distance_km is None,
        option.distance_km or 0.0,
        option.store_id,
    )


def stores_delivering(
    *,
    point: Optional[Point],
    country: str,
    postal_code: str,
    lines: Sequence[supply.Line],
    order_value: Decimal,
    now: Optional[dt.datetime] = None,
    days: int = 7,
    exclude_checkout=None,
) -> List[DeliveryOption]:
    """Return the stores that deliver to the address, best first.

    An active store delivers there when its active area covers the address (its
    radius around the store, by great-circle distance from `point`, or a prefix of
    the address's postal code in `country`). Ranked: stores with the whole cart
    first, then by earliest window with room (none last), then by distance (unknown
    last), then by store ID. Each option carries its fee for `order_value`.
    """
    windows.check_days(days)
    now = now or timezone.now()
    since, until = windows.span(now, days)
    candidates = delivering.covering_candidates(
        point=point,
        country=country,
        postal_code=postal_code,
        lines=lines,
        now=now,
        since=since,
        until=until,
        exclude_checkout=exclude_checkout,
    )
    options = []
    schedules = windows.Schedules()
    for candidate in candidates:
        short = tuple(
            supply.Line(line.variant_id, line.quantity - units)
            for line in lines
            for units in [candidate.available.get(line.variant_id, 0)]
            if units < line.quantity
        )
        found = windows.delivery_windows(
            schedules.build(
                candidate.timezone, candidate.opening_hours_json, candidate.exceptions
            ),
            now=now,
            days=days,
            lead_time_minutes=candidate.lead_time_minutes,
            window_minutes=candidate.window_minutes,
            capacity=candidate.window_capacity,
            booked=candidate.booked,
        )
        options.append(
            DeliveryOption(
                store_id=candidate.store_id,
                distance_km=candidate.distance_km,
                supplies_all=not short,
                short=short,
                fee=fees.delivery_fee(
                    candidate.rule,
                    distance_km=candidate.distance_km,
                    order_value=order_value,
                ),
                below_minimum=fees.below_minimum(candidate.rule, order_value),
                earliest_window=next(
                    (window for window in found if slots.can_book(window)), None
                ),
                windows=tuple(found),
            )
        )
    return sorted(options, key=option_rank)
