"""Items held for an appointment follow it when it moves or is cancelled.

A reservation linked to an appointment holds its units until the visit ends
(`rules.hold_end`). When the shopper moves the visit, the hold moves with it (the
same rule: within `rules.MAX_APPOINTMENT_AHEAD`, else the hold ends now); when the
visit is cancelled, the hold ends now and the units go back on sale. Ended holds
are closed as EXPIRED, the shopper told as by the beat task.

Connected to `visits.appointments.notices.appointment_moved`, so it runs inside the
appointment's transaction, after the appointment's own locks: appointment type,
appointment, then the reservation. Moving the end of a live hold needs no stock
row lock: the units are held now either way, and a hold whose end has passed is
never revived (its units may have been promised since).
"""

from datetime import datetime
from typing import List

from django.utils import timezone

from saleor_o2o.core.actors import Actor
from saleor_o2o.core.errors import O2OError
from saleor_o2o.store.models import StockHold
from saleor_o2o.visits.appointments import notices
from saleor_o2o.visits.appointments.rules import AppointmentStatus
from saleor_o2o.visits.try_on import rules
from saleor_o2o.visits.try_on.models import TryOnReservation
from saleor_o2o.visits.try_on.services import try_on_close, try_on_locked


def _end(reservation: TryOnReservation, *, now: datetime, note: str) -> None:
    try_on_close(reservation, rules.EXPIRED, Actor.system(), now=now, note=note)


def try_on_follow_appointment(appointment, notice: str, *, now=None) -> List[int]:
    """Move or end the live holds made for ``appointment``; return the
    reservations changed. ``now`` is the time of the move (the appointment's
    ``updated_at``, which the booking services set)."""
    if notice not in (notices.RESCHEDULED, notices.CANCELLED):
        return []
    now = now or appointment.updated_at or timezone.now()
    changed = []
    live = TryOnReservation.objects.filter(
        appointment_id=appointment.pk, status=rules.HELD, held_until__gt=now
    )
    for pk in live.order_by("pk").values_list("pk", flat=True):
        reservation = try_on_locked(pk)
        if reservation.status != rules.HELD or reservation.held_until <= now:
            continue
        changed.append(pk)
        if notice == notices.CANCELLED:
            _end(reservation, now=now, note="The appointment was cancelled.")
            continue
        view = rules.AppointmentView(
            store_id=appointment.store_id,
            ends_at=appointment.ends_at,
            is_holding=appointment.status in AppointmentStatus.HOLDING,
        )
        try:
            held_until = rules.hold_end(now=now, appointment=view)
        except O2OError as refusal:
            _end(reservation, now=now, note=refusal.message)
            continue
        reservation.held_until = held_until
        reservation.save(update_fields=["held_until"])
        StockHold.objects.filter(
            pk__in=reservation.lines.filter(hold__isnull=False).values("hold_id")
        ).update(held_until=held_until)
    return changed


def appointment_moved(sender, appointment, notice, **kwargs) -> None:
    """Receiver of `notices.appointment_moved` (connected when Django starts)."""
    try_on_follow_appointment(appointment, notice)
