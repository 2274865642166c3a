"""Celery tasks: thin wrappers that read the configuration and call services."""

import logging
from datetime import timedelta

from django.utils import timezone
from saleor.celeryconf import app

from saleor_o2o.core.errors import GeocodingUnavailable
from saleor_o2o.core.settings import get_o2o_settings
from saleor_o2o.core.tasks import GEOCODE_STORE
from saleor_o2o.store import services as store_services
from saleor_o2o.store.models import GeocodingStatus, Store
from saleor_o2o.webhook.policy import retry_delay

logger = logging.getLogger(__name__)

#: Attempts for one address before it is marked failed.
GEOCODE_MAX_RETRIES = 6
#: A pending store untouched this long was lost (broker down at save time): queue again.
GEOCODE_STALE_AFTER = timedelta(hours=2)


def geocode_retry_delay(retries: int) -> int:
    """Return seconds before retry number `retries` + 1: 30 s doubling, at most 1 h."""
    return int(retry_delay(retries + 1, base=timedelta(seconds=30)).total_seconds())


@app.task(
    name=GEOCODE_STORE,
    bind=True,
    max_retries=GEOCODE_MAX_RETRIES,
    acks_late=True,
)
def geocode_store_task(self, store_id: int) -> None:
    settings = get_o2o_settings()
    final = self.request.retries >= self.max_retries
    try:
        store_services.store_geocode(
            store_id=store_id, settings=settings.geocoder, final_attempt=final
        )
    except GeocodingUnavailable as error:
        logger.info("Geocoding store %s failed, will retry: %s", store_id, error)
        raise self.retry(exc=error, countdown=geocode_retry_delay(self.request.retries))


@app.task(name="saleor_o2o.tasks.geocode_pending_stores_task")
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


@app.task(name="saleor_o2o.tasks.purge_pickup_reservations_task")
def purge_pickup_reservations_task() -> int:
    """Delete expired pickup reservations (they already count for nothing)."""
    from saleor_o2o.store.reservations import reservations_purge

    return reservations_purge()
