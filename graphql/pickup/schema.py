import graphene
from saleor.core.permissions import OrderPermissions
from saleor.graphql.core.fields import BaseConnectionField
from saleor.graphql.decorators import permission_required

from saleor_o2o.graphql.core.connection import queryset_page
from saleor_o2o.graphql.core.context import requestor_reach
from saleor_o2o.graphql.core.ids import pk_from_global_id
from saleor_o2o.graphql.pickup.mutations import (
    CheckoutPickupStoreUpdate,
    PickupAlternateCollectorUpdate,
    PickupCheckIn,
    PickupCodeUnlock,
    PickupCollect,
    PickupStatusUpdate,
)
from saleor_o2o.graphql.pickup.types import Pickup, PickupStatusEnum
from saleor_o2o.pickup import selectors as pickup_selectors


class PickupQueries(graphene.ObjectType):
    pickup = graphene.Field(
        Pickup,
        id=graphene.Argument(graphene.ID, required=True, description="ID of it."),
        description="Look up a pickup by ID. Requires MANAGE_ORDERS.",
    )
    pickups = BaseConnectionField(
        Pickup._meta.connection,
        store_id=graphene.Argument(
            graphene.ID, description="Only this store's pickups."
        ),
        statuses=graphene.Argument(
            graphene.List(graphene.NonNull(PickupStatusEnum)),
            description="Only pickups in these statuses.",
        ),
        description=(
            "Pickups for the pickup desk, in the order to serve them: by slot, or "
            "by order time when no slot was booked; oldest first. Requires "
            "MANAGE_ORDERS; only the stores you work in."
        ),
    )

    @permission_required(OrderPermissions.MANAGE_ORDERS)
    def resolve_pickup(self, info, id):
        return Pickup.get_node(info, pk_from_global_id(id, "Pickup", field="id"))

    @permission_required(OrderPermissions.MANAGE_ORDERS)
    def resolve_pickups(self, info, store_id=None, statuses=None, **args):
        reach = requestor_reach(info.context)
        if store_id is not None:
            store_id = pk_from_global_id(store_id, "Store", field="storeId")
        qs = pickup_selectors.pickups_for_desk(
            reach=reach, store_id=store_id, statuses=statuses
        )
        return queryset_page(
            qs,
            args,
            sort_fields=["desk_order", "pk"],
            direction="",
            connection_type=Pickup._meta.connection,
            name="pickups",
        )


class PickupMutations(graphene.ObjectType):
    checkout_pickup_store_update = CheckoutPickupStoreUpdate.Field()
    pickup_status_update = PickupStatusUpdate.Field()
    pickup_collect = PickupCollect.Field()
    pickup_check_in = PickupCheckIn.Field()
    pickup_code_unlock = PickupCodeUnlock.Field()
    pickup_alternate_collector_update = PickupAlternateCollectorUpdate.Field()
