"""Reads of pickups: the slots of stores with the bookings they hold, the pickup
desk's list, and pickups by ID, by order and by the order's token."""

from datetime import datetime, time, timedelta
from typing import Dict, List, Optional, Sequence, Tuple

import pytz
from django.db.models import QuerySet
from django.db.models.functions import Coalesce
from django.utils import timezone
from saleor.order.models import Order

from saleor_o2o.core.errors import NotFound
from saleor_o2o.occupancy.rules import SlotCap, capped_slots
from saleor_o2o.occupancy.selectors import slot_cap, slot_caps
from saleor_o2o.pickup.models import (
    CheckoutPickup,
    Pickup,
    PickupStatus,
    PickupTransition,
)
from saleor_o2o.store import slots, supply
from saleor_o2o.store.access import store_check, stores_within
from saleor_o2o.store.models import Store
from saleor_o2o.store.reach import Reach


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
    now = now or timezone.now()
    booked = slot_bookings_for(
        {store.pk: _day_window(store, day)}, exclude_checkout=exclude_checkout
    )[store.pk]
    return store_pickup_slots_booked(
        store=store,
        day=day,
        booked=booked,
        now=now,
        cap=slot_cap(store_id=store.pk, now=now),
    )


def stores_pickup_slots(*, requests, now=None) -> List[list]:
    """Return the pickup slots of several ``(store, day)`` pairs, in order.

    Bookings are counted in one go, opening-hours exceptions and crowding caps
    fetched once.
    """
    from django.db.models import prefetch_related_objects

    now = now or timezone.now()
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
    caps = slot_caps(store_ids=list(windows), now=now)
    return [
        (
            store_pickup_slots_booked(
                store=store,
                day=day,
                booked=booked.get(store.pk, {}),
                now=now,
                cap=caps.get(store.pk),
            )
            if store.pickup_slot_capacity
            else []
        )
        for store, day in requests
    ]


def store_pickup_slots_booked(
    *, store: Store, day, booked, now=None, cap: Optional[SlotCap] = None
):
    """Return the store's slots on `day` given the bookings counted already; while
    the store is crowded, `cap` shrinks the next hour's slots."""
    now = now or timezone.now()
    if store.pickup_slot_capacity == 0:
        return []
    schedule = store.schedule()
    earliest = supply.ready_by(
        schedule, now=now, lead_time=timedelta(minutes=store.pickup_lead_time_minutes)
    )
    if earliest is None:
        return []
    found = slots.time_slots(
        schedule,
        day=day,
        slot_minutes=store.pickup_slot_minutes,
        capacity=store.pickup_slot_capacity,
        earliest=earliest,
        booked=booked,
    )
    return capped_slots(found, cap)


#: Pickups whose code may still be presented at a counter.
OPEN_STATUSES = [
    PickupStatus.RECEIVED,
    PickupStatus.PREPARING,
    PickupStatus.READY,
    PickupStatus.CUSTOMER_ARRIVED,
]


def order_for_token(*, token, field: str) -> Order:
    """Return the order with this token, or raise NotFound on `field`."""
    order = Order.objects.filter(token=token).first()
    if order is None:
        raise NotFound("No order has this token.", field=field)
    return order


def pickup_for_id(*, pk) -> Optional[Pickup]:
    """Return the pickup with its order and store, or None."""
    return Pickup.objects.select_related("order", "store").filter(pk=pk).first()


def pickups_by_order(order_ids: Sequence[int]) -> Dict[int, Pickup]:
    """Return the pickups of these orders (with order and store) by order ID."""
    pickups = Pickup.objects.filter(order_id__in=order_ids).select_related(
        "order", "store"
    )
    return {pickup.order_id: pickup for pickup in pickups}


def transitions_by_pickup(
    pickup_ids: Sequence[int],
) -> Dict[int, List[PickupTransition]]:
    """Return the audit trail of each pickup, oldest first, in one query."""
    trails: Dict[int, List[PickupTransition]] = {pk: [] for pk in pickup_ids}
    rows = PickupTransition.objects.filter(pickup_id__in=pickup_ids)
    for transition in rows.select_related("user", "app").order_by("created_at", "pk"):
        trails[transition.pickup_id].append(transition)
    return trails


def pickups_for_desk(
    *,
    reach: Reach,
    store_id: Optional[int] = None,
    statuses: Optional[Sequence[str]] = None,
) -> QuerySet:
    """Return the pickups of the stores `reach` works in (or of one of them) in the
    order to serve them: by slot, or by order time when no slot was booked.

    A store outside `reach` raises as `store_check` does, on the field `storeId`.
    """
    qs = Pickup.objects.select_related("order__user", "store").annotate(
        desk_order=Coalesce("slot_start", "created_at")
    )
    if store_id is not None:
        store_check(reach, store_id, field="storeId")
        qs = qs.filter(store_id=store_id)
    else:
        qs = qs.filter(store__in=stores_within(reach))
    if statuses:
        qs = qs.filter(status__in=statuses)
    return qs.order_by("desk_order", "pk")
