"""Celery tasks of appointments (thin: they call the e-mail outbox and the sweeps)."""

import logging

from saleor.celeryconf import app

from saleor_o2o.core.settings import get_o2o_settings
from saleor_o2o.core.tasks import SEND_APPOINTMENT_EMAIL

logger = logging.getLogger(__name__)


@app.task(name=SEND_APPOINTMENT_EMAIL, acks_late=True)
def send_appointment_email_task(email_id: int) -> bool:
    """Send a recorded appointment e-mail; a failure is left to the periodic sweep."""
    from saleor_o2o.visits.appointments.emails import appointment_email_deliver

    try:
        return appointment_email_deliver(email_id=email_id)
    except Exception:  # Recorded on the e-mail's row; the sweep tries again.
        logger.warning("Appointment e-mail %s not sent", email_id, exc_info=True)
        return False


@app.task(name="saleor_o2o.tasks.send_pending_appointment_emails_task")
def send_pending_appointment_emails_task() -> int:
    """Send recorded appointment e-mails whose hand-over to Celery was lost."""
    from saleor_o2o.visits.appointments.emails import appointment_emails_send_pending

    return appointment_emails_send_pending()


@app.task(name="saleor_o2o.tasks.sweep_appointments_task")
def sweep_appointments_task() -> dict:
    """Remind shoppers of visits coming soon, and mark the no-shows."""
    from saleor_o2o.visits.appointments.sweeps import appointments_sweep

    if not get_o2o_settings().active:
        return {"reminded": 0, "no_shows": 0}
    run = appointments_sweep()
    return {"reminded": len(run.reminded), "no_shows": len(run.no_shows)}
