"""Reads of occupancy: the live figure, busy hours, and the cap on the next slots."""

import datetime as dt
from dataclasses import dataclass
from typing import Dict, List, Optional, Sequence

from django.db import connection

from saleor_o2o.occupancy import rules
from saleor_o2o.occupancy.models import StoreOccupancy
from saleor_o2o.occupancy.rules import SlotCap
from saleor_o2o.store.reach import Reach


def occupancies_by_store(store_ids: Sequence[int]) -> Dict[int, StoreOccupancy]:
    """Return the occupancy rows of these stores (those that count), by store."""
    return {
        row.store_id: row
        for row in StoreOccupancy.objects.filter(store_id__in=list(store_ids))
    }


@dataclass(frozen=True)
class OccupancyView:
    """A store's occupancy as one requestor may see it."""

    #: People in the store now; None when the store hides its figures.
    current: Optional[int]
    capacity: Optional[int]
    level: Optional[str]
    is_crowded: bool
    updated_at: dt.datetime


def sees_numbers(occupancy: StoreOccupancy, *, reach: Reach) -> bool:
    """Return whether the requestor sees the figures (always: staff of the store)."""
    return occupancy.show_numbers or reach.sees(occupancy.store_id)


def occupancy_view(occupancy: StoreOccupancy, *, reach: Reach) -> OccupancyView:
    """Return the store's occupancy as `reach` may see it."""
    numbers = sees_numbers(occupancy, reach=reach)
    policy = occupancy.policy()
    return OccupancyView(
        current=occupancy.current if numbers else None,
        capacity=(occupancy.capacity or None) if numbers else None,
        level=rules.live_level(occupancy.current, policy, crowded=occupancy.is_crowded),
        is_crowded=occupancy.is_crowded,
        updated_at=occupancy.updated_at,
    )


def busy_hours_means(store_ids: Sequence[int]) -> Dict[int, Dict[int, float]]:
    """Return the typical figure by hour of the week of each store (one query).

    A raw statement: storefronts ask this for every store listed, and the 168 rows
    a store has cost more to build as model rows than to read.
    """
    means: Dict[int, Dict[int, float]] = {store_id: {} for store_id in store_ids}
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT store_id, hour_of_week, mean FROM saleor_o2o_occupancyhourofweek"
            " WHERE store_id = ANY(%s)",
            [list(store_ids)],
        )
        for store_id, how, mean in cursor.fetchall():
            means[store_id][how] = mean
    return means


def store_busy_hours(
    occupancy: Optional[StoreOccupancy], means: Dict[int, float], *, reach: Reach
) -> List[rules.BusyHour]:
    """Return the 168 hours of a store's week with their typical figure and level;
    figures hidden when the store shows shoppers levels only."""
    if occupancy is None:
        return rules.busy_hours(means, rules.Policy())
    found = rules.busy_hours(means, occupancy.policy())
    if sees_numbers(occupancy, reach=reach):
        return found
    return [
        rules.BusyHour(weekday=h.weekday, hour=h.hour, typical=None, level=h.level)
        for h in found
    ]


def typical_levels(
    *, store_id: int, timezone: str, starts: Sequence[dt.datetime]
) -> List[Optional[str]]:
    """Return the typical level of the hour each of `starts` falls in (slots)."""
    occupancy = StoreOccupancy.objects.filter(store_id=store_id).first()
    if occupancy is None:
        return [None for _ in starts]
    means = busy_hours_means([store_id])[store_id]
    return [
        rules.typical_level(means, occupancy.policy(), at=start, timezone=timezone)
        for start in starts
    ]


def slot_caps(*, store_ids: Sequence[int], now: dt.datetime) -> Dict[int, SlotCap]:
    """Return the caps crowding puts on the next slots of these stores (one query)."""
    caps = {}
    for occupancy in StoreOccupancy.objects.filter(
        store_id__in=list(store_ids), is_crowded=True
    ):
        cap = rules.slot_cap_of(occupancy.policy(), crowded=True, now=now)
        if cap is not None:
            caps[occupancy.store_id] = cap
    return caps


def slot_cap(*, store_id: int, now: dt.datetime) -> Optional[SlotCap]:
    """Return the cap crowding puts on the store's next slots, or None.

    Pickup slots (`pickup.selectors`) and appointment slots apply it with
    `rules.capped_capacity`.
    """
    return slot_caps(store_ids=[store_id], now=now).get(store_id)
