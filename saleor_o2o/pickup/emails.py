"""E-mails to shoppers about their pickups (the outbox of `core.emails`)."""

from datetime import timedelta
from typing import Optional

from saleor_o2o.core.emails import MAX_ATTEMPTS  # noqa: F401 (re-exported)
from saleor_o2o.core.emails import EmailOutbox, templated_email_send
from saleor_o2o.core.tasks import SEND_PICKUP_EMAIL
from saleor_o2o.pickup.models import Pickup, PickupEmail

#: Template per kind of e-mail.
TEMPLATES = {
    "ready": "o2o/pickup_ready",
    "expiry_reminder": "o2o/pickup_expiry_reminder",
    "expired": "o2o/pickup_expired",
}


def pickup_email_record(*, pickup: Pickup, kind: str) -> None:
    """Record, in the caller's transaction, that the shopper is due an e-mail.

    After commit it is handed to Celery; if the broker is down, the sweep
    (`pickup_emails_send_pending`) sends it later. One e-mail per pickup and kind.
    """
    if kind not in TEMPLATES:
        raise ValueError(f"Unknown pickup e-mail: {kind!r}")
    email, created = PickupEmail.objects.get_or_create(pickup=pickup, kind=kind)
    if created:
        OUTBOX.enqueue_on_commit(email)


def pickup_email_deliver(*, email_id: int) -> bool:
    """Send a recorded e-mail unless already sent; return whether it is sent now."""
    return OUTBOX.deliver(email_id)


def pickup_emails_send_pending(*, older_than: timedelta = timedelta(minutes=1)) -> int:
    """Send recorded e-mails whose hand-over to Celery was lost; return how many."""
    return OUTBOX.send_pending(older_than=older_than)


def pickup_email_send(*, pickup_id: int, kind: str) -> Optional[str]:
    """Render and send the shopper the ``kind`` e-mail; return the address used.

    Nothing is sent when the order has no e-mail address.
    """
    from saleor_o2o.core.settings import get_o2o_settings

    pickup = (
        Pickup.objects.select_related("order", "store__warehouse__address")
        .filter(pk=pickup_id)
        .first()
    )
    if pickup is None:
        return None
    recipient = pickup.order.get_customer_email()
    if not recipient:
        return None
    settings = get_o2o_settings()
    expires_at = (
        settings.hold_policy.expires_at(pickup.ready_at) if pickup.ready_at else None
    )
    templated_email_send(
        template=TEMPLATES[kind],
        recipient=recipient,
        context=dict(
            pickup=pickup,
            order=pickup.order,
            store=pickup.store,
            address=pickup.store.warehouse.address,
            expires_at=expires_at,
            hold_hours=f"{settings.pickup_hold_hours:g}",
        ),
        zone=pickup.store.timezone,
    )
    return recipient


OUTBOX = EmailOutbox(
    PickupEmail,
    task_name=SEND_PICKUP_EMAIL,
    send=lambda email: pickup_email_send(pickup_id=email.pickup_id, kind=email.kind),
)
