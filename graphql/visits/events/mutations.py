"""Staff writes of store events, scoped to the managers of every store held at."""

from typing import Any, Dict

import graphene

from saleor_o2o.graphql.core.context import requestor_reach
from saleor_o2o.graphql.core.ids import pk_from_global_id
from saleor_o2o.graphql.core.mutations import O2OMutation
from saleor_o2o.graphql.visits.events.inputs import (
    StoreEventCreateInput,
    StoreEventUpdateInput,
)
from saleor_o2o.graphql.visits.events.types import (
    MANAGE_EVENTS,
    StoreEvent,
    StoreEventError,
)
from saleor_o2o.visits.events import selectors, services

_SCOPE_NOTE = (
    " Requires MANAGE_PAGES, and the manager role at every store the event is held "
    "at (staff acting in every store and apps not narrowed to stores: any)."
)


def clean_event_input(data: Dict[str, Any]) -> Dict[str, Any]:
    """Turn GraphQL input into the service's arguments (keys as on the model)."""
    cleaned = dict(data)
    if data.get("store_ids") is not None:
        cleaned["store_ids"] = [
            pk_from_global_id(
                global_id, "Store", field="storeIds", wrong_type_code="GRAPHQL_ERROR"
            )
            for global_id in data["store_ids"]
        ]
    return cleaned


class StoreEventMutation(O2OMutation):
    class Meta:
        abstract = True

    @classmethod
    def event_of(cls, info, id):
        pk = pk_from_global_id(
            id, "StoreEvent", field="id", wrong_type_code="GRAPHQL_ERROR"
        )
        return selectors.event_for_id(pk=pk, field="id")


class StoreEventCreate(StoreEventMutation):
    event = graphene.Field(StoreEvent, description="The event created.")

    class Arguments:
        input = StoreEventCreateInput(
            required=True, description="Fields of the new event."
        )

    class Meta:
        description = "Create an event at one or more stores." + _SCOPE_NOTE
        permissions = (MANAGE_EVENTS,)
        error_type_class = StoreEventError
        error_type_field = "store_event_errors"

    @classmethod
    def perform_mutation(cls, _root, info, input):
        event = services.store_event_create(
            data=clean_event_input(input), by=requestor_reach(info.context)
        )
        return cls(event=event)


class StoreEventUpdate(StoreEventMutation):
    event = graphene.Field(StoreEvent, description="The event updated.")

    class Arguments:
        id = graphene.ID(required=True, description="ID of the event to update.")
        input = StoreEventUpdateInput(required=True, description="Fields to change.")

    class Meta:
        description = (
            "Update a store event; `storeIds` replaces its stores, and the capacity "
            "may not fall below the places taken." + _SCOPE_NOTE
        )
        permissions = (MANAGE_EVENTS,)
        error_type_class = StoreEventError
        error_type_field = "store_event_errors"

    @classmethod
    def perform_mutation(cls, _root, info, id, input):
        event = services.store_event_update(
            event=cls.event_of(info, id),
            data=clean_event_input(input),
            by=requestor_reach(info.context),
        )
        return cls(event=event)


class StoreEventDelete(StoreEventMutation):
    event = graphene.Field(StoreEvent, description="The event deleted.")

    class Arguments:
        id = graphene.ID(required=True, description="ID of the event to delete.")

    class Meta:
        description = (
            "Delete a store event with its RSVPs. To hide it but keep its RSVPs, "
            "set `isPublished` to false instead." + _SCOPE_NOTE
        )
        permissions = (MANAGE_EVENTS,)
        error_type_class = StoreEventError
        error_type_field = "store_event_errors"

    @classmethod
    def perform_mutation(cls, _root, info, id):
        event = services.store_event_delete(
            event=cls.event_of(info, id), by=requestor_reach(info.context)
        )
        return cls(event=event)
