"""Handing work to Celery."""

import logging

from saleor.celeryconf import app

logger = logging.getLogger(__name__)


def enqueue(task, *args) -> bool:
    """Queue a task without ever blocking the caller; return whether it was queued.

    Called after commit, from requests: when the broker is down, Celery's default is
    to retry the connection for a very long time, holding the request. Here one
    quick connection attempt is made and a failure is logged instead; the periodic
    sweeps pick the work up later.
    """
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
