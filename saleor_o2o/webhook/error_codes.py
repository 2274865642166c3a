"""Error codes of O2O webhook mutations."""

from enum import Enum


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
