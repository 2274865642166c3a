"""Writes of occupancy."""

import datetime as dt
from typing import Optional


def occupancy_arrival(
    *, store_id: int, source: str, at: Optional[dt.datetime] = None
) -> None:
    """Count one person arriving in the store (a pickup, curbside or visit check-in).

    Interface for the concepts that check people in; the occupancy counter fills it
    in. Call it inside the transaction of the check-in.
    """
