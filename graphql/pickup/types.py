import graphene
from saleor.graphql.account.types import User
from saleor.graphql.app.types import App
from saleor.graphql.checkout.types import Checkout
from saleor.graphql.core.connection import CountableDjangoObjectType
from saleor.graphql.core.types import Error
from saleor.graphql.order.types import Order
from saleor.graphql.utils import get_user_or_app_from_context

from saleor_o2o.graphql.core.context import (
    can_manage_orders,
    o2o_settings,
    request_now,
    requestor_reach,
)
from saleor_o2o.graphql.core.enums import choices_enum
from saleor_o2o.graphql.core.extend import add_field
from saleor_o2o.graphql.pickup.dataloaders import (
    PickupByOrderIdLoader,
    TransitionsByPickupIdLoader,
)
from saleor_o2o.graphql.store.inputs import StoreNearInput
from saleor_o2o.graphql.store.near import check_first, resolve_near
from saleor_o2o.graphql.store.supply import StoreCartSupply
from saleor_o2o.graphql.store.types import Store
from saleor_o2o.pickup import models as pickup_models
from saleor_o2o.pickup import rules as lifecycle
from saleor_o2o.pickup import selectors as pickup_selectors
from saleor_o2o.pickup.error_codes import PICKUP_ERROR_DESCRIPTIONS, PickupErrorCode
from saleor_o2o.pickup.services import Actor
from saleor_o2o.store import availability, selectors
from saleor_o2o.store import stock as store_stock

PickupErrorCodeEnum = graphene.Enum.from_enum(
    PickupErrorCode,
    description=lambda value: (
        PICKUP_ERROR_DESCRIPTIONS.get(value.value)
        if value
        else "Why a pickup operation failed."
    ),
)


PickupStatusEnum = choices_enum(
    pickup_models.PickupStatus, description="Where a pickup order stands."
)


class PickupError(Error):
    code = PickupErrorCodeEnum(description="The error code.", required=True)

    class Meta:
        description = "An error of a pickup operation."


PickupActorTypeEnum = choices_enum(
    pickup_models.PickupActor,
    type_name="PickupActorTypeEnum",
    description="Who made a pickup transition.",
)


PickupAuditKindEnum = choices_enum(
    pickup_models.PickupAuditKind,
    description="What an entry of a pickup's audit trail records.",
)


class PickupTransition(graphene.ObjectType):
    kind = PickupAuditKindEnum(
        required=True,
        description=(
            "A change of status, or another event of the handover (the status "
            "is then the same before and after)."
        ),
    )
    from_status = PickupStatusEnum(required=True, description="Status before.")
    to_status = PickupStatusEnum(required=True, description="Status after.")
    created_at = graphene.DateTime(required=True, description="When it happened.")
    actor_type = PickupActorTypeEnum(required=True, description="Who made it.")
    user = graphene.Field(User, description="The staff user or shopper, if any.")
    app = graphene.Field(App, description="The app, if an app made it.")
    note = graphene.String(required=True, description="Note given with it.")
    collected_by = graphene.String(
        required=True,
        description="Name of the person who collected, if not the shopper.",
    )

    class Meta:
        description = "One entry of a pickup's audit trail."

    @staticmethod
    def resolve_user(root: pickup_models.PickupTransition, _info):
        return root.user

    @staticmethod
    def resolve_app(root: pickup_models.PickupTransition, _info):
        return root.app


def can_see_pickup(context, pickup: pickup_models.Pickup) -> bool:
    """Return whether the requestor is order staff working in the pickup's store,
    or the shopper who ordered."""
    if can_manage_orders(context):
        return requestor_reach(context).sees(pickup.store_id)
    user = getattr(context, "user", None)
    return bool(
        user is not None
        and user.is_authenticated
        and pickup.order.user_id is not None
        and pickup.order.user_id == user.pk
    )


