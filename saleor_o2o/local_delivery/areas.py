"""Delivery areas: where a store delivers, as a radius around it and/or postal codes.

Pure rules, no database. Postal codes are kept normalised (upper case, no spaces or
dashes) as codes or prefixes of codes; an address matches when some prefix of its own
normalised code is listed for its country, so one indexed ``IN`` lookup on
``(country, prefix)`` answers it (`postal_prefixes`).

A radius serves addresses in the store's own country only: a store delivering
across a border lists the other country's postal codes or prefixes. Saleor offers
the "Local delivery" method only in the countries its zone lists (`method`), known
from the stores' and the postal codes' countries, never from a circle on the map.
"""

import math
import re
from typing import Dict, List, Mapping, Optional, Sequence, Tuple

from django_countries import countries

from saleor_o2o.core.errors import InvalidInput
from saleor_o2o.store import slots

#: The widest radius a store may deliver in: beyond, it is shipping, not local.
MAX_RADIUS_KM = 200.0
#: The longest postal code or prefix (the longest codes in use have 10 characters).
MAX_PREFIX_LENGTH = 20
#: Postal codes and prefixes one area may list, all countries together.
MAX_POSTAL_CODES = 2000
#: A week: longer lead times are almost certainly a typo for hours or days.
MAX_LEAD_TIME_MINUTES = 7 * 24 * 60
#: Deliveries one window may take.
MAX_WINDOW_CAPACITY = 10_000

RADIUS_FIELD = "radius_km"
POSTAL_CODES_FIELD = "postal_codes"

_SEPARATORS = re.compile(r"[\s\-]+")
_PREFIX = re.compile(r"[A-Z0-9]+")

PostalCodes = Dict[str, Tuple[str, ...]]


def normalise_postal_code(code: str) -> str:
    """Return the code in upper case with its spaces and dashes removed."""
    return _SEPARATORS.sub("", code or "").upper()


def postal_prefixes(code: str) -> List[str]:
    """Return every prefix of the normalised code, shortest first (the code last)."""
    normal = normalise_postal_code(code)[:MAX_PREFIX_LENGTH]
    return [normal[:length] for length in range(1, len(normal) + 1)]


def validate_radius(radius_km: Optional[float]) -> Optional[float]:
    """Return the radius as a float, or raise `InvalidInput` when out of range."""
    if radius_km is None:
        return None
    if (
        isinstance(radius_km, bool)
        or not math.isfinite(radius_km)
        or not 0 < radius_km <= MAX_RADIUS_KM
    ):
        raise InvalidInput(
            f"The delivery radius must be more than 0 and at most "
            f"{MAX_RADIUS_KM:g} km.",
            field=RADIUS_FIELD,
            code="OUT_OF_RANGE",
        )
    return float(radius_km)


def validate_postal_codes(postal_codes: Mapping[str, Sequence[str]]) -> PostalCodes:
    """Return the codes normalised by country (upper case), unique and sorted."""
    cleaned: PostalCodes = {}
    total = 0
    for country, prefixes in postal_codes.items():
        code = (country or "").strip().upper()
        if not countries.alpha2(code) or len(code) != 2:
            raise InvalidInput(
                f"Unknown country code {country!r}; use ISO 3166 codes such as 'FR'.",
                field=POSTAL_CODES_FIELD,
            )
        normal = set()
        for prefix in prefixes:
            value = normalise_postal_code(prefix)
            if not _PREFIX.fullmatch(value) or len(value) > MAX_PREFIX_LENGTH:
                raise InvalidInput(
                    f"{prefix!r} is not a postal code or prefix: use 1 to "
                    f"{MAX_PREFIX_LENGTH} letters and digits.",
                    field=POSTAL_CODES_FIELD,
                )
            normal.add(value)
        total += len(normal)
        if total > MAX_POSTAL_CODES:
            raise InvalidInput(
                f"An area lists at most {MAX_POSTAL_CODES} postal codes and prefixes.",
                field=POSTAL_CODES_FIELD,
                code="OUT_OF_RANGE",
            )
        if normal:
            cleaned[code] = cleaned.get(code, ()) + tuple(sorted(normal))
    return {code: tuple(sorted(set(values))) for code, values in cleaned.items()}


def validate_area(
    *,
    radius_km: Optional[float],
    postal_codes: Mapping[str, Sequence[str]],
    lead_time_minutes: Optional[int] = None,
    window_minutes: Optional[int] = None,
    window_capacity: Optional[int] = None,
) -> PostalCodes:
    """Check an area and its windows; return its postal codes normalised.

    An area needs a radius, at least one postal code, or both. The window settings
    are checked when given.
    """
    radius = validate_radius(radius_km)
    cleaned = validate_postal_codes(postal_codes)
    if radius is None and not cleaned:
        raise InvalidInput(
            "A delivery area needs a radius or at least one postal code.",
            field=RADIUS_FIELD,
            code="REQUIRED",
        )
    if lead_time_minutes is not None and not (
        0 <= lead_time_minutes <= MAX_LEAD_TIME_MINUTES
    ):
        raise InvalidInput(
            "The delivery lead time must be between 0 minutes and a week "
            f"({MAX_LEAD_TIME_MINUTES} minutes).",
            field="lead_time_minutes",
            code="OUT_OF_RANGE",
        )
    if window_minutes is not None or window_capacity is not None:
        slots.validate_slot_settings(
            slot_minutes=(
                slots.MIN_SLOT_MINUTES if window_minutes is None else window_minutes
            ),
            capacity=1 if window_capacity is None else window_capacity,
            wording=slots.DELIVERY,
        )
    if window_capacity is not None and not 1 <= window_capacity <= MAX_WINDOW_CAPACITY:
        raise InvalidInput(
            f"A delivery window takes 1 to {MAX_WINDOW_CAPACITY} deliveries.",
            field="window_capacity",
            code="OUT_OF_RANGE",
        )
    return cleaned


def covers(
    *, radius_km: Optional[float], distance_km: Optional[float], postal_match: bool
) -> bool:
    """Return whether an area serves an address: within its radius, or a postal match.

    A distance is unknown when the address could not be placed; then only its postal
    code can match.
    """
    if postal_match:
        return True
    return (
        radius_km is not None and distance_km is not None and distance_km <= radius_km
    )
