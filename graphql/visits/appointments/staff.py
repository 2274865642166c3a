"""Managers' side of appointments: a store's appointment types."""

import graphene
from saleor.core.permissions import ProductPermissions

from saleor_o2o.graphql.core.mutations import O2OMutation
from saleor_o2o.graphql.store.types import Store
from saleor_o2o.graphql.visits.appointments.types import (
    AppointmentError,
    AppointmentType,
)
from saleor_o2o.store.reach import MANAGER
from saleor_o2o.visits.appointments import rules, services


def _bounds(field: str) -> str:
    low, high = rules.LIMITS[field]
    return f"{low} to {high}"


class AppointmentTypeInput(graphene.InputObjectType):
    name = graphene.String(
        description=(
            f"What the visit is for (1 to {rules.NAME_MAX_LENGTH} characters; "
            "required to create)."
        )
    )
    description = graphene.String(
        description=(
            f"What happens, for shoppers (at most {rules.DESCRIPTION_MAX_LENGTH} "
            "characters)."
        )
    )
    duration_minutes = graphene.Int(
        description=f"How long a visit lasts ({_bounds('duration_minutes')}; 30)."
    )
    capacity = graphene.Int(
        description=f"Visitors one slot takes ({_bounds('capacity')}; default 1)."
    )
    buffer_minutes = graphene.Int(
        description=(
            "Minutes kept free after each visit before the next slot starts "
            f"({_bounds('buffer_minutes')}; default 0)."
        )
    )
    book_ahead_days = graphene.Int(
        description=(
            "Slots may be booked up to this many days after the store's today "
            f"({_bounds('book_ahead_days')}; default 30)."
        )
    )
    min_notice_minutes = graphene.Int(
        description=(
            "A slot may be booked until this many minutes before it starts "
            f"({_bounds('min_notice_minutes')}; default 60)."
        )
    )
    change_until_minutes = graphene.Int(
        description=(
            "A booking may be moved or cancelled until this many minutes before it "
            f"starts ({_bounds('change_until_minutes')}; default 120)."
        )
    )
    is_active = graphene.Boolean(
        description="Whether shoppers see and book it (default true)."
    )

    class Meta:
        description = (
            "Settings of an appointment type; fields left out keep their value (or "
            "take the default on creation)."
        )


class _TypeMutation(O2OMutation):
    class Meta:
        abstract = True

    @classmethod
    def managed_type(cls, info, type_id):
        found = cls.get_node_or_error(
            info, type_id, field="id", only_type=AppointmentType
        )
        cls.check_store(
            info, found.store_id, role=MANAGER, field="id", what="appointment type"
        )
        return found


class AppointmentTypeCreate(_TypeMutation):
    appointment_type = graphene.Field(AppointmentType, description="The new type.")

    class Arguments:
        store_id = graphene.ID(required=True, description="ID of the store.")
        input = AppointmentTypeInput(required=True, description="Its settings.")

    class Meta:
        description = (
            "Create an appointment type shoppers can book at a store. For managers "
            "of the store with MANAGE_PRODUCTS."
        )
        permissions = (ProductPermissions.MANAGE_PRODUCTS,)
        error_type_class = AppointmentError
        error_type_field = "appointment_errors"

    @classmethod
    def perform_mutation(cls, _root, info, store_id, input):
        store = cls.get_node_or_error(info, store_id, field="storeId", only_type=Store)
        cls.check_store(info, store.pk, role=MANAGER, field="storeId")
        created = services.appointment_type_create(store=store, data=dict(input))
        return cls(appointment_type=created)


class AppointmentTypeUpdate(_TypeMutation):
    appointment_type = graphene.Field(AppointmentType, description="The type.")

    class Arguments:
        id = graphene.ID(required=True, description="ID of the appointment type.")
        input = AppointmentTypeInput(required=True, description="Settings to change.")

    class Meta:
        description = (
            "Change an appointment type; appointments booked keep their times. For "
            "managers of the store with MANAGE_PRODUCTS."
        )
        permissions = (ProductPermissions.MANAGE_PRODUCTS,)
        error_type_class = AppointmentError
        error_type_field = "appointment_errors"

    @classmethod
    def perform_mutation(cls, _root, info, id, input):
        found = cls.managed_type(info, id)
        updated = services.appointment_type_update(
            appointment_type=found, data=dict(input)
        )
        return cls(appointment_type=updated)


class AppointmentTypeDelete(_TypeMutation):
    appointment_type = graphene.Field(
        AppointmentType, description="The type as it was."
    )

    class Arguments:
        id = graphene.ID(required=True, description="ID of the appointment type.")

    class Meta:
        description = (
            "Delete an appointment type with no upcoming appointments (past ones "
            "keep it in their history). For managers of the store with "
            "MANAGE_PRODUCTS."
        )
        permissions = (ProductPermissions.MANAGE_PRODUCTS,)
        error_type_class = AppointmentError
        error_type_field = "appointment_errors"

    @classmethod
    def perform_mutation(cls, _root, info, id):
        found = cls.managed_type(info, id)
        pk = found.pk
        services.appointment_type_delete(appointment_type=found)
        found.pk = pk
        return cls(appointment_type=found)


class AppointmentTypeMutations(graphene.ObjectType):
    appointment_type_create = AppointmentTypeCreate.Field()
    appointment_type_update = AppointmentTypeUpdate.Field()
    appointment_type_delete = AppointmentTypeDelete.Field()
