import graphene

from saleor_o2o.graphql.core.enums import choices_enum
from saleor_o2o.visits.events.error_codes import (
    STORE_EVENT_ERROR_DESCRIPTIONS,
    StoreEventErrorCode,
)
from saleor_o2o.visits.events.rules import EventSort, RsvpStatus

StoreEventErrorCodeEnum = graphene.Enum.from_enum(
    StoreEventErrorCode,
    description=lambda value: (
        STORE_EVENT_ERROR_DESCRIPTIONS.get(value.value)
        if value
        else "Why a store event operation failed."
    ),
)

StoreEventRsvpStatusEnum = choices_enum(
    RsvpStatus,
    description="Where an RSVP to a store event stands.",
    type_name="StoreEventRsvpStatus",
)

StoreEventSortField = choices_enum(
    EventSort,
    description="How store events near a shopper are ranked.",
    type_name="StoreEventSortField",
)
