"""E-mails to shoppers about their local deliveries (the outbox of `core.emails`).

A delivery may go out, and fail, more than once: each e-mail belongs to the
transition that made it due, so every attempt has its own and none is sent twice.
"""

from datetime import timedelta
from typing import Optional

from saleor_o2o.core.emails import EmailOutbox, templated_email_send
from saleor_o2o.core.tasks import SEND_LOCAL_DELIVERY_EMAIL
from saleor_o2o.local_delivery.models import (
    LocalDelivery,
    LocalDeliveryEmail,
    LocalDeliveryTransition,
)
from saleor_o2o.local_delivery.rules import LocalDeliveryStatus, qr_payload

#: The e-mail due when a delivery reaches a status, and its template.
EMAIL_FOR_STATUS = {
    LocalDeliveryStatus.OUT_FOR_DELIVERY: "on_its_way",
    LocalDeliveryStatus.DELIVERED: "delivered",
    LocalDeliveryStatus.FAILED_ATTEMPT: "failed_attempt",
}
TEMPLATES = {
    "on_its_way": "o2o/local_delivery_on_its_way",
    "delivered": "o2o/local_delivery_delivered",
    "failed_attempt": "o2o/local_delivery_failed_attempt",
}


def local_delivery_email_record(
    *, delivery: LocalDelivery, transition: LocalDeliveryTransition
) -> Optional[LocalDeliveryEmail]:
    """Record, in the caller's transaction, the e-mail the transition makes due.

    After commit it is handed to Celery; if the broker is down, the sweep
    (`local_delivery_emails_send_pending`) sends it later. None if none is due.
    """
    kind = EMAIL_FOR_STATUS.get(transition.to_status)
    if kind is None:
        return None
    email, created = LocalDeliveryEmail.objects.get_or_create(
        transition=transition, defaults={"delivery": delivery, "kind": kind}
    )
    if created:
        OUTBOX.enqueue_on_commit(email)
    return email


def local_delivery_email_deliver(*, email_id: int) -> bool:
    """Send a recorded e-mail unless already sent; return whether it is sent now."""
    return OUTBOX.deliver(email_id)


def local_delivery_emails_send_pending(
    *, older_than: timedelta = timedelta(minutes=1)
) -> int:
    """Send recorded e-mails whose hand-over to Celery was lost; return how many."""
    return OUTBOX.send_pending(older_than=older_than)


def local_delivery_email_send(*, email: LocalDeliveryEmail) -> Optional[str]:
    """Render and send the shopper one recorded e-mail; return the address used.

    The e-mail tells the delivery as it was at its transition (courier, attempt);
    nothing is sent when the order has no e-mail address.
    """
    delivery = (
        LocalDelivery.objects.select_related("order", "store__warehouse__address")
        .filter(pk=email.delivery_id)
        .first()
    )
    if delivery is None:
        return None
    recipient = delivery.order.get_customer_email()
    if not recipient:
        return None
    templated_email_send(
        template=TEMPLATES[email.kind],
        recipient=recipient,
        context=dict(
            delivery=delivery,
            transition=email.transition,
            order=delivery.order,
            store=delivery.store,
            address=delivery.store.warehouse.address,
            qr_payload=qr_payload(delivery.code),
        ),
        zone=delivery.store.timezone,
    )
    return recipient


OUTBOX = EmailOutbox(
    LocalDeliveryEmail,
    task_name=SEND_LOCAL_DELIVERY_EMAIL,
    send=lambda email: local_delivery_email_send(email=email),
)
