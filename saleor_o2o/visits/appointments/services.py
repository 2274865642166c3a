"""Writes of appointment types: what a store's managers set up.

Lock order (with `booking`): the appointment type row, then appointment rows.
"""

from typing import Any, Dict

from django.db import transaction
from django.utils import timezone

from saleor_o2o.core.db import rows_lock
from saleor_o2o.core.errors import NotFound, O2OError
from saleor_o2o.store.models import Store
from saleor_o2o.visits.appointments import rules
from saleor_o2o.visits.appointments.models import Appointment, AppointmentType
from saleor_o2o.visits.appointments.rules import AppointmentStatus

#: The fields staff set, as the services take them.
TYPE_FIELDS = (
    "name",
    "description",
    "duration_minutes",
    "capacity",
    "buffer_minutes",
    "book_ahead_days",
    "min_notice_minutes",
    "change_until_minutes",
    "is_active",
)


def appointment_type_lock(pk: int) -> AppointmentType:
    """Lock an appointment type row (FOR NO KEY UPDATE) and return it as it is now.

    Every booking, move and change of settings of the type takes this lock first,
    so counting a slot's places and taking one is never interleaved. NO KEY UPDATE
    leaves the new appointment's foreign key check (KEY SHARE) unblocked.
    """
    rows_lock(AppointmentType._meta.db_table, [pk], mode="NO KEY UPDATE")
    found = (
        AppointmentType.objects.select_related("store")
        .filter(pk=pk, deleted_at__isnull=True)
        .first()
    )
    if found is None:
        raise NotFound("No such appointment type.", field="id")
    return found


def _apply(appointment_type: AppointmentType, data: Dict[str, Any]) -> None:
    values = {field: data[field] for field in TYPE_FIELDS if field in data}
    if "is_active" in values and values["is_active"] is None:
        raise O2OError("Give true or false.", field="is_active", code="REQUIRED")
    if "description" in values and values["description"] is None:
        values["description"] = ""
    rules.validate_type_settings(values)
    if "name" in values:
        values["name"] = values["name"].strip()
    for field, value in values.items():
        setattr(appointment_type, field, value)


@transaction.atomic
def appointment_type_create(*, store: Store, data: Dict[str, Any]) -> AppointmentType:
    """Create an appointment type of `store` (fields left out take the defaults)."""
    if "name" not in data:
        raise O2OError("Give the type a name.", field="name", code="REQUIRED")
    appointment_type = AppointmentType(store=store)
    _apply(appointment_type, data)
    appointment_type.save()
    return appointment_type


@transaction.atomic
def appointment_type_update(
    *, appointment_type: AppointmentType, data: Dict[str, Any]
) -> AppointmentType:
    """Change the fields present in `data`; bookings made keep their times."""
    locked = appointment_type_lock(appointment_type.pk)
    _apply(locked, data)
    locked.save()
    return locked


@transaction.atomic
def appointment_type_delete(*, appointment_type: AppointmentType, now=None) -> None:
    """Delete a type with no upcoming bookings.

    A type past appointments refer to is marked deleted (and inactive) so their
    history stays; one never booked is removed.
    """
    now = now or timezone.now()
    locked = appointment_type_lock(appointment_type.pk)
    history = Appointment.objects.filter(appointment_type_id=locked.pk)
    if history.filter(status__in=AppointmentStatus.HOLDING, ends_at__gt=now).exists():
        raise O2OError(
            "The type has upcoming appointments: cancel them, or make the type "
            "inactive so that no more are booked.",
            field="id",
            code="HAS_APPOINTMENTS",
        )
    if history.exists():
        locked.is_active = False
        locked.deleted_at = now
        locked.save(update_fields=["is_active", "deleted_at", "updated_at"])
    else:
        locked.delete()
