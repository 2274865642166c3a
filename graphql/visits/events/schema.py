"""Store events on GraphQL: near a shopper, by ID or slug, the staff list, a
shopper's RSVPs, `Store.events`, and the mutations."""

from datetime import datetime

import graphene
from saleor.graphql.core.connection import from_global_cursor, to_global_cursor
from saleor.graphql.core.dataloaders import DataLoader
from saleor.graphql.core.fields import BaseConnectionField
from saleor.graphql.decorators import permission_required

from saleor_o2o.core import throttle
from saleor_o2o.core.errors import InvalidInput
from saleor_o2o.core.limits import anonymous_searches_per_minute
from saleor_o2o.graphql.core.connection import queryset_page
from saleor_o2o.graphql.core.context import (
    request_now,
    requestor_reach,
    require_storefront_enabled,
)
from saleor_o2o.graphql.core.extend import add_field
from saleor_o2o.graphql.core.ids import pk_from_global_id
from saleor_o2o.graphql.store.inputs import StoreNearInput
from saleor_o2o.graphql.store.near import check_first, resolve_near
from saleor_o2o.graphql.store.types import Store
from saleor_o2o.graphql.visits.events.enums import StoreEventSortField
from saleor_o2o.graphql.visits.events.mutations import (
    StoreEventCreate,
    StoreEventDelete,
    StoreEventUpdate,
)
from saleor_o2o.graphql.visits.events.rsvp import (
    StoreEventRsvpCancel,
    StoreEventRsvpCreate,
)
from saleor_o2o.graphql.visits.events.types import (
    MANAGE_EVENTS,
    NearbyStoreEvent,
    NearbyStoreEventConnection,
    StoreEvent,
    StoreEventRsvp,
    can_manage_events,
)
from saleor_o2o.store import selectors as store_selectors
from saleor_o2o.visits.events import selectors
from saleor_o2o.visits.events.rules import EventSort

StoreEventCountableConnection = StoreEvent._meta.connection
#: Events `Store.events` answers at most per store.
MAX_STORE_EVENTS = 20
_KEY_TYPES = {
    "chord": float,
    "starts_at": datetime.fromisoformat,
    "event_id": int,
}


def anonymous_throttle(info, scope: str) -> None:
    """Refuse a client without an account (or app) past its searches a minute."""
    throttle.anonymous_throttle(
        info.context,
        scope,
        limit=anonymous_searches_per_minute(),
        window_seconds=60,
        message="Too many searches from here: wait a minute, or log in.",
        field="near",
    )


def _cursor(sort: str, key) -> str:
    return to_global_cursor([sort, *(str(value) for value in key)])


def _after(cursor, sort: str):
    if cursor is None:
        return None
    columns = selectors.sort_columns(sort)
    try:
        values = from_global_cursor(cursor)
        if values[0] != sort or len(values) != 4:
            raise ValueError(cursor)
        return tuple(_KEY_TYPES[c](v) for c, v in zip(columns, values[1:]))
    except (TypeError, ValueError, IndexError, UnicodeError):
        raise InvalidInput(
            "Not a cursor of this list: use `endCursor` of a page with the same "
            "`sortBy`.",
            field="after",
            code="GRAPHQL_ERROR",
        )


def resolve_store_events_near(
    info, *, near, radius_km=None, sort_by=None, first=10, after=None
):
    point, radius = resolve_near(info, near, radius_km)
    check_first(first)
    anonymous_throttle(info, "store-events-near")
    sort = sort_by or EventSort.DISTANCE
    found = selectors.events_near(
        point=point,
        radius_km=radius,
        now=request_now(info.context),
        sort=sort,
        first=first + 1,
        after=_after(after, sort),
    )
    page = found[:first]
    events = selectors.events_by_id([hit.event_id for hit in page])
    stores = store_selectors.stores_by_id(
        [hit.store_id for hit in page], with_address=True, with_hours_exceptions=True
    )
    edges = []
    for hit in page:
        store = stores[hit.store_id]
        store.distance_km = hit.distance_km
        node = NearbyStoreEvent(
            event=events[hit.event_id], store=store, distance_km=hit.distance_km
        )
        edges.append(
            NearbyStoreEventConnection.Edge(node=node, cursor=_cursor(sort, hit.key))
        )
    return NearbyStoreEventConnection(
        edges=edges,
        page_info=graphene.relay.PageInfo(
            has_next_page=len(found) > first,
            has_previous_page=after is not None,
            start_cursor=edges[0].cursor if edges else None,
            end_cursor=edges[-1].cursor if edges else None,
        ),
    )


