"""Per-store stock for shoppers: what a store can supply, and where a variant is."""

from datetime import timedelta

import graphene
from graphql.error import GraphQLError
from graphql_relay.connection.arrayconnection import cursor_to_offset, offset_to_cursor
from saleor.graphql.product.types import ProductVariant

from saleor_o2o.core.errors import InvalidInput, NotFound
from saleor_o2o.graphql.core.context import (
    can_manage_stores,
    request_now,
    requestor_reach,
)
from saleor_o2o.graphql.core.extend import add_field
from saleor_o2o.graphql.core.ids import pk_from_global_id
from saleor_o2o.graphql.store.inputs import StoreNearInput
from saleor_o2o.graphql.store.near import check_first, resolve_near
from saleor_o2o.graphql.store.prefetch import store_related
from saleor_o2o.store import availability, selectors
from saleor_o2o.store import stock as store_stock
from saleor_o2o.store import supply


class StoreSupplyLineInput(graphene.InputObjectType):
    variant_id = graphene.ID(required=True, description="ID of the product variant.")
    quantity = graphene.Int(required=True, description="Units wanted (1 or more).")

    class Meta:
        description = "A variant and a quantity wanted."


class StoreSupplyInput(graphene.InputObjectType):
    lines = graphene.List(
        graphene.NonNull(StoreSupplyLineInput),
        description="The variants and quantities wanted.",
    )
    checkout_token = graphene.UUID(
        description="Use the physical lines of this checkout instead of `lines`."
    )

    class Meta:
        description = "A cart to collect in one store: lines, or a checkout's lines."


class StoreSupplyLine(graphene.ObjectType):
    variant = graphene.Field(
        ProductVariant, required=True, description="The variant wanted."
    )
    quantity = graphene.Int(required=True, description="Units wanted.")
    quantity_available = graphene.Int(
        required=True,
        description="Units the store can promise for pickup, at most `quantity`.",
    )
    quantity_short = graphene.Int(
        required=True, description="Units the store lacks (0 when it has them all)."
    )

    class Meta:
        description = "One line of a cart, as one store can supply it."


class StoreCartSupply(graphene.ObjectType):
    is_complete = graphene.Boolean(
        required=True, description="Whether the store has the whole cart."
    )
    lines = graphene.List(
        graphene.NonNull(StoreSupplyLine),
        required=True,
        description="Every line of the cart, as the store can supply it.",
    )
    short_lines = graphene.List(
        graphene.NonNull(StoreSupplyLine),
        required=True,
        description="The lines the store cannot fully supply.",
    )

    class Meta:
        description = "What a store can supply of the cart given to `stores`."

    @staticmethod
    def from_domain(result: supply.StoreSupply, variants) -> "StoreCartSupply":
        def line(item: supply.LineSupply) -> StoreSupplyLine:
            return StoreSupplyLine(
                variant=variants[item.variant_id],
                quantity=item.requested,
                quantity_available=min(item.available, item.requested),
                quantity_short=item.short,
            )

        return StoreCartSupply(
            is_complete=result.is_complete,
            lines=[line(item) for item in result.lines],
            short_lines=[line(item) for item in result.short_lines],
        )


def clean_supply_lines(supply_input) -> tuple:
    """Return the cart's lines from `lines` or `checkoutToken`, checking variants."""
    token, lines = supply_input.get("checkout_token"), supply_input.get("lines")
    if bool(token) == bool(lines):
        raise InvalidInput(
            "Give either `lines` or `checkoutToken`.",
            field="filter.canSupply",
            code="REQUIRED",
        )
    if token:
        return availability.checkout_lines(token=token)
    parsed = []
    for index, line in enumerate(lines):
        pk = pk_from_global_id(
            line.variant_id,
            "ProductVariant",
            field=f"filter.canSupply.lines.{index}.variantId",
            wrong_type_code="GRAPHQL_ERROR",
        )
        parsed.append(supply.Line(pk, line.quantity))
    merged = supply.merge_lines(parsed)
    known = store_stock.variant_ids_known([line.variant_id for line in merged])
    for index, line in enumerate(merged):
        if line.variant_id not in known:
            raise NotFound(
                "No such product variant.",
                field=f"filter.canSupply.lines.{index}.variantId",
            )
    return merged


