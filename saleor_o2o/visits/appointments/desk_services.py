"""The desk's writes: checking a shopper in, and marking a no-show.

Each locks the appointment row (the only lock taken), checks the lifecycle and the
day in the store's time zone, writes, and tells others in the same transaction
(`notices.appointment_notify`; a check-in also counts an arrival for occupancy).
"""

import datetime as dt
from typing import Optional

import pytz
from django.db import transaction
from django.utils import timezone

from saleor_o2o.core.actors import Actor
from saleor_o2o.core.errors import O2OError
from saleor_o2o.occupancy.rules import ArrivalSource
from saleor_o2o.occupancy.services import occupancy_arrival
from saleor_o2o.visits.appointments import desk_rules, notices, rules
from saleor_o2o.visits.appointments.desk import desk_policy
from saleor_o2o.visits.appointments.models import Appointment
from saleor_o2o.visits.appointments.rules import AppointmentStatus


def appointment_lock(pk, *, skip_locked: bool = False) -> Optional[Appointment]:
    """Return the appointment locked FOR UPDATE (None if gone, or taken with
    ``skip_locked``)."""
    return (
        Appointment.objects.select_for_update(skip_locked=skip_locked, of=("self",))
        .select_related("appointment_type", "store")
        .filter(pk=pk)
        .first()
    )


def _check_in_refusal(appointment: Appointment, now: dt.datetime) -> None:
    if appointment.status == AppointmentStatus.CHECKED_IN:
        at = timezone.localtime(
            appointment.checked_in_at, pytz.timezone(appointment.store.timezone)
        )
        raise O2OError(
            f"Already checked in at {at:%H:%M}.", field="id", code="ALREADY_CHECKED_IN"
        )
    if appointment.status == AppointmentStatus.CANCELLED:
        raise O2OError("This appointment was cancelled.", field="id", code="CANCELLED")
    zone = appointment.store.timezone
    if not desk_rules.is_same_day(appointment.starts_at, now, zone):
        day = desk_rules.local_day(appointment.starts_at, zone)
        raise O2OError(
            f"This appointment is on {day:%A %d %B %Y}, not today.",
            field="id",
            code="NOT_TODAY",
        )


def appointment_check_in(
    appointment: Appointment, actor: Actor, *, now: Optional[dt.datetime] = None
) -> Appointment:
    """Check the shopper of a booked appointment in, on its day at the store.

    A shopper marked as a no-show who turns up later that day is checked in too.
    The caller has checked that the actor works in the appointment's store.
    """
    now = now or timezone.now()
    with transaction.atomic():
        locked = appointment_lock(appointment.pk)
        _check_in_refusal(locked, now)
        rules.check_transition(
            locked.status, AppointmentStatus.CHECKED_IN, actor=actor.kind
        )
        locked.status = AppointmentStatus.CHECKED_IN
        locked.checked_in_at = locked.updated_at = now
        locked.save(update_fields=["status", "checked_in_at", "updated_at"])
        occupancy_arrival(
            store_id=locked.store_id, source=ArrivalSource.APPOINTMENT, at=now
        )
        notices.appointment_notify(locked, notices.CHECKED_IN, actor=actor)
    return locked


def _no_show_write(locked: Appointment, actor: Actor, now: dt.datetime) -> None:
    locked.status = AppointmentStatus.NO_SHOW
    locked.updated_at = now
    locked.save(update_fields=["status", "updated_at"])
    notices.appointment_notify(locked, notices.NO_SHOW, actor=actor)


def appointment_mark_no_show(
    appointment: Appointment,
    actor: Actor,
    *,
    now: Optional[dt.datetime] = None,
    policy: Optional[desk_rules.DeskPolicy] = None,
) -> Appointment:
    """Mark a booked appointment whose grace period has passed as a no-show."""
    now = now or timezone.now()
    policy = policy or desk_policy()
    with transaction.atomic():
        locked = appointment_lock(appointment.pk)
        rules.check_transition(
            locked.status, AppointmentStatus.NO_SHOW, actor=actor.kind
        )
        if not policy.is_no_show(locked.starts_at, now):
            at = timezone.localtime(
                policy.no_show_from(locked.starts_at),
                pytz.timezone(locked.store.timezone),
            )
            raise O2OError(
                f"The shopper may still come: a no-show can be marked from {at:%H:%M}.",
                field="id",
                code="TOO_EARLY",
            )
        _no_show_write(locked, actor, now)
    return locked
