"""E-mails to shoppers about their appointments, each with an .ics file (the outbox
of `core.emails`).

A confirmation when the visit is booked or moved, a reminder before it, and a
cancellation. Each carries the visit as an iCalendar event (`core.ical`) in the
store's time zone, under one UID per appointment: a calendar that imported the
confirmation updates it on a move (a higher SEQUENCE) and removes it on the
cancellation (METHOD:CANCEL).
"""

from datetime import timedelta
from typing import Optional

from django.contrib.sites.models import Site
from django.db.models import Max

from saleor_o2o.core.emails import EmailOutbox, templated_email_send
from saleor_o2o.core.ical import CalendarEvent, ics_bytes
from saleor_o2o.core.tasks import SEND_APPOINTMENT_EMAIL
from saleor_o2o.visits.appointments import desk_rules
from saleor_o2o.visits.appointments.models import Appointment
from saleor_o2o.visits.appointments.notice_models import AppointmentEmail

TEMPLATES = {
    AppointmentEmail.CONFIRMATION: "o2o/appointment_confirmation",
    AppointmentEmail.REMINDER: "o2o/appointment_reminder",
    AppointmentEmail.CANCELLED: "o2o/appointment_cancelled",
}
#: Kinds that change the calendar's copy of the visit (a new SEQUENCE each).
CHANGES = (AppointmentEmail.CONFIRMATION, AppointmentEmail.CANCELLED)
ICS_FILE_NAME = "appointment.ics"
#: Django adds the charset itself (text parts are UTF-8).
ICS_MIME_TYPE = "text/calendar"


def appointment_email_record(
    *, appointment: Appointment, kind: str
) -> AppointmentEmail:
    """Record, in the caller's transaction, an e-mail the shopper is due.

    After commit it is handed to Celery; if the broker is down, the sweep
    (`appointment_emails_send_pending`) sends it later. A confirmation after the
    first, and a cancellation, raise the calendar SEQUENCE by one.
    """
    if kind not in TEMPLATES:
        raise ValueError(f"Unknown appointment e-mail: {kind!r}")
    last = AppointmentEmail.objects.filter(
        appointment=appointment, kind__in=CHANGES
    ).aggregate(sequence=Max("sequence"))["sequence"]
    if kind in CHANGES:
        sequence = 0 if last is None else last + 1
    else:
        sequence = last or 0
    email = AppointmentEmail.objects.create(
        appointment=appointment,
        kind=kind,
        starts_at=appointment.starts_at,
        ends_at=appointment.ends_at,
        sequence=sequence,
    )
    OUTBOX.enqueue_on_commit(email)
    return email


def appointment_email_deliver(*, email_id: int) -> bool:
    """Send a recorded e-mail unless already sent; return whether it is sent now."""
    return OUTBOX.deliver(email_id)


def appointment_emails_send_pending(
    *, older_than: timedelta = timedelta(minutes=1)
) -> int:
    """Send recorded e-mails whose hand-over to Celery was lost; return how many."""
    return OUTBOX.send_pending(older_than=older_than)


def _place(store, address) -> str:
    parts = [store.name, address.street_address_1, address.street_address_2]
    parts.append(f"{address.postal_code} {address.city}".strip())
    return ", ".join(part for part in parts if part)


def appointment_calendar_event(
    email: AppointmentEmail, *, appointment: Appointment, domain: str
) -> CalendarEvent:
    """Return the calendar event an e-mail carries: the visit as it was then."""
    store = appointment.store
    return CalendarEvent(
        uid=f"o2o-appointment-{appointment.pk}@{domain}",
        title=f"{appointment.appointment_type.name} at {store.name}",
        starts_at=email.starts_at,
        ends_at=email.ends_at,
        timezone=store.timezone,
        description=(
            ""
            if email.kind == AppointmentEmail.CANCELLED
            else f"Show this code at the desk: {appointment.code}"
        ),
        location=_place(store, store.warehouse.address),
        sequence=email.sequence,
        cancelled=email.kind == AppointmentEmail.CANCELLED,
    )


def appointment_email_send(*, email: AppointmentEmail) -> Optional[str]:
    """Render and send one recorded e-mail with its .ics; return the address used."""
    appointment = (
        Appointment.objects.select_related(
            "appointment_type", "store__warehouse__address"
        )
        .filter(pk=email.appointment_id)
        .first()
    )
    if appointment is None or not appointment.email:
        return None
    store = appointment.store
    event = appointment_calendar_event(
        email,
        appointment=appointment,
        domain=Site.objects.get_current().domain.split(":")[0],
    )
    templated_email_send(
        template=TEMPLATES[email.kind],
        recipient=appointment.email,
        context=dict(
            appointment=appointment,
            appointment_type=appointment.appointment_type,
            starts_at=email.starts_at,
            ends_at=email.ends_at,
            store=store,
            address=store.warehouse.address,
            code=appointment.code,
            qr_payload=desk_rules.qr_payload(appointment.code),
            moved=email.kind == AppointmentEmail.CONFIRMATION and email.sequence > 0,
        ),
        zone=store.timezone,
        attachments=[(ICS_FILE_NAME, ics_bytes(event), ICS_MIME_TYPE)],
    )
    return appointment.email


OUTBOX = EmailOutbox(
    AppointmentEmail,
    task_name=SEND_APPOINTMENT_EMAIL,
    send=lambda email: appointment_email_send(email=email),
)
