"""Stores (the physical shops behind Saleor warehouses), pickups and offers."""

import uuid

from django.conf import settings
from django.contrib.postgres.fields import JSONField
from django.db import models
from django.db.models import Q
from django.utils.timezone import now
from saleor.account.models import PossiblePhoneNumberField, User
from saleor.app.models import App
from saleor.checkout.models import Checkout
from saleor.order.models import Order
from saleor.product.models import Category, Product
from saleor.shipping.models import ShippingMethod
from saleor.warehouse.models import Stock, Warehouse
from saleor.webhook.models import Webhook

from saleor_o2o.domain import access, delivery, hours, lifecycle, offers


class GeocodingStatus:
    """Where a store's coordinates stand."""

    #: Coordinates were entered by staff; nothing to geocode.
    MANUAL = "manual"
    #: The address is waiting to be geocoded (or a transient failure is being retried).
    PENDING = "pending"
    #: The coordinates come from the geocoding provider.
    SUCCEEDED = "succeeded"
    #: Geocoding gave up; `geocoding_error` says why.
    FAILED = "failed"

    CHOICES = [
        (MANUAL, "Entered by staff"),
        (PENDING, "Waiting to be geocoded"),
        (SUCCEEDED, "Geocoded"),
        (FAILED, "Geocoding failed"),
    ]


class StoreQueryset(models.QuerySet):
    def active(self):
        return self.filter(is_active=True)

    def with_coordinates(self):
        return self.filter(latitude__isnull=False, longitude__isnull=False)


