import graphene
from saleor.graphql.checkout.types import Checkout
from saleor.graphql.core.connection import CountableDjangoObjectType
from saleor.graphql.core.types import Error
from saleor.graphql.order.types import Order

from ... import models
from ...error_codes import PICKUP_ERROR_DESCRIPTIONS, PickupErrorCode
from ..core.extend import add_field
from ..store.types import Store

PickupErrorCodeEnum = graphene.Enum.from_enum(
    PickupErrorCode,
    description=lambda value: (
        PICKUP_ERROR_DESCRIPTIONS.get(value.value)
        if value
        else "Why choosing a pickup store failed."
    ),
)


class PickupStatusEnum(graphene.Enum):
    RECEIVED = models.PickupStatus.RECEIVED
    PREPARING = models.PickupStatus.PREPARING
    READY = models.PickupStatus.READY
    CUSTOMER_ARRIVED = models.PickupStatus.CUSTOMER_ARRIVED
    COLLECTED = models.PickupStatus.COLLECTED
    EXPIRED = models.PickupStatus.EXPIRED
    CANCELLED = models.PickupStatus.CANCELLED

    class Meta:
        description = "Where a pickup order stands."

    @property
    def description(self):
        return dict(models.PickupStatus.CHOICES).get(self.value)


class PickupError(Error):
    code = PickupErrorCodeEnum(description="The error code.", required=True)


class Pickup(CountableDjangoObjectType):
    store = graphene.Field(Store, required=True, description="Where to collect.")
    order = graphene.Field(Order, required=True, description="The order to collect.")
    is_curbside = graphene.Boolean(
        required=True, description="Whether staff bring the order to the car."
    )
    status = PickupStatusEnum(required=True, description="Where the pickup stands.")
    code = graphene.String(
        required=True, description="The code the shopper shows at handover."
    )
    created_at = graphene.DateTime(required=True, description="When it was created.")

    class Meta:
        description = "An order to be collected in a store."
        model = models.Pickup
        interfaces = [graphene.relay.Node]
        only_fields = ["id"]

    @staticmethod
    def resolve_store(root: models.Pickup, _info):
        return root.store

    @staticmethod
    def resolve_order(root: models.Pickup, _info):
        return root.order


class CheckoutPickupChoice(graphene.ObjectType):
    store = graphene.Field(Store, required=True, description="The store chosen.")
    is_curbside = graphene.Boolean(
        required=True, description="Whether the shopper asked for curbside pickup."
    )

    class Meta:
        description = "The store a checkout will be collected in."


def _resolve_checkout_pickup(root, _info):
    choice = getattr(root, "o2o_pickup", None)
    if choice is None:
        return None
    return CheckoutPickupChoice(store=choice.store, is_curbside=choice.is_curbside)


def _resolve_order_pickup(root, _info):
    return models.Pickup.objects.filter(order=root).select_related("store").first()


def extend_saleor_types():
    """Add `Checkout.pickup` and `Order.pickup` to Saleor's types."""
    add_field(
        Checkout,
        "pickup",
        graphene.Field(
            CheckoutPickupChoice,
            resolver=_resolve_checkout_pickup,
            description="The pickup store chosen with checkoutPickupStoreUpdate.",
        ),
    )
    add_field(
        Order,
        "pickup",
        graphene.Field(
            Pickup,
            resolver=_resolve_order_pickup,
            description="The order's pickup, if it is collected in a store.",
        ),
    )
