"""Handing work to Celery."""

import logging

from saleor.celeryconf import app

logger = logging.getLogger(__name__)

#: The tasks services hand work to, by the names pinned in each concept's
#: ``tasks.py``. Services name tasks instead of importing them, so that task modules
#: import services and never the other way round (no import circles).
GEOCODE_STORE = "saleor_o2o.tasks.geocode_store_task"
GEOCODE_WAREHOUSE = "saleor_o2o.tasks.geocode_warehouse_task"
SEND_PICKUP_EMAIL = "saleor_o2o.tasks.send_pickup_email_task"
SEND_LOCAL_DELIVERY_EMAIL = "saleor_o2o.tasks.send_local_delivery_email_task"
SEND_APPOINTMENT_EMAIL = "saleor_o2o.tasks.send_appointment_email_task"
DELIVER_WEBHOOKS = "saleor_o2o.tasks.deliver_webhooks_task"
SEND_TRY_ON_EMAIL = "saleor_o2o.tasks.send_try_on_email_task"
SEND_STORE_EVENT_EMAIL = "saleor_o2o.tasks.send_store_event_email_task"


def task_named(name: str):
    """Return the registered Celery task called `name`.

    ``saleor_o2o.apps`` imports ``saleor_o2o.tasks`` when Django starts, so every
    task of the extension is registered in every process.
    """
    return app.tasks[name]


def enqueue(task, *args) -> bool:
    """Queue a task (or a task name) without blocking; return whether it was queued.

    Called after commit, from requests: when the broker is down, Celery's default is
    to retry the connection for a very long time, holding the request. Here one
    quick connection attempt is made and a failure is logged instead; the periodic
    sweeps pick the work up later.
    """
    if isinstance(task, str):
        task = task_named(task)
    if app.conf.task_always_eager:
        task.delay(*args)
        return True
    try:
        with app.pool.acquire(block=True) as connection:
            connection.ensure_connection(max_retries=1, interval_start=0)
            task.apply_async(args=args, connection=connection, retry=False)
        return True
    except Exception:  # Any broker error: log it, never raise it.
        logger.warning(
            "Could not queue %s: the broker is down.", task.name, exc_info=True
        )
        return False
