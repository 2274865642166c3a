"""The local delivery of an order, as store staff and its shopper see it."""

import graphene
from saleor.graphql.account.types import User
from saleor.graphql.app.types import App
from saleor.graphql.core.connection import CountableDjangoObjectType
from saleor.graphql.core.dataloaders import DataLoader
from saleor.graphql.order.types import Order
from saleor.graphql.utils import get_user_or_app_from_context

from saleor_o2o.core.actors import Actor, ActorKind
from saleor_o2o.core.handover import code_is_locked
from saleor_o2o.graphql.core.context import (
    can_manage_orders,
    request_now,
    requestor_reach,
)
from saleor_o2o.graphql.core.enums import choices_enum
from saleor_o2o.graphql.core.extend import add_field
from saleor_o2o.graphql.store.types import Store
from saleor_o2o.local_delivery import desk, models, rules
from saleor_o2o.local_delivery.rules import LocalDeliveryAuditKind, LocalDeliveryStatus

LocalDeliveryStatusEnum = choices_enum(
    LocalDeliveryStatus, description="Where a local delivery stands."
)
LocalDeliveryActorTypeEnum = choices_enum(
    ActorKind,
    type_name="LocalDeliveryActorTypeEnum",
    description="Who made a local delivery transition.",
)
LocalDeliveryAuditKindEnum = choices_enum(
    LocalDeliveryAuditKind,
    description="What an entry of a local delivery's audit trail records.",
)


class TransitionsByDeliveryIdLoader(DataLoader):
    """Audit trails of many deliveries in one query."""

    context_key = "o2o_transitions_by_local_delivery_id"

    def batch_load(self, keys):
        trails = desk.transitions_by_delivery(keys)
        return [trails[key] for key in keys]


class LocalDeliveryByOrderIdLoader(DataLoader):
    """The deliveries of many orders (shown with `me { orders }`) in one query."""

    context_key = "o2o_local_delivery_by_order_id"

    def batch_load(self, keys):
        by_order = desk.local_deliveries_by_order(keys)
        return [by_order.get(key) for key in keys]


class LocalDeliveryTransition(graphene.ObjectType):
    kind = LocalDeliveryAuditKindEnum(
        required=True,
        description=(
            "A change of status, or another event of the handover (the status is "
            "then the same before and after)."
        ),
    )
    from_status = LocalDeliveryStatusEnum(required=True, description="Status before.")
    to_status = LocalDeliveryStatusEnum(required=True, description="Status after.")
    created_at = graphene.DateTime(required=True, description="When it happened.")
    actor_type = LocalDeliveryActorTypeEnum(required=True, description="Who made it.")
    user = graphene.Field(User, description="The staff user or shopper, if any.")
    app = graphene.Field(App, description="The app, if an app made it.")
    note = graphene.String(required=True, description="Note given with it.")

    class Meta:
        description = "One entry of a local delivery's audit trail."

    @staticmethod
    def resolve_user(root: models.LocalDeliveryTransition, _info):
        return root.user

    @staticmethod
    def resolve_app(root: models.LocalDeliveryTransition, _info):
        return root.app


def _store_staff(context, delivery: models.LocalDelivery) -> bool:
    """Return whether the requestor is order staff working in the delivery's store."""
    return can_manage_orders(context) and requestor_reach(context).sees(
        delivery.store_id
    )


def _own_order(context, delivery: models.LocalDelivery) -> bool:
    user = getattr(context, "user", None)
    return bool(
        user is not None
        and user.is_authenticated
        and delivery.order.user_id is not None
        and delivery.order.user_id == user.pk
    )


def can_see_local_delivery(context, delivery: models.LocalDelivery) -> bool:
    """Return whether the requestor is order staff of the delivery's store, or the
    shopper who ordered."""
    if can_manage_orders(context):
        return _store_staff(context, delivery)
    return _own_order(context, delivery)


def can_see_code(context, delivery: models.LocalDelivery) -> bool:
    """Return whether the requestor is the delivery's shopper.

    The code proves the delivery, so staff and apps never read it: a shopper reaches
    their delivery through their account, or through the order's token (which only
    they hold); order staff who are not the order's customer never see it, whatever
    way they reach the order.
    """
    if _own_order(context, delivery):
        return True
    if getattr(context, "app", None) is not None:
        return False
    user = getattr(context, "user", None)
    return not (user is not None and user.is_authenticated and user.is_staff)


