"""The stores whose delivery area covers an address, with everything their ranking
needs, in one statement.

`selectors.stores_delivering` compares a few dozen stores a request. Read as
models (the areas and their stores, then their hours exceptions, their stock, their
window bookings), that took four queries and more Python than SQL time. Here one
statement finds the covering areas on the store location index and the postal-code
index, and brings each one's fee rule, hours, hours exceptions, window places taken
and stock counts as plain values.
"""

import datetime as dt
from collections import Counter
from typing import Dict, List, NamedTuple, Optional, Sequence, Tuple

from django.db import connection
from saleor.account.models import Address
from saleor.warehouse.models import Warehouse

from saleor_o2o.core.geo import Point
from saleor_o2o.local_delivery import areas, fees
from saleor_o2o.local_delivery.models import (
    CheckoutLocalDelivery,
    DeliveryArea,
    DeliveryPostalCode,
    LocalDelivery,
)
from saleor_o2o.local_delivery.rules import OPEN_STATUSES
from saleor_o2o.store import hours, stock_rows, supply
from saleor_o2o.store.models import Store, StoreHoursException
from saleor_o2o.store.selectors import DISTANCE_KM_SQL, LOCATION_SQL, search_area

#: The most stores compared for one address (nearest first, postal matches with no
#: distance last): more than any shopper reads, and it bounds the stock lookup.
MAX_DELIVERY_CANDIDATES = 100
#: Hours exceptions read from this many days before today (overnight hours and
#: timezones reach back into the days before).
EXCEPTION_DAYS_BEFORE = 2


class Candidate(NamedTuple):
    """A store whose active area covers the address, as its ranking needs it."""

    store_id: int
    #: Great-circle km from the store; None when the address or store is not placed.
    distance_km: Optional[float]
    rule: fees.FeeRule
    lead_time_minutes: int
    window_minutes: int
    window_capacity: int
    timezone: str
    #: The store's weekly hours as stored, in JSON (`hours.weekly_from_json`).
    opening_hours_json: str
    exceptions: Tuple[hours.DateException, ...]
    #: Places taken per window start (open deliveries, checkouts completing).
    booked: Dict[dt.datetime, int]
    #: Units available per variant (`supply.available_for_pickup`).
    available: Dict[int, int]


_AREA = DeliveryArea._meta.db_table
_STORE = Store._meta.db_table
# The box of the widest radius bounds the search on the location index; each
# area's own radius is then compared with the very distance the options carry. A
# radius serves the store's own country only (see `areas`).
_RADIUS_MATCH_SQL = f"""
    SELECT area.id FROM {_AREA} area
    JOIN {_STORE} ON {_STORE}.id = area.store_id
    JOIN {Warehouse._meta.db_table} w ON w.id = {_STORE}.warehouse_id
    JOIN {Address._meta.db_table} a ON a.id = w.address_id
    WHERE {LOCATION_SQL} <@ %(box)s::cube AND area.radius_km IS NOT NULL
      AND {DISTANCE_KM_SQL.replace("%s", "%(origin)s")} <= area.radius_km
      AND a.country = %(country)s
"""
_POSTAL_TABLE = DeliveryPostalCode._meta.db_table
# One lookup on the (country, prefix) index for every prefix of the address's code.
_POSTAL_MATCH_SQL = f"""
    SELECT postal.area_id FROM {_POSTAL_TABLE} postal
    WHERE postal.country = %(country)s AND postal.prefix = ANY(%(prefixes)s)
"""
_DISTANCE_SQL = DISTANCE_KM_SQL.replace("%s", "%(origin)s")
# The matches are read first (an array), then their areas by primary key: as a
# join, the planner may scan every area for a few dozen matches.
_UNITS = ", ".join(stock_rows.UNITS_SQL)
_SELECT_SQL = f"""
    SELECT {_STORE}.id, {{distance}}, area.radius_km,
      EXISTS (SELECT 1 FROM {_POSTAL_TABLE} postal WHERE postal.area_id = area.id
        AND postal.country = %(country)s AND postal.prefix = ANY(%(prefixes)s)),
      area.fee_base_amount, area.fee_per_km_amount, area.free_above_amount,
      area.minimum_order_amount, area.lead_time_minutes, area.window_minutes,
      area.window_capacity, {_STORE}.timezone, {_STORE}.opening_hours::text,
      {_STORE}.pickup_safety_stock,
      (SELECT json_agg(json_build_array(e.date, e.name, e.intervals) ORDER BY e.date)
        FROM {StoreHoursException._meta.db_table} e
        WHERE e.store_id = {_STORE}.id AND e.date >= %(exceptions_since)s),
      ARRAY(
        SELECT d.window_start FROM {LocalDelivery._meta.db_table} d
        WHERE d.store_id = {_STORE}.id AND d.status = ANY(%(open)s)
          AND d.window_start >= %(since)s AND d.window_start < %(until)s
        UNION ALL
        SELECT c.window_start FROM {CheckoutLocalDelivery._meta.db_table} c
        WHERE c.store_id = {_STORE}.id AND c.held_until > %(held_after)s
          AND c.window_start >= %(since)s AND c.window_start < %(until)s
          AND c.checkout_id IS DISTINCT FROM %(checkout)s::uuid),
      ARRAY(
        SELECT ARRAY[s.product_variant_id::bigint, {_UNITS}]
        FROM {stock_rows.STOCK_TABLE} s
        WHERE s.warehouse_id = {_STORE}.warehouse_id
          AND s.product_variant_id = ANY(%(variants)s))
    FROM {_AREA} area JOIN {_STORE} ON {_STORE}.id = area.store_id
    WHERE area.id = ANY(ARRAY({{matches}})) AND area.is_active AND {_STORE}.is_active
    ORDER BY 2, area.id
    LIMIT {MAX_DELIVERY_CANDIDATES}
"""


