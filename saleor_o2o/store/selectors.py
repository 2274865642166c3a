"""Reads: which stores a requestor sees, and the stores nearest a point.

The nearest-store search runs on a GiST index over each store's point on a sphere
(``location``, kept by PostgreSQL as ``ll_to_earth(latitude, longitude)`` from the
contrib cube + earthdistance). The origin, the bounding box of the radius and the
radius as a straight-line (chord) length are computed here, so the database compares
plain cubes: the box bounds the search and ``<->`` walks the index nearest first (a
KNN scan). Points are 3-D Cartesian, so this is right across the antimeridian and at
the poles. Chords grow with great-circle distance, so the order is exactly nearest
first; the great-circle distance is derived from the chord of the stores returned.
"""

from dataclasses import dataclass
from datetime import timedelta
from typing import Dict, List, Optional, Sequence, Tuple

from django.db.models import FloatField, Prefetch, Q, QuerySet
from django.db.models.expressions import RawSQL
from django.utils import timezone

from saleor_o2o.core import geocoding
from saleor_o2o.core.errors import InvalidInput, O2OError
from saleor_o2o.core.geo import (
    EARTH_RADIUS_KM,
    EARTHDISTANCE_RADIUS_M,
    Point,
    chord_for_km,
    earth_cube,
    validate_point,
)
from saleor_o2o.core.settings import GeocoderSettings
from saleor_o2o.store.models import Store, StoreHoursException, StoreService
from saleor_o2o.store.reach import NOWHERE, Reach

#: The store's point on earthdistance's sphere, kept by PostgreSQL (migration 0003).
LOCATION_SQL = '"saleor_o2o_store"."location"'


def km_sql(chord_sql: str) -> str:
    """Return SQL for great-circle km on the mean sphere from a chord (metres) on
    earthdistance's sphere."""
    return (
        f"{2 * EARTH_RADIUS_KM} * asin(least(1.0, ({chord_sql})"
        f" / {2 * EARTHDISTANCE_RADIUS_M}))"
    )


DISTANCE_KM_SQL = km_sql(f"{LOCATION_SQL} <-> %s::cube")


def _cube(*coordinates: float) -> str:
    return "(" + ", ".join(repr(float(value)) for value in coordinates) + ")"


@dataclass(frozen=True)
class SearchArea:
    """A search around a point, as the location index takes it (cube literals)."""

    origin: str
    #: The box around the radius's sphere, which the GiST index bounds.
    box: str
    #: The radius as a chord on earthdistance's sphere, in metres.
    chord: float


def search_area(point: Point, radius_km: float) -> SearchArea:
    x, y, z = earth_cube(point)
    chord = chord_for_km(radius_km)
    return SearchArea(
        origin=_cube(x, y, z),
        box=_cube(x - chord, y - chord, z - chord)
        + ","
        + _cube(x + chord, y + chord, z + chord),
        chord=chord,
    )


#: The active stores within a search area, each with its chord from the origin: the
#: body of a ``near`` common table expression, shared by every search of things held
#: at stores (offers, store events) so they find the same stores the same way (the
#: location index bounds them: a box, then the chord). Parameters: `search_params`.
STORES_NEAR_SQL = """
    SELECT id, location <-> %(origin)s::cube AS chord
    FROM saleor_o2o_store
    WHERE is_active AND location <@ %(box)s::cube
      AND (location <-> %(origin)s::cube) <= %(chord)s
"""


def search_params(point: Point, radius_km: float) -> Dict[str, object]:
    """Return the named parameters of `STORES_NEAR_SQL` for a search."""
    area = search_area(point, radius_km)
    return {"origin": area.origin, "box": area.box, "chord": area.chord}


def stores_visible_to(*, can_manage: bool, reach: Reach = NOWHERE) -> QuerySet:
    """Return the stores a requestor may see: every active store, and the inactive
    ones among those they manage as staff (in their reach)."""
    qs = Store.objects.all()
    if not can_manage:
        return qs.active()
    store_ids = reach.store_ids()
    if store_ids is None:
        return qs
    return qs.filter(Q(is_active=True) | Q(pk__in=store_ids))


def stores_with_related(
    queryset: QuerySet, *, with_address: bool = True, with_hours_exceptions: bool = True
) -> QuerySet:
    """Return `queryset` fetching along what store fields read: the address, and the
    hours exceptions from two days ago on (one query for all the stores)."""
    if with_address:
        queryset = queryset.select_related("warehouse__address")
    if not with_hours_exceptions:
        return queryset
    recent = timezone.now().date() - timedelta(days=2)
    return queryset.prefetch_related(
        Prefetch(
            "hours_exceptions",
            queryset=StoreHoursException.objects.filter(date__gte=recent),
        )
    )


def stores_by_id(
    ids: Sequence[int],
    *,
    with_address: bool = False,
    with_hours_exceptions: bool = False,
) -> Dict[int, Store]:
    """Return the stores with these IDs by ID, with the relations asked for."""
    return stores_with_related(
        Store.objects.all(),
        with_address=with_address,
        with_hours_exceptions=with_hours_exceptions,
    ).in_bulk(ids)


def stores_with_ids(*, ids: Sequence[int]) -> QuerySet:
    """Return the stores with these IDs, by name."""
    return Store.objects.filter(pk__in=ids)


