"""Reads of occupancy."""

import datetime as dt
from typing import Optional

from saleor_o2o.occupancy.rules import SlotCap


def slot_cap(*, store_id: int, now: dt.datetime) -> Optional[SlotCap]:
    """Return the cap crowding puts on the store's next slots, or None.

    Interface for pickup and appointment slots; the occupancy policy fills it in.
    """
    return None
