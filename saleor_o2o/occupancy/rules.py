"""Occupancy rules (pure): levels, crowding with hysteresis, busy hours, slot caps.

How people leave: the desk or an app keeps the figure with `storeOccupancyUpdate`
(+n/-n as people come and go, or an absolute head count). A check-in (a pickup, a
curbside arrival, an appointment) adds one person who leaves by themself after the
store's dwell time (`DEFAULT_DWELL_MINUTES` unless the store sets its own); an
absolute count replaces the figure and cancels the departures still pending (the
people counted are now the desk's to count down). So the figure never grows for
ever from check-ins alone.
"""

import datetime as dt
from dataclasses import dataclass, replace
from typing import Any, Dict, List, Mapping, Optional, Sequence, Tuple

import pytz

from saleor_o2o.core.errors import InvalidInput

#: Minutes a checked-in shopper counts as in the store, unless the store says.
DEFAULT_DWELL_MINUTES = 20
MAX_DWELL_MINUTES = 8 * 60
#: Occupancy at or above this percentage of the capacity is crowded, by default.
DEFAULT_CROWDED_PERCENT = 90
#: A crowded store eases once below its crowded percentage minus this many points,
#: so a figure hovering at the threshold does not flap between the two events.
EASE_MARGIN_PERCENT = 10
#: Slots starting this soon after "now" shrink while the store is crowded.
CAP_WINDOW = dt.timedelta(hours=1)
MAX_CAPACITY = 100_000
#: A crowded percentage above 100 lets a store fill past its capacity first.
MAX_CROWDED_PERCENT = 200
MAX_DELTA = 10_000
#: Busy hours: each week's samples weigh this much less than the next week's
#: (half after four weeks), so the last 8 to 12 weeks decide the typical figure.
WEEKLY_DECAY = 0.5 ** (1 / 4)
HOURS_PER_WEEK = 7 * 24
#: Week numbers count from this Monday.
_WEEK_ZERO = dt.date(2000, 1, 3)


class OccupancyLevel:
    """How full a store is, as shoppers see it."""

    QUIET = "quiet"
    MODERATE = "moderate"
    BUSY = "busy"
    CROWDED = "crowded"

    CHOICES = [
        (QUIET, "Quiet: under 40% of the capacity"),
        (MODERATE, "Moderate: 40% to 70% of the capacity"),
        (BUSY, "Busy: from 70% of the capacity to the crowded threshold"),
        (CROWDED, "Crowded: at or above the store's crowded threshold"),
    ]


class ArrivalSource:
    """What brought a checked-in person into the store."""

    PICKUP = "pickup"
    CURBSIDE = "curbside"
    APPOINTMENT = "appointment"

    CHOICES = [
        (PICKUP, "A pickup check-in"),
        (CURBSIDE, "A curbside arrival"),
        (APPOINTMENT, "An appointment check-in"),
    ]


#: Upper bounds (percent of the capacity, exclusive) of the levels below BUSY.
_LEVEL_BOUNDS = ((40, OccupancyLevel.QUIET), (70, OccupancyLevel.MODERATE))


@dataclass(frozen=True)
class SlotCap:
    """While a store is crowded, slots starting before `until` take at most this."""

    until: dt.datetime
    capacity: int


@dataclass(frozen=True)
class Policy:
    """A store's occupancy settings, as the rules need them."""

    #: People the store holds; 0: not set (no level, never crowded).
    capacity: int = 0
    crowded_percent: int = DEFAULT_CROWDED_PERCENT
    #: Capacity of the next hour's slots while crowded; None: slots are not capped.
    crowded_slot_capacity: Optional[int] = None


def level_of(figure: float, policy: Policy) -> Optional[str]:
    """Return the level of an occupancy figure, or None without a capacity."""
    if policy.capacity <= 0:
        return None
    percent = 100.0 * figure / policy.capacity
    if percent >= policy.crowded_percent:
        return OccupancyLevel.CROWDED
    for bound, level in _LEVEL_BOUNDS:
        if percent < bound:
            return level
    return OccupancyLevel.BUSY


def live_level(current: int, policy: Policy, *, crowded: bool) -> Optional[str]:
    """Return the level shown now: CROWDED exactly while the store is crowded."""
    level = level_of(current, policy)
    if level is None:
        return None
    if crowded:
        return OccupancyLevel.CROWDED
    return OccupancyLevel.BUSY if level == OccupancyLevel.CROWDED else level


def is_crowded(current: int, policy: Policy, *, was_crowded: bool) -> bool:
    """Return whether the store is crowded at `current` people (with hysteresis)."""
    if policy.capacity <= 0:
        return False
    percent = 100.0 * current / policy.capacity
    if was_crowded:
        return percent >= policy.crowded_percent - EASE_MARGIN_PERCENT
    return percent >= policy.crowded_percent


