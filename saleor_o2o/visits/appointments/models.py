"""Appointment types a store offers and the appointments shoppers book."""

from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.timezone import now
from saleor.account.models import User

from saleor_o2o.store.models import Store
from saleor_o2o.visits.appointments.rules import AppointmentStatus


class AppointmentType(models.Model):
    """A kind of visit a store takes bookings for (a fitting, a consultation)."""

    store = models.ForeignKey(
        Store, on_delete=models.CASCADE, related_name="appointment_types"
    )
    name = models.CharField(max_length=120)
    description = models.TextField(blank=True, default="")
    duration_minutes = models.PositiveSmallIntegerField(
        default=30, validators=[MinValueValidator(5)]
    )
    #: Visitors one slot takes.
    capacity = models.PositiveSmallIntegerField(
        default=1, validators=[MinValueValidator(1)]
    )
    #: Minutes kept free after each visit before the next slot starts.
    buffer_minutes = models.PositiveSmallIntegerField(default=0)
    #: How many days ahead a slot may be booked.
    book_ahead_days = models.PositiveSmallIntegerField(default=30)
    #: A slot may be booked until this many minutes before it starts.
    min_notice_minutes = models.PositiveIntegerField(default=60)
    #: A booking may be moved or cancelled until this many minutes before it starts.
    change_until_minutes = models.PositiveIntegerField(default=120)
    is_active = models.BooleanField(default=True)
    #: Set when staff delete a type that past appointments still refer to (it is
    #: then gone for everyone, and its history kept).
    deleted_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=now, editable=False)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ("store", "name", "pk")


class Appointment(models.Model):
    """A visit a shopper booked: one place in one slot of an appointment type."""

    appointment_type = models.ForeignKey(
        AppointmentType, on_delete=models.PROTECT, related_name="appointments"
    )
    store = models.ForeignKey(
        Store, on_delete=models.PROTECT, related_name="appointments"
    )
    starts_at = models.DateTimeField()
    ends_at = models.DateTimeField()
    status = models.CharField(
        max_length=32,
        choices=AppointmentStatus.CHOICES,
        default=AppointmentStatus.BOOKED,
    )
    #: The logged-in shopper who booked, or null for a guest (then only the e-mail).
    user = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    email = models.EmailField()
    name = models.CharField(max_length=120, blank=True, default="")
    note = models.TextField(blank=True, default="")
    #: SHA-256 of the manage token given to the shopper once (never stored plain).
    token_hash = models.CharField(max_length=64, unique=True)
    #: Shown to the shopper (and in their QR code), checked at the desk.
    code = models.CharField(max_length=12, db_index=True)
    checked_in_at = models.DateTimeField(null=True, blank=True)
    cancelled_at = models.DateTimeField(null=True, blank=True)
    reminded_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=now, editable=False)
    updated_at = models.DateTimeField(default=now)

    class Meta:
        ordering = ("starts_at", "pk")
        indexes = [
            models.Index(
                fields=["appointment_type", "starts_at"],
                name="o2o_appt_type_start_holding",
                condition=Q(status__in=AppointmentStatus.HOLDING),
            ),
            models.Index(fields=["store", "starts_at"], name="o2o_appt_store_start"),
        ]
