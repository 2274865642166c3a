"""Try-on reservations: items a shopper asked a store to keep for them to try."""

from django.db import models
from django.db.models import Q
from django.utils.timezone import now
from saleor.account.models import User
from saleor.app.models import App
from saleor.order.models import Order
from saleor.product.models import ProductVariant

from saleor_o2o.core.actors import ActorKind
from saleor_o2o.store.models import StockHold, Store
from saleor_o2o.visits.appointments.models import Appointment
from saleor_o2o.visits.try_on.rules import TryOnStatus


class TryOnReservation(models.Model):
    """Items held at a store for a shopper to see or try, without paying."""

    store = models.ForeignKey(
        Store, on_delete=models.PROTECT, related_name="try_on_reservations"
    )
    status = models.CharField(
        max_length=32, choices=TryOnStatus.CHOICES, default=TryOnStatus.HELD
    )
    #: The logged-in shopper who reserved, or null for a guest (then only the e-mail).
    user = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    email = models.EmailField()
    #: SHA-256 of the manage token given to the shopper once (never stored plain).
    token_hash = models.CharField(max_length=64, unique=True)
    #: The visit the items are held for, if any (then held until its end).
    appointment = models.ForeignKey(
        Appointment,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="try_on_reservations",
    )
    #: When the units go back to stock (the beat task then closes it as EXPIRED).
    held_until = models.DateTimeField()
    #: The sale made at the desk (CONVERTED).
    order = models.ForeignKey(
        Order, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=now, editable=False)
    #: When it left HELD, who made it so and why.
    closed_at = models.DateTimeField(null=True, blank=True)
    closed_by_type = models.CharField(
        max_length=16, choices=ActorKind.CHOICES, blank=True, default=""
    )
    closed_by_user = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    closed_by_app = models.ForeignKey(
        App, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    note = models.TextField(blank=True, default="")

    class Meta:
        ordering = ("held_until", "pk")
        indexes = [
            # The beat task: held reservations by the end of their hold.
            models.Index(
                fields=["held_until"],
                name="o2o_try_on_held_until",
                condition=Q(status=TryOnStatus.HELD),
            ),
            models.Index(fields=["store", "status"], name="o2o_try_on_store_status"),
        ]


class TryOnLine(models.Model):
    """One item of a reservation and the units of store stock it holds."""

    reservation = models.ForeignKey(
        TryOnReservation, on_delete=models.CASCADE, related_name="lines"
    )
    variant = models.ForeignKey(
        ProductVariant, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    product_sku = models.CharField(max_length=255, blank=True, default="")
    quantity = models.PositiveIntegerField()
    #: The units held now (null once released, sold or expired).
    hold = models.OneToOneField(
        StockHold,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="try_on_line",
    )

    class Meta:
        ordering = ("pk",)


class TryOnEmail(models.Model):
    """An e-mail due to a shopper about their reservation (the `core.emails`
    outbox)."""

    KINDS = [
        ("reserved", "Items held, until when"),
        ("released", "The store released the items"),
        ("expired", "The hold ended"),
    ]

    reservation = models.ForeignKey(
        TryOnReservation, on_delete=models.CASCADE, related_name="emails"
    )
    kind = models.CharField(max_length=32, choices=KINDS)
    created_at = models.DateTimeField(default=now, editable=False)
    sent_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    last_error = models.TextField(blank=True, default="")

    class Meta:
        unique_together = (("reservation", "kind"),)
        indexes = [
            models.Index(
                fields=["created_at"],
                name="o2o_try_on_email_unsent",
                condition=Q(sent_at__isnull=True),
            )
        ]
