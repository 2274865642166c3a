"""Celery tasks: thin wrappers that read the configuration and call services."""

import logging
from datetime import timedelta

from django.utils import timezone
from saleor.celeryconf import app

from saleor_o2o import services
from saleor_o2o.conf import get_o2o_settings
from saleor_o2o.domain.delivery import retry_delay
from saleor_o2o.errors import GeocodingUnavailable
from saleor_o2o.models import GeocodingStatus, Store

logger = logging.getLogger(__name__)

#: Attempts for one address before it is marked failed.
GEOCODE_MAX_RETRIES = 6
#: A pending store untouched this long was lost (broker down at save time): queue again.
GEOCODE_STALE_AFTER = timedelta(hours=2)


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


def geocode_retry_delay(retries: int) -> int:
    """Return seconds before retry number `retries` + 1: 30 s doubling, at most 1 h."""
    return int(retry_delay(retries + 1, base=timedelta(seconds=30)).total_seconds())


@app.task(bind=True, max_retries=GEOCODE_MAX_RETRIES, acks_late=True)
def geocode_store_task(self, store_id: int) -> None:
    settings = get_o2o_settings()
    final = self.request.retries >= self.max_retries
    try:
        services.store_geocode(
            store_id=store_id, settings=settings.geocoder, final_attempt=final
        )
    except GeocodingUnavailable as error:
        logger.info("Geocoding store %s failed, will retry: %s", store_id, error)
        raise self.retry(exc=error, countdown=geocode_retry_delay(self.request.retries))


@app.task
def geocode_pending_stores_task() -> int:
    """Queue again the stores whose geocoding request was lost; return how many."""
    stale = timezone.now() - GEOCODE_STALE_AFTER
    ids = list(
        Store.objects.filter(
            geocoding_status=GeocodingStatus.PENDING, geocoding_requested_at__lt=stale
        ).values_list("pk", flat=True)[:500]
    )
    Store.objects.filter(pk__in=ids).update(geocoding_requested_at=timezone.now())
    for store_id in ids:
        geocode_store_task.delay(store_id)
    return len(ids)


@app.task
def purge_pickup_reservations_task() -> int:
    """Delete expired pickup reservations (they already count for nothing)."""
    from saleor_o2o.reservations import reservations_purge

    return reservations_purge()


@app.task(acks_late=True)
def send_pickup_email_task(email_id: int) -> bool:
    """Send a recorded pickup e-mail; a failure is left to the periodic sweep."""
    from saleor_o2o.emails import pickup_email_deliver

    try:
        return pickup_email_deliver(email_id=email_id)
    except Exception:  # Recorded on the e-mail's row; the sweep tries again.
        logger.warning("Pickup e-mail %s not sent", email_id, exc_info=True)
        return False


@app.task
def send_pending_pickup_emails_task() -> int:
    """Send recorded pickup e-mails whose hand-over to Celery was lost."""
    from saleor_o2o.emails import pickup_emails_send_pending

    return pickup_emails_send_pending()


@app.task
def expire_pickups_task() -> dict:
    """Remind shoppers of pickups about to expire, and expire overdue ones."""
    from saleor_o2o.pickup_lifecycle import pickups_expire

    settings = get_o2o_settings()
    if not settings.active:
        return {"reminded": 0, "expired": 0}
    run = pickups_expire(settings=settings)
    return {"reminded": len(run.reminded), "expired": len(run.expired)}


@app.task(acks_late=True)
def deliver_webhooks_task() -> int:
    """Send the O2O webhook deliveries that are due; return how many attempts."""
    from saleor_o2o.webhooks import deliveries_send_due

    return deliveries_send_due()


@app.task
def purge_webhook_deliveries_task() -> int:
    """Delete delivered O2O webhook deliveries and events past their retention."""
    from saleor_o2o.webhooks import deliveries_purge

    return deliveries_purge()


@app.task
def refund_orphaned_payments_task() -> int:
    """Refund payments captured by a checkout completion that placed no order."""
    from saleor_o2o.completion import payments_orphaned_refund

    return payments_orphaned_refund()


@app.task(name="saleor_o2o.tasks.purge_shopper_signals_task")
def purge_shopper_signals_task() -> dict:
    """Delete product views past their retention and past days' impression marks."""
    from saleor_o2o.offers import shopper_signals_purge

    purged = shopper_signals_purge()
    return {"views": purged.views, "impression_marks": purged.impression_marks}
