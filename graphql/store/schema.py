import graphene
from graphql.error import GraphQLError
from saleor.graphql.core.connection import (
    _get_edges_for_connection,
    _validate_connection_args,
    from_global_cursor,
)
from saleor.graphql.core.fields import BaseConnectionField

from saleor_o2o.core.errors import InvalidInput
from saleor_o2o.graphql.core.connection import page_args_check, queryset_page
from saleor_o2o.graphql.core.context import (
    can_manage_stores,
    require_storefront_enabled,
)
from saleor_o2o.graphql.core.ids import pk_from_global_id
from saleor_o2o.graphql.store.enums import StoreSortField
from saleor_o2o.graphql.store.inputs import (
    StoreFilterInput,
    StoreNearInput,
    StoreSortingInput,
)
from saleor_o2o.graphql.store.mutations import (
    StoreCreate,
    StoreDelete,
    StoreGeocode,
    StoreStockUpdate,
    StoreUpdate,
)
from saleor_o2o.graphql.store.near import resolve_near
from saleor_o2o.graphql.store.prefetch import store_related
from saleor_o2o.graphql.store.supply import clean_supply_lines, ranked_supply_connection
from saleor_o2o.graphql.store.types import Store, store_viewer, visible_stores
from saleor_o2o.store import selectors

SORT_FIELDS = {
    StoreSortField.NAME.value: ["name", "slug"],
    StoreSortField.DISTANCE.value: ["distance_key", "pk"],
    StoreSortField.CREATED_AT.value: ["created_at", "pk"],
}


def resolve_stores(
    info, *, near=None, radius_km=None, filter=None, sort_by=None, **args
):
    require_storefront_enabled(info.context)
    page_args_check(args, name="stores")
    staff = can_manage_stores(info.context)
    filter_input = filter or {}
    qs = selectors.stores_matching(
        queryset=visible_stores(info.context),
        search=(filter_input.get("search") or "").strip(),
        services=filter_input.get("services") or (),
        is_active=filter_input.get("is_active") if staff else None,
    )
    sort_field = sort_by.field if sort_by else None
    direction = sort_by.direction if sort_by else ""
    if near is not None:
        point, radius = resolve_near(info, near, radius_km)
        supply_input = (filter or {}).get("can_supply")
        if supply_input is not None:
            return ranked_supply_connection(
                info,
                connection_type=StoreCountableConnection,
                queryset=qs,
                point=point,
                radius_km=radius,
                lines=clean_supply_lines(supply_input),
                args=args,
            )
        qs = selectors.stores_near(queryset=qs, point=point, radius_km=radius)
        sort_field = sort_field or StoreSortField.DISTANCE.value
    elif (filter or {}).get("can_supply") is not None:
        raise InvalidInput(
            "Ranking by supply needs `near`.", field="near", code="REQUIRED"
        )
    elif radius_km is not None:
        raise InvalidInput(
            "`radiusKm` needs `near`.", field="radiusKm", code="REQUIRED"
        )
    elif sort_field == StoreSortField.DISTANCE.value:
        raise InvalidInput(
            "Sorting by distance needs `near`.", field="sortBy", code="REQUIRED"
        )
    fields = SORT_FIELDS[sort_field or StoreSortField.NAME.value]
    descending = (direction == "-") != bool(args.get("last"))
    if sort_field == StoreSortField.DISTANCE.value and not descending:
        connection = _nearest_first_page(qs, args, info)
        connection.iterable = qs
        return connection
    ordered = qs.order_by(*[("-" if descending else "") + f for f in fields])
    connection = queryset_page(
        selectors.stores_with_related(ordered, **store_related(info)),
        args,
        sort_fields=fields,
        direction=direction,
        connection_type=StoreCountableConnection,
        name="stores",
    )
    connection.iterable = qs
    return connection


def _nearest_first_page(qs, args, info):
    """Return a page of stores nearest first, walking the location index (see
    `store.selectors.stores_nearest_page`); cursors are ``(distance_key, pk)``."""
    _validate_connection_args(args)
    first, after = args["first"], args.get("after")
    if after:
        try:
            key, pk = from_global_cursor(after)
            after = float(key), int(pk)
        except (TypeError, ValueError):
            raise GraphQLError("Received cursor is invalid.")
    rows = selectors.stores_nearest_page(
        queryset=qs, first=first, after=after or None, **store_related(info)
    )
    edges, page_info = _get_edges_for_connection(
        StoreCountableConnection.Edge, rows, args, SORT_FIELDS["distance"]
    )
    return StoreCountableConnection(
        edges=edges, page_info=graphene.relay.PageInfo(**page_info)
    )


def resolve_store(info, *, id=None, slug=None):
    require_storefront_enabled(info.context)
    if bool(id) == bool(slug):
        raise InvalidInput("Give either `id` or `slug`.", field="id", code="REQUIRED")
    viewer = store_viewer(info.context)
    if slug:
        return selectors.store_visible_to(slug=slug, **viewer)
    pk = pk_from_global_id(id, "Store", field="id")
    return selectors.store_visible_to(pk=pk, **viewer)


#: Saleor's countable connection of stores (edges, pageInfo, totalCount).
StoreCountableConnection = Store._meta.connection


class StoreQueries(graphene.ObjectType):
    store = graphene.Field(
        Store,
        id=graphene.Argument(graphene.ID, description="ID of the store."),
        slug=graphene.Argument(graphene.String, description="Slug of the store."),
        description="Look up a store by ID or slug.",
    )
    stores = BaseConnectionField(
        StoreCountableConnection,
        near=StoreNearInput(
            description=(
                "Search from this point or place: stores come nearest first, each "
                "with `distanceKm`."
            )
        ),
        radius_km=graphene.Float(
            description=(
                "With `near`: only stores this many kilometres away or closer. "
                "Defaults to, and may not exceed, the limits set in the plugin."
            )
        ),
        filter=StoreFilterInput(description="Filtering options for stores."),
        sort_by=StoreSortingInput(
            description="Sort order; default: nearest first with `near`, else by name."
        ),
        description="List stores, or find the stores nearest a point or place.",
    )

    @staticmethod
    def resolve_store(_root, info, **kwargs):
        return resolve_store(info, **kwargs)

    @staticmethod
    def resolve_stores(_root, info, **kwargs):
        return resolve_stores(info, **kwargs)


class StoreMutations(graphene.ObjectType):
    store_create = StoreCreate.Field()
    store_update = StoreUpdate.Field()
    store_delete = StoreDelete.Field()
    store_geocode = StoreGeocode.Field()
    store_stock_update = StoreStockUpdate.Field()