def ranked_supply_connection(
    info, *, connection_type, queryset, point, radius_km, lines, args
):
    """Return a page of stores ranked by how much of the cart they can supply.

    The ranking is computed over the nearest candidates on every request, so cursors
    are offsets into it.
    """
    first = args.get("first")
    if not first or args.get("last") or args.get("before"):
        raise GraphQLError("Stores ranked by supply page forward only: use `first`.")
    start = cursor_to_offset(args["after"]) + 1 if args.get("after") else 0
    if start is None or start < 0:
        raise GraphQLError("Received cursor is invalid.")
    ranked = availability.stores_supplying(
        queryset=queryset, point=point, radius_km=radius_km, lines=lines
    )
    page = ranked[start : start + first]
    stores = selectors.stores_with_related(
        selectors.stores_with_ids(ids=[s.store_id for s in page]),
        **store_related(info),
    )
    stores = {store.pk: store for store in stores}
    variants = store_stock.variants_by_id([line.variant_id for line in lines])
    edges = []
    for offset, result in enumerate(page, start=start):
        store = stores[result.store_id]
        store.distance_km = result.distance_km
        store._o2o_supply = StoreCartSupply.from_domain(result, variants)
        edges.append(connection_type.Edge(node=store, cursor=offset_to_cursor(offset)))
    connection = connection_type(
        edges=edges,
        page_info=graphene.relay.PageInfo(
            start_cursor=edges[0].cursor if edges else None,
            end_cursor=edges[-1].cursor if edges else None,
            has_previous_page=start > 0,
            has_next_page=start + first < len(ranked),
        ),
    )
    connection.iterable = ranked
    return connection


class VariantStoreAvailability(graphene.ObjectType):
    store = graphene.Field(
        "saleor_o2o.graphql.store.types.Store",
        required=True,
        description="A store near the point searched.",
    )
    quantity_available = graphene.Int(
        required=True, description="Units the store can promise for pickup now."
    )
    distance_km = graphene.Float(
        required=True, description="Great-circle distance from the point, in km."
    )
    ready_by = graphene.DateTime(
        description=(
            "When an order placed now could be collected: the store's lead time, "
            "counted in its opening hours. Null if it does not open soon."
        )
    )

    class Meta:
        description = "How much of a variant one store has for pickup."


def resolve_variant_store_availability(
    root, info, near, radius_km=None, first=10, in_stock_only=False
):
    point, radius = resolve_near(info, near, radius_km)
    check_first(first)
    queryset = selectors.click_and_collect_stores_visible_to(
        can_manage=can_manage_stores(info.context),
        reach=requestor_reach(info.context),
    )
    ranked = availability.stores_supplying(
        queryset=queryset,
        point=point,
        radius_km=radius,
        lines=[supply.Line(root.pk, 1)],
    )
    # Nearest first; the supply ranking only matters for whole carts.
    ranked.sort(key=lambda s: (s.distance_km, s.store_id))
    if in_stock_only:
        ranked = [s for s in ranked if s.is_complete]
    ranked = ranked[:first]
    # Every store is read for `readyBy`: fetch addresses and recent exceptions.
    stores = selectors.stores_by_id(
        [s.store_id for s in ranked], with_address=True, with_hours_exceptions=True
    )
    now = request_now(info.context)
    results = []
    for result in ranked:
        store = stores[result.store_id]
        results.append(
            VariantStoreAvailability(
                store=store,
                quantity_available=result.lines[0].available,
                distance_km=result.distance_km,
                ready_by=supply.ready_by(
                    store.schedule(),
                    now=now,
                    lead_time=timedelta(minutes=store.pickup_lead_time_minutes),
                ),
            )
        )
    return results


def extend_product_variant_type():
    """Add `storeAvailability` to Saleor's ProductVariant type."""
    field = graphene.Field(
        graphene.List(graphene.NonNull(VariantStoreAvailability)),
        required=True,
        near=graphene.Argument(
            StoreNearInput, required=True, description="Where the shopper is."
        ),
        radius_km=graphene.Argument(
            graphene.Float, description="Search radius; the plugin's default if null."
        ),
        first=graphene.Argument(
            graphene.Int, default_value=10, description="How many stores (1-100)."
        ),
        in_stock_only=graphene.Argument(
            graphene.Boolean,
            default_value=False,
            description="Only stores that have at least one unit for pickup.",
        ),
        resolver=resolve_variant_store_availability,
        description=(
            "The variant's availability for pickup in the click-and-collect stores "
            "near a point, nearest first."
        ),
    )
    add_field(ProductVariant, "store_availability", field)
