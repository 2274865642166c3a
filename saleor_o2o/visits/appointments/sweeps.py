"""The beat's work on appointments: reminders before, no-shows after.

Each appointment is handled in its own transaction under a row lock taken with
SKIP LOCKED and re-checked once locked: two sweeps at once, or a sweep run twice,
remind and mark each appointment once.
"""

import datetime as dt
from dataclasses import dataclass, field
from typing import List, Optional

from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from saleor_o2o.core.actors import Actor
from saleor_o2o.visits.appointments import desk_rules
from saleor_o2o.visits.appointments.desk import desk_policy
from saleor_o2o.visits.appointments.desk_services import (
    _no_show_write,
    appointment_lock,
)
from saleor_o2o.visits.appointments.emails import appointment_email_record
from saleor_o2o.visits.appointments.models import Appointment
from saleor_o2o.visits.appointments.notice_models import AppointmentEmail
from saleor_o2o.visits.appointments.rules import AppointmentStatus

#: Appointments one sweep handles at most; the next sweep takes the rest.
SWEEP_BATCH = 500


@dataclass
class SweepRun:
    """What one sweep did."""

    reminded: List[int] = field(default_factory=list)
    no_shows: List[int] = field(default_factory=list)


def _confirmed_at(appointment: Appointment) -> Optional[dt.datetime]:
    return AppointmentEmail.objects.filter(
        appointment=appointment, kind=AppointmentEmail.CONFIRMATION
    ).aggregate(at=Max("created_at"))["at"]


def appointments_remind(
    *, now: dt.datetime, policy: desk_rules.DeskPolicy, run: SweepRun
) -> None:
    """E-mail a reminder, once, to shoppers whose booked visit comes soon."""
    if policy.remind_before <= dt.timedelta(0):
        return
    due = Appointment.objects.filter(
        status=AppointmentStatus.BOOKED,
        reminded_at__isnull=True,
        starts_at__gt=now,
        starts_at__lte=now + policy.remind_before,
    ).order_by("starts_at")
    for pk in list(due.values_list("pk", flat=True)[:SWEEP_BATCH]):
        with transaction.atomic():
            locked = appointment_lock(pk, skip_locked=True)
            if locked is None or locked.status != AppointmentStatus.BOOKED:
                continue
            if not policy.reminder_due(
                locked.starts_at,
                now,
                reminded_at=locked.reminded_at,
                confirmed_at=_confirmed_at(locked),
            ):
                continue
            locked.reminded_at = now
            locked.save(update_fields=["reminded_at"])
            appointment_email_record(appointment=locked, kind=AppointmentEmail.REMINDER)
            run.reminded.append(locked.pk)


def appointments_mark_no_shows(
    *, now: dt.datetime, policy: desk_rules.DeskPolicy, run: SweepRun
) -> None:
    """Mark booked appointments whose grace period has passed as no-shows."""
    due = Appointment.objects.filter(
        status=AppointmentStatus.BOOKED,
        starts_at__lte=now - policy.no_show_grace,
    ).order_by("starts_at")
    for pk in list(due.values_list("pk", flat=True)[:SWEEP_BATCH]):
        with transaction.atomic():
            locked = appointment_lock(pk, skip_locked=True)
            if locked is None or locked.status != AppointmentStatus.BOOKED:
                continue
            if not policy.is_no_show(locked.starts_at, now):
                continue
            _no_show_write(locked, Actor.system(), now)
            run.no_shows.append(locked.pk)


def appointments_sweep(
    *, now: Optional[dt.datetime] = None, policy: Optional[desk_rules.DeskPolicy] = None
) -> SweepRun:
    """Send the reminders due and mark the no-shows due (the beat task)."""
    now = now or timezone.now()
    policy = policy or desk_policy()
    run = SweepRun()
    appointments_remind(now=now, policy=policy, run=run)
    appointments_mark_no_shows(now=now, policy=policy, run=run)
    return run
