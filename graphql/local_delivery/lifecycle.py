"""Store staff and apps: local deliveries to prepare, hand to couriers and close."""

import graphene
from saleor.core.permissions import OrderPermissions
from saleor.graphql.core.fields import BaseConnectionField
from saleor.graphql.decorators import permission_required
from saleor.graphql.utils import get_user_or_app_from_context

from saleor_o2o.core.actors import Actor
from saleor_o2o.graphql.core.connection import queryset_page
from saleor_o2o.graphql.core.context import requestor_reach
from saleor_o2o.graphql.core.ids import pk_from_global_id
from saleor_o2o.graphql.core.mutations import O2OMutation
from saleor_o2o.graphql.local_delivery.errors import LocalDeliveryError
from saleor_o2o.graphql.local_delivery.types import (
    LocalDelivery,
    LocalDeliveryStatusEnum,
)
from saleor_o2o.local_delivery import desk, handover, services
from saleor_o2o.store.reach import MANAGER


class LocalDeliveryQueries(graphene.ObjectType):
    local_delivery = graphene.Field(
        LocalDelivery,
        id=graphene.Argument(graphene.ID, required=True, description="ID of it."),
        description=(
            "Look up a local delivery by ID. Requires MANAGE_ORDERS; only the stores "
            "you work in."
        ),
    )
    local_deliveries = BaseConnectionField(
        LocalDelivery._meta.connection,
        store_id=graphene.Argument(
            graphene.ID, description="Only this store's deliveries."
        ),
        statuses=graphene.Argument(
            graphene.List(graphene.NonNull(LocalDeliveryStatusEnum)),
            description="Only deliveries in these statuses.",
        ),
        description=(
            "Local deliveries for the desk, by delivery window, earliest first. "
            "Requires MANAGE_ORDERS; only the stores you work in."
        ),
    )

    @permission_required(OrderPermissions.MANAGE_ORDERS)
    def resolve_local_delivery(self, info, id):
        pk = pk_from_global_id(id, "LocalDelivery", field="id")
        return LocalDelivery.get_node(info, pk)

    @permission_required(OrderPermissions.MANAGE_ORDERS)
    def resolve_local_deliveries(self, info, store_id=None, statuses=None, **args):
        if store_id is not None:
            store_id = pk_from_global_id(store_id, "Store", field="storeId")
        qs = desk.local_deliveries_for_desk(
            reach=requestor_reach(info.context), store_id=store_id, statuses=statuses
        )
        return queryset_page(
            qs,
            args,
            sort_fields=["window_start", "pk"],
            direction="",
            connection_type=LocalDelivery._meta.connection,
            name="localDeliveries",
        )


def _actor(info) -> Actor:
    return Actor.of(get_user_or_app_from_context(info.context))


class _DeliveryMutation(O2OMutation):
    local_delivery = graphene.Field(LocalDelivery, description="The delivery.")

    class Meta:
        abstract = True

    @classmethod
    def delivery(cls, info, node_id):
        """Return the delivery, or NOT_FOUND for one outside the requestor's stores."""
        return cls.get_node_or_error(info, node_id, field="id", only_type=LocalDelivery)


class LocalDeliveryStatusUpdate(_DeliveryMutation):
    class Arguments:
        id = graphene.ID(required=True, description="ID of the local delivery.")
        status = LocalDeliveryStatusEnum(
            required=True,
            description=(
                "PREPARING, OUT_FOR_DELIVERY (with `courierName` or "
                "`trackingReference`; counts an attempt), FAILED_ATTEMPT, "
                "RETURNED_TO_STORE (cancels the order and releases its stock at the "
                "store) or CANCELLED (before it goes out; cancels the order). "
                "DELIVERED needs the shopper's code: use localDeliveryDeliver."
            ),
        )
        courier_name = graphene.String(
            description="Who takes it out (OUT_FOR_DELIVERY needs it or a reference)."
        )
        tracking_reference = graphene.String(
            description="The courier's tracking reference, for OUT_FOR_DELIVERY."
        )
        note = graphene.String(description="Note kept in the audit trail.")

    class Meta:
        description = (
            "Move a local delivery along its lifecycle. A move not allowed from the "
            "current status, or not by you, fails with INVALID_TRANSITION. Requires "
            "MANAGE_ORDERS in the delivery's store."
        )
        permissions = (OrderPermissions.MANAGE_ORDERS,)
        error_type_class = LocalDeliveryError
        error_type_field = "local_delivery_errors"

    @classmethod
    def perform_mutation(
        cls,
        _root,
        info,
        id,
        status,
        courier_name=None,
        tracking_reference=None,
        note=None,
    ):
        delivery = cls.delivery(info, id)
        delivery = services.local_delivery_status_update(
            delivery,
            status,
            _actor(info),
            courier_name=courier_name,
            tracking_reference=tracking_reference,
            note=note,
        )
        return cls(local_delivery=delivery)


class LocalDeliveryDeliver(_DeliveryMutation):
    class Arguments:
        id = graphene.ID(required=True, description="ID of the local delivery.")
        code = graphene.String(
            required=True,
            description=(
                "The code the shopper gives, typed or scanned from its QR code "
                "(case, spaces and dashes do not matter)."
            ),
        )
        note = graphene.String(description="Note kept in the audit trail.")

    class Meta:
        description = (
            "Hand a delivery out for delivery over to the shopper: checks their "
            "code, marks it DELIVERED and fulfils the order from the store's stock "
            "through Saleor. After 5 wrong codes the delivery refuses codes for 15 "
            "minutes (CODE_LOCKED). Requires MANAGE_ORDERS in the delivery's store."
        )
        permissions = (OrderPermissions.MANAGE_ORDERS,)
        error_type_class = LocalDeliveryError
        error_type_field = "local_delivery_errors"

    @classmethod
    def perform_mutation(cls, _root, info, id, code, note=None):
        delivery = cls.delivery(info, id)
        delivery = handover.local_delivery_deliver(
            delivery, code, _actor(info), note=note
        )
        return cls(local_delivery=delivery)


class LocalDeliveryCodeUnlock(_DeliveryMutation):
    class Arguments:
        id = graphene.ID(required=True, description="ID of the local delivery.")
        reason = graphene.String(
            required=True,
            description="Why the lock is released (kept in the audit trail).",
        )

    class Meta:
        description = (
            "Release a handover locked after too many wrong codes. For managers of "
            "the delivery's store (and staff acting in every store); requires "
            "MANAGE_ORDERS."
        )
        permissions = (OrderPermissions.MANAGE_ORDERS,)
        error_type_class = LocalDeliveryError
        error_type_field = "local_delivery_errors"

    @classmethod
    def perform_mutation(cls, _root, info, id, reason):
        delivery = cls.delivery(info, id)
        cls.check_store(
            info, delivery.store_id, role=MANAGER, field="id", what="delivery"
        )
        delivery = handover.local_delivery_code_unlock(
            delivery, _actor(info), reason=reason
        )
        return cls(local_delivery=delivery)


class LocalDeliveryMutations(graphene.ObjectType):
    local_delivery_status_update = LocalDeliveryStatusUpdate.Field()
    local_delivery_deliver = LocalDeliveryDeliver.Field()
    local_delivery_code_unlock = LocalDeliveryCodeUnlock.Field()
