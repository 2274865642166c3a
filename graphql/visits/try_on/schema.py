import graphene
from saleor.core.permissions import OrderPermissions
from saleor.graphql.core.fields import BaseConnectionField
from saleor.graphql.decorators import permission_required

from saleor_o2o.graphql.core.connection import queryset_page
from saleor_o2o.graphql.core.context import (
    can_manage_orders,
    requestor_reach,
    require_storefront_enabled,
)
from saleor_o2o.graphql.core.ids import pk_from_global_id
from saleor_o2o.graphql.visits.try_on.types import TryOnReservation, TryOnStatusEnum
from saleor_o2o.visits.try_on import selectors, services


class TryOnQueries(graphene.ObjectType):
    try_on_reservation = graphene.Field(
        TryOnReservation,
        id=graphene.Argument(graphene.ID, description="ID of it."),
        token=graphene.Argument(
            graphene.String, description="Its manage token (guests)."
        ),
        description=(
            "Look up a try-on reservation by its manage token, or by ID: store "
            "staff with MANAGE_ORDERS (their stores) and the signed-in shopper who "
            "made it. Null for anyone else."
        ),
    )
    try_on_reservations = BaseConnectionField(
        TryOnReservation._meta.connection,
        store_id=graphene.Argument(
            graphene.ID, description="Only this store's reservations."
        ),
        statuses=graphene.Argument(
            graphene.List(graphene.NonNull(TryOnStatusEnum)),
            description="Only reservations in these statuses (HELD: open ones).",
        ),
        description=(
            "Try-on reservations for the desk, soonest to end first. Requires "
            "MANAGE_ORDERS; only the stores you work in."
        ),
    )
    my_try_on_reservations = BaseConnectionField(
        TryOnReservation._meta.connection,
        description=(
            "The signed-in shopper's try-on reservations, newest first (empty for "
            "anyone else; guests use tryOnReservation(token:))."
        ),
    )

    def resolve_try_on_reservation(self, info, id=None, token=None):
        if not can_manage_orders(info.context):  # The desk works with the plugin off.
            require_storefront_enabled(info.context)
        if token:
            try:
                return services.try_on_for_token(token)
            except services.O2OError:
                return None
        if not id:
            return None
        return TryOnReservation.get_node(
            info, pk_from_global_id(id, "TryOnReservation", field="id")
        )

    @permission_required(OrderPermissions.MANAGE_ORDERS)
    def resolve_try_on_reservations(self, info, store_id=None, statuses=None, **args):
        if store_id is not None:
            store_id = pk_from_global_id(store_id, "Store", field="storeId")
        qs = selectors.try_ons_for_desk(
            reach=requestor_reach(info.context), store_id=store_id, statuses=statuses
        )
        return queryset_page(
            qs,
            args,
            sort_fields=["held_until", "pk"],
            direction="",
            connection_type=TryOnReservation._meta.connection,
            name="tryOnReservations",
        )

    def resolve_my_try_on_reservations(self, info, **args):
        qs = selectors.try_ons_of_user(user=info.context.user)
        return queryset_page(
            qs,
            args,
            sort_fields=["created_at", "pk"],
            direction="-",
            connection_type=TryOnReservation._meta.connection,
            name="myTryOnReservations",
        )
