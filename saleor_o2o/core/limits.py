"""Limits on what one request to ``/graphql/`` may cost: defaults and settings.

Each limit is a Django setting named ``O2O_...``; this module holds the defaults and
is the only place that reads them. They are read on every request, so a change of
settings (or ``override_settings`` in a test) applies at once. A query limit set to
``None`` is switched off.
"""

from dataclasses import dataclass
from typing import Optional

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

#: The largest page a list may be asked for (`first`/`last`), as Saleor's own
#: connections allow (graphene-django's ``RELAY_CONNECTION_MAX_LIMIT``). Not a
#: setting: Saleor's lists refuse more whatever it says.
MAX_PAGE_SIZE = 100

# The defaults leave room above Saleor 2.10.1's own dashboard, whose 221 operations
# (with the ``__typename`` Apollo adds, at 100 rows a page) measure at most 5,141
# characters, 235 selections, 12 levels, 7 aliases and a cost of 41,001 (the
# warehouse list: 100 warehouses with up to 100 shipping zones each; 8,201 at its
# default 20 rows), and above the queries of Saleor 2.10.1's own test suite (at most
# 61,401: its warehouse list with the zones' countries).

#: Characters of query text; longer queries are refused before they are parsed
#: (parsing is the one step no other limit can protect: ~9 s for a 1 MB list).
DEFAULT_QUERY_MAX_LENGTH = 50_000
#: Field selections, fragment spreads and inline fragments written in the document.
#: Validation compares the fields answering under one name pairwise: 2,000
#: repeated fields took 6 s to validate, 500 take under a second.
DEFAULT_QUERY_MAX_SELECTIONS = 500
#: Fields nested in one another, fragments expanded (``{ shop { name } }`` is 2).
DEFAULT_QUERY_MAX_DEPTH = 15
#: Aliased fields in the operation, fragments expanded.
DEFAULT_QUERY_MAX_ALIASES = 30
#: The operation's cost (see `graphql.core.query_cost`): fields, times the items of
#: the lists they are in.
DEFAULT_QUERY_MAX_COST = 100_000
#: Items a list without `first`/`last` is counted as in the cost: its length is the
#: data's, not the client's, but nesting such lists is not free.
DEFAULT_QUERY_LIST_SIZE = 2
#: Operations in one HTTP request (Saleor answers a JSON array of them).
DEFAULT_QUERY_MAX_BATCH = 10
#: Memory the cache of parsed, validated documents may take, estimated (bytes).
DEFAULT_DOCUMENT_CACHE_BYTES = 64 * 1024 * 1024
#: Free-text places (`near: {address}` or `{postalCode}`) one request may geocode.
DEFAULT_GEOCODING_PLACES_PER_REQUEST = 1
#: The longest a request waits for its turn at a rate-limited geocoder (seconds).
DEFAULT_GEOCODING_MAX_WAIT_SECONDS = 3.0


@dataclass(frozen=True)
class QueryLimits:
    """What one GraphQL operation may ask for; ``None`` switches a limit off."""

    max_length: Optional[int] = DEFAULT_QUERY_MAX_LENGTH
    max_selections: Optional[int] = DEFAULT_QUERY_MAX_SELECTIONS
    max_depth: Optional[int] = DEFAULT_QUERY_MAX_DEPTH
    max_aliases: Optional[int] = DEFAULT_QUERY_MAX_ALIASES
    max_cost: Optional[int] = DEFAULT_QUERY_MAX_COST
    list_size: int = DEFAULT_QUERY_LIST_SIZE
    max_batch: Optional[int] = DEFAULT_QUERY_MAX_BATCH


def _read(name: str, default, *, optional: bool = True) -> Optional[int]:
    """Return the setting ``name``: a positive whole number (or None if optional)."""
    value = getattr(settings, name, default)
    if value is None and optional:
        return None
    if not isinstance(value, int) or isinstance(value, bool) or value < 1:
        allowed = " or None" if optional else ""
        raise ImproperlyConfigured(
            f"{name} must be a positive whole number{allowed}; got {value!r}."
        )
    return value


