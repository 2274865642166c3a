from enum import Enum

from saleor_o2o.core.errors import GEOCODING_ERROR_DESCRIPTIONS


class StoreErrorCode(str, Enum):
    """Why a store operation failed; Saleor's generic codes first, then the O2O ones."""

    GRAPHQL_ERROR = "GRAPHQL_ERROR"
    INVALID = "INVALID"
    NOT_FOUND = "NOT_FOUND"
    REQUIRED = "REQUIRED"
    UNIQUE = "UNIQUE"
    FEATURE_DISABLED = "FEATURE_DISABLED"
    OUT_OF_RANGE = "OUT_OF_RANGE"
    INVALID_TIMEZONE = "INVALID_TIMEZONE"
    INVALID_INTERVAL = "INVALID_INTERVAL"
    OVERLAPPING_INTERVALS = "OVERLAPPING_INTERVALS"
    DUPLICATE_DATE = "DUPLICATE_DATE"
    GEOCODING_FAILED = "GEOCODING_FAILED"
    GEOCODING_UNAVAILABLE = "GEOCODING_UNAVAILABLE"
    PLACE_NOT_FOUND = "PLACE_NOT_FOUND"
    STORE_HAS_ALLOCATIONS = "STORE_HAS_ALLOCATIONS"
    PERMISSION_DENIED = "PERMISSION_DENIED"


STORE_ERROR_DESCRIPTIONS = {
    "GRAPHQL_ERROR": "The request could not be read, e.g. an ID of the wrong type.",
    "INVALID": "A value is not valid.",
    "NOT_FOUND": "No object has the given ID.",
    "REQUIRED": "A required value is missing.",
    "UNIQUE": "The value is already used by another object.",
    "FEATURE_DISABLED": "The O2O plugin is not active.",
    "OUT_OF_RANGE": "A number is outside the range allowed.",
    "INVALID_TIMEZONE": "Not an IANA time zone name, such as 'Europe/Paris'.",
    "INVALID_INTERVAL": "An opening interval closes before it opens.",
    "OVERLAPPING_INTERVALS": "Two opening intervals overlap.",
    "DUPLICATE_DATE": "Two exceptions are given for the same date.",
    **GEOCODING_ERROR_DESCRIPTIONS,
    "STORE_HAS_ALLOCATIONS": "Orders hold stock allocated in the store.",
    "PERMISSION_DENIED": (
        "Your role in the store does not allow it (a manager's task, or one for "
        "staff acting in every store)."
    ),
}
