"""Offers, their stores, claims, and the shopper signals they are ranked by."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.timezone import now
from saleor.account.models import User
from saleor.app.models import App
from saleor.product.models import Category, Product

from saleor_o2o.offer import rules as offer_rules
from saleor_o2o.store.models import Store


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
    reward_type = models.CharField(
        max_length=16, choices=offer_rules.RewardType.CHOICES
    )
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
        choices=offer_rules.CustomerSegment.CHOICES,
        default=offer_rules.CustomerSegment.ALL,
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
    def validity(self) -> offer_rules.Validity:
        return offer_rules.Validity(
            is_active=self.is_active, starts_at=self.starts_at, ends_at=self.ends_at
        )

    @property
    def reward(self) -> offer_rules.Reward:
        return offer_rules.Reward(
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
    past (`offer.shoppers.shopper_signals_purge`).
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
