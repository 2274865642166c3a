"""Reserve to try: statuses, the lifecycle, the limits and how long units are held.

Pure policy, no database: services lock the reservation, ask the lifecycle, then
write. The limits are defined here once; the GraphQL descriptions, the README and
the tests read them from here.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Dict, FrozenSet, Mapping, Optional, Sequence, Tuple

from saleor_o2o.core.actors import APP, MERCHANT, SHOPPER, STAFF, SYSTEM  # noqa: F401
from saleor_o2o.core.errors import InvalidInput, O2OError
from saleor_o2o.core.lifecycle import InvalidTransition, Lifecycle  # noqa: F401
from saleor_o2o.store.supply import Line, merge_lines

#: Units one reservation may hold, all lines together.
MAX_UNITS = 5
#: Different variants one reservation may hold.
MAX_LINES = 3
#: Reservations one shopper (account or e-mail) may have held at once.
MAX_OPEN_PER_SHOPPER = 3
#: How long units are held without an appointment.
HOLD_PERIOD = timedelta(hours=48)
#: An appointment ending later than this cannot hold stock (it is booked too far
#: ahead: the units would be kept from other shoppers for days).
MAX_APPOINTMENT_AHEAD = timedelta(days=7)
HELD = "held"
CONVERTED = "converted"
RELEASED = "released"
EXPIRED = "expired"
CANCELLED = "cancelled"


class TryOnStatus:
    """Where a try-on reservation stands (the moves allowed are `TRANSITIONS`)."""

    HELD = HELD
    CONVERTED = CONVERTED
    RELEASED = RELEASED
    EXPIRED = EXPIRED
    CANCELLED = CANCELLED

    CHOICES = [
        (HELD, "Units held at the store"),
        (CONVERTED, "Sold at the desk"),
        (RELEASED, "Released by the store"),
        (EXPIRED, "The hold ended"),
        (CANCELLED, "Cancelled by the shopper"),
    ]


#: Allowed transitions: ``{from: {to: actors allowed to make it}}``.
TRANSITIONS: Mapping[str, Mapping[str, FrozenSet[str]]] = {
    HELD: {
        CONVERTED: MERCHANT,
        RELEASED: MERCHANT,
        EXPIRED: frozenset({SYSTEM}),
        CANCELLED: frozenset({SHOPPER}),
    },
    CONVERTED: {},
    RELEASED: {},
    EXPIRED: {},
    CANCELLED: {},
}

LIFECYCLE = Lifecycle("try-on reservation", TRANSITIONS)
FINAL_STATUSES: FrozenSet[str] = LIFECYCLE.final_statuses
check_transition = LIFECYCLE.check
next_statuses = LIFECYCLE.next_statuses


class TooManyItems(O2OError, ValueError):
    code = "TOO_MANY_ITEMS"


def check_lines(lines: Sequence[Line]) -> Tuple[Line, ...]:
    """Return the lines merged by variant, or raise if they exceed the limits."""
    merged = merge_lines(lines)
    if len(merged) > MAX_LINES:
        raise TooManyItems(
            f"Reserve at most {MAX_LINES} different items to try.", field="lines"
        )
    units = sum(line.quantity for line in merged)
    if units > MAX_UNITS:
        raise TooManyItems(
            f"Reserve at most {MAX_UNITS} units to try ({units} asked).",
            field="lines",
        )
    return merged


def check_open_count(open_count: int) -> None:
    """Refuse a new reservation to a shopper holding the most already."""
    if open_count >= MAX_OPEN_PER_SHOPPER:
        raise O2OError(
            f"You already have {open_count} reservations held; cancel one or wait "
            "until it ends.",
            field="email",
            code="TOO_MANY_RESERVATIONS",
        )


@dataclass(frozen=True)
class AppointmentView:
    """What a hold needs to know of the appointment it is linked to."""

    store_id: int
    ends_at: datetime
    is_holding: bool


def hold_end(*, now: datetime, appointment: Optional[AppointmentView] = None):
    """Return when the units are released: at the end of the appointment, or after
    the hold period; raise if the appointment cannot hold stock."""
    if appointment is None:
        return now + HOLD_PERIOD
    if not appointment.is_holding or appointment.ends_at <= now:
        raise O2OError(
            "That appointment is over or cancelled; reserve without it or book "
            "another.",
            field="appointment_id",
            code="APPOINTMENT_UNAVAILABLE",
        )
    if appointment.ends_at - now > MAX_APPOINTMENT_AHEAD:
        days = MAX_APPOINTMENT_AHEAD.days
        raise O2OError(
            f"Items can be held for an appointment in the next {days} days only; "
            "reserve closer to the visit.",
            field="appointment_id",
            code="APPOINTMENT_UNAVAILABLE",
        )
    return appointment.ends_at


def check_held(*, status: str, held_until: datetime, now: datetime) -> None:
    """Refuse to act on a reservation whose hold ended (the beat closes it)."""
    if status == HELD and held_until <= now:
        raise InvalidTransition(
            "The hold ended: its items are no longer kept; it will be closed.",
            current=status,
        )


def sale_lines(
    held: Mapping[int, int], wanted: Optional[Sequence[Line]]
) -> Dict[int, int]:
    """Return the units sold per variant: ``wanted`` (all held units if None).

    A variant not held, or more units than held, is refused; the held units not
    sold are released.
    """
    if wanted is None:
        return dict(held)
    sold: Dict[int, int] = {}
    for index, line in enumerate(merge_lines(wanted)):
        if line.variant_id not in held:
            raise InvalidInput(
                "That item is not held by this reservation.",
                field=f"lines.{index}.variantId",
                code="NOT_FOUND",
            )
        if line.quantity > held[line.variant_id]:
            raise InvalidInput(
                f"Only {held[line.variant_id]} of that item are held.",
                field=f"lines.{index}.quantity",
                code="OUT_OF_RANGE",
            )
        sold[line.variant_id] = line.quantity
    return sold