def resolve_store_event(info, *, id=None, slug=None):
    if bool(id) == bool(slug):
        raise InvalidInput("Give either `id` or `slug`.", field="id", code="REQUIRED")
    if slug:
        can_manage = can_manage_events(info.context)
        if not can_manage:
            require_storefront_enabled(info.context)
        return selectors.event_visible_to(
            can_manage=can_manage, reach=requestor_reach(info.context), slug=slug
        )
    return StoreEvent.get_node(info, pk_from_global_id(id, "StoreEvent", field="id"))


class StoreEventsByStoreLoader(DataLoader):
    """Upcoming published events of stores: a few queries for a whole store list."""

    context_key = "o2o_store_events_by_store"

    def batch_load(self, keys):
        found = selectors.stores_upcoming_events(
            store_ids=list(keys),
            now=request_now(self.context),
            limit=MAX_STORE_EVENTS,
        )
        return [found.get(key, []) for key in keys]


def resolve_store_events(root, info, first=10):
    if not 1 <= first <= MAX_STORE_EVENTS:
        raise InvalidInput(
            f"`first` must be between 1 and {MAX_STORE_EVENTS}.",
            field="first",
            code="OUT_OF_RANGE",
        )
    return (
        StoreEventsByStoreLoader(info.context)
        .load(root.pk)
        .then(lambda events: events[:first])
    )


def extend_store_type_with_events() -> None:
    """Add ``events`` to the ``Store`` type."""
    field = graphene.Field(
        graphene.List(graphene.NonNull(StoreEvent)),
        required=True,
        first=graphene.Argument(
            graphene.Int,
            default_value=10,
            description=f"How many events (1-{MAX_STORE_EVENTS}).",
        ),
        description="Published events at the store not yet over, soonest first.",
        resolver=resolve_store_events,
    )
    add_field(Store, "events", field)


class StoreEventQueries(graphene.ObjectType):
    store_events = graphene.Field(
        NearbyStoreEventConnection,
        required=True,
        near=graphene.Argument(
            StoreNearInput,
            required=True,
            description="Where the shopper is: coordinates or a place.",
        ),
        radius_km=graphene.Argument(
            graphene.Float,
            description="Search radius in km; the plugin's default if null.",
        ),
        sort_by=graphene.Argument(
            StoreEventSortField,
            description="Nearest first (default) or soonest first.",
        ),
        first=graphene.Argument(
            graphene.Int, default_value=10, description="How many events (1-100)."
        ),
        after=graphene.Argument(
            graphene.String, description="The `endCursor` of the previous page."
        ),
        description=(
            "Published events not yet over at stores near the shopper (the search "
            "offers use), each at its nearest store, with the places left."
        ),
    )
    store_event = graphene.Field(
        StoreEvent,
        id=graphene.Argument(graphene.ID, description="ID of the event."),
        slug=graphene.Argument(graphene.String, description="Slug of the event."),
        description="Look up an event by ID or slug (shoppers: published ones).",
    )
    store_event_list = BaseConnectionField(
        StoreEventCountableConnection,
        search=graphene.String(description="Part of the title or description."),
        description=(
            "Events held at the stores you work in, published or not, soonest first "
            "(staff with MANAGE_PAGES)."
        ),
    )
    my_store_event_rsvps = graphene.Field(
        graphene.List(graphene.NonNull(StoreEventRsvp)),
        required=True,
        description="The logged-in shopper's RSVPs, newest first (empty for guests).",
    )

    @staticmethod
    def resolve_store_events(_root, info, **kwargs):
        return resolve_store_events_near(info, **kwargs)

    @staticmethod
    def resolve_store_event(_root, info, **kwargs):
        return resolve_store_event(info, **kwargs)

    @staticmethod
    @permission_required(MANAGE_EVENTS)
    def resolve_store_event_list(_root, info, search=None, **args):
        return queryset_page(
            selectors.events_staff_list(
                reach=requestor_reach(info.context), search=(search or "").strip()
            ),
            args,
            sort_fields=["starts_at", "pk"],
            direction="",
            connection_type=StoreEventCountableConnection,
            name="storeEventList",
        )

    @staticmethod
    def resolve_my_store_event_rsvps(_root, info):
        require_storefront_enabled(info.context)
        return selectors.shopper_rsvps(user=info.context.user)


class StoreEventMutations(graphene.ObjectType):
    store_event_create = StoreEventCreate.Field()
    store_event_update = StoreEventUpdate.Field()
    store_event_delete = StoreEventDelete.Field()
    store_event_rsvp = StoreEventRsvpCreate.Field()
    store_event_rsvp_cancel = StoreEventRsvpCancel.Field()
