"""Booking, moving and cancelling appointments (the shopper's side).

Each runs in one transaction. Lock order: the appointment type row
(`services.appointment_type_lock`), then the appointment row. Holding the type's
lock, a booking counts the places its slot holds and takes one, so two shoppers
racing for a slot's last place cannot both get it. The notice of each move
(`notices.appointment_notify`) is recorded in the same transaction.
"""

import datetime as dt
from typing import Optional, Tuple

from django.db import transaction
from django.utils import timezone

from saleor_o2o.core.codes import new_handover_code
from saleor_o2o.core.errors import InvalidInput, NotFound, O2OError
from saleor_o2o.core.tokens import new_token, token_hash
from saleor_o2o.core.validation import datetime_check, shopper_email
from saleor_o2o.visits.appointments import notices, rules, selectors
from saleor_o2o.visits.appointments.models import Appointment, AppointmentType
from saleor_o2o.visits.appointments.rules import AppointmentStatus
from saleor_o2o.visits.appointments.services import appointment_type_lock


def _aware(starts_at: dt.datetime) -> dt.datetime:
    if starts_at is None:
        raise InvalidInput("Give the slot's start.", field="starts_at", code="REQUIRED")
    if timezone.is_naive(starts_at):
        raise InvalidInput(
            "Give the slot's start with its time zone offset.", field="starts_at"
        )
    return datetime_check(starts_at, field="starts_at", code="SLOT_UNAVAILABLE")


def _slot_check(
    appointment_type: AppointmentType,
    starts_at: dt.datetime,
    *,
    now: dt.datetime,
    exclude_id: Optional[int] = None,
) -> None:
    """Raise unless `starts_at` is a bookable slot with a place left (call it with
    the type locked)."""
    day = selectors.local_date(appointment_type, starts_at)
    offered = selectors.appointment_slots_for_days(
        appointment_type, [day], now=now, exclude_id=exclude_id, bookable_only=False
    )[0]
    refusal = rules.slot_refusal(
        starts_at,
        now=now,
        earliest=rules.earliest_start(
            now=now, min_notice_minutes=appointment_type.min_notice_minutes
        ),
        local_date=day,
        last_date=rules.last_bookable_date(
            local_today=selectors.local_date(appointment_type, now),
            book_ahead_days=appointment_type.book_ahead_days,
        ),
        offered=offered,
    )
    if refusal is not None:
        raise refusal


def _contact(user, email: Optional[str], name: Optional[str], note: Optional[str]):
    email = shopper_email(user, email)
    name = (name or "").strip()
    if len(name) > rules.NAME_MAX_LENGTH:
        raise InvalidInput(
            f"A name has at most {rules.NAME_MAX_LENGTH} characters.",
            field="name",
            code="OUT_OF_RANGE",
        )
    if not name and user is not None:
        # The account's name, as far as it fits (Saleor allows 256 + 256).
        name = f"{user.first_name} {user.last_name}".strip()
    note = (note or "").strip()
    if len(note) > rules.NOTE_MAX_LENGTH:
        raise InvalidInput(
            f"A note has at most {rules.NOTE_MAX_LENGTH} characters.",
            field="note",
            code="OUT_OF_RANGE",
        )
    return email, (name or "")[: rules.NAME_MAX_LENGTH], note


@transaction.atomic
def appointment_book(
    *,
    appointment_type_id: int,
    starts_at: dt.datetime,
    user=None,
    email: Optional[str] = None,
    name: Optional[str] = None,
    note: Optional[str] = None,
    now: Optional[dt.datetime] = None,
) -> Tuple[Appointment, str]:
    """Book one place in a slot; return the appointment and its manage token.

    A logged-in shopper books under their own e-mail; a guest gives one. The token
    is returned once: only its hash is kept.
    """
    now = now or timezone.now()
    user = user if getattr(user, "is_authenticated", False) else None
    starts_at = _aware(starts_at)
    email, name, note = _contact(user, email, name, note)
    appointment_type = appointment_type_lock(appointment_type_id)
    if not (appointment_type.is_active and appointment_type.store.is_active):
        raise NotFound("No such appointment type.", field="type_id")
    held = selectors.upcoming_held(
        store_id=appointment_type.store_id, user=user, email=email, now=now
    )
    if held >= rules.MAX_UPCOMING_PER_SHOPPER:
        raise O2OError(
            f"You hold {held} upcoming appointments at this store already.",
            field="email",
            code="TOO_MANY_APPOINTMENTS",
        )
    _slot_check(appointment_type, starts_at, now=now)
    token = new_token()
    open_here = Appointment.objects.filter(
        store_id=appointment_type.store_id, status=AppointmentStatus.BOOKED
    )
    appointment = Appointment.objects.create(
        appointment_type=appointment_type,
        store_id=appointment_type.store_id,
        starts_at=starts_at,
        ends_at=starts_at + dt.timedelta(minutes=appointment_type.duration_minutes),
        user=user,
        email=email,
        name=name,
        note=note,
        token_hash=token_hash(token),
        code=new_handover_code(open_here),
        created_at=now,
        updated_at=now,
    )
    notices.appointment_notify(appointment, notices.BOOKED)
    return appointment, token


def _locked(appointment: Appointment) -> Tuple[AppointmentType, Appointment]:
    appointment_type = appointment_type_lock(appointment.appointment_type_id)
    locked = (
        Appointment.objects.select_for_update(of=("self",))
        .select_related("appointment_type", "store")
        .get(pk=appointment.pk)
    )
    # The type as locked (a deleted one cannot be, but its settings may be new).
    locked.appointment_type = appointment_type
    return appointment_type, locked


def _change_check(appointment: Appointment, appointment_type, now) -> None:
    refusal = rules.change_refusal(
        status=appointment.status,
        starts_at=appointment.starts_at,
        now=now,
        change_until_minutes=appointment_type.change_until_minutes,
    )
    if refusal is not None:
        raise refusal


@transaction.atomic
def appointment_reschedule(
    *, appointment: Appointment, starts_at: dt.datetime, now=None
) -> Appointment:
    """Move a booking to another slot of its type (one with a place left)."""
    now = now or timezone.now()
    starts_at = _aware(starts_at)
    try:
        appointment_type, locked = _locked(appointment)
    except NotFound:
        raise NotFound(selectors.NOT_FOUND_MESSAGE, field="id")
    _change_check(locked, appointment_type, now)
    _slot_check(appointment_type, starts_at, now=now, exclude_id=locked.pk)
    locked.starts_at = starts_at
    locked.ends_at = starts_at + dt.timedelta(minutes=appointment_type.duration_minutes)
    locked.reminded_at = None
    locked.updated_at = now
    locked.save(update_fields=["starts_at", "ends_at", "reminded_at", "updated_at"])
    notices.appointment_notify(locked, notices.RESCHEDULED)
    return locked


@transaction.atomic
def appointment_cancel(*, appointment: Appointment, now=None) -> Appointment:
    """Cancel a booking, freeing its place."""
    now = now or timezone.now()
    locked = (
        Appointment.objects.select_for_update(of=("self",))
        .select_related("appointment_type", "store")
        .get(pk=appointment.pk)
    )
    _change_check(locked, locked.appointment_type, now)
    locked.status = AppointmentStatus.CANCELLED
    locked.cancelled_at = now
    locked.updated_at = now
    locked.save(update_fields=["status", "cancelled_at", "updated_at"])
    notices.appointment_notify(locked, notices.CANCELLED)
    return locked
