"""The appointment lifecycle and booking rules (pure: no ORM, no GraphQL).

Statuses and who may move them are `TRANSITIONS` (`core.lifecycle`): services lock
the appointment, ask `check_transition`, then write. A slot of an appointment type
is bookable when it is one of the type's slots cut from the store's opening hours
(see `store.slots`), starts after now plus the type's minimum notice, lies on a
local date no later than today plus the days the type may be booked ahead, and has
a place left. A booking may be moved or cancelled until `change_until_minutes`
before it starts.
"""

import datetime as dt
from typing import FrozenSet, Mapping, Optional, Sequence

from saleor_o2o.core.actors import APP, SHOPPER, STAFF, SYSTEM
from saleor_o2o.core.errors import InvalidInput, O2OError
from saleor_o2o.core.lifecycle import InvalidTransition, Lifecycle  # noqa: F401
from saleor_o2o.store import slots as slot_engine

BOOKED = "booked"
CHECKED_IN = "checked_in"
NO_SHOW = "no_show"
CANCELLED = "cancelled"


class AppointmentStatus:
    """Where an appointment stands (the moves allowed are `TRANSITIONS`)."""

    BOOKED = BOOKED
    CHECKED_IN = CHECKED_IN
    NO_SHOW = NO_SHOW
    CANCELLED = CANCELLED

    CHOICES = [
        (BOOKED, "Booked"),
        (CHECKED_IN, "Checked in"),
        (NO_SHOW, "Did not come"),
        (CANCELLED, "Cancelled"),
    ]

    #: Statuses that take a place in their slot.
    HOLDING = (BOOKED, CHECKED_IN)
    #: Statuses the shopper may still move or cancel.
    CHANGEABLE = (BOOKED,)


#: Bounds of an appointment type's settings: (smallest, largest) by field.
LIMITS = {
    "duration_minutes": (slot_engine.MIN_SLOT_MINUTES, slot_engine.MAX_SLOT_MINUTES),
    "capacity": (1, 100),
    "buffer_minutes": (0, 240),
    "book_ahead_days": (0, slot_engine.MAX_DAYS_AHEAD - 1),
    "min_notice_minutes": (0, 30 * 24 * 60),
    "change_until_minutes": (0, 30 * 24 * 60),
}
NAME_MAX_LENGTH = 120
DESCRIPTION_MAX_LENGTH = 2000
#: What a shopper may write when booking.
NOTE_MAX_LENGTH = 1000
#: Upcoming appointments one shopper (user or e-mail) may hold at one store.
MAX_UPCOMING_PER_SHOPPER = 5


def validate_type_settings(values: Mapping[str, object]) -> None:
    """Raise `InvalidInput` on the first setting of an appointment type out of
    bounds (only the fields present are checked)."""
    if "name" in values:
        name = str(values["name"] or "").strip()
        if not name:
            raise InvalidInput("Give the type a name.", field="name", code="REQUIRED")
        if len(name) > NAME_MAX_LENGTH:
            raise InvalidInput(
                f"A name has at most {NAME_MAX_LENGTH} characters.",
                field="name",
                code="OUT_OF_RANGE",
            )
    if len(str(values.get("description") or "")) > DESCRIPTION_MAX_LENGTH:
        raise InvalidInput(
            f"A description has at most {DESCRIPTION_MAX_LENGTH} characters.",
            field="description",
            code="OUT_OF_RANGE",
        )
    for field, (low, high) in LIMITS.items():
        if field not in values:
            continue
        value = values[field]
        if value is None or isinstance(value, bool) or not isinstance(value, int):
            raise InvalidInput("Give a whole number.", field=field, code="REQUIRED")
        if not low <= value <= high:
            raise InvalidInput(
                f"Give a number from {low} to {high}.", field=field, code="OUT_OF_RANGE"
            )


