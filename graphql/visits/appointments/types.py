"""Appointment types, slots and appointments on Saleor-style GraphQL."""

import graphene
from saleor.graphql.core.connection import CountableDjangoObjectType
from saleor.graphql.core.types.common import Error
from saleor.graphql.utils import get_user_or_app_from_context

from saleor_o2o.core.actors import Actor
from saleor_o2o.graphql.core.context import (
    can_manage_orders,
    request_now,
    requestor_reach,
)
from saleor_o2o.graphql.core.enums import choices_enum
from saleor_o2o.graphql.occupancy.types import (
    OccupancyLevelEnum,
    resolve_slot_typical_level,
)
from saleor_o2o.graphql.store.types import Store
from saleor_o2o.visits.appointments import desk, models, rules, selectors
from saleor_o2o.visits.appointments.error_codes import (
    APPOINTMENT_ERROR_DESCRIPTIONS,
    AppointmentErrorCode,
)

AppointmentErrorCodeEnum = graphene.Enum.from_enum(
    AppointmentErrorCode,
    description=lambda value: (
        APPOINTMENT_ERROR_DESCRIPTIONS.get(value.value)
        if value
        else "Why an appointment operation failed."
    ),
)


class AppointmentError(Error):
    code = AppointmentErrorCodeEnum(description="The error code.", required=True)

    class Meta:
        description = "An error of an appointment operation."


AppointmentStatusEnum = choices_enum(
    rules.AppointmentStatus, description="Where an appointment stands."
)


def desk_sees(context, appointment: models.Appointment) -> bool:
    """Return whether the requestor is order staff (or an app) working in the
    appointment's store."""
    return can_manage_orders(context) and requestor_reach(context).sees(
        appointment.store_id
    )


def store_staff_sees(context, store_id: int) -> bool:
    """Return whether the requestor works in the store (any role)."""
    return requestor_reach(context).sees(store_id)


class AppointmentType(CountableDjangoObjectType):
    store = graphene.Field(Store, required=True, description="The store offering it.")
    name = graphene.String(required=True, description="What the visit is for.")
    description = graphene.String(
        required=True, description="What happens, for shoppers choosing a type."
    )
    duration_minutes = graphene.Int(
        required=True, description="How long one visit lasts, in minutes."
    )
    capacity = graphene.Int(
        required=True, description="Visitors one slot takes (before crowding caps)."
    )
    buffer_minutes = graphene.Int(
        required=True,
        description="Minutes kept free after each visit before the next slot starts.",
    )
    book_ahead_days = graphene.Int(
        required=True,
        description="Slots may be booked up to this many days after the store's today.",
    )
    min_notice_minutes = graphene.Int(
        required=True,
        description="A slot may be booked until this many minutes before it starts.",
    )
    change_until_minutes = graphene.Int(
        required=True,
        description=(
            "A booking may be moved or cancelled until this many minutes before it "
            "starts."
        ),
    )
    is_active = graphene.Boolean(
        required=True, description="Whether shoppers see and book it."
    )

    class Meta:
        description = (
            "A kind of visit a store takes bookings for (a fitting, a consultation)."
        )
        model = models.AppointmentType
        interfaces = [graphene.relay.Node]
        only_fields = ["id"]

    @classmethod
    def get_node(cls, info, id):
        found = selectors.appointment_type_for_id(id, active_only=False)
        if found is None:
            return None
        if found.is_active and found.store.is_active:
            return found
        return found if store_staff_sees(info.context, found.store_id) else None

    @staticmethod
    def resolve_store(root: models.AppointmentType, _info):
        return root.store


class AppointmentSlot(graphene.ObjectType):
    start = graphene.DateTime(required=True, description="When the visit starts.")
    end = graphene.DateTime(required=True, description="When the visit ends.")
    capacity = graphene.Int(
        required=True, description="Visitors the slot takes (crowding may lower it)."
    )
    remaining = graphene.Int(required=True, description="Places still free.")
    typical_level = graphene.Field(
        OccupancyLevelEnum,
        description=(
            "How busy the store typically is when the slot starts (its busy hours); "
            "null without history or capacity."
        ),
        resolver=resolve_slot_typical_level,
    )

    class Meta:
        description = "A time an appointment of one type can be booked."

    @staticmethod
    def from_domain(slot, *, store) -> "AppointmentSlot":
        answer = AppointmentSlot(
            start=slot.start,
            end=slot.end,
            capacity=slot.capacity,
            remaining=slot.remaining,
        )
        answer.o2o_store = store
        return answer


