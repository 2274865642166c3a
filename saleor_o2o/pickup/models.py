"""Pickups: the store a checkout chose, the pickup of an order, its audit, e-mails."""

from django.db import models
from django.db.models import Q
from django.utils.timezone import now
from saleor.account.models import User
from saleor.app.models import App
from saleor.checkout.models import Checkout
from saleor.order.models import Order

from saleor_o2o.pickup.rules import PickupActor, PickupAuditKind, PickupStatus
from saleor_o2o.store.models import Store


class CheckoutPickup(models.Model):
    """The store a shopper chose to collect a checkout in."""

    checkout = models.OneToOneField(
        Checkout, on_delete=models.CASCADE, related_name="o2o_pickup"
    )
    store = models.ForeignKey(Store, on_delete=models.CASCADE, related_name="+")
    is_curbside = models.BooleanField(default=False)
    #: Start of the pickup slot chosen, if the store books slots.
    slot_start = models.DateTimeField(null=True, blank=True)
    #: While the checkout completes, its slot is held until then (`pickup.checkout`).
    held_until = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)


class Pickup(models.Model):
    """An order to be collected in a store."""

    order = models.OneToOneField(
        Order, on_delete=models.CASCADE, related_name="o2o_pickup"
    )
    store = models.ForeignKey(Store, on_delete=models.PROTECT, related_name="pickups")
    is_curbside = models.BooleanField(default=False)
    slot_start = models.DateTimeField(null=True, blank=True, db_index=True)
    status = models.CharField(
        max_length=32, choices=PickupStatus.CHOICES, default=PickupStatus.RECEIVED
    )
    #: Shown to the shopper, checked by staff at handover.
    code = models.CharField(max_length=12, db_index=True)
    created_at = models.DateTimeField(default=now, editable=False)
    updated_at = models.DateTimeField(default=now)
    #: When it last became READY: the hold period counts from here.
    ready_at = models.DateTimeField(null=True, blank=True)
    reminded_at = models.DateTimeField(null=True, blank=True)
    arrived_at = models.DateTimeField(null=True, blank=True)
    #: Someone the shopper authorised to collect for them (checked at the desk).
    alternate_collector = models.CharField(max_length=120, blank=True, default="")
    #: What the shopper said on checking in: parking bay, vehicle.
    arrival_bay = models.CharField(max_length=32, blank=True, default="")
    arrival_vehicle = models.CharField(max_length=120, blank=True, default="")
    collected_at = models.DateTimeField(null=True, blank=True)
    #: Wrong handover codes in a row, and the lock-out they caused.
    failed_code_attempts = models.PositiveSmallIntegerField(default=0)
    code_locked_until = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ("-created_at", "pk")
        indexes = [
            # The expiry sweep: READY pickups by when they became ready.
            models.Index(
                fields=["ready_at"],
                name="o2o_pickup_ready_idx",
                condition=Q(status=PickupStatus.READY),
            ),
            models.Index(fields=["store", "status"], name="o2o_pickup_store_status"),
        ]


class PickupTransition(models.Model):
    """One entry of a pickup's audit trail: a change of status, or another event of
    its handover (`kind`)."""

    pickup = models.ForeignKey(
        Pickup, on_delete=models.CASCADE, related_name="transitions"
    )
    kind = models.CharField(
        max_length=32, choices=PickupAuditKind.CHOICES, default=PickupAuditKind.STATUS
    )
    from_status = models.CharField(max_length=32, choices=PickupStatus.CHOICES)
    to_status = models.CharField(max_length=32, choices=PickupStatus.CHOICES)
    created_at = models.DateTimeField(default=now, editable=False)
    actor_type = models.CharField(max_length=16, choices=PickupActor.CHOICES)
    user = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    app = models.ForeignKey(
        App, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    note = models.TextField(blank=True, default="")
    #: Name of the person who collected, when not the shopper.
    collected_by = models.CharField(max_length=120, blank=True, default="")

    class Meta:
        ordering = ("created_at", "pk")


class PickupEmail(models.Model):
    """An e-mail due to a shopper about their pickup: written in the change's
    transaction, marked sent once the mail server took it (an outbox, as for
    webhooks)."""

    KINDS = [
        ("ready", "Ready to collect, with the code"),
        ("expiry_reminder", "About to expire"),
        ("expired", "Expired and cancelled"),
    ]

    pickup = models.ForeignKey(Pickup, on_delete=models.CASCADE, related_name="emails")
    kind = models.CharField(max_length=32, choices=KINDS)
    created_at = models.DateTimeField(default=now, editable=False)
    sent_at = models.DateTimeField(null=True, blank=True)
    #: Failed tries so far, and the last error, for the sweep and for staff.
    attempts = models.PositiveSmallIntegerField(default=0)
    last_error = models.TextField(blank=True, default="")

    class Meta:
        unique_together = (("pickup", "kind"),)
        indexes = [
            models.Index(
                fields=["created_at"],
                name="o2o_pickup_email_unsent",
                condition=Q(sent_at__isnull=True),
            )
        ]
