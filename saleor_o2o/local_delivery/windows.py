"""Delivery windows: a store's opening hours cut into windows, with places left.

Pure, no database. The windows of a schedule over some days depend only on the
schedule, the first local day and the window length, so they are cut once and kept
(`_cut`, a bounded cache): the ranked search compares up to a hundred stores a
request, most of them with the same hours, and cutting a week of windows from
opening hours costs about 2 ms a store. Each request then only drops the windows
that start too soon and counts the places taken.
"""

import bisect
import dataclasses
import datetime as dt
from functools import lru_cache
from typing import Mapping, Tuple

import pytz

from saleor_o2o.store import hours, slots

#: Distinct (hours, first day, days, length, capacity) kept; a few per store.
CACHE_SIZE = 4096
_DAWN = dt.datetime(1970, 1, 1, tzinfo=pytz.utc)


@lru_cache(maxsize=CACHE_SIZE)
def _cut(
    schedule: hours.Schedule,
    first_day: dt.date,
    days: int,
    minutes: int,
    capacity: int,
) -> Tuple[slots.Slot, ...]:
    """Every window of the local days from `first_day`, none taken, by start."""
    found = []
    for offset in range(days):
        found.extend(
            slots.time_slots(
                schedule,
                day=first_day + dt.timedelta(days=offset),
                slot_minutes=minutes,
                capacity=capacity,
                earliest=_DAWN,
                booked={},
                wording=slots.DELIVERY,
            )
        )
    return tuple(found)


def delivery_windows(
    schedule: hours.Schedule,
    *,
    now: dt.datetime,
    days: int,
    lead_time_minutes: int,
    window_minutes: int,
    capacity: int,
    booked: Mapping[dt.datetime, int],
) -> Tuple[slots.Slot, ...]:
    """Return the windows of the next `days` local days (today first) that start
    no sooner than the lead time after `now`, with the places `booked` (by window
    start) taken; full windows are included, with none remaining."""
    first_day = now.astimezone(pytz.timezone(schedule.timezone)).date()
    every = _cut(schedule, first_day, days, window_minutes, capacity)
    earliest = now + dt.timedelta(minutes=lead_time_minutes)
    offered = every[bisect.bisect_left([w.start for w in every], earliest) :]
    if not booked:
        return offered
    return tuple(
        (
            dataclasses.replace(window, booked=booked[window.start])
            if window.start in booked
            else window
        )
        for window in offered
    )
