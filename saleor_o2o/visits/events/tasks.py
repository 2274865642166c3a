"""Celery tasks of store events (thin: they call the e-mail outbox)."""

import logging

from saleor.celeryconf import app

from saleor_o2o.core.tasks import SEND_STORE_EVENT_EMAIL

logger = logging.getLogger(__name__)


@app.task(name=SEND_STORE_EVENT_EMAIL, acks_late=True)
def send_store_event_email_task(email_id: int) -> bool:
    """Send a recorded RSVP e-mail; a failure is left to the periodic sweep."""
    from saleor_o2o.visits.events.emails import store_event_email_deliver

    try:
        return store_event_email_deliver(email_id=email_id)
    except Exception:  # Recorded on the e-mail's row; the sweep tries again.
        logger.warning("Store event e-mail %s not sent", email_id, exc_info=True)
        return False


@app.task(name="saleor_o2o.tasks.send_pending_store_event_emails_task")
def send_pending_store_event_emails_task() -> int:
    """Send recorded RSVP e-mails whose hand-over to Celery was lost."""
    from saleor_o2o.visits.events.emails import store_event_emails_send_pending

    return store_event_emails_send_pending()