def query_limits() -> QueryLimits:
    """Return the query limits as the settings give them."""
    return QueryLimits(
        max_length=_read("O2O_QUERY_MAX_LENGTH", DEFAULT_QUERY_MAX_LENGTH),
        max_selections=_read("O2O_QUERY_MAX_SELECTIONS", DEFAULT_QUERY_MAX_SELECTIONS),
        max_depth=_read("O2O_QUERY_MAX_DEPTH", DEFAULT_QUERY_MAX_DEPTH),
        max_aliases=_read("O2O_QUERY_MAX_ALIASES", DEFAULT_QUERY_MAX_ALIASES),
        max_cost=_read("O2O_QUERY_MAX_COST", DEFAULT_QUERY_MAX_COST),
        list_size=_read("O2O_QUERY_LIST_SIZE", DEFAULT_QUERY_LIST_SIZE, optional=False),
        max_batch=_read("O2O_QUERY_MAX_BATCH", DEFAULT_QUERY_MAX_BATCH),
    )


def document_cache_bytes() -> int:
    """Return the memory budget of the parsed-document cache, in bytes."""
    return _read(
        "O2O_DOCUMENT_CACHE_BYTES", DEFAULT_DOCUMENT_CACHE_BYTES, optional=False
    )


def geocoding_places_per_request() -> int:
    """Return how many free-text places one request may geocode."""
    return _read(
        "O2O_GEOCODING_PLACES_PER_REQUEST",
        DEFAULT_GEOCODING_PLACES_PER_REQUEST,
        optional=False,
    )


def geocoding_max_wait_seconds() -> float:
    """Return how long a request may wait for a rate-limited geocoder's turn."""
    name = "O2O_GEOCODING_MAX_WAIT_SECONDS"
    value = getattr(settings, name, DEFAULT_GEOCODING_MAX_WAIT_SECONDS)
    if (
        not isinstance(value, (int, float))
        or isinstance(value, bool)
        or not 0 <= value < float("inf")
    ):
        raise ImproperlyConfigured(
            f"{name} must be a number of seconds, 0 or more; got {value!r}."
        )
    return float(value)


# Anonymous callers -------------------------------------------------------------

#: RSVPs to store events one client (IP address) without an account may make in an
#: hour, counted in the database so every server process counts the same.
DEFAULT_GUEST_RSVPS_PER_HOUR = 5
#: Searches of store events one client without an account may make in a minute,
#: counted in Django's cache (per process with the local-memory cache: configure a
#: shared cache, e.g. Redis through ``CACHE_URL``, for one count per shop).
DEFAULT_ANONYMOUS_SEARCHES_PER_MINUTE = 60


def guest_rsvps_per_hour() -> int:
    """Return how many RSVPs one client without an account may make in an hour."""
    return _read(
        "O2O_GUEST_RSVPS_PER_HOUR", DEFAULT_GUEST_RSVPS_PER_HOUR, optional=False
    )


def anonymous_searches_per_minute() -> int:
    """Return how many event searches one client without an account may make in a
    minute."""
    return _read(
        "O2O_ANONYMOUS_SEARCHES_PER_MINUTE",
        DEFAULT_ANONYMOUS_SEARCHES_PER_MINUTE,
        optional=False,
    )


#: Bookings (appointments) one anonymous client address may make an hour.
DEFAULT_ANONYMOUS_BOOKINGS_PER_HOUR = 10


def anonymous_bookings_per_hour() -> int:
    """Return how many bookings an anonymous client address may make an hour."""
    return _read(
        "O2O_ANONYMOUS_BOOKINGS_PER_HOUR",
        DEFAULT_ANONYMOUS_BOOKINGS_PER_HOUR,
        optional=False,
    )


#: Try-on reservations one anonymous client address may make an hour: each holds
#: stock away from every other shopper, so guests are held to a few.
DEFAULT_GUEST_TRY_ONS_PER_HOUR = 5


def guest_try_ons_per_hour() -> int:
    """Return how many try-on reservations an anonymous client address may make an
    hour."""
    return _read(
        "O2O_GUEST_TRY_ONS_PER_HOUR", DEFAULT_GUEST_TRY_ONS_PER_HOUR, optional=False
    )
