"""Gateway to the geocoding provider: addresses in, coordinates out, through geopy.

Errors come out as the extension's own: `PlaceNotFound` (the provider knows no such
place; retrying will not help), `GeocodingUnavailable` (timeouts, rate limits, outages,
a rate-limited provider whose next free turn is too far away; worth retrying later)
and `GeocodingError` (misconfiguration, refused credentials).

Searches from a place given as text are limited per request (`places_per_request`):
each is a call to the provider, which public Nominatim allows once a second.
"""

import hashlib
import inspect
import logging
import threading
import time
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Callable, Dict, Iterator, Optional, Union

from django.core.cache import cache
from geopy import exc as geopy_exc
from geopy.geocoders import get_geocoder_for_service

from saleor_o2o.core import limits
from saleor_o2o.core.errors import (
    GeocodingError,
    GeocodingUnavailable,
    InvalidInput,
    O2OError,
    PlaceNotFound,
)
from saleor_o2o.core.settings import GeocoderSettings

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
    """Keep at least `min_delay` seconds between calls, across threads of a process.

    Each caller takes the next free turn under the lock, then sleeps until that turn
    outside it: a waiting caller never holds up another. A caller whose turn is more
    than ``max_wait`` seconds away is refused instead of queued.
    """

    def __init__(
        self,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self._clock = clock
        self._sleep = sleep
        self._lock = threading.Lock()
        self._next_free: Optional[float] = None

    def wait(self, min_delay: float, max_wait: Optional[float] = None) -> None:
        """Block until this caller's turn, or raise `GeocodingUnavailable` if that
        is more than ``max_wait`` seconds away (None: wait however long)."""
        with self._lock:
            now = self._clock()
            turn = now if self._next_free is None else max(now, self._next_free)
            pause = turn - now
            if max_wait is not None and pause > max_wait:
                raise GeocodingUnavailable(
                    "The geocoding provider is busy: search again in a few seconds, "
                    "or give coordinates instead of an address."
                )
            self._next_free = turn + max(min_delay, 0.0)
        if pause > 0:
            self._sleep(pause)


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
    _throttle_for(settings).wait(
        settings.min_delay_seconds, max_wait=limits.geocoding_max_wait_seconds()
    )
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


class PlaceBudget:
    """The places given as text one request may geocode; the same place again is
    answered as the first time, without counting."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self._answers: Dict[str, Union[Place, O2OError]] = {}

    def answer(self, key: str, find: Callable[[], Place]) -> Place:
        """Return ``find()``'s place for ``key``, found once per request."""
        if key not in self._answers:
            if len(self._answers) >= self.limit:
                raise InvalidInput(
                    f"One request may search near at most {self.limit} "
                    f"place{'' if self.limit == 1 else 's'} given as text: give "
                    "coordinates, or send each place in its own request.",
                    code="OUT_OF_RANGE",
                )
            try:
                self._answers[key] = find()
            except O2OError as error:
                self._answers[key] = error
        answer = self._answers[key]
        if isinstance(answer, O2OError):
            raise answer
        return answer


_request_places: "ContextVar[Optional[PlaceBudget]]" = ContextVar(
    "saleor_o2o_request_places", default=None
)


@contextmanager
def places_per_request(limit: int) -> Iterator[PlaceBudget]:
    """Hold `geocode_cached` to ``limit`` distinct places until the block ends."""
    budget = PlaceBudget(limit)
    token = _request_places.set(budget)
    try:
        yield budget
    finally:
        _request_places.reset(token)


def geocode_cached(
    query: str, *, settings: GeocoderSettings, country_code: str = ""
) -> Place:
    """Return `geocode`'s answer, remembering it so repeated searches stay local.

    Inside `places_per_request`, a place beyond the request's limit is refused
    (`InvalidInput`, code OUT_OF_RANGE), whether or not it is remembered.
    """
    key = _cache_key(query, settings, country_code)
    budget = _request_places.get()
    if budget is None:
        return _geocode_remembered(key, query, settings, country_code)
    return budget.answer(
        key, lambda: _geocode_remembered(key, query, settings, country_code)
    )


def geocode_peek(
    query: str, *, settings: GeocoderSettings, country_code: str = ""
) -> Optional[Place]:
    """Return the place `geocode_cached` remembers for the query, never calling the
    provider: None when it remembers none, or remembers that none was found."""
    cached = cache.get(_cache_key(query, settings, country_code))
    if cached is None or cached == "not-found":
        return None
    return Place(*cached)


def _geocode_remembered(
    key: str, query: str, settings: GeocoderSettings, country_code: str
) -> Place:
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
