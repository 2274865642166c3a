"""Pickup slots of stores, with the bookings they hold."""

from datetime import datetime, time, timedelta
from typing import Dict, List, Tuple

import pytz
from django.utils import timezone

from saleor_o2o.pickup.models import CheckoutPickup, Pickup, PickupStatus
from saleor_o2o.store import slots, supply
from saleor_o2o.store.models import Store


def slot_bookings(
    *, store: Store, start, end, exclude_checkout=None
) -> Dict[object, int]:
    """Count pickups booked per slot start in [start, end): open pickups, plus
    checkouts holding a live reservation (they are completing right now)."""
    return slot_bookings_for(
        {store.pk: (start, end)}, exclude_checkout=exclude_checkout
    )[store.pk]


def slot_bookings_for(
    windows: Dict[int, Tuple[datetime, datetime]], *, exclude_checkout=None
) -> Dict[int, Dict[object, int]]:
    """Count bookings per slot start for several stores, each in its own window.

    A booking is an open pickup, or a checkout completing right now (it holds its
    slot until its order exists). Two queries whatever the number of stores: the
    store lists of the storefront ask for slots of many stores at once.
    """
    counts: Dict[int, Dict[object, int]] = {store_id: {} for store_id in windows}
    if not windows:
        return counts
    start = min(window[0] for window in windows.values())
    end = max(window[1] for window in windows.values())
    pickups_booked = Pickup.objects.filter(
        store_id__in=windows,
        status__in=OPEN_STATUSES,
        slot_start__gte=start,
        slot_start__lt=end,
    ).values_list("store_id", "slot_start")
    completing = CheckoutPickup.objects.filter(
        store_id__in=windows,
        slot_start__gte=start,
        slot_start__lt=end,
        held_until__gt=timezone.now(),
    )
    if exclude_checkout is not None:
        completing = completing.exclude(checkout_id=exclude_checkout)
    rows = list(pickups_booked) + list(completing.values_list("store_id", "slot_start"))
    for store_id, slot_start in rows:
        window_start, window_end = windows[store_id]
        if window_start <= slot_start < window_end:
            per_store = counts[store_id]
            per_store[slot_start] = per_store.get(slot_start, 0) + 1
    return counts


def _day_window(store: Store, day) -> Tuple[datetime, datetime]:
    zone = pytz.timezone(store.timezone)
    day_start = zone.localize(datetime.combine(day, time(0)))
    # Overnight hours can put the day's last slots past midnight.
    return day_start, day_start + timedelta(days=2)


def store_pickup_slots(*, store: Store, day, now=None, exclude_checkout=None):
    """Return the store's pickup slots on local date `day`, with what remains."""
    if store.pickup_slot_capacity == 0:
        return []
    booked = slot_bookings_for(
        {store.pk: _day_window(store, day)}, exclude_checkout=exclude_checkout
    )[store.pk]
    return store_pickup_slots_booked(store=store, day=day, booked=booked, now=now)


def stores_pickup_slots(*, requests, now=None) -> List[list]:
    """Return the pickup slots of several ``(store, day)`` pairs, in order.

    Bookings are counted in one go and opening-hours exceptions fetched once.
    """
    from django.db.models import prefetch_related_objects

    stores = [store for store, _day in requests if store.pickup_slot_capacity]
    # Skips the stores whose exceptions the store list prefetched already.
    prefetch_related_objects(stores, "hours_exceptions")
    windows: Dict[int, Tuple[datetime, datetime]] = {}
    for store, day in requests:
        if store.pickup_slot_capacity:
            start, end = _day_window(store, day)
            known = windows.get(store.pk)
            windows[store.pk] = (
                (min(start, known[0]), max(end, known[1])) if known else (start, end)
            )
    booked = slot_bookings_for(windows)
    return [
        (
            store_pickup_slots_booked(
                store=store, day=day, booked=booked.get(store.pk, {}), now=now
            )
            if store.pickup_slot_capacity
            else []
        )
        for store, day in requests
    ]


def store_pickup_slots_booked(*, store: Store, day, booked, now=None):
    """Return the store's slots on `day` given the bookings counted already."""
    now = now or timezone.now()
    if store.pickup_slot_capacity == 0:
        return []
    schedule = store.schedule()
    earliest = supply.ready_by(
        schedule, now=now, lead_time=timedelta(minutes=store.pickup_lead_time_minutes)
    )
    if earliest is None:
        return []
    return slots.pickup_slots(
        schedule,
        day=day,
        slot_minutes=store.pickup_slot_minutes,
        capacity=store.pickup_slot_capacity,
        earliest=earliest,
        booked=booked,
    )


#: Pickups whose code may still be presented at a counter.
OPEN_STATUSES = [
    PickupStatus.RECEIVED,
    PickupStatus.PREPARING,
    PickupStatus.READY,
    PickupStatus.CUSTOMER_ARRIVED,
]
