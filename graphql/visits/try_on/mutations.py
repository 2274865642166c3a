"""Reserve to try: shoppers reserve and cancel; the desk releases or sells."""

import graphene
from saleor.core.permissions import OrderPermissions
from saleor.graphql.order.types import Order
from saleor.graphql.utils import get_user_or_app_from_context

from saleor_o2o.core import limits, throttle
from saleor_o2o.core.actors import Actor
from saleor_o2o.core.errors import InvalidInput, NotFound, O2OError
from saleor_o2o.graphql.core.context import require_storefront_enabled
from saleor_o2o.graphql.core.ids import pk_from_global_id
from saleor_o2o.graphql.core.mutations import O2OMutation
from saleor_o2o.graphql.visits.try_on.errors import TryOnError
from saleor_o2o.graphql.visits.try_on.types import TryOnReservation, is_owner
from saleor_o2o.store.supply import Line
from saleor_o2o.visits.try_on import rules, sale, selectors, services

_LIMITS = (
    f"At most {rules.MAX_LINES} different items and {rules.MAX_UNITS} units; a "
    f"shopper holds at most {rules.MAX_OPEN_PER_SHOPPER} reservations at once."
)


class TryOnLineInput(graphene.InputObjectType):
    variant_id = graphene.ID(required=True, description="ID of the product variant.")
    quantity = graphene.Int(required=True, description="Units, at least 1.")

    class Meta:
        description = "An item and how many units of it."


class TryOnReserveInput(graphene.InputObjectType):
    store_id = graphene.ID(required=True, description="ID of the store.")
    lines = graphene.List(
        graphene.NonNull(TryOnLineInput),
        required=True,
        description=f"The items to hold. {_LIMITS}",
    )
    appointment_id = graphene.ID(
        description=(
            "ID of your appointment at the same store: the items are held until it "
            f"ends (it must end within {rules.MAX_APPOINTMENT_AHEAD.days} days). "
            "Without it they are held for "
            f"{int(rules.HOLD_PERIOD.total_seconds() // 3600)} hours."
        )
    )
    email = graphene.String(
        description="Your e-mail address (required unless you are signed in)."
    )

    class Meta:
        description = "What to reserve to try, where."


def _lines(given, prefix: str = "lines"):
    lines = []
    for index, line in enumerate(given or []):
        pk = pk_from_global_id(
            line.variant_id,
            "ProductVariant",
            field=f"{prefix}.{index}.variantId",
            wrong_type_code="GRAPHQL_ERROR",
        )
        lines.append(Line(pk, line.quantity))
    return lines


def _actor(info) -> Actor:
    return Actor.of(get_user_or_app_from_context(info.context))


class TryOnReserve(O2OMutation):
    try_on_reservation = graphene.Field(
        TryOnReservation, description="The reservation made."
    )
    token = graphene.String(
        description=(
            "The manage token: shown once, keep it to see or cancel the reservation "
            "(tryOnReservation(token:), tryOnCancel(token:))."
        )
    )

    class Arguments:
        input = TryOnReserveInput(required=True, description="What to reserve.")

    class Meta:
        description = (
            "Reserve items at a store to see or try them, without paying. Only "
            "units the store can promise for pickup are held, and while held they "
            "are promised to nobody else. For signed-in shoppers and guests with an "
            "e-mail. " + _LIMITS
        )
        error_type_class = TryOnError
        error_type_field = "try_on_errors"

    @classmethod
    def perform_mutation(cls, _root, info, input):
        require_storefront_enabled(info.context)
        throttle.anonymous_throttle(
            info.context,
            "try-on-reserve",
            limit=limits.guest_try_ons_per_hour(),
            window_seconds=3600,
            message=(
                "Too many reservations from this address: try again later, or sign "
                "in."
            ),
        )
        store_id = pk_from_global_id(
            input.store_id, "Store", field="storeId", wrong_type_code="GRAPHQL_ERROR"
        )
        appointment_id = None
        if input.appointment_id:
            appointment_id = pk_from_global_id(
                input.appointment_id,
                "Appointment",
                field="appointmentId",
                wrong_type_code="GRAPHQL_ERROR",
            )
        reserved = services.try_on_reserve(
            store_id=store_id,
            lines=_lines(input.lines),
            user=info.context.user,
            email=input.email,
            appointment_id=appointment_id,
        )
        return cls(try_on_reservation=reserved.reservation, token=reserved.token)


