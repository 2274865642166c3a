"""Reads of local delivery: the areas serving an address, the windows of a store
with the places taken, and the stores that can deliver a cart, best first.

`stores_delivering` answers in a fixed number of queries whatever the number of
stores and lines: the areas covering the address (one query on the store location
index and the postal-code index), their opening-hours exceptions, the stock of every
candidate store, and the window places taken.
"""

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Dict, Iterable, List, Optional, Sequence, Tuple

import pytz
from django.db.models import BooleanField, FloatField, Prefetch
from django.db.models.expressions import RawSQL
from django.utils import timezone

from saleor_o2o.core.errors import InvalidInput
from saleor_o2o.core.geo import Point
from saleor_o2o.local_delivery import areas, fees, windows
from saleor_o2o.local_delivery.models import (
    CheckoutLocalDelivery,
    DeliveryArea,
    LocalDelivery,
)
from saleor_o2o.local_delivery.rules import OPEN_STATUSES
from saleor_o2o.store import slots, supply
from saleor_o2o.store.availability import pickup_availability
from saleor_o2o.store.models import Store, StoreHoursException
from saleor_o2o.store.selectors import DISTANCE_KM_SQL, LOCATION_SQL, search_area

#: The most days of windows a shopper may ask for.
MAX_WINDOW_DAYS = 14
#: The most stores compared for one address (nearest first, postal matches with no
#: distance last): more than any shopper reads, and it bounds the stock lookup.
MAX_DELIVERY_CANDIDATES = 100

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


def check_days(days: int) -> None:
    if isinstance(days, bool) or not 1 <= days <= MAX_WINDOW_DAYS:
        raise InvalidInput(
            f"Delivery windows are shown for 1 to {MAX_WINDOW_DAYS} days.",
            field="days",
            code="OUT_OF_RANGE",
        )


def _span(now: dt.datetime, days: int) -> Tuple[dt.datetime, dt.datetime]:
    """The instants every store's windows over `days` local days fall within
    (timezones differ by up to a day; overnight hours run past midnight)."""
    return now - dt.timedelta(days=1), now + dt.timedelta(days=days + 2)


def _per_store(booked: Bookings) -> Dict[int, Dict[dt.datetime, int]]:
    grouped: Dict[int, Dict[dt.datetime, int]] = {}
    for (store_id, start), count in booked.items():
        grouped.setdefault(store_id, {})[start] = count
    return grouped


def _windows(
    *, store: Store, area: DeliveryArea, days: int, now: dt.datetime, booked
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
    check_days(days)
    now = now or timezone.now()
    since, until = _span(now, days)
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
        check_days(days)
    by_store = delivery_areas_by_store([store.pk for store, _days in requests])
    serving = [store for store, _days in requests if _serves(by_store, store)]
    # Skips the stores whose exceptions the store list prefetched already.
    prefetch_related_objects(serving, "hours_exceptions")
    since, until = _span(now, max((days for _store, days in requests), default=1))
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


# The box of the widest radius bounds the search on the location index; each area's
# own radius is then compared with the very distance the options carry.
_RADIUS_MATCH_SQL = f"""
    SELECT area.id FROM saleor_o2o_deliveryarea area
    JOIN saleor_o2o_store ON saleor_o2o_store.id = area.store_id
    WHERE {LOCATION_SQL} <@ %s::cube AND area.radius_km IS NOT NULL
      AND {DISTANCE_KM_SQL} <= area.radius_km
"""
# One lookup on the (country, prefix) index for every prefix of the address's code.
_POSTAL_MATCH_SQL = """
    SELECT postal.area_id FROM saleor_o2o_deliverypostalcode postal
    WHERE postal.country = %s AND postal.prefix = ANY(%s::varchar[])
"""
_POSTAL_MATCH_EXISTS_SQL = """
    EXISTS (SELECT 1 FROM saleor_o2o_deliverypostalcode postal
    WHERE postal.area_id = saleor_o2o_deliveryarea.id
      AND postal.country = %s AND postal.prefix = ANY(%s::varchar[]))
"""


def _covering_areas(
    *, point: Optional[Point], country: str, postal_code: str, today: dt.date
) -> List[DeliveryArea]:
    """Return the active areas of active stores that cover the address, with their
    stores, each store's recent hours exceptions, ``distance_km`` and
    ``postal_match`` (one query for the areas, one for the exceptions)."""
    country = (country or "").upper()
    prefixes = areas.postal_prefixes(postal_code) if country else []
    parts: List[str] = []
    params: list = []
    if point is not None:
        search = search_area(point, areas.MAX_RADIUS_KM)
        parts.append(_RADIUS_MATCH_SQL)
        params += [search.box, search.origin]
    if prefixes:
        parts.append(_POSTAL_MATCH_SQL)
        params += [country, prefixes]
    if not parts:
        return []
    qs = DeliveryArea.objects.filter(
        pk__in=RawSQL(" UNION ".join(parts), params),
        is_active=True,
        store__is_active=True,
    ).select_related("store")
    if point is not None:
        origin = search_area(point, 0).origin
        qs = qs.annotate(
            distance_km=RawSQL(DISTANCE_KM_SQL, (origin,), output_field=FloatField())
        )
    qs = qs.annotate(
        postal_match=RawSQL(
            _POSTAL_MATCH_EXISTS_SQL, (country, prefixes), output_field=BooleanField()
        )
    )
    ordering = ["distance_km", "pk"] if point is not None else ["pk"]
    found = list(
        qs.order_by(*ordering).prefetch_related(
            Prefetch(
                "store__hours_exceptions",
                queryset=StoreHoursException.objects.filter(
                    date__gte=today - dt.timedelta(days=2)
                ),
            )
        )[:MAX_DELIVERY_CANDIDATES]
    )
    for area in found:
        if point is None:
            area.distance_km = None
    return [
        area
        for area in found
        if areas.covers(
            radius_km=area.radius_km,
            distance_km=area.distance_km,
            postal_match=area.postal_match,
        )
    ]


def _rank_key(option: DeliveryOption):
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
    check_days(days)
    now = now or timezone.now()
    covering = _covering_areas(
        point=point, country=country, postal_code=postal_code, today=now.date()
    )
    if not covering:
        return []
    store_ids = [area.store_id for area in covering]
    available = pickup_availability(
        store_ids=store_ids, variant_ids=[line.variant_id for line in lines]
    )
    since, until = _span(now, days)
    booked = _per_store(
        window_bookings(
            store_ids=store_ids,
            since=since,
            until=until,
            now=now,
            exclude_checkout=exclude_checkout,
        )
    )
    options = []
    for area in covering:
        short = tuple(
            supply.Line(line.variant_id, line.quantity - units)
            for line in lines
            for units in [available.get((area.store_id, line.variant_id), 0)]
            if units < line.quantity
        )
        found = _windows(
            store=area.store,
            area=area,
            days=days,
            now=now,
            booked=booked.get(area.store_id, {}),
        )
        rule = fee_rule(area)
        options.append(
            DeliveryOption(
                store_id=area.store_id,
                distance_km=area.distance_km,
                supplies_all=not short,
                short=short,
                fee=fees.delivery_fee(
                    rule, distance_km=area.distance_km, order_value=order_value
                ),
                below_minimum=fees.below_minimum(rule, order_value),
                earliest_window=next(
                    (window for window in found if slots.can_book(window)), None
                ),
                windows=tuple(found),
            )
        )
    return sorted(options, key=_rank_key)
