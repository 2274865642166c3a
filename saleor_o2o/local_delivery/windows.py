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
import json
from functools import lru_cache
from typing import Dict, Mapping, Tuple

import pytz

from saleor_o2o.core.errors import InvalidInput
from saleor_o2o.store import hours, slots

#: The most days of windows a shopper may ask for.
MAX_WINDOW_DAYS = 14
#: Distinct (hours, first day, days, length, capacity) kept; a few per store.
CACHE_SIZE = 4096
_DAWN = dt.datetime(1970, 1, 1, tzinfo=pytz.utc)


def check_days(days: int) -> None:
    """Raise `InvalidInput` unless windows may be listed for that many days."""
    if isinstance(days, bool) or not 1 <= days <= MAX_WINDOW_DAYS:
        raise InvalidInput(
            f"Delivery windows are shown for 1 to {MAX_WINDOW_DAYS} days.",
            field="days",
            code="OUT_OF_RANGE",
        )


def span(now: dt.datetime, days: int) -> Tuple[dt.datetime, dt.datetime]:
    """The instants every store's windows over `days` local days fall within
    (timezones differ by up to a day; overnight hours run past midnight)."""
    return now - dt.timedelta(days=1), now + dt.timedelta(days=days + 2)


@lru_cache(maxsize=CACHE_SIZE)
def _cut(
    schedule: hours.Schedule,
    first_day: dt.date,
    days: int,
    minutes: int,
    capacity: int,
) -> Tuple[Tuple[slots.Slot, ...], Tuple[dt.datetime, ...]]:
    """Every window of the local days from `first_day`, none taken, by start; and
    their starts."""
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
    return tuple(found), tuple(window.start for window in found)


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
    every, starts = _cut(schedule, first_day, days, window_minutes, capacity)
    earliest = now + dt.timedelta(minutes=lead_time_minutes)
    offered = every[bisect.bisect_left(starts, earliest) :]
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


class Schedules:
    """Builds the schedules of many stores, parsing each distinct weekly hours once
    (chains open their stores alike)."""

    def __init__(self) -> None:
        self._weekly: Dict[Tuple[str, str], Tuple[hours.WeeklyInterval, ...]] = {}

    def build(
        self,
        timezone: str,
        opening_hours_json: str,
        exceptions: Tuple[hours.DateException, ...] = (),
    ) -> hours.Schedule:
        """Return the schedule of a store's timezone, weekly hours as stored (in
        JSON: `hours.weekly_from_json`) and date exceptions."""
        key = (timezone, opening_hours_json)
        weekly = self._weekly.get(key)
        if weekly is None:
            weekly = hours.weekly_from_json(json.loads(opening_hours_json))
            self._weekly[key] = weekly
        return hours.Schedule(timezone=timezone, weekly=weekly, exceptions=exceptions)