def can_see_appointment(context, appointment: models.Appointment) -> bool:
    """Return whether the requestor is the logged-in shopper who booked it."""
    user = getattr(context, "user", None)
    return bool(
        user is not None
        and user.is_authenticated
        and appointment.user_id is not None
        and appointment.user_id == user.pk
    )


class Appointment(CountableDjangoObjectType):
    store = graphene.Field(Store, required=True, description="Where the visit is.")
    appointment_type = graphene.Field(
        AppointmentType, required=True, description="What the visit is for."
    )
    starts_at = graphene.DateTime(required=True, description="When the visit starts.")
    ends_at = graphene.DateTime(required=True, description="When the visit ends.")
    status = AppointmentStatusEnum(
        required=True, description="Where the appointment stands."
    )
    email = graphene.String(
        required=True, description="Where its confirmation and reminders go."
    )
    name = graphene.String(required=True, description="The visitor's name, if given.")
    note = graphene.String(required=True, description="The shopper's note, if any.")
    code = graphene.String(
        description=(
            "The code to show at the store's desk (to the shopper only: null for "
            "store staff and apps)."
        )
    )
    change_until = graphene.DateTime(
        required=True,
        description="Until when it may be moved or cancelled (if still booked).",
    )
    can_change = graphene.Boolean(
        required=True, description="Whether it may be moved or cancelled now."
    )
    created_at = graphene.DateTime(required=True, description="When it was booked.")
    cancelled_at = graphene.DateTime(description="When it was cancelled, if it was.")
    checked_in_at = graphene.DateTime(
        description="When the visitor checked in at the store, if they did."
    )
    no_show_from = graphene.DateTime(
        required=True,
        description=(
            "From when a booked appointment may be marked as a no-show (its start "
            "plus the grace period); the beat task marks it then."
        ),
    )
    next_statuses = graphene.List(
        graphene.NonNull(AppointmentStatusEnum),
        required=True,
        description=(
            "Statuses you may move the appointment to, in the lifecycle's order "
            "(CHECKED_IN through appointmentCheckIn, NO_SHOW through "
            "appointmentMarkNoShow once the grace period has passed). Store staff "
            "only; empty for others."
        ),
    )

    class Meta:
        description = (
            "A visit a shopper booked: one place in one slot of an appointment type. "
            "Visible to the shopper who booked it (logged in) or with its manage "
            "token, and to staff with MANAGE_ORDERS working in its store (the desk)."
        )
        model = models.Appointment
        interfaces = [graphene.relay.Node]
        only_fields = ["id"]

    @classmethod
    def get_node(cls, info, id):
        user = getattr(info.context, "user", None)
        owned = selectors.appointment_for_owner(id, user)
        if owned is not None:
            return owned
        appointment = desk.appointment_for_id(pk=id)
        if appointment is None or not desk_sees(info.context, appointment):
            return None
        return appointment

    @staticmethod
    def resolve_code(root: models.Appointment, info):
        if desk_sees(info.context, root) and not can_see_appointment(
            info.context, root
        ):
            return None
        return root.code

    @staticmethod
    def resolve_store(root: models.Appointment, _info):
        return root.store

    @staticmethod
    def resolve_appointment_type(root: models.Appointment, _info):
        return root.appointment_type

    @staticmethod
    def resolve_change_until(root: models.Appointment, _info):
        return rules.change_deadline(
            starts_at=root.starts_at,
            change_until_minutes=root.appointment_type.change_until_minutes,
        )

    @staticmethod
    def resolve_can_change(root: models.Appointment, info):
        return (
            rules.change_refusal(
                status=root.status,
                starts_at=root.starts_at,
                now=request_now(info.context),
                change_until_minutes=root.appointment_type.change_until_minutes,
            )
            is None
        )

    @staticmethod
    def resolve_no_show_from(root: models.Appointment, _info):
        return desk.desk_policy().no_show_from(root.starts_at)

    @staticmethod
    def resolve_next_statuses(root: models.Appointment, info):
        if not desk_sees(info.context, root):
            return []
        actor = Actor.of(get_user_or_app_from_context(info.context))
        return list(rules.next_statuses(root.status, actor=actor.kind))
