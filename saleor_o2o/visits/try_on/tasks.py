"""Celery tasks of try-on reservations (thin: they call the services)."""

import logging

from saleor.celeryconf import app

from saleor_o2o.core.settings import get_o2o_settings
from saleor_o2o.core.tasks import SEND_TRY_ON_EMAIL

logger = logging.getLogger(__name__)


@app.task(name=SEND_TRY_ON_EMAIL, acks_late=True)
def send_try_on_email_task(email_id: int) -> bool:
    """Send a recorded try-on e-mail; a failure is left to the periodic sweep."""
    from saleor_o2o.visits.try_on.emails import try_on_email_deliver

    try:
        return try_on_email_deliver(email_id=email_id)
    except Exception:  # Recorded on the e-mail's row; the sweep tries again.
        logger.warning("Try-on e-mail %s not sent", email_id, exc_info=True)
        return False


@app.task(name="saleor_o2o.tasks.send_pending_try_on_emails_task")
def send_pending_try_on_emails_task() -> int:
    """Send recorded try-on e-mails whose hand-over to Celery was lost."""
    from saleor_o2o.visits.try_on.emails import try_on_emails_send_pending

    return try_on_emails_send_pending()


@app.task(name="saleor_o2o.tasks.expire_try_ons_task")
def expire_try_ons_task() -> int:
    """Close the try-on reservations whose hold ended; their units are back."""
    from saleor_o2o.visits.try_on.services import try_on_expire

    if not get_o2o_settings().active:
        return 0
    return len(try_on_expire())
