"""Routing shipped orders by distance: where an order is routed from, where the
warehouses are, and the source its stock is reserved and allocated from.

Network calls (the geocoding provider) happen only in `origin_locate` and
`warehouse_geocode`, which are called outside any transaction: before a checkout's
completion takes its first lock, and from a Celery task. Inside the order's
transactions, `origin_remembered` reads what `origin_locate` found from the
geocoding cache, so the reservation and the allocation rank the warehouses alike.
"""

import dataclasses
import logging
from datetime import timedelta
from typing import Hashable, Iterable, List, Optional

from django.db import transaction
from django.utils import timezone
from saleor.account.models import Address
from saleor.warehouse.models import Warehouse

from saleor_o2o.core import geocoding
from saleor_o2o.core.errors import GeocodingUnavailable, O2OError
from saleor_o2o.core.geo import Point
from saleor_o2o.core.settings import GeocoderSettings, get_o2o_settings
from saleor_o2o.core.tasks import GEOCODE_WAREHOUSE, enqueue
from saleor_o2o.routing import rules, selectors
from saleor_o2o.routing.centroids import country_centroid
from saleor_o2o.routing.models import WarehouseLocation
from saleor_o2o.store import reservations
from saleor_o2o.store.address import geocoding_query
from saleor_o2o.store.models import GeocodingStatus, Store

logger = logging.getLogger(__name__)

#: The longest a checkout waits for the provider to place its address.
ORIGIN_TIMEOUT_SECONDS = 3.0
#: A warehouse waiting this long for its geocoding (the task was lost) is queued again.
LOCATION_STALE_AFTER = timedelta(hours=2)


def _country_origin(country_code: str) -> rules.Origin:
    point = country_centroid(country_code)
    if point is None:
        return rules.Origin(point=None, kind=rules.OriginKind.NONE)
    return rules.Origin(point=point, kind=rules.OriginKind.COUNTRY)


def _bounded(settings: GeocoderSettings) -> GeocoderSettings:
    return dataclasses.replace(
        settings, timeout_seconds=min(settings.timeout_seconds, ORIGIN_TIMEOUT_SECONDS)
    )


def origin_locate(address: Address, *, settings: GeocoderSettings) -> rules.Origin:
    """Place the shipping address with the provider (cached per address), or fall
    back to its country's centre. Never call it inside a transaction."""
    query, country = geocoding_query(address)
    if settings.enabled:
        try:
            place = geocoding.geocode_cached(
                query, settings=_bounded(settings), country_code=country
            )
        except O2OError as error:
            logger.info("Routing %s from its country's centre: %s", country, error)
        else:
            return rules.Origin(
                point=Point(place.latitude, place.longitude),
                kind=rules.OriginKind.ADDRESS,
            )
    return _country_origin(country)


def origin_remembered(address: Address, *, settings: GeocoderSettings) -> rules.Origin:
    """Return where `origin_locate` placed the address, from the cache only, or the
    country's centre; safe inside a transaction holding locks."""
    query, country = geocoding_query(address)
    place = (
        geocoding.geocode_peek(query, settings=settings, country_code=country)
        if settings.enabled
        else None
    )
    if place is None:
        return _country_origin(country)
    return rules.Origin(
        point=Point(place.latitude, place.longitude),
        kind=rules.OriginKind.ADDRESS,
    )


def shipping_source_routed(
    *, address: Address, settings: GeocoderSettings
) -> reservations.Source:
    """Return the warehouses that ship to the address, nearest first.

    Reads only the database and the cache: call `origin_locate` first, outside the
    transaction, to place the address.
    """
    origin = origin_remembered(address, settings=settings)
    return source_routed_from(address.country.code, origin.point)


def source_routed_from(country: str, origin: Optional[Point]) -> reservations.Source:
    """Return the warehouses that ship to ``country``, nearest ``origin`` first
    (one query)."""
    located = selectors.shipping_locations(country)
    return reservations.Source(
        warehouse_ids=tuple(place.warehouse_id for place in located),
        nearest_first=rules.nearest_first(origin, located),
    )


# Warehouse locations --------------------------------------------------------------


