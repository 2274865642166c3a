"""Celery tasks of routing: thin wrappers around its services."""

import logging

from saleor.celeryconf import app

from saleor_o2o.core.errors import GeocodingUnavailable
from saleor_o2o.core.settings import get_o2o_settings
from saleor_o2o.core.tasks import GEOCODE_WAREHOUSE
from saleor_o2o.routing import services as routing_services
from saleor_o2o.store.tasks import GEOCODE_MAX_RETRIES, geocode_retry_delay

logger = logging.getLogger(__name__)


@app.task(
    name=GEOCODE_WAREHOUSE,
    bind=True,
    max_retries=GEOCODE_MAX_RETRIES,
    acks_late=True,
)
def geocode_warehouse_task(self, warehouse_id: str) -> None:
    settings = get_o2o_settings()
    final = self.request.retries >= self.max_retries
    try:
        routing_services.warehouse_geocode(
            warehouse_id=warehouse_id, settings=settings.geocoder, final_attempt=final
        )
    except GeocodingUnavailable as error:
        logger.info(
            "Geocoding warehouse %s failed, will retry: %s", warehouse_id, error
        )
        raise self.retry(exc=error, countdown=geocode_retry_delay(self.request.retries))
