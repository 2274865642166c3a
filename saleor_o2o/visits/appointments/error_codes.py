"""Error codes of appointment mutations."""

from enum import Enum


class AppointmentErrorCode(str, Enum):
    """Why an appointment operation failed; Saleor's generic codes first."""

    GRAPHQL_ERROR = "GRAPHQL_ERROR"
    INVALID = "INVALID"
    NOT_FOUND = "NOT_FOUND"
    REQUIRED = "REQUIRED"
    OUT_OF_RANGE = "OUT_OF_RANGE"
    FEATURE_DISABLED = "FEATURE_DISABLED"
    PERMISSION_DENIED = "PERMISSION_DENIED"
    TOO_MANY_REQUESTS = "TOO_MANY_REQUESTS"
    HAS_APPOINTMENTS = "HAS_APPOINTMENTS"
    SLOT_PAST = "SLOT_PAST"
    SLOT_TOO_SOON = "SLOT_TOO_SOON"
    SLOT_TOO_FAR = "SLOT_TOO_FAR"
    SLOT_UNAVAILABLE = "SLOT_UNAVAILABLE"
    SLOT_FULL = "SLOT_FULL"
    TOO_LATE_TO_CHANGE = "TOO_LATE_TO_CHANGE"
    NOT_CHANGEABLE = "NOT_CHANGEABLE"
    TOO_MANY_APPOINTMENTS = "TOO_MANY_APPOINTMENTS"
    INVALID_TRANSITION = "INVALID_TRANSITION"
    INVALID_CODE = "INVALID_CODE"
    ALREADY_CHECKED_IN = "ALREADY_CHECKED_IN"
    CANCELLED = "CANCELLED"
    NOT_TODAY = "NOT_TODAY"
    TOO_EARLY = "TOO_EARLY"
    STORE_REQUIRED = "STORE_REQUIRED"


APPOINTMENT_ERROR_DESCRIPTIONS = {
    "GRAPHQL_ERROR": "The request could not be read, e.g. an ID of the wrong type.",
    "INVALID": "A value is not valid.",
    "NOT_FOUND": (
        "No such store, appointment type or appointment (a wrong token and "
        "another shopper's appointment are both not found; staff find only those "
        "of the stores they work in)."
    ),
    "REQUIRED": (
        "A required value is missing (at the desk: the appointment's ID or the "
        "shopper's code)."
    ),
    "OUT_OF_RANGE": "A number or text is outside what is allowed (the message says).",
    "FEATURE_DISABLED": "The O2O plugin is not active.",
    "PERMISSION_DENIED": "Only a manager of the store may do this.",
    "TOO_MANY_REQUESTS": "Too many bookings from this address: try again later.",
    "HAS_APPOINTMENTS": "The appointment type has upcoming appointments.",
    "SLOT_PAST": "The slot has started or is over.",
    "SLOT_TOO_SOON": "The slot starts sooner than the type's minimum notice.",
    "SLOT_TOO_FAR": "The slot is further ahead than the type may be booked.",
    "SLOT_UNAVAILABLE": (
        "Not a slot of the appointment type: outside the store's hours or not at a "
        "slot's start."
    ),
    "SLOT_FULL": "The slot has no place left.",
    "TOO_LATE_TO_CHANGE": (
        "The appointment starts too soon to be moved or cancelled (see the type's "
        "changeUntilMinutes)."
    ),
    "NOT_CHANGEABLE": "The appointment is cancelled, checked in or missed.",
    "TOO_MANY_APPOINTMENTS": (
        "The shopper holds as many upcoming appointments at the store as allowed."
    ),
    "INVALID_TRANSITION": (
        "The appointment cannot go to that status from its current one, or not by "
        "you (the message says)."
    ),
    "INVALID_CODE": "No appointment today at your stores has this code.",
    "ALREADY_CHECKED_IN": "The shopper is checked in already.",
    "CANCELLED": "The appointment was cancelled.",
    "NOT_TODAY": "The appointment is on another day at the store.",
    "TOO_EARLY": "The grace period after the start has not passed yet.",
    "STORE_REQUIRED": (
        "The code is today's at more than one of your stores: give `storeId`."
    ),
}
