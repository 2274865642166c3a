"""Stores (the physical shops behind Saleor warehouses), pickups and offers."""

from django.contrib.postgres.fields import JSONField
from django.db import models
from django.db.models import Q
from django.utils.timezone import now
from saleor.account.models import PossiblePhoneNumberField, User
from saleor.app.models import App
from saleor.checkout.models import Checkout
from saleor.shipping.models import ShippingMethod
from saleor.warehouse.models import Stock, Warehouse

from saleor_o2o.store import hours
from saleor_o2o.store import reach as access


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


class StoreService:
    """A service a store offers to shoppers who order online."""

    CLICK_AND_COLLECT = "click_and_collect"
    CURBSIDE = "curbside"

    CHOICES = [
        (CLICK_AND_COLLECT, "Orders can be collected in the store."),
        (CURBSIDE, "Orders can be brought out to the shopper's car."),
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


class PickupMethod(models.Model):
    """The Saleor shipping method that means "collect in a store" (one row)."""

    shipping_method = models.OneToOneField(
        ShippingMethod, on_delete=models.CASCADE, related_name="o2o_pickup_method"
    )


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


class StockHold(models.Model):
    """Units of a store's stock held for a shopper who comes to see or try them
    (`visits.try_on`), kept from every promise until ``held_until``.

    Counted wherever the store's stock is promised (`store.holds`): pickup and
    local delivery availability and reservations, routing and Saleor's own stock
    checks. Written only by the holder of its stock row's lock.
    """

    stock = models.ForeignKey(Stock, on_delete=models.CASCADE, related_name="o2o_holds")
    quantity = models.PositiveIntegerField()
    held_until = models.DateTimeField(db_index=True)


class StoreRole:
    """What a member of a store's staff may do there (see `store.reach`)."""

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
