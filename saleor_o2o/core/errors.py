"""Exceptions raised by saleor-o2o's domain and services.

Every error is an :class:`O2OError` carrying a machine-readable ``code`` (a value of
one of the GraphQL error-code enums) and the input ``field`` it concerns, so the API
layer can turn it into a typed error without guessing. Subclasses also inherit the
standard exception a caller may already catch.
"""

from typing import Optional


class O2OError(Exception):
    """Root of every error saleor-o2o raises on purpose."""

    #: Default machine-readable code; matches a value of the GraphQL error-code enum.
    code = "INVALID"

    def __init__(
        self, message: str, *, field: Optional[str] = None, code: Optional[str] = None
    ) -> None:
        super().__init__(message)
        self.message = message
        self.field = field
        if code is not None:
            self.code = code

    def __str__(self) -> str:
        return self.message


class InvalidInput(O2OError, ValueError):
    """The input breaks a rule of the domain (bad hours, bad coordinates, ...)."""

    code = "INVALID"


class NotFound(O2OError, LookupError):
    """An object the caller referred to does not exist or is not visible to them."""

    code = "NOT_FOUND"


class FeatureDisabled(O2OError):
    """The O2O plugin is not active, so storefront operations are switched off."""

    code = "FEATURE_DISABLED"


#: What the geocoding codes mean, for every error enum that can answer them.
GEOCODING_ERROR_DESCRIPTIONS = {
    "GEOCODING_FAILED": "The geocoding provider refused the request.",
    "GEOCODING_UNAVAILABLE": "No geocoding provider is configured or reachable.",
    "PLACE_NOT_FOUND": "The geocoding provider knows no such place.",
}


class GeocodingError(O2OError):
    """A place could not be turned into coordinates."""

    code = "GEOCODING_FAILED"


class GeocodingUnavailable(GeocodingError):
    """No geocoding provider is configured, or the provider cannot be reached now."""

    code = "GEOCODING_UNAVAILABLE"


class PlaceNotFound(GeocodingError, LookupError):
    """The provider answered, but knows no place matching the query."""

    code = "PLACE_NOT_FOUND"


class QueryTooComplex(O2OError, ValueError):
    """A request asks for more than the endpoint's limits allow (`core.limits`).

    Refused before any resolver runs; ``code`` names the limit (QUERY_TOO_LONG,
    TOO_MANY_SELECTIONS, QUERY_TOO_DEEP, TOO_MANY_ALIASES, QUERY_TOO_COSTLY,
    TOO_MANY_OPERATIONS, or OUT_OF_RANGE for a page larger than lists serve).
    """

    code = "QUERY_TOO_COMPLEX"
