"""Writes of occupancy: the counter, check-ins and their departures, settings.

Locks: a store's `StoreOccupancy` row is the last lock any transaction takes (a
pickup check-in holds its pickup first), and each change to the figure is made
under it, so concurrent updates are applied one after the other and none is lost.
The crowding events are recorded in the same transaction, exactly when the store
crosses its threshold (`rules.is_crowded`, with hysteresis).
"""

import datetime as dt
from typing import Any, Dict, Optional, Sequence

from django.db import connection, transaction
from django.utils import timezone

from saleor_o2o.core.ids import global_id
from saleor_o2o.occupancy import rules
from saleor_o2o.occupancy.models import OccupancyDeparture, StoreOccupancy
from saleor_o2o.webhook.events import O2OEventType, events_record

SETTINGS_FIELDS = (
    "capacity",
    "show_numbers",
    "crowded_percent",
    "crowded_slot_capacity",
    "dwell_minutes",
)


def occupancy_locked(store_id: int) -> StoreOccupancy:
    """Return the store's occupancy row, created if need be, locked until commit."""
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO saleor_o2o_storeoccupancy (store_id, current, capacity,"
            " show_numbers, crowded_percent, dwell_minutes, is_crowded, updated_at)"
            " VALUES (%s, 0, 0, true, %s, %s, false, now())"
            " ON CONFLICT (store_id) DO NOTHING",
            [store_id, rules.DEFAULT_CROWDED_PERCENT, rules.DEFAULT_DWELL_MINUTES],
        )
        # NO KEY UPDATE: departures may still be inserted for the store meanwhile.
        cursor.execute(
            "SELECT 1 FROM saleor_o2o_storeoccupancy WHERE store_id = %s"
            " FOR NO KEY UPDATE",
            [store_id],
        )
    return StoreOccupancy.objects.select_related("store").get(pk=store_id)


def crowding_payload(occupancy: StoreOccupancy) -> Dict[str, Any]:
    """Return the payload of store_crowded and store_eased."""
    store = occupancy.store
    return {
        "type": "StoreOccupancy",
        "store": {
            "id": global_id("Store", store.pk),
            "name": store.name,
            "slug": store.slug,
            "warehouse_id": global_id("Warehouse", store.warehouse_id),
        },
        "is_crowded": occupancy.is_crowded,
        "current": occupancy.current,
        "capacity": occupancy.capacity,
        "crowded_percent": occupancy.crowded_percent,
        "crowded_slot_capacity": occupancy.crowded_slot_capacity,
    }


def _save(
    occupancy: StoreOccupancy,
    current: int,
    now: dt.datetime,
    *,
    settings_fields: Sequence[str] = (),
) -> None:
    """Write a locked row in one UPDATE: a new figure (``updated_at`` is when the
    figure last changed), or new settings (``settings_fields``) with the figure as
    it is; record the crossing of the threshold either makes."""
    if current != occupancy.current or not settings_fields:
        occupancy.current = current
        occupancy.updated_at = now
    crowded = rules.is_crowded(
        current, occupancy.policy(), was_crowded=occupancy.is_crowded
    )
    crossed = crowded != occupancy.is_crowded
    occupancy.is_crowded = crowded
    occupancy.save(
        update_fields=["current", "is_crowded", "updated_at", *settings_fields]
    )
    if crossed:
        events_record(
            type=(O2OEventType.STORE_CROWDED if crowded else O2OEventType.STORE_EASED),
            payloads=[crowding_payload(occupancy)],
            store_id=occupancy.pk,
        )


def store_occupancy_update(
    *,
    store_id: int,
    delta: Optional[int] = None,
    count: Optional[int] = None,
    now: Optional[dt.datetime] = None,
) -> StoreOccupancy:
    """Add `delta` people (negative: leaving) or set the head count to `count`.

    The figure never goes below 0. A count replaces the figure, and the people
    checked in who were due to leave by themselves are now the count's: their
    departures are dropped.
    """
    rules.change_check(delta=delta, count=count)
    now = now or timezone.now()
    with transaction.atomic():
        occupancy = occupancy_locked(store_id)
        if count is not None:
            OccupancyDeparture.objects.filter(store_id=store_id).delete()
        _save(
            occupancy, rules.counted(occupancy.current, delta=delta, count=count), now
        )
    return occupancy


def occupancy_arrival(
    *, store_id: int, source: str, at: Optional[dt.datetime] = None
) -> None:
    """Count one person arriving in the store (a pickup, curbside or visit check-in).

    They count until the store's dwell time has passed (`occupancy_departures`).
    Call it inside the transaction of the check-in, after its own locks.
    """
    at = at or timezone.now()
    with transaction.atomic():
        occupancy = occupancy_locked(store_id)
        OccupancyDeparture.objects.create(
            store_id=store_id,
            source=source,
            arrived_at=at,
            leaves_at=at + dt.timedelta(minutes=occupancy.dwell_minutes),
        )
        _save(occupancy, occupancy.current + 1, at)


def occupancy_departures(*, now: Optional[dt.datetime] = None) -> int:
    """Let the checked-in people whose dwell time is over leave; return how many."""
    now = now or timezone.now()
    store_ids = list(
        OccupancyDeparture.objects.filter(leaves_at__lte=now)
        .order_by("store_id")
        .values_list("store_id", flat=True)
        .distinct()
    )
    left = 0
    for store_id in store_ids:
        with transaction.atomic():
            occupancy = occupancy_locked(store_id)
            gone, _ = OccupancyDeparture.objects.filter(
                store_id=store_id, leaves_at__lte=now
            ).delete()
            if gone:
                _save(occupancy, max(0, occupancy.current - gone), now)
                left += gone
    return left


def occupancy_settings_update(*, store_id: int, data: Dict[str, Any]) -> StoreOccupancy:
    """Set a store's occupancy settings (fields left out keep their value).

    A new capacity or threshold can make the store crowded or ease it: the event is
    recorded as for a change of the figure.
    """
    values = {key: value for key, value in data.items() if key in SETTINGS_FIELDS}
    rules.settings_check(values)
    now = timezone.now()
    with transaction.atomic():
        occupancy = occupancy_locked(store_id)
        for name, value in values.items():
            setattr(occupancy, name, value)
        _save(occupancy, occupancy.current, now, settings_fields=list(values))
    return occupancy
