import graphene
from saleor.core.permissions import OrderPermissions
from saleor.graphql.checkout.types import Checkout
from saleor.graphql.utils import get_user_or_app_from_context

from saleor_o2o.graphql.core.context import requestor_reach, require_storefront_enabled
from saleor_o2o.graphql.core.mutations import O2OMutation
from saleor_o2o.graphql.pickup.types import Pickup, PickupError, PickupStatusEnum
from saleor_o2o.graphql.store.types import Store
from saleor_o2o.pickup import checkout as pickup_checkout
from saleor_o2o.pickup import handover
from saleor_o2o.pickup import selectors as pickup_selectors
from saleor_o2o.pickup import services as pickup_services
from saleor_o2o.store.access import store_check
from saleor_o2o.store.reach import MANAGER


class CheckoutPickupStoreUpdate(O2OMutation):
    checkout = graphene.Field(Checkout, description="The checkout updated.")

    class Arguments:
        checkout_id = graphene.ID(required=True, description="ID of the checkout.")
        store_id = graphene.ID(required=True, description="ID of the store.")
        curbside = graphene.Boolean(
            default_value=False,
            description="Bring the order out to the shopper's car (if offered).",
        )
        slot = graphene.DateTime(
            description="Start of a pickup slot from `store.pickupSlots`, if any."
        )

    class Meta:
        description = (
            "Collect the checkout in a store: sets the pickup delivery method and the "
            "store's address as the shipping address. The store must offer the "
            "service and have every line; the stock is secured when the checkout "
            "completes."
        )
        error_type_class = PickupError
        error_type_field = "pickup_errors"

    @classmethod
    def perform_mutation(cls, _root, info, checkout_id, store_id, curbside, slot=None):
        settings = require_storefront_enabled(info.context)
        checkout = cls.get_node_or_error(
            info, checkout_id, field="checkoutId", only_type=Checkout
        )
        store = cls.get_node_or_error(info, store_id, field="storeId", only_type=Store)
        checkout = pickup_checkout.checkout_pickup_set(
            checkout=checkout,
            store=store,
            curbside=curbside,
            settings=settings,
            slot_start=slot,
        )
        return cls(checkout=checkout)


def _actor(info) -> pickup_services.Actor:
    return pickup_services.Actor.of(get_user_or_app_from_context(info.context))


class PickupStatusUpdate(O2OMutation):
    pickup = graphene.Field(Pickup, description="The pickup updated.")

    class Arguments:
        id = graphene.ID(required=True, description="ID of the pickup.")
        status = PickupStatusEnum(
            required=True,
            description=(
                "PREPARING, READY, CUSTOMER_ARRIVED or CANCELLED (which also "
                "cancels the order and releases its stock). COLLECTED needs the "
                "code: use pickupCollect."
            ),
        )
        note = graphene.String(description="Note kept in the audit trail.")

    class Meta:
        description = (
            "Move a pickup along its lifecycle. A transition that is not allowed "
            "from the current status fails with INVALID_TRANSITION."
        )
        permissions = (OrderPermissions.MANAGE_ORDERS,)
        error_type_class = PickupError
        error_type_field = "pickup_errors"

    @classmethod
    def perform_mutation(cls, _root, info, id, status, note=None):
        pickup = cls.get_node_or_error(info, id, field="id", only_type=Pickup)
        pickup = pickup_services.pickup_status_update(
            pickup=pickup, status=status, actor=_actor(info), note=note
        )
        return cls(pickup=pickup)