def store_visible_to(
    *,
    can_manage: bool,
    reach: Reach = NOWHERE,
    pk: Optional[int] = None,
    slug: Optional[str] = None,
) -> Optional[Store]:
    """Return the store with this slug (else this pk) if the requestor may see it,
    with its address and recent hours exceptions; else None."""
    qs = stores_with_related(stores_visible_to(can_manage=can_manage, reach=reach))
    if slug:
        return qs.filter(slug=slug).first()
    return qs.filter(pk=pk).first()


def click_and_collect_stores_visible_to(
    *, can_manage: bool, reach: Reach = NOWHERE
) -> QuerySet:
    """Return the stores offering click-and-collect that a requestor may see."""
    return stores_visible_to(can_manage=can_manage, reach=reach).filter(
        is_click_and_collect=True
    )


def stores_matching(
    *,
    queryset: QuerySet,
    search: str = "",
    services: Sequence[str] = (),
    is_active: Optional[bool] = None,
) -> QuerySet:
    """Return the stores of `queryset` whose name, city or postal code contains
    `search`, offering every one of `services`, active or not as asked."""
    if search:
        queryset = queryset.filter(
            Q(name__icontains=search)
            | Q(warehouse__address__city__icontains=search)
            | Q(warehouse__address__postal_code__icontains=search)
        )
    for service in services:
        if service == StoreService.CLICK_AND_COLLECT:
            queryset = queryset.filter(is_click_and_collect=True)
        elif service == StoreService.CURBSIDE:
            queryset = queryset.filter(is_curbside=True)
    if is_active is not None:
        queryset = queryset.filter(is_active=is_active)
    return queryset


def stores_near(
    *, queryset: QuerySet, point: Point, radius_km: Optional[float]
) -> QuerySet:
    """Return `queryset` limited to stores within `radius_km` of `point`, nearest first.

    Each store carries ``distance_km`` (great-circle, kilometres) and ``distance_key``
    (the index's ordering value, for keyset pagination); order by ``distance_key``
    alone to let PostgreSQL walk the index and stop after the page.
    """
    origin = _cube(*earth_cube(point))
    qs = queryset.with_coordinates().annotate(
        distance_key=RawSQL(
            f"{LOCATION_SQL} <-> %s::cube", (origin,), output_field=FloatField()
        ),
        distance_km=RawSQL(DISTANCE_KM_SQL, (origin,), output_field=FloatField()),
    )
    if radius_km is not None:
        area = search_area(point, radius_km)
        qs = qs.extra(
            where=[
                f"{LOCATION_SQL} <@ %s::cube",
                f"({LOCATION_SQL} <-> %s::cube) <= %s",
            ],
            params=[area.box, area.origin, area.chord],
        )
    return qs


def stores_nearest_page(
    *,
    queryset: QuerySet,
    first: int,
    after: Optional[Tuple[float, int]] = None,
    with_address: bool = True,
    with_hours_exceptions: bool = True,
) -> List[Store]:
    """Return up to `first + 1` stores of `queryset` (from `stores_near`) nearest
    first, after the ``(distance_key, pk)`` of the last store of the previous page.

    Ordering by the index's distance alone lets PostgreSQL stop after the page (a KNN
    index scan); a second sort key would make it sort every store in the radius.
    Stores at exactly the same distance are ordered by pk here instead, fetching all
    of them when such a tie straddles the end of the page, so pages stay exact.
    """
    related = {
        "with_address": with_address,
        "with_hours_exceptions": with_hours_exceptions,
    }
    if after is not None:
        key, pk = after
        queryset = queryset.filter(
            Q(distance_key__gt=key) | Q(distance_key=key, pk__gt=pk)
        )
    nearest = stores_with_related(queryset.order_by("distance_key"), **related)
    rows = list(nearest[: first + 1])
    if len(rows) > first and rows[first].distance_key == rows[first - 1].distance_key:
        tied = stores_with_related(
            queryset.filter(distance_key=rows[first].distance_key), **related
        )
        rows = list({row.pk: row for row in [*rows, *tied]}.values())
    return sorted(rows, key=lambda row: (row.distance_key, row.pk))[: first + 1]


def point_for_search(
    *,
    latitude: Optional[float] = None,
    longitude: Optional[float] = None,
    address: Optional[str] = None,
    postal_code: Optional[str] = None,
    country: Optional[str] = None,
    settings: GeocoderSettings,
) -> Point:
    """Return the point to search from: the coordinates given, or the place geocoded."""
    address = (address or "").strip()
    postal_code = (postal_code or "").strip()
    has_coordinates = latitude is not None or longitude is not None
    if has_coordinates and (address or postal_code):
        raise InvalidInput(
            "Search near coordinates or near a place, not both.", field="near"
        )
    if has_coordinates:
        return validate_point(latitude, longitude, field_prefix="near.")
    if postal_code and not country:
        raise InvalidInput(
            "A postal code needs its country.", field="near.country", code="REQUIRED"
        )
    query = ", ".join(part for part in (address, postal_code) if part)
    if not query:
        raise InvalidInput(
            "Give latitude and longitude, an address, or a postal code and country.",
            field="near",
            code="REQUIRED",
        )
    try:
        place = geocoding.geocode_cached(
            query, settings=settings, country_code=country or ""
        )
    except O2OError as error:
        error.field = error.field or ("near.address" if address else "near.postalCode")
        raise
    return Point(latitude=place.latitude, longitude=place.longitude)
