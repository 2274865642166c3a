"""The appointment lifecycle: statuses, and who may move them (`TRANSITIONS`).

Pure policy, no database, as for pickups and local deliveries: services lock the
appointment, ask `check_transition` (`core.lifecycle`), then write.
"""

from typing import FrozenSet, Mapping

from saleor_o2o.core.actors import APP, SHOPPER, STAFF, SYSTEM
from saleor_o2o.core.lifecycle import InvalidTransition, Lifecycle  # noqa: F401

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
