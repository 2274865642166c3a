"""Reads: which stores a requestor sees, and the stores nearest a point.

The nearest-store search runs on a GiST index over ``ll_to_earth(latitude,
longitude)`` (PostgreSQL's cube + earthdistance): the index both bounds the search to
the radius (``earth_box``) and walks stores nearest first (``<->``, a KNN scan). Both
work on 3-D Cartesian points, so they are right across the antimeridian and at the
poles. The straight-line (chord) distance that ``<->`` orders by grows with the
great-circle distance, so the order is exactly nearest first; the exact great-circle
distance is computed for the returned stores only.
"""

from typing import Optional

from django.db.models import FloatField, QuerySet
from django.db.models.expressions import RawSQL

from . import geocoding
from .conf import GeocoderSettings
from .domain.geo import EARTH_RADIUS_KM, Point, validate_point
from .errors import InvalidInput, O2OError
from .models import Store

STORE_POINT_SQL = (
    'll_to_earth("saleor_o2o_store"."latitude", "saleor_o2o_store"."longitude")'
)
#: Converts earthdistance's sphere (radius ``earth()``, in metres) to our mean radius.
TO_MEAN_SPHERE_SQL = f"({EARTH_RADIUS_KM * 1000.0} / earth())"


def stores_visible_to(*, can_manage: bool) -> QuerySet:
    """Return the stores a requestor may see: staff see inactive ones too."""
    qs = Store.objects.all()
    return qs if can_manage else qs.active()


def stores_near(
    *, queryset: QuerySet, point: Point, radius_km: Optional[float]
) -> QuerySet:
    """Return `queryset` limited to stores within `radius_km` of `point`, nearest first.

    Each store carries ``distance_km`` (great-circle, kilometres) and ``distance_key``
    (the index's ordering value, for keyset pagination); ties are broken by ``pk``.
    """
    params = (point.latitude, point.longitude)
    origin = "ll_to_earth(%s, %s)"
    qs = queryset.filter(latitude__isnull=False, longitude__isnull=False).annotate(
        distance_key=RawSQL(
            f"{STORE_POINT_SQL} <-> {origin}", params, output_field=FloatField()
        ),
        distance_km=RawSQL(
            f"earth_distance({STORE_POINT_SQL}, {origin})"
            f" * {TO_MEAN_SPHERE_SQL} / 1000.0",
            params,
            output_field=FloatField(),
        ),
    )
    if radius_km is not None:
        radius_on_earth_sphere = f"(%s * 1000.0 / {TO_MEAN_SPHERE_SQL})"
        qs = qs.extra(
            where=[
                f"earth_box({origin}, {radius_on_earth_sphere}) @> {STORE_POINT_SQL}",
                f"earth_distance({STORE_POINT_SQL}, {origin})"
                f" <= {radius_on_earth_sphere}",
            ],
            params=[*params, radius_km, *params, radius_km],
        )
    return qs


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