class LocalDelivery(CountableDjangoObjectType):
    store = graphene.Field(Store, required=True, description="The delivering store.")
    order = graphene.Field(Order, required=True, description="The order delivered.")
    status = LocalDeliveryStatusEnum(
        required=True, description="Where the delivery stands."
    )
    window_start = graphene.DateTime(
        required=True, description="Start of the delivery window chosen."
    )
    window_end = graphene.DateTime(
        required=True, description="End of the delivery window chosen."
    )
    distance_km = graphene.Float(
        description="Straight-line distance from the store to the address, in km."
    )
    courier_name = graphene.String(
        required=True, description="Who took it out last, if named; else empty."
    )
    tracking_reference = graphene.String(
        required=True,
        description="The courier's tracking reference of the last departure, if any.",
    )
    attempts = graphene.Int(
        required=True, description="Times it went out for delivery."
    )
    code = graphene.String(
        description=(
            "The code the shopper gives the courier as proof of delivery. Only for "
            "the shopper who ordered (null for staff and apps)."
        )
    )
    qr_payload = graphene.String(
        description=(
            "Text to encode in a QR code for the handover; localDeliveryDeliver "
            "accepts it as the code. Only for the shopper, as `code`."
        )
    )
    created_at = graphene.DateTime(required=True, description="When it was created.")
    updated_at = graphene.DateTime(
        required=True, description="When its status last changed."
    )
    delivered_at = graphene.DateTime(description="When it was delivered.")
    code_locked_until = graphene.DateTime(
        description=(
            "Until when the handover refuses every code after too many wrong ones; "
            "a manager of the store may release it (localDeliveryCodeUnlock). "
            "Staff only."
        )
    )
    next_statuses = graphene.List(
        graphene.NonNull(LocalDeliveryStatusEnum),
        required=True,
        description=(
            "Statuses you may move the delivery to now, in the lifecycle's order "
            "(DELIVERED through localDeliveryDeliver)."
        ),
    )
    transitions = graphene.List(
        graphene.NonNull(LocalDeliveryTransition),
        description=(
            "The audit trail, oldest first. Requires the MANAGE_ORDERS permission; "
            "null for shoppers."
        ),
    )

    class Meta:
        description = (
            "An order delivered to the shopper's door from a local store. Visible to "
            "staff with MANAGE_ORDERS working in the store, and to the shopper "
            "through their order."
        )
        model = models.LocalDelivery
        interfaces = [graphene.relay.Node]
        only_fields = ["id"]

    @classmethod
    def get_node(cls, info, id):
        delivery = desk.local_delivery_for_id(pk=id)
        if delivery is None or not can_see_local_delivery(info.context, delivery):
            return None
        return delivery

    @staticmethod
    def resolve_store(root: models.LocalDelivery, _info):
        return root.store

    @staticmethod
    def resolve_order(root: models.LocalDelivery, _info):
        return root.order

    @staticmethod
    def resolve_code(root: models.LocalDelivery, info):
        return root.code if can_see_code(info.context, root) else None

    @staticmethod
    def resolve_qr_payload(root: models.LocalDelivery, info):
        if not can_see_code(info.context, root):
            return None
        return rules.qr_payload(root.code)

    @staticmethod
    def resolve_next_statuses(root: models.LocalDelivery, info):
        if not _store_staff(info.context, root):
            return []
        actor = Actor.of(get_user_or_app_from_context(info.context))
        return list(rules.next_statuses(root.status, actor=actor.kind))

    @staticmethod
    def resolve_transitions(root: models.LocalDelivery, info):
        if not _store_staff(info.context, root):
            return None
        return TransitionsByDeliveryIdLoader(info.context).load(root.pk)

    @staticmethod
    def resolve_code_locked_until(root: models.LocalDelivery, info):
        if not _store_staff(info.context, root):
            return None
        now = request_now(info.context)
        locked = code_is_locked(locked_until=root.code_locked_until, now=now)
        return root.code_locked_until if locked else None


def _resolve_order_local_delivery(root, info):
    # Shoppers reach an order through its token or their account; staff through
    # Saleor's order queries, which know no stores: they see the deliveries of theirs.
    def visible(delivery):
        if delivery is None or not can_manage_orders(info.context):
            return delivery
        return delivery if _store_staff(info.context, delivery) else None

    return LocalDeliveryByOrderIdLoader(info.context).load(root.pk).then(visible)


def extend_order_type() -> None:
    """Add `Order.localDelivery` to Saleor's type."""
    add_field(
        Order,
        "local_delivery",
        graphene.Field(
            LocalDelivery,
            resolver=_resolve_order_local_delivery,
            description="The order's local delivery, if a store delivers it.",
        ),
    )
