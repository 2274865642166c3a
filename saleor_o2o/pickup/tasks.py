"""Celery tasks of pickups (thin: they call the pickup services)."""

import logging

from saleor.celeryconf import app

from saleor_o2o.core.settings import get_o2o_settings
from saleor_o2o.core.tasks import SEND_PICKUP_EMAIL

logger = logging.getLogger(__name__)


@app.task(name=SEND_PICKUP_EMAIL, acks_late=True)
def send_pickup_email_task(email_id: int) -> bool:
    """Send a recorded pickup e-mail; a failure is left to the periodic sweep."""
    from saleor_o2o.pickup.emails import pickup_email_deliver

    try:
        return pickup_email_deliver(email_id=email_id)
    except Exception:  # Recorded on the e-mail's row; the sweep tries again.
        logger.warning("Pickup e-mail %s not sent", email_id, exc_info=True)
        return False


@app.task(name="saleor_o2o.tasks.send_pending_pickup_emails_task")
def send_pending_pickup_emails_task() -> int:
    """Send recorded pickup e-mails whose hand-over to Celery was lost."""
    from saleor_o2o.pickup.emails import pickup_emails_send_pending

    return pickup_emails_send_pending()


@app.task(name="saleor_o2o.tasks.expire_pickups_task")
def expire_pickups_task() -> dict:
    """Remind shoppers of pickups about to expire, and expire overdue ones."""
    from saleor_o2o.pickup.expiry import pickups_expire

    settings = get_o2o_settings()
    if not settings.active:
        return {"reminded": 0, "expired": 0}
    run = pickups_expire(settings=settings)
    return {"reminded": len(run.reminded), "expired": len(run.expired)}