class PickupCollect(O2OMutation):
    pickup = graphene.Field(Pickup, description="The pickup collected.")

    class Arguments:
        id = graphene.ID(required=True, description="ID of the pickup.")
        code = graphene.String(
            required=True,
            description=(
                "The code the shopper shows, typed or scanned from its QR code "
                "(case, spaces and dashes do not matter)."
            ),
        )
        collected_by = graphene.String(
            description=(
                "Name of the person collecting, if not the shopper. When the shopper "
                "authorised someone (`alternateCollector`), it must be that name."
            )
        )
        note = graphene.String(description="Note kept in the audit trail.")

    class Meta:
        description = (
            "Hand a ready pickup over: checks the code, marks it COLLECTED and "
            "fulfils the order from the store's stock through Saleor. After "
            "5 wrong codes the pickup refuses codes for 15 minutes (CODE_LOCKED)."
        )
        permissions = (OrderPermissions.MANAGE_ORDERS,)
        error_type_class = PickupError
        error_type_field = "pickup_errors"

    @classmethod
    def perform_mutation(cls, _root, info, id, code, collected_by=None, note=None):
        pickup = cls.get_node_or_error(info, id, field="id", only_type=Pickup)
        pickup = handover.pickup_collect(
            pickup=pickup,
            code=code,
            actor=_actor(info),
            collected_by=collected_by,
            note=note,
        )
        return cls(pickup=pickup)


class PickupCheckIn(O2OMutation):
    pickup = graphene.Field(Pickup, description="The pickup checked in.")

    class Arguments:
        order_token = graphene.UUID(
            required=True,
            description="The order's token, as for `orderByToken`.",
        )
        bay = graphene.String(description="Parking bay number, for curbside.")
        vehicle = graphene.String(
            description="Vehicle description, e.g. 'blue Renault Clio, AB-123-CD'."
        )

    class Meta:
        description = (
            "The shopper's 'I am here': marks a ready pickup CUSTOMER_ARRIVED. "
            "Curbside pickups need a bay or a vehicle."
        )
        error_type_class = PickupError
        error_type_field = "pickup_errors"

    @classmethod
    def perform_mutation(cls, _root, info, order_token, bay=None, vehicle=None):
        require_storefront_enabled(info.context)
        order = pickup_selectors.order_for_token(token=order_token, field="orderToken")
        user = getattr(info.context, "user", None)
        pickup = pickup_services.pickup_check_in(
            order=order,
            bay=bay,
            vehicle=vehicle,
            user=user if user is not None and user.is_authenticated else None,
        )
        return cls(pickup=pickup)


class PickupCodeUnlock(O2OMutation):
    pickup = graphene.Field(Pickup, description="The pickup, accepting codes again.")

    class Arguments:
        id = graphene.ID(required=True, description="ID of the pickup.")
        reason = graphene.String(
            required=True,
            description="Why the lock is released (kept in the audit trail).",
        )

    class Meta:
        description = (
            "Release a handover locked after too many wrong codes, so the shopper "
            "can collect now. For managers of the pickup's store (and staff acting "
            "in every store); requires MANAGE_ORDERS."
        )
        permissions = (OrderPermissions.MANAGE_ORDERS,)
        error_type_class = PickupError
        error_type_field = "pickup_errors"

    @classmethod
    def perform_mutation(cls, _root, info, id, reason):
        pickup = cls.get_node_or_error(info, id, field="id", only_type=Pickup)
        store_check(
            requestor_reach(info.context),
            pickup.store_id,
            role=MANAGER,
            field="id",
            what="pickup",
        )
        pickup = handover.pickup_code_unlock(
            pickup=pickup, reason=reason, actor=_actor(info)
        )
        return cls(pickup=pickup)


class PickupAlternateCollectorUpdate(O2OMutation):
    pickup = graphene.Field(Pickup, description="The pickup updated.")

    class Arguments:
        order_token = graphene.UUID(
            required=True,
            description="The order's token, as for `orderByToken`.",
        )
        name = graphene.String(
            description=(
                "Full name of the person who will collect instead of the shopper; "
                "empty or null for nobody else."
            )
        )

    class Meta:
        description = (
            "The shopper names someone to collect their pickup. Store staff see the "
            "name, check the person's identity, and pickupCollect refuses another "
            "name; the change is kept in the audit trail."
        )
        error_type_class = PickupError
        error_type_field = "pickup_errors"

    @classmethod
    def perform_mutation(cls, _root, info, order_token, name=None):
        require_storefront_enabled(info.context)
        order = pickup_selectors.order_for_token(token=order_token, field="orderToken")
        user = getattr(info.context, "user", None)
        pickup = handover.pickup_alternate_collector_set(
            order=order,
            name=name,
            user=user if user is not None and user.is_authenticated else None,
        )
        return cls(pickup=pickup)