def counted(current: int, *, delta: Optional[int], count: Optional[int]) -> int:
    """Return the figure after adding `delta` or setting `count`; never below 0."""
    if count is not None:
        return max(0, count)
    return max(0, current + (delta or 0))


def slot_cap_of(
    policy: Policy, *, crowded: bool, now: dt.datetime
) -> Optional[SlotCap]:
    """Return the cap on the next slots of a store, or None."""
    if not crowded or policy.crowded_slot_capacity is None:
        return None
    return SlotCap(until=now + CAP_WINDOW, capacity=policy.crowded_slot_capacity)


def capped_capacity(
    capacity: int, *, starts_at: dt.datetime, cap: Optional[SlotCap]
) -> int:
    """Return a slot's capacity under the cap (unchanged for later slots)."""
    if cap is None or starts_at >= cap.until:
        return capacity
    return min(capacity, cap.capacity)


def capped_slots(slots: Sequence[Any], cap: Optional[SlotCap]) -> List[Any]:
    """Return the slots (dataclasses with ``start`` and ``capacity``: pickup slots,
    appointment slots) with their capacities under the cap."""
    if cap is None:
        return list(slots)
    return [
        replace(
            slot,
            capacity=capped_capacity(slot.capacity, starts_at=slot.start, cap=cap),
        )
        for slot in slots
    ]


def week_hour(at: dt.datetime, timezone: str) -> Tuple[int, int]:
    """Return the local week number and hour of the week (Monday 0:00 is 0) of `at`.

    Wall-clock time in the store's zone: 11:00 on a Saturday is the same hour of
    the week in winter and in summer time.
    """
    local = at.astimezone(pytz.timezone(timezone))
    week = (local.date() - _WEEK_ZERO).days // 7
    return week, local.weekday() * 24 + local.hour


def typical_after(
    mean: float, weight: float, week: int, *, value: float, at_week: int
) -> Tuple[float, float]:
    """Return (mean, weight) of an hour of the week after one more sample."""
    decayed = weight * WEEKLY_DECAY ** max(0, at_week - week)
    total = decayed + 1.0
    return (mean * decayed + value) / total, total


@dataclass(frozen=True)
class BusyHour:
    weekday: int
    hour: int
    #: Typical people in the store then; None without history.
    typical: Optional[float]
    level: Optional[str]


def busy_hours(means: Mapping[int, float], policy: Policy) -> List[BusyHour]:
    """Return the 168 hours of the week, Monday 0:00 first, with their levels."""
    return [
        BusyHour(
            weekday=how // 24,
            hour=how % 24,
            typical=means.get(how),
            level=None if how not in means else level_of(means[how], policy),
        )
        for how in range(HOURS_PER_WEEK)
    ]


def typical_level(
    means: Mapping[int, float], policy: Policy, *, at: dt.datetime, timezone: str
) -> Optional[str]:
    """Return the typical level of the hour `at` starts in, or None."""
    _week, how = week_hour(at, timezone)
    return None if how not in means else level_of(means[how], policy)


def settings_check(values: Dict[str, object]) -> None:
    """Raise `InvalidInput` unless the occupancy settings given make sense."""
    bounds = {
        "capacity": (0, MAX_CAPACITY),
        "crowded_percent": (1, MAX_CROWDED_PERCENT),
        "crowded_slot_capacity": (0, MAX_CAPACITY),
        "dwell_minutes": (1, MAX_DWELL_MINUTES),
    }
    for name, (low, high) in bounds.items():
        if name not in values:
            continue
        value = values[name]
        if value is None:
            if name == "crowded_slot_capacity":
                continue
            raise InvalidInput(f"{name} cannot be null.", field=name, code="REQUIRED")
        if not low <= value <= high:  # type: ignore[operator]
            raise InvalidInput(
                f"{name} must be between {low} and {high}.",
                field=name,
                code="OUT_OF_RANGE",
            )
    if "show_numbers" in values and values["show_numbers"] is None:
        raise InvalidInput(
            "show_numbers cannot be null.", field="show_numbers", code="REQUIRED"
        )


def change_check(*, delta: Optional[int], count: Optional[int]) -> None:
    """Raise `InvalidInput` unless exactly one of `delta` and `count` makes sense."""
    if delta is None and count is None:
        raise InvalidInput("Give delta or count.", field="delta", code="REQUIRED")
    if delta is not None and count is not None:
        raise InvalidInput(
            "Give delta or count, not both.", field="count", code="INVALID"
        )
    if delta is not None and (delta == 0 or abs(delta) > MAX_DELTA):
        raise InvalidInput(
            f"delta must be between -{MAX_DELTA} and {MAX_DELTA}, and not 0.",
            field="delta",
            code="OUT_OF_RANGE",
        )
    if count is not None and not 0 <= count <= MAX_CAPACITY:
        raise InvalidInput(
            f"count must be between 0 and {MAX_CAPACITY}.",
            field="count",
            code="OUT_OF_RANGE",
        )