def warehouse_locations_request(
    warehouse_ids: Iterable[Hashable], *, now=None
) -> List[Hashable]:
    """Mark for geocoding the warehouses whose place is unknown or out of date, and
    queue their task once committed.

    Stores are skipped (they have coordinates of their own). A warehouse is queued
    when it has no location yet, when its address changed since, or when it has
    waited `LOCATION_STALE_AFTER` (the task was lost). Returns the IDs queued.
    """
    queued = warehouse_locations_pending(warehouse_ids, now=now)
    transaction.on_commit(lambda: _queue(queued))
    return queued


def _queue(warehouse_ids) -> None:
    for warehouse_id in warehouse_ids:
        enqueue(GEOCODE_WAREHOUSE, str(warehouse_id))


def warehouse_locations_pending(
    warehouse_ids: Iterable[Hashable], *, now=None
) -> List[Hashable]:
    """Mark the warehouses of `warehouse_locations_request` pending; return them."""
    now = now or timezone.now()
    warehouses = (
        Warehouse.objects.select_related("address")
        .filter(pk__in=list(warehouse_ids))
        .exclude(pk__in=Store.objects.values("warehouse_id"))
        .order_by("pk")
    )
    known = {
        location.pk: location
        for location in WarehouseLocation.objects.filter(
            warehouse_id__in=[warehouse.pk for warehouse in warehouses]
        )
    }
    queued = []
    for warehouse in warehouses:
        query, _country = geocoding_query(warehouse.address)
        location = known.get(warehouse.pk)
        if location is not None and location.query == query:
            waiting = location.status == GeocodingStatus.PENDING
            stale = location.requested_at is None or (
                location.requested_at < now - LOCATION_STALE_AFTER
            )
            if not (waiting and stale):
                continue
        WarehouseLocation.objects.update_or_create(
            warehouse_id=warehouse.pk,
            defaults={
                "query": query,
                "latitude": None,
                "longitude": None,
                "status": GeocodingStatus.PENDING,
                "requested_at": now,
                "attempts": 0,
                "error": "",
            },
        )
        queued.append(warehouse.pk)
    return queued


def warehouse_geocode(
    *, warehouse_id, settings: GeocoderSettings, final_attempt: bool = True
) -> Optional[WarehouseLocation]:
    """Geocode a warehouse's address and record where it is.

    A passing failure (`GeocodingUnavailable`) is recorded and re-raised, for the
    caller to retry, unless this was the final attempt; the warehouse then ranks
    after every placed one until its address changes.
    """
    location = (
        WarehouseLocation.objects.select_related("warehouse__address")
        .filter(pk=warehouse_id)
        .first()
    )
    if location is None or location.status != GeocodingStatus.PENDING:
        return location
    query, country = geocoding_query(location.warehouse.address)
    if query != location.query:
        return location  # The address changed: the request for it queued a task.
    place, error = None, None
    try:
        place = geocoding.geocode(query, settings=settings, country_code=country)
    except O2OError as raised:
        error = raised
    retrying = isinstance(error, GeocodingUnavailable) and not final_attempt
    with transaction.atomic():
        location = (
            WarehouseLocation.objects.select_for_update()
            .filter(pk=warehouse_id)
            .first()
        )
        if location is None or location.query != query:
            return location  # Deleted, or the address changed: another task runs.
        location.attempts += 1
        if place is not None:
            location.latitude, location.longitude = place.latitude, place.longitude
            location.status = GeocodingStatus.SUCCEEDED
            location.error = ""
            location.geocoded_at = timezone.now()
        else:
            location.latitude = location.longitude = None
            location.error = error.message
            if not retrying:
                location.status = GeocodingStatus.FAILED
        location.save()
    if retrying:
        raise error
    return location


def warehouse_saved(sender, instance, created=False, raw=False, **kwargs) -> None:
    """Geocode a warehouse created or moved, once saved, if orders are routed.

    Connected to ``post_save`` of Saleor's ``Warehouse`` (``warehouseCreate``,
    ``warehouseUpdate`` and the extension's store writes all save it). Checkouts
    also ask for it (`warehouse_locations_request`), for warehouses saved while the
    option was off.
    """
    if raw:
        return
    settings = get_o2o_settings()
    if settings.active and settings.route_by_distance:
        transaction.on_commit(lambda: _warehouse_location_refresh(instance.pk))


def _warehouse_location_refresh(warehouse_id) -> None:
    _queue(warehouse_locations_pending([warehouse_id]))  # Already committed.
