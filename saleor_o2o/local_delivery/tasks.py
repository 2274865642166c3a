"""Celery tasks of local deliveries (thin: they call the delivery e-mail outbox)."""

import logging

from saleor.celeryconf import app

from saleor_o2o.core.tasks import SEND_LOCAL_DELIVERY_EMAIL

logger = logging.getLogger(__name__)


@app.task(name=SEND_LOCAL_DELIVERY_EMAIL, acks_late=True)
def send_local_delivery_email_task(email_id: int) -> bool:
    """Send a recorded delivery e-mail; a failure is left to the periodic sweep."""
    from saleor_o2o.local_delivery.emails import local_delivery_email_deliver

    try:
        return local_delivery_email_deliver(email_id=email_id)
    except Exception:  # Recorded on the e-mail's row; the sweep tries again.
        logger.warning("Local delivery e-mail %s not sent", email_id, exc_info=True)
        return False


@app.task(name="saleor_o2o.tasks.send_pending_local_delivery_emails_task")
def send_pending_local_delivery_emails_task() -> int:
    """Send recorded delivery e-mails whose hand-over to Celery was lost."""
    from saleor_o2o.local_delivery.emails import local_delivery_emails_send_pending

    return local_delivery_emails_send_pending()