def covering_candidates(
    *,
    point: Optional[Point],
    country: str,
    postal_code: str,
    lines: Sequence[supply.Line],
    now: dt.datetime,
    since: dt.datetime,
    until: dt.datetime,
    exclude_checkout=None,
) -> List[Candidate]:
    """Return the active stores whose active area covers the address, nearest
    first (postal-code matches with no distance last), at most
    `MAX_DELIVERY_CANDIDATES`, with the window places taken in [since, until)
    (the checkout `exclude_checkout`'s own hold not counted). One query."""
    country = (country or "").upper()
    prefixes = areas.postal_prefixes(postal_code) if country else []
    params = dict(
        # Stock reservations live by the clock; window holds as of `now`.
        stock_rows.units_params(exclude_checkout=exclude_checkout),
        held_after=now,
        country=country,
        prefixes=prefixes,
        exceptions_since=now.date() - dt.timedelta(days=EXCEPTION_DAYS_BEFORE),
        open=sorted(OPEN_STATUSES),
        since=since,
        until=until,
        variants=[line.variant_id for line in lines],
    )
    matches = []
    distance = "NULL::float"
    if point is not None:
        search = search_area(point, areas.MAX_RADIUS_KM)
        params.update(box=search.box, origin=search.origin)
        matches.append(_RADIUS_MATCH_SQL)
        distance = _DISTANCE_SQL
    if prefixes:
        matches.append(_POSTAL_MATCH_SQL)
    if not matches:
        return []
    sql = _SELECT_SQL.format(distance=distance, matches=" UNION ".join(matches))
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    return [
        candidate
        for candidate in (_candidate(row) for row in rows)
        if candidate is not None
    ]


def _candidate(row) -> Optional[Candidate]:
    (
        store_id,
        distance_km,
        radius_km,
        postal_match,
        base,
        per_km,
        free_above,
        minimum_order,
        lead_time_minutes,
        window_minutes,
        window_capacity,
        timezone,
        opening_hours_json,
        safety_stock,
        exceptions,
        booked,
        stock,
    ) = row
    if not areas.covers(
        radius_km=radius_km, distance_km=distance_km, postal_match=postal_match
    ):
        return None
    return Candidate(
        store_id=store_id,
        distance_km=distance_km,
        rule=fees.FeeRule(
            base=base, per_km=per_km, free_above=free_above, minimum_order=minimum_order
        ),
        lead_time_minutes=lead_time_minutes,
        window_minutes=window_minutes,
        window_capacity=window_capacity,
        timezone=timezone,
        opening_hours_json=opening_hours_json,
        exceptions=tuple(
            hours.DateException(
                date=dt.date.fromisoformat(date),
                intervals=hours.intervals_from_json(intervals),
                name=name,
            )
            for date, name, intervals in exceptions or ()
        ),
        booked=dict(Counter(booked)),
        available={
            variant_id: supply.available_for_pickup(
                quantity=quantity,
                allocated=allocated + reserved,
                safety_stock=safety_stock,
            )
            for variant_id, quantity, allocated, reserved in stock
        },
    )
