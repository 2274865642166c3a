"""Error codes of reserve-to-try mutations."""

from enum import Enum


class TryOnErrorCode(str, Enum):
    """Why a try-on operation failed; Saleor's generic codes first."""

    GRAPHQL_ERROR = "GRAPHQL_ERROR"
    INVALID = "INVALID"
    NOT_FOUND = "NOT_FOUND"
    REQUIRED = "REQUIRED"
    OUT_OF_RANGE = "OUT_OF_RANGE"
    FEATURE_DISABLED = "FEATURE_DISABLED"
    TOO_MANY_ITEMS = "TOO_MANY_ITEMS"
    TOO_MANY_RESERVATIONS = "TOO_MANY_RESERVATIONS"
    NOT_STOCKED = "NOT_STOCKED"
    INSUFFICIENT_STOCK = "INSUFFICIENT_STOCK"
    APPOINTMENT_UNAVAILABLE = "APPOINTMENT_UNAVAILABLE"
    INVALID_TOKEN = "INVALID_TOKEN"
    INVALID_TRANSITION = "INVALID_TRANSITION"
    PERMISSION_DENIED = "PERMISSION_DENIED"
    TOO_MANY_REQUESTS = "TOO_MANY_REQUESTS"


TRY_ON_ERROR_DESCRIPTIONS = {
    "GRAPHQL_ERROR": "The request could not be read, e.g. an ID of the wrong type.",
    "INVALID": "A value is not valid.",
    "NOT_FOUND": (
        "No such store (or it is closed), variant, appointment of yours or "
        "reservation."
    ),
    "REQUIRED": "A required value is missing (an e-mail for guests, a line).",
    "OUT_OF_RANGE": "A quantity is outside what is allowed (the message says).",
    "FEATURE_DISABLED": "The O2O plugin is not active.",
    "TOO_MANY_ITEMS": "More items or units than one reservation may hold.",
    "TOO_MANY_RESERVATIONS": "The shopper already holds the most reservations.",
    "NOT_STOCKED": "The item is not kept in store stock (digital or not tracked).",
    "INSUFFICIENT_STOCK": (
        "The store cannot hold that many: fewer units are available for pickup."
    ),
    "APPOINTMENT_UNAVAILABLE": (
        "The appointment is at another store, over, cancelled or too far ahead."
    ),
    "INVALID_TOKEN": "Not the reservation's manage token.",
    "INVALID_TRANSITION": (
        "The reservation is no longer held (sold, released, expired or cancelled)."
    ),
    "PERMISSION_DENIED": "You may not do this.",
    "TOO_MANY_REQUESTS": (
        "Too many reservations from this address without an account: try later."
    ),
}
