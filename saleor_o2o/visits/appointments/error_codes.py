"""Error codes of appointment mutations (here: the desk's check-in and no-show)."""

from enum import Enum


class AppointmentErrorCode(str, Enum):
    """Why an appointment operation failed; Saleor's generic codes first."""

    GRAPHQL_ERROR = "GRAPHQL_ERROR"
    INVALID = "INVALID"
    NOT_FOUND = "NOT_FOUND"
    REQUIRED = "REQUIRED"
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
    "NOT_FOUND": "No such appointment or store among the stores you work in.",
    "REQUIRED": "Give the appointment's ID or the shopper's code.",
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
