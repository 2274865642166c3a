"""Error codes of occupancy mutations."""

from enum import Enum


class OccupancyErrorCode(str, Enum):
    """Why an occupancy operation failed; Saleor's generic codes first."""

    GRAPHQL_ERROR = "GRAPHQL_ERROR"
    INVALID = "INVALID"
    NOT_FOUND = "NOT_FOUND"
    REQUIRED = "REQUIRED"
    OUT_OF_RANGE = "OUT_OF_RANGE"
    PERMISSION_DENIED = "PERMISSION_DENIED"


OCCUPANCY_ERROR_DESCRIPTIONS = {
    "GRAPHQL_ERROR": "The request could not be read, e.g. an ID of the wrong type.",
    "INVALID": "A value is not valid, e.g. both delta and count given.",
    "NOT_FOUND": "No such store, or not one you work in.",
    "REQUIRED": "A required value is missing, e.g. neither delta nor count.",
    "OUT_OF_RANGE": "A number is outside what is allowed (the message says).",
    "PERMISSION_DENIED": "Only a manager of the store may do this.",
}
