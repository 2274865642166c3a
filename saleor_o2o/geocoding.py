"""Gateway to the geocoding provider: addresses in, coordinates out, through geopy.

Errors come out as the extension's own: `PlaceNotFound` (the provider knows no such
place; retrying will not help), `GeocodingUnavailable` (timeouts, rate limits, outages;
worth retrying later) and `GeocodingError` (misconfiguration, refused credentials).
"""

import hashlib
import inspect
import logging
import threading
import time
from dataclasses import dataclass
from typing import Callable, Dict, Optional

from django.core.cache import cache
from geopy import exc as geopy_exc
from geopy.geocoders import get_geocoder_for_service

from .conf import GeocoderSettings
from .errors import GeocodingError, GeocodingUnavailable, PlaceNotFound

logger = logging.getLogger(__name__)

#: How long a found place, and a place not found, are remembered.
CACHE_FOUND_SECONDS = 24 * 3600
CACHE_NOT_FOUND_SECONDS = 3600


@dataclass(frozen=True)
class Place:
    latitude: float
    longitude: float
    #: The provider's description of what it found.
    label: str = ""


class Throttle:
    """Keep at least `min_delay` seconds between calls, across threads of a process."""

    def __init__(
        self,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self._clock = clock
        self._sleep = sleep
        self._lock = threading.Lock()
        self._last_call: Optional[float] = None

    def wait(self, min_delay: float) -> None:
        """Block until a call is allowed, then record it."""
        with self._lock:
            now = self._clock()
            if self._last_call is not None and min_delay > 0:
                pause = self._last_call + min_delay - now
                if pause > 0:
                    self._sleep(pause)
                    now = self._clock()
            self._last_call = now


_throttles: Dict[str, Throttle] = {}
_throttles_lock = threading.Lock()


def _throttle_for(settings: GeocoderSettings) -> Throttle:
    key = f"{settings.provider}:{settings.domain}"
    with _throttles_lock:
        return _throttles.setdefault(key, Throttle())


def build_geocoder(settings: GeocoderSettings):
    """Return a geopy geocoder configured from the plugin's settings."""
    if not settings.enabled:
        raise GeocodingUnavailable(
            "No geocoding provider is configured: choose one in the O2O plugin's "
            "settings, or give coordinates instead of an address."
        )
    geocoder_class = get_geocoder_for_service(settings.provider)
    accepted = inspect.signature(geocoder_class.__init__).parameters
    options = {"timeout": settings.timeout_seconds, "scheme": settings.scheme}
    if settings.user_agent:
        options["user_agent"] = settings.user_agent
    if settings.domain:
        options["domain"] = settings.domain
    if settings.api_key:
        options["api_key"] = settings.api_key
    try:
        return geocoder_class(**{k: v for k, v in options.items() if k in accepted})
    except (geopy_exc.ConfigurationError, TypeError) as error:
        raise GeocodingError(
            f"The geocoding provider {settings.provider!r} is misconfigured: {error}"
        ) from error


def geocode(query: str, *, settings: GeocoderSettings, country_code: str = "") -> Place:
    """Return the place the provider finds for a free-text query."""
    geocoder = build_geocoder(settings)
    options = {}
    if (
        country_code
        and "country_codes" in inspect.signature(geocoder.geocode).parameters
    ):
        options["country_codes"] = country_code.lower()
    _throttle_for(settings).wait(settings.min_delay_seconds)
    try:
        location = geocoder.geocode(query, exactly_one=True, **options)
    except (
        geopy_exc.GeocoderTimedOut,
        geopy_exc.GeocoderUnavailable,
        geopy_exc.GeocoderRateLimited,
        geopy_exc.GeocoderQuotaExceeded,
    ) as error:
        raise GeocodingUnavailable(
            f"The geocoding provider is unavailable: {error}"
        ) from error
    except (
        geopy_exc.GeocoderAuthenticationFailure,
        geopy_exc.GeocoderInsufficientPrivileges,
        geopy_exc.ConfigurationError,
    ) as error:
        raise GeocodingError(
            f"The geocoding provider refused the request: {error}"
        ) from error
    except geopy_exc.GeocoderQueryError as error:
        raise PlaceNotFound(
            f"The geocoding provider rejected {query!r}: {error}"
        ) from error
    except geopy_exc.GeopyError as error:
        # Server errors and unparsable answers: treat as passing trouble.
        raise GeocodingUnavailable(f"The geocoding provider failed: {error}") from error
    if location is None:
        raise PlaceNotFound(f"No place found for {query!r}.")
    return Place(
        latitude=float(location.latitude),
        longitude=float(location.longitude),
        label=str(location.address or ""),
    )


def _cache_key(query: str, settings: GeocoderSettings, country_code: str) -> str:
    raw = "\x1f".join(
        (
            settings.provider,
            settings.domain,
            country_code.upper(),
            query.strip().lower(),
        )
    )
    return "saleor_o2o:geocode:" + hashlib.sha256(raw.encode()).hexdigest()


def geocode_cached(
    query: str, *, settings: GeocoderSettings, country_code: str = ""
) -> Place:
    """Return `geocode`'s answer, remembering it so repeated searches stay local."""
    key = _cache_key(query, settings, country_code)
    cached = cache.get(key)
    if cached is not None:
        if cached == "not-found":
            raise PlaceNotFound(f"No place found for {query!r}.")
        return Place(*cached)
    try:
        place = geocode(query, settings=settings, country_code=country_code)
    except PlaceNotFound:
        cache.set(key, "not-found", CACHE_NOT_FOUND_SECONDS)
        raise
    cache.set(key, (place.latitude, place.longitude, place.label), CACHE_FOUND_SECONDS)
    return place