class Store(models.Model):
    """A physical store, backed one-to-one by a Saleor warehouse holding its stock."""

    warehouse = models.OneToOneField(
        Warehouse, on_delete=models.CASCADE, related_name="o2o_store"
    )
    name = models.CharField(max_length=250)
    slug = models.SlugField(max_length=255, unique=True)
    phone = PossiblePhoneNumberField(blank=True, default="")
    email = models.EmailField(blank=True, default="")

    latitude = models.FloatField(null=True, blank=True)
    longitude = models.FloatField(null=True, blank=True)
    #: IANA time zone name; opening hours are wall-clock times in it.
    timezone = models.CharField(max_length=63, default="UTC")
    #: Weekly intervals, as written by `hours.weekly_to_json`.
    opening_hours = JSONField(default=list, blank=True)

    is_click_and_collect = models.BooleanField(default=True)
    is_curbside = models.BooleanField(default=False)
    #: Minutes staff need to prepare an order for pickup.
    pickup_lead_time_minutes = models.PositiveIntegerField(default=120)
    #: Units of each variant held back from click-and-collect (for walk-in shoppers).
    pickup_safety_stock = models.PositiveIntegerField(default=0)
    #: Units available for pickup at or below which a variant counts as low on stock;
    #: null turns low-stock events off.
    low_stock_threshold = models.PositiveIntegerField(null=True, blank=True)
    #: Length of a pickup slot, in minutes.
    pickup_slot_minutes = models.PositiveSmallIntegerField(default=60)
    #: Pickups one slot takes; 0 means the store does not book slots.
    pickup_slot_capacity = models.PositiveIntegerField(default=0)
    is_active = models.BooleanField(default=True)

    geocoding_status = models.CharField(
        max_length=16, choices=GeocodingStatus.CHOICES, default=GeocodingStatus.MANUAL
    )
    geocoding_error = models.TextField(blank=True, default="")
    geocoding_attempts = models.PositiveSmallIntegerField(default=0)
    geocoding_requested_at = models.DateTimeField(null=True, blank=True)
    geocoded_at = models.DateTimeField(null=True, blank=True)

    created_at = models.DateTimeField(default=now, editable=False)
    updated_at = models.DateTimeField(auto_now=True)

    objects = StoreQueryset.as_manager()

    class Meta:
        ordering = ("name", "slug")
        constraints = [
            models.CheckConstraint(
                check=Q(latitude__gte=-90, latitude__lte=90),
                name="o2o_store_latitude_range",
            ),
            models.CheckConstraint(
                check=Q(longitude__gte=-180, longitude__lte=180),
                name="o2o_store_longitude_range",
            ),
            models.CheckConstraint(
                check=Q(latitude__isnull=True, longitude__isnull=True)
                | Q(latitude__isnull=False, longitude__isnull=False),
                name="o2o_store_coordinates_together",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def address(self):
        return self.warehouse.address

    @property
    def has_coordinates(self) -> bool:
        return self.latitude is not None and self.longitude is not None

    def schedule(self, exceptions=None) -> hours.Schedule:
        """Return the store's opening hours as a domain schedule."""
        if exceptions is None:
            exceptions = self.hours_exceptions.all()
        return hours.Schedule(
            timezone=self.timezone,
            weekly=hours.weekly_from_json(self.opening_hours),
            exceptions=tuple(exception.as_domain() for exception in exceptions),
        )


class StoreHoursException(models.Model):
    """Hours that replace the weekly ones on one date: a holiday or special hours."""

    store = models.ForeignKey(
        Store, on_delete=models.CASCADE, related_name="hours_exceptions"
    )
    date = models.DateField()
    name = models.CharField(
        max_length=hours.EXCEPTION_NAME_MAX_LENGTH, blank=True, default=""
    )
    #: Intervals as written by `hours.intervals_to_json`; empty means closed.
    intervals = JSONField(default=list, blank=True)

    class Meta:
        ordering = ("date",)
        unique_together = (("store", "date"),)

    def __str__(self) -> str:
        return f"{self.store}: {self.date} {self.name}".strip()

    def as_domain(self) -> hours.DateException:
        return hours.DateException(
            date=self.date,
            intervals=hours.intervals_from_json(self.intervals),
            name=self.name,
        )


class O2OEvent(models.Model):
    """Something that happened, recorded in the transaction that caused it.

    Webhook delivery reads these rows (an outbox), so no event is lost when the
    broker or a receiver is down.
    """

    type = models.CharField(max_length=64, db_index=True)
    payload = JSONField(default=dict)
    created_at = models.DateTimeField(default=now, editable=False, db_index=True)

    class Meta:
        ordering = ("created_at", "pk")

    def __str__(self) -> str:
        return f"{self.type} at {self.created_at:%Y-%m-%d %H:%M:%S}"


class PickupMethod(models.Model):
    """The Saleor shipping method that means "collect in a store" (one row)."""

    shipping_method = models.OneToOneField(
        ShippingMethod, on_delete=models.CASCADE, related_name="o2o_pickup_method"
    )


class CheckoutPickup(models.Model):
    """The store a shopper chose to collect a checkout in."""

    checkout = models.OneToOneField(
        Checkout, on_delete=models.CASCADE, related_name="o2o_pickup"
    )
    store = models.ForeignKey(Store, on_delete=models.CASCADE, related_name="+")
    is_curbside = models.BooleanField(default=False)
    #: Start of the pickup slot chosen, if the store books slots.
    slot_start = models.DateTimeField(null=True, blank=True)
    #: While the checkout completes, its slot is held until then (see `pickups`).
    held_until = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)


class PickupReservation(models.Model):
    """Units of a store's stock held for a checkout between its check and its order.

    Saleor 2.10 takes the payment before it creates the order; a reservation made
    before the payment keeps another shopper from taking the units meanwhile.
    """

    checkout = models.ForeignKey(
        Checkout, on_delete=models.CASCADE, related_name="o2o_reservations"
    )
    stock = models.ForeignKey(
        Stock, on_delete=models.CASCADE, related_name="o2o_reservations"
    )
    quantity = models.PositiveIntegerField()
    expires_at = models.DateTimeField(db_index=True)

    class Meta:
        unique_together = (("checkout", "stock"),)


class PickupStatus:
    """Where a pickup order stands (the transitions are in `domain.lifecycle`)."""

    RECEIVED = lifecycle.RECEIVED
    PREPARING = lifecycle.PREPARING
    READY = lifecycle.READY
    CUSTOMER_ARRIVED = lifecycle.CUSTOMER_ARRIVED
    COLLECTED = lifecycle.COLLECTED
    EXPIRED = lifecycle.EXPIRED
    CANCELLED = lifecycle.CANCELLED

    CHOICES = [
        (RECEIVED, "Received"),
        (PREPARING, "Being prepared"),
        (READY, "Ready for pickup"),
        (CUSTOMER_ARRIVED, "Customer arrived"),
        (COLLECTED, "Collected"),
        (EXPIRED, "Expired"),
        (CANCELLED, "Cancelled"),
    ]


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


class PickupActor:
    """Who made a pickup transition."""

    STAFF = lifecycle.STAFF
    APP = lifecycle.APP
    SHOPPER = lifecycle.SHOPPER
    SYSTEM = lifecycle.SYSTEM

    CHOICES = [
        (STAFF, "Staff user"),
        (APP, "App"),
        (SHOPPER, "Shopper"),
        (SYSTEM, "The system"),
    ]


class PickupAuditKind:
    """What an entry of a pickup's audit trail records."""

    STATUS = "status"
    CODE_UNLOCKED = "code_unlocked"
    COLLECTOR_AUTHORISED = "collector_authorised"

    CHOICES = [
        (STATUS, "A change of status"),
        (CODE_UNLOCKED, "A manager released the handover code lock"),
        (COLLECTOR_AUTHORISED, "The shopper named someone to collect"),
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


class WebhookSubscription(models.Model):
    """A Saleor webhook's subscription to an O2O event type.

    Saleor's `WebhookEvent` rows are read through its fixed GraphQL enum, so O2O
    event types are kept here, next to them.
    """

    webhook = models.ForeignKey(
        Webhook, on_delete=models.CASCADE, related_name="o2o_subscriptions"
    )
    event_type = models.CharField(max_length=64, db_index=True)

    class Meta:
        unique_together = (("webhook", "event_type"),)


class DeliveryStatus:
    PENDING = delivery.PENDING
    DELIVERED = delivery.DELIVERED
    DEAD = delivery.DEAD

    CHOICES = [
        (PENDING, "Waiting to be sent or retried"),
        (DELIVERED, "Accepted by the receiver"),
        (DEAD, "Given up after the last attempt"),
    ]


class WebhookDelivery(models.Model):
    """An event to send to one webhook, created in the event's transaction."""

    #: Sent as the idempotency key: the same on every attempt.
    key = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    event = models.ForeignKey(
        O2OEvent, on_delete=models.CASCADE, related_name="deliveries"
    )
    webhook = models.ForeignKey(
        Webhook, on_delete=models.CASCADE, related_name="o2o_deliveries"
    )
    status = models.CharField(
        max_length=16, choices=DeliveryStatus.CHOICES, default=DeliveryStatus.PENDING
    )
    attempts = models.PositiveIntegerField(default=0)
    next_attempt_at = models.DateTimeField(default=now)
    #: A worker sending it owns it until then.
    leased_until = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=now, editable=False)
    delivered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ("created_at", "pk")
        indexes = [
            models.Index(
                fields=["next_attempt_at"],
                name="o2o_delivery_due_idx",
                condition=Q(status=DeliveryStatus.PENDING),
            ),
            models.Index(fields=["status", "created_at"], name="o2o_delivery_status"),
        ]


class WebhookAttempt(models.Model):
    """One try at sending a delivery: what the receiver answered, and how fast."""

    delivery = models.ForeignKey(
        WebhookDelivery, on_delete=models.CASCADE, related_name="attempt_records"
    )
    created_at = models.DateTimeField(default=now, editable=False)
    succeeded = models.BooleanField()
    response_status_code = models.PositiveSmallIntegerField(null=True, blank=True)
    duration_ms = models.PositiveIntegerField()
    #: Why it failed, as a class of error (`domain.delivery.AttemptError`, or
    #: "HTTP <status>"); never the receiver's answer. Empty if it succeeded.
    error = models.TextField(blank=True, default="")

    class Meta:
        ordering = ("created_at", "pk")


class Offer(models.Model):
    """An in-store reward promoted online to shoppers near the stores it is valid in."""

    title = models.CharField(max_length=200)
    description = models.TextField(blank=True, default="")
    terms = models.TextField(blank=True, default="")
    image_url = models.URLField(max_length=500, blank=True, default="")
    #: Valid in every active store; `stores` is then ignored.
    all_stores = models.BooleanField(default=False)
    stores = models.ManyToManyField(
        Store, blank=True, related_name="offers", through="OfferStore"
    )
    #: Shoppers see the offer within this distance of a store it is valid in.
    geofence_radius_km = models.FloatField(default=5.0)
    starts_at = models.DateTimeField(default=now)
    ends_at = models.DateTimeField(null=True, blank=True)
    reward_type = models.CharField(max_length=16, choices=offers.RewardType.CHOICES)
    #: Percent (0-100] or an amount in the shop's currency; 0 for gifts.
    reward_value = models.DecimalField(max_digits=12, decimal_places=2, default=0)
    reward_gift = models.CharField(max_length=250, blank=True, default="")
    #: Claims one shopper may make; null means no limit.
    per_shopper_limit = models.PositiveIntegerField(null=True, blank=True, default=1)
    #: Claims in all; null means no limit.
    total_limit = models.PositiveIntegerField(null=True, blank=True)
    #: Claims made so far, kept under the offer's row lock to enforce `total_limit`.
    claimed_count = models.PositiveIntegerField(default=0)
    target_categories = models.ManyToManyField(
        Category, blank=True, related_name="o2o_offers"
    )
    target_products = models.ManyToManyField(
        Product, blank=True, related_name="o2o_offers"
    )
    customer_segment = models.CharField(
        max_length=16,
        choices=offers.CustomerSegment.CHOICES,
        default=offers.CustomerSegment.ALL,
    )
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(default=now, editable=False)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ("-created_at", "pk")
        indexes = [
            models.Index(
                fields=["starts_at"],
                name="o2o_offer_all_stores_live",
                condition=Q(all_stores=True, is_active=True),
            )
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def validity(self) -> offers.Validity:
        return offers.Validity(
            is_active=self.is_active, starts_at=self.starts_at, ends_at=self.ends_at
        )

    @property
    def reward(self) -> offers.Reward:
        return offers.Reward(
            type=self.reward_type, value=self.reward_value, gift=self.reward_gift
        )


class OfferStore(models.Model):
    """A store an offer is valid in, with the offer's search fields copied.

    `offers(near:)` reads these rows from one index per nearby store (store, then
    the copied geofence, dates and active flag), never the offers themselves; the
    offer services keep the copies equal to the offer's own fields.
    """

    offer = models.ForeignKey(Offer, on_delete=models.CASCADE, related_name="+")
    store = models.ForeignKey(Store, on_delete=models.CASCADE, related_name="+")
    geofence_radius_km = models.FloatField()
    starts_at = models.DateTimeField()
    ends_at = models.DateTimeField(null=True, blank=True)
    is_active = models.BooleanField()

    #: The offer fields copied onto each row.
    COPIED = ("geofence_radius_km", "starts_at", "ends_at", "is_active")

    class Meta:
        unique_together = (("offer", "store"),)


class OfferClaim(models.Model):
    """A shopper's claim of an offer: the code they show at the till."""

    offer = models.ForeignKey(Offer, on_delete=models.CASCADE, related_name="claims")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="o2o_offer_claims",
    )
    #: Identifies an anonymous shopper (a token the storefront keeps).
    anonymous_token = models.UUIDField(null=True, blank=True, db_index=True)
    code = models.CharField(max_length=16, unique=True)
    #: The store shown with the offer when it was claimed, if the storefront said.
    claimed_store = models.ForeignKey(
        Store, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=now, editable=False)
    redeemed_at = models.DateTimeField(null=True, blank=True)
    redeemed_store = models.ForeignKey(
        Store,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="offer_redemptions",
    )
    redeemed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        ordering = ("-created_at", "pk")
        indexes = [models.Index(fields=["offer", "user"], name="o2o_claim_user")]

    def __str__(self) -> str:
        return f"{self.offer}: {self.code}"


class ProductView(models.Model):
    """A product a shopper viewed online: the newest `MAX_VIEWS_KEPT` per shopper,
    erasable by the shopper, deleted after `VIEWS_MAX_AGE` (domain.offers)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="o2o_product_views",
    )
    anonymous_token = models.UUIDField(null=True, blank=True, db_index=True)
    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="+")
    viewed_at = models.DateTimeField(default=now)

    class Meta:
        ordering = ("-viewed_at", "pk")
        indexes = [
            models.Index(fields=["user", "viewed_at"], name="o2o_view_user"),
            # The purge of views past their retention.
            models.Index(fields=["viewed_at"], name="o2o_view_viewed_at"),
        ]


class OfferImpression(models.Model):
    """How often an offer was shown to shoppers with a store as its nearest: once a
    day per shopper (see `OfferImpressionMark`)."""

    offer = models.ForeignKey(
        Offer, on_delete=models.CASCADE, related_name="impressions"
    )
    store = models.ForeignKey(Store, on_delete=models.CASCADE, related_name="+")
    shown = models.PositiveIntegerField(default=0)

    class Meta:
        unique_together = (("offer", "store"),)


class OfferImpressionMark(models.Model):
    """An offer shown to a shopper on a day: its impression was counted already.

    Only the insert of a new mark counts an impression, so reloads and repeated
    searches of one shopper count once a day. Marks are purged once their day is
    past (`offers.shopper_signals_purge`).
    """

    #: No index of its own: the unique index starts with it.
    offer = models.ForeignKey(
        Offer, on_delete=models.CASCADE, related_name="+", db_index=False
    )
    #: Who was shown it: "user:<pk>" or "token:<anonymous token>".
    shopper_key = models.CharField(max_length=48)
    #: The day (UTC).
    day = models.DateField()

    class Meta:
        unique_together = (("offer", "shopper_key", "day"),)
        indexes = [models.Index(fields=["day"], name="o2o_impression_mark_day")]


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


class OfferRedeemFailure(models.Model):
    """An unknown code entered at a store's till: counted to stop code guessing.

    Kept in the database rather than a cache so that every server process counts
    the same attempts, whatever cache the shop configures.
    """

    store = models.ForeignKey(Store, on_delete=models.CASCADE, related_name="+")
    user = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    app = models.ForeignKey(
        App, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    created_at = models.DateTimeField(default=now, editable=False)

    class Meta:
        indexes = [
            models.Index(fields=["store", "created_at"], name="o2o_redeem_failure_idx")
        ]


class StoreRole:
    """What a member of a store's staff may do there (see `domain.access`)."""

    CLERK = access.CLERK
    MANAGER = access.MANAGER

    CHOICES = [
        (CLERK, "Clerk: the pickup desk and offer codes"),
        (MANAGER, "Manager: also the store's settings, stock and clerks"),
    ]


class StoreMembership(models.Model):
    """A staff user working in a store, as a clerk or a manager."""

    user = models.ForeignKey(
        User, on_delete=models.CASCADE, related_name="o2o_store_memberships"
    )
    store = models.ForeignKey(
        Store, on_delete=models.CASCADE, related_name="memberships"
    )
    role = models.CharField(max_length=16, choices=StoreRole.CHOICES)
    created_at = models.DateTimeField(default=now, editable=False)

    class Meta:
        ordering = ("store", "user")
        unique_together = (("user", "store"),)


class StaffAllStores(models.Model):
    """A staff user who acts in every store, as all staff did before store staff."""

    user = models.OneToOneField(
        User, on_delete=models.CASCADE, primary_key=True, related_name="o2o_all_stores"
    )
    granted_at = models.DateTimeField(default=now, editable=False)


class AppStore(models.Model):
    """A store an app is narrowed to; an app with none acts in every store."""

    app = models.ForeignKey(App, on_delete=models.CASCADE, related_name="o2o_stores")
    store = models.ForeignKey(Store, on_delete=models.CASCADE, related_name="+")

    class Meta:
        unique_together = (("app", "store"),)
