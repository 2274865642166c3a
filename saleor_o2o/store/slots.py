"""Time slots: pickup slots, delivery windows and appointment slots, and how many
bookings each takes.

One engine serves every service (a `Wording` names the service in messages and
error fields). Slots are cut from a store's opening periods on one local date, each
`slot_minutes` long, starting at the period's opening (or at midnight for a period
that began the day before) and then every `step_minutes` (the slot's length unless
a service keeps a gap between slots, as appointments keep a buffer). A slot is
offered when it lies wholly inside an opening period, starts no earlier than the
order can be ready, and has room left.
"""

import datetime as dt
from dataclasses import dataclass
from typing import List, Mapping, Optional

import pytz

from saleor_o2o.core.errors import InvalidInput
from saleor_o2o.store import hours, opening

MIN_SLOT_MINUTES = 5
MAX_SLOT_MINUTES = 8 * 60
#: Slots are offered for dates from yesterday (a store's date may lag the shopper's)
#: to this many days ahead.
MAX_DAYS_AHEAD = 366


@dataclass(frozen=True)
class Wording:
    """How messages and error fields name the slots of one service."""

    #: Plural noun for messages ("pickup slots", "delivery windows").
    plural: str
    #: Singular noun for messages.
    singular: str
    #: The settings fields of the slot length and capacity.
    minutes_field: str
    capacity_field: str


PICKUP = Wording(
    plural="pickup slots",
    singular="pickup slot",
    minutes_field="pickup_slot_minutes",
    capacity_field="pickup_slot_capacity",
)
DELIVERY = Wording(
    plural="delivery windows",
    singular="delivery window",
    minutes_field="window_minutes",
    capacity_field="window_capacity",
)
APPOINTMENT = Wording(
    plural="appointment slots",
    singular="appointment slot",
    minutes_field="duration_minutes",
    capacity_field="capacity",
)


@dataclass(frozen=True)
class Slot:
    start: dt.datetime
    end: dt.datetime
    capacity: int
    booked: int

    @property
    def remaining(self) -> int:
        return max(0, self.capacity - self.booked)


def check_slot_date(
    day: dt.date, *, today: dt.date, field: str = "date", wording: Wording = PICKUP
) -> None:
    """Raise `InvalidInput` unless slots can be offered on ``day``."""
    if (
        not today - dt.timedelta(days=1)
        <= day
        <= today + dt.timedelta(days=MAX_DAYS_AHEAD)
    ):
        raise InvalidInput(
            f"{wording.plural.capitalize()} are offered up to {MAX_DAYS_AHEAD} "
            "days ahead.",
            field=field,
            code="OUT_OF_RANGE",
        )


def validate_slot_settings(
    *, slot_minutes: int, capacity: int, wording: Wording = PICKUP
) -> None:
    """Raise `InvalidInput` unless the slot length and capacity make sense."""
    if not MIN_SLOT_MINUTES <= slot_minutes <= MAX_SLOT_MINUTES:
        raise InvalidInput(
            f"A {wording.singular} lasts {MIN_SLOT_MINUTES} to {MAX_SLOT_MINUTES} "
            "minutes.",
            field=wording.minutes_field,
            code="OUT_OF_RANGE",
        )
    if capacity < 0:
        raise InvalidInput(
            f"A {wording.singular}'s capacity cannot be negative.",
            field=wording.capacity_field,
            code="OUT_OF_RANGE",
        )


def time_slots(
    schedule: hours.Schedule,
    *,
    day: dt.date,
    slot_minutes: int,
    capacity: int,
    earliest: dt.datetime,
    booked: Mapping[dt.datetime, int],
    wording: Wording = PICKUP,
    step_minutes: Optional[int] = None,
) -> List[Slot]:
    """Return the slots on local date `day` that start at or after `earliest`.

    `booked` counts orders by slot start (aware UTC). Full slots are included, with
    nothing remaining, so a storefront can show them as taken. Slots start every
    `step_minutes` (default: back to back); a step longer than the slot leaves a gap.
    """
    validate_slot_settings(
        slot_minutes=slot_minutes, capacity=capacity, wording=wording
    )
    step = dt.timedelta(minutes=slot_minutes if step_minutes is None else step_minutes)
    if step < dt.timedelta(minutes=slot_minutes):
        raise ValueError("Slots cannot overlap: the step is shorter than a slot.")
    zone = pytz.timezone(schedule.timezone)
    midnight = zone.localize(dt.datetime.combine(day, dt.time(0)))
    next_midnight = zone.localize(
        dt.datetime.combine(day + dt.timedelta(days=1), dt.time(0))
    )
    length = dt.timedelta(minutes=slot_minutes)
    slots = []
    for opens, closes in opening.open_periods(schedule, midnight, next_midnight):
        start = max(opens, midnight.astimezone(pytz.utc))
        while start + length <= closes and start < next_midnight:
            if start >= earliest:
                slots.append(
                    Slot(
                        start=start,
                        end=start + length,
                        capacity=capacity,
                        booked=booked.get(start, 0),
                    )
                )
            start += step
    return slots


def can_book(slot: Slot, *, quantity: int = 1) -> bool:
    """Return whether `quantity` more orders fit in the slot."""
    return slot.remaining >= quantity
