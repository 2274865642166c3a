from enum import Enum


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
    "GEOCODING_FAILED": "The geocoding provider refused the request.",
    "GEOCODING_UNAVAILABLE": "No geocoding provider is configured or reachable.",
    "PLACE_NOT_FOUND": "The geocoding provider knows no such place.",
    "STORE_HAS_ALLOCATIONS": "Orders hold stock allocated in the store.",
    "PERMISSION_DENIED": (
        "Your role in the store does not allow it (a manager's task, or one for "
        "staff acting in every store)."
    ),
}


class PickupErrorCode(str, Enum):
    """Why a pickup operation failed; Saleor's generic codes first."""

    GRAPHQL_ERROR = "GRAPHQL_ERROR"
    INVALID = "INVALID"
    NOT_FOUND = "NOT_FOUND"
    REQUIRED = "REQUIRED"
    FEATURE_DISABLED = "FEATURE_DISABLED"
    SERVICE_NOT_OFFERED = "SERVICE_NOT_OFFERED"
    INSUFFICIENT_STOCK = "INSUFFICIENT_STOCK"
    SHIPPING_NOT_REQUIRED = "SHIPPING_NOT_REQUIRED"
    SLOT_UNAVAILABLE = "SLOT_UNAVAILABLE"
    SLOT_FULL = "SLOT_FULL"
    INVALID_TRANSITION = "INVALID_TRANSITION"
    CODE_REQUIRED = "CODE_REQUIRED"
    INVALID_CODE = "INVALID_CODE"
    CODE_LOCKED = "CODE_LOCKED"
    PERMISSION_DENIED = "PERMISSION_DENIED"
    NOT_LOCKED = "NOT_LOCKED"
    COLLECTOR_NOT_AUTHORISED = "COLLECTOR_NOT_AUTHORISED"


PICKUP_ERROR_DESCRIPTIONS = {
    "GRAPHQL_ERROR": "The request could not be read, e.g. an ID of the wrong type.",
    "INVALID": "A value is not valid.",
    "NOT_FOUND": (
        "No such checkout, store, order or pickup (inactive stores are not found)."
    ),
    "REQUIRED": "A required value is missing.",
    "FEATURE_DISABLED": "The O2O plugin is not active.",
    "SERVICE_NOT_OFFERED": "The store does not offer click-and-collect or curbside.",
    "INSUFFICIENT_STOCK": "The store cannot supply every line of the checkout.",
    "SHIPPING_NOT_REQUIRED": "No line of the checkout needs shipping.",
    "SLOT_UNAVAILABLE": "Not a pickup slot of the store (or it books none).",
    "SLOT_FULL": "The pickup slot has no room left.",
    "INVALID_TRANSITION": (
        "The pickup cannot go to that status from its current one (the message "
        "names it), or not by you."
    ),
    "CODE_REQUIRED": "Collecting needs the pickup code: use pickupCollect.",
    "INVALID_CODE": "Not the pickup's code.",
    "CODE_LOCKED": "Too many wrong codes: the pickup refuses codes for a while.",
    "PERMISSION_DENIED": "Only a manager of the store may do this.",
    "NOT_LOCKED": "The pickup's handover is not locked.",
    "COLLECTOR_NOT_AUTHORISED": (
        "The person named is neither the shopper nor the collector the shopper "
        "authorised."
    ),
}


class O2OWebhookErrorCode(str, Enum):
    """Why an O2O webhook operation failed; Saleor's generic codes first."""

    GRAPHQL_ERROR = "GRAPHQL_ERROR"
    INVALID = "INVALID"
    NOT_FOUND = "NOT_FOUND"
    REQUIRED = "REQUIRED"
    NOT_DEAD = "NOT_DEAD"
    OUT_OF_SCOPE_PERMISSION = "OUT_OF_SCOPE_PERMISSION"
    PRIVATE_TARGET = "PRIVATE_TARGET"


O2O_WEBHOOK_ERROR_DESCRIPTIONS = {
    "GRAPHQL_ERROR": "The request could not be read, e.g. an ID of the wrong type.",
    "INVALID": "A value is not valid.",
    "NOT_FOUND": "No webhook or delivery you manage has the given ID.",
    "REQUIRED": "A required value is missing.",
    "NOT_DEAD": "Only dead deliveries can be retried.",
    "OUT_OF_SCOPE_PERMISSION": (
        "The webhook's app lacks the permission an event requires (each event of "
        "O2OWebhookEventTypeEnum names its own)."
    ),
    "PRIVATE_TARGET": (
        "The webhook's target URL is on a loopback, private, link-local or other "
        "non-public address."
    ),
}


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
}
