"""Rules of store events, as pure typed Python: schedules, places, RSVPs, tokens.

No ORM here: services load the rows and apply these checks under their locks.
"""

import datetime as dt
import hashlib
import hmac
import secrets
from typing import Optional
from urllib.parse import urlsplit

from saleor_o2o.core.errors import InvalidInput, O2OError

#: The longest an event may last (a festival week, a month-long exhibition).
MAX_DURATION = dt.timedelta(days=92)
#: The most places an event may have; null capacity means no limit.
MAX_CAPACITY = 100_000
#: Bytes of randomness in a nonce behind a cancel token.
NONCE_BYTES = 24
#: Separates the cancel tokens' HMAC from every other use of the secret key.
TOKEN_KEY_SALT = b"saleor-o2o:store-event-rsvp-cancel:"


class RsvpStatus:
    """Where an RSVP stands."""

    CONFIRMED = "confirmed"
    CANCELLED = "cancelled"

    CHOICES = [
        (CONFIRMED, "The shopper has a place"),
        (CANCELLED, "The shopper gave their place back"),
    ]


class EventSort:
    """How events near a shopper are ranked."""

    DISTANCE = "distance"
    STARTS_AT = "starts_at"

    CHOICES = [
        (DISTANCE, "Nearest store first, then soonest"),
        (STARTS_AT, "Soonest first, then nearest store"),
    ]


def schedule_check(*, starts_at: dt.datetime, ends_at: dt.datetime) -> None:
    """Refuse an event that ends before it starts or lasts too long."""
    if ends_at <= starts_at:
        raise InvalidInput("An event ends after it starts.", field="endsAt")
    if ends_at - starts_at > MAX_DURATION:
        raise InvalidInput(
            f"An event may last at most {MAX_DURATION.days} days.",
            field="endsAt",
            code="OUT_OF_RANGE",
        )


def capacity_check(capacity: Optional[int], *, taken: int = 0) -> None:
    """Refuse a capacity below 1, above `MAX_CAPACITY`, or below the places taken."""
    if capacity is None:
        return
    if not 1 <= capacity <= MAX_CAPACITY:
        raise InvalidInput(
            f"Capacity must be 1 to {MAX_CAPACITY} (null: no limit).",
            field="capacity",
            code="OUT_OF_RANGE",
        )
    if capacity < taken:
        raise InvalidInput(
            f"{taken} places are taken already; the capacity cannot be lower.",
            field="capacity",
            code="OUT_OF_RANGE",
        )


def image_url_check(url: str) -> None:
    """Refuse an image that is not an absolute https URL (shown on the public page
    and in link previews, which fetch it)."""
    if not url:
        return
    parts = urlsplit(url)
    if parts.scheme != "https" or not parts.hostname or parts.username:
        raise InvalidInput("Give an https:// image URL.", field="imageUrl")
    if any(ch.isspace() or ord(ch) < 32 for ch in url):
        raise InvalidInput("Give an https:// image URL.", field="imageUrl")


def places_left(capacity: Optional[int], taken: int) -> Optional[int]:
    """Return the places still free (None: no limit)."""
    if capacity is None:
        return None
    return max(0, capacity - taken)


def rsvp_check(
    *,
    starts_at: dt.datetime,
    now: dt.datetime,
    capacity: Optional[int],
    taken: int,
    already: bool,
) -> None:
    """Refuse an RSVP to an event that started, is full, or that the shopper
    (account or e-mail) already has a place at."""
    if now >= starts_at:
        raise O2OError("The event has started.", field="eventId", code="EVENT_STARTED")
    if already:
        raise O2OError(
            "You have a place at this event already.",
            field="email",
            code="ALREADY_RSVPED",
        )
    if places_left(capacity, taken) == 0:
        raise O2OError("The event is full.", field="eventId", code="EVENT_FULL")


def cancel_check(*, status: str, starts_at: dt.datetime, now: dt.datetime) -> None:
    """Refuse cancelling an RSVP cancelled already, or once the event started."""
    if status == RsvpStatus.CANCELLED:
        raise O2OError(
            "This place was given back already.",
            field="token",
            code="ALREADY_CANCELLED",
        )
    if now >= starts_at:
        raise O2OError("The event has started.", field="token", code="EVENT_STARTED")


def new_nonce() -> str:
    """Return a fresh random nonce for an RSVP's cancel token."""
    return secrets.token_urlsafe(NONCE_BYTES)


def cancel_token(nonce: str, *, secret: str) -> str:
    """Return the cancel token of an RSVP: an HMAC-SHA-256 of its nonce under the
    site's secret key, so the database alone never yields a working token."""
    key = hashlib.sha256(TOKEN_KEY_SALT + secret.encode()).digest()
    return hmac.new(key, nonce.encode(), hashlib.sha256).hexdigest()
