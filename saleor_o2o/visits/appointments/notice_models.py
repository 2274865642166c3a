"""E-mails due to shoppers about their appointments (an outbox, as for pickups)."""

from django.db import models
from django.db.models import Q
from django.utils.timezone import now

from saleor_o2o.visits.appointments.models import Appointment


class AppointmentEmail(models.Model):
    """An e-mail due to a shopper about their appointment, with its .ics file.

    A booking may move more than once: each e-mail keeps the times and the
    calendar sequence it was due with, so an older e-mail sent late still tells
    the calendar an older version, which the newer one replaces.
    """

    CONFIRMATION = "confirmation"
    REMINDER = "reminder"
    CANCELLED = "cancelled"
    KINDS = [
        (CONFIRMATION, "Booked or moved: time, place and check-in code"),
        (REMINDER, "A reminder before the visit"),
        (CANCELLED, "Cancelled"),
    ]

    appointment = models.ForeignKey(
        Appointment, on_delete=models.CASCADE, related_name="emails"
    )
    kind = models.CharField(max_length=32, choices=KINDS)
    #: The visit's times when the e-mail became due.
    starts_at = models.DateTimeField()
    ends_at = models.DateTimeField()
    #: The iCalendar SEQUENCE of the attached event: one more for each change.
    sequence = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(default=now, editable=False)
    sent_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    last_error = models.TextField(blank=True, default="")

    class Meta:
        indexes = [
            models.Index(
                fields=["created_at"],
                name="o2o_appt_email_unsent",
                condition=Q(sent_at__isnull=True),
            )
        ]
