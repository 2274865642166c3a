"""RSVPs to store events: a place taken, and given back with the cancel token.

The last place is race-safe: an RSVP locks its event's row (``FOR UPDATE``) and
counts the confirmed places under that lock, so RSVPs to one event queue up and the
count never goes past the capacity; a unique index on (event, e-mail) of confirmed
RSVPs backs the one-place-per-address rule. Lock order: the event row, then RSVP
rows; cancelling locks the RSVP row only.

The cancel token is shown once, in the answer and in the confirmation e-mail; only
its SHA-256 is stored (see `rules.cancel_token`).
"""

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Optional

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from saleor_o2o.core.errors import NotFound, O2OError
from saleor_o2o.core.limits import guest_rsvps_per_hour
from saleor_o2o.core.tokens import token_hash
from saleor_o2o.core.validation import shopper_email
from saleor_o2o.visits.events import rules
from saleor_o2o.visits.events.emails import store_event_email_record
from saleor_o2o.visits.events.models import StoreEvent, StoreEventRsvp
from saleor_o2o.visits.events.payloads import rsvp_payload
from saleor_o2o.visits.events.services import event_store_ids
from saleor_o2o.webhook.events import O2OEventType, events_record

#: The window guests' RSVPs are counted in, per client.
GUEST_WINDOW = timedelta(hours=1)


@dataclass(frozen=True)
class RsvpMade:
    rsvp: StoreEventRsvp
    #: The cancel token: shown to the shopper once, never stored.
    token: str


def _guest_limit_check(client: str, now: datetime) -> None:
    if not client:
        return
    recent = StoreEventRsvp.objects.filter(
        client_key=client, created_at__gte=now - GUEST_WINDOW
    ).count()
    if recent >= guest_rsvps_per_hour():
        raise O2OError(
            "Too many RSVPs from here without an account: log in, or try later.",
            field="email",
            code="TOO_MANY_REQUESTS",
        )


def store_event_rsvp(
    *,
    event_id: int,
    user=None,
    email: Optional[str] = None,
    client: str = "",
    now: Optional[datetime] = None,
) -> RsvpMade:
    """Take a place at a published event that has not started, for a logged-in
    shopper (their account's e-mail) or a guest's e-mail; return it with its
    cancel token. Guests are limited per client (`core.limits`)."""
    now = now or timezone.now()
    if user is not None and not getattr(user, "is_authenticated", False):
        user = None
    address = shopper_email(user, email).lower()
    if user is None:
        _guest_limit_check(client, now)
    with transaction.atomic():
        event = (
            StoreEvent.objects.select_for_update()
            .filter(pk=event_id, is_published=True)
            .first()
        )
        if event is None:
            raise NotFound("No such event.", field="eventId")
        confirmed = StoreEventRsvp.objects.filter(
            event=event, status=rules.RsvpStatus.CONFIRMED
        )
        mine = confirmed.filter(email=address)
        if user is not None:
            mine = mine | confirmed.filter(user=user)
        rules.rsvp_check(
            starts_at=event.starts_at,
            now=now,
            capacity=event.capacity,
            taken=confirmed.count(),
            already=mine.exists(),
        )
        nonce = rules.new_nonce()
        token = rules.cancel_token(nonce, secret=settings.SECRET_KEY)
        rsvp = StoreEventRsvp.objects.create(
            event=event,
            user=user,
            email=address,
            token_hash=token_hash(token),
            token_nonce=nonce,
            client_key="" if user is not None else client,
            created_at=now,
        )
        store_ids = event_store_ids(event)
        events_record(
            type=O2OEventType.STORE_EVENT_RSVP_CREATED,
            payloads=[rsvp_payload(rsvp, event, store_ids)],
            store_ids=store_ids,
        )
        store_event_email_record(rsvp=rsvp, kind="confirmed")
    return RsvpMade(rsvp=rsvp, token=token)


def rsvp_for_token(token: str) -> Optional[StoreEventRsvp]:
    """Return the RSVP a cancel token names, with its event; None if none does."""
    if not isinstance(token, str) or len(token.strip()) != 64:
        return None
    return (
        StoreEventRsvp.objects.select_related("event")
        .filter(token_hash=token_hash(token))
        .first()
    )


def store_event_rsvp_cancel(
    *, token: str, now: Optional[datetime] = None
) -> StoreEventRsvp:
    """Give a place back with its cancel token, until the event starts."""
    now = now or timezone.now()
    if rsvp_for_token(token) is None:
        raise NotFound("No RSVP has this cancel token.", field="token")
    with transaction.atomic():
        rsvp = (
            StoreEventRsvp.objects.select_for_update(of=("self",))
            .select_related("event")
            .filter(token_hash=token_hash(token))
            .first()
        )
        if rsvp is None:  # Its event was deleted meanwhile.
            raise NotFound("No RSVP has this cancel token.", field="token")
        rules.cancel_check(status=rsvp.status, starts_at=rsvp.event.starts_at, now=now)
        rsvp.status = rules.RsvpStatus.CANCELLED
        rsvp.cancelled_at = now
        rsvp.save(update_fields=["status", "cancelled_at"])
        store_ids = event_store_ids(rsvp.event)
        events_record(
            type=O2OEventType.STORE_EVENT_RSVP_CANCELLED,
            payloads=[rsvp_payload(rsvp, rsvp.event, store_ids)],
            store_ids=store_ids,
        )
    return rsvp
