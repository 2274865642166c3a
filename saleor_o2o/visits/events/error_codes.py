"""Error codes of store event mutations."""

from enum import Enum


class StoreEventErrorCode(str, Enum):
    """Why a store event operation failed; Saleor's generic codes first."""

    GRAPHQL_ERROR = "GRAPHQL_ERROR"
    INVALID = "INVALID"
    NOT_FOUND = "NOT_FOUND"
    REQUIRED = "REQUIRED"
    UNIQUE = "UNIQUE"
    FEATURE_DISABLED = "FEATURE_DISABLED"
    OUT_OF_RANGE = "OUT_OF_RANGE"
    PERMISSION_DENIED = "PERMISSION_DENIED"
    EVENT_STARTED = "EVENT_STARTED"
    EVENT_FULL = "EVENT_FULL"
    ALREADY_RSVPED = "ALREADY_RSVPED"
    ALREADY_CANCELLED = "ALREADY_CANCELLED"
    TOO_MANY_REQUESTS = "TOO_MANY_REQUESTS"


STORE_EVENT_ERROR_DESCRIPTIONS = {
    "GRAPHQL_ERROR": "The request could not be read, e.g. an ID of the wrong type.",
    "INVALID": "A value is not valid.",
    "NOT_FOUND": "No such event, store or cancel token.",
    "REQUIRED": "A required value is missing (e.g. a guest's e-mail, the stores).",
    "UNIQUE": "The value is already used by another event (the slug).",
    "FEATURE_DISABLED": "The O2O plugin is not active.",
    "OUT_OF_RANGE": "A number or date is outside the range allowed.",
    "PERMISSION_DENIED": "The event is held at stores you do not manage.",
    "EVENT_STARTED": (
        "The event has started: RSVPs can no longer be made or given back."
    ),
    "EVENT_FULL": "Every place is taken.",
    "ALREADY_RSVPED": "This account or e-mail has a place at the event already.",
    "ALREADY_CANCELLED": "The place was given back already.",
    "TOO_MANY_REQUESTS": "Too many RSVPs from this client without an account; wait.",
}
