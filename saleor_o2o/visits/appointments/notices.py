"""What an appointment's moves tell others: webhooks and e-mails.

Interface between the booking and desk services (which call `appointment_notify`
inside their transaction) and the notices: an O2O webhook event (`webhook.events`,
heard only by apps acting in the appointment's store) and, for the moves a shopper
is told of, an e-mail with the visit's .ics file (`emails`).
"""

from typing import Optional

from django.dispatch import Signal

from saleor_o2o.core.actors import Actor
from saleor_o2o.visits.appointments.emails import appointment_email_record
from saleor_o2o.visits.appointments.models import Appointment
from saleor_o2o.visits.appointments.payloads import appointment_payload
from saleor_o2o.webhook.events import O2OEventType, events_record

BOOKED = "booked"
RESCHEDULED = "rescheduled"
CANCELLED = "cancelled"
CHECKED_IN = "checked_in"
NO_SHOW = "no_show"
NOTICES = (BOOKED, RESCHEDULED, CANCELLED, CHECKED_IN, NO_SHOW)

#: The webhook event of each notice.
EVENT_FOR_NOTICE = {
    BOOKED: O2OEventType.APPOINTMENT_BOOKED,
    RESCHEDULED: O2OEventType.APPOINTMENT_RESCHEDULED,
    CANCELLED: O2OEventType.APPOINTMENT_CANCELLED,
    CHECKED_IN: O2OEventType.APPOINTMENT_CHECKED_IN,
    NO_SHOW: O2OEventType.APPOINTMENT_NO_SHOW,
}
#: Sent with ``appointment`` and ``notice`` inside the transaction of every move, for
#: what depends on an appointment without the appointments knowing it (the items
#: held for the visit follow it: `visits.try_on.follow`).
appointment_moved = Signal()

#: The e-mail the shopper gets for a notice (none at the desk's moves).
EMAIL_FOR_NOTICE = {
    BOOKED: "confirmation",
    RESCHEDULED: "confirmation",
    CANCELLED: "cancelled",
}


def appointment_notify(appointment, notice: str, *, actor: Optional[Actor] = None):
    """Record the webhook event and queue the e-mail of one move.

    Call it inside the transaction that made the move, with the appointment as it
    is after it; ``actor`` (who moved it) is told to webhooks when given. A move to
    another time also makes the reminder due again.
    """
    if notice not in NOTICES:
        raise ValueError(f"Unknown appointment notice: {notice!r}.")
    if notice == RESCHEDULED and appointment.reminded_at is not None:
        Appointment.objects.filter(pk=appointment.pk).update(reminded_at=None)
        appointment.reminded_at = None
    events_record(
        type=EVENT_FOR_NOTICE[notice],
        payloads=[appointment_payload(appointment, actor=actor)],
        store_id=appointment.store_id,
    )
    kind = EMAIL_FOR_NOTICE.get(notice)
    if kind is not None:
        appointment_email_record(appointment=appointment, kind=kind)
    appointment_moved.send(sender=Appointment, appointment=appointment, notice=notice)
