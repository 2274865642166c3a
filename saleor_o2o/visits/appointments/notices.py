"""What an appointment's moves tell others: webhooks and e-mails.

Interface between the booking services (which call `appointment_notify` inside their
transaction) and the notices (webhook events and the e-mail outbox) filled in beside
the desk.
"""

BOOKED = "booked"
RESCHEDULED = "rescheduled"
CANCELLED = "cancelled"
CHECKED_IN = "checked_in"
NO_SHOW = "no_show"
NOTICES = (BOOKED, RESCHEDULED, CANCELLED, CHECKED_IN, NO_SHOW)


def appointment_notify(appointment, notice: str) -> None:
    """Record the webhook event and queue the e-mail of one move."""
    if notice not in NOTICES:
        raise ValueError(f"Unknown appointment notice: {notice!r}.")
