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
from typing import Dict, List, Mapping, Optional, Sequence

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
    return time_slots_for_days(
        schedule,
        days=[day],
        slot_minutes=slot_minutes,
        capacity=capacity,
        earliest=earliest,
        booked=booked,
        wording=wording,
        step_minutes=step_minutes,
    )[0]


def time_slots_for_days(
    schedule: hours.Schedule,
    *,
    days: Sequence[dt.date],
    slot_minutes: int,
    capacity: int,
    earliest: dt.datetime,
    booked: Mapping[dt.datetime, int],
    wording: Wording = PICKUP,
    step_minutes: Optional[int] = None,
) -> List[List[Slot]]:
    """Return the slots of each local date of `days`, as `time_slots` cuts them.

    The opening periods of the whole span are computed once, so a month of slots
    costs little more than a day's.
    """
    validate_slot_settings(
        slot_minutes=slot_minutes, capacity=capacity, wording=wording
    )
    step = dt.timedelta(minutes=slot_minutes if step_minutes is None else step_minutes)
    length = dt.timedelta(minutes=slot_minutes)
    if step < length:
        raise ValueError("Slots cannot overlap: the step is shorter than a slot.")
    if not days:
        return []
    zone = pytz.timezone(schedule.timezone)

    midnights: Dict[dt.date, dt.datetime] = {}

    def midnight(day: dt.date) -> dt.datetime:
        if day not in midnights:
            local = zone.localize(dt.datetime.combine(day, dt.time(0)))
            midnights[day] = local.astimezone(pytz.utc)
        return midnights[day]

    periods = opening.open_periods(
        schedule, midnight(min(days)), midnight(max(days) + dt.timedelta(days=1))
    )
    answer = []
    for day in days:
        day_start, day_end = midnight(day), midnight(day + dt.timedelta(days=1))
        slots = []
        for opens, closes in periods:
            if opens >= day_end or closes <= day_start:
                continue
            start = max(opens, day_start)
            while start + length <= closes and start < day_end:
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
        answer.append(slots)
    return answer


def can_book(slot: Slot, *, quantity: int = 1) -> bool:
    """Return whether `quantity` more orders fit in the slot."""
    return slot.remaining >= quantity
