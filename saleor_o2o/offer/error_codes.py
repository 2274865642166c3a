"""Error codes of offer mutations."""

from enum import Enum

from saleor_o2o.core.errors import GEOCODING_ERROR_DESCRIPTIONS


class OfferErrorCode(str, Enum):
    """Why an offer operation failed; Saleor's generic codes first."""

    GRAPHQL_ERROR = "GRAPHQL_ERROR"
    INVALID = "INVALID"
    NOT_FOUND = "NOT_FOUND"
    REQUIRED = "REQUIRED"
    UNIQUE = "UNIQUE"
    FEATURE_DISABLED = "FEATURE_DISABLED"
    OUT_OF_RANGE = "OUT_OF_RANGE"
    OFFER_INACTIVE = "OFFER_INACTIVE"
    OFFER_NOT_STARTED = "OFFER_NOT_STARTED"
    OFFER_EXPIRED = "OFFER_EXPIRED"
    NOT_ELIGIBLE = "NOT_ELIGIBLE"
    LOGIN_REQUIRED = "LOGIN_REQUIRED"
    LIMIT_REACHED = "LIMIT_REACHED"
    WRONG_STORE = "WRONG_STORE"
    ALREADY_REDEEMED = "ALREADY_REDEEMED"
    TOO_MANY_ATTEMPTS = "TOO_MANY_ATTEMPTS"
    PERMISSION_DENIED = "PERMISSION_DENIED"
    PLACE_NOT_FOUND = "PLACE_NOT_FOUND"
    GEOCODING_UNAVAILABLE = "GEOCODING_UNAVAILABLE"
    GEOCODING_FAILED = "GEOCODING_FAILED"


OFFER_ERROR_DESCRIPTIONS = {
    "GRAPHQL_ERROR": "The request could not be read, e.g. an ID of the wrong type.",
    "INVALID": "A value is not valid.",
    "NOT_FOUND": "No such offer, store, product or code.",
    "REQUIRED": (
        "A required value is missing (e.g. the anonymous shopper's token, or where "
        "the shopper is when claiming)."
    ),
    "UNIQUE": "The value is already used by another object.",
    "FEATURE_DISABLED": "The O2O plugin is not active.",
    "OUT_OF_RANGE": "A number is outside the range allowed, or the shopper is "
    "outside the offer's geofence.",
    "OFFER_INACTIVE": "The offer is switched off.",
    "OFFER_NOT_STARTED": "The offer has not started yet.",
    "OFFER_EXPIRED": "The offer has ended.",
    "NOT_ELIGIBLE": "The offer targets other customers (new or returning).",
    "LOGIN_REQUIRED": (
        "The offer can be claimed a limited number of times (per shopper or in "
        "total): only logged-in shoppers can claim it."
    ),
    "LIMIT_REACHED": "The offer's limit per shopper or in total is reached.",
    "WRONG_STORE": "The offer is not valid in this store.",
    "ALREADY_REDEEMED": "The code was redeemed already.",
    "TOO_MANY_ATTEMPTS": "Too many unknown codes were entered at this store; wait.",
    "PERMISSION_DENIED": (
        "The offer reaches stores you do not act in (or every store)."
    ),
    **GEOCODING_ERROR_DESCRIPTIONS,
}
