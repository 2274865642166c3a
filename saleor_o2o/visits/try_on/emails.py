"""E-mails to shoppers about their try-on reservations (the `core.emails` outbox)."""

from datetime import timedelta
from typing import Optional

from saleor_o2o.core.emails import EmailOutbox, templated_email_send
from saleor_o2o.core.tasks import SEND_TRY_ON_EMAIL
from saleor_o2o.visits.try_on.models import TryOnEmail, TryOnReservation

#: Template per kind of e-mail.
TEMPLATES = {
    "reserved": "o2o/try_on_reserved",
    "released": "o2o/try_on_released",
    "expired": "o2o/try_on_expired",
}


def try_on_email_record(*, reservation: TryOnReservation, kind: str) -> None:
    """Record, in the caller's transaction, that the shopper is due an e-mail.

    After commit it is handed to Celery; the sweep sends it if the broker was down.
    One e-mail per reservation and kind.
    """
    if kind not in TEMPLATES:
        raise ValueError(f"Unknown try-on e-mail: {kind!r}")
    email, created = TryOnEmail.objects.get_or_create(
        reservation=reservation, kind=kind
    )
    if created:
        OUTBOX.enqueue_on_commit(email)


def try_on_email_deliver(*, email_id: int) -> bool:
    """Send a recorded e-mail unless already sent; return whether it is sent now."""
    return OUTBOX.deliver(email_id)


def try_on_emails_send_pending(*, older_than: timedelta = timedelta(minutes=1)) -> int:
    """Send recorded e-mails whose hand-over to Celery was lost; return how many."""
    return OUTBOX.send_pending(older_than=older_than)


def try_on_email_send(*, reservation_id: int, kind: str) -> Optional[str]:
    """Render and send the shopper the ``kind`` e-mail; return the address used."""
    reservation = (
        TryOnReservation.objects.select_related("store__warehouse__address")
        .filter(pk=reservation_id)
        .first()
    )
    if reservation is None or not reservation.email:
        return None
    store = reservation.store
    templated_email_send(
        template=TEMPLATES[kind],
        recipient=reservation.email,
        context=dict(
            reservation=reservation,
            lines=list(reservation.lines.select_related("variant__product")),
            store=store,
            address=store.warehouse.address,
        ),
        zone=store.timezone,
    )
    return reservation.email


OUTBOX = EmailOutbox(
    TryOnEmail,
    task_name=SEND_TRY_ON_EMAIL,
    send=lambda email: try_on_email_send(
        reservation_id=email.reservation_id, kind=email.kind
    ),
)
