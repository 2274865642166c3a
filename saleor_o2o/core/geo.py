"""Points on the Earth and the distances between them.

The locator ranks stores by great-circle distance on a sphere of the mean Earth radius
(IUGG, 6371.0088 km). Against the WGS84 ellipsoid that is within 0.5%, well below the
accuracy of a geocoded shop front; the same model is used in SQL and in Python, so a
distance shown to a shopper is the one the store was ranked by.
"""

import math
from dataclasses import dataclass
from typing import Callable, Optional, Tuple

from saleor_o2o.core.errors import InvalidInput

#: Mean Earth radius in kilometres (IUGG).
EARTH_RADIUS_KM = 6371.0088
#: Half the Earth's circumference: no two points are further apart.
MAX_DISTANCE_KM = math.pi * EARTH_RADIUS_KM


#: Radius of the sphere PostgreSQL's earthdistance places points on (``earth()``), m.
EARTHDISTANCE_RADIUS_M = 6378168.0


@dataclass(frozen=True)
class Point:
    latitude: float
    longitude: float


def validate_point(
    latitude: Optional[float], longitude: Optional[float], *, field_prefix: str = ""
) -> Point:
    """Return a point, or raise `InvalidInput` naming the coordinate that is wrong."""
    if latitude is None or longitude is None:
        missing = "latitude" if latitude is None else "longitude"
        raise InvalidInput(
            "Latitude and longitude go together: give both or neither.",
            field=f"{field_prefix}{missing}",
            code="REQUIRED",
        )
    for name, value, bound in (
        ("latitude", latitude, 90.0),
        ("longitude", longitude, 180.0),
    ):
        if not math.isfinite(value) or not -bound <= value <= bound:
            raise InvalidInput(
                f"{name.capitalize()} must be between {-bound:g} and {bound:g}; "
                f"got {value}.",
                field=f"{field_prefix}{name}",
                code="OUT_OF_RANGE",
            )
    return Point(latitude=float(latitude), longitude=float(longitude))


def great_circle_km(a: Point, b: Point) -> float:
    """Return the great-circle distance between two points, in kilometres."""
    return great_circle_from(a)(b)


def great_circle_from(origin: Point) -> Callable[[Point], float]:
    """Return a function giving the great-circle km from `origin` to a point (what
    `great_circle_km` gives, with the origin's part worked out once)."""
    lat1, lng1 = math.radians(origin.latitude), math.radians(origin.longitude)
    cos_lat1 = math.cos(lat1)

    def distance(point: Point) -> float:
        lat2, lng2 = math.radians(point.latitude), math.radians(point.longitude)
        # Haversine: well conditioned for small distances.
        h = (
            math.sin((lat2 - lat1) / 2) ** 2
            + cos_lat1 * math.cos(lat2) * math.sin((lng2 - lng1) / 2) ** 2
        )
        return 2 * EARTH_RADIUS_KM * math.asin(min(1.0, math.sqrt(h)))

    return distance


def validate_radius_km(
    radius_km: Optional[float], *, default_km: float, max_km: float
) -> float:
    """Return the radius to search, or raise `InvalidInput` when out of range."""
    if radius_km is None:
        return min(default_km, max_km)
    if not math.isfinite(radius_km) or radius_km <= 0:
        raise InvalidInput(
            "The radius must be a positive number of kilometres.",
            field="radius_km",
            code="OUT_OF_RANGE",
        )
    if radius_km > max_km:
        raise InvalidInput(
            f"The radius may be at most {max_km:g} km.",
            field="radius_km",
            code="OUT_OF_RANGE",
        )
    return float(radius_km)


def earth_cube(point: Point) -> Tuple[float, float, float]:
    """Return the point as earthdistance's ``ll_to_earth`` does: x, y, z in metres."""
    lat, lng = math.radians(point.latitude), math.radians(point.longitude)
    return (
        EARTHDISTANCE_RADIUS_M * math.cos(lat) * math.cos(lng),
        EARTHDISTANCE_RADIUS_M * math.cos(lat) * math.sin(lng),
        EARTHDISTANCE_RADIUS_M * math.sin(lat),
    )


def chord_for_km(distance_km: float) -> float:
    """Return the straight-line distance, on earthdistance's sphere, of an arc.

    The arc is `distance_km` long on the mean-radius sphere; the chord grows with
    the arc, so comparing chords ranks points exactly as comparing arcs does.
    """
    angle = min(distance_km / EARTH_RADIUS_KM, math.pi)
    return 2 * EARTHDISTANCE_RADIUS_M * math.sin(angle / 2)


def km_for_chord(chord_m: float) -> float:
    """Return the great-circle distance in km that a chord on that sphere spans."""
    half = min(1.0, max(0.0, chord_m / (2 * EARTHDISTANCE_RADIUS_M)))
    return 2 * EARTH_RADIUS_KM * math.asin(half)
