"""The appointment desk: today's appointments, check-in and no-shows, for store
staff and apps with MANAGE_ORDERS (scoped to their stores, as pickups are)."""

import graphene
from saleor.core.permissions import OrderPermissions
from saleor.graphql.core.fields import BaseConnectionField
from saleor.graphql.decorators import permission_required
from saleor.graphql.utils import get_user_or_app_from_context

from saleor_o2o.core.actors import Actor
from saleor_o2o.core.errors import InvalidInput
from saleor_o2o.graphql.core.connection import queryset_page
from saleor_o2o.graphql.core.context import request_now, requestor_reach
from saleor_o2o.graphql.core.ids import pk_from_global_id
from saleor_o2o.graphql.core.mutations import O2OMutation
from saleor_o2o.graphql.visits.appointments.types import (
    Appointment,
    AppointmentError,
    AppointmentStatusEnum,
)
from saleor_o2o.visits.appointments import desk, desk_services


class AppointmentDeskQueries(graphene.ObjectType):
    appointments = BaseConnectionField(
        Appointment._meta.connection,
        store_id=graphene.Argument(
            graphene.ID, description="Only this store's appointments."
        ),
        date=graphene.Argument(
            graphene.Date,
            description="The day, in each store's time zone; today when omitted.",
        ),
        statuses=graphene.Argument(
            graphene.List(graphene.NonNull(AppointmentStatusEnum)),
            description="Only appointments in these statuses.",
        ),
        description=(
            "The desk's appointments of one day (today at each store unless `date` "
            "is given), earliest first. Requires MANAGE_ORDERS; only the stores you "
            "work in."
        ),
    )

    @permission_required(OrderPermissions.MANAGE_ORDERS)
    def resolve_appointments(
        self, info, store_id=None, date=None, statuses=None, **args
    ):
        if store_id is not None:
            store_id = pk_from_global_id(store_id, "Store", field="storeId")
        qs = desk.appointments_for_desk(
            reach=requestor_reach(info.context),
            now=request_now(info.context),
            store_id=store_id,
            day=date,
            statuses=statuses,
        )
        return queryset_page(
            qs,
            args,
            sort_fields=["starts_at", "pk"],
            direction="",
            connection_type=Appointment._meta.connection,
            name="appointments",
        )


def _actor(info) -> Actor:
    return Actor.of(get_user_or_app_from_context(info.context))


class _DeskMutation(O2OMutation):
    appointment = graphene.Field(Appointment, description="The appointment.")

    class Meta:
        abstract = True

    @classmethod
    def appointment_for(cls, info, node_id):
        """Return the appointment, or NOT_FOUND outside the requestor's stores."""
        pk = pk_from_global_id(
            node_id, "Appointment", field="id", wrong_type_code="GRAPHQL_ERROR"
        )
        return desk.appointment_in_reach(reach=requestor_reach(info.context), pk=pk)


class AppointmentCheckIn(_DeskMutation):
    class Arguments:
        id = graphene.ID(
            description="ID of the appointment (from the desk's list); or give `code`."
        )
        code = graphene.String(
            description=(
                "The shopper's check-in code, typed or scanned from its QR code (case, "
                "spaces and dashes do not matter); or give `id`."
            )
        )
        store_id = graphene.ID(
            description=(
                "The store at whose desk the shopper stands: the code is looked up "
                "there (needed only if you work in several stores and the code is "
                "today's at more than one)."
            )
        )

    class Meta:
        description = (
            "Check the shopper of an appointment in, on its day at the store: by "
            "the code they show, or by ID. Counts an arrival for the store's "
            "occupancy and tells apps (appointment_checked_in). A shopper marked as "
            "a no-show who arrives later that day may still be checked in. Requires "
            "MANAGE_ORDERS in the appointment's store."
        )
        permissions = (OrderPermissions.MANAGE_ORDERS,)
        error_type_class = AppointmentError
        error_type_field = "appointment_errors"

    @classmethod
    def perform_mutation(cls, _root, info, id=None, code=None, store_id=None):
        reach = requestor_reach(info.context)
        if store_id is not None:
            store_id = pk_from_global_id(
                store_id, "Store", field="storeId", wrong_type_code="GRAPHQL_ERROR"
            )
        if id is not None:
            appointment = cls.appointment_for(info, id)
            if store_id is not None and appointment.store_id != store_id:
                raise InvalidInput(
                    "This appointment is at another store.",
                    field="storeId",
                )
        elif code is not None:
            appointment = desk.appointment_for_code(
                reach=reach, code=code, now=request_now(info.context), store_id=store_id
            )
        else:
            raise InvalidInput(
                "Give the appointment's ID or the shopper's code.",
                field="code",
                code="REQUIRED",
            )
        appointment = desk_services.appointment_check_in(
            appointment, _actor(info), now=request_now(info.context)
        )
        return cls(appointment=appointment)


class AppointmentMarkNoShow(_DeskMutation):
    class Arguments:
        id = graphene.ID(required=True, description="ID of the appointment.")

    class Meta:
        description = (
            "Mark a booked appointment as a no-show, once its grace period after "
            "the start has passed (TOO_EARLY before; see `noShowFrom`); the beat "
            "task does it too. Tells apps (appointment_no_show). Requires "
            "MANAGE_ORDERS in the appointment's store."
        )
        permissions = (OrderPermissions.MANAGE_ORDERS,)
        error_type_class = AppointmentError
        error_type_field = "appointment_errors"

    @classmethod
    def perform_mutation(cls, _root, info, id):
        appointment = cls.appointment_for(info, id)
        appointment = desk_services.appointment_mark_no_show(
            appointment, _actor(info), now=request_now(info.context)
        )
        return cls(appointment=appointment)


class AppointmentDeskMutations(graphene.ObjectType):
    appointment_check_in = AppointmentCheckIn.Field()
    appointment_mark_no_show = AppointmentMarkNoShow.Field()
