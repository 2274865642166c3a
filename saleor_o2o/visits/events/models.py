"""Store events: dated events at one or more stores, and shoppers' RSVPs to them."""

from django.db import models
from django.db.models import Q
from django.utils.timezone import now
from saleor.account.models import User

from saleor_o2o.store.models import Store
from saleor_o2o.visits.events.rules import RsvpStatus


class StoreEvent(models.Model):
    """An event held at one or more stores (a workshop, a launch, a tasting)."""

    title = models.CharField(max_length=200)
    #: Names the public page, ``/o2o/events/<slug>/``.
    slug = models.SlugField(max_length=120, unique=True)
    description = models.TextField(blank=True, default="")
    #: An https image, shown on the page and in link previews (og:image).
    image_url = models.URLField(max_length=500, blank=True, default="")
    starts_at = models.DateTimeField()
    ends_at = models.DateTimeField()
    #: Places in all; null means no limit.
    capacity = models.PositiveIntegerField(null=True, blank=True)
    #: Shoppers see published events only (listing, page, RSVP).
    is_published = models.BooleanField(default=False)
    stores = models.ManyToManyField(
        Store, related_name="store_events", through="StoreEventStore"
    )
    created_at = models.DateTimeField(default=now, editable=False)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ("starts_at", "pk")

    def __str__(self) -> str:
        return self.title


class StoreEventStore(models.Model):
    """A store an event is held at, with the event's search fields copied.

    `storeEvents(near:)` reads these rows from one index per nearby store (as offers
    read `OfferStore`); the event services keep the copies equal to the event's.
    """

    event = models.ForeignKey(StoreEvent, on_delete=models.CASCADE, related_name="+")
    store = models.ForeignKey(Store, on_delete=models.CASCADE, related_name="+")
    starts_at = models.DateTimeField()
    ends_at = models.DateTimeField()
    is_published = models.BooleanField()

    #: The event fields copied onto each row.
    COPIED = ("starts_at", "ends_at", "is_published")

    class Meta:
        unique_together = (("event", "store"),)
        indexes = [
            models.Index(
                fields=["store", "ends_at"],
                name="o2o_event_store_upcoming",
                condition=Q(is_published=True),
            )
        ]


class StoreEventRsvp(models.Model):
    """A place at an event, taken by a logged-in shopper or a guest's e-mail."""

    event = models.ForeignKey(
        StoreEvent, on_delete=models.CASCADE, related_name="rsvps"
    )
    #: The logged-in shopper, or null for a guest (then only the e-mail).
    user = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    #: Lower case, so one address holds one place per event.
    email = models.EmailField()
    status = models.CharField(
        max_length=16, choices=RsvpStatus.CHOICES, default=RsvpStatus.CONFIRMED
    )
    #: SHA-256 of the cancel token (never stored plain).
    token_hash = models.CharField(max_length=64, unique=True)
    #: Random; the token is its HMAC under the secret key (`rules.cancel_token`), so
    #: the confirmation e-mail, sent later, can carry the link.
    token_nonce = models.CharField(max_length=64)
    #: SHA-256 of a guest's IP address, to limit RSVPs per client; empty otherwise.
    client_key = models.CharField(max_length=64, blank=True, default="")
    created_at = models.DateTimeField(default=now, editable=False)
    cancelled_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ("-created_at", "pk")
        constraints = [
            models.UniqueConstraint(
                fields=["event", "email"],
                condition=Q(status=RsvpStatus.CONFIRMED),
                name="o2o_event_rsvp_one_place",
            )
        ]
        indexes = [
            models.Index(fields=["user", "created_at"], name="o2o_event_rsvp_user"),
            models.Index(
                fields=["client_key", "created_at"],
                name="o2o_event_rsvp_client",
                condition=~Q(client_key=""),
            ),
        ]


class StoreEventEmail(models.Model):
    """An e-mail due to a shopper about their RSVP (the outbox of `core.emails`)."""

    KINDS = [("confirmed", "The place is confirmed, with the cancel link and .ics")]

    rsvp = models.ForeignKey(
        StoreEventRsvp, on_delete=models.CASCADE, related_name="emails"
    )
    kind = models.CharField(max_length=32, choices=KINDS)
    created_at = models.DateTimeField(default=now, editable=False)
    sent_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    last_error = models.TextField(blank=True, default="")

    class Meta:
        unique_together = (("rsvp", "kind"),)
        indexes = [
            models.Index(
                fields=["created_at"],
                name="o2o_event_email_unsent",
                condition=Q(sent_at__isnull=True),
            )
        ]
