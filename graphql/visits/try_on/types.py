"""Try-on reservations as shoppers and store staff see them."""

import graphene
from saleor.graphql.core.connection import CountableDjangoObjectType
from saleor.graphql.core.dataloaders import DataLoader
from saleor.graphql.order.types import Order
from saleor.graphql.product.types import ProductVariant
from saleor.graphql.utils import get_user_or_app_from_context

from saleor_o2o.core.actors import Actor
from saleor_o2o.core.ids import global_id
from saleor_o2o.graphql.core.context import can_manage_orders, requestor_reach
from saleor_o2o.graphql.core.enums import choices_enum
from saleor_o2o.graphql.store.types import Store
from saleor_o2o.visits.try_on import models, rules, selectors
from saleor_o2o.visits.try_on.rules import TryOnStatus

TryOnStatusEnum = choices_enum(
    TryOnStatus, description="Where a try-on reservation stands."
)


class LinesByReservationIdLoader(DataLoader):
    """The lines of many reservations in one query."""

    context_key = "o2o_try_on_lines_by_reservation_id"

    def batch_load(self, keys):
        found = selectors.lines_by_reservation(keys)
        return [found[key] for key in keys]


class TryOnLine(graphene.ObjectType):
    variant = graphene.Field(
        ProductVariant, description="The item (null if it was deleted since)."
    )
    sku = graphene.String(required=True, description="The item's SKU when reserved.")
    product_name = graphene.String(
        required=True, description="The product's name (empty if deleted since)."
    )
    variant_name = graphene.String(
        required=True, description="The variant's name, if it has one."
    )
    quantity = graphene.Int(required=True, description="Units reserved.")
    is_held = graphene.Boolean(
        required=True,
        description="Whether the store still keeps these units from other shoppers.",
    )

    class Meta:
        description = "One item of a try-on reservation."

    @staticmethod
    def resolve_variant(root: models.TryOnLine, _info):
        return root.variant

    @staticmethod
    def resolve_sku(root: models.TryOnLine, _info):
        return root.product_sku

    @staticmethod
    def resolve_product_name(root: models.TryOnLine, _info):
        return root.variant.product.name if root.variant else ""

    @staticmethod
    def resolve_variant_name(root: models.TryOnLine, _info):
        return root.variant.name if root.variant else ""

    @staticmethod
    def resolve_is_held(root: models.TryOnLine, _info):
        return root.hold_id is not None


def store_staff(context, reservation: models.TryOnReservation) -> bool:
    """Return whether the requestor is order staff (or an app) of its store."""
    return can_manage_orders(context) and requestor_reach(context).sees(
        reservation.store_id
    )


def is_owner(context, reservation: models.TryOnReservation) -> bool:
    user = getattr(context, "user", None)
    return bool(
        user is not None
        and user.is_authenticated
        and reservation.user_id is not None
        and reservation.user_id == user.pk
    )


def can_see_try_on(context, reservation: models.TryOnReservation) -> bool:
    """Return whether the requestor is order staff of the reservation's store, or
    the signed-in shopper who made it (guests reach theirs by its token)."""
    if can_manage_orders(context):
        return store_staff(context, reservation)
    return is_owner(context, reservation)


class TryOnReservation(CountableDjangoObjectType):
    store = graphene.Field(Store, required=True, description="Where the items are.")
    status = TryOnStatusEnum(required=True, description="Where it stands.")
    email = graphene.String(required=True, description="The shopper's e-mail.")
    held_until = graphene.DateTime(
        required=True,
        description=(
            "When the items go back on sale: the end of the appointment, or "
            f"{int(rules.HOLD_PERIOD.total_seconds() // 3600)} hours after reserving."
        ),
    )
    appointment_id = graphene.ID(
        description="ID of the appointment the items are held for, if any."
    )
    lines = graphene.List(
        graphene.NonNull(TryOnLine), required=True, description="The items."
    )
    order = graphene.Field(
        Order, description="The sale made at the desk (CONVERTED), if any."
    )
    created_at = graphene.DateTime(required=True, description="When it was made.")
    closed_at = graphene.DateTime(description="When it stopped holding the items.")
    note = graphene.String(
        required=True, description="Why it was released or sold, if staff said so."
    )
    next_statuses = graphene.List(
        graphene.NonNull(TryOnStatusEnum),
        required=True,
        description=(
            "Statuses you may move it to now: CONVERTED (tryOnConvert) and "
            "RELEASED (tryOnRelease) for the store's staff, CANCELLED "
            "(tryOnCancel) for its shopper."
        ),
    )

    class Meta:
        description = (
            "Items a store keeps for a shopper to see or try, without paying. "
            "Visible to staff with MANAGE_ORDERS working in the store, to the "
            "signed-in shopper who made it, and to whoever holds its manage token."
        )
        model = models.TryOnReservation
        interfaces = [graphene.relay.Node]
        only_fields = ["id"]

    @classmethod
    def get_node(cls, info, id):
        reservation = selectors.try_on_for_id(pk=id)
        if reservation is None or not can_see_try_on(info.context, reservation):
            return None
        return reservation

    @staticmethod
    def resolve_store(root: models.TryOnReservation, _info):
        return root.store

    @staticmethod
    def resolve_appointment_id(root: models.TryOnReservation, _info):
        if root.appointment_id is None:
            return None
        return global_id("Appointment", root.appointment_id)

    @staticmethod
    def resolve_lines(root: models.TryOnReservation, info):
        return LinesByReservationIdLoader(info.context).load(root.pk)

    @staticmethod
    def resolve_order(root: models.TryOnReservation, _info):
        return root.order

    @staticmethod
    def resolve_next_statuses(root: models.TryOnReservation, info):
        if store_staff(info.context, root):
            actor = Actor.of(get_user_or_app_from_context(info.context))
            return list(rules.next_statuses(root.status, actor=actor.kind))
        return list(rules.next_statuses(root.status, actor=rules.SHOPPER))
