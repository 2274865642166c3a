"""E-mails to shoppers about their RSVPs (the outbox of `core.emails`)."""

from datetime import timedelta
from typing import Optional

from django.conf import settings

from saleor_o2o.core.emails import EmailOutbox, templated_email_send
from saleor_o2o.core.ical import CONTENT_TYPE
from saleor_o2o.core.tasks import SEND_STORE_EVENT_EMAIL
from saleor_o2o.visits.events import calendar, rules
from saleor_o2o.visits.events.models import StoreEventEmail, StoreEventRsvp

#: Template per kind of e-mail.
TEMPLATES = {"confirmed": "o2o/store_event_rsvp_confirmed"}


def store_event_email_record(*, rsvp: StoreEventRsvp, kind: str) -> None:
    """Record, in the caller's transaction, that the shopper is due an e-mail;
    after commit it goes to Celery, else the sweep sends it. One per RSVP and kind."""
    if kind not in TEMPLATES:
        raise ValueError(f"Unknown store event e-mail: {kind!r}")
    email, created = StoreEventEmail.objects.get_or_create(rsvp=rsvp, kind=kind)
    if created:
        OUTBOX.enqueue_on_commit(email)


def store_event_email_deliver(*, email_id: int) -> bool:
    """Send a recorded e-mail unless already sent; return whether it is sent now."""
    return OUTBOX.deliver(email_id)


def store_event_emails_send_pending(
    *, older_than: timedelta = timedelta(minutes=1)
) -> int:
    """Send recorded e-mails whose hand-over to Celery was lost; return how many."""
    return OUTBOX.send_pending(older_than=older_than)


def store_event_email_send(*, rsvp_id: int, kind: str) -> Optional[str]:
    """Render and send the ``kind`` e-mail with the event's .ics; return the
    address used (None when the RSVP is gone)."""
    rsvp = StoreEventRsvp.objects.select_related("event").filter(pk=rsvp_id).first()
    if rsvp is None:
        return None
    event = rsvp.event
    stores = calendar.event_stores(event)
    token = rules.cancel_token(rsvp.token_nonce, secret=settings.SECRET_KEY)
    templated_email_send(
        template=TEMPLATES[kind],
        recipient=rsvp.email,
        context=dict(
            event=event,
            rsvp=rsvp,
            stores=stores,
            location=calendar.event_location(stores),
            event_url=calendar.event_url(event),
            cancel_url=calendar.rsvp_cancel_url(token),
        ),
        zone=calendar.event_timezone(stores),
        attachments=[(f"{event.slug}.ics", calendar.event_ics(event), CONTENT_TYPE)],
    )
    return rsvp.email


OUTBOX = EmailOutbox(
    StoreEventEmail,
    task_name=SEND_STORE_EVENT_EMAIL,
    send=lambda email: store_event_email_send(rsvp_id=email.rsvp_id, kind=email.kind),
)