class TryOnCancel(O2OMutation):
    try_on_reservation = graphene.Field(
        TryOnReservation, description="The reservation cancelled."
    )

    class Arguments:
        id = graphene.ID(description="ID of your reservation (when signed in).")
        token = graphene.String(description="The manage token given when reserving.")

    class Meta:
        description = (
            "Cancel your reservation: the items go back on sale. By its manage "
            "token, or by ID as the signed-in shopper who made it."
        )
        error_type_class = TryOnError
        error_type_field = "try_on_errors"

    @classmethod
    def perform_mutation(cls, _root, info, id=None, token=None):
        require_storefront_enabled(info.context)
        if token:
            reservation = services.try_on_for_token(token)
            if id and pk_from_global_id(id, "TryOnReservation", field="id") != (
                reservation.pk
            ):
                raise O2OError(
                    "That token is not this reservation's.",
                    field="token",
                    code="INVALID_TOKEN",
                )
        elif id:
            pk = pk_from_global_id(
                id, "TryOnReservation", field="id", wrong_type_code="GRAPHQL_ERROR"
            )
            reservation = selectors.try_on_for_id(pk=pk)
            if reservation is None or not is_owner(info.context, reservation):
                raise NotFound("No such reservation.", field="id")
        else:
            raise InvalidInput(
                "Give the reservation's token, or its ID when signed in.",
                field="token",
                code="REQUIRED",
            )
        user = info.context.user if is_owner(info.context, reservation) else None
        reservation = services.try_on_cancel(reservation, Actor.shopper(user))
        return cls(try_on_reservation=reservation)


class _DeskMutation(O2OMutation):
    try_on_reservation = graphene.Field(
        TryOnReservation, description="The reservation."
    )

    class Meta:
        abstract = True

    @classmethod
    def reservation(cls, info, node_id):
        """Return the reservation, or NOT_FOUND outside the requestor's stores."""
        reservation = cls.get_node_or_error(
            info, node_id, field="id", only_type=TryOnReservation
        )
        cls.check_store(info, reservation.store_id, field="id", what="reservation")
        return reservation


class TryOnRelease(_DeskMutation):
    class Arguments:
        id = graphene.ID(required=True, description="ID of the reservation.")
        note = graphene.String(description="Why (told to the shopper by e-mail).")

    class Meta:
        description = (
            "Release the items held for a shopper: they go back on sale at once and "
            "the shopper is told by e-mail. Requires MANAGE_ORDERS in the store."
        )
        permissions = (OrderPermissions.MANAGE_ORDERS,)
        error_type_class = TryOnError
        error_type_field = "try_on_errors"

    @classmethod
    def perform_mutation(cls, _root, info, id, note=None):
        reservation = cls.reservation(info, id)
        reservation = services.try_on_release(reservation, _actor(info), note=note)
        return cls(try_on_reservation=reservation)


class TryOnConvert(_DeskMutation):
    order = graphene.Field(Order, description="The order of the sale.")

    class Arguments:
        id = graphene.ID(required=True, description="ID of the reservation.")
        lines = graphene.List(
            graphene.NonNull(TryOnLineInput),
            description=(
                "The items bought, if not all of them; the rest go back on sale."
            ),
        )
        note = graphene.String(description="Note kept with the reservation.")

    class Meta:
        description = (
            "Sell the held items to the shopper, paid at the store's till: creates "
            "their order, marks it paid (a manual payment by you) and fulfils it "
            "from the store's stock at once, in the same transaction that releases "
            "the hold. Requires MANAGE_ORDERS in the store."
        )
        permissions = (OrderPermissions.MANAGE_ORDERS,)
        error_type_class = TryOnError
        error_type_field = "try_on_errors"

    @classmethod
    def perform_mutation(cls, _root, info, id, lines=None, note=None):
        reservation = cls.reservation(info, id)
        wanted = None if lines is None else _lines(lines)
        reservation = sale.try_on_convert(
            reservation, _actor(info), lines=wanted, note=note
        )
        return cls(try_on_reservation=reservation, order=reservation.order)


class TryOnMutations(graphene.ObjectType):
    try_on_reserve = TryOnReserve.Field()
    try_on_cancel = TryOnCancel.Field()
    try_on_release = TryOnRelease.Field()
    try_on_convert = TryOnConvert.Field()
