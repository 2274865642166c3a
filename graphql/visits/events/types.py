import graphene
from saleor.core.permissions import PagePermissions
from saleor.graphql.core.connection import CountableDjangoObjectType
from saleor.graphql.core.types import Error

from saleor_o2o.graphql.core.context import (
    requestor_has,
    requestor_reach,
    require_storefront_enabled,
)
from saleor_o2o.graphql.store.types import Store
from saleor_o2o.graphql.visits.events.enums import (
    StoreEventErrorCodeEnum,
    StoreEventRsvpStatusEnum,
)
from saleor_o2o.visits.events import calendar
from saleor_o2o.visits.events import models as event_models
from saleor_o2o.visits.events import rules, selectors

#: The permission that writes store events and sees unpublished ones: events are
#: published content with public pages, as Saleor's own pages are.
MANAGE_EVENTS = PagePermissions.MANAGE_PAGES


def can_manage_events(context) -> bool:
    return requestor_has(context, MANAGE_EVENTS)


class StoreEventError(Error):
    code = StoreEventErrorCodeEnum(description="The error code.", required=True)

    class Meta:
        description = "An error of a store event operation."


class StoreEvent(CountableDjangoObjectType):
    title = graphene.String(required=True, description="The event's name.")
    slug = graphene.String(
        required=True, description="Names its public page, /o2o/events/<slug>/."
    )
    description = graphene.String(
        required=True, description="What happens at the event; may be empty."
    )
    image_url = graphene.String(
        required=True, description="An https image for the page; may be empty."
    )
    starts_at = graphene.DateTime(required=True, description="When it starts.")
    ends_at = graphene.DateTime(required=True, description="When it ends.")
    capacity = graphene.Int(description="Places in all; null: no limit.")
    places_left = graphene.Int(
        description="Places still free; null: no limit. 0 when full."
    )
    is_published = graphene.Boolean(
        required=True, description="Whether shoppers see it and may RSVP."
    )
    stores = graphene.List(
        graphene.NonNull(Store),
        required=True,
        description="The active stores it is held at, by name.",
    )
    url = graphene.String(
        required=True, description="The public page, with link-preview tags."
    )
    calendar_url = graphene.String(
        required=True, description="The event's .ics file, for calendars."
    )
    created_at = graphene.DateTime(required=True, description="When it was created.")
    updated_at = graphene.DateTime(
        required=True, description="When it was last changed."
    )

    class Meta:
        description = "A dated event at one or more stores, with places to RSVP for."
        model = event_models.StoreEvent
        interfaces = [graphene.relay.Node]
        only_fields = ["id"]

    @classmethod
    def get_node(cls, info, pk):
        can_manage = can_manage_events(info.context)
        if not can_manage:
            require_storefront_enabled(info.context)
        return selectors.event_visible_to(
            can_manage=can_manage, reach=requestor_reach(info.context), pk=pk
        )

    @staticmethod
    def resolve_stores(root: event_models.StoreEvent, _info):
        prefetched = getattr(root, "active_stores", None)
        if prefetched is not None:
            return prefetched
        return [store for store in calendar.event_stores(root) if store.is_active]

    @staticmethod
    def resolve_places_left(root: event_models.StoreEvent, _info):
        taken = getattr(root, "places_taken", None)
        if taken is None:
            taken = root.rsvps.filter(status=rules.RsvpStatus.CONFIRMED).count()
        return rules.places_left(root.capacity, taken)

    @staticmethod
    def resolve_url(root: event_models.StoreEvent, _info):
        return calendar.event_url(root)

    @staticmethod
    def resolve_calendar_url(root: event_models.StoreEvent, _info):
        return calendar.event_calendar_url(root)


class StoreEventRsvp(CountableDjangoObjectType):
    event = graphene.Field(StoreEvent, required=True, description="The event.")
    email = graphene.String(
        required=True, description="The address the confirmation went to."
    )
    status = StoreEventRsvpStatusEnum(required=True, description="Where it stands.")
    created_at = graphene.DateTime(required=True, description="When it was made.")
    cancelled_at = graphene.DateTime(description="When the place was given back.")

    class Meta:
        description = "A shopper's place at a store event."
        model = event_models.StoreEventRsvp
        interfaces = [graphene.relay.Node]
        only_fields = ["id"]

    @classmethod
    def get_node(cls, info, pk):
        # A shopper's own RSVPs are read through myStoreEventRsvps only.
        return None

    @staticmethod
    def resolve_event(root: event_models.StoreEventRsvp, _info):
        return root.event

    @staticmethod
    def resolve_status(root: event_models.StoreEventRsvp, _info):
        return root.status


class NearbyStoreEvent(graphene.ObjectType):
    event = graphene.Field(StoreEvent, required=True, description="The event.")
    store = graphene.Field(
        Store, required=True, description="The nearest store holding it."
    )
    distance_km = graphene.Float(
        required=True, description="Great-circle distance to that store, in km."
    )

    class Meta:
        description = "A store event near the shopper, at its nearest store."


class NearbyStoreEventConnection(graphene.relay.Connection):
    class Meta:
        node = NearbyStoreEvent
        description = "Store events near the shopper, a page at a time."