def step_minutes(*, duration_minutes: int, buffer_minutes: int) -> int:
    """Return the minutes from one slot's start to the next one's."""
    return duration_minutes + buffer_minutes


def earliest_start(*, now: dt.datetime, min_notice_minutes: int) -> dt.datetime:
    """Return the earliest start a booking made now may take."""
    return now + dt.timedelta(minutes=min_notice_minutes)


def last_bookable_date(*, local_today: dt.date, book_ahead_days: int) -> dt.date:
    """Return the last local date with bookable slots."""
    return local_today + dt.timedelta(days=book_ahead_days)


def slot_refusal(
    start: dt.datetime,
    *,
    now: dt.datetime,
    earliest: dt.datetime,
    local_date: dt.date,
    last_date: dt.date,
    offered: Sequence[slot_engine.Slot],
) -> Optional[O2OError]:
    """Return why `start` cannot be booked (an error to raise), or None.

    `offered` are the type's slots on `start`'s local date, before the notice and
    book-ahead rules, with the places they hold (the booking being moved excluded).
    """
    field = "starts_at"
    if start <= now:
        return O2OError("That slot has started.", field=field, code="SLOT_PAST")
    if local_date > last_date:
        return O2OError(
            "That slot is further ahead than bookings are taken.",
            field=field,
            code="SLOT_TOO_FAR",
        )
    slot = next((each for each in offered if each.start == start), None)
    if slot is None:
        return O2OError(
            "Not a slot of this appointment type: outside the store's hours or "
            "not at a slot's start.",
            field=field,
            code="SLOT_UNAVAILABLE",
        )
    if start < earliest:
        return O2OError(
            "That slot starts too soon to be booked.",
            field=field,
            code="SLOT_TOO_SOON",
        )
    if not slot_engine.can_book(slot):
        return O2OError("That slot is full.", field=field, code="SLOT_FULL")
    return None


def change_deadline(
    *, starts_at: dt.datetime, change_until_minutes: int
) -> dt.datetime:
    """Return the last instant a booking may be moved or cancelled."""
    return starts_at - dt.timedelta(minutes=change_until_minutes)


def change_refusal(
    *, status: str, starts_at: dt.datetime, now: dt.datetime, change_until_minutes: int
) -> Optional[O2OError]:
    """Return why an appointment can no longer be moved or cancelled, or None."""
    if status not in AppointmentStatus.CHANGEABLE:
        return O2OError(
            "The appointment is no longer booked.", field="id", code="NOT_CHANGEABLE"
        )
    if now > change_deadline(
        starts_at=starts_at, change_until_minutes=change_until_minutes
    ):
        return O2OError(
            f"Appointments can be changed until {change_until_minutes} minutes "
            "before they start.",
            field="id",
            code="TOO_LATE_TO_CHANGE",
        )
    return None


#: Allowed transitions: ``{from: {to: actors allowed to make it}}``. The shopper
#: cancels their own booking (by token or account); the desk checks in, or marks a
#: no-show once the grace period has passed, as does the beat task (SYSTEM). A
#: shopper marked as a no-show who turns up late the same day may still be checked
#: in by the desk, which corrects the mark.
TRANSITIONS: Mapping[str, Mapping[str, FrozenSet[str]]] = {
    BOOKED: {
        CHECKED_IN: frozenset({STAFF, APP}),
        NO_SHOW: frozenset({STAFF, APP, SYSTEM}),
        CANCELLED: frozenset({SHOPPER, STAFF, APP}),
    },
    NO_SHOW: {CHECKED_IN: frozenset({STAFF, APP})},
    CHECKED_IN: {},
    CANCELLED: {},
}

#: The appointment lifecycle: `check_transition`, `next_statuses`, final statuses.
LIFECYCLE = Lifecycle("appointment", TRANSITIONS)
FINAL_STATUSES: FrozenSet[str] = LIFECYCLE.final_statuses
check_transition = LIFECYCLE.check
next_statuses = LIFECYCLE.next_statuses
