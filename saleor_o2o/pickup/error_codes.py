"""Error codes of pickup mutations."""

from enum import Enum


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
