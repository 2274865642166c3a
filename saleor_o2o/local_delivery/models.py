"""Local delivery: the areas stores deliver to, the store and window a checkout
chose, the delivery of an order, its audit and e-mails."""

from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.timezone import now
from saleor.account.models import User
from saleor.app.models import App
from saleor.checkout.models import Checkout
from saleor.order.models import Order
from saleor.shipping.models import ShippingMethod

from saleor_o2o.core.actors import ActorKind
from saleor_o2o.local_delivery.rules import LocalDeliveryAuditKind, LocalDeliveryStatus
from saleor_o2o.store.models import Store

_AMOUNT = dict(max_digits=12, decimal_places=3)


class DeliveryArea(models.Model):
    """Where a store delivers to, for how much, and when (one per store).

    The area is a radius around the store, postal codes or prefixes
    (`DeliveryPostalCode`), or both: an address inside either is served.
    """

    store = models.OneToOneField(
        Store, on_delete=models.CASCADE, related_name="delivery_area"
    )
    is_active = models.BooleanField(default=True)
    #: Kilometres around the store, in a straight line; null for postal codes only.
    radius_km = models.FloatField(
        null=True, blank=True, validators=[MinValueValidator(0)]
    )
    #: Below this order value (lines, gross) the store does not deliver.
    minimum_order_amount = models.DecimalField(default=0, **_AMOUNT)
    #: The fee: base plus this per kilometre, nothing from `free_above_amount` up.
    fee_base_amount = models.DecimalField(default=0, **_AMOUNT)
    fee_per_km_amount = models.DecimalField(default=0, **_AMOUNT)
    free_above_amount = models.DecimalField(null=True, blank=True, **_AMOUNT)
    #: Minutes between the order and the start of the earliest window.
    lead_time_minutes = models.PositiveIntegerField(default=120)
    #: Windows are cut from the store's opening hours, this long each.
    window_minutes = models.PositiveSmallIntegerField(default=120)
    #: Deliveries one window takes.
    window_capacity = models.PositiveIntegerField(default=5)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                check=Q(radius_km__isnull=True) | Q(radius_km__gte=0),
                name="o2o_ldelivery_area_radius",
            )
        ]


class DeliveryPostalCode(models.Model):
    """A postal code, or the prefix of some, that a store delivers to.

    Stored normalised (upper case, no spaces or dashes), so a lookup for one address
    matches every prefix of its code in one indexed query.
    """

    area = models.ForeignKey(
        DeliveryArea, on_delete=models.CASCADE, related_name="postal_codes"
    )
    country = models.CharField(max_length=2)
    prefix = models.CharField(max_length=20)

    class Meta:
        unique_together = (("area", "country", "prefix"),)
        indexes = [
            models.Index(fields=["country", "prefix"], name="o2o_ldelivery_postal")
        ]


class LocalDeliveryMethod(models.Model):
    """The Saleor shipping method that means "delivered by a local store" (one row)."""

    shipping_method = models.OneToOneField(
        ShippingMethod, on_delete=models.CASCADE, related_name="o2o_local_delivery"
    )


class CheckoutLocalDelivery(models.Model):
    """The store and window a shopper chose for local delivery of a checkout."""

    checkout = models.OneToOneField(
        Checkout, on_delete=models.CASCADE, related_name="o2o_local_delivery"
    )
    store = models.ForeignKey(Store, on_delete=models.CASCADE, related_name="+")
    window_start = models.DateTimeField()
    window_end = models.DateTimeField()
    #: Straight-line distance from the store to the shipping address when chosen.
    distance_km = models.FloatField(null=True, blank=True)
    #: While the checkout completes, its window place is held until then.
    held_until = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)


class LocalDelivery(models.Model):
    """An order delivered to the shopper's door from a local store."""

    order = models.OneToOneField(
        Order, on_delete=models.CASCADE, related_name="o2o_local_delivery"
    )
    store = models.ForeignKey(
        Store, on_delete=models.PROTECT, related_name="local_deliveries"
    )
    status = models.CharField(
        max_length=32,
        choices=LocalDeliveryStatus.CHOICES,
        default=LocalDeliveryStatus.RECEIVED,
    )
    window_start = models.DateTimeField(db_index=True)
    window_end = models.DateTimeField()
    distance_km = models.FloatField(null=True, blank=True)
    #: Given by the shopper to the courier: the proof of delivery.
    code = models.CharField(max_length=12, db_index=True)
    courier_name = models.CharField(max_length=120, blank=True, default="")
    tracking_reference = models.CharField(max_length=255, blank=True, default="")
    #: Times it went out; a failed attempt may go out again.
    attempts = models.PositiveSmallIntegerField(default=0)
    failed_code_attempts = models.PositiveSmallIntegerField(default=0)
    code_locked_until = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=now, editable=False)
    updated_at = models.DateTimeField(default=now)
    delivered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ("window_start", "pk")
        indexes = [
            models.Index(fields=["store", "status"], name="o2o_ldelivery_store_status"),
        ]


class LocalDeliveryTransition(models.Model):
    """One entry of a delivery's audit trail."""

    delivery = models.ForeignKey(
        LocalDelivery, on_delete=models.CASCADE, related_name="transitions"
    )
    kind = models.CharField(
        max_length=32,
        choices=LocalDeliveryAuditKind.CHOICES,
        default=LocalDeliveryAuditKind.STATUS,
    )
    from_status = models.CharField(max_length=32, choices=LocalDeliveryStatus.CHOICES)
    to_status = models.CharField(max_length=32, choices=LocalDeliveryStatus.CHOICES)
    created_at = models.DateTimeField(default=now, editable=False)
    actor_type = models.CharField(max_length=16, choices=ActorKind.CHOICES)
    user = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    app = models.ForeignKey(
        App, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    note = models.TextField(blank=True, default="")

    class Meta:
        ordering = ("created_at", "pk")


class LocalDeliveryEmail(models.Model):
    """An e-mail due to a shopper about their delivery (an outbox, as for pickups).

    A delivery may fail more than once, so an e-mail belongs to the transition that
    caused it.
    """

    KINDS = [
        ("on_its_way", "On its way, with the window and the code"),
        ("delivered", "Delivered"),
        ("failed_attempt", "A delivery attempt failed"),
    ]

    delivery = models.ForeignKey(
        LocalDelivery, on_delete=models.CASCADE, related_name="emails"
    )
    transition = models.OneToOneField(
        LocalDeliveryTransition, on_delete=models.CASCADE, related_name="email"
    )
    kind = models.CharField(max_length=32, choices=KINDS)
    created_at = models.DateTimeField(default=now, editable=False)
    sent_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    last_error = models.TextField(blank=True, default="")

    class Meta:
        indexes = [
            models.Index(
                fields=["created_at"],
                name="o2o_ldelivery_email_unsent",
                condition=Q(sent_at__isnull=True),
            )
        ]
