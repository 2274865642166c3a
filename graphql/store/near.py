"""The `near:` search shared by the store, variant and checkout fields."""

from typing import Tuple

from saleor_o2o.core.errors import InvalidInput
from saleor_o2o.core.geo import Point, validate_radius_km
from saleor_o2o.core.limits import MAX_PAGE_SIZE
from saleor_o2o.graphql.core.context import require_storefront_enabled
from saleor_o2o.store import selectors


def resolve_near(info, near, radius_km) -> Tuple[Point, float]:
    """Return the point and radius to search, checked against the plugin settings."""
    settings = require_storefront_enabled(info.context)
    point = selectors.point_for_search(**dict(near), settings=settings.geocoder)
    radius = validate_radius_km(
        radius_km, default_km=settings.default_radius_km, max_km=settings.max_radius_km
    )
    return point, radius


def check_first(first: int) -> None:
    """Refuse a `first` no list answers: below 1 (INVALID), above the page size
    Saleor's lists allow (OUT_OF_RANGE)."""
    if first > MAX_PAGE_SIZE:
        raise InvalidInput(
            f"`first` must be between 1 and {MAX_PAGE_SIZE}.",
            field="first",
            code="OUT_OF_RANGE",
        )
    if first < 1:
        raise InvalidInput(
            f"`first` must be between 1 and {MAX_PAGE_SIZE}.", field="first"
        )
