"""E-mails to shoppers about their pickups, sent through Saleor's e-mail settings.

Rendered with django-templated-email, as Saleor's own e-mails are, from the templates
the extension ships under ``templates/templated_email/o2o/``; merchants override them
by putting files of the same name earlier in their template path. The sender is
Saleor's site setting ``default_from_email``; the transport is Saleor's ``EMAIL_URL``.
"""

import logging
from datetime import timedelta
from typing import Optional

from django.db import transaction
from django.utils import timezone
from saleor.core.emails import get_email_context
from templated_email import send_templated_mail

from saleor_o2o.core.tasks import SEND_PICKUP_EMAIL, enqueue
from saleor_o2o.pickup.models import Pickup, PickupEmail

logger = logging.getLogger(__name__)

#: Tries per e-mail before the sweep stops; the last error stays on the row.
MAX_ATTEMPTS = 8

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
        transaction.on_commit(lambda: enqueue(SEND_PICKUP_EMAIL, email.pk))


def pickup_email_deliver(*, email_id: int) -> bool:
    """Send a recorded e-mail unless already sent; return whether it is sent now.

    The row is locked while sending, so two workers never send it twice; a failure
    is recorded on the row (the sweep retries it) and raised again.
    """
    failure: Optional[Exception] = None
    with transaction.atomic():
        email = (
            PickupEmail.objects.select_for_update(skip_locked=True)
            .filter(pk=email_id, sent_at__isnull=True)
            .first()
        )
        if email is None:
            return False  # Sent already, or being sent by another worker.
        try:
            pickup_email_send(pickup_id=email.pickup_id, kind=email.kind)
        except Exception as error:  # The mail server's error, kept on the row.
            failure = error
            email.attempts += 1
            email.last_error = f"{type(error).__name__}: {error}"[:500]
            email.save(update_fields=["attempts", "last_error"])
        else:
            email.sent_at = timezone.now()
            email.save(update_fields=["sent_at"])
    if failure is not None:
        raise failure
    return True


def pickup_emails_send_pending(*, older_than: timedelta = timedelta(minutes=1)) -> int:
    """Send recorded e-mails whose hand-over to Celery was lost; return how many."""
    cutoff = timezone.now() - older_than
    ids = list(
        PickupEmail.objects.filter(
            sent_at__isnull=True, created_at__lte=cutoff, attempts__lt=MAX_ATTEMPTS
        )
        .order_by("created_at")
        .values_list("pk", flat=True)[:200]
    )
    sent = 0
    for email_id in ids:
        try:
            sent += pickup_email_deliver(email_id=email_id)
        except Exception:
            logger.warning("Pickup e-mail %s failed again", email_id, exc_info=True)
    return sent


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
    send_kwargs, context = get_email_context()
    settings = get_o2o_settings()
    expires_at = (
        settings.hold_policy.expires_at(pickup.ready_at) if pickup.ready_at else None
    )
    context.update(
        pickup=pickup,
        order=pickup.order,
        store=pickup.store,
        address=pickup.store.warehouse.address,
        expires_at=expires_at,
        hold_hours=f"{settings.pickup_hold_hours:g}",
    )
    # Times read in the store's own zone: it is where the shopper goes.
    with timezone.override(pickup.store.timezone):
        send_templated_mail(
            template_name=TEMPLATES[kind],
            recipient_list=[recipient],
            context=context,
            **send_kwargs,
        )
    return recipient
