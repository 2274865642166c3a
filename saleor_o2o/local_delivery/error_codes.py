"""Error codes of local delivery mutations."""

from enum import Enum


class LocalDeliveryErrorCode(str, Enum):
    """Why a local delivery operation failed; Saleor's generic codes first."""

    GRAPHQL_ERROR = "GRAPHQL_ERROR"
    INVALID = "INVALID"
    NOT_FOUND = "NOT_FOUND"
    REQUIRED = "REQUIRED"
    OUT_OF_RANGE = "OUT_OF_RANGE"
    FEATURE_DISABLED = "FEATURE_DISABLED"
    SERVICE_NOT_OFFERED = "SERVICE_NOT_OFFERED"
    SHIPPING_NOT_REQUIRED = "SHIPPING_NOT_REQUIRED"
    ADDRESS_REQUIRED = "ADDRESS_REQUIRED"
    PLACE_NOT_FOUND = "PLACE_NOT_FOUND"
    GEOCODING_UNAVAILABLE = "GEOCODING_UNAVAILABLE"
    GEOCODING_FAILED = "GEOCODING_FAILED"
    OUTSIDE_AREA = "OUTSIDE_AREA"
    BELOW_MINIMUM = "BELOW_MINIMUM"
    INSUFFICIENT_STOCK = "INSUFFICIENT_STOCK"
    WINDOW_UNAVAILABLE = "WINDOW_UNAVAILABLE"
    WINDOW_FULL = "WINDOW_FULL"
    INVALID_TRANSITION = "INVALID_TRANSITION"
    CODE_REQUIRED = "CODE_REQUIRED"
    INVALID_CODE = "INVALID_CODE"
    CODE_LOCKED = "CODE_LOCKED"
    NOT_LOCKED = "NOT_LOCKED"
    PERMISSION_DENIED = "PERMISSION_DENIED"


LOCAL_DELIVERY_ERROR_DESCRIPTIONS = {
    "GRAPHQL_ERROR": "The request could not be read, e.g. an ID of the wrong type.",
    "INVALID": "A value is not valid.",
    "NOT_FOUND": "No such checkout, store, order or delivery.",
    "REQUIRED": "A required value is missing.",
    "OUT_OF_RANGE": "A number or date is outside what is allowed (the message says).",
    "FEATURE_DISABLED": "The O2O plugin is not active.",
    "SERVICE_NOT_OFFERED": "The store does not deliver locally.",
    "SHIPPING_NOT_REQUIRED": "No line of the checkout needs shipping.",
    "ADDRESS_REQUIRED": "The checkout has no shipping address yet.",
    "PLACE_NOT_FOUND": "The shipping address could not be placed on the map.",
    "GEOCODING_UNAVAILABLE": "The address cannot be placed now; try again later.",
    "GEOCODING_FAILED": "Placing the address failed; try again later.",
    "OUTSIDE_AREA": "The address is outside every delivery area (or this store's).",
    "BELOW_MINIMUM": "The cart is below the store's minimum order for delivery.",
    "INSUFFICIENT_STOCK": "The store cannot supply every line of the checkout.",
    "WINDOW_UNAVAILABLE": (
        "Not a delivery window of the store: past, too soon, or outside its hours."
    ),
    "WINDOW_FULL": "The delivery window has no room left.",
    "INVALID_TRANSITION": (
        "The delivery cannot go to that status from its current one (the message "
        "names it), or not by you."
    ),
    "CODE_REQUIRED": "Delivering needs the shopper's code.",
    "INVALID_CODE": "Not the delivery's code.",
    "CODE_LOCKED": "Too many wrong codes: the delivery refuses codes for a while.",
    "NOT_LOCKED": "The delivery's handover is not locked.",
    "PERMISSION_DENIED": "Only a manager of the store may do this.",
}
