"""The appointment lifecycle: statuses (the rest of the rules follow)."""

BOOKED = "booked"
CHECKED_IN = "checked_in"
NO_SHOW = "no_show"
CANCELLED = "cancelled"


class AppointmentStatus:
    """Where an appointment stands."""

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
