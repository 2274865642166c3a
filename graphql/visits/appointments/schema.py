"""Appointments on the schema: queries, mutations, and fields of Saleor's types."""

import graphene
from saleor.graphql.account.types import User
from saleor.graphql.core.dataloaders import DataLoader
from saleor.graphql.core.fields import BaseConnectionField

from saleor_o2o.core.errors import O2OError
from saleor_o2o.graphql.core.connection import queryset_page
from saleor_o2o.graphql.core.context import (
    request_now,
    requestor_reach,
    require_storefront_enabled,
)
from saleor_o2o.graphql.core.extend import add_field
from saleor_o2o.graphql.core.ids import pk_from_global_id
from saleor_o2o.graphql.store.types import Store
from saleor_o2o.graphql.visits.appointments.booking import AppointmentBookingMutations
from saleor_o2o.graphql.visits.appointments.staff import AppointmentTypeMutations
from saleor_o2o.graphql.visits.appointments.types import (
    Appointment,
    AppointmentSlot,
    AppointmentType,
)
from saleor_o2o.store import slots as slot_engine
from saleor_o2o.visits.appointments import selectors


class AppointmentQueries(graphene.ObjectType):
    appointment = graphene.Field(
        Appointment,
        token=graphene.Argument(
            graphene.String, description="The manage token given when booking."
        ),
        id=graphene.Argument(
            graphene.ID, description="ID of it, for the shopper who booked it."
        ),
        description=(
            "Look up a booking by its manage token (guests) or, for the logged-in "
            "shopper who booked it, by ID; null for anyone else."
        ),
    )

    def resolve_appointment(self, info, token=None, id=None):
        require_storefront_enabled(info.context)
        if token:
            return selectors.appointment_for_token(token)
        if id:
            pk = pk_from_global_id(id, "Appointment", field="id")
            return selectors.appointment_for_owner(pk, info.context.user)
        return None


class AppointmentMutations(AppointmentTypeMutations, AppointmentBookingMutations):
    pass


class ActiveAppointmentTypesByStoreLoader(DataLoader):
    """The active appointment types of stores: one query for a whole store list."""

    context_key = "o2o_active_appointment_types_by_store"

    def batch_load(self, keys):
        found = selectors.appointment_types_by_store(list(keys))
        return [found[key] for key in keys]


def _of_store(types, store):
    for appointment_type in types:
        appointment_type.store = store  # The store asked about, with its prefetches.
    return types


def resolve_store_appointment_types(root, info, include_inactive=False):
    if include_inactive and requestor_reach(info.context).sees(root.pk):
        return _of_store(
            list(selectors.appointment_types(store_id=root.pk, include_inactive=True)),
            root,
        )
    return (
        ActiveAppointmentTypesByStoreLoader(info.context)
        .load(root.pk)
        .then(lambda types: _of_store(types, root))
    )


def resolve_store_appointment_slots(root, info, type, date):
    require_storefront_enabled(info.context)
    now = request_now(info.context)
    slot_engine.check_slot_date(date, today=now.date(), wording=slot_engine.APPOINTMENT)
    pk = pk_from_global_id(type, "AppointmentType", field="type")
    found = selectors.appointment_type_for_id(pk, store_id=root.pk)
    if found is None:
        raise O2OError("No such appointment type.", field="type", code="NOT_FOUND")
    found.store = root
    return [
        AppointmentSlot.from_domain(slot, store=root)
        for slot in selectors.appointment_slots(found, date, now=now)
    ]


def resolve_user_appointments(root, info, upcoming=False, **args):
    user = getattr(info.context, "user", None)
    mine = getattr(user, "is_authenticated", False) and user.pk == root.pk
    qs = selectors.appointments_of_user(
        root if mine else None,
        upcoming_only=bool(upcoming),
        now=request_now(info.context),
    )
    return queryset_page(
        qs,
        args,
        sort_fields=["starts_at", "pk"],
        direction="",
        connection_type=Appointment._meta.connection,
        name="appointments",
    )


def extend_types_with_appointments() -> None:
    """Add the appointment fields to ``Store`` and Saleor's ``User``."""
    add_field(
        Store,
        "appointment_types",
        graphene.Field(
            graphene.List(graphene.NonNull(AppointmentType)),
            include_inactive=graphene.Argument(
                graphene.Boolean,
                description="Also inactive types (for the store's staff only).",
            ),
            required=True,
            description="The kinds of visit shoppers can book at the store, by name.",
            resolver=resolve_store_appointment_types,
        ),
    )
    add_field(
        Store,
        "appointment_slots",
        graphene.Field(
            graphene.List(graphene.NonNull(AppointmentSlot)),
            args={
                "type": graphene.Argument(
                    graphene.ID,
                    required=True,
                    description="ID of one of the store's appointment types.",
                ),
                "date": graphene.Argument(
                    graphene.Date,
                    required=True,
                    description="The store's local date.",
                ),
            },
            required=True,
            description=(
                "Slots of an appointment type on a date, in the store's hours and "
                "time zone, full ones included; from the type's minimum notice to "
                "the last day it may be booked."
            ),
            resolver=resolve_store_appointment_slots,
        ),
    )
    add_field(
        User,
        "appointments",
        BaseConnectionField(
            Appointment._meta.connection,
            upcoming=graphene.Argument(
                graphene.Boolean, description="Only those not over yet."
            ),
            description=(
                "The appointments the user booked, soonest first; only for the "
                "user themself (`me`), empty for anyone else."
            ),
            resolver=resolve_user_appointments,
        ),
    )