class Pickup(CountableDjangoObjectType):
    store = graphene.Field(Store, required=True, description="Where to collect.")
    order = graphene.Field(Order, required=True, description="The order to collect.")
    is_curbside = graphene.Boolean(
        required=True, description="Whether staff bring the order to the car."
    )
    slot_start = graphene.DateTime(description="Start of the pickup slot booked.")
    status = PickupStatusEnum(required=True, description="Where the pickup stands.")
    code = graphene.String(
        required=True, description="The code the shopper shows at handover."
    )
    qr_payload = graphene.String(
        required=True,
        description=(
            "Text to encode in a QR code for the handover; pickupCollect accepts it "
            "as the code."
        ),
    )
    created_at = graphene.DateTime(required=True, description="When it was created.")
    updated_at = graphene.DateTime(
        required=True, description="When its status last changed."
    )
    ready_at = graphene.DateTime(description="When it last became ready.")
    expires_at = graphene.DateTime(
        description=(
            "When a ready pickup expires if not collected (the plugin's hold period)."
        )
    )
    arrived_at = graphene.DateTime(description="When the shopper checked in.")
    arrival_bay = graphene.String(
        required=True, description="Parking bay given at check-in, if any."
    )
    arrival_vehicle = graphene.String(
        required=True, description="Vehicle described at check-in, if any."
    )
    collected_at = graphene.DateTime(description="When it was collected.")
    alternate_collector = graphene.String(
        required=True,
        description=(
            "Someone the shopper authorised to collect for them "
            "(pickupAlternateCollectorUpdate); empty if nobody. The desk checks "
            "their identity; pickupCollect refuses another name."
        ),
    )
    code_locked_until = graphene.DateTime(
        description=(
            "Until when the handover refuses every code after too many wrong ones; "
            "a manager of the store may release it (pickupCodeUnlock). Staff only."
        )
    )
    next_statuses = graphene.List(
        graphene.NonNull(PickupStatusEnum),
        required=True,
        description=(
            "Statuses you may move the pickup to now, in the lifecycle's order "
            "(COLLECTED through pickupCollect)."
        ),
    )
    transitions = graphene.List(
        graphene.NonNull(PickupTransition),
        description=(
            "The audit trail, oldest first. Requires the MANAGE_ORDERS permission; "
            "null for shoppers."
        ),
    )

    class Meta:
        description = (
            "An order to be collected in a store. Visible to staff with "
            "MANAGE_ORDERS and to the shopper through their order."
        )
        model = pickup_models.Pickup
        interfaces = [graphene.relay.Node]
        only_fields = ["id"]

    @classmethod
    def get_node(cls, info, id):
        pickup = pickup_selectors.pickup_for_id(pk=id)
        if pickup is None or not can_see_pickup(info.context, pickup):
            return None
        return pickup

    @staticmethod
    def resolve_store(root: pickup_models.Pickup, _info):
        return root.store

    @staticmethod
    def resolve_order(root: pickup_models.Pickup, _info):
        return root.order

    @staticmethod
    def resolve_qr_payload(root: pickup_models.Pickup, _info):
        return lifecycle.qr_payload(root.code)

    @staticmethod
    def resolve_expires_at(root: pickup_models.Pickup, info):
        if root.ready_at is None or root.status != pickup_models.PickupStatus.READY:
            return None
        return o2o_settings(info.context).hold_policy.expires_at(root.ready_at)

    @staticmethod
    def resolve_next_statuses(root: pickup_models.Pickup, info):
        if can_manage_orders(info.context):
            requestor = get_user_or_app_from_context(info.context)
            actor = Actor.of(requestor).kind
        else:
            actor = pickup_models.PickupActor.SHOPPER
        return list(lifecycle.next_statuses(root.status, actor=actor))

    @staticmethod
    def resolve_transitions(root: pickup_models.Pickup, info):
        if not _store_staff(info.context, root):
            return None
        return TransitionsByPickupIdLoader(info.context).load(root.pk)

    @staticmethod
    def resolve_code_locked_until(root: pickup_models.Pickup, info):
        if not _store_staff(info.context, root):
            return None
        now = request_now(info.context)
        locked = lifecycle.code_is_locked(locked_until=root.code_locked_until, now=now)
        return root.code_locked_until if locked else None


def _store_staff(context, pickup: pickup_models.Pickup) -> bool:
    """Return whether the requestor is order staff working in the pickup's store."""
    return can_manage_orders(context) and requestor_reach(context).sees(pickup.store_id)


class CheckoutPickupChoice(graphene.ObjectType):
    store = graphene.Field(Store, required=True, description="The store chosen.")
    is_curbside = graphene.Boolean(
        required=True, description="Whether the shopper asked for curbside pickup."
    )
    slot_start = graphene.DateTime(description="Start of the pickup slot chosen.")

    class Meta:
        description = "The store a checkout will be collected in."


def _resolve_checkout_pickup(root, _info):
    choice = getattr(root, "o2o_pickup", None)
    if choice is None:
        return None
    return CheckoutPickupChoice(
        store=choice.store, is_curbside=choice.is_curbside, slot_start=choice.slot_start
    )


def _resolve_order_pickup(root, info):
    # Shoppers reach an order through its token or their account; staff through
    # Saleor's order queries, which know no stores: they see the pickups of theirs.
    def visible(pickup):
        if pickup is None or not can_manage_orders(info.context):
            return pickup
        return pickup if requestor_reach(info.context).sees(pickup.store_id) else None

    return PickupByOrderIdLoader(info.context).load(root.pk).then(visible)


def _resolve_pickup_options(root, info, near, radius_km=None, first=10):
    point, radius = resolve_near(info, near, radius_km)
    check_first(first)
    lines = availability.checkout_lines(token=root.token)
    queryset = selectors.click_and_collect_stores_visible_to(can_manage=False)
    ranked = availability.stores_supplying(
        queryset=queryset, point=point, radius_km=radius, lines=lines
    )[:first]
    stores = selectors.stores_by_id(
        [result.store_id for result in ranked], with_address=True
    )
    variants = store_stock.variants_by_id([line.variant_id for line in lines])
    options = []
    for result in ranked:
        store = stores[result.store_id]
        store.distance_km = result.distance_km
        store._o2o_supply = StoreCartSupply.from_domain(result, variants)
        options.append(store)
    return options


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
        Checkout,
        "pickup_options",
        graphene.Field(
            graphene.List(graphene.NonNull(Store)),
            required=True,
            near=graphene.Argument(
                StoreNearInput, required=True, description="Where the shopper is."
            ),
            radius_km=graphene.Argument(
                graphene.Float,
                description="Search radius; the plugin's default if null.",
            ),
            first=graphene.Argument(
                graphene.Int, default_value=10, description="How many stores (1-100)."
            ),
            resolver=_resolve_pickup_options,
            description=(
                "Click-and-collect stores near the shopper for this checkout: those "
                "with every line first, nearest first; each answers `cartSupply`."
            ),
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
