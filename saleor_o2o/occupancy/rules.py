"""Occupancy rules (pure): how crowding caps the capacity of the next slots."""

import datetime as dt
from dataclasses import dataclass
from typing import Optional


@dataclass(frozen=True)
class SlotCap:
    """While a store is crowded, slots starting before `until` take at most this."""

    until: dt.datetime
    capacity: int


def capped_capacity(
    capacity: int, *, starts_at: dt.datetime, cap: Optional[SlotCap]
) -> int:
    """Return a slot's capacity under the cap (unchanged for later slots)."""
    if cap is None or starts_at >= cap.until:
        return capacity
    return min(capacity, cap.capacity)
