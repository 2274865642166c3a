"""Shoppers' side of appointments: book, move and cancel (by token or as owner)."""

import graphene

from saleor_o2o.core import limits, throttle
from saleor_o2o.core.errors import O2OError
from saleor_o2o.graphql.core.context import require_storefront_enabled
from saleor_o2o.graphql.core.ids import pk_from_global_id
from saleor_o2o.graphql.core.mutations import O2OMutation
from saleor_o2o.graphql.visits.appointments.types import Appointment, AppointmentError
from saleor_o2o.visits.appointments import booking, rules, selectors

RATE_PERIOD_SECONDS = 3600


def _user(info):
    user = getattr(info.context, "user", None)
    return user if getattr(user, "is_authenticated", False) else None


class AppointmentBookInput(graphene.InputObjectType):
    type_id = graphene.ID(required=True, description="ID of the appointment type.")
    starts_at = graphene.DateTime(
        required=True,
        description="Start of the slot, as `Store.appointmentSlots` gives it.",
    )
    email = graphene.String(
        description=(
            "Where the confirmation goes: required for guests; a logged-in shopper "
            "books under their account's e-mail (this is then ignored)."
        )
    )
    name = graphene.String(
        description=f"The visitor's name (at most {rules.NAME_MAX_LENGTH} characters)."
    )
    note = graphene.String(
        description=(
            f"A note for the store (at most {rules.NOTE_MAX_LENGTH} characters)."
        )
    )

    class Meta:
        description = "A booking of one place in one appointment slot."


class _ShopperMutation(O2OMutation):
    class Meta:
        abstract = True

    @classmethod
    def check_permissions(cls, context, permissions=None):
        return True

    @classmethod
    def managed(cls, info, token, id):
        """Return the appointment the token (or the owner, with its ID) manages."""
        if not token and not id:
            raise O2OError(
                "Give the appointment's manage token, or its ID when logged in.",
                field="token",
                code="REQUIRED",
            )
        pk = pk_from_global_id(id, "Appointment", field="id") if id else None
        return selectors.appointment_managed(token=token, pk=pk, user=_user(info))


class AppointmentBook(_ShopperMutation):
    appointment = graphene.Field(Appointment, description="The booking.")
    token = graphene.String(
        description=(
            "The secret that moves or cancels the booking (appointmentReschedule, "
            "appointmentCancel, the appointment query). Shown only this once."
        )
    )

    class Arguments:
        input = AppointmentBookInput(required=True, description="What to book.")

    class Meta:
        description = (
            "Book a place in an appointment slot, as a logged-in shopper or a guest "
            "with an e-mail. Guests may book a few times an hour from one address."
        )
        error_type_class = AppointmentError
        error_type_field = "appointment_errors"

    @classmethod
    def perform_mutation(cls, _root, info, input):
        require_storefront_enabled(info.context)
        user = _user(info)
        type_pk = pk_from_global_id(input["type_id"], "AppointmentType", field="typeId")
        throttle.anonymous_throttle(
            info.context,
            "appointment-book",
            limit=limits.anonymous_bookings_per_hour(),
            window_seconds=RATE_PERIOD_SECONDS,
            message="Too many bookings from this address: try again later, or log in.",
        )
        appointment, token = booking.appointment_book(
            appointment_type_id=type_pk,
            starts_at=input["starts_at"],
            user=user,
            email=input.get("email"),
            name=input.get("name"),
            note=input.get("note"),
        )
        return cls(appointment=appointment, token=token)


class AppointmentReschedule(_ShopperMutation):
    appointment = graphene.Field(Appointment, description="The booking, moved.")

    class Arguments:
        token = graphene.String(description="The booking's manage token.")
        id = graphene.ID(description="ID of the booking, for the shopper who booked.")
        starts_at = graphene.DateTime(
            required=True, description="Start of the new slot (of the same type)."
        )

    class Meta:
        description = (
            "Move a booking to another slot of its type, by its manage token or as "
            "the logged-in shopper who booked it."
        )
        error_type_class = AppointmentError
        error_type_field = "appointment_errors"

    @classmethod
    def perform_mutation(cls, _root, info, starts_at, token=None, id=None):
        require_storefront_enabled(info.context)
        found = cls.managed(info, token, id)
        moved = booking.appointment_reschedule(appointment=found, starts_at=starts_at)
        return cls(appointment=moved)


class AppointmentCancel(_ShopperMutation):
    appointment = graphene.Field(Appointment, description="The booking, cancelled.")

    class Arguments:
        token = graphene.String(description="The booking's manage token.")
        id = graphene.ID(description="ID of the booking, for the shopper who booked.")

    class Meta:
        description = (
            "Cancel a booking, by its manage token or as the logged-in shopper who "
            "booked it."
        )
        error_type_class = AppointmentError
        error_type_field = "appointment_errors"

    @classmethod
    def perform_mutation(cls, _root, info, token=None, id=None):
        require_storefront_enabled(info.context)
        found = cls.managed(info, token, id)
        return cls(appointment=booking.appointment_cancel(appointment=found))


class AppointmentBookingMutations(graphene.ObjectType):
    appointment_book = AppointmentBook.Field()
    appointment_reschedule = AppointmentReschedule.Field()
    appointment_cancel = AppointmentCancel.Field()
